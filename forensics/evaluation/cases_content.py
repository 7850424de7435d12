"""Cases for the content conclusion: "was what the picture shows altered?" (every analyser, images).

Every analyser runs on each case and the exhibit's content conclusion is scored (what a report concludes).
The cases are those of the face, lighting and copy-move evaluations (their generated files are shared through
the cache), plus real tampering made by others and untouched camera originals:

Calibration: the face evaluation's training half, the copy-move evaluation's camera originals with copies, and
``cases_splice``'s composites of those originals saved at 100 (Pillow) with their controls.
Validation: the held-out half of the faces (swaps, tight crops, MesoNet's real deepfakes), mirrored and pasted
faces of the held-out half, MISD's spliced and authentic photos (the corpus half; real splices made by others),
OpenCV's error-level-analysis example pair (a sticker pasted by someone else), untouched originals of other
collections and copies within them, and composites of them saved at 100 by OpenCV with their controls.
"""

from __future__ import annotations

import csv
from pathlib import Path

from forensics.evaluation import cases_copy_move, cases_face, cases_lighting
from forensics.evaluation.cases_splice import load_reduced, splice_cases
from forensics.evaluation.collections import validation_originals
from forensics.evaluation.harness import EvalCase

QUESTION = "Was what the picture shows altered? (the content conclusion, every analyser; images)"
PROPOSITION = "content"
DATA = {
    "calibration": "the training half of the corpus faces with swaps, camera originals of metadata-extractor-images "
                   "with copied regions, and reduced copies of them with an object of another pasted in and saved at "
                   "quality 100 by Pillow, with their controls (data the face model, copy-move and missing-grid levels "
                   "were set on)",
    "validation": "the held-out half of the corpus faces (swaps, relit faces, tight crops), MesoNet's real deepfakes, "
                  "MISD's spliced and authentic photos, OpenCV's ELA example pair, untouched originals of other "
                  "collections with copied regions, and reduced copies of them with an object of another collection's "
                  "photo pasted in and saved at quality 100 by OpenCV, with their controls",
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
    return face + lighting + copies + real_tampering(corpus) + composites(corpus, shared / "splice", seed)


def composites(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    """``cases_splice``'s composites: of the calibration originals, each pasted from the next (Pillow, ellipses), and of
    other collections' originals, each pasted from the one half the list further on, in another collection (OpenCV,
    polygons)."""
    calibration = [(path, str(path.relative_to(corpus)), load_reduced(path))
                   for path, _ in cases_copy_move.camera_originals(corpus)]
    others = validation_originals(corpus)[0]  # in collection order
    validation = [(Path(check.path), f"{collection.name}: {Path(check.path).name}", load_reduced(Path(check.path)))
                  for collection, check in others]
    return (splice_cases(calibration, cache, seed, "calibration", "Pillow", polygon=False)
            + splice_cases(validation, cache, seed, "validation", "OpenCV", polygon=True,
                           donor_step=max(1, len(validation) // 2)))
