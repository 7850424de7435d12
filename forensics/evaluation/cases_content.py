"""Cases for the content conclusion: "was what the picture shows altered?" (every analyser, images).

Every analyser runs on each case and the exhibit's content conclusion is scored (what a report concludes).
The cases are those of the face, lighting and copy-move evaluations (their generated files are shared through
the cache), plus real tampering made by others and untouched camera originals:

Calibration: the face evaluation's training half and the copy-move evaluation's camera originals with copies.
Validation: the held-out half of the faces (swaps, tight crops, MesoNet's real deepfakes), mirrored and pasted
faces of the held-out half, MISD's spliced and authentic photos (the corpus half; real splices made by others),
OpenCV's error-level-analysis example pair (a sticker pasted by someone else), untouched originals of other
collections and copies within them.
"""

from __future__ import annotations

import csv
from pathlib import Path

from forensics.evaluation import cases_copy_move, cases_face, cases_lighting
from forensics.evaluation.harness import EvalCase

QUESTION = "Was what the picture shows altered? (the content conclusion, every analyser; images)"
PROPOSITION = "content"
DATA = {
    "calibration": "the training half of the corpus faces with swaps, and camera originals of metadata-extractor-images "
                   "with copied regions (data the face model and copy-move levels were set on)",
    "validation": "the held-out half of the corpus faces (swaps, relit faces, tight crops), MesoNet's real deepfakes, "
                  "MISD's spliced and authentic photos, OpenCV's ELA example pair, and untouched originals of other "
                  "collections with copied regions",
}


def real_tampering(corpus: Path) -> list[EvalCase]:
    """Tampering made by others: MISD's splices and authentic photos, OpenCV's ELA example pair."""
    cases = []
    labels = corpus / cases_copy_move.MISD / "labels.csv"
    if labels.is_file():
        with labels.open(newline="") as handle:
            for row in csv.DictReader(handle):
                spliced = row["label"] != "AUTHENTIC"
                cases.append(EvalCase(corpus / cases_copy_move.MISD / row["path"], int(spliced),
                                      "MISD spliced photo" if spliced else "MISD authentic photo", row["path"]))
    ela = corpus / "tampering" / "opencv-ela"
    for name, label, kind in (("ela_original.jpg", 0, "OpenCV ELA example, original"),
                              ("ela_modified.jpg", 1, "OpenCV ELA example, sticker pasted")):
        if (ela / name).is_file():
            cases.append(EvalCase(ela / name, label, kind, f"tampering/opencv-ela/{name}"))
    return cases


def build_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    shared = cache.parent
    face = cases_face.build_cases(corpus, shared / "face", seed)
    lighting = [c for c in cases_lighting.build_cases(corpus, shared / "lighting", seed)
                if c.split == "validation" and c.label == 1]  # its untouched photos are the face evaluation's
    copies = [c for c in cases_copy_move.build_cases(corpus, shared / "copy_move", seed) if c.kind != "MISD authentic photo"]
    return face + lighting + copies + real_tampering(corpus)
