"""What follows the end of a picture: the bytes after a JPEG's EOI marker or a PNG's IEND chunk.

A decoder stops at the end of the picture and never reads what follows, so whatever is there travels unseen:
padding written by some cameras, a phone's appended motion-photo video or its own trailer, IPTC records that
photo-management software writes there, another whole picture (two files concatenated, or a file carved from a
disk that runs on into the next one), or an archive hidden behind the picture. The signatures are those of the
formats' own specifications (ITU-T T.81 SOI, ISO/IEC 15948 signature, ISO/IEC 14496-12 'ftyp', PKWARE APPNOTE
local file header, IPTC IIM record 2) and of the trailers ExifTool documents (AFCP 'AXS!', Samsung 'SEFT').
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Signatures searched for anywhere in the trailing bytes: (kind, what it is, pattern). A JPEG start must be followed
# by a marker segment (APPn, DQT, SOF, DHT or COM) to count, so random data rarely matches.
_EMBEDDED = [
    ("picture", "a JPEG picture", re.compile(rb"\xff\xd8\xff[\xc0-\xc3\xc4\xdb\xe0-\xef\xfe]", re.DOTALL)),
    ("archive", "a PNG picture", re.compile(re.escape(b"\x89PNG\r\n\x1a\n"))),
    ("video", "an MP4/QuickTime video (motion photo or appended clip)",
     re.compile(rb"....ftyp(?:isom|mp4[12]|qt  |heic|avc1|3gp)", re.DOTALL)),
    ("archive", "a ZIP archive", re.compile(re.escape(b"PK\x03\x04"))),
    ("archive", "a RAR archive", re.compile(re.escape(b"Rar!\x1a\x07"))),
    ("archive", "a 7-Zip archive", re.compile(re.escape(b"7z\xbc\xaf\x27\x1c"))),
    ("archive", "a PDF document", re.compile(re.escape(b"%PDF-"))),
]
_KIND = {what: kind for kind, what, _ in _EMBEDDED}
MAX_SEARCHED_BYTES = 64 * 1024 * 1024  # a trailer is searched this far; beyond, it is only counted


@dataclass(frozen=True)
class TrailingData:
    """The bytes after the end of the picture, described."""

    size: int  # bytes
    offset: int  # where they start in the file
    description: str  # what they are, in words
    kind: str  # "padding", "picture", "video", "archive", "software" (a program's trailer) or "other"
    embedded: tuple[tuple[str, int], ...]  # (what, offset in the file) of each file signature found in them
    padding: bool  # all one byte value (zeros or 0xFF): no content


def describe_trailing_data(data: bytes, end_of_picture: int) -> TrailingData | None:
    """The bytes of ``data`` from ``end_of_picture`` (the offset just past EOI or IEND) to the end, or None if none."""
    trailer = memoryview(data)[end_of_picture:]
    size = len(trailer)
    if size == 0:
        return None
    searched = bytes(trailer[:MAX_SEARCHED_BYTES])
    padding = searched.count(searched[:1]) == len(searched) and searched[:1] in (b"\x00", b"\xff")
    found = sorted(((what, end_of_picture + match.start()) for _, what, pattern in _EMBEDDED
                    for match in pattern.finditer(searched)), key=lambda item: item[1])
    embedded = tuple(found[:20])
    kind, description = _describe(searched, size, padding, embedded, end_of_picture)
    return TrailingData(size, end_of_picture, description, kind, embedded, padding)


def _describe(head: bytes, size: int, padding: bool, embedded: tuple, start: int) -> tuple[str, str]:
    """(kind, description) of the trailing bytes that begin with ``head``."""
    if padding:
        return "padding", f"{size} bytes of padding (every byte {head[0]:#04x})"
    if head.startswith(b"AXS!"):
        return "software", "an AFCP trailer (IPTC records written there by software such as IrfanView)"
    if head.rstrip(b"\x00").endswith(b"SEFT"):
        return "other", "a Samsung trailer (SEFT: data Samsung phones and their gallery app append)"
    if embedded and embedded[0][1] == start:
        return _KIND[embedded[0][0]], embedded[0][0]
    if head.lstrip(b"\x00")[:2] == b"\x1c\x02":
        return "software", ("IPTC records (as photo-management software such as Photo Mechanic or FotoStation writes "
                            "them there)")
    held = f" holding {embedded[0][0]}" if embedded else ""
    # An appended video may follow a few bytes of a phone's own: it says the same as a video at the very start.
    kind = "video" if embedded and _KIND[embedded[0][0]] == "video" else "other"
    return kind, f"{size} bytes of unidentified data{held}"
