"""Faces in videos: clips made in code from scikit-image's astronaut portrait (NASA, public domain).

The clip is a slow pan and zoom over the portrait with fresh noise in every frame, encoded with x264. The
manipulated clip has the face replaced, from the middle of the clip on, by itself passed through a 64-pixel
"generator" (the resolution loss of early face-swap models), so the truth is known frame by frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forensics.analysers import AnalysisContext, run_analysers
from forensics.analysers.video_faces import VideoFacesAnalyser, follow_faces
from forensics.evaluation.face_swap import self_swap
from forensics.evaluation.video_clips import encode, panned_frames
from forensics.media import load_media
from forensics.media.video import sample_frames
from forensics.models.faces import default_face_model
from forensics.results import Status

skimage_data = pytest.importorskip("skimage.data")
FRAMES, FPS = 40, 20


@pytest.fixture(scope="module")
def portrait():
    pixels = skimage_data.astronaut()
    return pixels, default_face_model().find(pixels)[0].points


def clip(path: Path, before: np.ndarray, after: np.ndarray, switch_at: int) -> Path:
    frames = (b if index < switch_at else a for index, (b, a) in enumerate(zip(
        panned_frames(before, FRAMES, (384, 384), seed=3, window=0.9),
        panned_frames(after, FRAMES, (384, 384), seed=3, window=0.9))))
    return encode(frames, path, FPS, crf=20)


@pytest.fixture(scope="module")
def untouched_clip(tmp_path_factory, portrait):
    return clip(tmp_path_factory.mktemp("video") / "untouched.mp4", portrait[0], portrait[0], FRAMES)


@pytest.fixture(scope="module")
def half_swapped_clip(tmp_path_factory, portrait):
    pixels, points = portrait
    swapped = self_swap(pixels, points, generator_px=64).image
    return clip(tmp_path_factory.mktemp("video") / "swapped.mp4", pixels, swapped, FRAMES // 2)


def analyse(path: Path, progress=None):
    result = run_analysers(load_media(path), AnalysisContext("E001", path.name, progress=progress), [VideoFacesAnalyser])[0]
    assert result.status is Status.RAN, result.reason
    return result


def measurement(finding, name):
    return next(m.value for m in finding.measurements if m.name == name)


def by_key(result) -> dict:
    return {f.key: f for f in result.findings}


def test_the_face_is_followed_through_every_sampled_frame(untouched_clip):
    shares = []
    result = analyse(untouched_clip, progress=shares.append)
    overview = by_key(result)["video_faces.tracks"]
    tracks = [f for f in result.findings if f.key.startswith("video_faces.track.")]
    assert len(tracks) == 1
    assert measurement(overview, "frames sampled") == FRAMES // 2  # 20 fps sampled at the 10-per-second cap
    assert measurement(tracks[0], "frames scored") == 8  # 4 a second over 2 s
    assert shares[-1] == 1.0 and shares == sorted(shares)
    assert {figure.title for figure in overview.figures} == {"Sampled frames", "Per-frame score over time"}


def test_an_untouched_clip_scores_low(untouched_clip):
    findings = by_key(analyse(untouched_clip))
    for key in ("video_faces.track.1", "video_faces.blend.1"):
        assert findings[key].strength.value == "none", key
        assert findings[key].score < 0.5, key


def test_the_learned_detector_follows_the_track_and_shows_where_it_sees_the_blend(half_swapped_clip):
    result = analyse(half_swapped_clip)
    blend = by_key(result)["video_faces.blend.1"]
    assert measurement(blend, "frames scored") == 4  # twice a second over 2 s
    highest = float(measurement(blend, "frames with the highest outputs").split(" s:")[0])
    assert highest >= FRAMES / FPS / 2 - 1e-6  # in the swapped half
    assert "boundary map" in blend.figures[0].title
    assert any("self-blended" in c.trained_on for c in result.trained_components)


def test_a_face_replaced_halfway_shows_in_the_second_half(half_swapped_clip):
    model = default_face_model()
    from forensics.models.face_calibration import load_calibration

    followed = follow_faces(sample_frames(str(half_swapped_clip), 0.1, 100), model, load_calibration(), 0.1,
                            np.array([0.0]))
    track = followed.tracks[0]
    samples = [(s.time_s, s.probability) for s in track.samples if s.probability is not None]
    first = [p for t, p in samples if t < FRAMES / FPS / 2 - 0.05]
    second = [p for t, p in samples if t >= FRAMES / FPS / 2]
    assert np.median(second) > np.median(first) + 0.2
    finding = by_key(analyse(half_swapped_clip))["video_faces.track.1"]
    low, high = measurement(finding, "1-s median score, lowest / highest")
    assert high - low > 0.2
    top_times = [float(entry.split(" s:")[0]) for entry in measurement(finding, "frames with the highest scores").split("; ")]
    assert min(top_times) >= FRAMES / FPS / 2 - 1e-6


def test_eye_and_jitter_measures_are_reported(untouched_clip):
    track = by_key(analyse(untouched_clip))["video_faces.track.1"]
    assert 0.15 < measurement(track, "eye aspect ratio, median") < 0.45
    assert measurement(track, "eye closures") == 0  # a still portrait: the eyes never close
    assert measurement(track, "landmark jitter, median") < 5.0  # % of the eye distance


def test_a_video_without_faces_says_so(video_file):
    result = analyse(video_file)
    assert len(result.findings) == 1
    assert "No face was found" in result.findings[0].explanation
