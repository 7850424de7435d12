"""Thumbnail comparison: the detail correlation against an independent computation, and what it tells apart."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage
from skimage import data as skimage_data

from forensics.algorithms.thumbnail import DETAIL_MARGIN, DETAIL_SIGMAS, compare_thumbnail, detail_correlation


def grey(name: str) -> np.ndarray:
    return np.asarray(Image.fromarray(getattr(skimage_data, name)()).convert("L"))


def independent_detail_correlation(first: np.ndarray, second: np.ndarray, shift: int = 1) -> float:
    """SciPy's Gaussian filters (mirrored borders, as OpenCV's default) and NumPy's correlation coefficient."""
    def band(values):
        values = values.astype(np.float64)
        return (ndimage.gaussian_filter(values, DETAIL_SIGMAS[0], mode="mirror")
                - ndimage.gaussian_filter(values, DETAIL_SIGMAS[1], mode="mirror"))

    a, b, m = band(first), band(second), DETAIL_MARGIN
    height, width = b.shape
    return max(np.corrcoef(a[m + dy: height - m + dy, m + dx: width - m + dx].ravel(),
                           b[m: height - m, m: width - m].ravel())[0, 1]
               for dy in range(-shift, shift + 1) for dx in range(-shift, shift + 1))


def reduced(picture: np.ndarray, size: tuple[int, int] = (160, 120), quality: int = 80) -> np.ndarray:
    """As a camera writes its thumbnail: reduced, then JPEG-compressed."""
    buffer = io.BytesIO()
    Image.fromarray(picture).resize(size, Image.Resampling.BOX).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def rgb(values: np.ndarray) -> np.ndarray:
    return np.repeat(values[:, :, None], 3, axis=2)


@pytest.mark.parametrize("names", [("camera", "camera"), ("camera", "moon"), ("brick", "grass")])
def test_detail_correlation_agrees_with_scipy_and_numpy(names):
    first = np.asarray(Image.fromarray(grey(names[0])).resize((160, 120)))
    second = np.roll(np.asarray(Image.fromarray(grey(names[1])).resize((160, 120))), 1, axis=1)
    assert detail_correlation(first, second) == pytest.approx(independent_detail_correlation(first, second), abs=1e-4)


def test_detail_contrast_agrees_with_scipy_and_numpy():
    main = np.asarray(Image.fromarray(grey("coffee")).resize((160, 120)))
    values = main.astype(np.float64)
    band = (ndimage.gaussian_filter(values, DETAIL_SIGMAS[0], mode="mirror")
            - ndimage.gaussian_filter(values, DETAIL_SIGMAS[1], mode="mirror"))
    m = DETAIL_MARGIN
    comparison = compare_thumbnail(rgb(main), rgb(main))
    assert comparison.detail_contrast == pytest.approx(band[m:-m, m:-m].std(), rel=1e-4)


SCENE = np.asarray(Image.fromarray(skimage_data.astronaut()).resize((800, 600)))  # 4:3, as cameras shoot


def test_a_cameras_own_thumbnail_matches_in_detail():
    comparison = compare_thumbnail(SCENE, reduced(SCENE), align_below=0.3)
    assert comparison.correlation > 0.95 and comparison.detail_correlation > 0.8
    assert comparison.aligned_detail_correlation is None  # nothing to align


def test_a_neighbouring_shot_matches_only_once_aligned():
    wide = np.asarray(Image.fromarray(skimage_data.astronaut()).resize((880, 660)))
    shot, neighbour = wide[30:630, 40:840], wide[14:614, 20:820]  # the camera moved 20 pixels of 800
    comparison = compare_thumbnail(shot, reduced(neighbour), align_below=0.3)
    assert comparison.correlation > 0.6 and comparison.detail_correlation < 0.3
    assert comparison.aligned_detail_correlation > 0.6
    assert comparison.alignment_displacement == pytest.approx(np.hypot(20, 16) / 800, abs=0.01)


def test_the_same_layout_with_other_detail_does_not_match_even_aligned():
    layout = ndimage.gaussian_filter(SCENE.astype(np.float64), (30, 30, 0))
    texture = np.asarray(Image.fromarray(skimage_data.brick()).resize((800, 600))).astype(np.float64)
    texture = rgb(texture - ndimage.gaussian_filter(texture, 30))
    other = np.clip(layout + 0.6 * texture, 0, 255).astype(np.uint8)  # another picture with the scene's layout
    comparison = compare_thumbnail(SCENE, reduced(other), align_below=0.3)
    assert comparison.correlation > 0.6 and comparison.detail_correlation < 0.3
    assert comparison.aligned_detail_correlation is None or comparison.aligned_detail_correlation < 0.3
