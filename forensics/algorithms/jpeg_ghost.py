"""JPEG ghosts: re-save at many qualities and look for a second minimum of the difference.

Farid, "Exposing digital forgeries from JPEG ghosts", IEEE TIFS 4(1), 2009. Re-compressing an image at
quality q and measuring the squared difference gives a curve that falls to zero at the quality the image was
last saved at; a part of the image that was compressed earlier at a lower quality q0 shows a second, local
minimum at q0 (its coefficients still sit near multiples of the coarser steps: a "ghost").

For re-saves on the file's own grid the difference can be computed without encoding anything: by Parseval's
theorem the pixel-domain squared error of re-quantising a block equals the DCT-domain one, so

    d_q(block) = (1/64) sum over modes of (c - T_q round(c / T_q))^2,   c = stored coefficient x file step

with T_q the IJG luminance table at quality q. Rounding of decoded pixels and chroma are ignored (Farid uses
the three colour channels; luminance carries most of the signal). The curve is a mean over an evenly strided subset of blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forensics.algorithms.jpeg_quality import ANNEX_K_LUMINANCE, ijg_table

QUALITIES = np.arange(30, 101)
MAX_CURVE_BLOCKS = 5_000  # an evenly strided subset: the curve is a mean over blocks
MIN_DIP = 0.1  # a local minimum must sit at least 10 % below the mean of its neighbours 3 qualities away
_TABLES = np.stack([ijg_table(ANNEX_K_LUMINANCE, int(q)).ravel() for q in QUALITIES]).astype(np.float32)


@dataclass(frozen=True)
class GhostCurve:
    qualities: np.ndarray  # IJG qualities re-saved at
    difference: np.ndarray  # mean squared difference per pixel (8-bit levels^2) at each quality
    minima: list[tuple[int, float]]  # local minima below the last quality: (quality, depth as a fraction)

    @property
    def earliest(self) -> tuple[int, float] | None:
        """The deepest dip among those within 3 qualities of the lowest-quality dip at least half as deep as any.

        Qualities whose steps are near multiples of the last save's dip too after a double compression (Q80 after
        Q60 -> Q90), but the earlier, coarser save is the dip at the lowest quality; neighbouring qualities share
        most steps (Q58 and Q60), so the deepest of that cluster is the estimate.
        """
        if not self.minima:
            return None
        deepest = max(depth for _, depth in self.minima)
        candidates = [m for m in self.minima if m[1] >= deepest / 2]
        lowest = min(quality for quality, _ in candidates)
        return max((m for m in candidates if m[0] <= lowest + 3), key=lambda m: m[1])


def requantisation_error(dequantised: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Per-block mean squared error of re-quantising ``dequantised`` (n, 64) coefficients with ``table`` (64,)."""
    return ((dequantised - table * np.rint(dequantised / table)) ** 2).sum(axis=1) / 64


_CHUNK_BLOCKS = 65536  # blocks at a time: each temporary is then 17 MB, whatever the picture's size


def stored_requantisation_error(stored: np.ndarray, table: np.ndarray, new_table: np.ndarray) -> np.ndarray:
    """``requantisation_error`` per block of the quantised coefficients ``stored`` (..., 8, 8) once dequantised with
    ``table`` (8x8), re-quantised with ``new_table`` (64,); flat, in block order. Computed in chunks, so that a
    50 MP picture does not need several full-size float copies at once (the values are the same)."""
    flat = stored.reshape(-1, 64)
    steps = table.ravel()[None, :]
    chunks = [requantisation_error((flat[start:start + _CHUNK_BLOCKS] * steps).astype(np.float32), new_table)
              for start in range(0, flat.shape[0], _CHUNK_BLOCKS)]
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


def ghost_curve(stored: np.ndarray, table: np.ndarray, last_quality: int | None) -> GhostCurve:
    """The difference curve over ``QUALITIES`` for quantised luma coefficients ``stored`` (by, bx, 8, 8).

    ``table``: the file's luma table (8x8, natural order). Local minima are reported below ``last_quality``
    (the file's IJG quality, or the nearest one) and at least 3 qualities from the ends of the range.
    """
    flat = stored.reshape(-1, 64)
    sample = flat[:: max(1, flat.shape[0] // MAX_CURVE_BLOCKS)]
    values = (sample * table.ravel()[None, :]).astype(np.float32)
    if not values.any():
        return GhostCurve(QUALITIES, np.zeros(QUALITIES.size), [])
    difference = np.array([requantisation_error(values, steps).mean() for steps in _TABLES])
    minima = []
    limit = last_quality if last_quality is not None else 101
    for index in range(3, QUALITIES.size - 3):
        quality = int(QUALITIES[index])
        if quality >= limit - 2:
            break
        neighbours = (difference[index - 3] + difference[index + 3]) / 2
        local = difference[index] <= difference[index - 1] and difference[index] <= difference[index + 1]
        if local and neighbours > 0 and 1 - difference[index] / neighbours >= MIN_DIP:
            minima.append((quality, float(1 - difference[index] / neighbours)))
    return GhostCurve(QUALITIES, difference, minima)


def ghost_dip_map(stored: np.ndarray, table: np.ndarray, quality: int) -> np.ndarray:
    """Per block: 1 - d_quality / mean(d_(quality-3), d_(quality+3)); high where the block shows the ghost.

    Blocks with no non-zero coefficient get 0 (flat areas carry no evidence).
    """
    errors = [stored_requantisation_error(stored, table, ijg_table(ANNEX_K_LUMINANCE, q).ravel().astype(np.float32))
              for q in (quality - 3, quality, quality + 3)]
    neighbours = (errors[0] + errors[2]) / 2
    dip = np.where(neighbours > 0, 1 - errors[1] / np.maximum(neighbours, 1e-9), 0.0)
    return dip.reshape(stored.shape[:2])
