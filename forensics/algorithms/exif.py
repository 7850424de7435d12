"""EXIF (JEITA CP-3451, EXIF 2.32) read with exifread, normalised into the values the checks compare.

exifread parses IFD0, the Exif sub-IFD, GPS, Interoperability, IFD1 (thumbnail) and the maker notes it
knows. It is given the file's bytes in memory; any exception it raises is kept as a problem, never
propagated, so a hostile EXIF block yields partial results.
"""

from __future__ import annotations

import io
import logging
import struct
from dataclasses import dataclass, field
from fractions import Fraction

import exifread
from exifread.core.exif_header import ExifHeader
from exifread.tags.fields import FLOAT_FIELD_TYPES, RATIO_FIELD_TYPES, SIGNED_FIELD_TYPES
from exifread.tags.makernote import canon

logging.getLogger("exifread").setLevel(logging.CRITICAL)  # it logs malformed tags; we report them ourselves

GROUPS = {
    "Image": "EXIF IFD0", "EXIF": "EXIF SubIFD", "GPS": "EXIF GPS", "Interoperability": "EXIF Interoperability",
    "Thumbnail": "EXIF IFD1 (thumbnail)", "MakerNote": "Maker note",
}
MAX_VALUE_CHARS = 300


@dataclass
class Exif:
    tags: list[tuple[str, str, str]] = field(default_factory=list)  # (group, tag name, printable value)
    make: str | None = None
    model: str | None = None
    software: str | None = None
    processing_software: str | None = None
    modify_date: str | None = None  # IFD0 DateTime, "YYYY:MM:DD HH:MM:SS"
    date_original: str | None = None
    date_digitized: str | None = None
    offset_original: str | None = None  # "+02:00"
    subsec_original: str | None = None
    orientation: int | None = None
    exif_width: int | None = None
    exif_height: int | None = None
    gps_latitude: float | None = None
    gps_longitude: float | None = None
    gps_datetime: str | None = None  # "YYYY:MM:DD HH:MM:SS" UTC, when both date and time stamps exist
    has_maker_note: bool = False
    thumbnail: bytes | None = None
    problems: list[str] = field(default_factory=list)


_INTEGER_CODES = {(1, False): "B", (1, True): "b", (2, False): "H", (2, True): "h", (4, False): "I", (4, True): "i"}
_read_field_value_by_value = ExifHeader._process_field


def _read_field_at_once(self: ExifHeader, tag_name: str, count: int, field_type: int, type_length: int,
                        offset: int) -> list:
    """exifread 3.5.1's field reader, for a whole integer field present in the file: the same values, unpacked in
    one call. It reads them one Python call per value (a maker note of 60 kB is 60,000 calls: half the time of a
    triage of camera JPEGs). Anything else (ratios, floats, a field cut short, one exifread leaves unread) goes to
    exifread's own reader; ``test_exif.py`` checks that both give the same tags."""
    signed = field_type in SIGNED_FIELD_TYPES
    code = _INTEGER_CODES.get((type_length, signed))
    read_by_exifread = count < 1000 or tag_name in ("MakerNote", canon.CAMERA_INFO_TAG_NAME)
    if code is None or not read_by_exifread or field_type in RATIO_FIELD_TYPES or field_type in FLOAT_FIELD_TYPES:
        return _read_field_value_by_value(self, tag_name, count, field_type, type_length, offset)
    self.file_handle.seek(self.offset + offset)
    block = self.file_handle.read(count * type_length)
    if len(block) != count * type_length:
        return _read_field_value_by_value(self, tag_name, count, field_type, type_length, offset)
    return list(struct.unpack(f"{'<' if self.endian == 'I' else '>'}{count}{code}", block))


ExifHeader._process_field = _read_field_at_once


def read_exif(data: bytes) -> Exif:
    exif = Exif()
    try:
        raw = exifread.process_file(io.BytesIO(data), details=True, extract_thumbnail=True)
    except Exception as error:  # exifread raises many types on hostile input
        exif.problems.append(f"EXIF could not be parsed ({type(error).__name__}: {str(error)[:120]})")
        return exif
    for key, tag in raw.items():
        if key == "JPEGThumbnail":
            exif.thumbnail = bytes(tag) if isinstance(tag, (bytes, bytearray)) else None
            continue
        if key == "TIFFThumbnail":
            continue
        prefix, _, name = key.partition(" ")
        group = GROUPS.get(prefix, prefix)
        if prefix == "MakerNote":
            exif.has_maker_note = True
        exif.tags.append((group, name, _printable(tag)))
    exif.tags.sort()
    exif.make = _text(raw, "Image Make")
    exif.model = _text(raw, "Image Model")
    exif.software = _text(raw, "Image Software")
    exif.processing_software = _text(raw, "Image ProcessingSoftware")
    exif.modify_date = _text(raw, "Image DateTime")
    exif.date_original = _text(raw, "EXIF DateTimeOriginal")
    exif.date_digitized = _text(raw, "EXIF DateTimeDigitized")
    exif.offset_original = _text(raw, "EXIF OffsetTimeOriginal")
    exif.subsec_original = _text(raw, "EXIF SubSecTimeOriginal")
    exif.orientation = _first_int(raw, "Image Orientation")
    exif.exif_width = _first_int(raw, "EXIF ExifImageWidth")
    exif.exif_height = _first_int(raw, "EXIF ExifImageLength")
    exif.has_maker_note = exif.has_maker_note or "EXIF MakerNote" in raw
    exif.gps_latitude = _coordinate(raw, "GPS GPSLatitude", "GPS GPSLatitudeRef", "S")
    exif.gps_longitude = _coordinate(raw, "GPS GPSLongitude", "GPS GPSLongitudeRef", "W")
    exif.gps_datetime = _gps_datetime(raw)
    return exif


def _printable(tag: object) -> str:
    text = getattr(tag, "printable", None)
    if text is None:
        text = repr(tag)
    text = str(text).replace("\x00", "").strip()
    return text if len(text) <= MAX_VALUE_CHARS else f"{text[:MAX_VALUE_CHARS]}... ({len(text)} characters)"


def _text(raw: dict, key: str) -> str | None:
    tag = raw.get(key)
    if tag is None:
        return None
    text = str(getattr(tag, "printable", tag)).replace("\x00", "").strip()
    return text or None


def _first_int(raw: dict, key: str) -> int | None:
    values = getattr(raw.get(key), "values", None)
    try:
        return int(values[0]) if values else None
    except (TypeError, ValueError, IndexError):
        return None


def _rational(value: object) -> Fraction:
    numerator, denominator = getattr(value, "num", value), getattr(value, "den", 1)
    if not denominator:
        raise ZeroDivisionError("zero denominator")
    return Fraction(int(numerator), int(denominator))


def _coordinate(raw: dict, key: str, ref_key: str, negative_ref: str) -> float | None:
    values = getattr(raw.get(key), "values", None)
    if not values or len(values) < 3:
        return None
    try:
        degrees, minutes, seconds = (_rational(v) for v in values[:3])
    except (ZeroDivisionError, TypeError, ValueError):
        return None
    decimal = float(degrees + minutes / 60 + seconds / 3600)
    reference = _text(raw, ref_key) or ""
    return -decimal if reference.upper().startswith(negative_ref) else decimal


def _gps_datetime(raw: dict) -> str | None:
    date = _text(raw, "GPS GPSDate")
    values = getattr(raw.get("GPS GPSTimeStamp"), "values", None)
    if not date or not values or len(values) < 3:
        return None
    try:
        hours, minutes, seconds = (_rational(v) for v in values[:3])
    except (ZeroDivisionError, TypeError, ValueError):
        return None
    return f"{date.replace('-', ':')[:10]} {int(hours):02d}:{int(minutes):02d}:{int(seconds):02d}"
