"""The 468-point face mesh (MediaPipe's model through cv2.dnn) on the public-domain astronaut portrait."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from forensics.models.face_mesh import FACE_OVAL, default_mesh_model, roi_transform
from forensics.models.faces import default_face_model

skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def portrait():
    pixels = skimage_data.astronaut()
    (box, _), = default_face_model().boxes(pixels)
    return pixels, box


def test_roi_transform_maps_the_centre_to_the_middle_and_levels_a_tilted_line():
    matrix = roi_transform((100.0, 50.0), 40.0, 30.0, 192)
    assert matrix @ [100, 50, 1] == pytest.approx([96, 96])
    tilted = np.array([[100 + np.cos(np.radians(30)) * 10, 50 + np.sin(np.radians(30)) * 10, 1.0]])
    moved = tilted @ matrix.T
    assert moved[0, 1] == pytest.approx(96, abs=1e-6)  # the line at 30 degrees ends level with the centre


def test_the_mesh_outlines_the_face_around_the_dlib_landmarks(portrait):
    pixels, box = portrait
    mesh = default_mesh_model().fit(pixels, box)
    assert mesh.presence > 0.9
    assert abs(mesh.roll_degrees) < 8
    landmarks = default_face_model().find(pixels)[0].points
    oval = mesh.oval.astype(np.float32)
    inner = landmarks[17:68]  # brows, nose, eyes, mouth: all inside the face outline
    assert all(cv2.pointPolygonTest(oval, (float(x), float(y)), False) >= 0 for x, y in inner)
    chin_gap = np.linalg.norm(mesh.points[152, :2] - landmarks[8])  # both models' chin point
    assert chin_gap < 0.1 * (box[2] - box[0])


def test_a_turned_portrait_gives_the_turned_mesh(portrait):
    pixels, _ = portrait
    turned = cv2.warpAffine(pixels, cv2.getRotationMatrix2D((256, 256), 20, 1.0), (512, 512))
    (box, _), = default_face_model().boxes(turned)
    mesh = default_mesh_model().fit(turned, box)
    upright = default_mesh_model().fit(pixels, default_face_model().boxes(pixels)[0][0])
    assert mesh.roll_degrees - upright.roll_degrees == pytest.approx(-20, abs=3)
    assert len(FACE_OVAL) == 36
