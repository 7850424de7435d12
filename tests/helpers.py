"""Helpers the tests share: fixtures' raw material built in code, so that every fixture states its own truth.

- ``textured_rgb``: a photo-like picture; ``build_exif``: a minimal EXIF (TIFF) writer (IFD0 with ASCII and
  SHORT tags, an Exif sub-IFD, an optional GPS IFD and an optional IFD1 with a JPEG thumbnail, little-endian, as
  EXIF 2.32 section 4.5 lays them out);
- JPEG segments taken apart and put together byte by byte (``segments_before_scan``, ``assemble``,
  ``camera_style``), independent of the parser under test;
- a case analysed end to end and its report input (``analysed_case``, ``report_input``);
- ``RecordingHandler``: an HTTP handler that records every request (the renderer must make none).

Fixtures themselves live in ``conftest.py``.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import struct
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def textured_rgb(height: int, width: int, seed: int = 0) -> np.ndarray:
    """A smooth scene plus mild noise: compresses like a photo rather than like noise or a flat card."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([
        128 + 60 * np.sin(x / 37.0) * np.cos(y / 53.0),
        128 + 50 * np.cos((x + y) / 41.0),
        128 + 40 * np.sin(y / 29.0),
    ], axis=-1)
    return np.clip(base + rng.normal(0, 4, base.shape), 0, 255).astype(np.uint8)


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def written(name: str, content: bytes):
    """A parametrisable maker of a file with the given content in a test's folder."""

    def make(folder: Path) -> Path:
        (folder / name).write_bytes(content)
        return folder / name

    return make


class RecordingHandler(http.server.BaseHTTPRequestHandler):
    """Records every request: the report renderer must never make one."""

    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        RecordingHandler.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"body { background: red }")

    def log_message(self, *args):
        pass


# ------------------------------------------------------------------ EXIF

BYTE, ASCII, SHORT, LONG, RATIONAL, SRATIONAL = 1, 2, 3, 4, 5, 10


def _entry_value(kind: int, value) -> tuple[int, bytes]:
    if kind == ASCII:
        raw = value.encode("latin-1") + b"\x00"
        return len(raw), raw
    if kind == BYTE:
        return len(value), bytes(value)
    if kind == SHORT:
        values = value if isinstance(value, tuple) else (value,)
        return len(values), struct.pack(f"<{len(values)}H", *values)
    if kind == LONG:
        return 1, struct.pack("<I", value)
    if kind in (RATIONAL, SRATIONAL):
        raw = b"".join(struct.pack("<II" if kind == RATIONAL else "<ii", n, d) for n, d in value)
        return len(value), raw
    raise ValueError(kind)


def _ifd(entries: list[tuple[int, int, object]], start: int, next_ifd: int = 0) -> tuple[bytes, int]:
    """Serialise one IFD placed at ``start``; return its bytes and the offset just past its data."""
    entries = sorted(entries)
    table_size = 2 + 12 * len(entries) + 4
    data_offset = start + table_size
    table, data = struct.pack("<H", len(entries)), b""
    for tag, kind, value in entries:
        count, raw = _entry_value(kind, value)
        if len(raw) <= 4:
            table += struct.pack("<HHI", tag, kind, count) + raw.ljust(4, b"\x00")
        else:
            table += struct.pack("<HHII", tag, kind, count, data_offset + len(data))
            data += raw + (b"\x00" if len(raw) % 2 else b"")
    table += struct.pack("<I", next_ifd)
    return table + data, start + table_size + len(data)


def build_exif(ifd0: dict[int, tuple[int, object]], exif: dict[int, tuple[int, object]] | None = None,
               gps: dict[int, tuple[int, object]] | None = None, thumbnail: bytes | None = None) -> bytes:
    """Return an APP1 payload ("Exif\\0\\0" + TIFF) for Pillow's ``save(exif=...)``."""
    exif = exif or {}
    ifd0_entries = [(tag, kind, value) for tag, (kind, value) in ifd0.items()]
    # Offsets are relative to the TIFF header; lay out IFD0, then Exif IFD, GPS IFD, IFD1, thumbnail.
    placeholders = [(0x8769, LONG, 0)] + ([(0x8825, LONG, 0)] if gps else [])
    first, _ = _ifd(ifd0_entries + placeholders, 8)
    exif_start = 8 + len(first)
    exif_bytes, end = _ifd([(t, k, v) for t, (k, v) in exif.items()], exif_start)
    gps_start = end
    gps_bytes, end = _ifd([(t, k, v) for t, (k, v) in (gps or {}).items()], gps_start) if gps else (b"", end)
    ifd1_start = end if thumbnail is not None else 0
    pointers = [(0x8769, LONG, exif_start)] + ([(0x8825, LONG, gps_start)] if gps else [])
    first, _ = _ifd(ifd0_entries + pointers, 8, next_ifd=ifd1_start)
    body = first + exif_bytes + gps_bytes
    if thumbnail is not None:
        probe, ifd1_end = _ifd([(0x0103, SHORT, 6), (0x0201, LONG, 0), (0x0202, LONG, len(thumbnail))], ifd1_start)
        ifd1, _ = _ifd([(0x0103, SHORT, 6), (0x0201, LONG, ifd1_end), (0x0202, LONG, len(thumbnail))], ifd1_start)
        body += ifd1 + thumbnail
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + body


# ------------------------------------------------------------------ camera raw

# XYZ (D65) -> linear sRGB (IEC 61966-2-1): the DNG ColorMatrix1 of a "camera" whose filters are the sRGB primaries.
_XYZ_TO_SRGB = ((32406, -15372, -4986), (-9689, 18758, 415), (557, -2040, 10570))


def build_dng(scene: np.ndarray, preview: bytes | None = None, orientation: int = 1, white_level: int = 4095) -> bytes:
    """A minimal DNG 1.4 (Adobe DNG Specification 1.7): IFD0 holds ``scene`` (H x W x 3 uint8 sRGB, even sides) as
    the uncompressed RGGB Bayer mosaic of a camera whose filters are the sRGB primaries, in linear light up to
    ``white_level``; ``preview`` (JPEG bytes), if given, is the camera's preview, in IFD1 (NewSubFileType 1,
    JPEG-compressed YCbCr), as cameras and converters store it."""
    from PIL import Image

    height, width = scene.shape[:2]
    linear = np.round((scene.astype(np.float64) / 255) ** 2.2 * white_level).astype("<u2")
    mosaic = np.empty((height, width), "<u2")
    mosaic[0::2, 0::2], mosaic[0::2, 1::2] = linear[0::2, 0::2, 0], linear[0::2, 1::2, 1]
    mosaic[1::2, 0::2], mosaic[1::2, 1::2] = linear[1::2, 0::2, 1], linear[1::2, 1::2, 2]
    sensor = mosaic.tobytes()
    raw_entries = [
        (254, LONG, 0), (256, LONG, width), (257, LONG, height), (258, SHORT, 16), (259, SHORT, 1), (262, SHORT, 32803),
        (271, ASCII, "Forensics Test"), (272, ASCII, "Bayer 1"), (274, SHORT, orientation), (277, SHORT, 1),
        (278, LONG, height), (279, LONG, len(sensor)), (33421, SHORT, (2, 2)), (33422, BYTE, (0, 1, 1, 2)),
        (50706, BYTE, (1, 4, 0, 0)), (50708, ASCII, "Forensics Test Bayer 1"), (50717, LONG, white_level),
        (50721, SRATIONAL, [(v, 10000) for row in _XYZ_TO_SRGB for v in row]), (50728, RATIONAL, [(1, 1)] * 3),
        (50778, SHORT, 21),
    ]
    _, ifd0_end = _ifd([*raw_entries, (273, LONG, 0)], 8, next_ifd=0)
    sensor_at = ifd0_end
    ifd1_at = sensor_at + len(sensor) if preview else 0
    ifd0, _ = _ifd([*raw_entries, (273, LONG, sensor_at)], 8, next_ifd=ifd1_at)
    body = b"II*\x00" + struct.pack("<I", 8) + ifd0 + sensor
    if preview:
        preview_width, preview_height = Image.open(io.BytesIO(preview)).size
        preview_entries = [(254, LONG, 1), (256, LONG, preview_width), (257, LONG, preview_height),
                           (258, SHORT, (8, 8, 8)), (259, SHORT, 7), (262, SHORT, 6), (277, SHORT, 3),
                           (278, LONG, preview_height), (279, LONG, len(preview))]
        _, ifd1_end = _ifd([*preview_entries, (273, LONG, 0)], ifd1_at)
        ifd1, _ = _ifd([*preview_entries, (273, LONG, ifd1_end)], ifd1_at)
        body += ifd1 + preview
    return body


# ------------------------------------------------------------------ JPEG segments

def segments_before_scan(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """(marker, payload) of every segment between SOI and SOS, and the bytes from SOS on: a splitter written
    for this test, independent of the parser under test."""
    found, offset = [], 2
    while data[offset + 1] != 0xDA:
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        found.append((data[offset + 1], data[offset + 4 : offset + 2 + length]))
        offset += 2 + length
    return found, data[offset:]


def assemble(segments: list[tuple[int, bytes]], scan: bytes) -> bytes:
    return b"\xff\xd8" + b"".join(bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload
                                  for marker, payload in segments) + scan


def camera_style(data: bytes) -> bytes:
    """The same picture re-packed as many cameras write it: no JFIF, one DQT segment holding both tables, the
    frame header, then one DHT segment holding all four Huffman tables (T.81 B.2.4.1 allows several tables per
    segment)."""
    segments, scan = segments_before_scan(data)
    by_marker = lambda marker: [payload for m, payload in segments if m == marker]  # noqa: E731
    apps = [(m, p) for m, p in segments if 0xE1 <= m <= 0xEF]
    return assemble(apps + [(0xDB, b"".join(by_marker(0xDB))), (0xC0, by_marker(0xC0)[0]),
                            (0xC4, b"".join(by_marker(0xC4)))], scan)


# ------------------------------------------------------------------ cases and reports

def analysed_case(tmp_path: Path, evidence: Path, case_number: str = "2026-0042"):
    """A case holding ``evidence``, analysed by every analyser."""
    from forensics.case import Case
    from forensics.workflow import analyse_exhibit

    case = Case.init(tmp_path / "case", case_number, "Alice Examiner", "Test Lab")
    record, _ = case.add_evidence(evidence, "alice")
    analyse_exhibit(case, record, "alice", "forensics analyze test")
    return case


def report_input(case):
    """What the renderer needs to report ``case`` (imported here: loading WeasyPrint changes Pillow's settings)."""
    from forensics.report.render import ReportInput
    from forensics.workflow import case_results

    verification = case.verify()
    return ReportInput(case_results(case), case.events(), verification.ok, verification.problems, "2026-11-23T10:00:00.000000Z")


def with_mpf_preview(primary: bytes, preview: bytes | None, type_code: int = 0x010002, declared_size: int = 0) -> bytes:
    """``primary`` (a JPEG) as a Multi-Picture file whose second image, ``preview``, follows it, laid out as CIPA DC-007
    section 5.2 specifies: an APP2 "MPF" segment after APP0 with a little-endian TIFF header, an MP Index IFD
    (MPFVersion, NumberOfImages, MPEntry) and two 16-byte MP Entries, the second's offset counted from that TIFF
    header. With ``preview`` None, the entry declares ``declared_size`` bytes that the file does not hold."""
    entries_at = 8 + 2 + 3 * 12 + 4
    ifd = struct.pack("<H", 3) + struct.pack("<HHI4s", 0xB000, 7, 4, b"0100") + struct.pack("<HHII", 0xB001, 4, 1, 2) \
        + struct.pack("<HHII", 0xB002, 7, 32, entries_at) + struct.pack("<I", 0)
    placeholder = b"MPF\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00" * 32
    segments, scan = segments_before_scan(primary)
    laid_out = bytearray(assemble(segments[:1] + [(0xE2, placeholder)] + segments[1:], scan))
    tiff_start = laid_out.index(b"MPF\x00") + 4
    size = len(preview) if preview is not None else declared_size
    laid_out[tiff_start + entries_at : tiff_start + entries_at + 32] = (
        struct.pack("<IIIHH", 0x20030000, len(laid_out), 0, 0, 0)
        + struct.pack("<IIIHH", type_code, size, len(laid_out) - tiff_start, 0, 0))
    return bytes(laid_out) + (preview or b"")
