"""Cases for the processing conclusion: "was the file re-encoded, converted, resized or edited after capture?"

Every analyser runs on each case and the exhibit's processing conclusion is scored (what a report concludes).

Calibration: the cases of ``cases_metadata`` and ``cases_compression`` (camera originals of
``metadata/metadata-extractor/jpg`` and what Pillow made of them), on which those analysers' rules and levels
were set.

Validation: untouched originals of other collections (``collections.validation_originals``: other cameras and
phones, never looked at while designing), as received, and what *other software* makes of them:
- re-saves by OpenCV's libjpeg-turbo at quality 95, 85 and 75 (metadata dropped, as OpenCV does);
- a re-save by Pillow with the original's own quantisation tables and subsampling, EXIF kept (the hardest
  re-save: same tables, one more rounding);
- a progressive, Huffman-optimised re-save at quality 92 with 4:4:4 chroma, EXIF kept;
- a crop of about 2 % on each side (at any grid offset) and a reduction to half size, each re-saved by OpenCV;
- a messenger-like copy (long side 1600 pixels, quality 80, metadata dropped);
- metadata edits by ExifTool, pixels untouched (when ``exiftool`` is installed): the Software tag set to an
  editor, DateTimeOriginal alone set a day earlier, every date shifted by a day (a clean rewrite: no trace is
  expected), all metadata removed, the EXIF thumbnail replaced by another photo's;
- a picture really received through WhatsApp (CartridgeOCR's collection).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, JpegImagePlugin

from forensics.evaluation import cases_compression, cases_metadata
from forensics.evaluation.collections import COLLECTIONS, data_originals, validation_originals
from forensics.evaluation.harness import EvalCase

QUESTION = ("Was the file re-encoded, converted, resized or edited by software after capture? (the processing "
            "conclusion, every analyser)")
PROPOSITION = "processing"
DATA = {
    "calibration": "camera originals of metadata-extractor-images in the corpus and Pillow re-saves, crops and edits "
                   "of them (the data the metadata and compression levels were set on)",
    "validation": "untouched originals of other collections (" + ", ".join(c.name for c in COLLECTIONS) +
                  ": other cameras and phones, at most 3 per model) and what OpenCV, Pillow, a messenger-like "
                  "resize and ExifTool make of them",
}


def _decoded(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _opencv_jpeg(pixels: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV cannot fail on a uint8 RGB array
        raise RuntimeError("JPEG encoding failed")
    return data.tobytes()


def _pillow_keep(path: Path) -> bytes:
    # Opened as a plain JPEG: Pillow opens a camera's multi-picture file (MPO) as a sequence, which cannot "keep" tables.
    with JpegImagePlugin.JpegImageFile(path) as image:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality="keep", subsampling="keep", exif=image.info.get("exif", b""))
        return buffer.getvalue()


def _pillow_progressive(path: Path) -> bytes:
    with Image.open(path) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=92, subsampling=0, progressive=True, optimize=True,
                                  exif=image.info.get("exif", b""))
        return buffer.getvalue()


def _scaled(pixels: np.ndarray, factor: float) -> np.ndarray:
    size = (max(16, int(pixels.shape[1] * factor)), max(16, int(pixels.shape[0] * factor)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def _cropped(pixels: np.ndarray, path: Path) -> np.ndarray:
    """About 2 % off each side, the top-left cut moved by 0-7 pixels drawn from the file's hash, so that the
    new 8x8 grid falls anywhere on the old one, as a hand-made crop does."""
    extra = np.random.default_rng(int.from_bytes(hashlib.sha256(path.read_bytes()).digest()[:4], "big")).integers(0, 8, 2)
    dy, dx = pixels.shape[0] // 50 + int(extra[0]), pixels.shape[1] // 50 + int(extra[1])
    return np.ascontiguousarray(pixels[dy:pixels.shape[0] - pixels.shape[0] // 50, dx:pixels.shape[1] - pixels.shape[1] // 50])


ENCODINGS: dict[str, Callable[[Path], bytes]] = {
    "re-saved by OpenCV at quality 95, metadata dropped": lambda p: _opencv_jpeg(_decoded(p), 95),
    "re-saved by OpenCV at quality 85, metadata dropped": lambda p: _opencv_jpeg(_decoded(p), 85),
    "re-saved by OpenCV at quality 75, metadata dropped": lambda p: _opencv_jpeg(_decoded(p), 75),
    "re-saved by Pillow with the original's own tables, EXIF kept": _pillow_keep,
    "re-saved progressive, optimised, 4:4:4, quality 92, EXIF kept": _pillow_progressive,
    "cropped about 2 % each side, re-saved by OpenCV at 90": lambda p: _opencv_jpeg(_cropped(_decoded(p), p), 90),
    "reduced to half size, re-saved by OpenCV at 85": lambda p: _opencv_jpeg(_scaled(_decoded(p), 0.5), 85),
    "messenger-like copy: 1600 pixels, quality 80, metadata dropped": lambda p: _opencv_jpeg(
        _scaled(_decoded(p), min(1.0, 1600 / max(_decoded(p).shape[:2]))), 80),
}
# ExifTool arguments for each metadata edit (pixels untouched); {thumbnail} is another original's thumbnail.
EDITS: dict[str, list[str]] = {
    "Software tag set to an editor by ExifTool": ["-Software=Adobe Photoshop Lightroom Classic 12.0 (Windows)"],
    "DateTimeOriginal alone set a day earlier by ExifTool": ["-DateTimeOriginal-=24:00:00"],
    "every date shifted by a day by ExifTool (no trace expected)": ["-AllDates+=24:00:00"],
    "all metadata removed by ExifTool": ["-all="],
    "EXIF thumbnail replaced by ExifTool": ["-ThumbnailImage<={thumbnail}"],
}


def _cached(cache: Path, kind: str, source: Path, make: Callable[[Path], None]) -> Path:
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    target = cache / ("kind-" + hashlib.sha256(kind.encode()).hexdigest()[:12]) / f"{digest}.jpg"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        make(partial)
        partial.replace(target)
    return target


def _exiftool_edit(source: Path, arguments: list[str], target: Path) -> None:
    subprocess.run(["exiftool", "-q", "-q", "-m", *arguments, "-o", str(target), str(source)], check=True,
                   capture_output=True, timeout=60)


def validation_cases(corpus: Path, cache: Path) -> list[EvalCase]:
    originals, notes = validation_originals(corpus)
    for note in notes:
        print(f"  validation data: {note}")
    exiftool = shutil.which("exiftool")
    if not exiftool:
        print("  validation data: exiftool not installed, so the metadata-edit cases are left out "
              "(apt-get install libimage-exiftool-perl)")
    cases = []
    thumbnail_donor = cache / "thumbnail-donor.jpg"
    for index, (collection, check) in enumerate(originals):
        source = Path(check.path)
        where = f"{collection.name}: {source.name} ({check.camera})"
        held_out = (collection.name,)
        cases.append(EvalCase(source, 0, "untouched original of another collection", where, held_out=held_out))
        for kind, encode in ENCODINGS.items():
            target = _cached(cache, kind, source, lambda part: part.write_bytes(encode(source)))
            cases.append(EvalCase(target, 1, kind, f"{kind}: {where}", held_out=held_out))
        if not exiftool:
            continue
        donor = Path(originals[(index + 1) % len(originals)][1].path)
        thumbnail_donor.parent.mkdir(parents=True, exist_ok=True)
        thumbnail_donor.write_bytes(_opencv_jpeg(_scaled(_decoded(donor), 160 / max(_decoded(donor).shape[:2])), 80))
        for kind, arguments in EDITS.items():
            filled = [a.replace("{thumbnail}", str(thumbnail_donor)) for a in arguments]
            try:
                target = _cached(cache, f"{kind}|{donor.name if '{thumbnail}' in ''.join(arguments) else ''}", source,
                                 lambda part: _exiftool_edit(source, filled, part))
            except subprocess.CalledProcessError:  # ExifTool refuses some files (e.g. an Ultra HDR gain-map JPEG)
                print(f"  validation data: ExifTool could not make '{kind}' of {source.name}: case left out")
                continue
            cases.append(EvalCase(target, 1, kind, f"{kind}: {where}", held_out=held_out))
    received = data_originals() / "CartridgeOCR" / "imagesForTesting" / "deviceComparison" / "receivedWhatsApp"
    cases += [EvalCase(path, 1, "received through WhatsApp (a real messenger re-encode)", f"CartridgeOCR: {path.name}",
                       held_out=("CartridgeOCR",))
              for path in sorted(received.glob("*.jpg"))]
    return cases


UNTOUCHED_KINDS = {"camera original (firmware Software tag)", "camera original (single compression)"}


def calibration_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    """The metadata and compression evaluations' own cases (their caches are shared with those evaluations),
    labelled for this question: only the camera originals are untouched; everything made from them (the
    compression evaluation's half-size single saves and PNGs included) was processed."""
    cases = cases_metadata.calibration_cases(corpus, cache.parent / "metadata", seed)
    cases += cases_compression.calibration_cases(corpus, cache.parent / "compression", seed)
    unique = {case.path: case for case in cases}
    return [dataclasses.replace(case, split="calibration", label=int(case.kind not in UNTOUCHED_KINDS))
            for case in unique.values()]  # held out as in those evaluations: the calibration folder


def build_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    return calibration_cases(corpus, cache, seed) + validation_cases(corpus, cache / "validation")
