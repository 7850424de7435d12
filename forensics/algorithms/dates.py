"""Dates as metadata writes them: EXIF and ISO 8601 (XMP) dates, EXIF time-zone offsets, and differences in words.

EXIF 2.32 (CIPA DC-008) section 4.6.4 stores dates as "YYYY:MM:DD HH:MM:SS" without a zone, with the zone in
OffsetTime/OffsetTimeOriginal/OffsetTimeDigitized ("+HH:MM"); XMP (ISO 16684-1) uses ISO 8601 with an optional
offset. Malformed values give None rather than an error: they are common in real files and prove nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def parse_exif_date(value: str | None) -> datetime | None:
    """An EXIF date ("YYYY:MM:DD HH:MM:SS", EXIF 2.32 section 4.6.4; dashes tolerated) as a naive datetime, or
    None when absent or malformed. EXIF dates carry no zone: OffsetTime* tags say which, when present."""
    if not value:
        return None
    try:
        return datetime.strptime(value.strip()[:19].replace("-", ":"), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def parse_iso_date(value: str) -> datetime | None:
    """An ISO 8601 date (XMP dates, ISO 16684-1; the intake time) as a naive datetime, in UTC when the text carries
    an offset, or None when malformed."""
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = (parsed - parsed.utcoffset()).replace(tzinfo=None)
    return parsed


def parse_offset(value: str) -> timedelta | None:
    """An EXIF OffsetTime value ("+HH:MM" / "-HH:MM", EXIF 2.31 tags 0x9010-0x9012) as a timedelta, or None."""
    try:
        sign = -1 if value.strip().startswith("-") else 1
        hours, minutes = value.strip().lstrip("+-").split(":")[:2]
        return sign * timedelta(hours=int(hours), minutes=int(minutes))
    except ValueError:
        return None


def describe_span(delta: timedelta) -> str:
    seconds = abs(delta.total_seconds())
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"
