"""A minimal EXIF (TIFF) writer for tests, so fixtures state their own truth.

Writes IFD0 (ASCII and SHORT tags), an Exif sub-IFD (ASCII/LONG tags), an optional GPS IFD and an optional
IFD1 with a JPEG thumbnail, little-endian, as EXIF 2.32 section 4.5 lays them out.
"""

from __future__ import annotations

import struct

ASCII, SHORT, LONG, RATIONAL = 2, 3, 4, 5


def _entry_value(kind: int, value) -> tuple[int, bytes]:
    if kind == ASCII:
        raw = value.encode("latin-1") + b"\x00"
        return len(raw), raw
    if kind == SHORT:
        return 1, struct.pack("<H", value) + b"\x00\x00"
    if kind == LONG:
        return 1, struct.pack("<I", value)
    if kind == RATIONAL:
        raw = b"".join(struct.pack("<II", n, d) for n, d in value)
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
