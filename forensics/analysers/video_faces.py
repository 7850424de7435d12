"""Faces in a video: each face followed over time, its blending boundary measured frame by frame.

Frames are sampled (at most ``MAX_SAMPLES`` per video, at most ``MAX_RATE`` per second); faces are detected
every ``DETECT_EVERY_S`` seconds and followed in between by fitting the landmarks inside the box the previous
frame's landmarks give. In every sampled frame the still-image face analyser's boundary measures and its
calibrated model give a per-frame score; a track's score is the median over its frames, so one odd frame
does not decide, and the frames that drive it are listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from forensics.algorithms.face_boundary import face_regions
from forensics.algorithms.face_tracks import box_iou, count_blinks, eye_aspect_ratio, landmark_jitter, link_boxes, points_box, rolling_median
from forensics.algorithms.logistic import LogisticModel
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, NotApplicable, register
from forensics.data import read_table, shipped_file
from forensics.figures import contact_sheet, heat_map_figure, photo_figure, time_plot_figure
from forensics.media import Media
from forensics.media.video import VideoFrame, VideoUnreadable, decoded_ahead, sample_frames, stream_facts
from forensics.models.face_blend import (
    BLEND_METHOD,
    BLEND_REFERENCES,
    LEARNED_MAX_OUTSIDE_SHARE,
    MIN_BLEND_FACE_PX,
    BlendDetector,
    BlendScore,
    FaceCrop,
    blend_detector,
    detector_component,
    face_crop,
    level_of,
    levels_in_words,
)
from forensics.models.face_calibration import BAND_FRACTION, BOUNDARY_REFERENCES, calibration_component, face_features, load_calibration
from forensics.models.faces import FRONTAL_RANGE, MIN_FACE_PX, FaceModel, ModelsMissing, default_face_model, not_analysable_reason
from forensics.results import Finding, Measurement, Proposition, Strength

MAX_RATE = 10.0  # samples per second: eye closures (100-400 ms) need about this
SCORE_EVERY_S = 0.25  # the boundary measures (~40 ms for a 500-px face) run at most 4 times a second per face
BLEND_EVERY_S = 0.5  # the learned detector (~20-40 ms a face on 2 cores) at most twice a second per face
MIN_BLEND_MEASURED = 3  # frames the detector must score, over at least MIN_MEASURED_SECONDS, for a track's score
MAX_SAMPLES = 600
DETECT_EVERY_S = 1.0
MIN_LINK_IOU = 0.3
MIN_MEASURED = 5  # frames a track needs before it is scored ...
MIN_MEASURED_SECONDS = 1.0  # ... spread over at least this much of the video: a median of a moment is not a track's
MIN_INSIDE_SHARE = 0.8  # of the 68 landmarks within the frame
TRACK_TITLE = "Face track {}: blending boundary over time"
REFERENCE_FILE = shipped_file("video_faces_reference.json")
BLINK_MIN_RATE = 8.0  # samples per second below which closures are not counted
EYES_CLOSED_BELOW = 0.2  # eye aspect ratio (Soukupová & Čech 2016) of a closed eye ...
EYES_REOPENED_ABOVE = 0.25  # ... and of an eye open again (hysteresis: noise around one threshold is not a blink)
CONTACT_FRAMES = 12
THUMB_WIDTH = 300

TEMPORAL_REFERENCES = ("Soukupová & Čech, 'Real-time eye blink detection using facial landmarks', CVWW 2016; Li, Chang & "
                       "Lyu, 'In ictu oculi: exposing AI created fake videos by detecting eye blinking', WIFS 2018; "
                       "Umeyama, 'Least-squares estimation of transformation parameters', PAMI 13(4), 1991")


def load_reference() -> dict | None:
    return read_table(REFERENCE_FILE)


def track_scores(findings: list[Finding], what: str = "track") -> list[float]:
    """The scores of one result's per-track findings of one kind ("track": the boundary measures, "blend": the
    learned detector; 0 for tracks too short to score)."""
    return [f.score for f in findings if f.key.startswith(f"video_faces.{what}.")]


def track_blend_levels(reference: dict | None, detector: BlendDetector) -> dict | None:
    """The track levels of the learned detector, only when they were set for this very detector."""
    if not reference or reference.get("blend_detector_sha256") != detector.sha256:
        return None
    return {"levels": reference["blend_levels"], "built": reference["built"]}


@dataclass
class FaceSample:
    time_s: float
    points: np.ndarray
    probability: float | None  # None: not scored in this frame (not analysable, or between scoring times)
    log_noise_ratio: float | None
    blend: float | None = None  # the learned detector's output, when it ran on this frame


@dataclass
class Track:
    number: int
    samples: list[FaceSample] = field(default_factory=list)
    box_offset: np.ndarray | None = None  # detector box relative to the landmarks' extent (see _follow_box)
    active: bool = True
    last_scored_s: float | None = None
    last_blend_s: float | None = None
    peak_blend: tuple[float, BlendScore] | None = None  # (time, detector result) of the highest output, for its map

    @property
    def last_points(self) -> np.ndarray:
        return self.samples[-1].points

    @property
    def scores(self) -> np.ndarray:
        return np.array([s.probability for s in self.samples if s.probability is not None])

    @property
    def blend_scores(self) -> np.ndarray:
        return np.array([s.blend for s in self.samples if s.blend is not None])


def _follow_box(points: np.ndarray, offset: np.ndarray) -> tuple[int, int, int, int]:
    """The box the detector would give for these landmarks: the shape predictor was trained on detector boxes,
    which sit inside the landmarks' extent, so the relation seen at detection is kept while following."""
    x0, y0, x1, y1 = points_box(points)
    size = np.array([x1 - x0, y1 - y0, x1 - x0, y1 - y0])
    return tuple(int(round(v)) for v in np.array([x0, y0, x1, y1]) + offset * size)


def _offset(box: tuple[int, int, int, int], points: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = points_box(points)
    size = np.array([x1 - x0, y1 - y0, x1 - x0, y1 - y0])
    return (np.array(box, dtype=np.float64) - np.array([x0, y0, x1, y1])) / np.maximum(size, 1.0)


@dataclass
class FollowedVideo:
    tracks: list[Track]
    sampled: int
    sample_every_s: float
    contact: list[tuple[float, np.ndarray]]  # (time, thumbnail with face boxes)


def _due(now_s: float, last_s: float | None, every_s: float) -> bool:
    # Times on a fixed grid, so that the rate holds whatever the sampling interval.
    return last_s is None or np.floor(now_s / every_s + 1e-6) > np.floor(last_s / every_s + 1e-6)


def _blend_crop(rgb: np.ndarray, track: Track, points: np.ndarray) -> FaceCrop | None:
    """The learned detector's crop of this face, where the still analyser would score it too, or None."""
    height, width = rgb.shape[:2]
    inside = (points[:, 0] >= 0) & (points[:, 1] >= 0) & (points[:, 0] < width) & (points[:, 1] < height)
    box = _follow_box(points, track.box_offset)
    if inside.mean() < MIN_INSIDE_SHARE or box[2] - box[0] < MIN_BLEND_FACE_PX:
        return None
    crop = face_crop(rgb, box)
    return crop if crop.outside_share <= LEARNED_MAX_OUTSIDE_SHARE else None


def _score_blends(detector: BlendDetector, due: list[tuple[Track, FaceSample, FaceCrop]]) -> None:
    """Score the due faces of one frame in one batch (cheaper than one by one) and record the outputs."""
    if not due:
        return
    probabilities, maps = detector.score_crops([crop.pixels for _, _, crop in due])
    for (track, sample, crop), probability, boundary in zip(due, probabilities, maps):
        sample.blend = float(probability)
        track.last_blend_s = sample.time_s
        if track.peak_blend is None or sample.blend > track.peak_blend[1].probability:
            track.peak_blend = (sample.time_s, BlendScore(sample.blend, boundary, crop))


def follow_faces(frames, model: FaceModel, calibration: dict | None, sample_every_s: float,
                 contact_times: np.ndarray, progress=None, duration_s: float | None = None,
                 detector: BlendDetector | None = None) -> FollowedVideo:
    """Detect, follow and measure faces over the sampled ``frames`` (an iterator of VideoFrame); with a
    ``detector``, the learned face-blend detector scores each face too, at most every ``BLEND_EVERY_S``."""
    tracks: list[Track] = []
    layout = np.array(calibration["mean_layout"]) if calibration else None
    logistic = LogisticModel(**calibration["model"]) if calibration else None
    next_detection, sampled, contact, next_contact = -np.inf, 0, [], 0
    frame: VideoFrame
    for frame in frames:
        sampled += 1
        active = [t for t in tracks if t.active]
        current: list[tuple[Track, np.ndarray]] = []
        if frame.time_s >= next_detection:
            next_detection = frame.time_s + DETECT_EVERY_S
            found = model.find(frame.rgb)
            links = link_boxes([points_box(t.last_points) for t in active], [points_box(f.points) for f in found],
                               MIN_LINK_IOU)
            for index, face in enumerate(found):
                track = active[links[index]] if index in links else Track(len(tracks) + 1)
                if index not in links:
                    tracks.append(track)
                track.box_offset = _offset(face.box, face.points)
                current.append((track, face.points))
            for track in active:
                if all(track is not t for t, _ in current):
                    track.active = False  # not found again: the face left, turned away or was covered
        else:
            grey = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2GRAY)
            for track in active:
                points = model.landmarks(grey, _follow_box(track.last_points, track.box_offset))
                if box_iou(points_box(points), points_box(track.last_points)) < MIN_LINK_IOU:
                    track.active = False  # the fit slid off the face (a cut, fast motion): wait for the next detection
                    next_detection = frame.time_s
                    continue
                current.append((track, points))
        blend_due: list[tuple[Track, FaceSample, FaceCrop]] = []
        for track, points in current:
            due = _due(frame.time_s, track.last_scored_s, SCORE_EVERY_S)
            sample = _measure(frame.rgb, points, frame.time_s, layout, logistic) if due else FaceSample(
                frame.time_s, points, None, None)
            if sample.probability is not None:
                track.last_scored_s = frame.time_s
            if detector is not None and _due(frame.time_s, track.last_blend_s, BLEND_EVERY_S):
                crop = _blend_crop(frame.rgb, track, points)
                if crop is not None:
                    blend_due.append((track, sample, crop))
            track.samples.append(sample)
        if detector is not None:
            _score_blends(detector, blend_due)
        if next_contact < len(contact_times) and frame.time_s + 1e-6 >= contact_times[next_contact]:
            contact.append((frame.time_s, _thumbnail(frame.rgb, current)))
            while next_contact < len(contact_times) and contact_times[next_contact] <= frame.time_s + 1e-6:
                next_contact += 1
        if progress and duration_s:
            progress(min(frame.time_s / duration_s, 0.99))
    if progress:
        progress(1.0)
    return FollowedVideo(tracks, sampled, sample_every_s, contact)


def _measure(rgb: np.ndarray, points: np.ndarray, time_s: float, layout, logistic) -> FaceSample:
    height, width = rgb.shape[:2]
    inside = (points[:, 0] >= 0) & (points[:, 1] >= 0) & (points[:, 0] < width) & (points[:, 1] < height)
    # A face mostly out of the picture (followed as it leaves) has too little boundary to measure; the still
    # analyser's faces, found by the detector, are at most clipped at the edge, as the 80 % rule allows.
    if inside.mean() < MIN_INSIDE_SHARE or not_analysable_reason(points) or layout is None:
        return FaceSample(time_s, points, None, None)
    regions = face_regions(rgb.shape[:2], points, BAND_FRACTION)
    measures, _, features = face_features(rgb, points, regions, layout)
    probability = float(logistic.probability(np.array(features))[0])
    return FaceSample(time_s, points, probability, measures.log_noise_ratio)


def _score_colour(probability: float | None) -> tuple[int, int, int]:
    if probability is None:
        return (160, 160, 160)
    return (int(255 * probability), int(200 * (1 - probability)), 40)


def _thumbnail(rgb: np.ndarray, current: list[tuple[Track, np.ndarray]]) -> np.ndarray:
    scale = THUMB_WIDTH / rgb.shape[1]
    thumb = cv2.resize(rgb, (THUMB_WIDTH, max(1, round(rgb.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    for track, points in current:
        x0, y0, x1, y1 = (np.array(points_box(points)) * scale).round().astype(int)
        colour = _score_colour(track.samples[-1].probability)
        cv2.rectangle(thumb, (int(x0), int(y0)), (int(x1), int(y1)), colour, 2)
        cv2.putText(thumb, str(track.number), (int(x0), max(10, int(y0) - 3)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
    return thumb


@register
class VideoFacesAnalyser(Analyser):
    name = "video_faces"
    title = "Faces in the video"
    version = "0.2.2"
    kinds = frozenset({"video"})
    description = "Faces followed through the video; blending-boundary score per frame and per face, eye closures, landmark jitter."

    def parameters(self) -> dict:
        calibration, reference = load_calibration(), load_reference()
        return {"max_rate_per_s": MAX_RATE, "max_samples": MAX_SAMPLES, "detect_every_s": DETECT_EVERY_S,
                "band_fraction": BAND_FRACTION, "min_measured": MIN_MEASURED, "min_measured_seconds": MIN_MEASURED_SECONDS,
                "calibration": calibration["trained"] if calibration else None,
                "levels": reference["levels"] if reference else None, "score_every_s": SCORE_EVERY_S,
                "blend_every_s": BLEND_EVERY_S, "min_blend_measured": MIN_BLEND_MEASURED,
                "blend_detector_sha256": detector.sha256 if (detector := blend_detector()) else None,
                "blend_levels": reference.get("blend_levels") if reference else None,
                "min_blend_face_px": MIN_BLEND_FACE_PX, "learned_max_outside_share": LEARNED_MAX_OUTSIDE_SHARE,
                "min_link_iou": MIN_LINK_IOU, "min_inside_share": MIN_INSIDE_SHARE, "blink_min_rate_per_s": BLINK_MIN_RATE,
                "contact_frames": CONTACT_FRAMES, "contact_thumbnail_width_px": THUMB_WIDTH,
                "min_face_px": MIN_FACE_PX, "frontal_range": list(FRONTAL_RANGE),
                "eyes_closed_below": EYES_CLOSED_BELOW, "eyes_reopened_above": EYES_REOPENED_ABOVE}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        try:
            model = default_face_model()
        except ModelsMissing as error:
            raise NotApplicable(str(error)) from None
        try:
            facts = stream_facts(media.path)
        except VideoUnreadable as error:
            raise NotApplicable(str(error)) from None
        duration = facts.duration_s or media.duration_s or 0.0
        rate = min(MAX_RATE, facts.frame_rate or MAX_RATE)
        every_s = max(1.0 / rate, duration / MAX_SAMPLES if duration else 0.0)
        contact_times = np.linspace(0, max(duration - every_s, 0), CONTACT_FRAMES)
        calibration = load_calibration()
        detector = blend_detector()
        try:
            followed = follow_faces(decoded_ahead(sample_frames(media.path, every_s, MAX_SAMPLES)),
                                    model, calibration, every_s, contact_times, context.progress, duration, detector)
        except VideoUnreadable as error:
            raise NotApplicable(str(error)) from None
        if followed.sampled == 0:
            raise NotApplicable("no frame could be decoded")
        findings = [_overview(followed, model, duration)]
        reference = load_reference()
        for track in followed.tracks:
            findings.append(_track_finding(track, followed, reference))
            if detector is not None:
                findings.append(_blend_track_finding(track, followed, track_blend_levels(reference, detector)))
        components = list(model.models) if followed.tracks else model.models[:1]
        if calibration and any(len(track.scores) for track in followed.tracks):
            components.append(calibration_component(calibration))
        if detector is not None and any(len(track.blend_scores) for track in followed.tracks):
            components.append(detector_component(detector))
        return AnalyserOutput(findings=findings, trained_components=components)


def _overview(followed: FollowedVideo, model: FaceModel, duration: float) -> Finding:
    figures = []
    if followed.contact:
        figures.append(photo_figure(
            "Sampled frames", "Frames spread over the video, each face boxed and numbered by track; the box colour is "
            "that frame's score (green low, red high, grey not measurable).",
            contact_sheet([(f"{time_s:.2f} s", thumb) for time_s, thumb in followed.contact])))
    scored = [t for t in followed.tracks if len(t.scores)]
    if scored:
        colours = [(200, 40, 40), (40, 90, 200), (30, 150, 60), (160, 60, 160), (220, 140, 0)]
        series, times = [], np.array(sorted({s.time_s for t in scored for s in t.samples if s.probability is not None}))
        for index, track in enumerate(scored[:5]):
            lookup = {s.time_s: s.probability for s in track.samples if s.probability is not None}
            values = np.array([lookup.get(t, np.nan) for t in times])
            series.append((f"face {track.number}", values, colours[index % len(colours)]))
        figures.append(time_plot_figure(
            "Per-frame score over time", "Score of the blending-boundary model in each sampled frame, per face track "
            "(0 to 1; up to five tracks drawn).", times, series, 0.0, 1.0, "score", dots=True))
    return Finding(
        key="video_faces.tracks", proposition=Proposition.CONTENT, title="Faces followed through the video", strength=Strength.NONE, score=0.0,
        explanation=(f"{len(followed.tracks)} face track(s) in {followed.sampled} sampled frames (one every "
                     f"{followed.sample_every_s:.2f} s over {duration:.1f} s)." if followed.tracks else
                     f"No face was found in {followed.sampled} sampled frames (one every {followed.sample_every_s:.2f} s). "
                     "The detector finds faces seen roughly from the front and at least about 40 pixels wide."),
        method=f"HOG face detection every {DETECT_EVERY_S:g} s; in between, 68 landmarks fitted in the box the previous "
               "frame's landmarks give; detections linked to tracks by box overlap (IoU >= 0.3)",
        reference=BOUNDARY_REFERENCES,
        measurements=[Measurement("frames sampled", followed.sampled),
                      Measurement("sampling interval", round(followed.sample_every_s, 3), "seconds"),
                      Measurement("face tracks", len(followed.tracks))] + [
            Measurement(f"model: {info.name}", info.file, note=f"licence: {info.licence}") for info in model.models],
        figures=figures,
        limitations=["A face that leaves and re-enters the picture starts a new track.",
                     "Frames between samples are decoded but not examined; a manipulation shorter than the sampling "
                     "interval can be missed."],
    )


def _track_finding(track: Track, followed: FollowedVideo, reference: dict | None) -> Finding:
    scores = track.scores
    times = np.array([s.time_s for s in track.samples])
    measured_times = [s.time_s for s in track.samples if s.probability is not None]
    title = TRACK_TITLE.format(track.number)
    span = [round(float(times.min()), 2), round(float(times.max()), 2)]
    temporal = _temporal_measurements(track, followed.sample_every_s)
    measured_span = (max(measured_times) - min(measured_times) + followed.sample_every_s) if measured_times else 0.0
    if len(scores) < MIN_MEASURED or measured_span < MIN_MEASURED_SECONDS:
        return Finding(
            key=f"video_faces.track.{track.number}", proposition=Proposition.CONTENT, title=title, strength=Strength.NONE, score=0.0,
            explanation=(f"Seen in {len(track.samples)} sampled frame(s), scored in {len(scores)} covering "
                         f"{measured_span:.1f} s: a track is scored from at least {MIN_MEASURED} measurable frames over "
                         f"{MIN_MEASURED_SECONDS:g} s (faces too small or turned too far cannot be measured). Nothing is "
                         "concluded about it."),
            method="Landmark geometry", reference=BOUNDARY_REFERENCES,
            measurements=[Measurement("seen from / to", span, "seconds")] + temporal,
            limitations=[f"Only faces seen roughly from the front and at least {MIN_FACE_PX} pixels wide are measured."])
    median = float(np.median(scores))
    window = max(3, int(round(1.0 / max(SCORE_EVERY_S, followed.sample_every_s))))  # scored frames in 1 s
    windowed = rolling_median(scores, window)
    levels = reference["levels"] if reference else []
    strength = next((Strength(level) for threshold, level in levels if median >= threshold), Strength.NONE)
    measured = [s for s in track.samples if s.probability is not None]
    top = sorted(measured, key=lambda s: s.probability, reverse=True)[:3]
    explanation = (
        f"Followed in {len(track.samples)} sampled frames between {span[0]} and {span[1]} s and scored in {len(scores)} "
        f"(at most {1 / SCORE_EVERY_S:g} a second, where the face is measurable). "
        f"The median per-frame score is {median:.2f}. " + (
            ("No strength is claimed: no reference set of untouched videos is shipped with this version." if not levels else
             "That is within what untouched clips of our reference set reach.")
            if strength is Strength.NONE else
            "Over the track, the inner face differs from its surroundings more than in any untouched clip of our "
            "reference set but a few, the way pasted faces do; the frames listed drive this score and are the ones "
            "to examine.")
        + (f" In some stretch the score is much higher than elsewhere (1-s medians from {windowed.min():.2f} to "
           f"{windowed.max():.2f}): the face may be replaced in part of the video only." if windowed.max() - windowed.min() >= 0.4 else ""))
    figures = [time_plot_figure(
        f"Face {track.number}: score and eyes over time",
        "Red dots: the per-frame score (0 to 1); blue: the eye aspect ratio (0 to 0.5, below about "
        f"{EYES_CLOSED_BELOW:g} the eyes are closed).", times,
        [("score", np.array([np.nan if s.probability is None else s.probability for s in track.samples]), (200, 40, 40)),
         ("eye aspect ratio x 2", 2 * np.array([eye_aspect_ratio(s.points) for s in track.samples]), (40, 90, 200))],
        0.0, 1.0, "score; eye aspect ratio x 2", dots=True)]
    return Finding(
        key=f"video_faces.track.{track.number}", proposition=Proposition.CONTENT, title=title, strength=strength,
        score=median, explanation=explanation,
        method="The still-image face analyser's boundary measures and calibrated model in every sampled frame; the "
               "track's score is the median over its frames; levels from untouched reference clips" +
               (f" ({reference['built']})" if reference else ""),
        reference=BOUNDARY_REFERENCES + "; " + TEMPORAL_REFERENCES,
        measurements=[Measurement("seen from / to", span, "seconds"),
                      Measurement("frames scored", len(scores)),
                      Measurement("median per-frame score", round(median, 3)),
                      Measurement("1-s median score, lowest / highest", [round(float(windowed.min()), 3), round(float(windowed.max()), 3)]),
                      Measurement("frames with the highest scores",
                                  "; ".join(f"{s.time_s:.2f} s: {s.probability:.3f}" for s in top),
                                  note="time in the video: per-frame score")] + temporal,
        figures=figures,
        limitations=[
            "The per-frame model was calibrated on still photos and on swaps we generated; video compression and "
            "motion blur weaken the boundary traces, and face filters applied live can create them.",
            "Faces that are rendered (animation, games) or not photographed in visible light (thermal cameras) are "
            "outside what the model knows: their inner face is smoother than its surroundings and can score high.",
            "Eye closures and landmark jitter are shown, not scored: they depend on the person, the frame rate and "
            "the compression, and we have no reference set of untouched videos large enough to calibrate them.",
        ] + (reference.get("limitations", []) if reference else []),
    )


def _temporal_measurements(track: Track, every_s: float) -> list[Measurement]:
    ratios = np.array([eye_aspect_ratio(s.points) for s in track.samples])
    jitter = [landmark_jitter(a.points, b.points) for a, b in zip(track.samples, track.samples[1:])
              if b.time_s - a.time_s <= 1.5 * every_s]
    noise = np.array([np.nan if s.log_noise_ratio is None else s.log_noise_ratio for s in track.samples])
    flicker = np.abs(np.diff(noise))
    seconds = (track.samples[-1].time_s - track.samples[0].time_s) + every_s
    blinks = count_blinks(ratios, EYES_CLOSED_BELOW, EYES_REOPENED_ABOVE) if 1.0 / every_s >= BLINK_MIN_RATE else None
    return [
        Measurement("eye aspect ratio, median", round(float(np.nanmedian(ratios)), 3)),
        Measurement("eye closures", blinks, note=(f"{60 * blinks / seconds:.1f} per minute; people blink about 15-20 "
                                                  "times a minute at rest" if blinks is not None else
                                                  f"not counted: sampling below {BLINK_MIN_RATE:g} frames per second")),
        Measurement("landmark jitter, median", round(100 * float(np.median(jitter)), 2) if jitter else None,
                    "% of the eye distance", note="movement left after removing the head's shift, turn and scale"),
        Measurement("flicker of the noise ratio, median", round(float(np.nanmedian(flicker)), 3) if np.isfinite(flicker).any() else None,
                    note="change of the log noise ratio from one sampled frame to the next"),
    ]


def _blend_track_finding(track: Track, followed: FollowedVideo, levels: dict | None) -> Finding:
    key, title = f"video_faces.blend.{track.number}", f"Face track {track.number}: learned blend detector over time"
    scores = track.blend_scores
    measured = [s for s in track.samples if s.blend is not None]
    span = (measured[-1].time_s - measured[0].time_s + BLEND_EVERY_S) if measured else 0.0
    limitations = ["The detector finds blending: a face generated or re-enacted without pasting it into the frame "
                   "leaves no blend to find.",
                   "The track levels were set on untouched clips made from still photos; real camera footage of "
                   "faces was not available to check them."]
    if len(scores) < MIN_BLEND_MEASURED or span < MIN_MEASURED_SECONDS:
        return Finding(
            key=key, proposition=Proposition.CONTENT, title=title, strength=Strength.NONE, score=0.0,
            explanation=(f"Scored by the learned detector in {len(scores)} frame(s) covering {span:.1f} s: a track is "
                         f"scored from at least {MIN_BLEND_MEASURED} frames over {MIN_MEASURED_SECONDS:g} s (faces narrower "
                         f"than {MIN_BLEND_FACE_PX} pixels or mostly outside the frame are not scored). Nothing is "
                         "concluded about it."),
            method=BLEND_METHOD, reference=BLEND_REFERENCES, measurements=[Measurement("frames scored", len(scores))],
            limitations=limitations)
    median = float(np.median(scores))
    strength = level_of(median, levels)
    top = sorted(measured, key=lambda s: s.blend, reverse=True)[:3]
    explanation = (f"The learned detector scored this face in {len(scores)} frames (at most {1 / BLEND_EVERY_S:g} a "
                   f"second); the median output is {median:.2f}. " + (
                       "No strength is claimed: no track levels for this detector ship with this version." if not levels
                       else "That is within what untouched reference clips reach." if strength is Strength.NONE else
                       "That is above what untouched reference clips reach: the detector sees a face blended into the "
                       "frames. The map shows where it locates the boundary in the frame it scored highest."))
    figures = []
    if track.peak_blend is not None:
        time_s, peak = track.peak_blend
        boundary = cv2.resize(peak.boundary, peak.crop.pixels.shape[1::-1], interpolation=cv2.INTER_LINEAR)
        figures.append(heat_map_figure(
            f"Face track {track.number}: learned detector's boundary map at {time_s:.2f} s",
            "The face as the detector saw it in the frame it scored highest, with the probability that a blending "
            "boundary runs through each part (0 blue to 1 red; white outlines above one half).", peak.crop.pixels,
            boundary, 0.0, 1.0, outline=boundary > 0.5))
    return Finding(
        key=key, proposition=Proposition.CONTENT, title=title, strength=strength, score=median, explanation=explanation,
        method=BLEND_METHOD + "; the track's score is the median over its frames" +
        (f"; levels from untouched reference clips ({levels['built']})" if levels else ""),
        reference=BLEND_REFERENCES,
        measurements=[Measurement("frames scored", len(scores)),
                      Measurement("median detector output", round(median, 3)),
                      Measurement("verbal levels (of the median)", levels_in_words(levels["levels"]) if levels else None),
                      Measurement("frames with the highest outputs", "; ".join(f"{s.time_s:.2f} s: {s.blend:.3f}" for s in top),
                                  note="time in the video: detector output")],
        figures=figures, limitations=limitations)
