"""Displaying stored pixels the way the EXIF orientation tag says they should be seen."""

from __future__ import annotations

import numpy as np

# EXIF orientation -> (clockwise quarter turns, mirror left-right first)
_ORIENTATION_TRANSFORMS = {1: (0, False), 2: (0, True), 3: (2, False), 4: (2, True),
                           5: (3, True), 6: (1, False), 7: (1, True), 8: (3, False)}


def upright(pixels: np.ndarray, orientation: int | None) -> np.ndarray:
    """Rotate/mirror stored pixels so they display as the EXIF orientation tag says they should."""
    quarter_turns, mirror = _ORIENTATION_TRANSFORMS.get(orientation or 1, (0, False))
    out = pixels[:, ::-1] if mirror else pixels
    return np.ascontiguousarray(np.rot90(out, k=-quarter_turns))
