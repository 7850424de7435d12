"""Generated video clips with known history, for the video analysers' tests and evaluations.

A still photo becomes a clip by a slow pan and zoom of a window over it, with fresh sensor-like noise in
every frame (so that consecutive frames differ as in a camera, and the encoder has real residuals to
code). Clips are encoded with PyAV's libx264 (or libx265), optionally decoded and encoded again, with
frames removed in between, to give single and double encodings whose history is known exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np


def panned_frames(photo: np.ndarray, count: int, size: tuple[int, int], seed: int,
                  noise_sigma: float = 2.0, window: float = 0.85) -> Iterator[np.ndarray]:
    """``count`` RGB frames of ``size`` (width, height): a window of ``window`` x the photo drifting and zooming
    slowly across it, resized, plus Gaussian noise of ``noise_sigma`` grey levels (deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    height, width = photo.shape[:2]
    phase = rng.uniform(0, 2 * np.pi, 3)
    for index in range(count):
        t = index / max(count - 1, 1)
        scale = window + (1 - window) * 0.5 * np.sin(2 * np.pi * t + phase[0])
        crop_w, crop_h = int(width * scale), int(height * scale)
        x = int((width - crop_w) * (0.5 + 0.5 * np.sin(np.pi * t + phase[1])))
        y = int((height - crop_h) * (0.5 + 0.5 * np.sin(np.pi * t + phase[2])))
        frame = cv2.resize(photo[y:y + crop_h, x:x + crop_w], size, interpolation=cv2.INTER_AREA).astype(np.float32)
        frame += rng.normal(0, noise_sigma, frame.shape).astype(np.float32)
        yield np.clip(frame, 0, 255).astype(np.uint8)


def encode(frames: Iterable[np.ndarray], path: Path, fps: int = 25, codec: str = "libx264", crf: int = 23,
           group: int | None = None, b_frames: int | None = None) -> Path:
    """Encode RGB frames to an MP4. ``group``: fixed keyframe interval (no scene-cut keyframes); None keeps the
    encoder's adaptive default. ``b_frames``: maximum consecutive B-frames (None: the encoder's default)."""
    import av

    params = [f"keyint={group}", f"min-keyint={group}", "scenecut=0"] if group is not None else []
    if b_frames is not None:
        params.append(f"bframes={b_frames}")
    if codec == "libx265":
        params.append("log-level=none")
    options = {"crf": str(crf)}
    if params:
        options["x264-params" if codec == "libx264" else "x265-params"] = ":".join(params)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as output:
        stream = None
        for frame in frames:
            if stream is None:
                stream = output.add_stream(codec, rate=fps)
                stream.width, stream.height = frame.shape[1] // 2 * 2, frame.shape[0] // 2 * 2
                stream.pix_fmt = "yuv420p"
                stream.options = options
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame[:stream.height, :stream.width]), format="rgb24")
            for packet in stream.encode(picture):
                output.mux(packet)
        if stream is None:
            raise ValueError("no frames to encode")
        for packet in stream.encode():
            output.mux(packet)
    return path


def decoded(path: Path) -> Iterator[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        for frame in container.decode(container.streams.video[0]):
            yield frame.to_ndarray(format="rgb24")


def without(frames: Iterable[np.ndarray], start: int, count: int) -> Iterator[np.ndarray]:
    """The frames with ``count`` of them removed from index ``start`` (a cut in the middle of the clip)."""
    for index, frame in enumerate(frames):
        if not start <= index < start + count:
            yield frame


def edited(frames: Iterable[np.ndarray], edit: Callable[[np.ndarray], np.ndarray], first: int) -> Iterator[np.ndarray]:
    """The frames with ``edit`` applied from index ``first`` on (a manipulation in part of the clip only)."""
    for index, frame in enumerate(frames):
        yield edit(frame) if index >= first else frame
