"""Cases for the metadata analyser: "was this file edited or processed after capture?"

Untouched: camera originals, i.e. ``metadata/metadata-extractor/jpg`` files with a make or model whose EXIF
Software tag is camera firmware (the definition in the corpus README and issue 4).
Manipulated: corpus files whose Software names an editor (metadata-extractor; the exif-samples images that
Wikimedia Commons re-saved with GIMP), and files generated from each camera original with one known
operation, its original EXIF block copied verbatim as careless editors do:
re-saved; cropped; mirrored; a region replaced from another photo; Software tag rewritten to an editor.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import numpy as np
from PIL import Image

from forensics.algorithms.exif import read_exif
from forensics.algorithms.jpeg_structure import parse_jpeg
from forensics.algorithms.software_signatures import match_editor
from forensics.evaluation.collections import CALIBRATION_HELD_OUT
from forensics.evaluation.harness import EvalCase

QUESTION = "Was the file edited or processed after capture? (image-level, from its metadata)"
PROPOSITION = "processing"
DATA = {
    "calibration": "camera originals of metadata-extractor-images in the corpus, its files that name an editor, and "
                   "Pillow re-saves, crops, mirror images, splices and Software-tag rewrites of the originals (the "
                   "data the checks and levels were designed on)",
    "validation": "the processing evaluation's validation cases: untouched originals of other collections and "
                  "OpenCV/Pillow/messenger-like re-saves and ExifTool edits of them",
}
RESAVE_QUALITY = 85


def camera_originals(corpus: Path) -> list[Path]:
    originals = []
    for path in sorted((corpus / "metadata" / "metadata-extractor" / "jpg").glob("*.jpg")):
        exif = read_exif(path.read_bytes())
        if (exif.make or exif.model) and exif.software and not match_editor(exif.software):
            originals.append(path)
    return originals


def editor_files(corpus: Path) -> list[Path]:
    files = []
    for path in sorted((corpus / "metadata" / "metadata-extractor" / "jpg").glob("*.jpg")):
        software = read_exif(path.read_bytes()).software
        if software and match_editor(software):
            files.append(path)
    summary = corpus / "metadata" / "exif-samples" / "EXIF_SUMMARY.csv"
    if summary.is_file():
        with open(summary, newline="", encoding="utf-8", errors="replace") as handle:
            for row in csv.DictReader(handle):
                path = corpus / "metadata" / "exif-samples" / row["path"]
                if "gimp" in (row.get("software") or "").lower() and path.suffix.lower() == ".jpg" and path.is_file():
                    files.append(path)
    return files


def build_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    from forensics.evaluation.cases_processing import validation_cases  # it builds on this module

    return calibration_cases(corpus, cache, seed) + validation_cases(corpus, cache.parent / "processing" / "validation")


def calibration_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    originals = camera_originals(corpus)
    held_out = CALIBRATION_HELD_OUT
    cases = [EvalCase(p, 0, "camera original (firmware Software tag)", _relative(p, corpus), "calibration", held_out)
             for p in originals]
    cases += [EvalCase(p, 1, "corpus file whose Software names an editor", _relative(p, corpus), "calibration", held_out)
              for p in editor_files(corpus)]
    rng = np.random.default_rng(seed)
    decodable = [p for p in originals if _decodes(p)]
    for index, source in enumerate(decodable):
        donor = decodable[(index + 1 + int(rng.integers(0, max(1, len(decodable) - 1)))) % len(decodable)]
        position = rng.uniform(0.1, 0.5, size=2)
        for kind, make in _OPERATIONS.items():
            target = cache / str(seed) / kind.split(",")[0].replace(" ", "-") / f"{_digest(source)}.jpg"
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                data = source.read_bytes()
                target.write_bytes(make(data, donor.read_bytes(), position))
            cases.append(EvalCase(target, 1, kind, f"{kind}: {_relative(source, corpus)}", "calibration", held_out))
    return cases


def _exif_payload(data: bytes) -> bytes | None:
    structure = parse_jpeg(data)
    return next((s.payload(data) for s, kind in structure.app_segments(data) if kind == "Exif"), None)


def _save(pixels: np.ndarray, exif: bytes | None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=RESAVE_QUALITY, **({"exif": exif} if exif else {}))
    return buffer.getvalue()


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def _resave(data: bytes, donor: bytes, position: np.ndarray) -> bytes:
    return _save(_pixels(data), _exif_payload(data))


def _crop(data: bytes, donor: bytes, position: np.ndarray) -> bytes:
    pixels = _pixels(data)
    height, width = pixels.shape[:2]
    return _save(np.ascontiguousarray(pixels[: int(height * 0.8), int(width * 0.1) :]), _exif_payload(data))


def _mirror(data: bytes, donor: bytes, position: np.ndarray) -> bytes:
    return _save(np.ascontiguousarray(_pixels(data)[:, ::-1]), _exif_payload(data))


def _splice(data: bytes, donor: bytes, position: np.ndarray) -> bytes:
    pixels = _pixels(data).copy()
    height, width = pixels.shape[:2]
    patch_h, patch_w = height * 2 // 5, width * 2 // 5
    with Image.open(io.BytesIO(donor)) as image:
        patch = np.asarray(image.convert("RGB").resize((patch_w, patch_h)))
    top, left = int(position[0] * (height - patch_h)), int(position[1] * (width - patch_w))
    pixels[top : top + patch_h, left : left + patch_w] = patch
    return _save(pixels, _exif_payload(data))


def _software_tag(data: bytes, donor: bytes, position: np.ndarray) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        exif[0x0131] = "Adobe Photoshop 25.0 (Windows)"
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=RESAVE_QUALITY, exif=exif.tobytes())
    return buffer.getvalue()


_OPERATIONS = {
    "re-saved by Pillow (quality 85), EXIF kept": _resave,
    "cropped to 80% x 90%, EXIF kept": _crop,
    "mirrored left-right, EXIF kept": _mirror,
    "16% of the area replaced from another photo, EXIF kept": _splice,
    "Software tag rewritten to an editor, re-saved": _software_tag,
}


def _decodes(path: Path) -> bool:
    try:
        _pixels(path.read_bytes())
    except Exception:
        return False
    return True


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _relative(path: Path, corpus: Path) -> str:
    try:
        return str(path.relative_to(corpus))
    except ValueError:
        return str(path)
