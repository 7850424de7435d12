"""ICC colour profiles (ICC.1:2010 / ICC.1:2001-04): header fields and the description and copyright tags.

A profile's description often names the software or device that embedded it ("Adobe RGB (1998)" from an
editor, a camera maker's own sRGB variant from the camera). In a JPEG the profile may be split over
several APP2 segments, each prefixed with "ICC_PROFILE\\0", a sequence number and a count.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IccProfile:
    size: int
    cmm: str
    version: str
    device_class: str
    colour_space: str
    created: str | None
    manufacturer: str
    model: str
    creator: str
    description: str | None
    copyright: str | None


def assemble_jpeg_icc(app2_payloads: list[bytes]) -> bytes:
    chunks = []
    for payload in app2_payloads:
        if payload.startswith(b"ICC_PROFILE\x00") and len(payload) > 14:
            chunks.append((payload[12], payload[14:]))
    return b"".join(chunk for _, chunk in sorted(chunks, key=lambda c: c[0]))


def parse_icc(profile: bytes) -> IccProfile | None:
    if len(profile) < 132 or profile[36:40] != b"acsp":
        return None
    year, month, day, hour, minute, second = (int.from_bytes(profile[24 + 2 * i : 26 + 2 * i], "big") for i in range(6))
    created = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}" if year else None
    tags = {}
    count = min(int.from_bytes(profile[128:132], "big"), 200)
    for index in range(count):
        entry = profile[132 + 12 * index : 144 + 12 * index]
        if len(entry) == 12:
            tags[entry[:4]] = (int.from_bytes(entry[4:8], "big"), int.from_bytes(entry[8:12], "big"))
    major, minor = profile[8], profile[9] >> 4
    return IccProfile(
        size=int.from_bytes(profile[0:4], "big"),
        cmm=_ascii(profile[4:8]),
        version=f"{major}.{minor}",
        device_class=_ascii(profile[12:16]),
        colour_space=_ascii(profile[16:20]),
        created=created,
        manufacturer=_ascii(profile[48:52]),
        model=_ascii(profile[52:56]),
        creator=_ascii(profile[80:84]),
        description=_text_tag(profile, tags.get(b"desc")),
        copyright=_text_tag(profile, tags.get(b"cprt")),
    )


def _text_tag(profile: bytes, location: tuple[int, int] | None) -> str | None:
    if not location:
        return None
    offset, size = location
    body = profile[offset : offset + size]
    kind = body[:4]
    if kind == b"desc" and len(body) >= 12:
        length = int.from_bytes(body[8:12], "big")
        return _ascii(body[12 : 12 + length])
    if kind == b"text":
        return _ascii(body[8:])
    if kind == b"mluc" and len(body) >= 28:
        record_length, record_offset = int.from_bytes(body[20:24], "big"), int.from_bytes(body[24:28], "big")
        return body[record_offset : record_offset + record_length].decode("utf-16-be", errors="replace").strip("\x00 ")
    return None


def _ascii(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("latin-1").strip()
