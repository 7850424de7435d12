"""The truncation measurement: cut copies are examined as `forensics analyze` would, and tabulated."""

from __future__ import annotations

from PIL import Image

from forensics.evaluation.truncation import examine, table
from tests.helpers import textured_rgb


def test_a_cut_copy_is_examined_and_the_table_counts_it(tmp_path):
    path = tmp_path / "photo.jpg"
    Image.fromarray(textured_rgb(480, 640)).save(path, quality=90)
    half, sliver = examine((str(path), 0.5)), examine((str(path), 0.001))
    assert half["analysed"] and 0.4 < half["rows"] < 0.55 and half["failures"] == []
    assert half["statuses"]["file_identity"] == half["statuses"]["metadata"] == "ran"
    assert sliver == {"path": str(path), "share": 0.001, "analysed": False}
    rows = table([half, sliver]).splitlines()
    assert rows[0].startswith("| format | cut at | copies | analysed | median rows decoded | ") and "video_faces" not in rows[0]
    assert rows[2] == "| JPEG | 0% | 1 | 0 | - | " + " | ".join(["0"] * (rows[0].count("|") - 7)) + " | 0 |"
    assert rows[3].startswith("| JPEG | 50% | 1 | 1 (100%) | ")
