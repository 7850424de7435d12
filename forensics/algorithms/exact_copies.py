"""Regions repeated pixel for pixel within a losslessly stored picture (exact-match copy-move detection).

After Fridrich, Soukal & Lukáš, "Detection of copy-move forgery in digital images" (DFRWS 2003), exact-match
variant: every ``block_px`` x ``block_px`` block (at every pixel position) is hashed; blocks with the same hash
are candidate copies, and a copied region shows up as many block pairs that share one shift vector. Camera
noise makes two natural blocks of a photograph identical only where the picture is flat (clipped sky, black
shadows), so blocks whose standard deviation is below ``min_std`` are ignored; what remains identical over a
whole region was copied. Unlike keypoint matching this finds copies of smooth or small regions; unlike it, it
needs the copy to be unchanged (no rotation, scaling or lossy re-compression), so it is for PNG, TIFF and BMP.

Hashes are 64-bit polynomial hashes built with two passes of ``block_px`` shifted multiply-adds (wrapping
uint64 arithmetic); every reported region is checked pixel for pixel, so a hash collision cannot create one.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_ROW_BASE = np.uint64(1_000_003)
_COLUMN_BASE = np.uint64(998_244_353)
MAX_GROUP = 4  # hash groups larger than this are repetitive texture or flat areas, not a copy


@dataclass(frozen=True)
class ExactCopy:
    shift: tuple[int, int]  # (dx, dy) from the source region to the copy, pixels
    pairs: int  # block positions that match at this shift
    source: np.ndarray  # (H, W) bool: pixels of the original region
    copy: np.ndarray  # (H, W) bool: pixels of the repeated region


def block_hashes(pixels: np.ndarray, block_px: int) -> np.ndarray:
    """(H - B + 1, W - B + 1) uint64 hash of the B x B block whose top-left corner is at each position;
    ``pixels`` is (H, W) or (H, W, 3) uint8."""
    packed = pixels.astype(np.uint64)
    if packed.ndim == 3:
        packed = (packed[..., 0] << np.uint64(16)) | (packed[..., 1] << np.uint64(8)) | packed[..., 2]
    packed = packed + np.uint64(1)  # so that black pixels still count
    height, width = packed.shape
    with np.errstate(over="ignore"):
        rows = np.zeros((height, width - block_px + 1), np.uint64)
        for offset in range(block_px):
            rows = rows * _ROW_BASE + packed[:, offset:offset + width - block_px + 1]
        blocks = np.zeros((height - block_px + 1, rows.shape[1]), np.uint64)
        for offset in range(block_px):
            blocks = blocks * _COLUMN_BASE + rows[offset:offset + height - block_px + 1]
    return blocks


def block_std(grey: np.ndarray, block_px: int) -> np.ndarray:
    """Standard deviation (grey levels) of every B x B block, same layout as ``block_hashes``."""
    values = grey.astype(np.float64)
    mean = cv2.boxFilter(values, -1, (block_px, block_px), anchor=(0, 0), normalize=True, borderType=cv2.BORDER_CONSTANT)
    square = cv2.boxFilter(values * values, -1, (block_px, block_px), anchor=(0, 0), normalize=True,
                           borderType=cv2.BORDER_CONSTANT)
    variance = np.maximum(square - mean * mean, 0.0)
    return np.sqrt(variance[:grey.shape[0] - block_px + 1, :grey.shape[1] - block_px + 1])


def find_exact_copies(pixels: np.ndarray, block_px: int = 16, min_std: float = 2.0, min_pairs: int = 64,
                      min_shift_px: int = 16, grid_px: int = 8, max_copies: int = 3) -> list[ExactCopy]:
    """Regions of ``pixels`` ((H, W) or (H, W, 3) uint8) repeated exactly elsewhere in it.

    block_px: side of the compared blocks, pixels; min_std: blocks flatter than this (grey levels) are ignored;
    min_pairs: block positions a shift needs (64 positions: at least a 23 x 23-pixel region for 16-pixel
    blocks); min_shift_px: shifts shorter than this are ignored (overlapping blocks of one region);
    grid_px: shifts that are multiples of this on both axes are ignored (0: none), because a picture decoded
    from a JPEG repeats whole 8 x 8 blocks wherever the quantised coefficients happen to be equal, which
    happens in nearly flat skies (seen on a camera original converted to PNG).
    Returns at most ``max_copies`` copies, the largest first."""
    if min(pixels.shape[:2]) < 2 * block_px:
        return []
    grey = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
    hashes = block_hashes(pixels, block_px)
    usable = block_std(grey, block_px) >= min_std
    positions = np.flatnonzero(usable)
    values = hashes.ravel()[positions]
    order = np.argsort(values, kind="stable")
    values, positions = values[order], positions[order]
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    sizes = np.diff(np.r_[starts, len(values)])
    shifts: dict[tuple[int, int], list[tuple[int, int]]] = {}
    width = hashes.shape[1]
    for start, size in zip(starts[sizes > 1], sizes[sizes > 1]):
        if size > MAX_GROUP:
            continue
        group = positions[start:start + size]
        for i in range(size):
            for j in range(i + 1, size):
                (y0, x0), (y1, x1) = divmod(int(group[i]), width), divmod(int(group[j]), width)
                if (y1, x1) < (y0, x0):
                    (y0, x0), (y1, x1) = (y1, x1), (y0, x0)
                dx, dy = x1 - x0, y1 - y0
                on_grid = grid_px and dx % grid_px == 0 and dy % grid_px == 0
                if max(abs(dx), abs(dy)) >= min_shift_px and not on_grid:
                    shifts.setdefault((dx, dy), []).append((y0, x0))
    copies = []
    for (dx, dy), sources in sorted(shifts.items(), key=lambda item: -len(item[1])):
        if len(sources) < min_pairs or len(copies) >= max_copies:
            break
        source = np.zeros(pixels.shape[:2], bool)
        verified = 0
        for y, x in sources:
            if np.array_equal(pixels[y:y + block_px, x:x + block_px], pixels[y + dy:y + dy + block_px, x + dx:x + dx + block_px]):
                source[y:y + block_px, x:x + block_px] = True
                verified += 1
        if verified < min_pairs:  # what remained were hash collisions
            continue
        copy = np.zeros_like(source)
        ys, xs = np.nonzero(source)
        copy[ys + dy, xs + dx] = True
        copies.append(ExactCopy((dx, dy), verified, source, copy))
    return copies
