"""The demosaicing analyser: silent on untouched pictures, a located finding where the pattern is shifted,
and honest about pictures it cannot test."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from forensics.analysers import AnalysisContext, NotApplicable
from forensics.analysers.cfa import CfaAnalyser
from forensics.evaluation.cases_cfa import simulated_capture
from forensics.media import load_media
from forensics.results import Strength

skimage_data = pytest.importorskip("skimage.data")
CONTEXT = AnalysisContext("E001", "photo.png")


def analysed(pixels: np.ndarray, tmp_path, name: str = "photo.png"):
    path = tmp_path / name
    Image.fromarray(pixels).save(path)
    before = path.read_bytes()
    (finding,) = CfaAnalyser().analyse(load_media(path), CONTEXT).findings
    assert path.read_bytes() == before
    return finding


def capture(pixels: np.ndarray, seed: int = 0) -> np.ndarray:
    return simulated_capture(pixels, "edge-aware", np.random.default_rng(seed))


def test_an_untouched_demosaiced_picture_gives_no_indication_but_shows_its_map(tmp_path):
    finding = analysed(capture(skimage_data.astronaut()), tmp_path)
    values = {m.name: m.value for m in finding.measurements}
    assert finding.strength is Strength.NONE and len(finding.figures) == 1
    assert values["green values recorded on the"] == "odd lattice"
    assert values["largest region with the pattern shifted by one pixel"] == 0
    assert "present across the picture" in finding.explanation


def test_a_region_pasted_off_the_lattice_is_reported_with_its_place(tmp_path):
    forged = capture(skimage_data.astronaut())
    forged[256:448, 128:320] = capture(skimage_data.coffee()[:, :512], seed=1)[100:292, 101:293]
    finding = analysed(forged, tmp_path)
    values = {m.name: m.value for m in finding.measurements}
    assert finding.strength is Strength.MODERATE  # 6 x 6 of 16 x 16 blocks: up to 14 % of the picture
    x0, y0, x1, y1 = values["largest region with the pattern shifted by one pixel, box"]
    assert 96 <= x0 <= 160 and 224 <= y0 <= 288 and 288 <= x1 <= 352 and 416 <= y1 <= 480
    assert "shifted by one pixel" in finding.explanation


def test_a_picture_never_demosaiced_is_said_to_carry_no_pattern(tmp_path):
    finding = analysed(skimage_data.astronaut(), tmp_path)
    assert finding.strength is Strength.NONE and finding.figures == []
    assert "no clear demosaicing pattern" in finding.explanation


@pytest.mark.parametrize("name, pixels, reason", [
    ("photo.jpg", np.zeros((200, 200, 3), np.uint8), "lossy format"),
    ("grey.png", np.zeros((200, 200), np.uint8), "not stored as RGB colour"),
    ("tiny.png", np.zeros((64, 200, 3), np.uint8), "smaller than 96 px"),
])
def test_pictures_it_cannot_test_are_not_applicable_with_the_reason(tmp_path, name, pixels, reason):
    path = tmp_path / name
    Image.fromarray(pixels).save(path)
    with pytest.raises(NotApplicable, match=reason):
        CfaAnalyser().analyse(load_media(path), CONTEXT)
