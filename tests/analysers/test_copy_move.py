"""The copy-move analyser's findings: silent on an untouched photo, a levelled finding with a figure on a copy."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from forensics.analysers import AnalysisContext
from forensics.analysers.copy_move import CopyMoveAnalyser
from forensics.evaluation.cases_copy_move import paste_copy
from forensics.media import load_media
from forensics.results import Strength

skimage_data = pytest.importorskip("skimage.data")
CONTEXT = AnalysisContext("E001", "photo.jpg")


def analysed(pixels: np.ndarray, tmp_path, key: str = "copy_move.regions"):
    path = tmp_path / "photo.jpg"
    Image.fromarray(pixels).save(path, "JPEG", quality=90)
    before = path.read_bytes()
    findings = {f.key: f for f in CopyMoveAnalyser().analyse(load_media(path), CONTEXT).findings}
    assert path.read_bytes() == before
    assert set(findings) == {"copy_move.regions", "copy_move.blocks"}  # the exact method is for lossless pictures
    return findings[key]


def test_an_untouched_photo_gives_no_indication_and_no_figure(tmp_path):
    finding = analysed(skimage_data.astronaut(), tmp_path)
    assert finding.strength is Strength.NONE and finding.figures == []
    assert finding.measurements[0].value == 0
    assert "No group of matching keypoints" in finding.explanation


def test_a_turned_copy_is_reported_with_its_regions_transform_and_figure(tmp_path):
    forged, _ = paste_copy(skimage_data.astronaut(), np.random.default_rng(3), size_fraction=0.25, angle_degrees=20.0)
    finding = analysed(forged, tmp_path)
    assert finding.strength.rank >= Strength.MODERATE.rank
    values = {m.name: m.value for m in finding.measurements}
    assert abs(abs(values["group 1: rotation"]) - 20) < 3
    assert len(values["group 1: source region"]) == 4
    assert "copied onto another place" in finding.explanation
    assert len(finding.figures) == 1 and finding.figures[0].media_type == "image/jpeg"  # a photograph with outlines


def test_an_untouched_photo_has_no_region_matched_block_by_block(tmp_path):
    finding = analysed(skimage_data.astronaut(), tmp_path, "copy_move.blocks")
    assert finding.strength is Strength.NONE and finding.figures == []


def test_a_smooth_region_copied_and_saved_as_jpeg_is_matched_block_by_block(tmp_path):
    picture = skimage_data.astronaut()
    forged, mask = paste_copy(picture, np.random.default_rng(0), size_fraction=0.2, smooth=True)
    finding = analysed(forged, tmp_path, "copy_move.blocks")
    assert finding.strength.rank >= Strength.MODERATE.rank
    values = {m.name: m.value for m in finding.measurements}
    # The copy lies where paste_copy put it: the reported source or copy region overlaps the pasted square.
    x0, y0, x1, y1 = values["region 1: source"]
    dx, dy = values["region 1: shift (dx, dy)"]
    ys, xs = np.nonzero(mask)
    pasted = (xs.min(), ys.min(), xs.max(), ys.max())
    overlaps = [max(0, min(x1 + sx, pasted[2]) - max(x0 + sx, pasted[0])) * max(0, min(y1 + sy, pasted[3]) - max(y0 + sy, pasted[1]))
                for sx, sy in ((dx, dy), (0, 0))]
    assert max(overlaps) > 0.5 * (x1 - x0) * (y1 - y0)
    assert values["region 1: detail correlation"] > 0.8
    assert len(finding.figures) == 1 and "copied there" in finding.explanation
