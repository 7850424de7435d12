"""Lighting cases: corpus faces untouched, and with one face mirrored in place or pasted from another photo.

The corpus faces are split in halves as in ``cases_face`` (by a hash of the file name): ``calibrate_lighting``
builds the untouched reference from the training half, and ``forensics eval --analyser lighting`` measures the
held-out half. For each held-out photo with an analysable face:

- untouched: as in the corpus, and re-saved at JPEG quality 90;
- mirrored: its first face flipped left to right in place about the nose bridge, blended through the landmark
  hull with a feathered edge (the face keeps its shape, its shading now comes from the other side);
- pasted: its first face replaced by the next photo's (``face_swap``: aligned on the landmarks, colour-matched,
  feathered), which brings that photo's light with it.

All manipulated cases are saved at JPEG quality 90. ``group_photos`` lists the corpus photos with two or more
measurable faces (``bald_guys.jpg`` is left out: it is a collage of 24 separate photos), for the comparison of
directions between faces.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forensics.algorithms.face_boundary import HULL_POINTS, face_width
from forensics.evaluation.cases_face import FacePhoto, cached_jpeg, face_photos
from forensics.evaluation.face_swap import swap_face
from forensics.evaluation.harness import EvalCase
from forensics.media import upright
from forensics.models.faces import default_face_model, not_analysable_reason

QUESTION = "Was a face lit differently from its surroundings (mirrored or pasted)? (image-level: the strongest face)"
PROPOSITION = "content"
DATA = {"calibration": "the training half of the corpus faces (the untouched reference was built there), relit",
        "validation": "the held-out half of the corpus faces (by file), untouched, re-saved, mirrored and pasted"}
FOLDERS = ("faces", "metadata/metadata-extractor/jpg")
COLLAGES = {"bald_guys.jpg"}  # photos that are composites by construction


def _analysable_faces(path: Path) -> FacePhoto | None:
    try:
        with Image.open(path) as image:
            orientation = image.getexif().get(0x0112)
            pixels = upright(np.asarray(image.convert("RGB")), orientation)
    except Exception:
        return None
    faces = [face for face in default_face_model().find(pixels) if not_analysable_reason(face.points) is None]
    return FacePhoto(path, pixels, faces)


def group_photos(corpus: Path) -> list[FacePhoto]:
    """Corpus photos with at least two measurable faces, collages left out."""
    photos = []
    for folder in FOLDERS:
        for path in sorted((corpus / folder).rglob("*")):
            if path.suffix.lower() not in {".jpg", ".jpeg", ".png"} or "mask_" in path.name:
                continue
            if path.name in COLLAGES:
                continue
            photo = _analysable_faces(path)
            if photo and len(photo.faces) >= 2:
                photos.append(photo)
    return photos


def mirror_face(pixels: np.ndarray, points: np.ndarray, feather_fraction: float = 0.04) -> np.ndarray:
    """``pixels`` with the face of ``points`` flipped left to right about its nose bridge (landmark 27), blended
    through the face's jaw-and-brow hull with a Gaussian edge of ``feather_fraction`` x the face width."""
    height, width = pixels.shape[:2]
    axis = float(points[27, 0])
    # Column c of the result takes column 2 * axis - c of the original.
    map_x = np.tile((2 * axis - np.arange(width, dtype=np.float32)), (height, 1))
    map_y = np.repeat(np.arange(height, dtype=np.float32)[:, None], width, axis=1)
    mirrored = cv2.remap(pixels, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(mask, np.round(cv2.convexHull(points[HULL_POINTS].astype(np.float32))).astype(np.int32), 255)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), max(1.0, feather_fraction * face_width(points)))
    return np.clip(alpha[..., None] * mirrored + (1 - alpha[..., None]) * pixels, 0, 255).astype(np.uint8)


def relit_variants(photos: list[FacePhoto]):
    """(kind, photo, pixels) for the mirrored and the pasted first face of every photo."""
    for index, photo in enumerate(photos):
        face = photo.faces[0]
        yield "face mirrored in place", photo, mirror_face(photo.pixels, face.points)
        donor = photos[(index + 1) % len(photos)]
        if donor is not photo:
            yield ("face pasted from another photo", photo,
                   swap_face(photo.pixels, face.points, donor.pixels, donor.faces[0].points, "feather").image)


def half_cases(corpus: Path, cache: Path, half: str, split: str) -> list[EvalCase]:
    photos = face_photos(corpus, half)
    cases = [EvalCase(photo.path, 0, "untouched photo, as in the corpus", str(photo.path.relative_to(corpus)), split)
             for photo in photos]
    for photo in photos:
        cases.append(EvalCase(cached_jpeg(cache, f"resaved|{photo.path}", lambda: photo.pixels), 0,
                              "untouched photo, re-saved at 90", str(photo.path.relative_to(corpus)), split))
    for kind, photo, pixels in relit_variants(photos):
        cases.append(EvalCase(cached_jpeg(cache, f"{kind}|{photo.path}", lambda: pixels), 1, kind,
                              f"{kind}: {photo.path.relative_to(corpus)}", split))
    return cases


def build_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    return half_cases(corpus, cache, "train", "calibration") + half_cases(corpus, cache, "test", "validation")
