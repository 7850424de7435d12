"""Non-aligned double JPEG compression: an earlier 8x8 grid that the last save did not share.

If an image was JPEG-compressed, then cropped (or a JPEG region pasted at an offset), and saved again, the
DCT coefficients computed on the *earlier* grid still cluster around multiples of the earlier quantisation
steps, blurred by the error of the last save (Bianchi & Piva, "Detection of nonaligned double JPEG
compression based on integer periodicity maps", IEEE TIFS 7(2), 2012; the same model underlies their
block-level maps in IEEE TIFS 7(3), 2012). We re-implement the idea as a periodicity test:

For every candidate grid shift (dx, dy) and every low-frequency mode, the DCT coefficients c of the blocks
on that grid give, for each candidate period q, the lattice agreement

    R(q) = mean over blocks of cos(2 pi c / q)

which is near exp(-2 pi^2 sigma^2 / q^2) on the earlier grid (sigma: the last save's error) and near the
content's own value elsewhere. A lattice makes a sharp peak at its step, so we test the peak excess
R(q) - (R(q-1) + R(q+1)) / 2, turned into a robust z-score against other candidate shifts (median and MAD
over shifts, floored by the sampling standard error); a shift's score is its largest z over modes and periods.

Null model. A single compression on the file's own grid also leaves lattices at other shifts: whole quantised
coefficients mix with weights of 1/8 .. 7/8. Half-block shifts (dx or dy = 4) mix them with weights of 1/2
and are not tested. Shifts that share rows or columns with the file's grid (dx or dy = 0) carry such lattices
too, so the median and MAD are taken over the 36 shifts with neither offset 0 or 4 only. What remains of the
file's own structure is symmetric under mirroring a shift, (dx, dy) -> (8 - dx, dy), (dx, 8 - dy),
(8 - dx, 8 - dy) (modulo 8), while an earlier grid excites one shift only. The statistic is therefore the
*mirror contrast*: the shift's score minus the largest score among its mirrors (three, or one on an axis).
On single-compressed photographs it stayed below 4 (see ``forensics eval``); an earlier grid gives tens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forensics.algorithms.dct import DCT_BASIS, sliding_dct
from forensics.algorithms.jpeg_structure import ZIGZAG

DC_AND_AC_MODES = tuple(int(m) for m in ZIGZAG[:10])  # DC and the 9 lowest AC modes, natural index
PERIODS = np.arange(2, 41)  # candidate earlier quantisation steps
OFFSETS = (0, 1, 2, 3, 5, 6, 7)
SHIFTS = tuple((dx, dy) for dy in OFFSETS for dx in OFFSETS if (dx, dy) != (0, 0))
BASELINE = tuple(index for index, (dx, dy) in enumerate(SHIFTS) if dx and dy)  # off both of the file's axes
BINS_PER_UNIT = 8  # coefficients are binned at 1/8; the phase error this adds is below 0.2 rad at q = 2
COEFFICIENT_LIMIT = 1100  # DC of an 8-bit block reaches 1024 in magnitude
MIN_BLOCKS = 100

_CENTRES = np.arange(-COEFFICIENT_LIMIT * BINS_PER_UNIT, COEFFICIENT_LIMIT * BINS_PER_UNIT + 1) / BINS_PER_UNIT
_EVALUATED = np.arange(PERIODS[0] - 1, PERIODS[-1] + 2)  # each period and its two neighbours
# cos(2 pi c / q) for R and cos(4 pi c / q) for its variance (cos^2 = (1 + cos 2x) / 2), per bin and period.
_TRIGONOMETRY = np.concatenate([np.cos(2 * np.pi * _CENTRES[:, None] / _EVALUATED[None, :]),
                                np.cos(4 * np.pi * _CENTRES[:, None] / _EVALUATED[None, :])], axis=1).astype(np.float32)


@dataclass(frozen=True)
class NonAlignedEvidence:
    shift: tuple[int, int]  # (dx, dy) of the strongest candidate earlier grid, in pixels modulo 8
    contrast: float  # its score minus the largest score of its mirror shifts (robust z units)
    score: float  # its largest robust z over modes and periods
    mirror_score: float
    blocks: int  # blocks per shift the statistics were computed from
    steps: dict[int, int]  # mode (natural index) -> period with the largest z at the shift, where z > 3
    agreement: np.ndarray  # (shifts, modes, periods) lattice agreement R, for the block map's baseline
    zscores: np.ndarray  # (shifts, modes, periods)


def lattice_agreement(luma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Lattice agreement per (shift in SHIFTS, mode in DC_AND_AC_MODES, period in PERIODS): R, its peak excess, the
    excess's sampling variance, and the number of blocks per shift.

    The peak excess R(q) - (R(q - 1) + R(q + 1)) / 2 keeps the sharp peak a lattice of step q makes and removes
    the smooth rise of R with q that comes from how concentrated the content's coefficients are around zero
    (which differs between shifts in upsampled or strongly textured images). ``luma``: JPEG luminance
    level-shifted by -128 (``dct.luminance``), position (0, 0) on the file's grid.
    """
    rows, columns = (luma.shape[0] - 8) // 8, (luma.shape[1] - 8) // 8
    histograms = np.zeros((len(SHIFTS), len(DC_AND_AC_MODES), _CENTRES.size), dtype=np.float32)
    by_mode = sorted(sliding_dct(luma, DC_AND_AC_MODES), key=lambda item: DC_AND_AC_MODES.index(item[0]))
    for mode_index, (_, coefficients) in enumerate(by_mode):
        binned = np.clip(np.rint(coefficients[: 8 * rows, : 8 * columns] * BINS_PER_UNIT),
                         -COEFFICIENT_LIMIT * BINS_PER_UNIT, COEFFICIENT_LIMIT * BINS_PER_UNIT).astype(np.int32)
        by_offset = (binned + COEFFICIENT_LIMIT * BINS_PER_UNIT).reshape(rows, 8, columns, 8)
        for shift_index, (dx, dy) in enumerate(SHIFTS):
            histograms[shift_index, mode_index] = np.bincount(by_offset[:, dy, :, dx].ravel(), minlength=_CENTRES.size)
    blocks = max(rows * columns, 1)
    moments = np.zeros((len(SHIFTS), len(DC_AND_AC_MODES), _TRIGONOMETRY.shape[1]), dtype=np.float32)
    for mode_index in range(len(DC_AND_AC_MODES)):  # only the bins some coefficient of this mode fell in
        occupied = np.flatnonzero(histograms[:, mode_index].any(axis=0))
        if occupied.size:
            used = slice(occupied[0], occupied[-1] + 1)
            moments[:, mode_index] = histograms[:, mode_index, used] @ _TRIGONOMETRY[used]
    moments /= blocks
    agreement, double_frequency = moments[..., : _EVALUATED.size], moments[..., _EVALUATED.size :]
    variance = np.maximum((1 + double_frequency) / 2 - agreement**2, 0) / blocks
    excess = agreement[..., 1:-1] - (agreement[..., :-2] + agreement[..., 2:]) / 2
    excess_variance = variance[..., 1:-1] + (variance[..., :-2] + variance[..., 2:]) / 4
    return (agreement[..., 1:-1].astype(np.float64), excess.astype(np.float64), excess_variance.astype(np.float64),
            rows * columns)


def robust_zscores(statistic: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """How far each shift's value stands out from the BASELINE shifts' (median, 1.4826 MAD, floored by sampling error)."""
    median = np.median(statistic[list(BASELINE)], axis=0)
    spread = 1.4826 * np.median(np.abs(statistic[list(BASELINE)] - median), axis=0)
    scale = np.maximum(np.sqrt(variance), spread[None])
    return (statistic - median) / np.maximum(scale, 1e-9)


def mirrors(shift: tuple[int, int]) -> list[tuple[int, int]]:
    dx, dy = shift
    images = {((8 - dx) % 8, dy), (dx, (8 - dy) % 8), ((8 - dx) % 8, (8 - dy) % 8)}
    return sorted(images - {shift})


def detect_nonaligned(luma: np.ndarray) -> NonAlignedEvidence:
    """The strongest earlier, non-aligned grid in ``luma`` (see the module docstring), or contrast 0 if too small."""
    agreement, excess, variance, blocks = lattice_agreement(luma)
    if blocks < MIN_BLOCKS:
        empty = np.zeros((len(SHIFTS), len(DC_AND_AC_MODES), PERIODS.size))
        return NonAlignedEvidence((0, 0), 0.0, 0.0, 0.0, blocks, {}, empty, empty)
    zscores = robust_zscores(excess, variance)
    best = zscores.reshape(len(SHIFTS), -1).max(axis=1)
    position = {shift: index for index, shift in enumerate(SHIFTS)}
    contrasts = [best[i] - max(best[position[m]] for m in mirrors(shift)) for i, shift in enumerate(SHIFTS)]
    winner = int(np.argmax(contrasts))
    steps = {}
    for mode_index, mode in enumerate(DC_AND_AC_MODES):
        period_index = int(np.argmax(zscores[winner, mode_index]))
        if zscores[winner, mode_index, period_index] > 3:
            steps[mode] = int(PERIODS[period_index])
    mirror_best = max(best[position[m]] for m in mirrors(SHIFTS[winner]))
    return NonAlignedEvidence(SHIFTS[winner], float(contrasts[winner]), float(best[winner]), float(mirror_best),
                              blocks, steps, agreement, zscores)


def block_agreement_map(luma: np.ndarray, evidence: NonAlignedEvidence) -> np.ndarray:
    """Per block of the earlier grid: mean excess lattice agreement over the modes with an estimated step.

    Blocks that went through the earlier compression score near the image-wide agreement; blocks that did not
    (a region pasted afterwards) near 0. Shape (blocks_y, blocks_x) of the grid starting at ``evidence.shift``.
    """
    dx, dy = evidence.shift
    plane = luma[dy:, dx:]
    rows, columns = plane.shape[0] // 8, plane.shape[1] // 8
    total = np.zeros((rows, columns), dtype=np.float64)
    if not evidence.steps:
        return total
    blocks = plane[: 8 * rows, : 8 * columns].reshape(rows, 8, columns, 8)
    others = [i for i, shift in enumerate(SHIFTS) if shift != evidence.shift]
    for mode, step in evidence.steps.items():
        coefficients = np.einsum("j,ajbk,k->ab", DCT_BASIS[mode // 8], blocks, DCT_BASIS[mode % 8], optimize=True)
        baseline = np.median(evidence.agreement[others, DC_AND_AC_MODES.index(mode), step - int(PERIODS[0])])
        total += np.cos(2 * np.pi * coefficients / step) - baseline
    return total / len(evidence.steps)
