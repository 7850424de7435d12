"""Copy-move detection by matching an image's keypoints against themselves.

After Amerini, Ballan, Caldelli, Del Bimbo & Serra, "A SIFT-based forensic method for copy-move attack
detection and transformation recovery", IEEE TIFS 6(3), 2011: SIFT keypoints (Lowe, IJCV 2004) are matched
within the image; the generalised 2NN test keeps, for each keypoint, the neighbours in descriptor space up
to the first ratio d_i / d_(i+1) above ``ratio`` (a copied region gives near-identical descriptors, unlike
ordinary look-alikes); pairs closer than ``min_distance_px`` are dropped (a keypoint and its own
neighbourhood). Instead of the paper's hierarchical clustering, the matched pairs are explained by geometric
transforms found one after the other by RANSAC (similarity: rotation, uniform scale, translation): a copied
region moves as one rigid piece, and a transform that many independent pairs agree on is the evidence.

What decides is the number of pairs a transform explains (its inliers), compared in the analyser with what
authentic camera photos give (repetitive textures, such as rows of windows, also produce agreeing pairs:
pure translations by the pattern's period; they are why a threshold measured on authentic photos is needed).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MAX_SIDE_PX = 1600  # keypoints are found on a copy no larger than this (the figure is drawn at full size)
MAX_KEYPOINTS = 6000


@dataclass(frozen=True)
class CopyMoveCluster:
    source: np.ndarray  # (n, 2) x, y of the matched points, full-resolution pixels
    target: np.ndarray  # (n, 2) where the transform takes them
    matrix: np.ndarray  # (2, 3) similarity transform source -> target, full-resolution pixels
    inliers: int

    @property
    def rotation_degrees(self) -> float:
        """Rotation from source to target, counter-clockwise as seen on screen (image rows grow downwards)."""
        return float(np.degrees(np.arctan2(-self.matrix[1, 0], self.matrix[0, 0])))

    @property
    def scale(self) -> float:
        return float(np.hypot(self.matrix[0, 0], self.matrix[1, 0]))

    @property
    def shift_px(self) -> float:
        """Distance between the centroids of the two regions, pixels."""
        return float(np.linalg.norm(self.target.mean(axis=0) - self.source.mean(axis=0)))

    @property
    def separation(self) -> float:
        """Shift in units of the source region's extent (the larger side of its points' bounding box): a copied
        region pasted elsewhere is apart from its source (> 1); a repetitive texture matches itself one period
        away across a wide area (< 1)."""
        return self.shift_px / max(float(np.ptp(self.source, axis=0).max()), 1.0)


def keypoint_pairs(grey: np.ndarray, ratio: float = 0.5, min_distance_px: float = 20.0,
                   neighbours: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Matched keypoint pairs (two (n, 2) arrays of x, y in ``grey``'s full-resolution pixels) passing the
    generalised 2NN test."""
    scale = min(1.0, MAX_SIDE_PX / max(grey.shape))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    sift = cv2.SIFT_create(nfeatures=MAX_KEYPOINTS)
    keypoints, descriptors = sift.detectAndCompute(small, None)
    if descriptors is None or len(keypoints) < 3:
        return np.empty((0, 2)), np.empty((0, 2))
    points = np.array([k.pt for k in keypoints], dtype=np.float64)
    k = min(neighbours + 1, len(keypoints))
    try:
        rows = cv2.FlannBasedMatcher({"algorithm": 1, "trees": 4}, {"checks": 64}).knnMatch(descriptors, descriptors, k=k)
    except cv2.error:
        # FLANN's kd-trees assert when many descriptors are identical (a two-tone mask, a flat picture) and they
        # cannot return k neighbours; the exhaustive search always can, and finds the exact neighbours.
        rows = cv2.BFMatcher(cv2.NORM_L2).knnMatch(descriptors, descriptors, k=k)
    first, second = [], []
    for row in rows:
        others = [m for m in row if m.trainIdx != m.queryIdx]
        for current, following in zip(others, others[1:]):
            if current.distance >= ratio * following.distance:
                break
            if current.queryIdx < current.trainIdx:  # each pair once
                first.append(current.queryIdx)
                second.append(current.trainIdx)
    if not first:
        return np.empty((0, 2)), np.empty((0, 2))
    a, b = points[first], points[second]
    far = np.linalg.norm(a - b, axis=1) >= min_distance_px * scale
    return a[far] / scale, b[far] / scale


def transform_clusters(first: np.ndarray, second: np.ndarray, min_inliers: int = 4, tolerance_px: float = 4.0,
                       max_clusters: int = 3, seed: int = 0) -> list[CopyMoveCluster]:
    """Similarity transforms explaining the pairs, largest first (RANSAC, then the explained pairs are removed).

    Pairs are unordered, so both directions are offered to RANSAC; a transform's inliers are counted once per
    pair. ``tolerance_px`` is the reprojection error allowed (full-resolution pixels). Transforms that move
    points by less than 10 % of the spread of their source points are ignored (a near-identity "copy")."""
    clusters: list[CopyMoveCluster] = []
    remaining = np.arange(len(first))
    cv2.setRNGSeed(seed)
    while len(remaining) >= min_inliers and len(clusters) < max_clusters:
        source = np.vstack([first[remaining], second[remaining]]).astype(np.float32)
        target = np.vstack([second[remaining], first[remaining]]).astype(np.float32)
        matrix, mask = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC,
                                                   ransacReprojThreshold=tolerance_px, maxIters=4000, confidence=0.999)
        if matrix is None:
            break
        inlier = mask[:, 0].astype(bool)
        forward, backward = inlier[:len(remaining)], inlier[len(remaining):]
        explained = forward | backward
        count = int(explained.sum())
        if count < min_inliers:
            break
        src = np.where(forward[:, None], first[remaining], second[remaining])[explained]
        dst = np.where(forward[:, None], second[remaining], first[remaining])[explained]
        spread = max(float(np.ptp(src, axis=0).max()), 1.0)
        if np.linalg.norm(dst.mean(axis=0) - src.mean(axis=0)) >= 0.1 * spread:
            clusters.append(CopyMoveCluster(src, dst, matrix, count))
        remaining = remaining[~explained]
    return clusters
