"""Set the verbal levels of the learned face-blend detector from untouched faces it never trained on.

    python -m forensics.evaluation.calibrate_blend [--corpus ../shared/corpus]

Untouched faces from two sources, scored exactly as the face analyser scores them (every HOG face at least
``MIN_BLEND_FACE_PX`` wide whose crop lies inside the picture up to ``LEARNED_MAX_OUTSIDE_SHARE``, tight crops
included):
- the *training* half of the corpus faces (``cases_face.half_of``), as in the corpus and re-saved at JPEG 90;
- the validation photo groups of every training collection (``face_data.split_of``: never trained on), when
  the collections are present.
Levels: weak at the 95th, moderate at the 99th percentile of their outputs, strong above every one of them
(at least the 99.9th percentile). The detector's held-out error rates come from ``forensics eval --analyser
face`` on the other half of the corpus faces, which neither training nor this calibration touched. Writes
``forensics/data/face_blend_levels.json``, bound to the detector's SHA-256 (levels of another detector are
ignored by the analysers).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np

from forensics.evaluation.cases_face import corpus_with_faces, half_of, read_photo, resaved
from forensics.models.face_blend import BLEND_LEVELS_FILE, LEARNED_MAX_OUTSIDE_SHARE, MIN_BLEND_FACE_PX, default_blend_detector
from forensics.models.faces import default_face_model
from forensics.training.face_data import SOURCES, cache_file, data_root, load_records, read_upright, split_of

PERCENTILES = {"weak": 95.0, "moderate": 99.0}
STRONG_PERCENTILE = 99.9


def corpus_untouched(corpus) -> list[tuple[str, float]]:
    """(kind, detector output) for every scorable face of the training half, as received and re-saved at 90."""
    detector, model = default_blend_detector(), default_face_model()
    outputs = []
    for path in sorted((corpus / "faces").rglob("*")):
        if path.suffix.lower() not in {".jpg", ".jpeg", ".png"} or "mask_" in path.name or half_of(path) != "train":
            continue
        pixels = read_photo(path)
        if pixels is None:
            continue
        for kind, image in (("corpus face, as received", pixels), ("corpus face, re-saved at 90", resaved(pixels))):
            for box, _ in model.boxes(image):
                if box[2] - box[0] < MIN_BLEND_FACE_PX:
                    continue
                result = detector.score(image, box)
                if result.crop.outside_share <= LEARNED_MAX_OUTSIDE_SHARE:
                    outputs.append((kind, result.probability))
    return outputs


def collection_untouched() -> list[tuple[str, float]]:
    """(kind, detector output) for the validation photo groups of the training collections that are present."""
    detector, root = default_blend_detector(), data_root()
    outputs = []
    for source in SOURCES.values():
        if not cache_file(source, root).is_file():
            continue
        folder = root / "faces" / source.folder
        for record in load_records(source, root):
            if split_of(record.group) != "validation":
                continue
            image = read_upright(folder / record.file)
            result = detector.score(image, record.box)
            if result.crop.outside_share <= LEARNED_MAX_OUTSIDE_SHARE:
                outputs.append((f"{source.name} validation photo", result.probability))
    return outputs


def main(argv: list[str] | None = None) -> int:
    corpus = corpus_with_faces(argv, __doc__.split("\n")[0], "calibrate")
    if corpus is None:
        return 0
    detector = default_blend_detector()
    outputs = corpus_untouched(corpus) + collection_untouched()
    values = np.array([p for _, p in outputs])
    thresholds = {level: float(np.percentile(values, q)) for level, q in PERCENTILES.items()}
    thresholds["strong"] = float(max(values.max(), np.percentile(values, STRONG_PERCENTILE)))
    rounded = {level: float(np.ceil(t * 1000) / 1000) for level, t in thresholds.items()}
    kinds = dict.fromkeys(k for k, _ in outputs)
    for kind in kinds:
        subset = np.array([p for k, p in outputs if k == kind])
        print(f"  {kind:<40} n {len(subset):>4}  median {np.median(subset):.3f}  p95 {np.percentile(subset, 95):.3f}  "
              f"max {subset.max():.3f}")
    for level in ("weak", "moderate", "strong"):
        print(f"  {level:<9} output >= {rounded[level]:.3f}: untouched at or above {np.mean(values >= rounded[level]):.3%}")
    document = {
        "built": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "detector_sha256": detector.sha256,
        "levels": [[rounded["strong"], "strong"], [rounded["moderate"], "moderate"], [rounded["weak"], "weak"]],
        "calibrated_on": (f"{len(values)} untouched faces never used in training: the training half of the corpus "
                          "faces (as received and re-saved at JPEG 90) and the held-out photo groups of the training "
                          "collections"),
        "untouched_below_weak": "95 %",
        "counts": {kind: sum(k == kind for k, _ in outputs) for kind in kinds},
        "untouched_quantiles": {str(q): round(float(np.percentile(values, q)), 4) for q in (50, 90, 95, 99, 100)},
        "limitations": ["The levels were set on untouched web and news photos; pictures unlike them (studio "
                        "portraits with heavy retouching, thermal or night images, drawings) were not part of it."],
    }
    BLEND_LEVELS_FILE.write_text(json.dumps(document, indent=1) + "\n", "utf-8")
    print(f"wrote {BLEND_LEVELS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
