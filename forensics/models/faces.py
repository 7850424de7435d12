"""Faces and their 68 landmarks (iBUG 300-W order) with dlib, from model files shipped in pip packages.

Detection: dlib's HOG frontal-face detector (built into dlib, Boost licence) on a copy reduced to at most
DETECT_MAX_SIDE pixels, upsampled once when that copy is small so that faces of about 40 pixels are found.
Landmarks: dlib's ensemble-of-regression-trees shape predictor (Kazemi & Sullivan, CVPR 2014) with the
68-point model of the ``face-recognition-models`` package, run on the full-resolution image. That model was
trained on the iBUG 300-W data set, whose licence forbids commercial use; the backend is one class behind
the ``FaceModel`` protocol so another can replace it.
"""

from __future__ import annotations

import importlib.util
import threading
import weakref
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable, Protocol

import cv2
import numpy as np

from forensics.algorithms.face_boundary import face_width
from forensics.errors import NotApplicable
from forensics.media import Media
from forensics.models import file_sha256
from forensics.models.face_blend import crop_square
from forensics.results import TrainedComponent

DETECT_MAX_SIDE = 1280
UPSAMPLE_BELOW_SIDE = 800
# HOG detections scoring below this margin are discarded: every real face in the corpus scored 0.099 or more,
# and the one false detection seen (a suit patch in the astronaut portrait re-saved as JPEG) scored 0.023 and
# was then measured as a "face" with a wildly pasted-looking boundary.
MIN_DETECTOR_SCORE = 0.05
# Share of the area around a face that may lie outside the picture. A tight crop (a face filling the picture, as
# fact-checkers often receive) leaves the classical boundary and lighting measures nothing to compare the face
# with; they were calibrated on faces with their surroundings, so beyond this share they decline the face.
MAX_OUTSIDE_SHARE = 0.2
MIN_FACE_PX = 48  # jaw-to-jaw width below which the bands are too thin to measure
FRONTAL_RANGE = (0.25, 0.75)  # nose tip's position between the jaw ends; outside it one cheek is hidden


@dataclass(frozen=True)
class DetectedFace:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the analysed image
    detector_score: float
    points: np.ndarray  # (68, 2) float64 x, y in pixels, iBUG 300-W order


class FaceModel(Protocol):
    models: list[TrainedComponent]  # named in every result that used them

    def find(self, rgb: np.ndarray) -> list[DetectedFace]: ...

    def boxes(self, rgb: np.ndarray) -> list[tuple[tuple[int, int, int, int], float]]: ...

    def landmarks(self, grey: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray: ...


class ModelsMissing(RuntimeError):
    """The model package is not installed; the face analyser reports itself not applicable."""


def _model_folder() -> Path:
    # The package's __init__ imports pkg_resources, which recent setuptools removed: locate it without importing.
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelsMissing("the face-recognition-models package is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "models"


class DlibFaces:
    """Thread-safe: analysers running side by side share one instance, and the first to ask about an image
    detects while the others wait for its answer."""

    def __init__(self) -> None:
        import dlib

        self._predictor_file = _model_folder() / "shape_predictor_68_face_landmarks.dat"
        if not self._predictor_file.is_file():
            raise ModelsMissing(f"{self._predictor_file.name} is missing from face-recognition-models")
        self._detector = dlib.get_frontal_face_detector()
        self._load_predictor = dlib.shape_predictor
        self._rectangle = dlib.rectangle
        self._lock = threading.Lock()
        self._last: tuple[Callable[[], object], list[DetectedFace]] = (lambda: None, [])
        self.models = [
            TrainedComponent(f"dlib {dlib.__version__} HOG frontal face detector",
                             "face detector: histogram-of-oriented-gradients features and a linear classifier",
                             "faces labelled by dlib's author (Davis King)", "Boost Software Licence 1.0",
                             "built into dlib", ""),
            TrainedComponent("dlib 68-point shape predictor (face-recognition-models 0.3.0)",
                             "face landmarks: ensemble of regression trees (Kazemi & Sullivan 2014)",
                             "the iBUG 300-W data set", "the model: no commercial use (iBUG 300-W licence)",
                             self._predictor_file.name, file_sha256(self._predictor_file)),
        ]

    @cached_property
    def _predictor(self):
        # Loaded on first use (0.4 s for the 100 MB model): most pictures have no face to put landmarks on.
        return self._load_predictor(str(self._predictor_file))

    def find(self, rgb: np.ndarray) -> list[DetectedFace]:
        """Faces in ``rgb``; the answer for the last array object asked about is remembered, so that analysers
        sharing one decoded image (``Media.upright_pixels``) detect once. Callers must not modify the array."""
        with self._lock:
            last_image, last_faces = self._last
            if last_image() is rgb:
                return list(last_faces)
            faces = self._detect(rgb)
            self._last = (weakref.ref(rgb), faces)
            return list(faces)

    def _detect(self, rgb: np.ndarray) -> list[DetectedFace]:
        grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
        return [DetectedFace(box, score, self.landmarks(grey, box)) for box, score in self._boxes(grey)]

    def boxes(self, rgb: np.ndarray) -> list[tuple[tuple[int, int, int, int], float]]:
        """Face boxes (x0, y0, x1, y1) and detector scores, left to right, without landmarks: the HOG detector
        alone (Boost licence), for uses that must not depend on the 68-point model (the learned detector's
        training data)."""
        return self._boxes(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY))

    def _boxes(self, grey: np.ndarray) -> list[tuple[tuple[int, int, int, int], float]]:
        scale = min(1.0, DETECT_MAX_SIDE / max(grey.shape))
        small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
        upsample = 1 if max(small.shape) < UPSAMPLE_BELOW_SIDE else 0
        rectangles, scores, _ = self._detector.run(small, upsample, MIN_DETECTOR_SCORE)
        return [(tuple(int(round(v / scale)) for v in (r.left(), r.top(), r.right(), r.bottom())), float(score))
                for r, score in sorted(zip(rectangles, scores), key=lambda r: (r[0].left(), r[0].top()))]

    def landmarks(self, grey: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        """68 landmarks (x, y) fitted inside ``box`` of a greyscale image (how a face is followed between
        detections in a video: the box comes from the previous frame's landmarks)."""
        shape = self._predictor(grey, self._rectangle(*(int(v) for v in box)))
        return np.array([[shape.part(i).x, shape.part(i).y] for i in range(68)], dtype=np.float64)


_LOADING = threading.Lock()


def default_face_model() -> FaceModel:
    """The process-wide face model, loaded once even when analysers running side by side ask at the same time
    (two models would each detect the faces of the same picture)."""
    with _LOADING:
        return _process_face_model()


@lru_cache(maxsize=1)
def _process_face_model() -> FaceModel:
    return DlibFaces()


def not_analysable_reason(points: np.ndarray) -> str | None:
    """Why a face cannot be measured (too small, or turned so that one side of the boundary is hidden), or None."""
    width = face_width(points)
    if width < MIN_FACE_PX:
        return f"too small ({width:.0f} pixels across, below {MIN_FACE_PX})"
    nose = (points[30, 0] - points[0, 0]) / max(points[16, 0] - points[0, 0], 1e-6)
    if not FRONTAL_RANGE[0] <= nose <= FRONTAL_RANGE[1]:
        return "turned too far to one side (the nose tip is near one jaw end), so one side of the boundary is hidden"
    return None


def tight_crop_reason(shape: tuple[int, ...], box: tuple[int, int, int, int]) -> str | None:
    """Why a face cannot be measured against its surroundings because it fills the picture (a tight crop of a
    face, as fact-checkers often receive), or None. The face measures compare the face with what is around it,
    and were calibrated and checked on faces that have surroundings."""
    outside = crop_square(shape, box)[3]
    if outside > MAX_OUTSIDE_SHARE:
        return (f"fills the picture ({100 * outside:.0f} % of the area around it that the measures need lies outside "
                "the picture), as in a tight crop of a face")
    return None


def faces_in(media: Media) -> tuple[np.ndarray, FaceModel, list[DetectedFace]]:
    """The upright image, the face model and the faces in it (detected once per decoded image, shared by the
    analysers that look at faces); NotApplicable without pixels or without the model files."""
    if media.pixels is None:
        raise NotApplicable("the image's pixels could not be decoded")
    try:
        model = default_face_model()
    except ModelsMissing as error:
        raise NotApplicable(str(error)) from None
    image = media.upright_pixels
    return image, model, model.find(image)
