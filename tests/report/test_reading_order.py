"""A report a lawyer reads in five minutes: the findings that support a proposition in full, the others in a line
each (in full in Appendix C, their figures only in the attached results), page references from the summary, and a
12-megapixel photo's report within 12 pages before the appendices and 2 MB."""

from __future__ import annotations

import io
import re

import cv2
import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from forensics.report.render import finding_anchor, render_html, render_pdf
from forensics.results import Strength
from tests.helpers import analysed_case, report_input

MAX_PAGES_BEFORE_APPENDICES = 12
MAX_BYTES = 2_000_000


@pytest.fixture(scope="module")
def resaved_12_megapixels(tmp_path_factory):
    """A 4000 x 3000 photo saved at quality 70 and again at 90 (double compression: supporting findings with maps),
    analysed and rendered once for the tests below."""
    folder = tmp_path_factory.mktemp("twelve")
    # A scene without periodic structure (a smooth random field with grain): the sinusoids of textured_rgb repeat
    # across 4000 pixels closely enough for block matching to see a copy.
    rng = np.random.default_rng(0)
    scene = cv2.resize(rng.uniform(40, 215, (75, 100, 3)).astype(np.float32), (4000, 3000), interpolation=cv2.INTER_CUBIC)
    picture = np.clip(scene + rng.normal(0, 4, scene.shape), 0, 255).astype(np.uint8)
    first = io.BytesIO()
    Image.fromarray(picture).save(first, "JPEG", quality=70)
    path = folder / "photo.jpg"
    Image.open(first).save(path, "JPEG", quality=90)
    case = analysed_case(folder, path)
    report = report_input(case)
    return report, render_html(report), render_pdf(report)


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_12_megapixel_photo_makes_a_short_small_report(resaved_12_megapixels):
    _, _, pdf = resaved_12_megapixels
    texts = pages(pdf)
    first_appendix = next(number for number, text in enumerate(texts, start=1) if "Appendix A. Custody" in text)
    assert first_appendix - 1 <= MAX_PAGES_BEFORE_APPENDICES
    assert len(pdf) <= MAX_BYTES


def test_the_summary_gives_the_page_of_each_finding_that_drives_a_conclusion(resaved_12_megapixels):
    report, _, pdf = resaved_12_megapixels
    texts = pages(pdf)
    evidence = report.document.evidence[0]
    drivers = [f for a in evidence.analysers for f in a.findings
               if any(f.key in c.findings for c in evidence.conclusions if c.strength is not Strength.NONE)]
    assert drivers, "the double save should drive the processing conclusion"
    summary = texts[1].replace("\n", " ")
    for finding in drivers:
        page = int(re.search(re.escape(finding.title) + r" \(p\.\s(\d+)\)", summary).group(1))
        assert finding.title in texts[page - 1].replace("\n", " ")
        assert page > 2  # section 5, not the summary itself


def test_findings_without_support_are_listed_in_a_line_and_given_in_full_in_appendix_c(resaved_12_megapixels):
    report, html, _ = resaved_12_megapixels
    evidence = report.document.evidence[0]
    quiet = [f for a in evidence.analysers for f in a.findings if f.strength is Strength.NONE]
    supporting = [f for a in evidence.analysers for f in a.findings if f.strength is not Strength.NONE]
    assert quiet and supporting
    findings_section, appendix_c = html.split("<h2>5. Findings</h2>")[1].split("Appendix C. Findings that gave no support")
    for finding in quiet:
        assert f'id="{finding_anchor(evidence, finding)}"' in appendix_c  # in full, once
        assert f'href="#{finding_anchor(evidence, finding)}"' in findings_section  # its line points there
        for figure in finding.figures:
            # Named, and left in the attached results (the preview is also the thumbnail of section 3).
            assert figure.data_base64 not in findings_section + appendix_c and figure.sha256 in appendix_c
    for finding in supporting:
        assert f'id="{finding_anchor(evidence, finding)}"' in findings_section
        assert all(figure.data_base64 in findings_section for figure in finding.figures)
