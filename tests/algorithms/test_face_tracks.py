"""Linking faces over time and the temporal measures, on geometry with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from forensics.algorithms.face_tracks import (
    box_iou,
    count_blinks,
    eye_aspect_ratio,
    interocular,
    landmark_jitter,
    link_boxes,
    rolling_median,
    similarity_residual,
)


def test_box_overlap():
    assert box_iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert box_iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)
    assert box_iou((0, 0, 10, 10), (20, 20, 30, 30)) == 0.0


def test_links_go_to_the_best_overlap_one_to_one():
    previous = [(0, 0, 10, 10), (100, 0, 110, 10)]
    current = [(102, 1, 112, 11), (1, 0, 11, 10), (300, 300, 310, 310)]
    assert link_boxes(previous, current, 0.3) == {0: 1, 1: 0}


def face_points(eye_open: float = 0.3) -> np.ndarray:
    """68 points where only the eyes matter: each eye 30 px wide, lids ``eye_open`` x 30 px apart."""
    points = np.zeros((68, 2))
    for start, centre_x in ((36, 100.0), (42, 160.0)):
        half_height = eye_open * 30 / 2
        points[start:start + 6] = [[centre_x - 15, 100], [centre_x - 5, 100 - half_height], [centre_x + 5, 100 - half_height],
                                   [centre_x + 15, 100], [centre_x + 5, 100 + half_height], [centre_x - 5, 100 + half_height]]
    rng = np.random.default_rng(0)
    points[:36] = rng.uniform(60, 200, (36, 2))
    points[48:] = rng.uniform(60, 200, (20, 2))
    return points


def test_eye_aspect_ratio_is_lid_distance_over_eye_width():
    assert eye_aspect_ratio(face_points(0.3)) == pytest.approx(0.3)
    assert eye_aspect_ratio(face_points(0.05)) == pytest.approx(0.05)
    assert interocular(face_points()) == pytest.approx(60)


def test_head_motion_is_not_jitter_but_trembling_landmarks_are():
    points = face_points()
    angle = np.radians(12)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = 1.3 * points @ rotation.T + [40, -25]
    assert similarity_residual(points, moved) == pytest.approx(0, abs=1e-9)
    assert landmark_jitter(points, moved) == pytest.approx(0, abs=1e-9)
    shaken = points.copy()
    shaken[0, 0] += 68 * 2.0  # one point off by 2 px RMS over 68 points: sqrt(136**2 / 68) = 16.5 px
    assert similarity_residual(points, shaken) == pytest.approx(np.sqrt(136**2 / 68), rel=0.1)


def test_blinks_need_the_eye_to_close_and_open_again():
    open_, closed = 0.3, 0.1
    series = np.array([open_, open_, closed, closed, open_, open_, 0.21, 0.19, 0.22, closed, np.nan, open_, closed])
    assert count_blinks(series) == 2  # the dip to 0.19 reopens only to 0.22: one closure with the next dip


def test_rolling_median_of_a_step():
    values = np.array([0.1] * 10 + [0.9] * 10)
    medians = rolling_median(values, 5)
    assert len(medians) == 16
    assert medians.min() == 0.1 and medians.max() == 0.9
    assert rolling_median(np.array([0.2, 0.4]), 5).tolist() == [pytest.approx(0.3)]
