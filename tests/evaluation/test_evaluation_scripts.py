"""Evaluation scripts: the MISD localisation scoring, and every script saying so when the corpus is absent."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from forensics.evaluation.splicing_compression import block_mask_to_pixels, main, truth_mask


def test_a_block_map_on_an_offset_grid_lands_on_the_offset_pixels():
    blocks = np.zeros((3, 4), bool)
    blocks[1, 2] = True
    pixels = block_mask_to_pixels(blocks, (30, 40), offset=(5, 3))
    rows, columns = np.nonzero(pixels)
    assert (rows.min(), rows.max(), columns.min(), columns.max()) == (3 + 8, 3 + 15, 5 + 16, 5 + 23)


def test_masks_of_several_objects_are_united_and_resized_to_the_image(tmp_path):
    for index, box in enumerate([(0, 0, 10, 10), (30, 30, 40, 40)]):
        mask = np.zeros((40, 40), np.uint8)
        mask[box[1]:box[3], box[0]:box[2]] = 255
        Image.fromarray(mask).save(tmp_path / f"m{index}.png")
    union = truth_mask(tmp_path, "m0.png;m1.png", (20, 20))  # stored at twice the image size
    assert union.sum() == 2 * 25 and union[0, 0] and union[19, 19] and not union[10, 10]


def test_without_the_corpus_it_says_so_and_succeeds(tmp_path, capsys):
    assert main(["--corpus", str(tmp_path)]) == 0
    assert "MISD not found" in capsys.readouterr().out


def test_face_checks_and_training_without_the_corpus_say_so(tmp_path, capsys):
    from forensics.evaluation import (
        calibrate_cfa,
        calibrate_lighting,
        calibrate_missing_grid,
        calibrate_video,
        face_checks,
        train_face,
    )

    assert face_checks.main(["--corpus", str(tmp_path)]) == 0
    assert train_face.main(["--corpus", str(tmp_path)]) == 0
    assert calibrate_lighting.main(["--corpus", str(tmp_path)]) == 0
    assert calibrate_cfa.main(["--corpus", str(tmp_path)]) == 0
    assert calibrate_missing_grid.main(["--corpus", str(tmp_path)]) == 0
    references = [p.stat().st_mtime_ns for p in (calibrate_video.ENCODING_REFERENCE, calibrate_video.FACES_REFERENCE)]
    assert calibrate_video.main(["--corpus", str(tmp_path)]) == 0
    assert [p.stat().st_mtime_ns for p in (calibrate_video.ENCODING_REFERENCE, calibrate_video.FACES_REFERENCE)] == references
    output = capsys.readouterr().out
    assert "not found" in output and "nothing to train" in output and "nothing to calibrate" in output


def test_the_blend_edge_distance_is_measured_from_the_analysed_boundary():
    from forensics.evaluation.face_checks import edge_distances

    # A 40-px square blend mask (pixels 30..69) and an analysed boundary along the lines x, y = 24.5 and 74.5:
    # the mask's outermost pixel centres are 5.5 px from it.
    mask = np.zeros((100, 100), np.float32)
    mask[30:70, 30:70] = 1.0
    rows, columns = np.indices((100, 100))
    # Signed distance to the square 25..75 (Chebyshev, positive inside), standing in for the hull's distance field.
    distance = 25.0 - np.maximum(np.abs(rows - 49.5), np.abs(columns - 49.5))
    distances = edge_distances(mask, distance, (0, 0, 100, 100))
    assert len(distances) == 4 * 39
    np.testing.assert_allclose(distances, 5.5)


def test_a_mirrored_face_is_flipped_about_its_nose_bridge_inside_its_hull_only():
    from forensics.evaluation.cases_lighting import mirror_face

    # A horizontal ramp image and a square "face" whose hull spans columns 60-140, nose bridge at column 100.
    ramp = np.tile(np.arange(200, dtype=np.uint8)[None, :, None], (200, 1, 3))
    points = np.zeros((68, 2))
    points[0:17] = np.column_stack([np.linspace(60, 140, 17), np.full(17, 140.0)])
    points[17:27] = np.column_stack([np.linspace(60, 140, 10), np.full(10, 60.0)])
    points[27] = [100, 80]
    mirrored = mirror_face(ramp, points).astype(int)
    assert mirrored[100, 80, 0] == pytest.approx(120, abs=2)  # deep inside: column 80 shows column 120
    assert mirrored[100, 120, 0] == pytest.approx(80, abs=2)
    np.testing.assert_array_equal(mirrored[:, :30], ramp[:, :30])  # far outside: untouched


def test_an_earlier_compression_is_coarser_when_its_nearest_ijg_quality_is_below_the_resave():
    from forensics.algorithms.jpeg_quality import ANNEX_K_LUMINANCE, ijg_table
    from forensics.evaluation.coarser_first import earlier_is_coarser

    assert earlier_is_coarser(ijg_table(ANNEX_K_LUMINANCE, 80), 95)[:2] == (True, 80)
    assert earlier_is_coarser(ijg_table(ANNEX_K_LUMINANCE, 95), 95)[:2] == (False, 95)
    camera_like = ijg_table(ANNEX_K_LUMINANCE, 90).astype(int) + np.eye(8, dtype=int)  # not an IJG table
    coarser, nearest, rms = earlier_is_coarser(camera_like, 95)
    assert coarser and nearest in (89, 90, 91) and rms > 0


def test_the_coarser_first_count_without_the_corpus_says_so(tmp_path, capsys):
    from forensics.evaluation.coarser_first import main as coarser_first

    assert coarser_first(["--corpus", str(tmp_path), "--cache", str(tmp_path / "cache")]) == 0
    assert "corpus not found" in capsys.readouterr().out
