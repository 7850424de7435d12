"""JPEG grid origin by counting DCT zeros, with an a-contrario false-alarm control.

Nikoukhah, Anger, Ehret, Colom, Morel & Grompone von Gioi, "JPEG grid detection based on the number of DCT
zeros and its application to automatic and localized forgery detection", CVPR Workshops 2019 (IPOL 2021).
JPEG compression rounds many DCT coefficients of its own 8x8 blocks to zero, and decoding preserves that:
the 8x8 blocks that contain the most near-zero DCT coefficients are those aligned with the grid the image
was last (or most strongly) compressed on. Every pixel votes for the grid origin (offset modulo 8) of the
block containing it with the most zeros (ties: no vote). Under the null hypothesis of no JPEG grid, votes are
uniform over the 64 origins, and the number of false alarms of the winning origin is

    NFA = 64 * P[Binomial(n, 1/64) >= k]

for k votes out of n; a grid is detected when NFA < 1 (fewer than one false detection expected).

Neighbouring pixels share blocks, so their votes are far from independent; with the per-pixel count the
NFA is anti-conservative (never-compressed photos reach 10^-20 at vote shares of 1.8 %, chance being 1.6 %).
We therefore count one independent vote per 8x8 block (n/64 and k/64), which keeps never-compressed photos
near NFA 1, and report the vote share, which separates JPEG-decoded images (> 90 %) from the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import bdtrc

from forensics.algorithms.dct import sliding_dct


@dataclass(frozen=True)
class GridDetection:
    origin: tuple[int, int]  # (dx, dy) of the winning grid, modulo 8
    votes: int
    voters: int
    log10_nfa: float  # with one independent vote per 8x8 block; < 0 means detected (NFA < 1)
    second_origin: tuple[int, int]
    second_votes: int
    vote_map: np.ndarray  # per pixel: grid index dy*8+dx voted for, or -1 for no vote
    zeros: np.ndarray  # per top-left position: AC coefficients of that 8x8 block that round to zero

    @property
    def detected(self) -> bool:
        return self.log10_nfa < 0

    @property
    def share(self) -> float:
        return self.votes / self.voters if self.voters else 0.0


def zeros_per_block_position(luma: np.ndarray) -> np.ndarray:
    """For every top-left position, how many of the 63 AC coefficients of that 8x8 block round to zero.

    ``luma``: float32 luminance in 0..255. Output shape (H - 7, W - 7). The 2-D DCT of every window is
    computed separably (8 horizontal, then 64 vertical 8-tap filters), which costs 576 multiply-adds per pixel.
    """
    height, width = luma.shape[0] - 7, luma.shape[1] - 7
    counts = np.zeros((height, width), dtype=np.uint8)
    # The DC coefficient is almost never zero and carries no grid information.
    for _, coefficient in sliding_dct(luma, range(1, 64)):
        counts += (np.abs(coefficient) < 0.5).astype(np.uint8)
    return counts


WINDOW_PX = 1024  # side of the central window the grid and non-aligned measures examine (bounded time and memory)


def central_window(plane: np.ndarray, side: int = WINDOW_PX) -> np.ndarray:
    """A central ``side`` x ``side`` window whose top-left corner is on the image's own 8x8 grid."""
    height, width = plane.shape[:2]
    top = ((height - min(height, side)) // 2) // 8 * 8
    left = ((width - min(width, side)) // 2) // 8 * 8
    return plane[top : top + side, left : left + side]


MIN_SIDE_PX = 32  # the sliding 8x8 search needs room for every block that covers a pixel, several times over


def _log10_binomial_tail(votes, voters):
    """log10 P(X >= votes) for X ~ Binomial(voters, 1/64): the chance that a grid wins so many votes by luck.
    (scipy.special's survival function rather than scipy.stats, whose import alone takes half a second.)"""
    with np.errstate(divide="ignore"):
        return np.log10(bdtrc(np.asarray(votes) - 1, voters, 1 / 64))


def detect_grid(luma: np.ndarray) -> GridDetection:
    """The JPEG grid origin of ``luma`` (float32 0..255; position (0, 0) is an origin of the candidate grids).

    Images smaller than MIN_SIDE_PX on a side give no votes (and no detection)."""
    if min(luma.shape[:2]) < MIN_SIDE_PX:
        return GridDetection((0, 0), 0, 0, 0.0, (0, 0), 0, np.full(luma.shape[:2], -1, np.int16),
                             np.zeros((0, 0), np.uint8))
    zeros = zeros_per_block_position(luma)
    height, width = zeros.shape[0] - 7, zeros.shape[1] - 7
    # For pixel (y, x) the blocks containing it start at (y - a, x - b), a, b in 0..7; in a window whose
    # top-left is (y0, x0) = (y - 7, x - 7) they are zeros[y0 + 7 - a, x0 + 7 - b].
    # Running maximum over the 64 candidate blocks, with the winner's index and how many candidates tie with it
    # (one pass per candidate over 2-D arrays: faster, and without the (64, H, W) stack in memory).
    best = np.zeros((height, width), np.uint8)
    choice = np.zeros((height, width), np.int16)
    ties = np.zeros((height, width), np.uint8)
    for index in range(64):
        i, j = divmod(index, 8)
        candidate = zeros[i : i + height, j : j + width]
        greater = candidate > best
        ties += candidate == best
        ties[greater] = 1
        choice[greater] = index
        np.maximum(best, candidate, out=best)
    i, j = np.divmod(choice, 8)
    rows = np.arange(height)[:, None] + i  # top-left of the winning block, in zeros' coordinates
    columns = np.arange(width)[None, :] + j
    grid = (rows % 8) * 8 + (columns % 8)
    vote_map = np.where((ties == 1) & (best > 0), grid, -1).astype(np.int16)
    tally = np.bincount(vote_map[vote_map >= 0].ravel(), minlength=64)
    voters = int(tally.sum())
    order = np.argsort(tally)[::-1]
    first, second = int(order[0]), int(order[1])
    independent_voters, independent_votes = voters // 64, int(tally[first]) // 64
    log10_nfa = (np.log10(64) + _log10_binomial_tail(independent_votes, independent_voters)
                 if independent_voters else 0.0)
    return GridDetection(
        origin=(first % 8, first // 8), votes=int(tally[first]), voters=voters, log10_nfa=float(log10_nfa),
        second_origin=(second % 8, second // 8), second_votes=int(tally[second]), vote_map=vote_map, zeros=zeros,
    )


TILE_PX = 64


@dataclass(frozen=True)
class LocalGrids:
    """The grid detection repeated per tile of TILE_PX x TILE_PX pixels of the vote map (after ZERO's local use)."""

    winner: np.ndarray  # (tiles_y, tiles_x): grid index dy * 8 + dx with the most votes, -1 where no votes
    global_share: np.ndarray  # share of the tile's votes for the image's own winning grid
    log10_nfa: np.ndarray  # for the tile's winner; tests counted over all tiles and the 63 other grids

    def differing(self, global_index: int) -> np.ndarray:
        """Tiles whose own grid is significant (NFA < 1) and differs from the image's."""
        return (self.winner >= 0) & (self.winner != global_index) & (self.log10_nfa < 0)


def local_grids(detection: GridDetection, tile: int = TILE_PX) -> LocalGrids:
    votes = detection.vote_map
    rows, columns = votes.shape[0] // tile, votes.shape[1] // tile
    cells = votes[: rows * tile, : columns * tile].reshape(rows, tile, columns, tile).transpose(0, 2, 1, 3)
    cells = cells.reshape(rows, columns, tile * tile).astype(np.int32)
    # Per tile, a histogram of the 64 grids voted for (-1, no vote, goes to an extra bin that is dropped).
    flat = (cells + 1) + (np.arange(rows * columns, dtype=np.int32) * 65).reshape(rows, columns, 1)
    tally = np.bincount(flat.ravel(), minlength=rows * columns * 65).reshape(rows, columns, 65)[..., 1:]
    total = tally.sum(axis=-1)
    best = tally.argmax(axis=-1)
    global_index = detection.origin[1] * 8 + detection.origin[0]
    # One independent vote per 8x8 block, as for the whole image (module docstring).
    voters, votes_for_best = total // 64, np.take_along_axis(tally, best[..., None], -1)[..., 0] // 64
    tests = max(rows * columns, 1) * 63
    log10_nfa = np.where(voters > 0, np.log10(tests) + _log10_binomial_tail(votes_for_best, voters), 0.0)
    return LocalGrids(
        winner=np.where(total > 0, best, -1).astype(np.int16),
        global_share=np.where(total > 0, tally[..., global_index] / np.maximum(total, 1), 0.0),
        log10_nfa=log10_nfa,
    )
