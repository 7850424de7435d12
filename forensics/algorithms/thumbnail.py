"""Does an embedded thumbnail show the same picture as the main image? (after Kee & Farid 2010)

Kee & Farid, "Digital image authentication from thumbnails", SPIE 2010: cameras write the EXIF thumbnail
when the photo is taken; many editors change the main image but keep the old thumbnail. The thumbnail's
content area (letterbox bars removed) is compared with the main image reduced to the same size under the
eight rotations and mirrorings of the square's symmetry group: the best-matching transform tells whether
the main image was rotated or mirrored after capture, and its correlation whether it still shows the same
picture at all.

Luminance correlation answers "the same layout?": two shots of one scene, or photos of similar scenes (sky above,
ground below), correlate as well as a picture and its own thumbnail. Detail answers "the same capture?": the
band-pass (difference-of-Gaussians) parts of a thumbnail and of the main image reduced to its size correlate only
when one was made from the other, to within a pixel. Where the detail does not match, the thumbnail is aligned
with the main image (an affine map, Evangelidis & Psarakis 2008, "Parametric image alignment using enhanced
correlation coefficient maximization", IEEE TPAMI 30(10)) to tell a picture framed differently (cropped, zoomed,
or a neighbouring shot) from one whose detail is another picture's.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forensics.algorithms.filters import band_pass

BAR_MEAN = 16  # a letterbox row/column is darker than this on average (8-bit luminance) ...
BAR_STD = 8  # ... and nearly uniform
DETAIL_SIDE = 160  # pixels: the long side at which detail is compared (an EXIF thumbnail's usual size)
DETAIL_SIGMAS = (0.7, 2.0)  # pixels at that size: the band of the difference of Gaussians
DETAIL_SHIFT = 1  # pixels at that size: the shifts tried each way (resampling and chroma siting move a thumbnail)
DETAIL_MARGIN = 3  # pixels at that size left out at each border (the filters' and the shifts' reach)
ALIGN_ITERATIONS = 100
ALIGN_EPSILON = 1e-5

TRANSFORMS = {  # name -> function applied to the main image to bring it onto the thumbnail
    "none": lambda a: a,
    "rotated 90 degrees clockwise": lambda a: np.rot90(a, -1),
    "rotated 180 degrees": lambda a: np.rot90(a, 2),
    "rotated 90 degrees anticlockwise": lambda a: np.rot90(a, 1),
    "mirrored left-right": lambda a: a[:, ::-1],
    "mirrored top-bottom": lambda a: a[::-1, :],
    "transposed": lambda a: a.T,
    "anti-transposed": lambda a: np.rot90(a, 2).T,
}


@dataclass(frozen=True)
class ThumbnailComparison:
    thumbnail_size: tuple[int, int]  # (width, height) as stored
    content_size: tuple[int, int]  # after removing letterbox bars
    best_transform: str  # the transform of the main image that best matches the thumbnail
    correlation: float  # Pearson correlation of luminance under that transform, in [-1, 1]
    correlation_untransformed: float
    aspect_difference: float  # relative difference of aspect ratios under the best transform
    detail_correlation: float  # correlation of band-pass detail under that transform, best over one-pixel shifts
    detail_contrast: float  # standard deviation of the main image's band-pass detail (8-bit grey levels)
    # Only where the detail does not match: the detail's correlation once the main image is aligned with the
    # thumbnail by an affine map, and how far that map moves the thumbnail's corners (fraction of its longer side).
    aligned_detail_correlation: float | None = None
    alignment_displacement: float | None = None


def compare_thumbnail(main_rgb: np.ndarray, thumbnail_rgb: np.ndarray,
                      align_below: float | None = None) -> ThumbnailComparison:
    """Compare a thumbnail (or preview) with the main image; the two are aligned where the detail correlation is
    below ``align_below`` (never if None)."""
    thumb_grey = cv2.cvtColor(thumbnail_rgb, cv2.COLOR_RGB2GRAY)
    main_grey = cv2.cvtColor(main_rgb, cv2.COLOR_RGB2GRAY)
    top, bottom, left, right = _content_box(thumb_grey, main_grey.shape[1] / main_grey.shape[0])
    content = thumb_grey[top:bottom, left:right]
    height, width = content.shape
    # Reduce once to a size that keeps detail for any orientation, then transform the small copy.
    side = 4 * max(height, width)
    scale = side / max(main_grey.shape)
    small = cv2.resize(main_grey, (max(1, round(main_grey.shape[1] * scale)), max(1, round(main_grey.shape[0] * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else main_grey
    scores, reductions = {}, {}
    for name, transform in TRANSFORMS.items():
        candidate = np.ascontiguousarray(transform(small))
        aspect = candidate.shape[1] / candidate.shape[0]
        reductions[name] = cv2.resize(candidate, (width, height), interpolation=cv2.INTER_AREA)
        scores[name] = (_correlation(reductions[name], content), abs(width / height - aspect) / aspect)
    best = max(scores, key=lambda name: scores[name][0])
    main_small, thumb_small = _detail_size(reductions[best]), _detail_size(content)
    detail, m = detail_correlation(main_small, thumb_small), DETAIL_MARGIN
    aligned = align_affine(main_small, thumb_small) if align_below is not None and detail < align_below else None
    return ThumbnailComparison(
        thumbnail_size=(thumb_grey.shape[1], thumb_grey.shape[0]),
        content_size=(width, height),
        best_transform=best,
        correlation=scores[best][0],
        correlation_untransformed=scores["none"][0],
        aspect_difference=scores[best][1],
        detail_correlation=detail,
        detail_contrast=float(band_pass(main_small, DETAIL_SIGMAS)[m:-m, m:-m].std()),
        aligned_detail_correlation=None if aligned is None else aligned[0],
        alignment_displacement=None if aligned is None else aligned[1] / max(thumb_small.shape),
    )


def detail_correlation(first: np.ndarray, second: np.ndarray, shift: int = DETAIL_SHIFT) -> float:
    """Pearson correlation of the band-pass detail of two greyscale pictures of one size, the best over shifts of
    the first by up to ``shift`` pixels each way; borders of DETAIL_MARGIN pixels left out."""
    a, b = band_pass(first, DETAIL_SIGMAS), band_pass(second, DETAIL_SIGMAS)
    m = DETAIL_MARGIN
    inner = b[m:-m, m:-m]
    if inner.size < 16:
        return 0.0
    best = -1.0
    for dy in range(-shift, shift + 1):
        for dx in range(-shift, shift + 1):
            moved = a[m + dy : a.shape[0] - m + dy, m + dx : a.shape[1] - m + dx]
            best = max(best, _pearson(moved, inner))
    return best


def align_affine(moving: np.ndarray, fixed: np.ndarray) -> tuple[float, float] | None:
    """Align ``moving`` onto ``fixed`` (greyscale, one size) by the affine map that maximises their enhanced
    correlation coefficient, starting from no change; return the detail correlation where both overlap (borders of
    DETAIL_MARGIN pixels left out) and the largest distance the map moves a corner, in pixels. None when the
    alignment does not converge or leaves too little overlap."""
    warp = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, ALIGN_ITERATIONS, ALIGN_EPSILON)
    try:
        _, warp = cv2.findTransformECC(fixed.astype(np.float32), moving.astype(np.float32), warp, cv2.MOTION_AFFINE,
                                       criteria, None, 5)
    except cv2.error:  # no convergence, or pictures without texture
        return None
    height, width = fixed.shape
    flags = cv2.WARP_INVERSE_MAP
    warped = cv2.warpAffine(moving.astype(np.float32), warp, (width, height), flags=cv2.INTER_LINEAR | flags)
    inside = cv2.warpAffine(np.ones((height, width), np.uint8), warp, (width, height), flags=cv2.INTER_NEAREST | flags)
    inside = cv2.erode(inside, np.ones((2 * DETAIL_MARGIN + 1,) * 2, np.uint8)) > 0
    if inside.sum() < fixed.size / 4:
        return None
    corners = np.array([[0, 0, 1], [width - 1, 0, 1], [0, height - 1, 1], [width - 1, height - 1, 1]], np.float64)
    displacement = float(np.max(np.hypot(*(corners @ warp.astype(np.float64).T - corners[:, :2]).T)))
    return _pearson(band_pass(warped, DETAIL_SIGMAS)[inside], band_pass(fixed, DETAIL_SIGMAS)[inside]), displacement


def _detail_size(grey: np.ndarray) -> np.ndarray:
    scale = DETAIL_SIDE / max(grey.shape)
    if scale >= 1:
        return grey
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(np.float64).ravel() - a.mean()
    b = b.astype(np.float64).ravel() - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else 0.0


def _content_box(grey: np.ndarray, main_aspect: float) -> tuple[int, int, int, int]:
    """The thumbnail without letterbox bars, if removing dark uniform edges brings its aspect ratio closer to
    the main image's (in either orientation); otherwise the whole thumbnail (dark content is not a bar)."""
    def content(axis: int) -> np.ndarray:
        mean, std = grey.mean(axis=axis), grey.std(axis=axis)
        return np.flatnonzero((mean > BAR_MEAN) | (std > BAR_STD))

    full = (0, grey.shape[0], 0, grey.shape[1])
    rows, cols = content(1), content(0)
    if rows.size < 4 or cols.size < 4:
        return full
    box = (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)

    def mismatch(top: int, bottom: int, left: int, right: int) -> float:
        aspect = (right - left) / (bottom - top)
        return min(abs(np.log(aspect / main_aspect)), abs(np.log(aspect * main_aspect)))

    return box if mismatch(*box) < mismatch(*full) else full


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return _pearson(cv2.GaussianBlur(a.astype(np.float32), (3, 3), 0), cv2.GaussianBlur(b.astype(np.float32), (3, 3), 0))
