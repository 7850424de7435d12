"""Fit the face analyser's calibrated combination on the training half of the corpus faces.

    python -m forensics.evaluation.train_face [--corpus ../shared/corpus]

Cases are those of ``cases_face`` for the *training* half, made in memory and passed through a JPEG
quality-90 save; each face is found again in the saved image (as the analyser would) and labelled 1 when
it is the face that was replaced, 0 otherwise (untouched photos, and the other faces of a swapped photo).
The generic head model's mean landmark layout is taken from the untouched faces; a logistic regression on
``face_features`` (boundary measures and head-pose disagreement) is fitted and written, with the verbal levels, to
``forensics/data/face_model.json``; ``forensics eval --analyser face`` then measures it on the other half.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone

import numpy as np

from forensics.algorithms.face_boundary import face_regions
from forensics.algorithms.head_pose import mean_layout
from forensics.algorithms.logistic import fit_logistic
from forensics.evaluation.cases_face import corpus_with_faces, face_photos, resaved, variants
from forensics.evaluation.metrics import roc_auc
from forensics.models.face_calibration import BAND_FRACTION, FACE_FEATURES, MODEL_FILE, face_features
from forensics.models.faces import default_face_model, not_analysable_reason

# Probability thresholds of the verbal levels (strongest first), checked on the held-out half by `forensics eval`.
LEVELS = [(0.95, "strong"), (0.8, "moderate"), (0.5, "weak")]


def face_samples(corpus) -> list[tuple[np.ndarray, np.ndarray, int, str]]:
    """(decoded image, landmarks, label, kind) for every analysable face of the training half's cases."""
    model = default_face_model()
    samples = []
    for kind, label, photo, face_index, pixels in variants(face_photos(corpus, "train")):
        decoded = resaved(pixels)
        target = photo.faces[face_index].points.mean(axis=0) if face_index >= 0 else None
        for face in model.find(decoded):
            if not_analysable_reason(face.points):
                continue
            is_target = target is not None and np.linalg.norm(face.points.mean(axis=0) - target) < 0.2 * (
                face.box[2] - face.box[0])
            samples.append((decoded, face.points, int(label and is_target),
                            kind if is_target or not label else "another face in a swapped photo"))
    return samples


def main(argv: list[str] | None = None) -> int:
    corpus = corpus_with_faces(argv, __doc__.split("\n")[0], "train")
    if corpus is None:
        return 0
    samples = face_samples(corpus)
    layout = mean_layout([points for _, points, label, _ in samples if label == 0])
    features = np.array([face_features(image, points, face_regions(image.shape[:2], points, BAND_FRACTION), layout)[2]
                         for image, points, _, _ in samples])
    labels = np.array([sample[2] for sample in samples])
    kinds = [sample[3] for sample in samples]
    model = fit_logistic(features, labels, l2=1.0)
    probabilities = model.probability(features)
    print(f"training half: {labels.sum()} swapped faces, {(labels == 0).sum()} untouched faces; "
          f"training AUC {roc_auc(labels.astype(bool), probabilities):.3f} (optimistic: measured on its own data)")
    for name, weight in zip(FACE_FEATURES, model.weights):
        print(f"  weight {weight:+.3f}  {name}")
    for threshold, level in LEVELS:
        called = probabilities >= threshold
        print(f"  {level:<9} p >= {threshold}: TPR {called[labels == 1].mean():.3f}  FPR {called[labels == 0].mean():.3f}")
    document = {
        "trained": datetime.now(timezone.utc).strftime("%Y-%m-%d") + f" on {len(labels)} faces (training half of corpus faces)",
        "features": FACE_FEATURES,
        "model": asdict(model),
        "mean_layout": np.round(layout, 5).tolist(),
        "levels": [[threshold, level] for threshold, level in LEVELS],
        # What untouched faces give, so that the report can put a face's head-pose disagreement in context.
        "pose_reference_degrees": {
            "median": round(float(np.median(features[labels == 0, -1])), 1),
            "p95": round(float(np.percentile(features[labels == 0, -1], 95)), 1),
        },
        "counts": {kind: int(sum(k == kind for k in kinds)) for kind in dict.fromkeys(kinds)},
    }
    MODEL_FILE.write_text(json.dumps(document, indent=1) + "\n", "utf-8")
    print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
