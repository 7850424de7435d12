"""Reading video evidence with PyAV (FFmpeg): container facts, the packet trace, and sampled frames.

Nothing here holds a whole video in memory: the packet trace keeps four numbers per packet, and frames are
decoded one after another and handed out only at the sampling times (the rest are dropped as decoded).
FFmpeg reports damaged streams on stderr; its log level is lowered so that evidence with a corrupt packet
does not flood the terminal (the damage shows as a short trace or fewer frames, which the analysers state).
"""

from __future__ import annotations

import queue
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

# ISO/IEC 14496-12 boxes are walked only at the top level, to record their order (cameras write the media
# data before or after the index in fixed ways; re-muxers often move the index to the front). PyAV does not
# expose the order, and reading 8-byte box headers is not demuxing.
MAX_TOP_LEVEL_BOXES = 64


class VideoUnreadable(Exception):
    """The container cannot be opened or has no video stream (the analysers report themselves not applicable)."""


@dataclass(frozen=True)
class StreamFacts:
    container_format: str
    codec: str
    profile: str | None
    level: int | None
    width: int
    height: int
    frame_rate: float | None
    declared_frames: int | None
    duration_s: float | None
    container_tags: dict[str, str]
    stream_tags: dict[str, str]


@dataclass(frozen=True)
class PacketTrace:
    """The video stream's packets in decode order (empty and flush packets dropped)."""

    times_s: np.ndarray  # presentation time, seconds (NaN where the packet has none)
    sizes: np.ndarray  # bytes
    keyframe: np.ndarray  # bool: the packet starts a frame decodable on its own
    truncated: bool  # True when reading stopped at ``max_packets``


@dataclass(frozen=True)
class VideoFrame:
    index: int  # position in display order among decoded frames
    time_s: float
    picture_type: str  # "I", "P", "B" or "?" as the decoder reports it
    rgb: np.ndarray  # (height, width, 3) uint8


def _open(path: str):
    import av

    # None, not a level: any level installs PyAV's Python log callback, and a decoder thread that logs while the
    # stream is freed (frame-threaded decoding stopped early, or a damaged file) then waits for the interpreter
    # lock the freeing thread holds: a deadlock. With None, FFmpeg logs nowhere (nothing reaches stderr either).
    av.logging.set_level(None)
    try:
        container = av.open(path)
    except Exception as error:  # PyAV raises many FFmpeg error classes for hostile files
        # FFmpeg's errors name the file opened, the case's object path: its reason alone is said.
        reason = getattr(error, "strerror", None) or str(error)
        raise VideoUnreadable(f"the container cannot be opened ({str(reason)[:120]})") from None
    if not container.streams.video:
        container.close()
        raise VideoUnreadable("the container holds no video stream")
    return container


def stream_facts(path: str) -> StreamFacts:
    container = _open(path)
    try:
        stream = container.streams.video[0]
        context = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate
        duration = (container.duration / 1_000_000) if container.duration else (
            float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None)
        level = getattr(context, "level", None)
        return StreamFacts(
            container_format=container.format.name, codec=context.name, profile=context.profile,
            level=level if isinstance(level, int) and level >= 0 else None, width=context.width,
            height=context.height, frame_rate=float(rate) if rate else None,
            declared_frames=stream.frames or None, duration_s=duration,
            container_tags={str(k): str(v) for k, v in container.metadata.items()},
            stream_tags={str(k): str(v) for k, v in stream.metadata.items()},
        )
    finally:
        container.close()


def packet_trace(path: str, max_packets: int) -> PacketTrace:
    container = _open(path)
    times, sizes, keys = [], [], []
    truncated = False
    try:
        stream = container.streams.video[0]
        base = float(stream.time_base) if stream.time_base else None
        try:
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                if len(sizes) >= max_packets:
                    truncated = True
                    break
                times.append(packet.pts * base if packet.pts is not None and base else np.nan)
                sizes.append(packet.size)
                keys.append(bool(packet.is_keyframe))
        except Exception:  # a damaged tail: keep what was read (the trace says how much)
            truncated = True
    finally:
        container.close()
    return PacketTrace(np.array(times, dtype=np.float64), np.array(sizes, dtype=np.int64),
                       np.array(keys, dtype=bool), truncated)


def sample_frames(path: str, every_s: float, max_frames: int) -> Iterator[VideoFrame]:
    """Decode the first video stream in order and yield one frame per ``every_s`` seconds of presentation time
    (at most ``max_frames``). The loader has already refused frame sizes over the configured limit."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        next_time, given = None, 0
        try:
            for index, frame in enumerate(container.decode(stream)):
                time_s = float(frame.time) if frame.time is not None else index / float(stream.average_rate or 25)
                if next_time is None:
                    next_time = time_s
                if time_s + 1e-6 < next_time:
                    continue
                yield VideoFrame(index, time_s, _picture_type(frame), upright_pixels(frame))
                given += 1
                if given >= max_frames:
                    return
                while next_time <= time_s + 1e-6:
                    next_time += every_s
        except Exception:  # a damaged tail ends the sampling; what was decoded stands
            return
    finally:
        container.close()


def decoded_ahead(frames: Iterator[VideoFrame], depth: int = 4) -> Iterator[VideoFrame]:
    """``frames`` as they are, decoded on a second thread up to ``depth`` frames ahead of the caller: FFmpeg decodes
    and converts outside Python's lock, so the next frames are ready while the caller analyses this one. An
    exception raised while decoding is raised here; a caller that stops early stops the decoding too."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def offer(item) -> bool:
        """Put ``item`` in the queue unless the caller has stopped (then it would wait for ever)."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for frame in frames:
                if not offer((frame, None)):
                    return
            offer((done, None))
        except BaseException as error:  # handed to the caller, which raises it in its own thread
            offer((done, error))
        finally:
            close = getattr(frames, "close", None)
            if close:
                close()

    worker = threading.Thread(target=produce, name="decoder", daemon=True)
    worker.start()
    try:
        while True:
            frame, error = ready.get()
            if frame is done:
                if error is not None:
                    raise error
                return
            yield frame
    finally:
        stop.set()
        worker.join()


def upright_pixels(frame) -> np.ndarray:
    """A decoded frame as RGB, turned as its display matrix says it is shown: phones store portrait video as
    landscape frames with a rotation (PyAV's ``frame.rotation``, degrees counter-clockwise, e.g. -90 for an iPhone
    held upright), and faces must be seen, measured and drawn upright."""
    pixels = frame.to_ndarray(format="rgb24")
    turns = int(round(getattr(frame, "rotation", 0) or 0) / 90) % 4
    return np.ascontiguousarray(np.rot90(pixels, k=turns)) if turns else pixels


_PICTURE_TYPES = {1: "I", 2: "P", 3: "B"}  # FFmpeg's AVPictureType, which PyAV 18 returns as an int


def _picture_type(frame) -> str:
    kind = frame.pict_type
    return _PICTURE_TYPES.get(kind, "?") if isinstance(kind, int) else getattr(kind, "name", "?")


def top_level_boxes(path: str) -> list[str] | None:
    """Names of the top-level ISO base media boxes in file order (None if the file is not such a file)."""
    boxes = _top_level_box_extents(path)
    return None if boxes is None else [kind for kind, _, _ in boxes]


def _top_level_box_extents(path: str) -> list[tuple[str, int, int]] | None:
    """(name, start, declared size) of each top-level ISO base media box, in file order; None if not such a file."""
    boxes = []
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        end = handle.tell()
        position = 0
        while position + 8 <= end and len(boxes) < MAX_TOP_LEVEL_BOXES:
            handle.seek(position)
            size, kind = struct.unpack(">I4s", handle.read(8))
            if size == 1:
                size = struct.unpack(">Q", handle.read(8))[0]
            elif size == 0:
                size = end - position
            if size < 8 or not all(32 <= c < 127 for c in kind):
                break
            boxes.append((kind.decode("ascii"), position, size))
            position += size
    return boxes if boxes and boxes[0][0] in ("ftyp", "wide", "free", "mdat", "moov", "skip", "pnot") else None


def container_damage(path: str) -> str | None:
    """What shows, from the container's own structure, that a video file is cut short or lacks its index (None
    when nothing does): an ISO base media box (ISO/IEC 14496-12) or the RIFF chunk of an AVI declaring more bytes
    than the file holds, or an ISO file without its 'moov' box. Other containers are not checked."""
    size = Path(path).stat().st_size
    boxes = _top_level_box_extents(path)
    if boxes is not None:
        beyond = next(((kind, start + length - size) for kind, start, length in boxes if start + length > size), None)
        if beyond:
            return f"its '{beyond[0]}' box runs {beyond[1]} bytes past the end of the file"
        if "moov" not in [kind for kind, _, _ in boxes]:
            return ("it holds no 'moov' box, the index of its frames (cut short before the index was written, or a "
                    "recording interrupted)")
        return None
    with open(path, "rb") as handle:
        head = handle.read(12)
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        declared = struct.unpack("<I", head[4:8])[0] + 8
        if declared > size:
            return f"its RIFF chunk declares {declared} bytes and the file holds {size}"
    return None


def packets_present(path: str, max_packets: int) -> int:
    """How many video packets are whole in the file (demuxed, not decoded: cheap), at most ``max_packets``."""
    container = _open(path)
    count = 0
    try:
        for packet in container.demux(container.streams.video[0]):
            if packet.size and count < max_packets:
                count += 1
            elif packet.size:
                break
    except Exception:  # the data ends inside a packet: those before it are counted
        pass
    finally:
        container.close()
    return count
