"""The truncation measurement: cut copies are examined as `forensics analyze` would, and tabulated."""

from __future__ import annotations

from PIL import Image

from forensics.evaluation.truncation import examine, table
from tests.helpers import textured_rgb


def test_a_cut_copy_is_examined_and_the_table_counts_it(tmp_path):
    path = tmp_path / "photo.jpg"
    Image.fromarray(textured_rgb(480, 640)).save(path, quality=90)
    half, header, byte = (examine((str(path), share)) for share in (0.5, 0.001, 1e-6))
    assert half["analysed"] and 0.4 < half["rows"] < 0.55 and half["failures"] == []
    assert half["statuses"]["file_identity"] == half["statuses"]["metadata"] == "ran"
    # The first hundred bytes: a JPEG without one row of pixels, whose structure is still examined.
    assert header["analysed"] and header["rows"] is None and header["statuses"]["metadata"] == "ran"
    assert header["statuses"]["compression"] == "not_applicable"
    assert byte == {"path": str(path), "share": 1e-6, "analysed": False}  # one byte is not even a JPEG
    rows = table([half, header, byte]).splitlines()
    assert rows[0].startswith("| format | cut at | copies | analysed | pixels decoded | median rows decoded | ")
    assert "video_faces" not in rows[0]
    assert rows[2].startswith("| JPEG | 0% | 1 | 0 (0%) | 0 (0%) | - | 0 | 0 |")  # the single byte
    assert rows[3].startswith("| JPEG | 0% | 1 | 1 (100%) | 0 (0%) | - | 0 | ") and rows[3].endswith(" | 1 | 1 | 0 |")
    assert rows[4].startswith("| JPEG | 50% | 1 | 1 (100%) | 1 (100%) | ")
