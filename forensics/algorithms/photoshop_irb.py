"""Photoshop image resource blocks (APP13 "Photoshop 3.0") and the IPTC-IIM records inside them.

Resources are "8BIM", a 2-byte id, a padded Pascal name and a padded, length-prefixed body (Adobe
Photoshop File Formats Specification, "Image Resource Blocks"). Resource 0x0404 holds IPTC-IIM datasets
(IPTC IIM 4.2: tag marker 0x1C, record, dataset, 2-byte length); 0x0406 holds Photoshop's JPEG save
quality. The presence of Photoshop resources is itself a sign that Photoshop (or a tool imitating it)
wrote the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

IPTC_RESOURCE = 0x0404
JPEG_QUALITY_RESOURCE = 0x0406
IPTC_NAMES = {
    (1, 90): "Coded Character Set", (2, 0): "Record Version", (2, 5): "Object Name", (2, 15): "Category",
    (2, 25): "Keywords", (2, 40): "Special Instructions", (2, 55): "Date Created", (2, 60): "Time Created",
    (2, 62): "Digital Creation Date", (2, 63): "Digital Creation Time", (2, 65): "Originating Program",
    (2, 70): "Program Version", (2, 80): "By-line", (2, 85): "By-line Title", (2, 90): "City",
    (2, 92): "Sub-location", (2, 95): "Province/State", (2, 101): "Country", (2, 103): "Original Transmission Reference",
    (2, 105): "Headline", (2, 110): "Credit", (2, 115): "Source", (2, 116): "Copyright Notice", (2, 120): "Caption/Abstract",
    (2, 122): "Writer/Editor",
}


@dataclass
class PhotoshopResources:
    resource_ids: list[int] = field(default_factory=list)
    iptc: list[tuple[str, str]] = field(default_factory=list)
    photoshop_quality: int | None = None
    problems: list[str] = field(default_factory=list)


def parse_irb(payload: bytes) -> PhotoshopResources:
    """Parse the body of an APP13 segment (with or without its "Photoshop 3.0\\0" signature)."""
    result = PhotoshopResources()
    data = payload[len(b"Photoshop 3.0\x00"):] if payload.startswith(b"Photoshop 3.0\x00") else payload
    position = 0
    while position + 12 <= len(data):
        if data[position : position + 4] != b"8BIM":
            result.problems.append(f"unexpected bytes in Photoshop resources at offset {position}")
            break
        resource_id = int.from_bytes(data[position + 4 : position + 6], "big")
        name_length = data[position + 6]
        name_end = position + 7 + name_length
        name_end += (name_end - position) % 2  # the Pascal name is padded to an even size
        size = int.from_bytes(data[name_end : name_end + 4], "big")
        body = data[name_end + 4 : name_end + 4 + size]
        if len(body) < size:
            result.problems.append(f"Photoshop resource 0x{resource_id:04X} runs past the end of its segment")
            break
        result.resource_ids.append(resource_id)
        if resource_id == IPTC_RESOURCE:
            result.iptc.extend(parse_iptc(body))
        elif resource_id == JPEG_QUALITY_RESOURCE and len(body) >= 2:
            # Stored as -4..12 (Photoshop's 0-12 scale offset by 4 in some versions); report as stored.
            result.photoshop_quality = int.from_bytes(body[:2], "big", signed=True)
        position = name_end + 4 + size + (size % 2)
    return result


def parse_iptc(data: bytes) -> list[tuple[str, str]]:
    records, position = [], 0
    while position + 5 <= len(data) and data[position] == 0x1C:
        record, dataset = data[position + 1], data[position + 2]
        length = int.from_bytes(data[position + 3 : position + 5], "big")
        header = 5
        if length & 0x8000:  # extended dataset: the low bits give the size of the length field
            count = length & 0x7FFF
            length = int.from_bytes(data[position + 5 : position + 5 + count], "big")
            header += count
        value = data[position + header : position + header + length]
        name = IPTC_NAMES.get((record, dataset), f"{record}:{dataset:03d}")
        records.append((name, _text(value)))
        position += header + length
    return records


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")
