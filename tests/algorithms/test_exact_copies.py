"""Exact-match copy-move: a region copied pixel for pixel is found with its shift; noise and flat areas are not."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from forensics.algorithms.exact_copies import block_hashes, find_exact_copies
from forensics.analysers import AnalysisContext
from forensics.analysers.copy_move import CopyMoveAnalyser
from forensics.media import load_media
from tests.helpers import textured_rgb


def noisy_gradient(height: int = 240, width: int = 320, seed: int = 0) -> np.ndarray:
    """A smooth picture with camera-like noise: no keypoint texture, yet no two blocks alike."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([60 + x / 4, 80 + y / 4, 100 + (x + y) / 8], axis=-1)
    return np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)


def test_equal_blocks_hash_equal_and_different_blocks_differ():
    pixels = noisy_gradient()
    pixels[100:116, 200:216] = pixels[10:26, 30:46]
    hashes = block_hashes(pixels, 16)
    assert hashes[100, 200] == hashes[10, 30] and hashes[100, 200] != hashes[100, 201]


def test_a_smooth_region_copied_elsewhere_is_found_with_its_shift_and_extent():
    pixels = noisy_gradient()
    pixels[150:190, 220:270] = pixels[20:60, 30:80]  # 40 x 50 pixels, shift (190, 130)
    (copy,) = find_exact_copies(pixels)
    assert copy.shift == (190, 130)
    ys, xs = np.nonzero(copy.source)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (20, 59, 30, 79)
    assert copy.copy[150:190, 220:270].all() and copy.copy.sum() == copy.source.sum()


def test_an_untouched_noisy_picture_and_repeated_flat_areas_give_nothing():
    assert find_exact_copies(noisy_gradient()) == []
    flat = noisy_gradient()
    flat[:40], flat[-40:] = 255, 255  # clipped areas repeat exactly in any photo
    assert find_exact_copies(flat) == []


@pytest.mark.parametrize("suffix, expected", [(".png", "strong"), (".jpg", None)])
def test_the_analyser_reports_exact_copies_in_lossless_pictures_only(tmp_path, suffix, expected):
    pixels = noisy_gradient(seed=1)
    pixels[150:190, 220:270] = pixels[20:60, 30:80]
    path = tmp_path / f"copy{suffix}"
    Image.fromarray(pixels).save(path, **({"quality": 95} if suffix == ".jpg" else {}))
    findings = {f.key: f for f in CopyMoveAnalyser().analyse(load_media(path), AnalysisContext("E1", path.name)).findings}
    if expected is None:
        assert "copy_move.exact" not in findings
    else:
        exact = findings["copy_move.exact"]
        assert exact.strength.value == expected and exact.proposition.value == "content" and exact.figures
        # The keypoint method sees nothing in a smooth region: this is what the exact match adds.
        assert findings["copy_move.regions"].strength.value == "none"


def test_a_textured_picture_without_copies_gives_no_exact_finding_strength(tmp_path):
    path = tmp_path / "plain.png"
    Image.fromarray(textured_rgb(200, 260)).save(path)
    findings = {f.key: f for f in CopyMoveAnalyser().analyse(load_media(path), AnalysisContext("E1", path.name)).findings}
    assert findings["copy_move.exact"].strength.value == "none"
