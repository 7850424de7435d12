"""The agreement script's readers of the reference dumps, checked on hand-written lines."""

import pytest

from forensics.evaluation.metadata_agreement import Comparison, compare, exiftool_values, metadata_extractor_values
from tests.helpers import CORPUS


def test_metadata_extractor_dump_is_read():
    dump = "\n".join([
        "[Exif IFD0 - 0x010f] Make = Apple",
        "[Exif IFD0 - 0x0112] Orientation = Right side, top (Rotate 90 CW)",
        "[JPEG - 0x0003] Image Width = 3264 pixels",
        "[GPS - 0x0004] GPS Longitude = -3° 11' 7.21\"",
        "[Exif IFD0 - 0x0110] Model = ",
    ])
    values = metadata_extractor_values(dump)
    assert values["make"] == "Apple" and values["orientation"] == 6 and values["width"] == 3264
    assert values["gps_longitude"] == pytest.approx(-(3 + 11 / 60 + 7.21 / 3600))
    assert values["model"] == ""


def test_exiftool_dump_is_read_with_its_hemisphere_references():
    dump = "\n".join([
        "[EXIF, IFD0, Image] 274 - Orientation: Mirror horizontal and rotate 270 CW",
        "[EXIF, GPS, Location] 1 - GPS Latitude Ref: South",
        "[EXIF, GPS, Location] 2 - GPS Latitude: 53 deg 22' 58.25\"",
        "[EXIF, GPS, Location] 3 - GPS Longitude Ref: East",
        "[EXIF, GPS, Location] 4 - GPS Longitude: 1 degrees 30.00 minutes",
    ])
    values = exiftool_values(dump)
    assert values["orientation"] == 5
    assert values["gps_latitude"] == pytest.approx(-(53 + 22 / 60 + 58.25 / 3600))
    assert values["gps_longitude"] == pytest.approx(1.5)


@pytest.mark.parametrize("ours, theirs, field, agrees", [
    ("Canon ", "Canon", "make", True), (None, "", "model", True), (6, 6, "orientation", True),
    (51.48300, 51.48301, "gps_latitude", True), (51.48, 51.49, "gps_latitude", False), (None, 0.0, "gps_latitude", False),
])
def test_comparison_rules(ours, theirs, field, agrees):
    assert Comparison("x", "f", field, ours, theirs).agrees is agrees


@pytest.mark.corpus
def test_agreement_with_both_reference_parsers_is_at_least_99_percent():
    comparisons, _ = compare(CORPUS)
    assert len(comparisons) > 400
    assert sum(c.agrees for c in comparisons) / len(comparisons) >= 0.99
