"""The 8x8 DCT of JPEG (ITU-T T.81, A.3.3), on a fixed block grid or at every pixel position."""

from __future__ import annotations

from typing import Iterable, Iterator

import cv2
import numpy as np

# Row k is the k-th orthonormal DCT-II basis vector over 8 samples: coefficient = basis @ block @ basis.T.
DCT_BASIS = np.array([[np.sqrt((1 if k == 0 else 2) / 8) * np.cos((2 * n + 1) * k * np.pi / 16) for n in range(8)]
                      for k in range(8)])


def luminance(rgb: np.ndarray) -> np.ndarray:
    """JFIF luma (ITU-R BT.601) as float32, level-shifted by -128 as the JPEG encoder does."""
    rgb = rgb.astype(np.float32)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2] - 128.0


def blockwise_dct(plane: np.ndarray) -> np.ndarray:
    """Orthonormal 8x8 DCT-II of every whole block (the JPEG FDCT); shape (blocks_y, blocks_x, 8, 8)."""
    height, width = (plane.shape[0] // 8) * 8, (plane.shape[1] // 8) * 8
    blocks = plane[:height, :width].reshape(height // 8, 8, width // 8, 8).transpose(0, 2, 1, 3)
    return np.einsum("ij,abjk,lk->abil", DCT_BASIS, blocks, DCT_BASIS, optimize=True)


def coefficient_blocks(coefficients: np.ndarray) -> np.ndarray:
    """Stored quantised coefficients (as pyjpegio lays them out, blocks tiled in a plane) as (by, bx, 8, 8)."""
    height, width = coefficients.shape
    return coefficients.reshape(height // 8, 8, width // 8, 8).transpose(0, 2, 1, 3)


def sliding_dct(plane: np.ndarray, modes: Iterable[int]) -> Iterator[tuple[int, np.ndarray]]:
    """DCT coefficient ``mode`` (natural index 8v + u) of the 8x8 block at every top-left position.

    Yields (mode, array of shape (H - 7, W - 7)) one mode at a time, so that callers needing all 64 keep only
    one plane in memory; modes sharing a horizontal frequency u share one horizontal pass (separable filters,
    16 multiply-adds per pixel per mode).
    """
    plane = np.ascontiguousarray(plane, dtype=np.float32)
    height, width = plane.shape[0] - 7, plane.shape[1] - 7
    by_u: dict[int, list[int]] = {}
    for mode in modes:
        by_u.setdefault(mode % 8, []).append(mode)
    for u, group in sorted(by_u.items()):
        horizontal = cv2.filter2D(plane, cv2.CV_32F, DCT_BASIS[u][None, :].astype(np.float32), anchor=(0, 0),
                                  borderType=cv2.BORDER_CONSTANT)
        for mode in group:
            coefficient = cv2.filter2D(horizontal, cv2.CV_32F, DCT_BASIS[mode // 8][:, None].astype(np.float32),
                                       anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
            yield mode, coefficient[:height, :width]
