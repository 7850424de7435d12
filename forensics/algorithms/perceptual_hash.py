"""A perceptual hash: a 64-bit fingerprint that stays nearly the same when a picture is re-saved, resized or
lightly edited, so copies of one picture can be grouped (Zauner, "Implementation and benchmarking of perceptual
image hash functions", 2010; the DCT hash "pHash" as the ImageHash library computes it).

The picture is reduced to 32 x 32 grey levels; the 8 x 8 lowest frequencies of its 2-D DCT-II are compared with
their median, one bit each. Two pictures' hashes differ in few bits (their Hamming distance) when they show the
same picture; unrelated pictures differ in about half of them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy.fft import dct

HASH_SIDE = 8  # bits per side of the hash: 64 bits
REDUCED_SIDE_PX = 32  # the picture is reduced to this before the DCT (4 x the hash side, as ImageHash does)


def phash(rgb: np.ndarray) -> int:
    """The 64-bit DCT hash of an RGB (or grey) uint8 picture, as an integer, first bit most significant."""
    image = Image.fromarray(np.ascontiguousarray(rgb))
    grey = np.asarray(image.convert("L").resize((REDUCED_SIDE_PX, REDUCED_SIDE_PX), Image.Resampling.LANCZOS),
                      dtype=np.float64)
    low = dct(dct(grey, axis=0), axis=1)[:HASH_SIDE, :HASH_SIDE]
    bits = (low > np.median(low)).ravel()
    return int("".join("1" if bit else "0" for bit in bits), 2)


def hamming_distance(first: int, second: int) -> int:
    """How many of the 64 bits differ."""
    return (first ^ second).bit_count()
