"""Self-blended images: a face blended with a slightly altered copy of itself, for training without deepfakes.

Re-implemented from the paper's description (Shiohara & Yamasaki, "Detecting deepfakes with self-blended
images", CVPR 2022; the authors' code is under a non-commercial licence and was not used). A face swap renders
a new inner face, warps it onto the target, corrects its colour and blends it along the face outline. Each step
leaves a trace at the blend: a change of colour, of sharpness or resolution, a small misalignment, a seam.
Blending a face with an altered copy of itself reproduces exactly those traces, with nothing else changed (same
identity, same pose, same background), so a detector trained on such pairs must learn the traces.

``self_blend`` takes one real photo and its face mesh and returns the blended photo and the blend mask M
(the share of each pixel taken from the altered copy). Our additions to the paper's recipe, for the swaps the
classical face measures missed: Poisson blending (OpenCV ``seamlessClone``) instead of alpha blending in a
share of cases, and a strong down/up-sampling of the whole copy (a generator's low resolution). The boundary
target of Face X-ray (Li et al., CVPR 2020) is ``boundary_map(M) = 4 M (1 - M)``.

Everything is drawn from the ``numpy.random.Generator`` passed in, so a seed reproduces a sample exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forensics.models.face_mesh import BROW_POINTS, FACE_OVAL

BLEND_RATIOS = (0.25, 0.5, 0.75, 1.0, 1.0, 1.0)  # the paper's choice of the mask's maximum
POISSON_SHARE = 0.2


@dataclass(frozen=True)
class BlendRecipe:
    """What was done to make one sample (kept with evaluation cases; handy when looking at failures)."""

    mask_shape: str  # "face", "lower face" or "inner face"
    poisson: bool
    ratio: float
    colour: bool
    frequency: str  # "none", "down-up x<f>", "blur", "sharpen"
    shift_px: tuple[float, float]
    scale: float


def boundary_map(mask: np.ndarray) -> np.ndarray:
    """Face X-ray's blending boundary: 4 M (1 - M), 1 where the mixture is half and half, 0 where pure."""
    return 4.0 * mask * (1.0 - mask)


def _hull_mask(shape: tuple[int, int], polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(polygon).astype(np.int32)), 1)
    return mask


def face_polygon(points: np.ndarray, shape: str) -> np.ndarray:
    """The outline to blend along: the whole face oval up to the hairline ("face"), the face below the brows
    ("lower face", what 68-point tools blend) or the oval shrunk towards the nose ("inner face")."""
    oval = points[list(FACE_OVAL), :2].astype(np.float64)
    if shape == "face":
        return oval
    if shape == "lower face":
        brow_line = float(np.mean(points[list(BROW_POINTS), 1]))
        return np.vstack([oval[oval[:, 1] >= brow_line], points[list(BROW_POINTS), :2]])
    centre = points[4, :2]  # the nose tip
    return centre + 0.8 * (oval - centre)


def _deform(polygon: np.ndarray, width: float, rng: np.random.Generator) -> np.ndarray:
    # A smooth random displacement of the outline (the paper's landmark deformation): independent noise per
    # vertex, smoothed around the ring so that the outline bends rather than zigzags.
    noise = rng.normal(0.0, 0.03 * width, polygon.shape)
    kernel = np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0
    smoothed = np.stack([np.convolve(np.concatenate([n[-2:], n, n[:2]]), kernel, "valid") for n in noise.T], axis=1)
    return polygon + smoothed


def _feathered(mask: np.ndarray, width: float, rng: np.random.Generator) -> np.ndarray:
    size = int(max(1, rng.uniform(0.0, 0.06) * width)) | 1
    if rng.random() < 0.5:
        mask = cv2.erode(mask, np.ones((size, size), np.uint8))
    else:
        mask = cv2.dilate(mask, np.ones((size, size), np.uint8))
    soft = mask.astype(np.float32)
    for _ in range(2):  # two Gaussian passes of random widths, as in the paper
        sigma = rng.uniform(0.005, 0.05) * width
        soft = cv2.GaussianBlur(soft, (0, 0), max(sigma, 0.3))
    peak = float(soft.max())
    return soft / peak if peak > 0 else soft


def _colour_change(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = image.astype(np.float32)
    out += rng.uniform(-20, 20, 3)  # per-channel shift
    hsv = cv2.cvtColor(np.clip(out, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = (hsv[..., 0] + rng.uniform(-6, 6)) % 180
    hsv[..., 1] = np.clip(hsv[..., 1] * rng.uniform(0.8, 1.2), 0, 255)
    hsv[..., 2] = np.clip(hsv[..., 2] * rng.uniform(0.85, 1.15), 0, 255)
    out = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(np.float32)
    contrast = rng.uniform(0.85, 1.15)
    out = (out - out.mean()) * contrast + out.mean() + rng.uniform(-10, 10)
    return np.clip(out, 0, 255).astype(np.uint8)


def _frequency_change(image: np.ndarray, width: float, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    choice = rng.choice(["down-up", "down-up", "blur", "sharpen", "none"])
    if choice == "down-up":
        # A generator that renders the face at 64-256 pixels across, upscaled onto the target.
        target = rng.uniform(48, 256)
        factor = float(np.clip(target / max(width, 1.0), 0.2, 0.8))
        small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        interpolation = cv2.INTER_LINEAR if rng.random() < 0.5 else cv2.INTER_CUBIC
        return cv2.resize(small, (image.shape[1], image.shape[0]), interpolation=interpolation), f"down-up x{factor:.2f}"
    if choice == "blur":
        return cv2.GaussianBlur(image, (0, 0), rng.uniform(0.6, 1.6)), "blur"
    if choice == "sharpen":
        blurred = cv2.GaussianBlur(image, (0, 0), 1.0)
        amount = rng.uniform(0.3, 1.0)
        return np.clip(image * (1 + amount) - blurred * amount, 0, 255).astype(np.uint8), "sharpen"
    return image, "none"


def self_blend(image: np.ndarray, points: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, BlendRecipe]:
    """One self-blended image of a real photo.

    image: (H, W, 3) uint8 RGB; points: the face's (468, 3) mesh in pixels of ``image``.
    Returns the blended image (uint8), the mask M (float32 in [0, 1], the share of the altered copy in each
    pixel: 0 outside the face) and the recipe."""
    oval = points[list(FACE_OVAL), :2]
    width = float(np.ptp(oval[:, 0]))
    source = image
    colour = bool(rng.random() < 0.7)
    if colour:
        source = _colour_change(source, rng)
    source, frequency = _frequency_change(source, width, rng)
    if frequency == "none" and not colour:
        source = _colour_change(source, rng)
        colour = True
    # A small misalignment of the copy: what warping a rendered face onto the target leaves.
    scale = float(rng.uniform(0.95, 1.05))
    shift = tuple(float(v) for v in rng.uniform(-0.03, 0.03, 2) * width)
    centre = tuple(float(v) for v in points[4, :2])
    matrix = cv2.getRotationMatrix2D(centre, float(rng.uniform(-2, 2)), scale)
    matrix[:, 2] += shift
    source = cv2.warpAffine(source, matrix, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REFLECT)

    mask_shape = str(rng.choice(["face", "lower face", "lower face", "inner face"]))
    polygon = _deform(face_polygon(points, mask_shape), width, rng)
    hard = _hull_mask(image.shape[:2], polygon)
    hard[:2], hard[-2:], hard[:, :2], hard[:, -2:] = 0, 0, 0, 0  # seamlessClone needs a mask clear of the border
    poisson = bool(rng.random() < POISSON_SHARE) and hard.any()
    if poisson:
        # seamlessClone places the mask's bounding box centred on the point given: centre it where it already
        # is. The result is taken inside the mask only, so the mask is exactly what changed (OpenCV may touch
        # a pixel or two around it otherwise). The returned mask is the hard one softened by 1.5 % of the
        # face width, so that its boundary map marks the seam.
        ys, xs = np.nonzero(hard)
        clone_centre = (int(xs.min() + (xs.max() - xs.min() + 1) // 2), int(ys.min() + (ys.max() - ys.min() + 1) // 2))
        cloned = cv2.seamlessClone(source, image, hard * 255, clone_centre, cv2.NORMAL_CLONE)
        blended = np.where(hard[..., None] > 0, cloned, image)
        mask = cv2.GaussianBlur(hard.astype(np.float32), (0, 0), max(0.015 * width, 0.5))
        ratio = 1.0
    else:
        ratio = float(rng.choice(BLEND_RATIOS))
        mask = _feathered(hard, width, rng) * ratio
        blended = np.clip(source * mask[..., None] + image * (1 - mask[..., None]) + 0.5, 0, 255).astype(np.uint8)
    recipe = BlendRecipe(mask_shape, poisson, ratio, colour, frequency, shift, scale)
    return blended, mask.astype(np.float32), recipe
