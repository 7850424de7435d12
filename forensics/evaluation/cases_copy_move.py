"""Copy-move cases: camera originals untouched and with a region copied elsewhere, plus MISD's authentic photos.

Untouched: the camera originals of ``metadata/metadata-extractor/jpg`` (at least 300 px on the shorter side)
as in the corpus, and the authentic photos of ``tampering/misd`` (small, re-saved web images: a second,
different population for the false-positive rate). Manipulated, for every camera original: a square region
of side 12 % of the shorter side, taken where the image has texture, pasted at a random place that does not
overlap it: as it is, turned by 20 degrees, or enlarged by 20 %; or taken where the image is smooth (skies,
walls, skin: few keypoints) and pasted as it is; saved at JPEG quality 90. The place and the
region are drawn from a generator seeded by the file name and ``seed``, so cases are reproducible.

The levels were set above the largest group any of those camera originals gave, so they are calibration data.
Validation: MISD's authentic photos, and the untouched originals of other collections
(``collections.validation_originals``) as received and with the same three kinds of copies.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forensics.evaluation.cases_face import JPEG_QUALITY, cached_file, cached_jpeg
from forensics.evaluation.collections import validation_originals
from forensics.evaluation.harness import EvalCase
from forensics.figures import encode_png

QUESTION = "Was a region of the picture copied onto another place of it?"
PROPOSITION = "content"
DATA = {"calibration": "camera originals of metadata-extractor-images in the corpus, untouched and with a region "
                       "copied (the levels were set above their largest untouched group)",
        "validation": "MISD's authentic photos, and untouched originals of other collections, untouched and with a "
                      "region copied"}
CAMERAS = Path("metadata") / "metadata-extractor" / "jpg"
MISD = Path("tampering") / "misd"
VARIANTS = [("copied region pasted elsewhere", 0.0, 1.0, False), ("copied region turned by 20 degrees", 20.0, 1.0, False),
            ("copied region enlarged by 20 %", 0.0, 1.2, False),
            ("smooth region copied (no keypoints), saved at JPEG 90", 0.0, 1.0, True)]
LOSSLESS_SIDE_PX = 1024
LOSSLESS_VARIANTS = [("centre of the original, saved as PNG", 0, False),
                     ("textured region copied, saved as PNG", 1, False),
                     ("smooth region copied, saved as PNG", 1, True)]


def paste_copy(pixels: np.ndarray, rng: np.random.Generator, size_fraction: float = 0.12, angle_degrees: float = 0.0,
               scale: float = 1.0, smooth: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``pixels`` with a textured square region (with ``smooth``: one of the least textured, flat areas excepted)
    copied (turned by ``angle_degrees`` and scaled about its centre) onto a random place that does not overlap it;
    and the mask of the pasted pixels."""
    height, width = pixels.shape[:2]
    side = max(16, int(size_fraction * min(height, width)))
    grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(np.float32)
    texture = cv2.boxFilter(np.abs(cv2.Laplacian(grey, cv2.CV_32F)), -1, (side, side), normalize=True)
    half = side // 2
    candidates = texture[half:height - side + half, half:width - side + half]
    ranked = np.argsort(candidates, axis=None)
    if smooth:  # between the 5th and 30th percentile of texture: skies, walls, skin, but not clipped areas
        order = ranked[int(0.05 * ranked.size):int(0.30 * ranked.size)]
    else:
        order = ranked[::-1][:2000]
    sy, sx = np.unravel_index(order[rng.integers(0, len(order))], candidates.shape)
    for _ in range(200):
        ty, tx = int(rng.integers(0, height - side)), int(rng.integers(0, width - side))
        if abs(ty - sy) >= side or abs(tx - sx) >= side:
            break
    patch = pixels[sy:sy + side, sx:sx + side]
    matrix = cv2.getRotationMatrix2D((side / 2, side / 2), angle_degrees, scale)
    moved = cv2.warpAffine(patch, matrix, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    inside = cv2.warpAffine(np.full((side, side), 255, np.uint8), matrix, (side, side), flags=cv2.INTER_NEAREST) > 0
    result = pixels.copy()
    result[ty:ty + side, tx:tx + side][inside] = moved[inside]
    mask = np.zeros((height, width), bool)
    mask[ty:ty + side, tx:tx + side] = inside
    return result, mask


def camera_originals(corpus: Path) -> list[tuple[Path, np.ndarray]]:
    originals = []
    for path in sorted((corpus / CAMERAS).glob("*.jpg")):
        try:
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGB"))
        except Exception:
            continue
        if min(pixels.shape[:2]) >= 300:
            originals.append((path, pixels))
    return originals


def copied_cases(originals: list[tuple[Path, str, np.ndarray]], cache: Path, seed: int, split: str) -> list[EvalCase]:
    """(path, name for the case list, pixels) originals, untouched and with each kind of copy, saved at 90."""
    cases = []
    for path, where, pixels in originals:
        cases.append(EvalCase(path, 0, "camera original, as received", where, split))
        name_key = int.from_bytes(hashlib.sha256(path.name.encode()).digest()[:4], "big")
        for index, (kind, angle, scale, smooth) in enumerate(VARIANTS):
            rng = np.random.default_rng([seed, name_key, index])  # one per case: a cached file skips its draws
            # The key names the recipe: change it whenever paste_copy or the draws change, or stale files are reused.
            recipe = f"{kind}|{path.name}|{seed}|rng per case|side 0.12|JPEG {JPEG_QUALITY}"
            target = cached_jpeg(cache, recipe, lambda: paste_copy(pixels, rng, angle_degrees=angle, scale=scale,
                                                                   smooth=smooth)[0])
            cases.append(EvalCase(target, 1, kind, f"{kind}: {where}", split))
    return cases


def build_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    calibration = [(path, str(path.relative_to(corpus)), pixels) for path, pixels in camera_originals(corpus)]
    cases = copied_cases(calibration, cache, seed, "calibration")
    labels = corpus / MISD / "labels.csv"
    if labels.is_file():
        with labels.open(newline="") as handle:
            for row in csv.DictReader(handle):
                if row["label"] == "AUTHENTIC":
                    cases.append(EvalCase(corpus / MISD / row["path"], 0, "MISD authentic photo", row["path"]))
    others = []
    for collection, check in validation_originals(corpus)[0]:
        with Image.open(check.path) as image:
            others.append((Path(check.path), f"{collection.name}: {Path(check.path).name}", np.asarray(image.convert("RGB"))))
    return cases + copied_cases(others, cache, seed, "validation") + lossless_cases(others, cache, seed)


def _centre(pixels: np.ndarray, side: int = LOSSLESS_SIDE_PX) -> np.ndarray:
    top, left = max(0, (pixels.shape[0] - side) // 2), max(0, (pixels.shape[1] - side) // 2)
    return np.ascontiguousarray(pixels[top:top + side, left:left + side])


def lossless_cases(originals: list[tuple[Path, str, np.ndarray]], cache: Path, seed: int) -> list[EvalCase]:
    """The centre of each original (at most 1024 pixels square) saved as PNG, untouched and with a textured or a
    smooth region copied unchanged: what the exact-match method is for (validation; its threshold was set on
    PNG conversions of the calibration originals)."""
    cases = []
    for path, where, pixels in originals:
        centre = _centre(pixels)
        name_key = int.from_bytes(hashlib.sha256(path.name.encode()).digest()[:4], "big")
        for index, (kind, label, smooth) in enumerate(LOSSLESS_VARIANTS):
            rng = np.random.default_rng([seed, name_key, 100 + index])
            recipe = f"{kind}|{path.name}|{seed}|centre {LOSSLESS_SIDE_PX}|side 0.12"
            make = (lambda: centre) if not label else (lambda: paste_copy(centre, rng, smooth=smooth)[0])
            target = cached_file(cache, recipe, make, ".png", encode_png)
            cases.append(EvalCase(target, label, kind, f"{kind}: {where}", "validation"))
    return cases
