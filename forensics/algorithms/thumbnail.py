"""Does an embedded thumbnail show the same picture as the main image? (after Kee & Farid 2010)

Kee & Farid, "Digital image authentication from thumbnails", SPIE 2010: cameras write the EXIF thumbnail
when the photo is taken; many editors change the main image but keep the old thumbnail. The thumbnail's
content area (letterbox bars removed) is compared with the main image reduced to the same size under the
eight rotations and mirrorings of the square's symmetry group: the best-matching transform tells whether
the main image was rotated or mirrored after capture, and its correlation whether it still shows the same
picture at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BAR_MEAN = 16  # a letterbox row/column is darker than this on average (8-bit luminance) ...
BAR_STD = 8  # ... and nearly uniform

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


def compare_thumbnail(main_rgb: np.ndarray, thumbnail_rgb: np.ndarray) -> ThumbnailComparison:
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
    scores = {}
    for name, transform in TRANSFORMS.items():
        candidate = np.ascontiguousarray(transform(small))
        aspect = candidate.shape[1] / candidate.shape[0]
        reduced = cv2.resize(candidate, (width, height), interpolation=cv2.INTER_AREA)
        scores[name] = (_correlation(reduced, content), abs(width / height - aspect) / aspect)
    best = max(scores, key=lambda name: scores[name][0])
    return ThumbnailComparison(
        thumbnail_size=(thumb_grey.shape[1], thumb_grey.shape[0]),
        content_size=(width, height),
        best_transform=best,
        correlation=scores[best][0],
        correlation_untransformed=scores["none"][0],
        aspect_difference=scores[best][1],
    )


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
    a = cv2.GaussianBlur(a.astype(np.float32), (3, 3), 0).ravel()
    b = cv2.GaussianBlur(b.astype(np.float32), (3, 3), 0).ravel()
    a -= a.mean()
    b -= b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else 0.0
