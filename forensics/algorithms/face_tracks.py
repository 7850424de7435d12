"""Faces followed through a video: linking detections over time, and the temporal measures of a face.

- Tracks: detections are linked to the track whose last box overlaps them most (intersection over union),
  greedily, strongest overlap first.
- Eye aspect ratio (Soukupová & Čech, "Real-time eye blink detection using facial landmarks", CVWW 2016):
  (|p2 - p6| + |p3 - p5|) / (2 |p1 - p4|) over the six landmarks of each eye, averaged over both eyes;
  it drops towards 0 while the eye closes. Early deepfakes blinked too rarely (Li, Chang & Lyu, "In ictu
  oculi: exposing AI created fake videos by detecting eye blinking", WIFS 2018).
- Landmark jitter: what is left of the landmarks' movement between two frames after the best similarity
  transform (the head's own motion: shift, rotation, scale) is removed, as a share of the distance between
  the eye centres. Face swaps generated frame by frame make the inner landmarks tremble against the head.
"""

from __future__ import annotations

import numpy as np

LEFT_EYE = slice(36, 42)
RIGHT_EYE = slice(42, 48)


def box_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two boxes (x0, y0, x1, y1)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def link_boxes(previous: list[tuple], current: list[tuple], min_iou: float) -> dict[int, int]:
    """Map indices of ``current`` boxes to indices of ``previous`` boxes, one to one, best overlap first."""
    pairs = sorted(((box_iou(p, c), pi, ci) for pi, p in enumerate(previous) for ci, c in enumerate(current)),
                   reverse=True)
    links: dict[int, int] = {}
    used = set()
    for overlap, pi, ci in pairs:
        if overlap < min_iou:
            break
        if ci not in links and pi not in used:
            links[ci] = pi
            used.add(pi)
    return links


def points_box(points: np.ndarray) -> tuple[float, float, float, float]:
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def _eye_ratio(eye: np.ndarray) -> float:
    vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
    horizontal = np.linalg.norm(eye[0] - eye[3])
    return float(vertical / (2 * horizontal)) if horizontal > 0 else float("nan")


def eye_aspect_ratio(points: np.ndarray) -> float:
    """Mean eye aspect ratio of both eyes from 68 iBUG landmarks (open eyes about 0.25-0.35, closed below 0.15)."""
    return (_eye_ratio(points[LEFT_EYE]) + _eye_ratio(points[RIGHT_EYE])) / 2


def interocular(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[LEFT_EYE].mean(axis=0) - points[RIGHT_EYE].mean(axis=0)))


def similarity_residual(source: np.ndarray, target: np.ndarray) -> float:
    """RMS distance (pixels) between ``target`` and ``source`` mapped by the least-squares similarity transform
    (Umeyama, "Least-squares estimation of transformation parameters between two point patterns", PAMI 1991)."""
    source_mean, target_mean = source.mean(axis=0), target.mean(axis=0)
    a, b = source - source_mean, target - target_mean
    covariance = b.T @ a / len(a)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.diag([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rotation = u @ sign @ vt
    variance = (a ** 2).sum() / len(a)
    scale = float(np.trace(np.diag(singular) @ sign) / variance) if variance > 0 else 1.0
    mapped = scale * a @ rotation.T
    return float(np.sqrt(((mapped - b) ** 2).sum(axis=1).mean()))


def landmark_jitter(previous: np.ndarray, current: np.ndarray) -> float:
    """Landmark movement left after removing the head's similarity motion, as a share of the eye distance."""
    distance = (interocular(previous) + interocular(current)) / 2
    return similarity_residual(previous, current) / distance if distance > 0 else float("nan")


def count_blinks(ratios: np.ndarray, closed_below: float = 0.2, reopened_above: float = 0.25) -> int:
    """Eye closures: runs of the eye aspect ratio below ``closed_below`` that end above ``reopened_above``
    (hysteresis, so that noise around one threshold is not counted twice). NaN samples are skipped."""
    blinks, closed = 0, False
    for value in ratios[np.isfinite(ratios)]:
        if not closed and value < closed_below:
            closed = True
        elif closed and value > reopened_above:
            closed = False
            blinks += 1
    return blinks


def rolling_median(values: np.ndarray, window: int) -> np.ndarray:
    """Median of each run of ``window`` consecutive values (fewer than ``window`` values: their median)."""
    if len(values) <= window:
        return np.array([np.median(values)]) if len(values) else np.array([])
    windows = np.lib.stride_tricks.sliding_window_view(values, window)
    return np.median(windows, axis=1)
