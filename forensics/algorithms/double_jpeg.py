"""Aligned double JPEG compression: detection, primary quantisation estimate and a per-block likelihood map.

A coefficient quantised with step q1 and later re-quantised with q2 != q1 can only take some values, which
leaves periodic peaks and gaps in the histogram of the stored coefficients (Lukáš & Fridrich, "Estimation of
primary quantization matrix in double compressed JPEG images", DFRWS 2003; Popescu & Farid 2004). The
histogram expected under a *single* compression is estimated by calibration: decode, crop 4 pixels to break
the 8x8 grid, take the DCT and quantise once with the file's own table (Lukáš & Fridrich). For each of the
low-frequency AC modes we then ask how much better the observed histogram is explained if the coefficients
had first been quantised with some step q1 (searched over 1..``max_step``):

    misfit_single = TV(observed, H0),  misfit_double = min over q1 of TV(observed, H1(q1))

with TV the total-variation distance between normalised histograms. The image-level score is the mean over
informative modes of log(misfit_single / misfit_double): near 0 under single compression (the search only
fits noise), large when a prior quantisation left its pattern. Per block, the log-likelihood ratio of its
coefficients under H1(q1) versus H0 (after Lin et al., Pattern Recognition 42, 2009, and Bianchi & Piva,
IEEE TIFS 7, 2012) is high where the block shares the double-compression history and low where it was
compressed only once (a pasted region from a non-aligned or uncompressed source).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forensics.algorithms.dct import blockwise_dct, luminance
from forensics.algorithms.jpeg_structure import ZIGZAG

AC_MODES = ZIGZAG[1:10]  # the 9 lowest-frequency AC coefficients (natural-order indexes), where statistics are richest
HISTOGRAM_RANGE = 30  # coefficient values -30..30 are compared; larger ones are rare and carry little
CALIBRATION_CROP_PX = 4
# Histograms of 61 bins are estimated well from tens of thousands of values; fitting the models on an evenly
# strided subset of at most this many blocks keeps a 12 MP image's search fast without changing the result.
MAX_MODEL_BLOCKS = 40_000
EPSILON = 1e-4

@dataclass(frozen=True)
class DoubleJpegEvidence:
    score: float  # mean log misfit ratio over informative modes; ~0 single, > 0 double compressed
    modes_used: int
    primary_steps: dict[int, int]  # natural index -> estimated first quantisation step
    secondary_steps: dict[int, int]
    block_llr: np.ndarray  # (blocks_y, blocks_x): > 0 consistent with the double history, < 0 single only
    histograms: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]  # mode -> (observed, single model, double model)


def analyse_double_jpeg(stored: np.ndarray, decoded_rgb: np.ndarray, table: np.ndarray, max_step: int = 40) -> DoubleJpegEvidence:
    """Evidence of aligned double compression from the stored luma coefficients and the decoded image.

    ``stored``: quantised luma coefficients, (by, bx, 8, 8); ``table``: the luma quantisation table (8x8,
    natural order) they were quantised with; ``decoded_rgb``: the decoded image (for calibration).
    """
    cropped = decoded_rgb[CALIBRATION_CROP_PX:, CALIBRATION_CROP_PX:]
    block_rows, block_columns = cropped.shape[0] // 8, cropped.shape[1] // 8
    stride = max(1, (block_rows * block_columns) // MAX_MODEL_BLOCKS)
    rows = (np.arange(0, block_rows, stride)[:, None] * 8 + np.arange(8)[None, :]).ravel()
    calibrated = blockwise_dct(luminance(cropped[rows]))  # only the sampled block rows are transformed
    flat_table = table.ravel()
    stored_flat = stored.reshape(*stored.shape[:2], 64)
    calibrated_flat = calibrated.reshape(-1, 64).astype(np.float32)
    log_ratios, primary, secondary, histograms = [], {}, {}, {}
    llr = np.zeros(stored.shape[:2], dtype=np.float64)
    for mode in AC_MODES:
        q2 = int(flat_table[mode])
        observed_values = stored_flat[..., mode]
        observed = _histogram(observed_values)
        if observed.sum() == 0 or q2 <= 0:
            continue
        raw = calibrated_flat[:, mode]
        single = _histogram(np.rint(raw / q2))
        misfit_single = _total_variation(observed, single)
        steps = np.array([q1 for q1 in range(1, max_step + 1) if q1 != q2], dtype=np.float32)
        models = _histograms(np.rint(np.rint(raw[None, :] / steps[:, None]) * steps[:, None] / q2))
        totals = models.sum(axis=1, keepdims=True)
        misfits = 0.5 * np.abs(models / np.where(totals > 0, totals, 1) - _normalised(observed)).sum(axis=1)
        best = int(np.argmin(misfits))  # the smallest step among equally good fits, as a sequential search finds
        secondary[int(mode)] = q2
        if not misfits[best] < misfit_single:
            continue
        best_step, best_misfit, best_model = int(steps[best]), float(misfits[best]), models[best]
        primary[int(mode)] = best_step
        histograms[int(mode)] = (observed, single, best_model)
        log_ratios.append(np.log((misfit_single + EPSILON) / (best_misfit + EPSILON)))
        p1, p0 = _normalised(best_model), _normalised(single)
        index = np.clip(observed_values, -HISTOGRAM_RANGE, HISTOGRAM_RANGE).astype(np.int64) + HISTOGRAM_RANGE
        llr += np.log((p1[index] + EPSILON) / (p0[index] + EPSILON))
    score = float(np.mean(log_ratios)) if log_ratios else 0.0
    return DoubleJpegEvidence(score, len(log_ratios), primary, secondary, llr, histograms)


def _histogram(values: np.ndarray) -> np.ndarray:
    clipped = np.asarray(values).ravel()
    clipped = clipped[np.abs(clipped) <= HISTOGRAM_RANGE].astype(np.int64) + HISTOGRAM_RANGE
    return np.bincount(clipped, minlength=2 * HISTOGRAM_RANGE + 1).astype(np.float64)


def _histograms(rows: np.ndarray) -> np.ndarray:
    """_histogram of every row of a 2-D array, in one bincount (values beyond the range go to two dropped bins)."""
    width = 2 * HISTOGRAM_RANGE + 3
    index = np.clip(rows, -HISTOGRAM_RANGE - 1, HISTOGRAM_RANGE + 1).astype(np.int32) + (HISTOGRAM_RANGE + 1)
    index += (np.arange(rows.shape[0], dtype=np.int32) * width)[:, None]
    counts = np.bincount(index.ravel(), minlength=rows.shape[0] * width).reshape(rows.shape[0], width)
    return counts[:, 1:-1].astype(np.float64)


def _normalised(histogram: np.ndarray) -> np.ndarray:
    total = histogram.sum()
    return histogram / total if total else histogram


def _total_variation(a: np.ndarray, b: np.ndarray) -> float:
    return 0.5 * float(np.abs(_normalised(a) - _normalised(b)).sum())
