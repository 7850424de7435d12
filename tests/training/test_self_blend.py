"""Self-blended images: the blend is confined to the mask, reproducible, and its boundary target is right."""

from __future__ import annotations

import numpy as np
import pytest

from forensics.models.face_blend import INPUT_PX
from forensics.models.face_mesh import default_mesh_model
from forensics.models.faces import default_face_model
from forensics.training.samples import cell_maximum, training_pair
from forensics.training.self_blend import boundary_map, face_polygon, self_blend

skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def portrait():
    pixels = skimage_data.astronaut()
    (box, _), = default_face_model().boxes(pixels)
    return pixels, box, default_mesh_model().fit(pixels, box).points


def test_boundary_map_is_one_at_half_mixture_and_zero_where_pure():
    assert boundary_map(np.array([0.0, 0.5, 1.0])).tolist() == [0.0, 1.0, 0.0]


def test_cell_maximum_marks_a_cell_when_the_boundary_crosses_it():
    values = np.zeros((32, 32))
    values[3, 20] = 0.8
    assert cell_maximum(values).tolist() == [[0.0, 0.8], [0.0, 0.0]]


@pytest.mark.parametrize("seed", range(6))
def test_pixels_change_only_where_the_mask_says_and_the_same_seed_gives_the_same_sample(portrait, seed):
    pixels, _, points = portrait
    blended, mask, recipe = self_blend(pixels, points, np.random.default_rng(seed))
    again, mask_again, _ = self_blend(pixels, points, np.random.default_rng(seed))
    assert np.array_equal(blended, again) and np.array_equal(mask, mask_again)
    outside = mask == 0
    assert outside.mean() > 0.5  # the face, not the picture
    if recipe.poisson:  # the softened mask reaches a little past the hard one; the hard one is exact
        outside = mask < 0.01
    assert np.array_equal(blended[outside], pixels[outside])
    core = mask >= 0.9 * mask.max()  # the blend ratio can be below 1
    assert (blended[core] != pixels[core]).any()


def test_the_mask_follows_the_face_outline(portrait):
    pixels, box, points = portrait
    for shape in ("face", "lower face", "inner face"):
        polygon = face_polygon(points, shape)
        x0, y0, x1, y1 = box
        assert x0 - 30 < polygon[:, 0].min() and polygon[:, 0].max() < x1 + 30
        assert polygon[:, 1].max() < y1 + 40  # never below the chin by much
    assert face_polygon(points, "lower face")[:, 1].min() > face_polygon(points, "face")[:, 1].min()


def test_a_training_pair_has_a_boundary_only_for_the_fake(portrait):
    pixels, box, points = portrait
    pair = training_pair(pixels, box, points, np.random.default_rng(3))
    assert pair.real.shape == pair.fake.shape == (INPUT_PX, INPUT_PX, 3)
    assert pair.boundary.shape == (INPUT_PX // 16, INPUT_PX // 16)
    assert 0 < pair.boundary.max() <= 1 and pair.boundary[0, 0] == 0  # a corner of the crop is background
