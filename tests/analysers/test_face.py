"""Faces: found with their landmarks, measured at the blending boundary, and a pasted face told apart.

The photo is scikit-image's bundled portrait of astronaut Eileen Collins (NASA, public domain), loaded from
the installed package rather than copied here.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from forensics.algorithms.face_boundary import boundary_measures, face_regions, face_width, immerkaer_noise
from forensics.analysers import AnalysisContext
from forensics.analysers.face import FaceAnalyser
from forensics.evaluation.face_swap import self_swap, swap_face
from forensics.media import load_media
from forensics.models.faces import default_face_model

skimage_data = pytest.importorskip("skimage.data")
CONTEXT = AnalysisContext("E001", "face.jpg")


@pytest.fixture(scope="module")
def astronaut():
    pixels = skimage_data.astronaut()
    faces = default_face_model().find(pixels)
    assert len(faces) == 1
    return pixels, faces[0]


def analysed(pixels: np.ndarray, tmp_path, orientation: int | None = None) -> dict:
    path = tmp_path / "face.jpg"
    image = Image.fromarray(pixels)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(path, "JPEG", quality=95, exif=exif)
    return {f.key: f for f in FaceAnalyser().analyse(load_media(path), CONTEXT).findings}


def test_the_face_and_its_landmarks_are_where_the_eyes_nose_and_mouth_are(astronaut):
    pixels, face = astronaut
    points = face.points
    left_eye, right_eye = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    assert left_eye[1] == pytest.approx(right_eye[1], abs=8)  # an upright face: eyes level
    assert left_eye[1] < points[30, 1] < points[62, 1] < points[8, 1]  # eyes above nose tip above mouth above chin
    assert 70 < face_width(points) < 120


def test_immerkaer_estimates_known_noise_on_a_flat_image():
    rng = np.random.default_rng(0)
    grey = (128 + rng.normal(0, 5.0, (200, 200))).astype(np.float32)
    assert immerkaer_noise(grey, np.ones_like(grey, bool)) == pytest.approx(5.0, rel=0.05)


def test_an_untouched_face_agrees_with_its_surroundings_and_a_resolution_swap_does_not(astronaut):
    pixels, face = astronaut
    regions = face_regions(pixels.shape[:2], face.points)
    untouched = boundary_measures(pixels, regions)
    swapped = boundary_measures(self_swap(pixels, face.points, generator_px=48).image, regions)
    assert abs(untouched.log_detail_ratio) < 0.3 and abs(untouched.log_noise_ratio) < 0.4
    assert swapped.log_detail_ratio < untouched.log_detail_ratio - 0.3
    assert swapped.noise_inside < untouched.noise_inside / 1.5


def test_noise_along_the_boundary_drops_inside_all_around_a_smoothed_face(astronaut):
    from forensics.algorithms.face_boundary import sector_noise_profile

    pixels, face = astronaut
    regions = face_regions(pixels.shape[:2], face.points)
    inside, outside = sector_noise_profile(pixels, regions)
    swapped_inside, swapped_outside = sector_noise_profile(self_swap(pixels, face.points, generator_px=48).image, regions)
    measured = ~np.isnan(inside)
    assert measured.sum() >= 8  # the astronaut's face is whole: most sectors have both sides
    assert (swapped_inside[measured] < 0.95 * inside[measured]).all()  # every sector loses noise inside
    # Outside, only the feather's tail reaches: the surroundings keep their noise.
    assert np.allclose(swapped_outside[measured], outside[measured], rtol=0.15)


def test_swap_generator_keeps_the_mask_as_ground_truth(astronaut):
    pixels, face = astronaut
    donor = np.ascontiguousarray(pixels[:, ::-1])  # a mirrored copy: another face at another place
    donor_face = default_face_model().find(donor)[0]
    for blend in ("feather", "poisson"):
        swap = swap_face(pixels, face.points, donor, donor_face.points, blend)
        changed = np.abs(swap.image.astype(int) - pixels.astype(int)).max(axis=2) > 2
        assert swap.mask.max() == pytest.approx(1.0)
        # Poisson blending may touch a pixel or two beyond its mask while it solves at the edge.
        beyond = cv2.dilate((swap.mask > 0).astype(np.uint8), np.ones((7, 7), np.uint8)) == 0
        assert changed[beyond].mean() < 0.001 and changed[swap.mask > 0.5].mean() > 0.3


def test_the_analyser_reports_models_with_their_licence_and_rates_the_untouched_face_below_moderate(astronaut, tmp_path):
    pixels, _ = astronaut
    findings = analysed(pixels, tmp_path)
    overview = findings["face.faces"]
    models = {m.name: m.note for m in overview.measurements if m.name.startswith("model")}
    assert any("no commercial use" in note and "SHA-256" in note for note in models.values())
    face = findings["face.boundary.1"]
    assert face.strength.rank < 2 and len(face.figures) == 3


@pytest.mark.parametrize("key", ["face.boundary.1", "face.blend.1"])  # the boundary measures and the learned detector
def test_a_pasted_low_resolution_face_is_rated_at_least_moderate(astronaut, tmp_path, key):
    pixels, face = astronaut
    swapped = self_swap(pixels, face.points, generator_px=48).image
    finding = analysed(swapped, tmp_path)[key]
    assert finding.strength.rank >= 2, [(m.name, m.value) for m in finding.measurements]


def test_faces_are_found_in_rotated_files_through_their_exif_orientation(astronaut, tmp_path):
    pixels, _ = astronaut
    stored = np.ascontiguousarray(np.rot90(pixels, k=1))  # stored turned a quarter left; tag 6 turns it back
    findings = analysed(stored, tmp_path, orientation=6)
    assert {m.name: m.value for m in findings["face.faces"].measurements}["faces"] == 1


def test_small_faces_are_not_analysable_rather_than_guessed(astronaut, tmp_path):
    pixels, _ = astronaut
    small = cv2.resize(pixels, (256, 256), interpolation=cv2.INTER_AREA)  # the face becomes 47 px wide
    face = analysed(small, tmp_path)["face.boundary.1"]
    assert face.explanation.startswith("Not analysable: the face is too small") and face.strength.value == "none"


def test_a_face_turned_to_one_side_is_not_analysable(astronaut):
    from forensics.analysers.face import _face_finding
    from forensics.models.face_calibration import load_calibration
    from forensics.models.faces import DetectedFace

    pixels, face = astronaut
    points = face.points.copy()
    points[27:36, 0] = points[0, 0] + 0.1 * (points[16, 0] - points[0, 0])  # nose next to one jaw end: a profile
    finding = _face_finding(1, DetectedFace(face.box, face.detector_score, points), pixels, load_calibration())
    assert "turned too far to one side" in finding.explanation and finding.strength.value == "none"


def test_the_learned_detector_scores_each_face_and_is_named_with_its_hash_and_licence(astronaut, tmp_path):
    from forensics.models.face_blend import blend_detector

    pixels, _ = astronaut
    path = tmp_path / "face.jpg"
    Image.fromarray(pixels).save(path, "JPEG", quality=95)
    output = FaceAnalyser().analyse(load_media(path), CONTEXT)
    blend = {f.key: f for f in output.findings}["face.blend.1"]
    assert blend.proposition.value == "content" and blend.strength.rank < 2
    assert "boundary" in blend.figures[0].title
    detector = blend_detector()
    component = next(c for c in output.trained_components if c.sha256 == detector.sha256)
    assert "self-blended" in component.trained_on and "research use" in component.licence
    assert any("iBUG 300-W" in c.trained_on for c in output.trained_components)


def test_a_face_that_fills_the_picture_is_declined_by_the_classical_measure_and_scored_by_the_detector(
        astronaut, tmp_path):
    pixels, face = astronaut
    x0, y0, x1, y1 = face.box
    crop = np.ascontiguousarray(pixels[y0 - 9:y1 + 9, x0 - 9:x1 + 9])  # a tight crop: the face and 10 % around it
    findings = analysed(cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), tmp_path)
    boundary, blend = findings["face.boundary.1"], findings["face.blend.1"]
    assert boundary.strength.value == "none" and "fills the picture" in boundary.explanation
    # The learned detector trained on such crops: it measures, says so, and stays low on this untouched face.
    assert blend.figures and blend.strength.rank < 2
    assert any("fills the picture" in limitation for limitation in blend.limitations)


def test_a_face_almost_entirely_outside_the_picture_is_not_scored_by_the_detector(astronaut):
    from dataclasses import replace

    from forensics.analysers.face import _blend_finding
    from forensics.models.face_blend import LEARNED_MAX_OUTSIDE_SHARE, blend_detector, blend_levels

    pixels, face = astronaut
    x0, y0, x1, y1 = face.box
    corner = replace(face, box=(-(x1 - x0) // 2, -(y1 - y0) // 2, (x1 - x0) // 2, (y1 - y0) // 2))  # 3/4 outside
    detector = blend_detector()
    finding = _blend_finding(1, corner, pixels, detector, blend_levels(detector))
    share = next(m.value for m in finding.measurements if m.name == "share of the crop outside the picture")
    assert share > LEARNED_MAX_OUTSIDE_SHARE
    assert finding.strength.value == "none" and finding.score == 0 and "outside the picture" in finding.explanation


def test_levels_calibrated_for_another_detector_are_not_applied(astronaut, tmp_path, monkeypatch):
    import json

    from forensics.models import face_blend

    levels = tmp_path / "levels.json"
    levels.write_text(json.dumps({"detector_sha256": "0" * 64, "levels": [[0.0, "strong"]],
                                  "calibrated_on": "x", "untouched_below_weak": "95 %"}))
    monkeypatch.setattr(face_blend, "BLEND_LEVELS_FILE", levels)
    finding = analysed(astronaut[0], tmp_path)["face.blend.1"]
    assert finding.strength.value == "none" and "no calibrated levels" in finding.explanation


def test_levels_read_weakest_first_in_words():
    from forensics.models.face_blend import levels_in_words

    assert levels_in_words([[0.993, "strong"], [0.939, "moderate"], [0.52, "weak"]]) == \
        "weak from 0.52; moderate from 0.939; strong from 0.993"
