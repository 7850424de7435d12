"""Copy-move detection by dense block matching: finds copies of smooth and small regions in lossy pictures.

After Cozzolino, Poggi & Verdoliva, "Efficient dense-field copy-move forgery detection", IEEE TIFS 10(11),
2015, with the block features of Fridrich, Soukal & Lukáš (DFRWS 2003, "robust match"): every block of
``block_px`` x ``block_px`` pixels, at every position, is described by its lowest-frequency DCT coefficients;
each block gets the offset to its most similar block at least ``min_shift_px`` away (a nearest-neighbour field),
found by sorting the blocks by their quantised features (similar blocks become neighbours in that order) and
refining with PatchMatch (Barnes, Shechtman, Finkelstein & Goldman, ACM TOG 28(3), 2009), run in parallel:
each block tries its neighbours' offsets and random offsets near its own. A copied region appears as a
connected area whose blocks all point to one offset, and whose copy points back (the field is symmetric there);
elsewhere offsets vary from block to block.

Three checks keep natural look-alikes out: the two regions must lie apart (the shift at least the region's
extent: a straight edge or a ramp matches itself a little further along), both must carry detail (a
band-pass residual, Gaussian sigma 1 minus sigma 3, with a standard deviation of at least ``min_detail`` grey
levels: flat skies match anywhere), and that detail must correlate between them (a copy carries its source's
texture and grain; two patches of wall do not share theirs). In a picture decoded from a JPEG at its stored
size, shifts that are multiples of 8 on both axes are ignored (``exclude_grid``): flat 8x8 blocks decode to
identical pixels wherever their coefficients are equal.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forensics.algorithms.filters import band_pass

# (u, v) frequencies of the DCT coefficients that describe a block: its mean and its coarsest variations.
FEATURE_ORDERS = ((0, 0), (0, 1), (1, 0), (0, 2), (1, 1), (2, 0))
SORT_STEP = 2.0  # quantisation step of the features for the initial sort (grey levels x block side)
SORT_NEIGHBOURS = 4  # neighbours on each side in sorted order offered as a block's first match
DETAIL_SIGMAS = (1.0, 3.0)  # the band-pass residual: Gaussian blur at the first minus at the second (pixels)
# A region whose features lie within this factor of their distance to the copy also one shift further (or one
# before) is a periodic pattern.
REPEAT_FACTOR = 3.0


@dataclass(frozen=True)
class BlockCopy:
    shift: tuple[int, int]  # (dx, dy) from the source region to its copy, pixels of the searched picture
    area_px: int  # blocks (top-left corners) of the source region that point to the copy at this shift
    source: np.ndarray  # (H, W) bool over the searched picture: pixels of the source region's blocks
    copy: np.ndarray  # (H, W) bool: the same shifted onto the copy
    detail: float  # the smaller standard deviation of the band-pass residual over the two regions, grey levels
    correlation: float  # Pearson correlation of that residual between the two regions
    symmetry: float  # share of the copy's blocks whose offset points back to the source (within 1 pixel)


def block_features(grey: np.ndarray, block_px: int) -> np.ndarray:
    """(H - block_px + 1, W - block_px + 1, len(FEATURE_ORDERS)) float32: for the block whose top-left corner is at
    each position, its DCT-II coefficients at FEATURE_ORDERS, scaled so that the first is the block's mean."""
    image = grey.astype(np.float32)
    n = np.arange(block_px)
    basis = {u: (np.cos(np.pi * (2 * n + 1) * u / (2 * block_px)) / block_px).astype(np.float32)
             for u in {u for order in FEATURE_ORDERS for u in order}}
    height, width = image.shape[0] - block_px + 1, image.shape[1] - block_px + 1
    return np.stack([cv2.sepFilter2D(image, -1, basis[v], basis[u], anchor=(0, 0),
                                     borderType=cv2.BORDER_REPLICATE)[:height, :width]
                     for u, v in FEATURE_ORDERS], axis=-1)


def nearest_offsets(features: np.ndarray, min_shift_px: int, iterations: int = 3,
                    seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The nearest-neighbour field: for each block, the offset (dy, dx) to the block with the closest features
    at least ``min_shift_px`` away on one axis (an approximation: PatchMatch finds the nearest with high
    probability, not always). Deterministic for a given ``seed``."""
    height, width, depth = features.shape
    flat = features.reshape(-1, depth)
    rows, columns = np.divmod(np.arange(height * width), width)
    rng = np.random.default_rng(seed)

    def cost(dy: np.ndarray, dx: np.ndarray) -> np.ndarray:
        target_rows, target_columns = rows + dy, columns + dx
        valid = ((target_rows >= 0) & (target_rows < height) & (target_columns >= 0) & (target_columns < width)
                 & (np.maximum(np.abs(dy), np.abs(dx)) >= min_shift_px))
        difference = flat - flat[np.where(valid, target_rows * width + target_columns, 0)]
        distance = np.einsum("ij,ij->i", difference, difference)
        distance[~valid] = np.inf
        return distance

    # First matches: neighbours in the lexicographic order of the quantised features (worked on in that order).
    # Blocks equal once quantised are then ordered by their exact features, so that a block and its copy (equal,
    # or nearly, after re-compression) end up side by side even within a large group of look-alikes.
    quantised = np.round(flat / SORT_STEP).astype(np.int32)
    order = np.lexsort([*flat.T[::-1], *quantised.T[::-1]])
    in_order, order_rows, order_columns = flat[order], rows[order], columns[order]
    best = np.full(height * width, np.inf, np.float32)
    best_dy, best_dx = np.zeros(height * width, np.int64), np.zeros(height * width, np.int64)
    for step in [s for k in range(1, SORT_NEIGHBOURS + 1) for s in (k, -k)]:
        candidate_dy, candidate_dx = np.roll(order_rows, -step) - order_rows, np.roll(order_columns, -step) - order_columns
        difference = in_order - np.roll(in_order, -step, axis=0)
        distance = np.einsum("ij,ij->i", difference, difference)
        distance[np.maximum(np.abs(candidate_dy), np.abs(candidate_dx)) < min_shift_px] = np.inf
        better = distance < best
        best[better], best_dy[better], best_dx[better] = distance[better], candidate_dy[better], candidate_dx[better]
    dy, dx, unmatched = np.empty_like(best_dy), np.empty_like(best_dx), np.empty(height * width, bool)
    dy[order], dx[order], unmatched[order] = best_dy, best_dx, ~np.isfinite(best)
    dy[unmatched] = rng.integers(-height, height, int(unmatched.sum()))
    dx[unmatched] = rng.integers(-width, width, int(unmatched.sum()))
    best = cost(dy, dx)

    def offer(candidate_dy: np.ndarray, candidate_dx: np.ndarray) -> None:
        distance = cost(candidate_dy, candidate_dx)
        better = distance < best
        dy[better], dx[better], best[better] = candidate_dy[better], candidate_dx[better], distance[better]

    for _ in range(iterations):
        for shift in ((1, 0), (-1, 0), (0, 1), (0, -1)):  # propagation: the neighbours' offsets
            offer(np.roll(dy.reshape(height, width), shift, (0, 1)).ravel(),
                  np.roll(dx.reshape(height, width), shift, (0, 1)).ravel())
        radius = max(height, width) // 4
        while radius >= 2:  # random search around the current offset, at shrinking radii
            offer(dy + rng.integers(-radius, radius + 1, dy.shape), dx + rng.integers(-radius, radius + 1, dx.shape))
            radius //= 4
    return dy.reshape(height, width), dx.reshape(height, width)


def find_block_copies(grey: np.ndarray, block_px: int = 12, min_shift_px: int = 40, min_area_px: int = 64,
                      min_detail: float = 1.0, min_symmetry: float = 0.8, exclude_grid: bool = False,
                      iterations: int = 2, seed: int = 0, max_copies: int = 3) -> list[BlockCopy]:
    """Regions of ``grey`` ((H, W) uint8) copied elsewhere in it, largest first.

    block_px: side of the compared blocks, pixels; min_shift_px: shortest shift searched (on the longer axis);
    min_area_px: blocks a region needs; min_detail: grey levels of band-pass detail both regions need;
    min_symmetry: share of the copy's blocks that must point back; exclude_grid: ignore shifts that are multiples
    of 8 on both axes (a picture decoded from a JPEG at its stored size). Regions are returned whatever their
    correlation: the caller decides what correlation is a copy."""
    if min(grey.shape[:2]) < 2 * block_px + min_shift_px:
        return []
    features = block_features(grey, block_px)
    dy, dx = nearest_offsets(features, min_shift_px, iterations, seed)
    # Where a region was copied, every block points to the same offset as its neighbours.
    coherent = (dy == cv2.medianBlur(dy.astype(np.float32), 5)) & (dx == cv2.medianBlur(dx.astype(np.float32), 5))
    if exclude_grid:
        coherent &= ~((dy % 8 == 0) & (dx % 8 == 0))
    coherent = cv2.morphologyEx(coherent.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(coherent, connectivity=8)
    residual = band_pass(grey, DETAIL_SIGMAS)  # its correlation tells a copy from a look-alike
    centre = block_px // 2
    copies = []
    for label in np.flatnonzero(stats[:, cv2.CC_STAT_AREA] >= min_area_px):
        if label == 0:
            continue
        rows, columns = np.nonzero(labels == label)
        shift_y, shift_x = int(np.median(dy[rows, columns])), int(np.median(dx[rows, columns]))
        on_shift = (dy[rows, columns] == shift_y) & (dx[rows, columns] == shift_x)
        rows, columns = rows[on_shift], columns[on_shift]
        if len(rows) < min_area_px:
            continue  # too small once the strays are removed
        if max(abs(shift_y), abs(shift_x)) < max(int(np.ptp(rows)), int(np.ptp(columns))) + block_px:
            continue  # overlapping its copy: a texture or an edge matching itself a little further along
        if _repeats(features, rows, columns, shift_y, shift_x):
            continue  # a pattern repeated at this period (windows, tiles, a fence), not a single copy
        source_detail = residual[rows + centre, columns + centre]
        copy_detail = residual[rows + centre + shift_y, columns + centre + shift_x]
        detail = float(min(source_detail.std(), copy_detail.std()))
        if detail < min_detail:
            continue
        back = ((np.abs(dy[rows + shift_y, columns + shift_x] + shift_y) <= 1)
                & (np.abs(dx[rows + shift_y, columns + shift_x] + shift_x) <= 1))
        symmetry = float(back.mean())
        if symmetry < min_symmetry:
            continue
        correlation = float(np.corrcoef(source_detail, copy_detail)[0, 1])
        corners = np.zeros(grey.shape[:2], np.uint8)
        corners[rows, columns] = 1
        source = cv2.dilate(corners, np.ones((block_px, block_px), np.uint8), anchor=(0, 0)).astype(bool)
        copy = np.zeros_like(source)
        ys, xs = np.nonzero(source)
        copy[ys + shift_y, xs + shift_x] = True
        copies.append(BlockCopy((shift_x, shift_y), len(rows), source, copy, detail, correlation, symmetry))
    copies.sort(key=lambda c: -c.area_px * max(c.correlation, 0.0))
    return copies[:max_copies]


def _repeats(features: np.ndarray, rows: np.ndarray, columns: np.ndarray, shift_y: int, shift_x: int) -> bool:
    """Whether the region also resembles what lies one more shift further (or one shift before): a copy
    resembles only its source, a periodic pattern resembles every neighbour at its period."""
    height, width = features.shape[:2]
    source = features[rows, columns]
    match = _mean_distance(source, features[rows + shift_y, columns + shift_x])
    for k in (2, -1):
        target_rows, target_columns = rows + k * shift_y, columns + k * shift_x
        inside = (target_rows >= 0) & (target_rows < height) & (target_columns >= 0) & (target_columns < width)
        if inside.mean() >= 0.5 and _mean_distance(source[inside], features[target_rows[inside], target_columns[inside]]) \
                <= REPEAT_FACTOR * match:
            return True
    return False


def _mean_distance(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.sqrt(((first - second) ** 2).sum(axis=-1)).mean())
