"""The copy-move analyser's finding: silent on an untouched photo, a levelled finding with a figure on a copy."""

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


def analysed(pixels: np.ndarray, tmp_path):
    path = tmp_path / "photo.jpg"
    Image.fromarray(pixels).save(path, "JPEG", quality=90)
    before = path.read_bytes()
    (finding,) = CopyMoveAnalyser().analyse(load_media(path), CONTEXT).findings
    assert path.read_bytes() == before
    return finding


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
    assert len(finding.figures) == 1 and finding.figures[0].media_type == "image/png"
