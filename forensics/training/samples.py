"""Training pairs for the face-blend detector: a real face crop and a self-blended crop of the same photo.

Both go through the same kinds of later processing, drawn independently: a reduction of the whole photo
(evidence is often a resized copy), JPEG compression at quality 60-98 or none, the crop framed with some
jitter around the face box (the analysers frame it exactly, ``face_blend.face_crop``), and a mirror image.
So nothing but the blend separates the two classes. Deterministic for a given ``numpy.random.Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forensics.models.face_blend import BOUNDARY_STRIDE, CROP_SCALE, INPUT_PX, face_crop
from forensics.training.self_blend import BlendRecipe, boundary_map, self_blend

JPEG_SHARE = 0.7
JPEG_QUALITY = (60, 98)
REDUCE_SHARE = 0.3
REDUCE_FACTOR = (0.5, 0.9)
CROP_SCALE_JITTER = (CROP_SCALE * 0.9, CROP_SCALE * 1.13)
CROP_SHIFT_JITTER = 0.04  # of the crop side
TIGHT_SHARE = 0.1  # photos cut tightly around the face first (padded black in the crop), as crops arrive


@dataclass(frozen=True)
class TrainingPair:
    real: np.ndarray  # (size, size, 3) uint8
    fake: np.ndarray  # (size, size, 3) uint8
    boundary: np.ndarray  # (size/16, size/16) float32: the fake's blending boundary, max over each cell
    recipe: BlendRecipe


def _later_processing(image: np.ndarray, box: tuple[int, int, int, int], mask: np.ndarray | None,
                      rng: np.random.Generator) -> tuple[np.ndarray, tuple[int, int, int, int], np.ndarray | None]:
    if rng.random() < TIGHT_SHARE:
        x0, y0, x1, y1 = box
        margin = rng.uniform(0.05, 0.25) * (x1 - x0)
        left, top = max(0, int(x0 - margin)), max(0, int(y0 - margin))
        right, bottom = int(x1 + margin), int(y1 + margin)
        image = image[top:bottom, left:right]
        mask = None if mask is None else mask[top:bottom, left:right]
        box = (x0 - left, y0 - top, x1 - left, y1 - top)
    if rng.random() < REDUCE_SHARE:
        factor = rng.uniform(*REDUCE_FACTOR)
        size = (max(8, int(image.shape[1] * factor)), max(8, int(image.shape[0] * factor)))
        factor_x, factor_y = size[0] / image.shape[1], size[1] / image.shape[0]
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        mask = None if mask is None else cv2.resize(mask, size, interpolation=cv2.INTER_AREA)
        box = (int(box[0] * factor_x), int(box[1] * factor_y), int(box[2] * factor_x), int(box[3] * factor_y))
    if rng.random() < JPEG_SHARE:
        quality = int(rng.integers(*JPEG_QUALITY, endpoint=True))
        ok, encoded = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
        image = cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(image), box, mask


def _framed(image: np.ndarray, box: tuple[int, int, int, int], rng: np.random.Generator, size: int,
            mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    scale = rng.uniform(*CROP_SCALE_JITTER)
    shift = tuple(rng.uniform(-CROP_SHIFT_JITTER, CROP_SHIFT_JITTER, 2))
    flip = rng.random() < 0.5
    crop = face_crop(image, box, scale, shift, size).pixels
    mask_crop = None
    if mask is not None:
        mask_crop = face_crop(np.repeat(mask[..., None], 3, axis=2), box, scale, shift, size).pixels[..., 0]
    if flip:
        crop = crop[:, ::-1]
        mask_crop = None if mask_crop is None else mask_crop[:, ::-1]
    return np.ascontiguousarray(crop), mask_crop


def cell_maximum(values: np.ndarray, stride: int = BOUNDARY_STRIDE) -> np.ndarray:
    """Max over each ``stride`` x ``stride`` cell: a cell is on the boundary if the boundary runs through it."""
    h, w = values.shape[0] // stride, values.shape[1] // stride
    return values[:h * stride, :w * stride].reshape(h, stride, w, stride).max(axis=(1, 3))


def training_pair(image: np.ndarray, box: tuple[int, int, int, int], points: np.ndarray,
                  rng: np.random.Generator, size: int = INPUT_PX) -> TrainingPair:
    """A real and a self-blended crop of one photo (RGB uint8) with its face box and (468, 3) mesh."""
    blended, mask, recipe = self_blend(image, points, rng)
    real, real_box, _ = _later_processing(image, box, None, rng)
    # The mask travels with the fake through the same reduction and cut, as uint8 so that face_crop can frame it.
    fake, fake_box, mask8 = _later_processing(blended, box, (mask * 255 + 0.5).astype(np.uint8), rng)
    real_crop, _ = _framed(real, real_box, rng, size)
    fake_crop, mask_crop = _framed(fake, fake_box, rng, size, mask8)
    # The boundary is where the mask changes, whatever its maximum (a blend ratio below 1 mixes the whole
    # inner face, which is not what the map should point at).
    peak = max(float(mask_crop.max()), 1.0)
    boundary = cell_maximum(boundary_map(mask_crop.astype(np.float32) / peak))
    return TrainingPair(real_crop, fake_crop, boundary.astype(np.float32), recipe)
