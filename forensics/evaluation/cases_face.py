"""Face swaps made from the corpus faces, split into a training and a held-out half.

Every photo under ``faces/`` (except insightface's masked-face samples) is assigned to a half by a hash of
its path, so that ``train_face`` fits the calibration on one half and ``forensics eval`` measures it on the
other. Within a half, each analysable face (frontal, at least 48 pixels wide) gives:

- untouched: the photo as it is, and re-saved once at JPEG quality 90 (every case below is saved at 90 too,
  so compression alone separates nothing);
- manipulated: the face replaced by the next photo's face (feathered alpha blend, colour-corrected), by the
  face after that (Poisson blend, colour-corrected), and by itself through a 64- and a 128-pixel "generator"
  (resolution only).
"""

from __future__ import annotations

import argparse
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.face_swap import self_swap, swap_face
from forensics.evaluation.harness import EvalCase
from forensics.media import upright
from forensics.models.faces import DetectedFace, default_face_model, not_analysable_reason

QUESTION = "Was a face in the image swapped or pasted? (image-level: the strongest face)"
PROPOSITION = "content"
DATA = {
    "calibration": "the training half of the corpus faces and swaps generated from them (the boundary model was fitted "
                   "and the learned detector's levels partly set on them)",
    "validation": "the held-out half of the corpus faces (by file), swaps generated from them, tight crops of them, and "
                  "MesoNet's real deepfake and real face crops",
}
JPEG_QUALITY = 90


@dataclass(frozen=True)
class FacePhoto:
    path: Path
    pixels: np.ndarray
    faces: list[DetectedFace]


def half_of(path: Path) -> str:
    return "train" if hashlib.sha256(str(path.name).encode()).digest()[0] % 2 == 0 else "test"


def read_photo(path: Path) -> np.ndarray | None:
    """A corpus photo's RGB pixels turned upright by its EXIF orientation, or None when it cannot be decoded."""
    try:
        with Image.open(path) as image:
            exif_orientation = image.getexif().get(0x0112)
            return upright(np.asarray(image.convert("RGB")), exif_orientation)
    except Exception:
        return None


def face_photos(corpus: Path, half: str) -> list[FacePhoto]:
    model = default_face_model()
    photos = []
    for path in sorted((corpus / "faces").rglob("*")):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".png"} or "mask_" in path.name or half_of(path) != half:
            continue
        pixels = read_photo(path)
        if pixels is None:
            continue
        faces = [face for face in model.find(pixels) if not_analysable_reason(face.points) is None]
        if faces:
            photos.append(FacePhoto(path, pixels, faces))
    return photos


def jpeg_bytes(pixels: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def cached_jpeg(cache: Path, recipe: str, make: Callable[[], np.ndarray]) -> Path:
    """The case file for ``recipe`` in ``cache``: made by ``make`` and saved at ``JPEG_QUALITY`` the first time,
    reused afterwards (so the recipe string must change whenever what ``make`` does changes)."""
    return cached_file(cache, recipe, make, ".jpg", jpeg_bytes)


def cached_file(cache: Path, recipe: str, make: Callable[[], np.ndarray], suffix: str,
                encode: Callable[[np.ndarray], bytes]) -> Path:
    """Like ``cached_jpeg`` with any encoder (``suffix`` names the format)."""
    target = cache / f"{hashlib.sha256(recipe.encode()).hexdigest()[:16]}{suffix}"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(encode(make()))
    return target


def resaved(pixels: np.ndarray) -> np.ndarray:
    """``pixels`` as decoded after a save at ``JPEG_QUALITY``: what the analysers see in the saved cases."""
    return np.asarray(Image.open(io.BytesIO(jpeg_bytes(pixels))).convert("RGB"))


def corpus_with_faces(argv: list[str] | None, description: str, purpose: str) -> Path | None:
    """The ``--corpus`` of a calibration script's command line, or None (said on the terminal) without faces."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    corpus = parser.parse_args(argv).corpus
    if not (corpus / "faces").is_dir():
        print(f"no faces under {corpus}: nothing to {purpose}")
        return None
    return corpus


def variants(photos: list[FacePhoto]) -> Iterator[tuple[str, int, FacePhoto, int, np.ndarray]]:
    """(kind, label, photo, index of the face concerned (-1: all faces untouched), pixels) for every case."""
    for index, photo in enumerate(photos):
        yield "untouched photo, re-saved at 90", 0, photo, -1, photo.pixels
        target = photo.faces[0]
        first, second = photos[(index + 1) % len(photos)], photos[(index + 2) % len(photos)]
        if first is not photo:
            yield ("swapped face, feathered blend", 1, photo, 0,
                   swap_face(photo.pixels, target.points, first.pixels, first.faces[0].points, "feather").image)
        if second is not photo:
            yield ("swapped face, Poisson blend", 1, photo, 0,
                   swap_face(photo.pixels, target.points, second.pixels, second.faces[0].points, "poisson").image)
        for size in (64, 128):
            yield (f"own face through a {size}-pixel generator", 1, photo, 0,
                   self_swap(photo.pixels, target.points, generator_px=size).image)


TIGHT_MARGIN = 0.1  # of the face box, on each side: how closely the tight crops are cut


def tight_crop(pixels: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The picture cut to the face box and ``TIGHT_MARGIN`` around it: a face crop with no surroundings."""
    x0, y0, x1, y1 = box
    margin = int(round(TIGHT_MARGIN * (x1 - x0)))
    return np.ascontiguousarray(pixels[max(0, y0 - margin):y1 + margin, max(0, x0 - margin):x1 + margin])


def real_deepfake_cases(corpus: Path) -> list[EvalCase]:
    """The corpus's real deepfakes and real faces (MesoNet's aligned face crops), as received."""
    folder = corpus / "deepfake" / "mesonet" / "test_images"
    return [EvalCase(path, int(path.parent.name == "df"),
                     "deepfake face crop (MesoNet sample)" if path.parent.name == "df" else "real face crop (MesoNet sample)",
                     str(path.relative_to(corpus))) for path in sorted(folder.glob("*/*.jpg"))]


def half_cases(corpus: Path, cache: Path, half: str, split: str) -> list[EvalCase]:
    """The untouched photos of one half as received, and every variant of them saved at JPEG 90."""
    photos = face_photos(corpus, half)
    cases = [EvalCase(p.path, 0, "untouched photo, as in the corpus", str(p.path.relative_to(corpus)), split)
             for p in photos]
    for kind, label, photo, _, pixels in variants(photos):
        target = cached_jpeg(cache, f"{kind}|{photo.path.name}", lambda: pixels)
        cases.append(EvalCase(target, label, kind, f"{kind}: {photo.path.relative_to(corpus)}", split))
    return cases


def tight_cases(corpus: Path, cache: Path) -> list[EvalCase]:
    """Tight crops (no surroundings) of the held-out faces, untouched and swapped: what fact-checkers often receive;
    the analyser must not score them high on a real face."""
    photos, cases = face_photos(corpus, "test"), []
    for index, photo in enumerate(photos):
        box, donor = photo.faces[0].box, photos[(index + 1) % len(photos)]
        swapped = swap_face(photo.pixels, photo.faces[0].points, donor.pixels, donor.faces[0].points, "feather").image
        for kind, label, pixels in (("tight crop of an untouched face", 0, photo.pixels),
                                    ("tight crop of a swapped face, feathered blend", 1, swapped)):
            target = cached_jpeg(cache, f"{kind}|{photo.path.name}", lambda: tight_crop(pixels, box))
            cases.append(EvalCase(target, label, kind, f"{kind}: {photo.path.relative_to(corpus)}"))
    return cases


def build_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    return (half_cases(corpus, cache, "train", "calibration") + half_cases(corpus, cache, "test", "validation")
            + tight_cases(corpus, cache) + real_deepfake_cases(corpus))
