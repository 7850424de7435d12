"""Faces: traces of a face swap at the blending boundary, per face, with a calibrated combined score."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from forensics.algorithms.face_boundary import (
    FEATURE_NAMES, BoundaryMeasures, FaceRegions, boundary_measures, face_regions, face_width, noise_response,
    sector_noise_profile)
from forensics.algorithms.head_pose import generic_face_model, pose_disagreement
from forensics.algorithms.logistic import LogisticModel
from forensics.analyzers.base import AnalysisContext, Analyser, AnalyserOutput, NotApplicable, register
from forensics.data import read_table
from forensics.figures import bar_chart_figure, encode_png, heat_map_figure, reduce
from forensics.media import Media
from forensics.models.faces import DetectedFace, FaceModel, ModelsMissing, default_face_model
from forensics.results import Figure, Finding, Measurement, Strength

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "face_model.json"
MIN_FACE_PX = 48  # jaw-to-jaw width below which the bands are too thin to measure
FRONTAL_RANGE = (0.25, 0.75)  # nose tip's position between the jaw ends; outside it one cheek is hidden
BAND_FRACTION = 0.08

REFERENCES = ("Li, Bao, Zhang, Yang, Chen, Wen & Guo, 'Face X-ray for more general face forgery detection', CVPR 2020; "
              "Li & Lyu, 'Exposing DeepFake videos by detecting face warping artifacts', CVPR Workshops 2019; "
              "Immerkær, 'Fast noise variance estimation', CVIU 64(2), 1996; Kazemi & Sullivan, 'One millisecond face "
              "alignment with an ensemble of regression trees', CVPR 2014")


FACE_FEATURES = FEATURE_NAMES + ["head-pose disagreement (degrees)"]


def face_features(image: np.ndarray, points: np.ndarray, regions: FaceRegions,
                  layout: np.ndarray) -> tuple[BoundaryMeasures, float, list[float]]:
    """Boundary measures, head-pose disagreement and the calibrated model's input vector for one face."""
    measures = boundary_measures(image, regions)
    angle = pose_disagreement(points, generic_face_model(layout), image.shape[:2])
    return measures, angle, measures.features() + [angle if np.isfinite(angle) else 0.0]


def not_analysable_reason(points: np.ndarray) -> str | None:
    """Why a face cannot be measured (too small, or turned so that one side of the boundary is hidden), or None."""
    width = face_width(points)
    if width < MIN_FACE_PX:
        return f"too small ({width:.0f} pixels across, below {MIN_FACE_PX})"
    nose = (points[30, 0] - points[0, 0]) / max(points[16, 0] - points[0, 0], 1e-6)
    if not FRONTAL_RANGE[0] <= nose <= FRONTAL_RANGE[1]:
        return "turned too far to one side (the nose tip is near one jaw end), so one side of the boundary is hidden"
    return None


def faces_in(media: Media) -> tuple[np.ndarray, FaceModel, list[DetectedFace]]:
    """The upright image, the face model and the faces in it (detected once per decoded image, shared by the
    analysers that look at faces); NotApplicable without pixels or without the model files."""
    if media.pixels is None:
        raise NotApplicable("the image's pixels could not be decoded")
    try:
        model = default_face_model()
    except ModelsMissing as error:
        raise NotApplicable(str(error)) from None
    image = media.upright_pixels
    return image, model, model.find(image)


def load_calibration() -> dict | None:
    return read_table(MODEL_FILE)


@register
class FaceAnalyser(Analyser):
    name = "face"
    version = "0.1.2"
    kinds = frozenset({"image"})
    description = "Faces and landmarks; noise, detail, sharpness, seam and colour of the inner face against its surroundings."

    def parameters(self) -> dict:
        calibration = load_calibration()
        return {"min_face_px": MIN_FACE_PX, "frontal_range": list(FRONTAL_RANGE), "band_fraction": BAND_FRACTION,
                "calibration": calibration["trained"] if calibration else None}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        image, model, faces = faces_in(media)
        calibration = load_calibration()
        findings = [_faces_found(faces, model.models, image)]
        for number, face in enumerate(faces, start=1):
            findings.append(_face_finding(number, face, image, calibration))
        return AnalyserOutput(findings=findings)


def _faces_found(faces: list[DetectedFace], models, image: np.ndarray) -> Finding:
    overview = image.copy()
    for number, face in enumerate(faces, start=1):
        x0, y0, x1, y1 = face.box
        thickness = max(2, image.shape[1] // 400)
        cv2.rectangle(overview, (x0, y0), (x1, y1), (255, 220, 0), thickness)
        cv2.putText(overview, str(number), (x0, max(0, y0 - 4 * thickness)), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.6, thickness / 2), (255, 220, 0), thickness, cv2.LINE_AA)
    return Finding(
        title="Faces found", strength=Strength.NONE, score=0.0,
        explanation=(f"{len(faces)} face(s) were found and numbered left to right; each is examined below." if faces else
                     "No face was found. The detector finds faces seen roughly from the front and at least about 40 "
                     "pixels wide; profile faces and very small faces are not found."),
        method="HOG frontal-face detection on a copy reduced to at most 1280 pixels (detections scoring below 0.05 "
               "discarded); 68 landmarks at full resolution",
        reference=REFERENCES,
        measurements=[Measurement("faces", len(faces))] + [
            Measurement(f"model: {info.name}", info.file, note=f"licence: {info.licence}" + (f"; SHA-256 {info.sha256}" if info.sha256 else ""))
            for info in models],
        figures=[Figure.from_bytes("Faces found", "The image upright (EXIF orientation applied), with each face found "
                                   "boxed and numbered.", "image/png", encode_png(reduce(overview)))] if faces else [],
        limitations=["Faces turned more than about 30 degrees, covered, or smaller than about 40 pixels are missed.",
                     "The 68-point landmark model was trained on the iBUG 300-W data set (no commercial use)."],
    )


def _face_finding(number: int, face: DetectedFace, image: np.ndarray, calibration: dict | None) -> Finding:
    points = face.points
    title = f"Face {number}: blending boundary"
    base = [Measurement("face width (jaw to jaw)", round(face_width(points), 1), "pixels"),
            Measurement("box (x0, y0, x1, y1)", list(face.box), "pixels, upright image")]
    reason = not_analysable_reason(points)
    if reason:
        return Finding(title=title, strength=Strength.NONE, score=0.0,
                       explanation=f"Not analysable: the face is {reason}. Nothing is concluded about it.",
                       method="Landmark geometry", reference=REFERENCES, measurements=base,
                       limitations=["Only faces seen roughly from the front and at least 48 pixels wide are measured."])
    regions = face_regions(image.shape[:2], points, BAND_FRACTION)
    probability, strength, angle = None, Strength.NONE, None
    if calibration:
        measures, angle, features = face_features(image, points, regions, np.array(calibration["mean_layout"]))
        model = LogisticModel(**calibration["model"])
        probability = float(model.probability(np.array(features))[0])
        strength = next((Strength(level) for threshold, level in calibration["levels"] if probability >= threshold),
                        Strength.NONE)
    else:
        measures = boundary_measures(image, regions)
    measurements = base + [
        Measurement("noise inside / outside", [round(measures.noise_inside, 2), round(measures.noise_outside, 2)],
                    "grey levels", note="Immerkær estimate in the inner face and in the ring outside the boundary"),
        Measurement("log noise ratio", round(measures.log_noise_ratio, 3), note="0 when both sides agree"),
        Measurement("log detail ratio", round(measures.log_detail_ratio, 3),
                    note="fine detail (|Laplacian| / |gradient|) inside vs outside; below 0: a softer, upsampled face"),
        Measurement("log sharpness ratio", round(measures.log_sharpness_ratio, 3)),
        Measurement("log seam ratio", round(measures.log_seam_ratio, 3),
                    note="gradient across the boundary vs across rings either side"),
        Measurement("colour difference between the bands", round(measures.colour_difference, 2), "CIE76 delta E"),
        Measurement("head-pose disagreement, central vs whole face", None if angle is None else round(angle, 1), "degrees",
                    note="generic 3-D face, so not a pose; untouched calibration faces: median "
                         f"{calibration['pose_reference_degrees']['median']}, 95 % below "
                         f"{calibration['pose_reference_degrees']['p95']} degrees" if calibration else None),
        Measurement("calibrated probability of a swap", None if probability is None else round(probability, 3),
                    note=(f"logistic model trained {calibration['trained']}; see the limitations" if calibration else
                          "no calibration shipped: measurements only")),
    ]
    if probability is None:
        explanation = ("The measurements are reported without a combined score: no calibrated model is shipped with "
                       "this version, so no strength is claimed.")
    elif strength is Strength.NONE:
        explanation = (f"The inner face and its surroundings agree in noise, detail, sharpness, seam and colour as "
                       f"closely as in untouched photos of our calibration set (combined score {probability:.2f}).")
    else:
        explanation = (f"The inner face differs from its surroundings the way pasted faces in our calibration set do "
                       f"(combined score {probability:.2f}): " + _describe(measures) + ". This supports a face swap or "
                       "another local edit of the face; make-up, lighting, focus on the face and beautifying filters "
                       "can produce the same differences.")
    return Finding(
        title=title, explanation=explanation, strength=strength, score=probability or 0.0,
        method="Regions from the landmark hull (jaw and brows): inner face, and bands of 8 % of the face width either "
               "side of the boundary; log ratios of noise, fine detail and sharpness, seam contrast, CIELAB colour step; "
               "combined by a logistic model fitted on generated swaps and untouched faces",
        reference=REFERENCES, measurements=measurements, figures=_face_figures(number, image, face, regions),
        limitations=[
            "The combination was calibrated on faces from our corpus and swaps we generated (feathered and Poisson "
            "blending, colour-corrected, and resolution-only self swaps); other swap tools can leave weaker traces.",
            "Strong compression, small faces and motion blur shrink the differences; make-up and face filters can "
            "create them.",
        ] + (calibration.get("limitations", []) if calibration else []),
    )


def _describe(measures: BoundaryMeasures) -> str:
    parts = []
    if abs(measures.log_noise_ratio) >= 0.3:
        parts.append("the inner face is " + ("noisier" if measures.log_noise_ratio > 0 else "less noisy") +
                     f" than its surroundings (noise {measures.noise_inside:.1f} vs {measures.noise_outside:.1f} levels)")
    if abs(measures.log_detail_ratio) >= 0.3:
        parts.append("it has " + ("more" if measures.log_detail_ratio > 0 else "less") + " fine detail")
    if measures.log_seam_ratio >= 1.0:
        parts.append("a seam runs along the boundary")
    return "; ".join(parts) or "several small differences add up"


def _face_figures(number: int, image: np.ndarray, face: DetectedFace, regions: FaceRegions) -> list[Figure]:
    x0, y0, x1, y1 = regions.box
    crop = np.ascontiguousarray(image[y0:y1, x0:x1])
    overlay = crop.copy()
    for level, colour in ((regions.band_px, (0, 200, 255)), (0.0, (255, 220, 0)), (-regions.band_px, (0, 200, 255))):
        contour_mask = (regions.distance > level).astype(np.uint8)
        contours, _ = cv2.findContours(contour_mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(overlay, contours, -1, colour, max(1, crop.shape[1] // 300))
    for x, y in face.points - [x0, y0]:
        cv2.circle(overlay, (int(round(x)), int(round(y))), max(1, crop.shape[1] // 250), (255, 40, 40), -1)
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    window = max(3, int(regions.band_px) | 1)
    local_noise = cv2.blur(noise_response(grey), (window, window))
    high = max(1.0, float(np.percentile(local_noise, 98)))
    inside, outside = sector_noise_profile(image, regions)
    return [
        Figure.from_bytes(f"Face {number}: landmarks and bands", "The face with its 68 landmarks (red), the boundary "
                          "the measures use (yellow: hull of the jaw line and brows) and the inner and outer bands "
                          "(blue lines, 8 % of the face width either side).", "image/png", encode_png(reduce(overlay, 600))),
        heat_map_figure(f"Face {number}: local noise level", "Local noise estimate (Immerkær, grey levels, averaged over "
                        "a band width). A pasted face often stands out as a region of different noise whose edge follows "
                        "the boundary; texture (hair, beard, edges) is bright in any photo.", crop, local_noise, 0.0,
                        round(high, 1)),
        bar_chart_figure(f"Face {number}: noise along the boundary", "Noise level (Immerkær, grey levels) in the half "
                         "band just inside the boundary (red) and just outside it (grey), in twelve 30-degree sectors "
                         "around the face, numbered clockwise from the right (3 o'clock). Where skin meets skin both "
                         "sides agree in an untouched photo; a pasted face shows a step all around. Sectors cut by the "
                         "image border are empty.",
                         [("inside", np.nan_to_num(inside), (220, 40, 40)), ("outside", np.nan_to_num(outside), (150, 150, 150))],
                         list(range(12))),
    ]
