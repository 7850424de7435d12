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
"""

from __future__ import annotations

import argparse
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
from PIL import Image

from forensics.analyzers import AnalysisContext, run_analysers
from forensics.analyzers.face import FaceAnalyser
from forensics.evaluation import DEFAULT_CORPUS
from forensics.media import load_media
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
        faces = [f for f in result.findings if f.title.startswith("Face ")]
        summary = ", ".join(f"{f.title.split(':')[0]}: {f.strength.value} (score {f.score:.2f})" for f in faces) or "no face found"
        print(f"MesoNet {path.parent.name:>4}/{path.name}: {summary}")
    print(f"took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
