"""Copy-move detection: a region copied (moved, turned, scaled) inside a picture is found with its transform."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from forensics.algorithms.copy_move import keypoint_pairs, transform_clusters
from forensics.analysers.copy_move import copy_move_clusters
from forensics.evaluation.cases_copy_move import paste_copy

skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return skimage_data.astronaut()


def jpeg(pixels: np.ndarray, quality: int = 90) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def test_an_untouched_photo_has_no_separated_group_of_matches(photo):
    assert copy_move_clusters(photo) == []
    assert copy_move_clusters(jpeg(photo)) == []


@pytest.mark.parametrize("angle, scale", [(0.0, 1.0), (20.0, 1.0), (0.0, 1.2), (-35.0, 0.9)])
def test_a_copied_region_is_found_with_the_transform_that_made_it(photo, angle, scale):
    forged, mask = paste_copy(photo, np.random.default_rng(3), size_fraction=0.25, angle_degrees=angle, scale=scale)
    clusters = copy_move_clusters(jpeg(forged))
    assert clusters, "the copy was not found"
    largest = clusters[0]
    assert largest.inliers >= 10
    # The group's transform is the copy's (or its inverse: which region is the original cannot be told).
    forward = abs(largest.rotation_degrees - angle) < 3 and abs(largest.scale - scale) < 0.05
    backward = abs(largest.rotation_degrees + angle) < 3 and abs(largest.scale - 1 / scale) < 0.05
    assert forward or backward
    # One of the two regions lies on the pasted pixels.
    def on_paste(points):
        rows = points[:, 1].astype(int).clip(0, mask.shape[0] - 1)
        return mask[rows, points[:, 0].astype(int).clip(0, mask.shape[1] - 1)].mean()

    assert max(on_paste(largest.source), on_paste(largest.target)) > 0.8


def test_pairs_from_a_translation_and_noise_give_one_group_with_that_translation():
    rng = np.random.default_rng(0)
    source = rng.uniform(0, 100, (30, 2))
    first = np.vstack([source, rng.uniform(200, 400, (20, 2))])
    second = np.vstack([source + [250, 40], rng.uniform(200, 400, (20, 2))])  # 20 pairs of unrelated points
    clusters = transform_clusters(first, second)
    assert clusters[0].inliers == 30
    np.testing.assert_allclose(clusters[0].matrix[:, 2], [250, 40], atol=1e-6)
    assert clusters[0].rotation_degrees == pytest.approx(0, abs=1e-6) and clusters[0].scale == pytest.approx(1)
    assert clusters[0].separation > 1.5


def test_a_flat_picture_has_no_keypoints_and_no_pairs():
    first, second = keypoint_pairs(np.full((300, 400), 128, np.uint8))
    assert len(first) == len(second) == 0


def test_when_flann_cannot_answer_the_exhaustive_search_finds_the_same_copy(photo, monkeypatch):
    """FLANN's randomised kd-trees assert when they cannot return k neighbours (seen on a two-tone mask cut short);
    the exhaustive matcher takes over and finds the copy as well."""
    import cv2

    forged, _ = paste_copy(photo, np.random.default_rng(3), size_fraction=0.25)
    grey = cv2.cvtColor(jpeg(forged), cv2.COLOR_RGB2GRAY)
    with_flann = keypoint_pairs(grey)

    class Asserting:
        def __init__(self, *args):
            pass

        def knnMatch(self, *args, **kwargs):  # noqa: N802 - OpenCV's naming
            raise cv2.error("result.full() in function 'getNeighbors'")

    monkeypatch.setattr(cv2, "FlannBasedMatcher", Asserting)
    exhaustive = keypoint_pairs(grey)
    assert len(exhaustive[0]) >= 0.9 * len(with_flann[0]) > 20
    assert transform_clusters(*exhaustive)[0].inliers >= 10
