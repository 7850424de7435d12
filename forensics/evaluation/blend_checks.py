"""Checks of the learned face-blend detector alone, on data it never trained or was calibrated on.

    python -m forensics.evaluation.blend_checks [--corpus ../shared/corpus] [--validation DIR]

1. Controlled swaps of the *held-out* half of the corpus faces (``cases_face.variants``, saved at JPEG 90):
   detector output per face, AUC of each kind against the untouched faces, and the share at each verbal level.
2. Tight crops of the same faces, untouched and swapped: the detector's outputs (it scores such crops; the
   classical measures decline them) and how many lie too far outside the picture for the detector too.
3. Real deepfakes made by others: the corpus's MesoNet samples and, when present, the Celeb-DF v2 frames of
   the data set's own figures (``--validation``, default ``~/.cache/forensics/validation/celeb-df-demo``, with
   its MANIFEST.json): face crops, scored as the analysers score them.
4. Where the boundary map points: on the feathered swaps, the map's cells above one half against the cells
   through which the true blend boundary (the swap mask's 0.5 level) runs.
5. Speed through ``cv2.dnn``: milliseconds per face on one and on two threads.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.cases_face import face_photos, read_photo, resaved, tight_crop, variants
from forensics.evaluation.face_swap import swap_face
from forensics.evaluation.metrics import bootstrap, roc_auc
from forensics.models.face_blend import LEARNED_MAX_OUTSIDE_SHARE, blend_levels, default_blend_detector, face_crop, level_of
from forensics.models.faces import default_face_model
from forensics.results import Strength
from forensics.training.samples import cell_maximum
from forensics.training.self_blend import boundary_map

DEFAULT_VALIDATION = Path.home() / ".cache" / "forensics" / "validation" / "celeb-df-demo"


def _largest_box(image: np.ndarray):
    boxes = [box for box, _ in default_face_model().boxes(image)]
    return max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), default=None)


def _auc_line(name: str, positives: list[float], negatives: list[float]) -> str:
    labels = np.array([1] * len(positives) + [0] * len(negatives), dtype=bool)
    scores = np.array(positives + negatives)
    return f"  {name:<48} n {len(positives):>3} vs {len(negatives):>3}  AUC {bootstrap(roc_auc, labels, scores)}"


def _levels_line(name: str, values: list[float], levels: dict | None) -> str:
    counts = {s: sum(level_of(v, levels).rank >= s.rank for v in values) for s in (Strength.WEAK, Strength.MODERATE, Strength.STRONG)}
    return (f"  {name:<48} n {len(values):>3}  median {np.median(values):.3f}  >= weak {counts[Strength.WEAK]}  "
            f">= moderate {counts[Strength.MODERATE]}  strong {counts[Strength.STRONG]}")


def controlled(corpus: Path, levels: dict | None) -> None:
    detector = default_blend_detector()
    outputs: dict[str, list[float]] = {}
    hits, marked, boundary_cells = 0, 0, 0
    photos = face_photos(corpus, "test")
    for kind, _, photo, face_index, pixels in variants(photos):
        decoded = resaved(pixels)
        box = photo.faces[max(face_index, 0)].box
        outputs.setdefault(kind, []).append(detector.score(decoded, box).probability)
    for photo in photos:
        outputs.setdefault("untouched photo, as in the corpus", []).append(
            detector.score(photo.pixels, photo.faces[0].box).probability)
    for index, photo in enumerate(photos):  # where the map points, on feathered swaps
        donor = photos[(index + 1) % len(photos)]
        swap = swap_face(photo.pixels, photo.faces[0].points, donor.pixels, donor.faces[0].points, "feather")
        box = photo.faces[0].box
        result = detector.score(resaved(swap.image), box)
        mask = face_crop(np.repeat((swap.mask * 255).astype(np.uint8)[..., None], 3, axis=2), box).pixels[..., 0]
        truth = cell_maximum(boundary_map(mask.astype(np.float32) / max(float(mask.max()), 1.0))) > 0.5
        predicted = result.boundary > 0.5
        hits += int((predicted & truth).sum())
        marked += int(predicted.sum())
        boundary_cells += int(truth.sum())
    untouched = outputs["untouched photo, re-saved at 90"] + outputs["untouched photo, as in the corpus"]
    print("1. Controlled swaps of the held-out corpus faces (saved at JPEG 90), detector alone")
    for kind, values in outputs.items():
        print(_levels_line(kind, values, levels))
    for kind, values in outputs.items():
        if not kind.startswith("untouched"):
            print(_auc_line(kind, values, untouched))
    swapped = [v for kind, values in outputs.items() if not kind.startswith("untouched") for v in values]
    print(_auc_line("all swaps", swapped, untouched))
    print("4. Boundary map on the feathered swaps: of the cells it marks (> 0.5), "
          f"{hits / max(marked, 1):.0%} lie on the true blend boundary; it marks {hits / max(boundary_cells, 1):.0%} "
          f"of the boundary's cells ({marked} marked, {boundary_cells} on the boundary, {len(photos)} faces)")


def tight(corpus: Path, levels: dict | None) -> None:
    detector = default_blend_detector()
    photos = face_photos(corpus, "test")
    outputs: dict[str, list[float]] = {"untouched": [], "swapped": []}
    declined = 0
    for index, photo in enumerate(photos):
        donor = photos[(index + 1) % len(photos)]
        swapped = swap_face(photo.pixels, photo.faces[0].points, donor.pixels, donor.faces[0].points, "feather").image
        for name, pixels in (("untouched", photo.pixels), ("swapped", swapped)):
            crop = resaved(tight_crop(pixels, photo.faces[0].box))
            box = _largest_box(crop)
            if box is None:
                continue
            result = detector.score(crop, box)
            declined += result.crop.outside_share > LEARNED_MAX_OUTSIDE_SHARE
            outputs[name].append(result.probability)
    print("2. Tight crops (face box and 10 % around it) of the held-out faces; the analysers decline "
          f"{declined} of {sum(map(len, outputs.values()))} as mostly outside the picture")
    print(_levels_line("untouched", outputs["untouched"], levels))
    print(_levels_line("swapped (feathered)", outputs["swapped"], levels))
    print(_auc_line("swapped vs untouched", outputs["swapped"], outputs["untouched"]))


def real_deepfakes(corpus: Path, validation: Path, levels: dict | None) -> None:
    detector = default_blend_detector()
    items = [(p, p.parent.name == "df", "MesoNet") for p in sorted((corpus / "deepfake/mesonet/test_images").glob("*/*.jpg"))]
    manifest = validation / "MANIFEST.json"
    if manifest.is_file():
        items += [(validation / item["file"], item["label"] == "fake", "Celeb-DF v2 figures")
                  for item in json.loads(manifest.read_text())["items"]]
    print("3. Real deepfakes made by others (face crops, and how many the analysers would decline)")
    for source in dict.fromkeys(s for *_, s in items):
        fake, real, declined, missed = [], [], 0, 0
        for path, is_fake, item_source in items:
            if item_source != source:
                continue
            image = read_photo(path)
            box = _largest_box(image) if image is not None else None
            if box is None:
                missed += 1
                continue
            result = detector.score(image, box)
            declined += result.crop.outside_share > LEARNED_MAX_OUTSIDE_SHARE
            (fake if is_fake else real).append(result.probability)
        print(f"  {source}: {len(fake)} fake, {len(real)} real faces found ({missed} without a face found); "
              f"{declined} declined as mostly outside the picture")
        print(_levels_line(f"{source}: fake", fake, levels))
        print(_levels_line(f"{source}: real", real, levels))
        if fake and real:
            print(_auc_line(f"{source}: fake vs real", fake, real))


def speed() -> None:
    detector = default_blend_detector()
    crop = np.random.default_rng(0).integers(0, 256, (224, 224, 3), dtype=np.uint8)
    timings = []
    for threads in (1, 2):
        cv2.setNumThreads(threads)
        detector.score_crops([crop])
        started = time.perf_counter()
        for _ in range(20):
            detector.score_crops([crop])
        timings.append(f"{(time.perf_counter() - started) / 20 * 1000:.1f} ms on {threads} thread(s)")
    cv2.setNumThreads(-1)
    print("5. Speed per face through cv2.dnn: " + ", ".join(timings))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--validation", type=Path, default=DEFAULT_VALIDATION)
    args = parser.parse_args(argv)
    if not (args.corpus / "faces").is_dir():
        print(f"no faces under {args.corpus}: nothing to check")
        return 0
    levels = blend_levels(default_blend_detector())
    print(f"levels: {levels['levels'] if levels else 'none shipped'}")
    controlled(args.corpus, levels)
    tight(args.corpus, levels)
    real_deepfakes(args.corpus, args.validation, levels)
    speed()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
