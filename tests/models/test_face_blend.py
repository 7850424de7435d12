"""How the learned detector frames a face: the crop geometry shared by training, calibration and analysers."""

from __future__ import annotations

import numpy as np
import pytest

from forensics.models.face_blend import crop_square, face_crop


def test_a_face_in_the_middle_is_framed_whole_and_centred():
    left, top, side, outside = crop_square((400, 400), (150, 150, 250, 250))
    assert (left, top, side, outside) == (125, 125, 150, 0.0)


def test_a_face_at_the_corner_has_its_missing_share_counted_and_painted_black():
    image = np.full((100, 100, 3), 200, np.uint8)
    left, top, side, outside = crop_square(image.shape, (0, 0, 40, 40))
    assert (left, top, side) == (-10, -10, 60)
    assert outside == pytest.approx(1 - 50 * 50 / 60 ** 2)
    crop = face_crop(image, (0, 0, 40, 40), size=60)
    assert crop.outside_share == pytest.approx(outside)
    assert (crop.pixels[:10, :10] == 0).all() and (crop.pixels[20:, 20:] == 200).all()


def test_large_faces_are_reduced_by_area_averaging_so_fine_stripes_become_grey():
    stripes = np.zeros((1000, 1000, 3), np.uint8)
    stripes[:, ::2] = 255
    crop = face_crop(stripes, (300, 300, 700, 700), size=100).pixels
    assert np.abs(crop.astype(float) - 127.5).max() < 3


def test_the_shipped_detector_matches_its_model_card_and_its_levels():
    import hashlib
    import json

    from forensics.models.face_blend import BLEND_LEVELS_FILE, CARD_FILE, MODEL_FILE

    digest = hashlib.sha256(MODEL_FILE.read_bytes()).hexdigest()
    card = json.loads(CARD_FILE.read_text())
    assert card["sha256"] == digest and card["bytes"] == MODEL_FILE.stat().st_size <= 20_000_000
    assert card["cv2_dnn_agreement"]["largest_difference"] < 1e-3
    assert all(source["licence"] and source["origin"] and source["listing_sha256"] for source in card["training_data"])
    assert "research use" in card["weights_licence"]
    levels = json.loads(BLEND_LEVELS_FILE.read_text())
    assert levels["detector_sha256"] == digest
    thresholds = [threshold for threshold, _ in levels["levels"]]
    assert thresholds == sorted(thresholds, reverse=True) and [level for _, level in levels["levels"]] == [
        "strong", "moderate", "weak"]


def test_the_detector_runs_on_a_batch_of_crops_and_maps_every_cell():
    from forensics.models.face_blend import INPUT_PX, default_blend_detector

    crops = [np.full((INPUT_PX, INPUT_PX, 3), value, np.uint8) for value in (0, 128, 255)]
    probabilities, maps = default_blend_detector().score_crops(crops)
    assert probabilities.shape == (3,) and ((0 <= probabilities) & (probabilities <= 1)).all()
    assert maps.shape == (3, INPUT_PX // 16, INPUT_PX // 16) and ((0 <= maps) & (maps <= 1)).all()
