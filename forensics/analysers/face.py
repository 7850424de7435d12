"""Faces: traces of a face swap at the blending boundary, per face, with a calibrated combined score."""

from __future__ import annotations

import cv2
import numpy as np

from forensics.algorithms.face_boundary import (
    BoundaryMeasures,
    FaceRegions,
    boundary_measures,
    face_regions,
    face_width,
    noise_response,
    sector_noise_profile,
)
from forensics.algorithms.logistic import LogisticModel
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, register
from forensics.figures import bar_chart_figure, heat_map_figure, photo_figure, reduce
from forensics.media import Media
from forensics.models import face_blend as blend_model
from forensics.models import faces as face_models
from forensics.models.face_blend import (
    BLEND_METHOD,
    BLEND_REFERENCES,
    LEARNED_MAX_OUTSIDE_SHARE,
    MIN_BLEND_FACE_PX,
    BlendDetector,
    blend_detector,
    blend_levels,
    detector_component,
    level_of,
    levels_in_words,
)
from forensics.models.face_calibration import BAND_FRACTION, BOUNDARY_REFERENCES, calibration_component, face_features, load_calibration
from forensics.models.faces import FRONTAL_RANGE, MAX_OUTSIDE_SHARE, MIN_FACE_PX, DetectedFace, faces_in, not_analysable_reason, tight_crop_reason
from forensics.results import Figure, Finding, Measurement, Proposition, Strength

NOISE_SECTORS = 12  # sectors around the face in the figure of noise along the boundary


@register
class FaceAnalyser(Analyser):
    name = "face"
    title = "Faces"
    version = "0.2.1"
    kinds = frozenset({"image"})
    description = "Faces and landmarks; noise, detail, sharpness, seam and colour of the inner face against its surroundings."

    def parameters(self) -> dict:
        calibration = load_calibration()
        detector = blend_detector()
        levels = blend_levels(detector)
        return {"noise_sectors": NOISE_SECTORS, "min_face_px": MIN_FACE_PX, "frontal_range": list(FRONTAL_RANGE), "band_fraction": BAND_FRACTION,
                "calibration": calibration["trained"] if calibration else None,
                "blend_detector_sha256": detector.sha256 if detector else None,
                "blend_levels": levels["levels"] if levels else None, "min_blend_face_px": MIN_BLEND_FACE_PX,
                "max_outside_share": MAX_OUTSIDE_SHARE, "learned_max_outside_share": LEARNED_MAX_OUTSIDE_SHARE}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        image, model, faces = faces_in(media)
        calibration = load_calibration()
        detector = blend_detector()
        levels = blend_levels(detector)
        findings = [_faces_found(faces, model.models, image)]
        for number, face in enumerate(faces, start=1):
            findings.append(_face_finding(number, face, image, calibration))
            if detector is not None:
                findings.append(_blend_finding(number, face, image, detector, levels))
        # Name only what produced a value: the landmarks when a face was found, the calibration and the network
        # when some face was scored by them (not-analysable faces are not).
        components = list(model.models) if faces else model.models[:1]
        if calibration and _measured(findings, "calibrated probability of a swap"):
            components.append(calibration_component(calibration))
        if detector is not None and _measured(findings, "detector output"):
            components.append(detector_component(detector))
        return AnalyserOutput(findings=findings, trained_components=components)


def _measured(findings: list[Finding], name: str) -> bool:
    return any(m.name == name and m.value is not None for f in findings for m in f.measurements)


def _faces_found(faces: list[DetectedFace], models, image: np.ndarray) -> Finding:
    overview = image.copy() if faces else image  # drawn on only when there is a face to box
    for number, face in enumerate(faces, start=1):
        x0, y0, x1, y1 = face.box
        thickness = max(2, image.shape[1] // 400)
        cv2.rectangle(overview, (x0, y0), (x1, y1), (255, 220, 0), thickness)
        cv2.putText(overview, str(number), (x0, max(0, y0 - 4 * thickness)), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.6, thickness / 2), (255, 220, 0), thickness, cv2.LINE_AA)
    return Finding(
        key="face.faces", proposition=Proposition.CONTENT, title="Faces found", strength=Strength.NONE, score=0.0,
        explanation=(f"{len(faces)} face(s) were found and numbered left to right; each is examined below." if faces else
                     "No face was found. The detector finds faces seen roughly from the front and at least about 40 "
                     "pixels wide; profile faces and very small faces are not found."),
        method=f"HOG frontal-face detection on a copy reduced to at most {face_models.DETECT_MAX_SIDE} pixels (detections "
               f"scoring below {face_models.MIN_DETECTOR_SCORE:g} "
               "discarded); 68 landmarks at full resolution",
        reference=BOUNDARY_REFERENCES,
        measurements=[Measurement("faces", len(faces))] + [
            Measurement(f"model: {info.name}", info.file, note=f"licence: {info.licence}" + (f"; SHA-256 {info.sha256}" if info.sha256 else ""))
            for info in models],
        figures=[photo_figure("Faces found", "The image upright (EXIF orientation applied), with each face found "
                              "boxed and numbered.", reduce(overview))] if faces else [],
        limitations=["Faces turned more than about 30 degrees, covered, or smaller than about 40 pixels are missed.",
                     "The 68-point landmark model was trained on the iBUG 300-W data set (no commercial use)."],
    )


def _face_finding(number: int, face: DetectedFace, image: np.ndarray, calibration: dict | None) -> Finding:
    points = face.points
    title = f"Face {number}: blending boundary"
    base = [Measurement("face width (jaw to jaw)", round(face_width(points), 1), "pixels"),
            Measurement("box (x0, y0, x1, y1)", list(face.box), "pixels, upright image")]
    reason = not_analysable_reason(points) or tight_crop_reason(image.shape, face.box)
    if reason:
        return Finding(key=f"face.boundary.{number}", proposition=Proposition.CONTENT, title=title, strength=Strength.NONE, score=0.0,
                       explanation=f"Not analysable: the face is {reason}. Nothing is concluded about it.",
                       method="Landmark geometry", reference=BOUNDARY_REFERENCES, measurements=base,
                       limitations=[f"Only faces seen roughly from the front, at least {MIN_FACE_PX} pixels wide and "
                                    "with some of their surroundings in the picture are measured."])
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
        key=f"face.boundary.{number}", proposition=Proposition.CONTENT, title=title, explanation=explanation,
        strength=strength, score=probability or 0.0,
        method="Regions from the landmark hull (jaw and brows): inner face, and bands of 8 % of the face width either "
               "side of the boundary; log ratios of noise, fine detail and sharpness, seam contrast, CIELAB colour step; "
               "combined by a logistic model fitted on generated swaps and untouched faces",
        reference=BOUNDARY_REFERENCES, measurements=measurements, figures=_face_figures(number, image, face, regions),
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
    inside, outside = sector_noise_profile(image, regions, NOISE_SECTORS)
    return [
        photo_figure(f"Face {number}: landmarks and bands", "The face with its 68 landmarks (red), the boundary "
                     "the measures use (yellow: hull of the jaw line and brows) and the inner and outer bands "
                     "(blue lines, 8 % of the face width either side).", reduce(overlay, 600)),
        heat_map_figure(f"Face {number}: local noise level", "Local noise estimate (Immerkær, grey levels, averaged over "
                        "a band width). A pasted face often stands out as a region of different noise whose edge follows "
                        "the boundary; texture (hair, beard, edges) is bright in any photo.", crop, local_noise, 0.0,
                        round(high, 1)),
        bar_chart_figure(f"Face {number}: noise along the boundary", "Noise level (Immerkær, grey levels) in the half "
                         f"band just inside the boundary (red) and just outside it (grey), in {NOISE_SECTORS} sectors of "
                         f"{360 // NOISE_SECTORS} degrees "
                         "around the face, numbered clockwise from the right (3 o'clock). Where skin meets skin both "
                         "sides agree in an untouched photo; a pasted face shows a step all around. Sectors cut by the "
                         "image border are empty.",
                         [("inside", np.nan_to_num(inside), (220, 40, 40)), ("outside", np.nan_to_num(outside), (150, 150, 150))],
                         list(range(NOISE_SECTORS)), "sector (clockwise from 3 o'clock)", "noise (grey levels)"),
    ]


def _blend_finding(number: int, face: DetectedFace, image: np.ndarray, detector: BlendDetector,
                   levels: dict | None) -> Finding:
    title = f"Face {number}: learned blend detector"
    x0, y0, x1, y1 = face.box
    base = [Measurement("face box width", x1 - x0, "pixels")]
    limitations = ["The detector finds blending: a fully synthetic picture, or a face re-enacted or generated without "
                   "pasting it into a photo, leaves no blend to find.",
                   "A face enlarged from a small or blurred picture looks like a generator's low-resolution output: "
                   "in the evaluation a few untouched 150-pixel web photos of this kind reached moderate.",
                   f"The weights are under this licence: {detector.card.get('weights_licence', 'see the model card').rstrip('.')}."]
    if x1 - x0 < MIN_BLEND_FACE_PX:
        return Finding(key=f"face.blend.{number}", proposition=Proposition.CONTENT, title=title, strength=Strength.NONE,
                       score=0.0, explanation=f"Not analysable by the learned detector: the face is {x1 - x0} pixels "
                       f"wide, below the {MIN_BLEND_FACE_PX} pixels it was trained and checked on. Nothing is concluded.",
                       method=BLEND_METHOD, reference=BLEND_REFERENCES, measurements=base, limitations=limitations)
    result = detector.score(image, face.box)
    crop = result.crop
    base += [Measurement("crop (x, y, side)", [crop.origin[0], crop.origin[1], crop.side_px], "pixels, upright image"),
             Measurement("share of the crop outside the picture", round(crop.outside_share, 3))]
    if crop.outside_share > LEARNED_MAX_OUTSIDE_SHARE:
        return Finding(key=f"face.blend.{number}", proposition=Proposition.CONTENT, title=title, strength=Strength.NONE,
                       score=0.0, explanation=(
                           f"Not analysable by the learned detector: {100 * crop.outside_share:.0f} % of the area it "
                           f"examines around the face lies outside the picture, more than the "
                           f"{100 * LEARNED_MAX_OUTSIDE_SHARE:.0f} % it was trained and checked on. Nothing is concluded."),
                       method=BLEND_METHOD, reference=BLEND_REFERENCES, measurements=base, limitations=limitations)
    if crop.outside_share > MAX_OUTSIDE_SHARE:
        limitations.append(f"The face {tight_crop_reason(image.shape, face.box)}; the detector saw such crops in "
                           "training and its error rates on tight crops are listed separately under known error rates.")
    strength = level_of(result.probability, levels)
    peak = float(result.boundary.max())
    measurements = base + [
        Measurement("detector output", round(result.probability, 3),
                    note="0 to 1; its verbal levels come from untouched faces, see below"),
        Measurement("verbal levels", levels_in_words(levels["levels"]) if levels else None,
                    note=levels["calibrated_on"] if levels else "no calibration shipped: no strength is claimed"),
        Measurement("highest boundary-map value", round(peak, 3), note="0 to 1, where the map marks a blending boundary"),
    ]
    if levels is None:
        explanation = "The detector's output is reported without a strength: no calibrated levels ship with this version."
    elif strength is Strength.NONE:
        explanation = (f"The learned detector finds no blend along this face (output {result.probability:.2f}, below the "
                       f"level that {levels['untouched_below_weak']} of untouched faces in calibration stayed under).")
    else:
        explanation = (f"The learned detector sees traces of a face blended into the photo (output {result.probability:.2f}, "
                       f"{strength.value} level). The map shows where it locates the boundary. Heavy retouching or "
                       "beautifying filters, make-up, unusual lighting and a face enlarged from a small or blurred "
                       "picture (which resembles a generator's low-resolution output) can also raise it.")
    boundary = cv2.resize(result.boundary, (crop.pixels.shape[1], crop.pixels.shape[0]), interpolation=cv2.INTER_LINEAR)
    figure = heat_map_figure(
        f"Face {number}: where the learned detector sees a blending boundary",
        f"The area the detector examined (the face and its surroundings, as it saw it: {blend_model.INPUT_PX} x "
        f"{blend_model.INPUT_PX} pixels) with the "
        "probability that a blending boundary runs through each part (0 blue to 1 red; the network marks cells of "
        f"{blend_model.BOUNDARY_STRIDE} x {blend_model.BOUNDARY_STRIDE} pixels, smoothed here); white outlines where it "
        "exceeds one half. In a face swap the boundary follows "
        "the face outline; in an untouched face the map stays blue.", crop.pixels, boundary, 0.0, 1.0,
        outline=boundary > 0.5)
    return Finding(key=f"face.blend.{number}", proposition=Proposition.CONTENT, title=title, explanation=explanation,
                   strength=strength, score=result.probability, method=BLEND_METHOD, reference=BLEND_REFERENCES,
                   measurements=measurements, figures=[figure],
                   limitations=limitations + (levels.get("limitations", []) if levels else []))
