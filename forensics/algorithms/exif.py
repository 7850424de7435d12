"""EXIF (JEITA CP-3451, EXIF 2.32) read with exifread, normalised into the values the checks compare.

exifread parses IFD0, the Exif sub-IFD, GPS, Interoperability, IFD1 (thumbnail) and the maker notes it
knows. It is given the file's bytes in memory; any exception it raises is kept as a problem, never
propagated, so a hostile EXIF block yields partial results.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from fractions import Fraction

import exifread

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
