"""Re-compression with the file's own tables: how many stored coefficients one more decode and encode changes.

Huang, Huang & Shi, "Detecting double JPEG compression with the same quantization matrix", IEEE TIFS 5(4),
2010: decoding a JPEG and compressing it again with the same tables changes some of its quantised DCT
coefficients, because the decoded pixels are rounded to integers; a file that was itself made by decoding and
compressing again with these tables changes fewer, as repeated compression converges. The count alone depends
on the picture and the tables, so Huang et al. compare it with that of the file compressed once more.

Here the count is compared with what a first compression predicts instead. Rounding a pixel to an integer
adds an error spread evenly over [-0.5, 0.5) (variance 1/12); the orthonormal DCT keeps that variance for every
coefficient, so a stored coefficient with quantisation step q moves to another multiple of q with probability
about P(|N(0, 1/12)| > q / 2): 8.3 % for q = 1, 0.05 % for q = 2, nothing measurable beyond. The spread of the
rounding error needs the coarser steps: when nearly every step is 1, decoding gives back most of the encoder's
own integer pixels and fewer coefficients change (in simulation, first compressions of never-compressed pixels
with the IJG tables of qualities 94-98, 4 to 23 steps of 1, give 0.98-1.03 times the prediction; quality 99, 42
steps of 1, gives 0.91, and quality 100 gives 0.58). On the 14 calibration camera originals whose tables have
1-25 steps of 1 the observed count is 0.94-1.24 times the prediction; a re-save of each with the same tables by
Pillow gives 0.45-0.68. Only the luminance blocks whose decoded pixels stay within 0..255 (clipping is not
rounding) and that hold some AC detail (a flat block's rounding error is one constant, not independent per
pixel) are counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import erfc

from forensics.algorithms.dct import DCT_BASIS

ROUNDING_VARIANCE = 1.0 / 12.0  # of an error spread evenly over one 8-bit level
MAX_BLOCKS = 32768  # an evenly strided subset: at a 1 % change rate, over 20,000 changes are expected
_CHUNK_BLOCKS = 4096  # blocks at a time: each temporary is then 2 MB


@dataclass(frozen=True)
class RecompressionTrace:
    changed: int  # stored coefficients that one more decode and encode with the same table changes
    expected: float  # how many a first compression predicts for the blocks counted
    blocks_counted: int
    blocks_examined: int  # of the file's blocks, an evenly strided subset of at most MAX_BLOCKS
    unit_steps: int  # quantisation steps equal to 1 in the table (64 in all)

    @property
    def ratio(self) -> float:
        """Observed over predicted: about 1 for a first compression, about 0.5 after a re-save with these tables."""
        return self.changed / self.expected if self.expected > 0 else float("nan")


def change_probabilities(table: np.ndarray) -> np.ndarray:
    """Per coefficient (8x8, natural order), the probability that rounding the decoded pixels of a first
    compression moves it to another multiple of its step ``table``: P(|N(0, ROUNDING_VARIANCE)| > step / 2)."""
    return erfc(np.asarray(table, dtype=np.float64) / 2.0 / np.sqrt(2.0 * ROUNDING_VARIANCE))


def recompression_changes(blocks: np.ndarray, table: np.ndarray, max_blocks: int = MAX_BLOCKS) -> RecompressionTrace:
    """Count the coefficients of ``blocks`` ((blocks_y, blocks_x, 8, 8) stored quantised luminance coefficients;
    at most ``max_blocks`` of them, evenly strided) that decoding (IDCT, rounding to integers) and compressing
    again with ``table`` (8x8 steps, natural order) changes, against the count a first compression predicts
    (``change_probabilities``)."""
    steps = np.asarray(table, dtype=np.float64).reshape(8, 8)
    flat = blocks.reshape(-1, 8, 8)
    subset = flat[::max(1, -(-flat.shape[0] // max_blocks))]  # a view
    changed = counted = 0
    for start in range(0, subset.shape[0], _CHUNK_BLOCKS):
        stored = subset[start:start + _CHUNK_BLOCKS].astype(np.float64)
        pixels = np.round(DCT_BASIS.T @ (stored * steps) @ DCT_BASIS)  # level-shifted by -128, as stored
        again = np.round(DCT_BASIS @ pixels @ DCT_BASIS.T / steps)
        detail = (stored.reshape(-1, 64)[:, 1:] != 0).any(axis=1)
        within = (pixels >= -128).all(axis=(1, 2)) & (pixels <= 127).all(axis=(1, 2))
        usable = detail & within
        changed += int((again[usable] != stored[usable]).sum())
        counted += int(usable.sum())
    return RecompressionTrace(changed, counted * float(change_probabilities(steps).sum()), counted, subset.shape[0],
                              int((steps == 1).sum()))
