"""Regions without the picture's JPEG grid: a pasted region in a composite saved at high quality.

After Nikoukhah, Anger, Ehret, Colom, Morel & Grompone von Gioi, "JPEG grid detection based on the number of DCT
zeros and its application to automatic and localized forgery detection" (CVPR Workshops 2019), whose local use of
the grid looks for regions that vote for *another* grid. Here the question is the complementary one: where does the
picture's own grid go *missing*? A photo compressed once keeps, in every 8x8 block of its grid, more DCT
coefficients that round to zero than the same pixels cut on any other grid. A composite assembled from that photo
and saved again at quality 100 (steps of 1, which round almost nothing to zero) keeps the earlier
grid wherever the photo's own pixels remain; an object pasted from a resized or shifted picture does not.

Per block of the picture's grid, with N_own the non-zero AC coefficients of the block on the grid and N_other the
median over the 63 blocks shifted from it:

- the block *can show* the grid when 12 <= N_other <= 54: with fewer non-zero coefficients it is too flat (any
  cut gives zeros), with more it is saturated texture (no cut gives zeros, even in a JPEG);
- it *lacks* the grid when N_own >= N_other - 2: the grid's cut gives no more zeros than any other.

Windows of 3 x 3 blocks in which at least 5 blocks can show the grid and 70 % of them lack it are joined into
connected regions; the measure is the number of lacking blocks in the largest. The thresholds were set on
calibration originals, as they are and reduced and saved at qualities 75-90, alone and re-saved at 98 and 100, and
on composites made from them (``python -m forensics.evaluation.calibrate_missing_grid``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

MIN_TEXTURE = 12  # non-zero AC coefficients (of 63) off the grid: below, the block is too flat to show a grid
MAX_TEXTURE = 54  # above, saturated texture: no cut rounds coefficients to zero
LACK_MARGIN = 2  # the grid's cut has at most this many more zero coefficients than the median other cut
WINDOW_BLOCKS = 3
MIN_SHOWING = 5  # blocks in a window that can show the grid, for the window to count
MIN_LACKING_SHARE = 0.7


@dataclass(frozen=True)
class MissingGrid:
    origin: tuple[int, int]  # (dx, dy) of the picture's grid in the zeros' coordinates, modulo 8
    showing: np.ndarray  # (blocks_y, blocks_x) bool: blocks that can show the grid (enough texture, not saturated)
    lacking: np.ndarray  # bool: blocks that can show it and do not
    region: np.ndarray  # bool: the largest connected region of windows mostly lacking the grid (all False if none)
    region_blocks: int  # lacking blocks inside that region

    @property
    def showing_blocks(self) -> int:
        return int(self.showing.sum())


def missing_grid(zeros: np.ndarray, origin: tuple[int, int], min_texture: int = MIN_TEXTURE,
                 max_texture: int = MAX_TEXTURE, lack_margin: int = LACK_MARGIN, window: int = WINDOW_BLOCKS,
                 min_showing: int = MIN_SHOWING, min_lacking_share: float = MIN_LACKING_SHARE) -> MissingGrid:
    """The blocks of the grid at ``origin`` (dx, dy) that lack it, and the largest region where most do.

    ``zeros``: for every top-left position, the AC coefficients of that 8x8 block that round to zero
    (``jpeg_grid.zeros_per_block_position``). Block (i, j) of the result starts at (dy + 8 i, dx + 8 j) there.
    """
    dx, dy = origin
    rows, columns = (zeros.shape[0] - dy) // 8, (zeros.shape[1] - dx) // 8
    empty = np.zeros((max(rows, 0), max(columns, 0)), bool)
    if rows < window or columns < window:  # every shifted block must lie inside the zeros' extent
        return MissingGrid(origin, empty, empty, empty, 0)
    counts = zeros.astype(np.int16)
    own = 63 - counts[dy : dy + 8 * rows : 8, dx : dx + 8 * columns : 8]
    shifted = [counts[dy + sy : dy + sy + 8 * rows : 8, dx + sx : dx + sx + 8 * columns : 8]
               for sy in range(8) for sx in range(8) if (sy, sx) != (0, 0)]
    other = 63 - np.median(np.stack(shifted), axis=0)
    showing = (other >= min_texture) & (other <= max_texture)
    lacking = showing & (own >= other - lack_margin)
    area = window * window
    showing_share = ndimage.uniform_filter(showing.astype(np.float64), window, mode="constant")
    lacking_share = ndimage.uniform_filter(lacking.astype(np.float64), window, mode="constant")
    marked = (showing_share * area >= min_showing - 1e-9) & (lacking_share >= min_lacking_share * showing_share - 1e-9)
    labels, count = ndimage.label(marked, np.ones((3, 3)))
    if count == 0:
        return MissingGrid(origin, showing, lacking, empty, 0)
    sizes = ndimage.sum(lacking, labels, np.arange(1, count + 1))
    largest = int(np.argmax(sizes)) + 1
    return MissingGrid(origin, showing, lacking, labels == largest, int(sizes[largest - 1]))
