"""Head-pose disagreement on faces projected from the generic model with known rotations."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from forensics.algorithms.head_pose import CENTRAL, generic_face_model, mean_layout, pose_disagreement

# A plausible frontal layout (inter-ocular units): jaw arc, brows, nose, eyes, mouth.
_angles = np.linspace(-np.pi / 2, np.pi / 2, 17)
LAYOUT = np.vstack([
    np.column_stack([1.0 * np.sin(_angles), 0.2 + 1.1 * np.cos(_angles) * 0.9]),  # jaw 0-16
    np.column_stack([np.linspace(-0.85, -0.15, 5), -0.35 - 0.05 * np.sin(np.linspace(0, np.pi, 5))]),  # brow
    np.column_stack([np.linspace(0.15, 0.85, 5), -0.35 - 0.05 * np.sin(np.linspace(0, np.pi, 5))]),  # brow
    np.column_stack([np.zeros(4), np.linspace(0.0, 0.45, 4)]),  # nose bridge 27-30
    np.column_stack([np.linspace(-0.2, 0.2, 5), np.full(5, 0.55)]),  # nostrils 31-35
    np.column_stack([-0.5 + 0.25 * np.cos(np.linspace(0, 2 * np.pi, 7)[:-1]), -0.05 * np.sin(np.linspace(0, 2 * np.pi, 7)[:-1])]),
    np.column_stack([0.5 + 0.25 * np.cos(np.linspace(0, 2 * np.pi, 7)[:-1]), -0.05 * np.sin(np.linspace(0, 2 * np.pi, 7)[:-1])]),
    np.column_stack([0.4 * np.cos(np.linspace(0, 2 * np.pi, 13)[:-1]), 0.85 + 0.12 * np.sin(np.linspace(0, 2 * np.pi, 13)[:-1])]),
    np.column_stack([0.3 * np.cos(np.linspace(0, 2 * np.pi, 9)[:-1]), 0.85 + 0.05 * np.sin(np.linspace(0, 2 * np.pi, 9)[:-1])]),
])
SIZE = (800, 800)


def project(model: np.ndarray, yaw_degrees: float, pitch_degrees: float = 0.0) -> np.ndarray:
    rotation, _ = cv2.Rodrigues(np.radians([pitch_degrees, yaw_degrees, 0.0]))
    camera = np.array([[800.0, 0, 400], [0, 800.0, 400], [0, 0, 1]])
    points, _ = cv2.projectPoints(model * 100, rotation, np.array([0.0, 0.0, 1500.0]), camera, None)
    return points.reshape(-1, 2)


@pytest.mark.parametrize("yaw, pitch", [(0, 0), (20, 0), (-25, 10)])
def test_a_rigid_face_gives_no_disagreement(yaw, pitch):
    model = generic_face_model(LAYOUT)
    assert pose_disagreement(project(model, yaw, pitch), model * 100, SIZE) < 1.0


def test_a_central_face_turned_against_its_jaw_line_disagrees_by_degrees():
    model = generic_face_model(LAYOUT)
    points = project(model, 0.0)
    points[CENTRAL] = project(model, 20.0)[CENTRAL]  # the pasted centre looks 20 degrees to the side
    assert pose_disagreement(points, model * 100, SIZE) > 5.0


def test_mean_layout_removes_position_scale_and_rotation():
    rotation = np.array([[np.cos(0.3), -np.sin(0.3)], [np.sin(0.3), np.cos(0.3)]])
    moved = [LAYOUT * 2.0 @ rotation.T + [50, 20], LAYOUT * 0.5 + [-3, 7]]
    expected = (LAYOUT - LAYOUT[27]) / np.linalg.norm(LAYOUT[45] - LAYOUT[36])
    eye_axis = LAYOUT[45] - LAYOUT[36]
    assert abs(eye_axis[1]) < 1e-9  # the layout's eye corners are level, so no rotation remains to remove
    assert np.allclose(mean_layout(moved), expected, atol=1e-9)
