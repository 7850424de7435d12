"""Controlled face swaps with a known mask, built the way swap tools build them.

Pipeline (after the description in Li et al., "Face X-ray", CVPR 2020, and the DeepFaceLab/faceswap
tools it summarises): align the donor face onto the target's landmarks with a similarity transform fitted
on the inner-face landmarks (17-67), warp, build the mask from the target's jaw-and-brow hull (shrunk a
little so the target's jaw line stays), optionally match the donor's colours to the target inside the mask
(CIELAB mean and standard deviation), then blend: alpha with a feathered mask, or Poisson blending
(OpenCV ``seamlessClone``). A "self" swap uses the target's own face, reduced and blurred before it goes
back, which leaves only the resolution trace of a generator working at a fixed size (Li & Lyu 2019).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forensics.algorithms.face_boundary import HULL_POINTS, face_width

ALIGNMENT_POINTS = slice(17, 68)


@dataclass(frozen=True)
class Swap:
    image: np.ndarray  # uint8 RGB
    mask: np.ndarray  # float32 0..1, the blending weight of the donor face


def _hull_mask(shape: tuple[int, int], points: np.ndarray, shrink_px: float) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, np.round(cv2.convexHull(points[HULL_POINTS].astype(np.float32))).astype(np.int32), 255)
    if shrink_px >= 1:
        size = int(2 * round(shrink_px) + 1)
        mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    return mask


def _match_colours(source: np.ndarray, target: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Shift and scale ``source``'s CIELAB channels to ``target``'s mean and deviation inside ``mask``."""
    inside = mask > 0
    src = cv2.cvtColor(source, cv2.COLOR_RGB2LAB).astype(np.float32)
    dst = cv2.cvtColor(target, cv2.COLOR_RGB2LAB).astype(np.float32)
    for channel in range(3):
        s, d = src[..., channel][inside], dst[..., channel][inside]
        src[..., channel] = (src[..., channel] - s.mean()) * (d.std() / (s.std() + 1e-6)) + d.mean()
    return cv2.cvtColor(np.clip(src, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def swap_face(target: np.ndarray, target_points: np.ndarray, donor: np.ndarray, donor_points: np.ndarray,
              blend: str = "feather", colour_correct: bool = True, feather_fraction: float = 0.06,
              shrink_fraction: float = 0.03) -> Swap:
    """Paste ``donor``'s face onto ``target``'s (landmarks (68, 2) each); ``blend`` is "feather" or "poisson"."""
    transform, _ = cv2.estimateAffinePartial2D(donor_points[ALIGNMENT_POINTS].astype(np.float32),
                                               target_points[ALIGNMENT_POINTS].astype(np.float32), method=cv2.LMEDS)
    height, width = target.shape[:2]
    warped = cv2.warpAffine(donor, transform, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    size = face_width(target_points)
    hard = _hull_mask((height, width), target_points, shrink_fraction * size)
    if colour_correct:
        warped = _match_colours(warped, target, hard)
    if blend == "poisson":
        x, y, w, h = cv2.boundingRect(hard)
        cloned = cv2.seamlessClone(warped, target, hard, (x + w // 2, y + h // 2), cv2.NORMAL_CLONE)
        # OpenCV also nudges pixels of the mask's bounding rectangle outside the mask; keep them the target's so
        # that the mask is exactly what changed.
        inside = hard[..., None] > 0
        return Swap(np.where(inside, cloned, target), inside[..., 0].astype(np.float32))
    sigma = max(1.0, feather_fraction * size)
    soft = cv2.GaussianBlur(hard.astype(np.float32) / 255, (0, 0), sigma) * (hard > 0)
    soft = cv2.GaussianBlur(soft, (0, 0), sigma / 2)
    alpha = soft[..., None]
    image = np.clip(alpha * warped + (1 - alpha) * target, 0, 255).astype(np.uint8)
    return Swap(image, soft)


def self_swap(target: np.ndarray, target_points: np.ndarray, generator_px: int = 96, blur_sigma: float = 0.8,
              feather_fraction: float = 0.06) -> Swap:
    """The target's own face through a fixed-size "generator": reduced to ``generator_px``, blurred, put back."""
    size = face_width(target_points)
    factor = min(1.0, generator_px / size)
    small = cv2.resize(target, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), blur_sigma)
    donor = cv2.resize(small, (target.shape[1], target.shape[0]), interpolation=cv2.INTER_CUBIC)
    return swap_face(target, target_points, donor, target_points, "feather", False, feather_fraction)
