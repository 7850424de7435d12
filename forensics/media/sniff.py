"""Identify a file's format from its first bytes (magic numbers), never from its name.

A file's extension is chosen by whoever named it; its leading bytes are what decoders act on. The
signatures below come from the format specifications: JPEG (ITU T.81, SOI + marker), PNG (RFC 2083
section 3.1), TIFF 6.0 header, ISO/IEC 14496-12 ``ftyp`` box brands (MP4, MOV, 3GP, HEIF), RIFF
form types (AVI, WebP), GIF87a/89a, BMP, MPEG-2 transport stream (0x47 sync byte every 188 or 192 bytes)
and MPEG program/elementary streams. Camera raw formats with signatures of their own (Adobe DNG 1.7 section 4's
DNGVersion tag, Canon CR2's "CR" after the TIFF header and CR3's "crx " brand, Fujifilm RAF, Panasonic RW2,
Olympus ORF) are named here; other TIFF-based raw files (NEF, ARW, PEF ...) are recognised by LibRaw when loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

SNIFF_BYTES = 1024  # enough for every signature below, including four transport-stream packets


@dataclass(frozen=True)
class FileType:
    format: str  # short name: "JPEG", "PNG", "MP4" ...
    mime: str
    kind: str  # "image" or "video"


JPEG = FileType("JPEG", "image/jpeg", "image")
PNG = FileType("PNG", "image/png", "image")
TIFF = FileType("TIFF", "image/tiff", "image")
GIF = FileType("GIF", "image/gif", "image")
BMP = FileType("BMP", "image/bmp", "image")
WEBP = FileType("WebP", "image/webp", "image")
HEIF = FileType("HEIF", "image/heif", "image")
RAW = FileType("RAW", "image/x-dcraw", "image")  # the freedesktop.org type for camera raw files
MP4 = FileType("MP4", "video/mp4", "video")
MOV = FileType("QuickTime", "video/quicktime", "video")
THREE_GP = FileType("3GPP", "video/3gpp", "video")
AVI = FileType("AVI", "video/x-msvideo", "video")
MPEG_TS = FileType("MPEG-TS", "video/mp2t", "video")
MPEG_PS = FileType("MPEG-PS", "video/mpeg", "video")

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}
_MOV_BRANDS = {b"qt  "}
_3GP_PREFIXES = (b"3gp", b"3g2")


def sniff(head: bytes) -> FileType | None:
    """Return the media type that ``head`` (the first bytes of a file) declares, or None if unknown."""
    if head[:3] == b"\xff\xd8\xff":
        return JPEG
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if raw_format(head):
        return RAW
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:2] == b"BM" and len(head) >= 26:
        return BMP
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return AVI
    if head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"pnot", b"skip"):
        return MOV  # early QuickTime files have no ftyp box
    if _is_transport_stream(head):
        return MPEG_TS
    if head[:4] in (b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3"):
        return MPEG_PS
    return None


def raw_format(head: bytes) -> str | None:
    """The camera raw format that a file starting with ``head`` declares by a signature of its own ("DNG", "CR2", "CR3",
    "RAF", "RW2", "ORF"), or None; only its first SNIFF_BYTES are read."""
    head = head[:SNIFF_BYTES]
    if head[:15] == b"FUJIFILMCCD-RAW":
        return "RAF"
    if head[:4] == b"IIU\x00":
        return "RW2"
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return "ORF"
    if head[4:12] == b"ftypcrx ":
        return "CR3"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        if head[8:10] == b"CR":
            return "CR2"
        if _ifd0_has_tag(head, 0xC612):  # DNGVersion
            return "DNG"
    return None


def _ifd0_has_tag(head: bytes, tag: int) -> bool:
    order = "little" if head[:2] == b"II" else "big"
    offset = int.from_bytes(head[4:8], order)
    if offset + 2 > len(head):
        return False
    count = int.from_bytes(head[offset : offset + 2], order)
    entries = range(offset + 2, min(len(head) - 1, offset + 2 + 12 * count), 12)
    return any(int.from_bytes(head[at : at + 2], order) == tag for at in entries)


def _sniff_ftyp(head: bytes) -> FileType:
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(len(head), int.from_bytes(head[:4], "big")), 4)}
    if major in _HEIF_BRANDS or (major not in _MOV_BRANDS and compatible & {b"heic", b"mif1", b"avif"}):
        return HEIF
    if major in _MOV_BRANDS:
        return MOV
    if major.startswith(_3GP_PREFIXES):
        return THREE_GP
    return MP4


def _is_transport_stream(head: bytes) -> bool:
    for packet_size, offset in ((188, 0), (192, 4)):  # 192-byte packets (M2TS/MTS) carry a 4-byte timecode
        positions = range(offset, min(len(head), offset + 4 * packet_size), packet_size)
        if len(positions) >= 3 and all(head[p] == 0x47 for p in positions):
            return True
    return False
