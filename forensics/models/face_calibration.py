"""The classical face-swap measures' calibration: the features measured per face and the logistic model fitted on
them (``forensics/data/face_model.json``, by ``python -m forensics.evaluation.train_face``), shared by the face
and video-face analysers and by the evaluation that fits the model."""

from __future__ import annotations

import numpy as np

from forensics.algorithms.face_boundary import FEATURE_NAMES, BoundaryMeasures, FaceRegions, boundary_measures
from forensics.algorithms.head_pose import generic_face_model, pose_disagreement
from forensics.data import read_table, shipped_file
from forensics.models import file_sha256
from forensics.results import TrainedComponent

MODEL_FILE = shipped_file("face_model.json")
BAND_FRACTION = 0.08  # the boundary band's width, as a share of the face width

BOUNDARY_REFERENCES = ("Li, Bao, Zhang, Yang, Chen, Wen & Guo, 'Face X-ray for more general face forgery detection', CVPR 2020; "
                       "Li & Lyu, 'Exposing DeepFake videos by detecting face warping artifacts', CVPR Workshops 2019; "
                       "Immerkær, 'Fast noise variance estimation', CVIU 64(2), 1996; Kazemi & Sullivan, 'One millisecond face "
                       "alignment with an ensemble of regression trees', CVPR 2014")

FACE_FEATURES = FEATURE_NAMES + ["head-pose disagreement (degrees)"]


def face_features(image: np.ndarray, points: np.ndarray, regions: FaceRegions,
                  layout: np.ndarray) -> tuple[BoundaryMeasures, float, list[float]]:
    """Boundary measures, head-pose disagreement and the calibrated model's input vector for one face."""
    measures = boundary_measures(image, regions)
    angle = pose_disagreement(points, generic_face_model(layout), image.shape[:2])
    return measures, angle, measures.features() + [angle if np.isfinite(angle) else 0.0]


def load_calibration() -> dict | None:
    return read_table(MODEL_FILE)


def calibration_component(calibration: dict) -> TrainedComponent:
    """The logistic face-swap calibration as a trained component (for the results' list of them)."""
    return TrainedComponent(
        "face-swap calibration (logistic regression)", "logistic regression over the boundary measures",
        f"{calibration['trained']}, with swaps generated from them", "Apache-2.0 (fitted by this project)",
        MODEL_FILE.name, file_sha256(MODEL_FILE))
