"""Head pose from the central face against the whole face (Yang, Li & Lyu, ICASSP 2019, "Exposing deep fakes
using inconsistent head poses").

Swap tools synthesise the central face (brows, eyes, nose, mouth) and warp it into a frame whose jaw line
stays the original's, so the 3-D pose implied by the central landmarks can differ from the pose implied by
all 68. Both poses are solved with ``cv2.solvePnP`` against one generic 3-D face: x and y from the mean
frontal landmark layout (``mean_layout``, in units of the outer-eye-corner distance), depth from simple
anthropometric rules (jaw line receding towards the ears, nose tip forward, mouth slightly forward), a
pinhole camera with focal length equal to the larger image side and no distortion. The measurement is the
angle between the facing directions R [0, 0, 1] of the two solutions.

A generic model and guessed intrinsics make both poses approximate; what matters is that both share the
same approximations, so that untouched faces give small angles. The angle is reported with the distribution
measured on untouched faces, never as a pose.
"""

from __future__ import annotations

import cv2
import numpy as np

CENTRAL = np.r_[17:36, 48:68]  # brows, nose, mouth (Yang et al.'s central region, 0-based)


def generic_face_model(mean_layout: np.ndarray) -> np.ndarray:
    """(68, 3) model points: ``mean_layout`` (68, 2; inter-ocular units, y down) with an anthropometric depth.

    Depth z is positive away from the camera, as in OpenCV's camera frame.
    """
    layout = np.asarray(mean_layout, float)
    centre_x = layout[27, 0]  # nose bridge
    half_width = max(abs(layout[0, 0] - centre_x), abs(layout[16, 0] - centre_x))
    lateral = np.clip(np.abs(layout[:, 0] - centre_x) / half_width, 0, 1)
    forward = np.zeros(68)
    forward[0:17] = -0.2 - 0.8 * np.sin(np.pi / 2 * lateral[0:17]) ** 2  # jaw recedes towards the ears
    forward[17:27] = 0.05 - 0.25 * lateral[17:27]  # brows
    forward[27:31] = np.linspace(0.1, 0.55, 4)  # nose bridge to tip
    forward[31:36] = 0.3 - 0.15 * lateral[31:36] / max(lateral[31:36].max(), 1e-6)  # nostrils
    forward[36:48] = -0.05 * lateral[36:48] / max(lateral[36:48].max(), 1e-6)  # eyes
    forward[48:68] = 0.25 - 0.15 * lateral[48:68] / max(lateral[48:68].max(), 1e-6)  # lips
    return np.column_stack([layout[:, 0] - centre_x, layout[:, 1] - layout[27, 1], -forward])


def facing_direction(points: np.ndarray, model: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """Unit vector the face looks along (camera frame) from 2-D ``points`` and their ``model`` points."""
    height, width = image_size
    focal = float(max(height, width))
    camera = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]])
    ok, rotation, _ = cv2.solvePnP(model.astype(np.float64), points.astype(np.float64), camera, None,
                                   flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return np.array([np.nan, np.nan, np.nan])
    matrix, _ = cv2.Rodrigues(rotation)
    return matrix @ np.array([0.0, 0.0, 1.0])


def pose_disagreement(points: np.ndarray, model: np.ndarray, image_size: tuple[int, int]) -> float:
    """Angle in degrees between the facing directions solved from all 68 landmarks and from the central ones."""
    whole = facing_direction(points, model, image_size)
    central = facing_direction(points[CENTRAL], model[CENTRAL], image_size)
    cosine = float(np.clip(np.dot(whole, central), -1.0, 1.0))
    return float(np.degrees(np.arccos(cosine)))


def mean_layout(shapes: list[np.ndarray]) -> np.ndarray:
    """Mean of 68-point shapes after removing translation, scale (outer-eye-corner distance) and in-plane rotation."""
    aligned = []
    for points in shapes:
        eye_left, eye_right = points[36], points[45]
        axis = eye_right - eye_left
        scale = np.linalg.norm(axis)
        cos, sin = axis / scale
        rotation = np.array([[cos, sin], [-sin, cos]])
        aligned.append((points - points[27]) @ rotation.T / scale)
    return np.mean(aligned, axis=0)
