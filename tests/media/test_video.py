"""Reading videos with PyAV: sampled frames at the times asked for, and clear refusals of what is not a video."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from forensics.evaluation.video_clips import encode
from forensics.media import load_media
from forensics.media.video import VideoUnreadable, packet_trace, sample_frames, stream_facts, top_level_boxes


@pytest.fixture(scope="module")
def counting_clip(tmp_path_factory):
    """50 frames at 25 fps whose mean grey level is 4 x the frame number, so every decoded frame names itself."""
    frames = (np.full((64, 96, 3), 4 * index, np.uint8) for index in range(50))
    return encode(frames, tmp_path_factory.mktemp("clip") / "count.mp4", fps=25, crf=0, group=10, b_frames=0)


def test_frames_are_sampled_at_the_interval_asked(counting_clip):
    frames = list(sample_frames(str(counting_clip), 0.2, 100))
    assert [f.index for f in frames] == list(range(0, 50, 5))
    assert [round(f.time_s, 2) for f in frames] == [round(0.2 * i, 2) for i in range(10)]
    assert [round(float(f.rgb.mean()) / 4) for f in frames] == list(range(0, 50, 5))
    assert frames[0].picture_type == "I" and frames[1].picture_type == "P"


def test_sampling_stops_at_the_frame_limit(counting_clip):
    assert len(list(sample_frames(str(counting_clip), 0.04, 7))) == 7


def test_the_packet_limit_truncates_and_says_so(counting_clip):
    trace = packet_trace(str(counting_clip), 20)
    assert len(trace.sizes) == 20 and trace.truncated
    assert not packet_trace(str(counting_clip), 1000).truncated


def test_a_file_that_is_not_a_video_is_refused(tmp_path, jpeg_file):
    text = tmp_path / "notes.txt"
    text.write_text("not a video at all\n" * 20)
    with pytest.raises(VideoUnreadable):
        stream_facts(str(text))
    assert top_level_boxes(str(jpeg_file)) is None
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"\x00\x00\x00\x08ftyp")
    with pytest.raises(VideoUnreadable):
        packet_trace(str(empty), 10)


@pytest.mark.corpus
def test_a_phone_video_stored_sideways_is_sampled_upright():
    # The iPhone 6 video of the corpus stores 568 x 320 frames with a display matrix of -90 degrees: it is shown,
    # and must be analysed, as a 320 x 568 portrait video (checked by eye: the game box's title reads upright).
    from tests.helpers import CORPUS

    path = CORPUS / "video" / "metadata-extractor" / "mov" / "with-gps.mov"
    frame = next(sample_frames(str(path), 1.0, 1))
    assert frame.rgb.shape == (568, 320, 3) and frame.rgb.flags["C_CONTIGUOUS"]
    media = load_media(path)
    assert (media.width, media.height, media.display_rotation) == (320, 568, 90)


def turned(path: Path, degrees_clockwise: int) -> Path:
    """A copy of an MP4 whose video track's display matrix (ISO/IEC 14496-12 section 8.3.2, 'tkhd') says to show it
    turned clockwise by ``degrees_clockwise``, written as phones write it (with the translation a player applies)."""
    data = bytearray(path.read_bytes())
    box = data.index(b"tkhd") - 4
    matrix = box + 12 + (32 if data[box + 8] == 1 else 20) + 16  # after the times, ids, duration and reserved fields
    width, height = (value >> 16 for value in struct.unpack_from(">II", data, matrix + 36))
    cos, sin = {0: (1, 0), 90: (0, 1), 180: (-1, 0), 270: (0, -1)}[degrees_clockwise]
    tx, ty = {0: (0, 0), 90: (height, 0), 180: (width, height), 270: (0, width)}[degrees_clockwise]
    struct.pack_into(">9i", data, matrix, cos << 16, sin << 16, 0, -sin << 16, cos << 16, 0, tx << 16, ty << 16, 1 << 30)
    copy = path.with_name(f"turned-{degrees_clockwise}.mp4")
    copy.write_bytes(bytes(data))
    return copy


@pytest.mark.parametrize("degrees, corner", [(0, (0, 0)), (90, (0, 1)), (180, (1, 1)), (270, (1, 0))])
def test_a_display_rotation_turns_every_frame_and_the_declared_size(tmp_path, degrees, corner):
    """64 x 96 frames with a white square in the stored top-left corner: shown turned a quarter clockwise, the square
    is at the top right of a 96 x 64 picture; half round, bottom right; three quarters, bottom left."""
    frames = []
    for _ in range(10):
        frame = np.full((64, 96, 3), 60, np.uint8)
        frame[:16, :16] = 250
        frames.append(frame)
    path = turned(encode(iter(frames), tmp_path / "marked.mp4", fps=25, crf=0, group=10, b_frames=0), degrees)
    rgb = next(sample_frames(str(path), 1.0, 1)).rgb
    assert rgb.shape[:2] == ((64, 96) if degrees in (0, 180) else (96, 64))
    bright = np.argwhere(rgb[..., 1] > 200)
    half = np.array(rgb.shape[:2]) / 2
    assert tuple((bright.mean(axis=0) > half).astype(int)) == corner and len(bright) > 200
    media = load_media(path)
    assert (media.height, media.width) == rgb.shape[:2] and media.display_rotation == degrees


def test_frames_without_a_display_rotation_are_left_as_stored(counting_clip):
    frame = next(sample_frames(str(counting_clip), 1.0, 1))
    assert frame.rgb.shape[0] < frame.rgb.shape[1]  # the generated clip is landscape, and stays so


def test_frames_decoded_ahead_are_the_same_frames_in_the_same_order(counting_clip):
    from forensics.media.video import decoded_ahead

    ahead = list(decoded_ahead(sample_frames(str(counting_clip), 0.2, 100), depth=2))
    plain = list(sample_frames(str(counting_clip), 0.2, 100))
    assert [f.index for f in ahead] == [f.index for f in plain]
    assert all(np.array_equal(a.rgb, p.rgb) for a, p in zip(ahead, plain))


def test_decoding_ahead_stops_when_the_caller_stops_and_passes_on_errors(counting_clip):
    import threading

    from forensics.media.video import decoded_ahead

    frames = decoded_ahead(sample_frames(str(counting_clip), 0.04, 100), depth=2)
    assert next(frames).index == 0
    frames.close()  # the caller stops after one frame: the decoding thread ends, nothing is left running
    assert not any(t.name == "decoder" for t in threading.enumerate())

    def failing():
        yield from sample_frames(str(counting_clip), 0.2, 2)
        raise VideoUnreadable("broken after two frames")

    received = []
    with pytest.raises(VideoUnreadable, match="broken after two frames"):
        for frame in decoded_ahead(failing()):
            received.append(frame.index)
    assert received == [0, 5]


def test_decoding_a_damaged_video_does_not_hang(tmp_path):
    """FFmpeg's frame threads log while a damaged stream is freed; with PyAV's Python log callback installed, that
    deadlocked the process (seen in the suite). Run in a process of its own, with a time limit."""
    import random
    import subprocess
    import sys
    from pathlib import Path

    damaged = bytearray((Path(__file__).resolve().parents[2] / "examples" / "portrait.mp4").read_bytes())
    start = damaged.index(b"mdat") + 5000
    end = damaged.index(b"moov") if damaged.index(b"moov") > start else len(damaged) - 5000
    rng = random.Random(1)
    for _ in range(300):  # inside the coded frames only: the container stays readable
        damaged[rng.randrange(start, end)] ^= 0xFF
    (tmp_path / "damaged.mp4").write_bytes(bytes(damaged))
    script = ("import sys; from forensics.media.video import sample_frames\n"
              "print(len(list(sample_frames(sys.argv[1], 0.04, 1000))), len(list(sample_frames(sys.argv[1], 0.04, 3))))\n"
              "print('done')\n")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "damaged.mp4")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stderr == "" and result.stdout.endswith("done\n"), result.stderr[-500:]
