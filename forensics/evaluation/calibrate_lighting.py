"""Build the lighting analyser's untouched reference from the training half of the corpus faces.

    python -m forensics.evaluation.calibrate_lighting [--corpus ../shared/corpus]

Inner face against forehead: every analysable face of the training half (``cases_face`` split), as in the
corpus and re-saved at JPEG 90, gives the disagreement of an untouched face; the verbal levels are set at
its 95th ("weak") and 99th ("moderate") percentiles, never "strong" (lighting supports, it does not prove).
The mirrored and pasted faces of the same half are measured too, for the training-half AUC printed here;
``forensics eval --analyser lighting`` measures the held-out half.

Directions between faces: in every corpus group photo (``cases_lighting.group_photos``, both halves: this
part is shown in reports, never scored), the differences between determined faces' directions, and how the
largest departure compares between the photos and the same photos with each face in turn mirrored.
Everything goes to ``forensics/data/lighting_reference.json``.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timezone

import numpy as np

from forensics.algorithms.lighting import angular_difference
from forensics.analysers.lighting import REFERENCE_FILE, FaceLight, departures, face_lights
from forensics.evaluation.cases_face import corpus_with_faces, face_photos, resaved
from forensics.evaluation.cases_lighting import group_photos, mirror_face, relit_variants
from forensics.evaluation.metrics import roc_auc
from forensics.models.faces import default_face_model

LEVEL_PERCENTILES = [(99.0, "moderate"), (95.0, "weak")]


def lights_of(pixels: np.ndarray) -> list[FaceLight]:
    return face_lights(pixels, default_face_model().find(pixels))


def _first_face_disagreement(pixels: np.ndarray, centre: np.ndarray) -> float | None:
    """The disagreement of the face found again nearest ``centre`` (the manipulated one)."""
    lights = lights_of(pixels)
    if not lights:
        return None
    nearest = min(lights, key=lambda item: np.linalg.norm(item.face.points.mean(axis=0) - centre))
    return nearest.forehead_disagreement


def main(argv: list[str] | None = None) -> int:
    corpus = corpus_with_faces(argv, __doc__.split("\n")[0], "calibrate")
    if corpus is None:
        return 0
    photos = face_photos(corpus, "train")
    untouched = [item.forehead_disagreement for photo in photos for pixels in (photo.pixels, resaved(photo.pixels))
                 for item in lights_of(pixels) if item.forehead_disagreement is not None]
    relit: dict[str, list[float]] = {}
    for kind, photo, pixels in relit_variants(photos):
        value = _first_face_disagreement(resaved(pixels), photo.faces[0].points.mean(axis=0))
        if value is not None:
            relit.setdefault(kind, []).append(value)
    levels = [[round(float(np.percentile(untouched, percentile)), 3), level] for percentile, level in LEVEL_PERCENTILES]
    print(f"inner face against forehead, training half: {len(untouched)} untouched faces (as in the corpus and re-saved "
          f"at 90); median {np.median(untouched):.2f}, levels {levels}")
    for kind, values in relit.items():
        labels = np.r_[np.ones(len(values), bool), np.zeros(len(untouched), bool)]
        print(f"  {kind}: {len(values)} faces, training-half AUC {roc_auc(labels, np.r_[values, untouched]):.3f}, "
              f"weak or stronger {np.mean(np.array(values) >= levels[-1][0]):.2f}")

    groups = group_photos(corpus)
    pair_differences, authentic_departures, mirrored_departures = [], [], []
    for photo in groups:
        lights = lights_of(resaved(photo.pixels))
        determined = [item for item in lights if item.determined]
        pair_differences += [angular_difference(a.inner_face.azimuth_degrees, b.inner_face.azimuth_degrees)
                             for a, b in itertools.combinations(determined, 2)]
        authentic_departures.append(max(departures(lights).values(), default=0.0))
        for face in photo.faces:
            mirrored = departures(lights_of(resaved(mirror_face(photo.pixels, face.points))))
            mirrored_departures.append(max(mirrored.values(), default=0.0))
    labels = np.r_[np.ones(len(mirrored_departures), bool), np.zeros(len(authentic_departures), bool)]
    print(f"directions between faces: {len(groups)} group photos, {len(pair_differences)} pairs of determined faces, "
          f"differences median {np.median(pair_differences):.0f}, largest {max(pair_differences):.0f} degrees; "
          f"largest departure, each face in turn mirrored ({len(mirrored_departures)}) vs untouched "
          f"({len(authentic_departures)}): AUC {roc_auc(labels, np.r_[mirrored_departures, authentic_departures]):.3f}")
    document = {
        "built": datetime.now(timezone.utc).strftime("%Y-%m-%d") + f", {len(untouched)} untouched faces, training half of corpus faces",
        "untouched_forehead_disagreement": sorted(round(float(v), 3) for v in untouched),
        "levels": levels,
        "group_photos": len(groups),
        "group_photo_pair_differences": sorted(round(float(v), 1) for v in pair_differences),
    }
    REFERENCE_FILE.write_text(json.dumps(document, indent=1) + "\n", "utf-8")
    print(f"wrote {REFERENCE_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
