"""Face detection recall and landmark agreement on dlib's labelled faces; per-item scores of MesoNet's crops.

    python -m forensics.evaluation.face_checks [--corpus ../shared/corpus]

Reads ``faces/dlib/examples/faces/{training,testing}_with_face_landmarks.xml`` (PASCAL VOC photos with a
box and 68 points per face). A labelled face is found when a detected box overlaps it with
intersection-over-union of at least 0.3; for found faces, the landmark error is the mean point distance
divided by the outer-eye-corner distance (points 36 and 45). Note what the reference is: the XML's own
comment says its points "are from dlib's shape_predictor_68_face_landmarks.dat", the model we use, so the
error measures how well our pipeline (our detector boxes, our image reduction) reproduces that model's
reference output, not accuracy against human annotators; the boxes were drawn for dlib's detector examples.

MesoNet's four test crops (``deepfake/mesonet/test_images/{df,real}``: two frames of deepfake videos and two
of real ones, aligned face crops) are too few for a rate; each crop's face score and level are printed.

Boundary localisation: for each photo of the held-out half, a feathered swap (as in ``cases_face``) saved at
JPEG 90; the faces are found again in the saved image and the boundary the analyser measures (hull of the
re-detected jaw and brow landmarks) is compared with where the blend really is (the 0.5 level of the
generator's mask): the distance of every true edge pixel to the analysed boundary, in band widths. Within
one band width, the inner and outer bands straddle the blend.
"""

from __future__ import annotations

import argparse
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forensics.algorithms.face_boundary import face_regions
from forensics.analysers import AnalysisContext, run_analysers
from forensics.analysers.face import FaceAnalyser
from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.cases_face import face_photos, resaved
from forensics.evaluation.face_swap import swap_face
from forensics.media import load_media
from forensics.models.face_calibration import BAND_FRACTION
from forensics.models.faces import default_face_model

FOLDER = Path("faces") / "dlib" / "examples" / "faces"
MESONET = Path("deepfake") / "mesonet" / "test_images"


def labelled_faces(xml_path: Path) -> list[tuple[str, tuple[int, int, int, int], np.ndarray]]:
    faces = []
    for image in ElementTree.parse(xml_path).getroot().iter("image"):
        for box in image.iter("box"):
            left, top = int(box.get("left")), int(box.get("top"))
            right, bottom = left + int(box.get("width")), top + int(box.get("height"))
            parts = sorted(box.iter("part"), key=lambda p: int(p.get("name")))
            points = np.array([[float(p.get("x")), float(p.get("y"))] for p in parts]) if len(parts) == 68 else None
            faces.append((image.get("file"), (left, top, right, bottom), points))
    return faces


def overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    width = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    intersection = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - intersection
    return intersection / union if union else 0.0


def edge_distances(mask: np.ndarray, distance_to_boundary: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """|signed distance to the analysed boundary| at the pixels of the mask's 0.5 contour inside the regions' crop."""
    x0, y0, x1, y1 = box
    half = (mask[y0:y1, x0:x1] >= 0.5).astype(np.uint8)
    edge = half - cv2.erode(half, np.ones((3, 3), np.uint8)) > 0
    return np.abs(distance_to_boundary[edge])


def boundary_localisation(corpus: Path, model) -> None:
    photos = face_photos(corpus, "test")
    per_face, missed = [], 0
    for index, photo in enumerate(photos):
        donor = photos[(index + 1) % len(photos)]
        if donor is photo:
            continue
        swap = swap_face(photo.pixels, photo.faces[0].points, donor.pixels, donor.faces[0].points, "feather")
        saved = resaved(swap.image)
        centre = photo.faces[0].points.mean(axis=0)
        found = [f for f in model.find(saved) if np.linalg.norm(f.points.mean(axis=0) - centre) < 0.2 * (f.box[2] - f.box[0])]
        if not found:
            missed += 1
            continue
        regions = face_regions(saved.shape[:2], found[0].points, BAND_FRACTION)
        distances = edge_distances(swap.mask, regions.distance, regions.box) / regions.band_px
        per_face.append((float(np.median(distances)), float(np.mean(distances <= 1.0))))
    medians, within = np.array(per_face).T
    print(f"boundary localisation, feathered swaps of the held-out half saved at JPEG 90: {len(per_face)} faces "
          f"found again, {missed} not; distance of the true blend edge to the analysed boundary, median over faces "
          f"{np.median(medians):.2f} band widths (worst face {medians.max():.2f}); share of the edge within one "
          f"band width: median {np.median(within):.2f}, lowest {within.min():.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    arguments = parser.parse_args(argv)
    folder = arguments.corpus / FOLDER
    if not folder.is_dir():
        print(f"{folder} not found: nothing to evaluate")
        return 0
    model = default_face_model()
    started = time.perf_counter()
    for split in ("training", "testing"):
        labelled = labelled_faces(folder / f"{split}_with_face_landmarks.xml")
        detections, errors, widths = {}, [], []
        for name in dict.fromkeys(name for name, _, _ in labelled):
            with Image.open(folder / name) as image:
                detections[name] = model.find(np.asarray(image.convert("RGB")))
        found = 0
        for name, box, points in labelled:
            matches = [face for face in detections[name] if overlap(face.box, box) >= 0.3]
            if not matches:
                continue
            found += 1
            face = max(matches, key=lambda f: overlap(f.box, box))
            if points is not None:
                interocular = np.linalg.norm(points[45] - points[36])
                errors.append(float(np.linalg.norm(face.points - points, axis=1).mean() / interocular))
                widths.append(float(np.linalg.norm(points[16] - points[0])))
        false = sum(len(faces) for faces in detections.values()) - found
        errors_array = np.array(errors)
        print(f"{split}: {len(labelled)} labelled faces in {len(detections)} photos; found {found} "
              f"({100 * found / len(labelled):.0f} %), {false} detections match no labelled face; "
              f"face widths {min(widths):.0f}-{max(widths):.0f} px")
        print(f"  landmark error / inter-ocular distance: mean {errors_array.mean():.4f}, median "
              f"{np.median(errors_array):.4f}, 95th percentile {np.percentile(errors_array, 95):.4f}, "
              f"max {errors_array.max():.4f}")
    for path in sorted((arguments.corpus / MESONET).glob("*/*.jpg")):
        result = run_analysers(load_media(path), AnalysisContext("EVAL", path.name), [FaceAnalyser])[0]
        faces = [f for f in result.findings if f.key.startswith(("face.boundary.", "face.blend."))]
        summary = ", ".join(f"{f.title.split(':')[0]}: {f.strength.value} (score {f.score:.2f})" for f in faces) or "no face found"
        print(f"MesoNet {path.parent.name:>4}/{path.name}: {summary}")
    boundary_localisation(arguments.corpus, model)
    print(f"took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
