"""Regions without the picture's JPEG grid: the per-block counts against scipy's DCT, and a pasted region found."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from scipy.fft import dctn

from forensics.algorithms.dct import luminance
from forensics.algorithms.grid_regions import LACK_MARGIN, MAX_TEXTURE, MIN_TEXTURE, missing_grid
from forensics.algorithms.jpeg_grid import detect_grid
from tests.analysers.test_compression import photo


def jpeg_decoded(pixels: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def test_blocks_lacking_the_grid_are_those_scipys_dct_says():
    """Reference: each block's non-zero AC coefficients counted from scipy's orthonormal DCT-II, on the grid and on
    the 63 shifted cuts."""
    luma = luminance(jpeg_decoded(photo(96, seed=2), 80)) + 128.0
    grid = detect_grid(luma)
    evidence = missing_grid(grid.zeros, (0, 0))
    level_shifted = luma - 128.0

    def nonzero(y: int, x: int) -> int:
        return int((np.abs(dctn(level_shifted[y : y + 8, x : x + 8], norm="ortho")).ravel()[1:] >= 0.5).sum())

    rows, columns = evidence.showing.shape
    assert (rows, columns) == ((96 - 7) // 8, (96 - 7) // 8)
    for i in range(rows):
        for j in range(columns):
            own = nonzero(8 * i, 8 * j)
            other = np.median([nonzero(8 * i + sy, 8 * j + sx) for sy in range(8) for sx in range(8) if sy or sx])
            showing = MIN_TEXTURE <= other <= MAX_TEXTURE
            assert evidence.showing[i, j] == showing
            assert evidence.lacking[i, j] == (showing and own >= other - LACK_MARGIN)


def test_a_region_pasted_from_a_resized_picture_lacks_the_grid_after_a_save_at_100():
    background = jpeg_decoded(photo(384, seed=3), 85)
    donor = np.asarray(Image.fromarray(jpeg_decoded(photo(384, seed=4), 80)).resize((461, 461)))  # enlarged 1.2x
    composite = background.copy()
    composite[120:248, 96:256] = donor[50:178, 60:220]
    pasted = detect_grid(luminance(jpeg_decoded(composite, 100)) + 128.0)
    evidence = missing_grid(pasted.zeros, pasted.origin)
    assert pasted.origin == (0, 0) and evidence.region_blocks >= 96
    ys, xs = np.nonzero(evidence.region)
    assert 13 <= ys.min() and ys.max() <= 31 and 10 <= xs.min() and xs.max() <= 32  # blocks 15-30 by 12-31, give or take one
    resaved = detect_grid(luminance(jpeg_decoded(background, 100)) + 128.0)
    assert missing_grid(resaved.zeros, resaved.origin).region_blocks < 24


def test_pictures_too_small_for_a_window_give_an_empty_answer():
    for side in (24, 28):  # below the grid search's minimum; then fewer blocks than one window
        zeros = detect_grid(luminance(photo(side)) + 128.0).zeros if side < 28 else np.full((21, 21), 40, np.uint8)
        evidence = missing_grid(zeros, (0, 0))
        assert evidence.region_blocks == 0 and evidence.showing_blocks == 0
