"""Demosaicing traces on pictures whose filter-array history is known because the tests make it."""

from __future__ import annotations

import numpy as np
import pytest

from forensics.algorithms.cfa import (
    blocks_below,
    green_lattice_variances,
    largest_region,
    lattice_blocks,
    picture_trace,
    relative_colour_trace,
    relative_trace,
)
from forensics.evaluation.cases_cfa import DEMOSAICING, bayer_mosaic, simulated_capture

skimage_data = pytest.importorskip("skimage.data")
SQUARE = (slice(256, 448), slice(128, 320))  # rows, columns: 6 x 6 blocks of 32 px, on the lattice


def capture(pixels: np.ndarray, method: str = "bilinear", seed: int = 0) -> np.ndarray:
    return simulated_capture(pixels, method, np.random.default_rng(seed))


@pytest.mark.parametrize("method", list(DEMOSAICING))
def test_simulated_capture_gives_back_the_picture_so_the_bayer_names_are_right(method):
    astronaut = skimage_data.astronaut()
    error = np.abs(capture(astronaut, method).astype(int) - astronaut).mean()
    assert error < 4  # the wrong pattern name swaps red and blue: mean error over 30 grey levels


def test_the_mosaic_keeps_green_on_the_odd_lattice():
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 0], rgb[..., 1], rgb[..., 2] = 10, 20, 30
    assert bayer_mosaic(rgb).tolist() == [[10, 20, 10, 20], [20, 30, 20, 30]] * 2


def test_bilinear_interpolated_green_values_are_predicted_exactly_by_their_neighbours():
    even, odd = green_lattice_variances(capture(skimage_data.astronaut())[:, :, 1])
    # Interpolated values (even lattice for RGGB) are the rounded mean of their neighbours: only rounding is left.
    assert np.median(even) < 0.2 and np.median(odd) > 5


@pytest.mark.parametrize("method", list(DEMOSAICING))
def test_a_demosaiced_picture_has_a_trace_on_the_recorded_lattice_and_a_plain_one_none(method):
    astronaut = skimage_data.astronaut()
    assert picture_trace(lattice_blocks(capture(astronaut, method))) < -0.3  # odd lattice recorded
    assert abs(picture_trace(lattice_blocks(astronaut))) < 0.05


def test_a_region_pasted_one_pixel_off_the_lattice_is_found_where_it_was_pasted():
    picture = capture(skimage_data.astronaut())
    donor = capture(skimage_data.coffee()[:, :512], seed=1)
    forged = picture.copy()
    forged[SQUARE] = donor[100:292, 101:293]
    blocks = lattice_blocks(forged)
    truth = np.zeros_like(blocks.usable)
    truth[8:14, 4:10] = True
    shifted = blocks_below(blocks, -0.75)
    assert (shifted & truth).sum() >= 0.6 * truth.sum() and not (shifted & ~truth).any()
    assert np.median(relative_trace(blocks)[truth & blocks.usable]) < -0.5
    assert not blocks_below(lattice_blocks(picture), 0.25).any()


def test_a_region_from_a_picture_never_demosaiced_lacks_the_trace():
    picture = capture(skimage_data.astronaut())
    forged = picture.copy()
    forged[SQUARE] = skimage_data.coffee()[100:292, 100:292]
    missing = blocks_below(lattice_blocks(forged), 0.25)
    assert missing[9:13, 5:9].all() and missing.sum() <= 36


def test_flat_and_saturated_blocks_are_not_usable():
    picture = np.full((128, 128, 3), 120, np.uint8)
    bright = picture[64:]
    bright[:] = 255
    bright[np.random.default_rng(0).random(bright.shape[:2]) < 0.2] = 60  # textured, but 80 % clipped
    usable = lattice_blocks(picture).usable
    assert not usable[0].any() and not usable[3].any()


def test_largest_region_counts_cells_and_boxes_them():
    mask = np.zeros((6, 8), bool)
    mask[1:3, 2:5] = True
    mask[5, 7] = True
    assert largest_region(mask) == (6, (2, 1, 5, 3))
    assert largest_region(np.zeros((3, 3), bool)) == (0, None)


@pytest.mark.parametrize("method", list(DEMOSAICING))
def test_red_and_blue_carry_a_pattern_of_their_own_that_a_plain_picture_lacks(method):
    astronaut = skimage_data.astronaut()
    captured = lattice_blocks(capture(astronaut, method))
    assert np.median(captured.colour_log_ratio[captured.usable]) > 0.1
    assert np.median(relative_colour_trace(captured)[captured.usable]) == pytest.approx(1.0)
    plain = lattice_blocks(astronaut)
    assert abs(np.median(plain.colour_log_ratio[plain.usable])) < 0.1
    assert (relative_colour_trace(plain) == 1.0).all()  # nothing to compare with: never counts as missing


def test_a_never_demosaiced_region_lacks_the_red_and_blue_pattern_too():
    forged = capture(skimage_data.astronaut(), "VNG")
    forged[SQUARE] = skimage_data.coffee()[100:292, 100:292]
    blocks = lattice_blocks(forged)
    inside = np.zeros_like(blocks.usable)
    inside[9:13, 5:9] = True
    assert np.median(relative_colour_trace(blocks)[inside & blocks.usable]) < 0.25
    missing = blocks_below(blocks, 0.25, colour_too=True)
    square = np.zeros_like(missing)
    square[8:14, 4:10] = True
    assert missing[inside].mean() >= 0.6 and not (missing & ~square).any()
