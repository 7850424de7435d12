"""EXIF and ISO 8601 dates against values written out by hand, and differences put in words."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from forensics.algorithms.dates import describe_span, parse_exif_date, parse_iso_date, parse_offset


def test_exif_dates_are_read_without_a_zone_and_malformed_ones_are_none():
    assert parse_exif_date("2024:05:01 10:00:07") == datetime(2024, 5, 1, 10, 0, 7)
    assert parse_exif_date("2024-05-01 10:00:07\x00") == datetime(2024, 5, 1, 10, 0, 7)  # dashes and padding occur
    for malformed in (None, "", "    :  :     :  :  ", "0000:00:00 00:00:00", "2024:13:01 10:00:00"):
        assert parse_exif_date(malformed) is None


def test_iso_dates_with_an_offset_are_converted_to_utc():
    assert parse_iso_date("2024-05-01T12:00:00+02:00") == datetime(2024, 5, 1, 10, 0)
    assert parse_iso_date("2026-11-23T10:00:00.000000Z") == datetime(2026, 11, 23, 10, 0)
    assert parse_iso_date("2024-05-01T12:00:00") == datetime(2024, 5, 1, 12, 0)  # no offset: kept as written
    assert parse_iso_date("yesterday") is None


@pytest.mark.parametrize(("text", "expected"), [("+02:00", timedelta(hours=2)), ("-05:30", -timedelta(hours=5, minutes=30)),
                                                ("+00:00", timedelta(0)), ("  :  ", None), ("", None)])
def test_exif_offsets(text, expected):
    assert parse_offset(text) == expected


def test_spans_are_put_in_the_unit_a_reader_takes_in():
    assert describe_span(timedelta(seconds=-42)) == "42 s"
    assert describe_span(timedelta(minutes=90)) == "90 min"
    assert describe_span(timedelta(hours=5)) == "5.0 h"
    assert describe_span(timedelta(days=11, hours=3)) == "11 days"
