"""The data sets the shipped error rates were measured on, with their source and licence, for the report's
Appendix E (``forensics/data/evaluation_data.json``).

    python -m forensics.evaluation.data_sets

A court needs each data set named with its version (repository and commit, or package and version) and its
licence, not a folder on the examiner's machine. The public collections of untouched originals are taken from
``collections.py`` (so the two cannot drift apart: a test compares the shipped file with what this writes); the
corpus folders the evaluations read are listed here from their PROVENANCE.txt files.
"""

from __future__ import annotations

import json

from forensics.data import shipped_file
from forensics.evaluation.collections import CALIBRATION, COLLECTIONS

OUTPUT = shipped_file("evaluation_data.json")

# (name, what the evaluations use it for, source with version, licence) of the corpus folders read besides the
# collections of originals, and of the photos the face-blend detector was trained on.
CORPUS_SETS = (
    ("MISD (half)", "spliced and authentic photos: content validation, copy-move untouched photos",
     "github.com/farisha1497/SpliceNoise-Image-Splicing-Forgery-Detection-Tool-Using-Principal-Component-Analysis-"
     "Noise-Variation, commit 28ba8d5bc34f (the Multiple Image Splicing Dataset, Kadam et al. 2021)", "CC BY 4.0"),
    ("OpenCV ELA example", "an original and a copy with a sticker pasted in: content validation",
     "Debian opencv-doc 4.6.0+dfsg-12, examples/data/ela_*.jpg", "OpenCV (BSD-3-Clause / Apache-2.0)"),
    ("dlib faces", "face photos (PASCAL VOC, Flickr) for face and lighting cases",
     "github.com/davisking/dlib, commit 3d40bf5790ca, examples/faces/", "Boost Software Licence 1.0 (code); photos from Flickr"),
    ("face_recognition photos", "face photos of public figures for face and lighting cases",
     "github.com/ageitgey/face_recognition, commit 2e2dccea9dd0, examples/ and tests/test_images/",
     "MIT (code); photo provenance not stated: evaluation use only"),
    ("insightface and OpenCV photos", "group and sports photos with faces",
     "PyPI insightface 2.1 (insightface/data/images); Debian opencv-doc 4.6.0+dfsg-12 (messi5.jpg)", "MIT / OpenCV"),
    ("scikit-image astronaut", "a portrait for known-truth tests", "PyPI scikit-image 0.26.0, skimage/data/astronaut.png",
     "public domain (NASA)"),
    ("MesoNet samples", "real deepfake and real face crops: content validation",
     "github.com/DariusAf/MesoNet, commit 2144d56a30e4, test_images/", "Apache-2.0"),
    ("metadata-extractor videos", "camera and phone videos: video evaluations",
     "github.com/drewnoakes/metadata-extractor-images, commit 4beba6404878, mp4/ mov/ m4v/ mts/ 3gp/ avi/ m2v/",
     "\"free to use however you wish\" (repository README)"),
    ("OpenCV videos", "a real CCTV clip (vtest.avi) and two animations: video evaluations",
     "Debian opencv-doc 4.6.0+dfsg-12, examples/data/", "OpenCV (BSD-3-Clause / Apache-2.0)"),
    ("FaceLabelTools photos", "web face photos the face-blend detector was trained on (not evaluated on)",
     "github.com/HansonSun/FaceLabelTools, commit 16c615246f63, net_7876/", "no licence stated: research use only"),
)


def build() -> dict:
    collections = [{"name": c.name, "what": "untouched camera originals: calibration" if c is CALIBRATION else
                    "untouched camera originals (validation) and the re-saves, edits and copies made of them",
                    "source": c.origin, "licence": c.licence} for c in (CALIBRATION, *COLLECTIONS)]
    corpus = [{"name": name, "what": what, "source": source, "licence": licence}
              for name, what, source, licence in CORPUS_SETS]
    return {"built_by": "python -m forensics.evaluation.data_sets", "data_sets": collections + corpus}


def main() -> int:
    table = build()
    OUTPUT.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(table['data_sets'])} data sets -> {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
