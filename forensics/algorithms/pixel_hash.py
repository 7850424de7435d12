"""A hash of a picture's pixels rather than of its file.

The same picture arrives as PNG from one source and as TIFF from another, or as two JPEGs that differ only in
their metadata: the files' hashes differ, their pixels do not. The pixel-data hash is the SHA-256 of a canonical
form of the decoded samples, so it is equal wherever the pixels are equal:

    b"forensics-pixels-v1\\n" + width (4 bytes, big-endian) + height (4 bytes, big-endian)
    + every pixel's red, green and blue sample (8 bits each), row by row from the top, left to right

The pixels are taken as stored: the EXIF orientation is not applied (turning a picture by editing its orientation
tag is a metadata change). Grey and palette pictures are expanded to red = green = blue and to the palette's
colours, so a grey PNG and the same picture as an RGB TIFF hash alike.
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np

CANONICAL_PREFIX = b"forensics-pixels-v1\n"


def pixel_sha256(rgb: np.ndarray) -> str:
    """The pixel-data hash (hex) of ``rgb``, (height, width, 3) uint8 as stored (module docstring)."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected (height, width, 3) uint8 pixels, not {rgb.shape} {rgb.dtype}")
    digest = hashlib.sha256(CANONICAL_PREFIX)
    digest.update(struct.pack(">II", rgb.shape[1], rgb.shape[0]))
    digest.update(np.ascontiguousarray(rgb).data)
    return digest.hexdigest()
