"""The further pictures a file holds beside its primary one: the frames of an animated GIF, WebP or PNG (APNG),
and the images a Multi-Picture (MPO) JPEG declares (CIPA DC-007: previews, stereo and multi-angle views,
panorama parts, disparity maps).

Each is decoded from the file's bytes already in memory, reduced to at most ``REDUCED_SIDE_PX`` a side (enough to
compare and to show, and bounded memory whatever the frame count), and listed with what the file says of it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from forensics.algorithms.jpeg_structure import mp_entries, parse_jpeg
from forensics.errors import describe_error
from forensics.figures import reduce

REDUCED_SIDE_PX = 256
MAX_PICTURES = 200  # listed and compared; a longer animation is counted, and its first frames listed

# CIPA DC-007-2009 section 5.2.3.3.1, MP Entry type codes.
MP_TYPES = {0x030000: "primary (baseline)", 0x010001: "large preview (640 x 480 class)",
            0x010002: "large preview (1920 x 1080 class)", 0x020001: "panorama part", 0x020002: "stereo view (disparity)",
            0x020003: "multi-angle view", 0x000000: "undefined"}


@dataclass(frozen=True)
class Picture:
    number: int  # 1 for the primary picture, then in file order
    kind: str  # "animation frame", or the MP Entry's type
    width: int | None
    height: int | None
    duration_ms: float | None  # of an animation frame
    reduced: np.ndarray | None  # RGB uint8, at most REDUCED_SIDE_PX a side; None when it cannot be decoded
    problem: str | None = None


def secondary_pictures(data: bytes, file_format: str, frame_count: int, max_pixels: int) -> list[Picture]:
    """The pictures after the first (at most MAX_PICTURES - 1 of them) of an animated picture or an MPO file; an
    MPO image declaring more than ``max_pixels`` is listed, not decoded (an animation's frames share the canvas
    whose size the loader checked)."""
    if file_format == "JPEG":
        return _mpo_pictures(data, max_pixels)
    if file_format in ("GIF", "WebP", "PNG") and frame_count > 1:
        return _animation_frames(data, frame_count)
    return []


def _animation_frames(data: bytes, frame_count: int) -> list[Picture]:
    frames = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        image = Image.open(io.BytesIO(data))
        for index in range(1, min(frame_count, MAX_PICTURES)):
            try:
                image.seek(index)
                rgb = np.asarray(image.convert("RGB"))
            except Exception as error:  # a damaged frame ends the listing: later frames build on it
                frames.append(Picture(index + 1, "animation frame", None, None, None, None, describe_error(error)))
                break
            frames.append(Picture(index + 1, "animation frame", rgb.shape[1], rgb.shape[0],
                                  float(image.info.get("duration", 0) or 0), reduce(rgb, REDUCED_SIDE_PX)))
    return frames


def _mpo_pictures(data: bytes, max_pixels: int) -> list[Picture]:
    structure = parse_jpeg(data)
    entries = next((found for segment, kind in structure.app_segments(data) if kind == "Multi-Picture Format"
                    if (found := mp_entries(segment.payload(data), segment.payload_start))), [])
    pictures = []
    for number, entry in enumerate(entries[1:MAX_PICTURES], start=2):
        kind = MP_TYPES.get(entry.type_code & 0xFFFFFF, f"type 0x{entry.type_code:06X}")
        held = data[entry.offset : entry.offset + entry.size]
        starts = held[:3] == b"\xff\xd8\xff"
        if starts and _declared_pixels(held) > max_pixels:
            pictures.append(Picture(number, kind, None, None, None, None, "not decoded: over the size limit (--max-megapixels)"))
            continue
        decoded = decode_embedded(held, max_pixels) if starts else None
        if decoded is None:
            problem = ("the file ends before it" if entry.offset + entry.size > len(data) else
                       "no picture starts at the offset the index gives" if not starts else "cannot be decoded")
            pictures.append(Picture(number, kind, None, None, None, None, problem))
            continue
        pictures.append(Picture(number, kind, decoded.shape[1], decoded.shape[0], None, reduce(decoded, REDUCED_SIDE_PX)))
    return pictures


# An embedded thumbnail, preview or claim picture larger than this is not decoded: cameras' largest previews are
# full-HD or the picture's own size, and a forged header must not make a small file allocate gigabytes.
MAX_EMBEDDED_PIXELS = 120_000_000


def decode_embedded(jpeg_or_png: bytes | None, max_pixels: int = MAX_EMBEDDED_PIXELS) -> np.ndarray | None:
    """A JPEG or PNG held inside the evidence file (a thumbnail, a preview, an MPO image) as RGB, or None when it is
    empty, undecodable, smaller than 8 pixels a side, or declares more than ``max_pixels``."""
    if not jpeg_or_png or _declared_pixels(jpeg_or_png) > max_pixels:
        return None
    try:
        decoded = cv2.imdecode(np.frombuffer(jpeg_or_png, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:  # OpenCV asserts on empty or hostile buffers instead of returning None
        return None
    if decoded is None or min(decoded.shape[:2]) < 8:
        return None
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def _declared_pixels(data: bytes) -> int:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big") * int.from_bytes(data[20:24], "big")
    header = parse_jpeg(data) if data[:2] == b"\xff\xd8" else None
    return (header.width or 0) * (header.height or 0) if header else 0
