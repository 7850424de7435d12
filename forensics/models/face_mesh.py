"""468 face-surface landmarks (MediaPipe Face Mesh) through OpenCV's ``cv2.dnn``, from a file shipped with us.

The model is MediaPipe's ``face_landmark.tflite`` (Kartynnik, Ablavatski, Grishchenko & Grundmann, "Real-time
facial surface geometry from monocular video on mobile GPUs", CVPR Workshops 2019), Apache-2.0, copied byte
for byte from the ``mediapipe`` 0.10.21 wheel on PyPI (``mediapipe/modules/face_landmark/face_landmark.tflite``;
its licence is ``forensics/data/models/LICENSE-mediapipe.txt``). We do not depend on the ``mediapipe``
package itself (its requirements conflict with numpy 2 and install a second OpenCV); OpenCV reads the file.

The network looks at a 192 x 192 crop around a face, scaled so that the face box covers two thirds of it
(``ROI_SCALE`` 1.5) and turned so that the eyes are level, and returns 468 points (x, y in crop pixels; z a
relative depth in the same units) and a face-presence logit. ``MeshLandmarks.fit`` crops from a face box
(our HOG detector's), fits once, levels the eyes from that first fit and fits again, and maps the points back
to image pixels. Unlike the 68-point model of the ``face`` analyser, this one may be used commercially.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from forensics.data import shipped_file
from forensics.models import file_sha256

MODEL_FILE = shipped_file("models/face_landmark.tflite")
MESH_INPUT_PX = 192
ROI_SCALE = 1.5  # the crop is this many times the face's extent, as in MediaPipe's own face-mesh graph
# The outline of the face in the mesh (forehead near the hairline, temples, jaw, chin), clockwise from the
# top of the forehead: MediaPipe's FACEMESH_FACE_OVAL connection set, as an ordered ring of point indices.
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
# Outer corners of the eyes as they appear in the image: left (the subject's right eye) and right.
EYE_CORNERS = (33, 263)
# Points on the brows; the part of the face oval above them is forehead.
BROW_POINTS = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)
MIN_PRESENCE = 0.5  # the network's own face-presence probability below which the fit is not trusted


@dataclass(frozen=True)
class FaceMesh:
    points: np.ndarray  # (468, 3) float32: x, y in image pixels; z relative depth in pixels (smaller = nearer)
    presence: float  # the network's probability that the crop held a face

    @property
    def oval(self) -> np.ndarray:
        """The face outline (36 points, x and y) as a closed ring."""
        return self.points[list(FACE_OVAL), :2]

    @property
    def roll_degrees(self) -> float:
        left, right = self.points[list(EYE_CORNERS), :2]
        return float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))


def roi_transform(centre: tuple[float, float], side_px: float, roll_degrees: float, output_px: int) -> np.ndarray:
    """The 2x3 affine map from image pixels to an ``output_px`` square crop of side ``side_px`` around
    ``centre``, turned by ``roll_degrees`` so that a line at that angle in the image becomes level."""
    scale = output_px / side_px
    matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), float(roll_degrees), scale)
    matrix[:, 2] += np.array([output_px / 2.0, output_px / 2.0]) - np.array(centre, dtype=np.float64)
    return matrix


class MeshLandmarks:
    """The face-mesh network, loaded once (``default_mesh_model``); not safe to share between threads."""

    def __init__(self, model_file: Path = MODEL_FILE) -> None:
        self._net = cv2.dnn.readNetFromTFLite(str(model_file))
        self._outputs = self._net.getUnconnectedOutLayersNames()
        self.file = model_file
        self.sha256 = file_sha256(model_file)

    def _fit_crop(self, rgb: np.ndarray, matrix: np.ndarray) -> tuple[np.ndarray, float]:
        crop = cv2.warpAffine(rgb, matrix, (MESH_INPUT_PX, MESH_INPUT_PX), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT)
        self._net.setInput(crop.astype(np.float32).transpose(2, 0, 1)[None] / 255.0)
        outputs = dict(zip(self._outputs, self._net.forward(self._outputs)))
        logit = next(float(v.ravel()[0]) for v in outputs.values() if v.size == 1)
        crop_points = next(v for v in outputs.values() if v.size == 468 * 3).reshape(468, 3).astype(np.float64)
        inverse = cv2.invertAffineTransform(matrix)
        xy = crop_points[:, :2] @ inverse[:, :2].T + inverse[:, 2]
        z = crop_points[:, 2] / (matrix[0, 0] ** 2 + matrix[0, 1] ** 2) ** 0.5
        return np.column_stack([xy, z]).astype(np.float32), float(1.0 / (1.0 + np.exp(-logit)))

    def fit(self, rgb: np.ndarray, box: tuple[int, int, int, int]) -> FaceMesh:
        """The mesh of the face in ``box`` (x0, y0, x1, y1 pixels) of an RGB uint8 image."""
        x0, y0, x1, y1 = box
        centre = ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
        first, _ = self._fit_crop(rgb, roi_transform(centre, ROI_SCALE * max(x1 - x0, y1 - y0), 0.0, MESH_INPUT_PX))
        roll = FaceMesh(first, 1.0).roll_degrees
        # Second pass on the crop MediaPipe itself would use: around the first fit, eyes level.
        low, high = first[:, :2].min(axis=0), first[:, :2].max(axis=0)
        rotation = cv2.getRotationMatrix2D((0.0, 0.0), roll, 1.0)[:, :2]
        levelled = (first[:, :2] - (low + high) / 2) @ rotation.T
        side = ROI_SCALE * float(np.max(levelled.max(axis=0) - levelled.min(axis=0)))
        points, presence = self._fit_crop(rgb, roi_transform(tuple((low + high) / 2), side, roll, MESH_INPUT_PX))
        return FaceMesh(points, presence)


@lru_cache(maxsize=1)
def default_mesh_model() -> MeshLandmarks:
    return MeshLandmarks()
