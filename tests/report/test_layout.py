"""No two words of a rendered report overlap (the custody table's time stamps once overprinted its actors)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from itertools import combinations

import pytest

from tests.helpers import analysed_case, report_input

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
TOLERANCE_PT = 1.0  # glyph boxes of neighbouring words may touch


def overlapping(page: str) -> list[tuple[str, str]]:
    """Pairs of words of one page of ``pdftotext -bbox`` output whose boxes overlap."""
    words = [(float(x0), float(y0), float(x1), float(y1), html.unescape(text)) for x0, y0, x1, y1, text in WORD.findall(page)]
    return [(a[4], b[4]) for a, b in combinations(words, 2)
            if min(a[2], b[2]) - max(a[0], b[0]) > TOLERANCE_PT and min(a[3], b[3]) - max(a[1], b[1]) > TOLERANCE_PT]


def overlapping_words(pdf: bytes) -> list[str]:
    """Overlapping words on every page of ``pdf``, as poppler's pdftotext -bbox places them."""
    boxes = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [f"page {number}: {a!r} overlaps {b!r}" for number, page in enumerate(boxes.split("<page ")[1:], start=1)
            for a, b in overlapping(page)]


def test_the_overlap_check_sees_overprinted_words():
    page = ('<word xMin="10" yMin="10" xMax="80" yMax="20">2026-11-28T15:58:35Z</word>'
            '<word xMin="60" yMin="11" xMax="100" yMax="21">Example</word>'
            '<word xMin="120" yMin="10" xMax="160" yMax="20">apart</word>'
            '<word xMin="160.5" yMin="10" xMax="190" yMax="20">touching</word>')
    assert overlapping(page) == [("2026-11-28T15:58:35Z", "Example")]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_no_words_overlap_in_a_rendered_report(tmp_path, jpeg_file):
    from forensics.report.render import render_pdf

    with analysed_case(tmp_path, jpeg_file) as case:
        pdf = render_pdf(report_input(case))
    assert overlapping_words(pdf) == []


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed")
def test_no_line_of_the_conclusions_is_left_holding_one_word(tmp_path, jpeg_file):
    """Page references re-laid out in the paragraph that held both conclusions once left "the" alone on a line."""
    from forensics.report.render import render_pdf

    with analysed_case(tmp_path, jpeg_file) as case:
        pdf = render_pdf(report_input(case))
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    conclusions = text[text.index("Conclusions\n"):text.index("Findings (the facts measured")]
    lines = [line.split() for line in conclusions.splitlines()[1:] if line.strip()]
    assert lines and any("(p." in " ".join(line) for line in lines)  # a page reference is there to be re-laid out
    assert [line for line in lines if len(line) < 2] == []
