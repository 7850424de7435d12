"""JPEG marker stream: every segment in order, quantisation tables, frame header, trailing bytes.

Follows ITU-T T.81 (ISO/IEC 10918-1) Annex B: a segment is 0xFF, a marker byte, and (except for SOI, EOI,
RSTn and TEM) a 2-byte big-endian length that counts itself. After SOS, entropy-coded data runs until the
next marker that is not a stuffed 0xFF00 or a restart marker. Quantisation tables are stored in zig-zag
order (Annex A.3.6); they are returned here in natural (row-major) order.

The parser never raises on malformed input: it skips extraneous bytes between segments (as libjpeg does),
stops at a segment that runs past the end, and says what it met in ``JpegStructure.problems``; every loop
advances, so hostile input cannot make it spin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

_MARKER_NAMES = {
    0xC4: "DHT", 0xC8: "JPG", 0xCC: "DAC", 0xD8: "SOI", 0xD9: "EOI", 0xDA: "SOS", 0xDB: "DQT",
    0xDC: "DNL", 0xDD: "DRI", 0xDE: "DHP", 0xDF: "EXP", 0xFE: "COM", 0x01: "TEM",
}
_MARKER_NAMES.update({0xC0 + i: f"SOF{i}" for i in range(16) if 0xC0 + i not in _MARKER_NAMES})
_MARKER_NAMES.update({0xD0 + i: f"RST{i}" for i in range(8)})
_MARKER_NAMES.update({0xE0 + i: f"APP{i}" for i in range(16)})
_STANDALONE = {0x01, 0xD8, *range(0xD0, 0xD8)}
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")

# Zig-zag scan order: position k of the stored sequence is natural index ZIGZAG[k] (T.81 Figure A.6).
ZIGZAG = np.array([
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
    28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
    54, 47, 55, 62, 63,
])

_APP_SIGNATURES = [
    (0xE0, b"JFIF\x00", "JFIF"), (0xE0, b"JFXX\x00", "JFIF extension"), (0xE1, b"Exif\x00", "Exif"),
    (0xE1, b"http://ns.adobe.com/xap/1.0/\x00", "XMP"), (0xE1, b"http://ns.adobe.com/xmp/extension/\x00", "Extended XMP"),
    (0xE2, b"ICC_PROFILE\x00", "ICC profile"), (0xE2, b"MPF\x00", "Multi-Picture Format"),
    (0xEB, b"JP", "JUMBF (C2PA)"), (0xEC, b"Ducky", "Photoshop Save for Web"),
    (0xED, b"Photoshop 3.0\x00", "Photoshop IRB"), (0xEE, b"Adobe", "Adobe"),
]


@dataclass(frozen=True)
class Segment:
    marker: int
    offset: int  # of the 0xFF byte
    length: int  # payload length, excluding the marker and the length field itself

    @property
    def name(self) -> str:
        return _MARKER_NAMES.get(self.marker, f"0x{self.marker:02X}")

    @property
    def payload_start(self) -> int:
        return self.offset + (2 if self.marker in _STANDALONE or self.marker == 0xD9 else 4)

    def payload(self, data: bytes) -> bytes:
        return data[self.payload_start : self.payload_start + self.length]


@dataclass(frozen=True)
class Component:
    component_id: int
    horizontal_sampling: int
    vertical_sampling: int
    table_index: int


@dataclass
class JpegStructure:
    segments: list[Segment] = field(default_factory=list)
    quantisation_tables: dict[int, np.ndarray] = field(default_factory=dict)  # index -> 8x8 natural order
    quantisation_precision: dict[int, int] = field(default_factory=dict)  # index -> 8 or 16 bits
    frame_marker: str | None = None  # "SOF0" baseline, "SOF2" progressive ...
    precision: int | None = None
    width: int | None = None
    height: int | None = None
    components: list[Component] = field(default_factory=list)
    bytes_after_eoi: int = 0
    problems: list[str] = field(default_factory=list)

    def app_segments(self, data: bytes) -> list[tuple[Segment, str]]:
        """APPn and COM segments with the kind of data their signature declares."""
        found = []
        for segment in self.segments:
            if 0xE0 <= segment.marker <= 0xEF or segment.marker == 0xFE:
                found.append((segment, identify_app_segment(segment.marker, segment.payload(data)[:40])))
        return found

    @property
    def subsampling(self) -> str | None:
        """Chroma subsampling as J:a:b ("4:2:0", "4:2:2", "4:4:4"), or None for greyscale/unusual layouts."""
        if len(self.components) != 3:
            return None
        luma, cb, cr = self.components
        if (cb.horizontal_sampling, cb.vertical_sampling) != (cr.horizontal_sampling, cr.vertical_sampling):
            return None
        return {(1, 1): "4:4:4", (2, 1): "4:2:2", (2, 2): "4:2:0", (1, 2): "4:4:0", (4, 1): "4:1:1"}.get(
            (luma.horizontal_sampling // cb.horizontal_sampling, luma.vertical_sampling // cb.vertical_sampling)
        )


def identify_app_segment(marker: int, head: bytes) -> str:
    if marker == 0xFE:
        return "Comment"
    for expected_marker, signature, kind in _APP_SIGNATURES:
        if marker == expected_marker and head.startswith(signature):
            return kind
    return "unknown"


def parse_jpeg(data: bytes) -> JpegStructure:
    structure = JpegStructure()
    if data[:2] != b"\xff\xd8":
        structure.problems.append("does not start with a JPEG SOI marker")
        return structure
    structure.segments.append(Segment(0xD8, 0, 0))
    offset, size = 2, len(data)
    while offset < size:
        if data[offset] != 0xFF:
            # libjpeg skips such bytes with "Corrupt JPEG data: N extraneous bytes before marker"; so do we.
            following = data.find(b"\xff", offset)
            if following < 0:
                structure.problems.append(f"{size - offset} bytes of garbage at byte {offset} and no further marker")
                return structure
            structure.problems.append(f"{following - offset} extraneous bytes before the marker at byte {following}")
            offset = following
            continue
        while offset + 1 < size and data[offset + 1] == 0xFF:  # fill bytes before a marker are allowed
            offset += 1
        if offset + 1 >= size:
            break
        marker = data[offset + 1]
        if marker == 0xD9:
            structure.segments.append(Segment(0xD9, offset, 0))
            structure.bytes_after_eoi = size - offset - 2
            return structure
        if marker in _STANDALONE:
            structure.segments.append(Segment(marker, offset, 0))
            offset += 2
            continue
        if offset + 4 > size:
            break
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        if length < 2 or offset + 2 + length > size:
            structure.problems.append(f"{_MARKER_NAMES.get(marker, hex(marker))} segment at byte {offset} runs past the end of the file")
            structure.segments.append(Segment(marker, offset, max(0, min(length - 2, size - offset - 4))))
            return structure
        segment = Segment(marker, offset, length - 2)
        structure.segments.append(segment)
        _interpret(structure, segment, data)
        offset += 2 + length
        if marker == 0xDA:
            following = _NEXT_MARKER.search(data, offset)
            if following is None:
                break
            offset = following.start()
    structure.problems.append("no EOI marker: the file is truncated")
    return structure


def _interpret(structure: JpegStructure, segment: Segment, data: bytes) -> None:
    payload = segment.payload(data)
    if segment.marker == 0xDB:
        _read_dqt(structure, payload)
    elif 0xC0 <= segment.marker <= 0xCF and segment.marker not in (0xC4, 0xC8, 0xCC) and structure.frame_marker is None:
        if len(payload) >= 6:
            structure.frame_marker = segment.name
            structure.precision = payload[0]
            structure.height = int.from_bytes(payload[1:3], "big")
            structure.width = int.from_bytes(payload[3:5], "big")
            for index in range(payload[5]):
                entry = payload[6 + 3 * index : 9 + 3 * index]
                if len(entry) == 3:
                    structure.components.append(Component(entry[0], entry[1] >> 4, entry[1] & 0x0F, entry[2]))


def _read_dqt(structure: JpegStructure, payload: bytes) -> None:
    position = 0
    while position < len(payload):
        precision_bits, index = payload[position] >> 4, payload[position] & 0x0F
        width = 2 if precision_bits else 1
        values = payload[position + 1 : position + 1 + 64 * width]
        if len(values) < 64 * width:
            structure.problems.append("a quantisation table is shorter than 64 entries")
            return
        zigzag = np.frombuffer(values, dtype=">u2" if width == 2 else np.uint8).astype(np.int32)
        natural = np.empty(64, dtype=np.int32)
        natural[ZIGZAG] = zigzag
        structure.quantisation_tables[index] = natural.reshape(8, 8)
        structure.quantisation_precision[index] = 16 if width == 2 else 8
        position += 1 + 64 * width


def mpf_image_count(app2_payload: bytes) -> int | None:
    """Number of images an MPO file declares (CIPA DC-007: "MPF\\0", a TIFF header, tag 0xB001 NumberOfImages)."""
    if not app2_payload.startswith(b"MPF\x00") or len(app2_payload) < 16:
        return None
    tiff = app2_payload[4:]
    order = {b"II": "little", b"MM": "big"}.get(tiff[:2])
    if order is None:
        return None
    ifd = int.from_bytes(tiff[4:8], order)
    count = int.from_bytes(tiff[ifd : ifd + 2], order) if ifd + 2 <= len(tiff) else 0
    for index in range(min(count, 64)):
        entry = tiff[ifd + 2 + 12 * index : ifd + 14 + 12 * index]
        if len(entry) == 12 and int.from_bytes(entry[:2], order) == 0xB001:
            return int.from_bytes(entry[8:12], order)
    return None


@dataclass(frozen=True)
class MpEntry:
    """One image of a Multi-Picture file (CIPA DC-007 section 5.2.3.3, the MP Entry)."""

    type_code: int  # e.g. 0x030000 baseline primary, 0x010001/0x010002 large thumbnail, 0x020002 stereo disparity
    size: int  # bytes
    offset: int  # in the file (the first image's entry says 0)

    @property
    def is_preview(self) -> bool:
        """A large thumbnail: the camera's reduced copy of the primary picture (VGA or full-HD class)."""
        return self.type_code in (0x010001, 0x010002)


def mp_entries(app2_payload: bytes, payload_offset: int) -> list[MpEntry]:
    """The MP Entries of an MPF APP2 segment whose payload starts at ``payload_offset`` in the file; offsets are
    made absolute (they count from the segment's TIFF header, CIPA DC-007 section 5.2.3.3.3). Never raises."""
    if not app2_payload.startswith(b"MPF\x00") or len(app2_payload) < 16:
        return []
    tiff = app2_payload[4:]
    order = {b"II": "little", b"MM": "big"}.get(tiff[:2])
    if order is None:
        return []
    ifd = int.from_bytes(tiff[4:8], order)
    count = int.from_bytes(tiff[ifd : ifd + 2], order) if ifd + 2 <= len(tiff) else 0
    for index in range(min(count, 64)):
        entry = tiff[ifd + 2 + 12 * index : ifd + 14 + 12 * index]
        if len(entry) == 12 and int.from_bytes(entry[:2], order) == 0xB002:
            length, at = int.from_bytes(entry[4:8], order), int.from_bytes(entry[8:12], order)
            table = tiff[at : at + min(length, 16 * 64)]
            return [MpEntry(int.from_bytes(table[i : i + 4], order) & 0xFFFFFF, int.from_bytes(table[i + 4 : i + 8], order),
                            int.from_bytes(table[i + 8 : i + 12], order) + (payload_offset + 4 if i else 0))
                    for i in range(0, len(table) - 15, 16)]
    return []


def encoder_layout(structure: JpegStructure, data: bytes) -> str:
    """How the encoder laid the file out, as a short text comparable between files of one camera.

    Two parts, after Kee, Johnson & Farid's header signatures (IEEE TIFS 6(3), 2011): the order of the JFIF
    (APP0) and Exif (APP1) segments, and the coding segments before the first scan with the number of tables
    each DQT and DHT segment holds, e.g. ``"Exif | DQT(2) SOF0 DHT(4)"`` for one DQT segment with both
    quantisation tables and one DHT segment with all four Huffman tables. libjpeg, and so Pillow, OpenCV
    and most software, writes ``"JFIF Exif | DQT(1) DQT(1) SOF0 DHT(1) DHT(1) DHT(1) DHT(1)"`` for a
    colour picture with Exif. Left out because they vary between files of one camera: other APPn segments
    (XMP, ICC, maker segments), the restart interval (DRI) and comments.
    """
    kinds = [kind for _, kind in structure.app_segments(data) if kind in ("JFIF", "Exif")]
    headers = " ".join(dict.fromkeys(kinds)) or "no JFIF or Exif"
    coding = []
    for segment in structure.segments:
        if segment.marker == 0xDA:
            break
        if segment.marker == 0xDB:
            coding.append(f"DQT({_count_dqt_tables(segment.payload(data))})")
        elif segment.marker == 0xC4:
            coding.append(f"DHT({_count_dht_tables(segment.payload(data))})")
        elif 0xC0 <= segment.marker <= 0xCF and segment.marker not in (0xC8, 0xCC):
            coding.append(segment.name)
    return f"{headers} | {' '.join(coding)}"


def _count_dqt_tables(payload: bytes) -> int:
    count, position = 0, 0
    while position < len(payload):
        position += 1 + 64 * (2 if payload[position] >> 4 else 1)
        count += 1
    return count


def _count_dht_tables(payload: bytes) -> int:
    # T.81 B.2.4.2: each table is a class/identifier byte, 16 code-length counts, then that many symbol values.
    count, position = 0, 0
    while position + 17 <= len(payload):
        position += 17 + sum(payload[position + 1 : position + 17])
        count += 1
    return count
