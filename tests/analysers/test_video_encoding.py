"""Video encoding history on clips made in code: one encoding, two encodings, and a cut between them.

Clips pan slowly over scikit-image's coffee photo (public domain) with fresh noise per frame; the first
encoding of a double encoding uses fixed groups of 12 frames at crf 26, the second x264's adaptive defaults
at crf 20, so the period the analyser must find is known. Clips this small and short (6 s at 480x272) carry
a weaker trace than the evaluation's 8-s 960x540 clips, so the cut is checked against the single encoding
rather than against the shipped levels.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from forensics.analysers import AnalysisContext, run_analysers
from forensics.analysers.video_encoding import VideoEncodingAnalyser
from forensics.evaluation.video_clips import decoded, encode, panned_frames, without
from forensics.media import load_media
from forensics.media.video import packet_trace, stream_facts, top_level_boxes
from forensics.results import Status, Strength

skimage_data = pytest.importorskip("skimage.data")
FRAMES, SIZE = 150, (480, 272)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("encodings")
    photo = skimage_data.coffee()
    single = encode(panned_frames(photo, FRAMES, SIZE, seed=0), folder / "single.mp4", group=30, b_frames=2)
    first = encode(panned_frames(photo, FRAMES, SIZE, seed=0), folder / "first.mp4", crf=26, group=12, b_frames=0)
    double = encode(decoded(first), folder / "double.mp4", crf=20)
    cut = encode(without(decoded(first), 60, 7), folder / "cut.mp4", crf=20)
    return {"single": single, "first": first, "double": double, "cut": cut}


def analyse(path: Path):
    result = run_analysers(load_media(path), AnalysisContext("E001", path.name), [VideoEncodingAnalyser])[0]
    assert result.status is Status.RAN, result.reason
    return {finding.key: finding for finding in result.findings}


def value(finding, name):
    return next(m.value for m in finding.measurements if m.name == name)


def test_packets_and_container_facts_match_what_was_encoded(clips):
    trace = packet_trace(str(clips["first"]), 10_000)
    assert len(trace.sizes) == FRAMES
    assert trace.keyframe.sum() == (FRAMES - 1) // 12 + 1  # keyframes at 0, 12, ..., 144
    facts = stream_facts(str(clips["first"]))
    assert (facts.codec, facts.width, facts.height, facts.frame_rate) == ("h264", 480, 272, 25.0)
    assert top_level_boxes(str(clips["first"]))[0] == "ftyp"
    assert {"moov", "mdat"} <= set(top_level_boxes(str(clips["first"])))


def test_groups_of_pictures_are_counted(clips):
    groups = analyse(clips["single"])["video_encoding.frame_types"]
    i_frames, p_frames, b_frames = value(groups, "I / P / B frames")
    assert i_frames == 5 and i_frames + p_frames + b_frames == FRAMES
    assert b_frames > 0
    assert value(groups, "group length, min / median / max") == [30, 30.0, 30]
    assert "fixed group length" in groups.explanation


def test_a_single_encoding_is_not_flagged(clips):
    test = analyse(clips["single"])["video_encoding.periodicity"]
    assert test.strength is Strength.NONE


STATISTIC = "-log10 p (white-noise null)"
PERIOD = "candidate period of an earlier encoding"


def test_a_second_encoding_shows_the_first_ones_groups(clips):
    test = analyse(clips["double"])["video_encoding.periodicity"]
    assert test.strength.rank >= Strength.WEAK.rank
    assert value(test, PERIOD) == 12


def test_a_cut_before_the_second_encoding_leaves_the_same_period(clips):
    cut = analyse(clips["cut"])["video_encoding.periodicity"]
    single = analyse(clips["single"])["video_encoding.periodicity"]
    assert abs(value(cut, PERIOD) - 12) <= 1
    assert value(cut, STATISTIC) > value(single, STATISTIC) + 3


def test_an_intra_only_stream_is_not_tested(video_file):
    findings = analyse(video_file)
    assert findings["video_encoding.periodicity"].explanation.startswith("Not tested")
    assert "Every frame is a keyframe" in findings["video_encoding.frame_types"].explanation


def remuxed_with_tags(source: Path, target: Path, tags: dict[str, str]) -> Path:
    """``source``'s packets copied into a new MP4 by FFmpeg (PyAV), with ``tags`` set on the container."""
    import av

    # movflags=use_metadata_tags: FFmpeg writes non-standard keys such as Apple's make tag only when asked.
    with av.open(str(source)) as inp, av.open(str(target), "w", options={"movflags": "use_metadata_tags"}) as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        out.metadata.update(tags)
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is None:
                continue
            packet.stream = stream
            out.mux(packet)
    return target


def test_a_claimed_phone_whose_track_ffmpeg_wrote_is_pointed_out(clips, tmp_path):
    claimed = remuxed_with_tags(clips["single"], tmp_path / "claimed.mp4", {"com.apple.quicktime.make": "Apple"})
    finding = analyse(claimed)["video_encoding.handler"]
    assert finding.strength is Strength.MODERATE
    assert value(finding, "track handler") == "VideoHandler"
    assert value(finding, "handler written by") == "FFmpeg"
    untagged = remuxed_with_tags(clips["single"], tmp_path / "plain.mp4", {})
    assert "Track written by other software than the device the container names" not in analyse(untagged)
