"""Colour-filter-array (demosaicing) traces in the green channel and in red/blue, block by block.

A camera sensor behind a Bayer filter records green at one pixel in two, on a quincunx lattice; demosaicing
fills in the other half from their neighbours. Predicting every green value from its four neighbours therefore
fails much more at the recorded pixels than at the interpolated ones. Following Ferrara, Bianchi, De Rosa &
Piva, "Image forgery localization via fine-grained analysis of CFA artifacts", IEEE TIFS 7(5):1566-1577, 2012,
each block gets the log ratio of the prediction error's local variance on the two lattices. Across an
untouched demosaiced picture the ratio keeps one sign (which lattice was recorded); a region that was
resized, blurred, generated, or pasted from a picture whose lattice falls the other way has a ratio near zero
or of the opposite sign. Red and blue, recorded at one pixel in four, give a second, independent trace: the
energy of the Laplacian at the recorded pixels of the 2x2 grid against the other three (in the spirit of
Popescu & Farid, "Exposing digital forgeries in color filter array interpolated images", IEEE TSP 53(10),
2005, which models all three channels); where an adaptive demosaicing blurs the green pattern in detailed
areas, the red/blue pattern usually remains.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Prediction of a green value from its four direct neighbours (bilinear demosaicing's kernel for green).
_NEIGHBOURS = np.array([[0, 0.25, 0], [0.25, 0, 0.25], [0, 0.25, 0]], np.float32)
# Added to both variances (grey levels squared) so flat, noiseless blocks give a ratio near 0, not 0/0.
_VARIANCE_FLOOR = 0.05


@dataclass(frozen=True)
class LatticeBlocks:
    """Per-block measures on a grid of ``block_px`` squares (row-major, the picture's last partial blocks dropped)."""

    block_px: int
    log_ratio: np.ndarray  # log(variance on the even lattice / variance on the odd lattice) of the green error
    usable: np.ndarray  # textured enough and not saturated: the ratio means something there
    colour_log_ratio: np.ndarray  # red and blue: log(Laplacian energy at the recorded site / at the other three)


def green_lattice_variances(green: np.ndarray, window_sigma_px: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Local variance of the green prediction error on the even ((x + y) % 2 == 0) and odd lattices.

    ``green`` is the green channel in grey levels. Each pixel gets the Gaussian-weighted (``window_sigma_px``)
    mean of the squared error of the lattice's own pixels around it, so both maps are defined everywhere.
    """
    green = green.astype(np.float32)
    error = cv2.subtract(green, cv2.filter2D(green, -1, _NEIGHBOURS, borderType=cv2.BORDER_REFLECT))
    squared = cv2.multiply(error, error)
    even = np.zeros(green.shape, np.float32)
    even[0::2, 0::2] = 1.0
    even[1::2, 1::2] = 1.0
    variances = []
    for lattice in (even, 1.0 - even):
        weighted = cv2.GaussianBlur(cv2.multiply(squared, lattice), (0, 0), window_sigma_px)
        variances.append(cv2.divide(weighted, cv2.GaussianBlur(lattice, (0, 0), window_sigma_px)))
    return variances[0], variances[1]


def lattice_blocks(rgb: np.ndarray, block_px: int = 32, min_error_variance: float = 1.0,
                   max_saturated_share: float = 0.5, window_sigma_px: float = 2.0) -> LatticeBlocks:
    """Block-wise CFA feature of an RGB uint8 picture (Ferrara et al. 2012's geometric-mean ratio).

    A block is usable when the mean error variance of both lattices reaches ``min_error_variance`` (grey
    levels squared: flat areas carry no trace) and at most ``max_saturated_share`` of its green values are
    clipped (below 4 or above 251). ``window_sigma_px`` is the Gaussian window of the local error variances.
    """
    green = rgb[:, :, 1]
    even, odd = green_lattice_variances(green, window_sigma_px)
    rows, columns = green.shape[0] // block_px, green.shape[1] // block_px

    def block_mean(values: np.ndarray) -> np.ndarray:
        cropped = values[: rows * block_px, : columns * block_px]
        return cropped.reshape(rows, block_px, columns, block_px).mean(axis=(1, 3))

    log_ratio = block_mean(cv2.log(cv2.divide(even + _VARIANCE_FLOOR, odd + _VARIANCE_FLOOR)))
    energy = block_mean(cv2.add(even, odd)) / 2
    saturated = block_mean(((green < 4) | (green > 251)).astype(np.float32))
    usable = (energy >= min_error_variance) & (saturated <= max_saturated_share)
    colour = [_recorded_site_log_ratio(rgb[:, :, channel], rows, columns, block_px, usable) for channel in (0, 2)]
    return LatticeBlocks(block_px, log_ratio, usable, (colour[0] + colour[1]) / 2)


def _recorded_site_log_ratio(channel: np.ndarray, rows: int, columns: int, block_px: int, usable: np.ndarray) -> np.ndarray:
    """Per block, log(Laplacian energy at one site of the 2x2 grid / mean energy at the other three), for the
    site where this is largest over the picture (the site the sensor recorded this colour at)."""
    laplacian = cv2.Laplacian(channel, cv2.CV_32F, ksize=1)
    squared = cv2.multiply(laplacian, laplacian)[: rows * block_px, : columns * block_px]
    # Area resizing of each site's sub-grid is the per-block mean, 4x faster than a reshaped numpy mean.
    by_site = np.stack([cv2.resize(np.ascontiguousarray(squared[dy::2, dx::2]), (columns, rows), interpolation=cv2.INTER_AREA)
                        for dy in (0, 1) for dx in (0, 1)], axis=2) + _VARIANCE_FLOOR
    ratios = np.log(by_site) - np.log((by_site.sum(axis=2, keepdims=True) - by_site) / 3)
    site = int(np.argmax(np.median(ratios[usable], axis=0))) if usable.any() else 0
    return ratios[:, :, site]


def picture_trace(blocks: LatticeBlocks) -> float:
    """The picture's CFA trace: the median log ratio over usable blocks (0 when none is usable).

    Its sign says which lattice holds the recorded green values; its size how clear the trace is."""
    return _usable_median(blocks, blocks.log_ratio)


def _usable_median(blocks: LatticeBlocks, values: np.ndarray) -> float:
    return float(np.median(values[blocks.usable])) if blocks.usable.any() else 0.0


def relative_trace(blocks: LatticeBlocks) -> np.ndarray:
    """Each block's log ratio as a share of the picture's trace: about 1 where the block carries the same pattern,
    0 where it carries none, -1 where the pattern is shifted by one pixel (0 everywhere without a trace)."""
    trace = picture_trace(blocks)
    return blocks.log_ratio / trace if trace else np.zeros_like(blocks.log_ratio)


def relative_colour_trace(blocks: LatticeBlocks, min_trace: float = 0.1) -> np.ndarray:
    """Each block's red/blue log ratio as a share of the picture's median; 1 everywhere when that median is
    under ``min_trace`` (no red/blue pattern to compare with)."""
    trace = _usable_median(blocks, blocks.colour_log_ratio)
    return blocks.colour_log_ratio / trace if trace >= min_trace else np.ones_like(blocks.colour_log_ratio)


def blocks_below(blocks: LatticeBlocks, share_of_trace: float, colour_too: bool = False,
                 min_colour_trace: float = 0.1) -> np.ndarray:
    """Usable blocks whose relative (green) trace is under ``share_of_trace`` (and, with ``colour_too``, whose
    relative red/blue trace is too, see ``relative_colour_trace``); isolated blocks are dropped and one-block
    gaps filled (3x3 median)."""
    below = (relative_trace(blocks) < share_of_trace) & blocks.usable
    if colour_too:
        below &= relative_colour_trace(blocks, min_colour_trace) < share_of_trace
    return cv2.medianBlur(below.astype(np.uint8), 3).astype(bool)


def largest_region(mask: np.ndarray) -> tuple[int, tuple[int, int, int, int] | None]:
    """Size (cells) and box (x0, y0, x1, y1 in cells, end exclusive) of ``mask``'s largest 4-connected region."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=4)
    if count <= 1:
        return 0, None
    index = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, width, height, area = (int(v) for v in stats[index])
    return area, (x, y, x + width, y + height)
