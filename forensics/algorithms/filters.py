"""Small image filters shared by several algorithms."""

from __future__ import annotations

import cv2
import numpy as np


def band_pass(grey: np.ndarray, sigmas: tuple[float, float]) -> np.ndarray:
    """The difference of two Gaussian blurs of ``grey`` (``sigmas`` in pixels, finer first), in float32 grey levels:
    the detail between the two scales, without noise finer than the first or shading coarser than the second."""
    values = grey.astype(np.float32)
    return cv2.GaussianBlur(values, (0, 0), sigmas[0]) - cv2.GaussianBlur(values, (0, 0), sigmas[1])
