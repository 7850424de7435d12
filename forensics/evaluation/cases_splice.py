"""Splices saved at high quality: an object from another photo pasted into a JPEG, the composite saved at 100.

What MISD's composites are, made here with known provenance from untouched originals. Each original is reduced to
512 pixels on its longer side and saved at a quality drawn from 75-90 (a web photo: the background). A region
covering 4-15 % of the picture is filled from another original of the list, itself reduced and saved at 70-94,
either shifted by 1-7 pixels each way (so that its grid is not the background's) or resized by 0.7-1.4; the
composite is saved at quality 100. Controls: the background as it is, and re-saved at 100 (processing, not content).

Calibration (``compression.missing_grid``'s levels were set on it): the metadata-extractor originals, elliptical
regions, Pillow. Validation: untouched originals of other collections (``collections.validation_originals``), the
region from another collection's photo, polygonal regions, OpenCV.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forensics.evaluation.cases_face import cached_file
from forensics.evaluation.harness import EvalCase

SIDE_PX = 512
BACKGROUND_QUALITIES = (75, 90)
DONOR_QUALITIES = (70, 94)
AREA = (0.04, 0.15)
SCALES = (0.7, 1.4)
FINAL_QUALITY = 100
KINDS = ("object pasted shifted, saved at 100", "object pasted resized, saved at 100",
         "web photo (reduced, saved at 75-90)", "web photo re-saved at 100")


def pillow_jpeg(pixels: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def opencv_jpeg(pixels: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("OpenCV could not encode the picture")
    return data.tobytes()


ENCODERS: dict[str, Callable[[np.ndarray, int], bytes]] = {"Pillow": pillow_jpeg, "OpenCV": opencv_jpeg}


def decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def reduced(pixels: np.ndarray, side: int = SIDE_PX) -> np.ndarray:
    scale = side / max(pixels.shape[:2])
    if scale >= 1:
        return pixels
    size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def region_mask(shape: tuple[int, int], rng: np.random.Generator, polygon: bool) -> np.ndarray:
    """An ellipse, or a polygon of 5-9 corners around a centre, covering a share of AREA of the picture."""
    height, width = shape
    area = rng.uniform(*AREA) * height * width
    centre = np.array([rng.uniform(0.25, 0.75) * width, rng.uniform(0.25, 0.75) * height])
    mask = np.zeros(shape, np.uint8)
    if polygon:
        corners = int(rng.integers(5, 10))
        angles = np.sort(rng.uniform(0, 2 * np.pi, corners))
        radii = rng.uniform(0.6, 1.4, corners)
        unit = np.stack([np.cos(angles), np.sin(angles)], axis=1) * radii[:, None]
        unit_area = 0.5 * abs(np.dot(unit[:, 0], np.roll(unit[:, 1], 1)) - np.dot(unit[:, 1], np.roll(unit[:, 0], 1)))
        points = centre + unit * np.sqrt(area / max(unit_area, 1e-6))
        cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    else:
        elongation = rng.uniform(0.6, 1.6)
        radius = np.sqrt(area / np.pi)
        axes = (max(1, round(radius * elongation)), max(1, round(radius / elongation)))
        cv2.ellipse(mask, (round(centre[0]), round(centre[1])), axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    return mask.astype(bool)


def composite(background: np.ndarray, donor: np.ndarray, rng: np.random.Generator, resized: bool,
              polygon: bool) -> np.ndarray:
    """``background`` with a region filled from ``donor``: resized by a factor from SCALES, or shifted by 1-7 pixels
    each way (a grid other than the background's either way); the donor is tiled where it is too small."""
    if resized:
        factor = rng.uniform(*SCALES)
        donor = cv2.resize(donor, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR)
    shift = (int(rng.integers(1, 8)), int(rng.integers(1, 8)))
    height, width = background.shape[:2]
    repeats = (-(-(height + 8) // donor.shape[0]), -(-(width + 8) // donor.shape[1]), 1)
    source = np.tile(donor, repeats)[shift[0] : shift[0] + height, shift[1] : shift[1] + width]
    mask = region_mask((height, width), rng, polygon)
    result = background.copy()
    result[mask] = source[mask]
    return result


def load_reduced(path: Path) -> np.ndarray:
    """An original's pixels reduced at once (the cases need no more, and dozens of full-size photos would not fit)."""
    with Image.open(path) as image:
        return reduced(np.asarray(image.convert("RGB")))


def splice_cases(originals: list[tuple[Path, str, np.ndarray]], cache: Path, seed: int, split: str,
                 encoder: str, polygon: bool, donor_step: int = 1) -> list[EvalCase]:
    """For each (path, name for the case list, pixels) original, with the one ``donor_step`` further down the list
    as donor: the four KINDS."""
    encode = ENCODERS[encoder]
    cases = []
    for index, (path, where, pixels) in enumerate(originals):
        donor_path, _, donor_pixels = originals[(index + donor_step) % len(originals)]
        name_key = int.from_bytes(hashlib.sha256(path.name.encode()).digest()[:4], "big")
        rng = np.random.default_rng([seed, name_key])
        background_quality = int(rng.integers(BACKGROUND_QUALITIES[0], BACKGROUND_QUALITIES[1] + 1))
        donor_quality = int(rng.integers(DONOR_QUALITIES[0], DONOR_QUALITIES[1] + 1))
        # The recipe names everything the file depends on: change it whenever the making changes.
        recipe = (f"{path.name}|{donor_path.name}|{seed}|{encoder}|{SIDE_PX}|{background_quality}|{donor_quality}|"
                  f"{'polygon' if polygon else 'ellipse'}|{AREA}|{SCALES}")

        def background() -> np.ndarray:
            return decoded(encode(reduced(pixels), background_quality))

        def pasted(resized: bool) -> Callable[[], np.ndarray]:
            draws = np.random.default_rng([seed, name_key, int(resized)])
            return lambda: composite(background(), decoded(encode(reduced(donor_pixels), donor_quality)), draws,
                                     resized, polygon)

        def final(picture: np.ndarray) -> bytes:
            return encode(picture, FINAL_QUALITY)

        made = [
            (KINDS[0], 1, cached_file(cache, f"{KINDS[0]}|{recipe}", pasted(False), ".jpg", final)),
            (KINDS[1], 1, cached_file(cache, f"{KINDS[1]}|{recipe}", pasted(True), ".jpg", final)),
            (KINDS[2], 0, cached_file(cache, f"{KINDS[2]}|{recipe}", lambda: reduced(pixels), ".jpg",
                                      lambda small: encode(small, background_quality))),
            (KINDS[3], 0, cached_file(cache, f"{KINDS[3]}|{recipe}", background, ".jpg", final)),
        ]
        cases += [EvalCase(target, label, f"{kind} ({encoder})", f"{kind}: {where}", split)
                  for kind, label, target in made]
    return cases
