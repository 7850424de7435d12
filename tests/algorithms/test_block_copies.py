"""Dense block matching: the block features are DCT coefficients, a moved region is found at its shift, and
natural look-alikes (periodic patterns, flat areas) are not."""

from __future__ import annotations

import cv2
import numpy as np
from scipy.fft import dctn

from forensics.algorithms.block_copies import FEATURE_ORDERS, block_features, find_block_copies, nearest_offsets
from tests.helpers import textured_rgb


def grainy(height: int = 256, width: int = 320, seed: int = 0) -> np.ndarray:
    """A smooth scene with a camera's grain (about 8 grey levels): what a copy carries with it."""
    scene = cv2.cvtColor(textured_rgb(height, width, seed), cv2.COLOR_RGB2GRAY).astype(np.float64)
    return np.clip(scene + np.random.default_rng(seed).normal(0, 8, scene.shape), 0, 255).astype(np.uint8)


def test_block_features_are_scaled_dct_ii_coefficients():
    grey = grainy()
    features = block_features(grey, 12)
    block = grey[40:52, 70:82].astype(np.float64)
    reference = dctn(block, type=2) / (4 * 12 * 12)  # SciPy's unnormalised DCT-II, scaled so (0, 0) is the mean
    assert abs(features[40, 70, 0] - block.mean()) < 1e-3
    for index, (u, v) in enumerate(FEATURE_ORDERS):
        assert abs(features[40, 70, index] - reference[u, v]) < 1e-3, (u, v)


def moved(grey: np.ndarray, source: tuple[int, int], shift: tuple[int, int], side: int = 48) -> np.ndarray:
    (y, x), (dy, dx) = source, shift
    forged = grey.copy()
    forged[y + dy:y + dy + side, x + dx:x + dx + side] = grey[y:y + side, x:x + side]
    return forged


def test_the_nearest_block_of_a_moved_region_is_its_source():
    forged = moved(grainy(), (30, 40), (150, 170))
    dy, dx = nearest_offsets(block_features(forged, 12), min_shift_px=40)
    inside = (dy[190:210, 220:240] == -150) & (dx[190:210, 220:240] == -170)  # blocks wholly inside the copy
    assert inside.mean() > 0.9


def test_a_moved_region_is_found_with_its_shift_and_both_places():
    forged = moved(grainy(), (30, 40), (150, 170))
    (copy,) = [c for c in find_block_copies(forged) if c.correlation > 0.5][:1]
    assert copy.shift in {(170, 150), (-170, -150)}
    assert copy.correlation > 0.95 and copy.symmetry > 0.9
    dx, dy = copy.shift
    assert np.array_equal(np.roll(copy.source, (dy, dx), axis=(0, 1)), copy.copy)  # the copy is the source, moved
    # The two squares' top-left corners, within one block (blocks that straddle a square's edge still match).
    corners = sorted(tuple(np.argwhere(mask).min(axis=0)) for mask in (copy.source, copy.copy))
    for found, true in zip(corners, [(30, 40), (180, 210)]):
        assert np.abs(np.subtract(found, true)).max() <= 12


def test_a_periodic_pattern_and_a_flat_area_are_not_copies():
    y, x = np.mgrid[0:256, 0:320]
    tiles = (128 + 60 * np.sin(2 * np.pi * x / 50) * np.sin(2 * np.pi * y / 50)).astype(np.uint8)
    assert find_block_copies(tiles) == []
    flat = np.full((256, 320), 120, np.uint8)
    assert find_block_copies(moved(flat, (30, 40), (150, 170))) == []
