"""Lighting: does each face share the light of its surroundings? Inner face against forehead, light directions,
illuminant colour."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from forensics.algorithms.face_boundary import face_width
from forensics.algorithms.lighting import (
    ContourLight,
    SurfaceLight,
    angular_difference,
    colour_angle,
    contour_light,
    edge_power_sums,
    ellipsoid_normals,
    face_light_regions,
    grey_edge,
    grey_edge_from_sums,
    grey_world,
    linear_luminance,
    outward_normals,
    similar_chroma,
    smooth_contour,
    srgb_to_linear,
    surface_light,
)
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, NotApplicable, register
from forensics.data import read_table, shipped_file
from forensics.figures import encode_png, photo_figure, reduce
from forensics.media import Media
from forensics.models.faces import FRONTAL_RANGE, MAX_OUTSIDE_SHARE, MIN_FACE_PX, DetectedFace, faces_in, not_analysable_reason, tight_crop_reason
from forensics.results import Figure, Finding, Measurement, Proposition, Strength

REFERENCE_FILE = shipped_file("lighting_reference.json")
JAW = slice(0, 17)
# Jaw samples 2-5 % of the face width inside the jaw line: past the mixed boundary pixels, still on the contour's
# shading (deeper, the surface turns towards the camera and the contour normal no longer describes it).
DEPTH_FRACTIONS = (0.02, 0.035, 0.05)
FOREHEAD_FRACTION = 0.25  # height of the forehead band above the brows, in face widths
SKIN_CHROMA = 12.0  # forehead pixels further than this from the inner face's median (a*, b*) are not skin
CELLS = 6  # bootstrap cells per side of the head's outline
DETERMINED_DEGREES = 45.0  # a face whose 95 % interval is wider has no usable direction
COLOUR_BLOCK_PX = 24  # block of the illuminant-colour map, pixels of the reduced image
BOOTSTRAP = 200  # refits behind each light direction's interval
BOOTSTRAP_SEED = 0  # fixed, so that the same photo gives the same intervals
GREY_EDGE_ORDER = 6.0  # Minkowski norm of the grey-edge illuminant estimate (van de Weijer et al. 2007)
GREY_EDGE_SIGMA_PX = 1.0  # Gaussian smoothing before its gradients
FEATURE_MARGIN_FRACTION = 0.04  # eyes, brows, nose and lips grown by this share of the face width, left out of the skin
JAW_SAMPLES = 60  # points of the smoothed jaw line
JAW_SMOOTHING = 0.1  # its spline's mean squared deviation per landmark, pixels squared (more cuts the curve inwards)
REFERENCES = ("Johnson & Farid, 'Exposing digital forgeries by detecting inconsistencies in lighting', ACM MM&Sec 2005; "
              "Kee & Farid, 'Exposing digital forgeries from 3-D lighting environments', IEEE WIFS 2010; "
              "van de Weijer, Gevers & Gijsenij, 'Edge-based color constancy', IEEE TIP 16(9), 2007")


@dataclass(frozen=True)
class FaceLight:
    number: int  # as numbered by the face analyser (left to right)
    face: DetectedFace
    jaw: ContourLight | None  # Johnson & Farid on the jaw line
    inner_face: SurfaceLight | None  # first-order lighting of the inner face on a generic head
    forehead: SurfaceLight | None  # the same on the forehead skin above the brows
    illuminant: np.ndarray  # grey-edge estimate over the inner face, unit linear RGB
    illuminant_grey_world: np.ndarray  # grey-world estimate over the inner face, unit linear RGB
    regions_box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the crop the masks refer to
    inner_face_mask: np.ndarray
    forehead_mask: np.ndarray  # forehead skin actually used

    @property
    def determined(self) -> bool:
        return self.inner_face is not None and self.inner_face.interval_degrees <= DETERMINED_DEGREES

    @property
    def forehead_disagreement(self) -> float | None:
        """|horizontal shading of the inner face - of the forehead| in units of their combined standard error."""
        if self.inner_face is None or self.forehead is None:
            return None
        error = np.hypot(self.inner_face.horizontal_shading_se, self.forehead.horizontal_shading_se)
        return float(abs(self.inner_face.horizontal_shading - self.forehead.horizontal_shading) / max(error, 1e-6))


def face_lights(image: np.ndarray, faces: list[DetectedFace]) -> list[FaceLight]:
    """The lighting measures of every analysable face (``faces`` numbered from 1 in the order given)."""
    results = []
    for number, face in enumerate(faces, start=1):
        if not_analysable_reason(face.points) or tight_crop_reason(image.shape, face.box):
            continue
        regions = face_light_regions(face.points, image.shape[:2], FOREHEAD_FRACTION, FEATURE_MARGIN_FRACTION)
        x0, y0, x1, y1 = regions.box
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        luminance = linear_luminance(crop)  # the crop holds the jaw line, the inner face and the forehead band
        points = face.points - [x0, y0]
        width = face_width(points)
        jaw_points, normals = smooth_contour(points[JAW], JAW_SAMPLES, JAW_SMOOTHING)
        normals = outward_normals(jaw_points, normals, points.mean(axis=0))
        jaw = contour_light(luminance, jaw_points, normals, tuple(f * width for f in DEPTH_FRACTIONS), BOOTSTRAP, BOOTSTRAP_SEED)
        lab = cv2.cvtColor(crop, cv2.COLOR_RGB2LAB)
        forehead_skin = similar_chroma(lab, regions.inner_face, regions.forehead, SKIN_CHROMA)
        inner, forehead = (_surface(luminance, mask, points) for mask in (regions.inner_face, forehead_skin))
        linear = srgb_to_linear(crop.astype(np.float32) / 255.0)
        results.append(FaceLight(number, face, jaw, inner, forehead, grey_edge(linear, regions.inner_face, GREY_EDGE_ORDER, GREY_EDGE_SIGMA_PX),
                                 grey_world(linear, regions.inner_face), regions.box, regions.inner_face, forehead_skin))
    return results


def _surface(luminance: np.ndarray, mask: np.ndarray, points: np.ndarray) -> SurfaceLight | None:
    rows, columns = np.nonzero(mask)
    normals, outline = ellipsoid_normals(points, np.column_stack([columns, rows]), FOREHEAD_FRACTION)
    cells = np.clip(((outline + 1) / 2 * CELLS).astype(int), 0, CELLS - 1)
    return surface_light(luminance[rows, columns], normals, cells[:, 0] * CELLS + cells[:, 1], BOOTSTRAP, BOOTSTRAP_SEED)


def departures(lights: list[FaceLight]) -> dict[int, float]:
    """For each face with a determined direction, its angular distance to the circular mean of the others'."""
    determined = [item for item in lights if item.determined]
    if len(determined) < 2:
        return {}
    result = {}
    for item in determined:
        others = np.radians([o.inner_face.azimuth_degrees for o in determined if o is not item])
        mean = np.degrees(np.arctan2(np.sin(others).mean(), np.cos(others).mean()))
        result[item.number] = angular_difference(item.inner_face.azimuth_degrees, mean)
    return result


def load_reference() -> dict | None:
    return read_table(REFERENCE_FILE)


def forehead_strength(disagreement: float, reference: dict) -> tuple[Strength, float]:
    """Verbal level of a face's inner-face/forehead disagreement and the share of untouched reference faces whose
    disagreement is at least as large."""
    untouched = np.array(reference["untouched_forehead_disagreement"])
    share = float(np.mean(untouched >= disagreement))
    level = next((Strength(name) for threshold, name in reference["levels"] if disagreement >= threshold), Strength.NONE)
    return level, share


@register
class LightingAnalyser(Analyser):
    name = "lighting"
    title = "Lighting of faces"
    version = "0.1.2"
    kinds = frozenset({"image"})
    description = ("Per face: light on the inner face against its forehead, light direction (face surface and jaw line), "
                   "illuminant colour; directions compared between faces.")

    def parameters(self) -> dict:
        reference = load_reference()
        return {"depth_fractions": list(DEPTH_FRACTIONS), "forehead_fraction": FOREHEAD_FRACTION,
                "skin_chroma": SKIN_CHROMA, "cells": CELLS, "determined_degrees": DETERMINED_DEGREES,
                "colour_block_px": COLOUR_BLOCK_PX, "min_face_px": MIN_FACE_PX, "frontal_range": list(FRONTAL_RANGE),
                "max_outside_share": MAX_OUTSIDE_SHARE, "bootstrap": BOOTSTRAP, "bootstrap_seed": BOOTSTRAP_SEED,
                "grey_edge_order": GREY_EDGE_ORDER, "grey_edge_sigma_px": GREY_EDGE_SIGMA_PX,
                "feature_margin_fraction": FEATURE_MARGIN_FRACTION, "jaw_samples": JAW_SAMPLES,
                "jaw_smoothing_px2": JAW_SMOOTHING, "reference": reference["built"] if reference else None}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        image, model, faces = faces_in(media)
        lights = face_lights(image, faces)
        if not lights:
            raise NotApplicable(f"no face seen from the front, at least {MIN_FACE_PX} pixels wide and with its surroundings "
                                "in the picture: nothing to measure the light on")
        reference = load_reference()
        findings = [_forehead_finding(image, item, reference) for item in lights]
        small = reduce(image)  # one reduced copy for every figure drawn over the picture
        scale = small.shape[1] / image.shape[1]
        findings += [_direction_finding(small, scale, lights, reference), _colour_finding(small, scale, lights)]
        return AnalyserOutput(findings=findings, trained_components=list(model.models))


def _forehead_finding(image: np.ndarray, item: FaceLight, reference: dict | None) -> Finding:
    title = f"Face {item.number}: light on the inner face against its forehead"
    disagreement = item.forehead_disagreement
    measurements = []
    for label, surface in (("inner face", item.inner_face), ("forehead", item.forehead)):
        measurements.append(Measurement(
            f"horizontal shading, {label}", None if surface is None else round(surface.horizontal_shading, 3),
            note=("-1: lit from the left only, +1: from the right only" + (
                f"; standard error {surface.horizontal_shading_se:.3f}; {surface.samples} pixels" if surface else
                ": too little unclipped skin to measure"))))
    measurements.append(Measurement("difference in standard errors", None if disagreement is None else round(disagreement, 2)))
    strength, share = Strength.NONE, None
    if disagreement is None:
        explanation = ("Not measured: too little forehead skin is visible (hair, a hat, or the image's edge), so the "
                       "inner face's light cannot be compared with its surroundings'.")
    elif reference is None:
        explanation = "Measured, but no reference of untouched faces is shipped, so no strength is claimed."
    else:
        strength, share = forehead_strength(disagreement, reference)
        untouched = reference["untouched_forehead_disagreement"]
        measurements.append(Measurement("untouched reference faces differing at least this much", round(share, 3),
                                        note=f"of {len(untouched)} untouched faces ({reference['built']})"))
        side = "right" if item.inner_face.horizontal_shading > item.forehead.horizontal_shading else "left"
        explanation = (
            f"The inner face is lit relatively more from the {side} than its forehead ({disagreement:.1f} standard errors "
            f"apart); {100 * share:.0f} % of untouched faces in our reference differ at least as much. " + (
                "This is within what untouched faces show." if strength is Strength.NONE else
                "A face swapped in or mirrored keeps the light it was photographed under while the forehead keeps the "
                "photo's; a hat brim, a fringe's shadow or a light close to one side of the head can do the same."))
    return Finding(
        key=f"lighting.forehead.{item.number}", proposition=Proposition.CONTENT, title=title, strength=strength,
        score=0.0 if share is None else 1.0 - share, explanation=explanation,
        method=("Linear luminance of the inner face (landmark hull without eyes, brows, nose and lips) and of the forehead "
                f"skin ({int(FOREHEAD_FRACTION * 100)} % of the face width above the brows, colour close to the face's) on a "
                "generic ellipsoid head; ambient + one distant light fitted to each by least squares (first-order "
                "spherical harmonics); the horizontal part of each light compared, in units of their bootstrap "
                f"standard errors ({CELLS}x{CELLS} cells of the head resampled, {BOOTSTRAP} times)"),
        reference=REFERENCES, measurements=measurements, figures=[_regions_figure(image, item)],
        limitations=["A generic head shape: the fitted lights are approximate and the comparison is only meaningful "
                     "against the untouched reference.",
                     "Only the left-right part of the light is compared; a face relit from the same side, or lit from "
                     "the front, shows nothing."],
    )


def _direction_finding(small: np.ndarray, scale: float, lights: list[FaceLight], reference: dict | None) -> Finding:
    measurements = []
    for item in lights:
        for method, estimate in (("face surface", item.inner_face), ("jaw line", item.jaw)):
            if estimate is None:
                measurements.append(Measurement(f"face {item.number}: light direction ({method})", None,
                                                note="too few usable pixels (clipped or black)"))
                continue
            measurements.append(Measurement(
                f"face {item.number}: light direction ({method})", round(estimate.azimuth_degrees, 1),
                "degrees, counter-clockwise from the right, up = 90",
                note=f"95 % interval ± {estimate.interval_degrees:.0f} degrees" + (
                    "" if estimate.interval_degrees <= DETERMINED_DEGREES else ": undetermined") + (
                    " (sampling noise only; the method's own bias on faces is larger, see the limitations)"
                    if method == "jaw line" else "")))
    spread = departures(lights)
    measurements += [Measurement(f"face {number}: departure from the other faces' light", round(value, 1), "degrees")
                     for number, value in spread.items()]
    if reference:
        pairs = reference["group_photo_pair_differences"]
        measurements.append(Measurement(
            "face pairs in authentic group photos", len(pairs),
            note=f"{reference['group_photos']} photos; their directions differ by a median of {np.median(pairs):.0f} and up "
                 f"to {max(pairs):.0f} degrees"))
    if spread:
        worst = max(spread, key=spread.get)
        explanation = (f"Face {worst}'s light (face surface) comes from {spread[worst]:.0f} degrees away from the other "
                       "faces'. Shown for the examiner, not scored: in authentic group photos, faces' directions "
                       "measured this way differ widely, and in our evaluation mirrored or pasted faces were no easier "
                       "to tell apart by this comparison than by chance.")
    else:
        explanation = ("Fewer than two faces have a determined light direction (a 95 % interval within "
                       f"± {DETERMINED_DEGREES:.0f} degrees), so the faces are not compared.")
    return Finding(
        key="lighting.directions", proposition=Proposition.CONTENT, title="Light direction on the faces",
        strength=Strength.NONE, score=0.0, explanation=explanation,
        method="Face surface: the inner face's first-order lighting on a generic ellipsoid head (as above), direction "
               "from its image-plane part; jaw line: Johnson & Farid's occluding-contour fit on linear luminance 2-5 % of "
               "the face width inside a smoothed spline through landmarks 1-17, without clipped, black and "
               f"attached-shadow samples; 95 % intervals from {BOOTSTRAP} bootstrap refits",
        reference=REFERENCES, measurements=measurements,
        figures=[_direction_overlay(small, scale, lights), _polar_plot(lights)],
        limitations=[
            "The jaw line of a face seen from the front is only partly an occluding contour: the chin faces the camera, "
            "so light from the camera's direction reads as light from below. It is shown because the method is the "
            "classical one; trust the face-surface estimate more.",
            "Several lights, reflections from nearby surfaces and heads turned or tilted make authentic faces in one "
            "photo disagree; a face mirrored or pasted from a photo lit from a similar direction agrees.",
        ],
    )


def _colour_finding(small: np.ndarray, scale: float, lights: list[FaceLight]) -> Finding:
    sums, counts = edge_power_sums(srgb_to_linear(small.astype(np.float32) / 255.0), COLOUR_BLOCK_PX, GREY_EDGE_ORDER,
                                   GREY_EDGE_SIGMA_PX)
    elsewhere = np.ones(counts.shape, bool)  # blocks clear of every face box
    for item in lights:
        x0, y0, x1, y1 = (v * scale / COLOUR_BLOCK_PX for v in item.face.box)
        elsewhere[max(int(y0), 0):int(np.ceil(y1)), max(int(x0), 0):int(np.ceil(x1))] = False
    scene = grey_edge_from_sums(sums[elsewhere].sum(axis=0), counts[elsewhere].sum(), GREY_EDGE_ORDER)
    measurements = [Measurement("rest of the picture: illuminant colour (grey-edge)", _vector(scene), "unit linear RGB",
                                note="outside the face boxes")]
    for item in lights:
        measurements += [
            Measurement(f"face {item.number}: illuminant colour (grey-edge)", _vector(item.illuminant), "unit linear RGB"),
            Measurement(f"face {item.number}: illuminant colour (grey-world)", _vector(item.illuminant_grey_world),
                        "unit linear RGB", note="leans towards the skin's own colour"),
            Measurement(f"face {item.number} against the rest of the picture (grey-edge)",
                        _angle(item.illuminant, scene), "degrees"),
        ]
    for index, first in enumerate(lights):
        for second in lights[index + 1:]:
            measurements.append(Measurement(f"faces {first.number} and {second.number}: illuminant colour difference",
                                            _angle(first.illuminant, second.illuminant), "degrees", note="grey-edge"))
    return Finding(
        key="lighting.illuminant_colour", proposition=Proposition.CONTENT, title="Illuminant colour", strength=Strength.NONE, score=0.0,
        explanation=("The colour of the light estimated over each face, over the rest of the picture and, in the map, "
                     "block by block. "
                     "Shown for the examiner: skin colour, make-up and coloured surroundings move these estimates, "
                     "and we have not measured how far they move in authentic photos, so no strength is claimed."),
        method=f"Grey-edge ({GREY_EDGE_ORDER:g}-norm of each channel's gradient after {GREY_EDGE_SIGMA_PX:g}-pixel Gaussian "
               "smoothing) and grey-world (mean colour) on linear RGB over each face's inner skin; grey-edge outside the face boxes and per "
               f"{COLOUR_BLOCK_PX}-pixel block of a reduced copy for the map; differences as the angle between RGB vectors",
        reference=REFERENCES, measurements=measurements, figures=[_colour_map(small, scale, sums, counts, lights)],
        limitations=["Illuminant estimates assume that the surface's colours average to grey (or their edges do); "
                     "a face is mostly skin, so its estimate leans towards skin colour."],
    )


def _vector(estimate: np.ndarray) -> list[float] | None:
    """An estimate for the report, or None where nothing could be estimated (no usable pixels)."""
    return [round(float(v), 3) for v in estimate] if np.all(np.isfinite(estimate)) else None


def _angle(first: np.ndarray, second: np.ndarray) -> float | None:
    angle = colour_angle(first, second)
    return round(angle, 2) if np.isfinite(angle) else None


def _arrow_end(centre: np.ndarray, azimuth_degrees: float, length: float) -> tuple[int, int]:
    angle = np.radians(azimuth_degrees)
    return int(round(centre[0] + length * np.cos(angle))), int(round(centre[1] - length * np.sin(angle)))


def _direction_overlay(small: np.ndarray, scale: float, lights: list[FaceLight]) -> Figure:
    canvas = small.copy()  # reduce returns the read-only image itself when it is small enough
    thickness = max(2, canvas.shape[1] // 300)
    for item in lights:
        centre = item.face.points.mean(axis=0) * scale
        start = tuple(int(v) for v in centre)
        length = 0.9 * face_width(item.face.points) * scale
        jaw_line = np.round(smooth_contour(item.face.points[JAW], JAW_SAMPLES, JAW_SMOOTHING)[0] * scale).astype(np.int32)
        cv2.polylines(canvas, [jaw_line], False, (255, 220, 0), max(1, thickness // 2))
        cv2.putText(canvas, str(item.number), (int(centre[0]), int(centre[1] + length)), cv2.FONT_HERSHEY_SIMPLEX,
                    max(0.5, thickness / 2), (255, 220, 0), thickness, cv2.LINE_AA)
        if item.jaw is not None:
            cv2.arrowedLine(canvas, start, _arrow_end(centre, item.jaw.azimuth_degrees, 0.6 * length), (255, 220, 0),
                            max(1, thickness // 2), cv2.LINE_AA, tipLength=0.2)
        if item.inner_face is None:
            continue
        colour = (255, 60, 60) if item.determined else (160, 160, 160)
        spread = min(item.inner_face.interval_degrees, 180.0)
        for side in (-spread, spread):
            cv2.line(canvas, start, _arrow_end(centre, item.inner_face.azimuth_degrees + side, length), colour,
                     max(1, thickness // 2), cv2.LINE_AA)
        cv2.arrowedLine(canvas, start, _arrow_end(centre, item.inner_face.azimuth_degrees, length), colour, thickness,
                        cv2.LINE_AA, tipLength=0.2)
    return photo_figure(
        "Light direction per face", "Towards the light, per face: from the face surface (red arrow, thin lines its 95 % "
        "interval; grey when undetermined) and from the jaw line (short yellow arrow, along the yellow contour).", canvas)


def _polar_plot(lights: list[FaceLight]) -> Figure:
    size, radius = 420, 170
    canvas = np.full((size, size, 3), 255, np.uint8)
    centre = np.array([size / 2, size / 2])
    cv2.circle(canvas, (size // 2, size // 2), radius, (180, 180, 180), 1, cv2.LINE_AA)
    for angle, label in ((0, "right"), (90, "up"), (180, "left"), (270, "down")):
        x, y = _arrow_end(centre, angle, radius + 22)
        cv2.putText(canvas, label, (x - 18, y + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (90, 90, 90), 1, cv2.LINE_AA)
    for index, item in enumerate(lights):
        ring = radius * (0.45 + 0.5 * index / (len(lights) - 1)) if len(lights) > 1 else radius * 0.8
        for estimate, colour, width in ((item.jaw, (230, 180, 0), 1),
                                        (item.inner_face, (220, 40, 40) if item.determined else (150, 150, 150), 3)):
            if estimate is None:
                continue
            spread = min(estimate.interval_degrees, 180.0)
            # OpenCV's ellipse angles run clockwise from the right (image y down): negate the azimuths.
            cv2.ellipse(canvas, (size // 2, size // 2), (int(ring), int(ring)), 0, -estimate.azimuth_degrees - spread,
                        -estimate.azimuth_degrees + spread, colour, width, cv2.LINE_AA)
            end = _arrow_end(centre, estimate.azimuth_degrees, ring)
            cv2.line(canvas, (size // 2, size // 2), end, colour, 1, cv2.LINE_AA)
            cv2.putText(canvas, str(item.number), (end[0] + 4, end[1] - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.55, colour, 2,
                        cv2.LINE_AA)
    return Figure.from_bytes(
        "Light directions compared", "Each face's direction towards the light (line, numbered as the faces) with its 95 % "
        "interval (arc): face surface in red (grey when undetermined), jaw line in yellow.", "image/png", encode_png(canvas))


def _regions_figure(image: np.ndarray, item: FaceLight) -> Figure:
    x0, y0, x1, y1 = item.regions_box
    crop = np.ascontiguousarray(image[y0:y1, x0:x1]).astype(np.float32)
    tint = crop.copy()
    tint[item.inner_face_mask] = 0.55 * tint[item.inner_face_mask] + 0.45 * np.array([40, 90, 255])
    tint[item.forehead_mask] = 0.55 * tint[item.forehead_mask] + 0.45 * np.array([40, 220, 60])
    return photo_figure(
        f"Face {item.number}: regions compared", "The inner face's skin (blue) and the forehead skin (green) whose "
        "light is compared; eyes, brows, nose and lips are left out, and forehead pixels whose colour is not the "
        "face's (hair, hat, background).", reduce(np.hstack([crop, tint]).astype(np.uint8), 700))


def _colour_map(small: np.ndarray, scale: float, sums: np.ndarray, counts: np.ndarray, lights: list[FaceLight]) -> Figure:
    block = COLOUR_BLOCK_PX
    estimate = grey_edge_from_sums(sums, counts, GREY_EDGE_ORDER)
    # Shown at equal brightness so that only the light's colour varies; black where nothing could be estimated.
    with np.errstate(invalid="ignore"):
        shown = np.nan_to_num((estimate / estimate.max(axis=-1, keepdims=True)) ** (1 / 2.2) * 255).astype(np.uint8)
    chart = np.zeros_like(small)
    rows, columns = shown.shape[:2]
    chart[:rows * block, :columns * block] = np.repeat(np.repeat(shown, block, axis=0), block, axis=1)
    for item in lights:
        x0, y0, x1, y1 = (int(round(v * scale)) for v in item.face.box)
        cv2.rectangle(chart, (x0, y0), (x1, y1), (255, 255, 255), 2)
    return photo_figure(
        "Illuminant colour map", f"The light's colour estimated per {block}-pixel block (grey-edge), shown at equal "
        "brightness; faces boxed. Regions lit by another light stand out as a differently tinted area; textureless "
        "blocks (sky, walls) are black or noisy.", np.hstack([small, chart]))
