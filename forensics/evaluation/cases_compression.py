"""Cases for the compression analyser: "was this JPEG compressed more than once?"

Untouched (compressed once): camera originals of ``metadata/metadata-extractor/jpg`` that name no editor,
as they are; and single-compression controls made from them, reduced to half size (which erases the
camera's JPEG traces) and saved once by Pillow at quality 75 or 90.
Manipulated (compressed twice): the half-size image saved at Q1 then, decoded, at Q2 (aligned grids), for Q1 < Q2
(60 -> 90, 75 -> 90) and Q1 > Q2 (90 -> 75); and saved at Q1, cropped, and saved at Q2 (non-aligned grids): 3 x 5
pixels with 70 -> 90 and 70 -> 98 (where the earlier grid stays dominant), 6 x 1 pixels with 80 -> 90, and 3 pixels
on one axis only with 70 -> 90 (offsets the non-aligned test does not examine); and the camera original itself
decoded and saved again with its own tables (the same-table re-compression finding). Lossless files: a 768-pixel window
of the camera original saved as PNG, on its 8x8 grid or offset by 3 x 5 pixels (was a JPEG before), against the same
window of the half-size image saved as PNG (never a JPEG at that size).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
from PIL import Image

from forensics.algorithms.exif import read_exif
from forensics.algorithms.software_signatures import match_editor
from forensics.evaluation.collections import CALIBRATION_HELD_OUT
from forensics.evaluation.harness import EvalCase

QUESTION = ("Was the image compressed more than once, or stored losslessly after a JPEG compression? "
            "(image-level, from DCT coefficients and JPEG grids)")
PROPOSITION = "processing"
DATA = {
    "calibration": "camera originals of metadata-extractor-images in the corpus and half-size copies saved once or "
                   "twice by Pillow, aligned and cropped, and as PNG, and the originals re-saved with their own tables "
                   "(the data the levels were chosen on)",
    "validation": "the processing evaluation's validation cases: untouched originals of other collections and "
                  "OpenCV/Pillow/messenger-like re-saves and ExifTool edits of them",
}


def _originals(corpus: Path) -> list[Path]:
    chosen = []
    for path in sorted((corpus / "metadata" / "metadata-extractor" / "jpg").glob("*.jpg")):
        exif = read_exif(path.read_bytes())
        if (exif.make or exif.model) and not (exif.software and match_editor(exif.software)):
            try:
                with Image.open(path) as image:
                    image.load()
            except Exception:
                continue
            chosen.append(path)
    return chosen


def _half(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        return np.asarray(rgb.resize((max(16, rgb.width // 2), max(16, rgb.height // 2)), Image.Resampling.BOX))


def _jpeg(pixels: np.ndarray, quality: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _decoded(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def _window(pixels: np.ndarray, dx: int = 0, dy: int = 0, side: int = 768) -> np.ndarray:
    top = ((pixels.shape[0] - min(pixels.shape[0], side)) // 2) // 8 * 8 + dy
    left = ((pixels.shape[1] - min(pixels.shape[1], side)) // 2) // 8 * 8 + dx
    return np.ascontiguousarray(pixels[top : top + side, left : left + side])


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


_GENERATED = {
    "single compression, quality 75 (control)": (0, lambda p: _jpeg(p, 75)),
    "single compression, quality 90 (control)": (0, lambda p: _jpeg(p, 90)),
    "double, aligned, Q1 60 -> Q2 90": (1, lambda p: _jpeg(_decoded(_jpeg(p, 60)), 90)),
    "double, aligned, Q1 75 -> Q2 90": (1, lambda p: _jpeg(_decoded(_jpeg(p, 75)), 90)),
    "double, aligned, Q1 90 -> Q2 75": (1, lambda p: _jpeg(_decoded(_jpeg(p, 90)), 75)),
    "double, cropped 3x5 px between saves, 70 -> 90": (1, lambda p: _jpeg(np.ascontiguousarray(_decoded(_jpeg(p, 70))[5:, 3:]), 90)),
    "double, cropped 3x5 px between saves, 70 -> 98": (1, lambda p: _jpeg(np.ascontiguousarray(_decoded(_jpeg(p, 70))[5:, 3:]), 98)),
    "double, cropped 6x1 px between saves, 80 -> 90": (1, lambda p: _jpeg(np.ascontiguousarray(_decoded(_jpeg(p, 80))[1:, 6:]), 90)),
    "double, cropped 3 px on one axis only, 70 -> 90": (1, lambda p: _jpeg(np.ascontiguousarray(_decoded(_jpeg(p, 70))[:, 3:]), 90)),
    "PNG of the half-size photo (never a JPEG at that size)": (0, lambda p: _png(_window(p))),
}
# These start from the camera original itself (full size, decoded), not from the half-size image.
_FROM_ORIGINAL = {
    "PNG of the camera JPEG, on its grid": (1, lambda p: _png(_window(p))),
    "PNG of the camera JPEG, cropped by 3 x 5 px": (1, lambda p: _png(_window(p, 3, 5))),
}
RESAVED_WITH_OWN_TABLES = "camera JPEG re-saved with its own tables (Pillow, quality \"keep\")"


def _kept(data: bytes) -> bytes:
    """The camera JPEG decoded and saved again with its own quantisation tables and subsampling, EXIF kept."""
    buffer = io.BytesIO()
    with Image.open(io.BytesIO(data)) as image:
        image.save(buffer, "JPEG", quality="keep", exif=image.info.get("exif", b""))
    return buffer.getvalue()


def _folder(kind: str) -> str:
    """A cache folder named after the kind's recipe, so that adding or reordering kinds never reuses a stale file."""
    return "kind-" + hashlib.sha256(kind.encode()).hexdigest()[:12]


def build_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    from forensics.evaluation.cases_processing import validation_cases  # it builds on this module

    return calibration_cases(corpus, cache, seed) + validation_cases(corpus, cache.parent / "processing" / "validation")


def calibration_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    originals = _originals(corpus)
    cases = [EvalCase(p, 0, "camera original (single compression)", str(p.relative_to(corpus)), "calibration", held_out=CALIBRATION_HELD_OUT)
             for p in originals]
    for source in originals:
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
        half = None
        for kind, (label, make) in _GENERATED.items():
            target = cache / _folder(kind) / f"{digest}.jpg"
            if not target.is_file():
                half = _half(source) if half is None else half
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(make(half))
            cases.append(EvalCase(target, label, kind, f"{kind}: {source.name}", "calibration", held_out=CALIBRATION_HELD_OUT))
        original = None
        for kind, (label, make) in _FROM_ORIGINAL.items():
            target = cache / _folder(kind) / f"{digest}.png"
            if not target.is_file():
                original = _decoded(source.read_bytes()) if original is None else original
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(make(original))
            cases.append(EvalCase(target, label, kind, f"{kind}: {source.name}", "calibration", held_out=CALIBRATION_HELD_OUT))
        target = cache / _folder(RESAVED_WITH_OWN_TABLES) / f"{digest}.jpg"
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_kept(source.read_bytes()))
        cases.append(EvalCase(target, 1, RESAVED_WITH_OWN_TABLES, f"{RESAVED_WITH_OWN_TABLES}: {source.name}", "calibration",
                              held_out=CALIBRATION_HELD_OUT))
    return cases
