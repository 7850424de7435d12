"""Lighting: the light on each face against its forehead, directions per face, and illuminant colour.

The photo is scikit-image's bundled portrait of astronaut Eileen Collins (NASA, public domain), loaded from
the installed package; known-truth cases relight its inner face with a left-to-right ramp in code.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from forensics.algorithms.face_boundary import HULL_POINTS
from forensics.analysers import AnalysisContext, run_analysers
from forensics.analysers.face import FaceAnalyser
from forensics.analysers.lighting import LightingAnalyser, face_lights, load_reference
from forensics.media import load_media
from forensics.models import faces as face_models
from forensics.models.faces import default_face_model
from forensics.results import Status, Strength

skimage_data = pytest.importorskip("skimage.data")
CONTEXT = AnalysisContext("E001", "face.png")
FOREHEAD = "lighting.forehead.1"


@pytest.fixture(scope="module")
def astronaut():
    pixels = skimage_data.astronaut()
    return pixels, default_face_model().find(pixels)[0].points


def relit(pixels: np.ndarray, points: np.ndarray, gain: float) -> np.ndarray:
    """The inner face (jaw-and-brow hull, soft edge) multiplied by a ramp from 1 - gain at the left jaw end to
    1 + gain at the right: the face now looks lit from the right; the forehead keeps its light."""
    mask = np.zeros(pixels.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, np.round(cv2.convexHull(points[HULL_POINTS].astype(np.float32))).astype(np.int32), 255)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), 3)[..., None]
    columns = np.arange(pixels.shape[1], dtype=np.float32)
    ramp = np.clip(1 - gain + 2 * gain * (columns - points[0, 0]) / (points[16, 0] - points[0, 0]), 1 - gain, 1 + gain)
    return np.clip(pixels * (1 - alpha) + pixels * ramp[None, :, None] * alpha, 0, 255).astype(np.uint8)


def findings(pixels: np.ndarray, tmp_path) -> dict:
    path = tmp_path / "face.png"
    Image.fromarray(pixels).save(path)
    return {f.key: f for f in LightingAnalyser().analyse(load_media(path), CONTEXT).findings}


def value(finding, name):
    return next(m.value for m in finding.measurements if m.name == name)


def test_an_untouched_face_agrees_with_its_forehead_and_is_not_flagged(astronaut, tmp_path):
    result = findings(astronaut[0], tmp_path)
    assert set(result) == {FOREHEAD, "lighting.directions", "lighting.illuminant_colour"}
    forehead = result[FOREHEAD]
    assert forehead.strength is Strength.NONE
    assert value(forehead, "difference in standard errors") < load_reference()["levels"][-1][0]
    assert "within what untouched faces show" in forehead.explanation
    # One face: directions are measured, never compared, never scored.
    direction = result["lighting.directions"]
    assert direction.strength is Strength.NONE and "Fewer than two faces" in direction.explanation
    assert len(direction.figures) == 2 and len(forehead.figures) == 1


@pytest.mark.parametrize("gain", [0.2, 0.4, 0.7])
def test_the_disagreement_grows_with_the_light_added_to_one_side_of_the_inner_face(astronaut, gain):
    pixels, points = astronaut
    before = face_lights(pixels, default_face_model().find(pixels))[0]
    after_pixels = relit(pixels, points, gain)
    after = face_lights(after_pixels, default_face_model().find(after_pixels))[0]
    # The ramp brightens the right: the inner face's horizontal shading moves right, the forehead's stays.
    assert after.inner_face.horizontal_shading > before.inner_face.horizontal_shading + gain / 4
    assert after.forehead.horizontal_shading == pytest.approx(before.forehead.horizontal_shading, abs=0.05)
    assert after.forehead_disagreement > before.forehead_disagreement


def test_a_face_strongly_relit_from_one_side_is_flagged_and_the_side_is_named(astronaut, tmp_path):
    result = findings(relit(*astronaut, gain=0.7), tmp_path)[FOREHEAD]
    assert result.strength.rank >= Strength.WEAK.rank
    assert "lit relatively more from the right than its forehead" in result.explanation
    assert 0 < result.score <= 1


def test_the_measures_are_the_same_on_a_second_run(astronaut, tmp_path):
    first, second = findings(astronaut[0], tmp_path), findings(astronaut[0], tmp_path)
    assert [f.measurements for f in first.values()] == [f.measurements for f in second.values()]


def test_an_image_without_a_face_is_not_applicable(tmp_path):
    path = tmp_path / "plain.png"
    Image.fromarray(np.full((200, 300, 3), 120, np.uint8)).save(path)
    result = run_analysers(load_media(path), CONTEXT, [LightingAnalyser])[0]
    assert result.status is Status.NOT_APPLICABLE
    assert "no face" in result.reason


def test_the_face_and_lighting_analysers_share_one_detection(astronaut, tmp_path, monkeypatch):
    path = tmp_path / "face.png"
    Image.fromarray(astronaut[0]).save(path)
    calls = []
    original = face_models.DlibFaces._detect
    monkeypatch.setattr(face_models.DlibFaces, "_detect", lambda self, rgb: calls.append(1) or original(self, rgb))
    results = run_analysers(load_media(path), CONTEXT, [FaceAnalyser, LightingAnalyser])
    assert [r.status for r in results] == [Status.RAN, Status.RAN]
    assert len(calls) == 1


def test_a_face_under_a_warmer_light_than_the_rest_of_the_picture_shows_a_larger_colour_angle(astronaut, tmp_path):
    pixels, points = astronaut
    name = "face 1 against the rest of the picture (grey-edge)"
    before = value(findings(pixels, tmp_path)["lighting.illuminant_colour"], name)
    warmer = pixels.astype(np.float32)
    x0, y0 = points.min(axis=0).astype(int) - 10
    x1, y1 = points.max(axis=0).astype(int) + 10
    warmer[y0:y1, x0:x1] *= np.array([1.0, 0.8, 0.6], np.float32)  # the face's box under an orange light
    after = value(findings(warmer.astype(np.uint8), tmp_path)["lighting.illuminant_colour"], name)
    assert after > before + 5
