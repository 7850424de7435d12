"""The summary table: order, near-duplicate groups, and cells a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io

from forensics.export.summary import SummaryRow, _group_near_duplicates, summary_csv


def row(exhibit: str, processing: str = "", content: str = "", phash: str = "") -> SummaryRow:
    return SummaryRow(exhibit, f"{exhibit}.jpg", "0" * 64, "image/jpeg", [f"/seized/{exhibit}.jpg"], "full",
                      processing=processing, content=content, perceptual_hash=phash)


def test_rows_are_ordered_by_the_strongest_conclusion_then_the_other():
    rows = [row("E001", "weak", "none"), row("E002", "none", "strong"), row("E003", "strong", "weak"),
            row("E004"), row("E005", "moderate", "moderate")]
    assert [r.exhibit_id for r in sorted(rows, key=SummaryRow.order)] == ["E003", "E002", "E005", "E001", "E004"]


def test_near_duplicates_are_grouped_within_8_bits_through_chains_of_copies():
    base = 0x0123456789ABCDEF
    rows = [row("E001", phash=f"{base:016x}"), row("E002", phash=f"{base ^ 0xFF:016x}"),  # 8 bits apart
            row("E003", phash=f"{base ^ 0xFF ^ (0x7F << 40):016x}"),  # 7 bits from E002, 15 from E001: same group
            row("E004", phash=f"{~base & (2**64 - 1):016x}"),  # every bit differs
            row("E005")]  # no hash (a video)
    _group_near_duplicates(rows)
    assert [r.near_duplicates for r in rows] == ["G1", "G1", "G1", "", ""]


def test_a_cell_that_a_spreadsheet_would_take_for_a_formula_is_quoted():
    hostile = SummaryRow("E001", "=cmd|' /C calc'!A0.jpg", "0" * 64, "image/jpeg", ["@evil", "plain"], "full")
    cells = next(csv.reader(io.StringIO(summary_csv([hostile]).splitlines()[1])))
    assert cells[1] == "'=cmd|' /C calc'!A0.jpg" and cells[-1] == "'@evil | plain"
