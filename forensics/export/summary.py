"""A case's exhibits in one table, strongest first: the triage view of a batch (CSV, and an HTML page with
thumbnails), made from the stored results and the custody log only.

Rows are sorted by the strongest conclusion on either proposition, then by the other, then by exhibit id. Each row
says which analyses its conclusions rest on (a triage runs only the fast ones), every path the same bytes arrived
under, the group of near-duplicates it belongs to (perceptual hashes within ``NEAR_DUPLICATE_BITS``), and why an
exhibit has no results when it has none.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from forensics.algorithms.perceptual_hash import hamming_distance
from forensics.case.custody import Event
from forensics.case.store import EvidenceRecord
from forensics.results import EvidenceResult, Proposition, Strength

NEAR_DUPLICATE_BITS = 8  # of the 64-bit pHash: re-saved and resized copies differ in fewer (see the README)
THUMBNAIL_PX = 96
_RANK = {strength: rank for rank, strength in enumerate(Strength)}


@dataclass
class SummaryRow:
    exhibit_id: str
    file_name: str
    sha256: str
    media_type: str
    paths: list[str]
    analyses: str  # "full", "triage", "not analysed", "failed: ..."
    not_run: list[str] = field(default_factory=list)  # the analysers a triage left out
    processing: str = ""
    processing_findings: list[str] = field(default_factory=list)
    content: str = ""
    content_findings: list[str] = field(default_factory=list)
    decoded_in_part: str = ""
    near_duplicates: str = ""  # "G3" for the third group of near-duplicates
    perceptual_hash: str = ""
    thumbnail_jpeg: bytes | None = None

    def order(self) -> tuple:
        levels = sorted((_RANK.get(Strength(level), 0) if level else -1) for level in (self.processing, self.content))
        return (-levels[1], -levels[0], self.exhibit_id)


def summary_rows(records: list[EvidenceRecord], results: dict[str, EvidenceResult], events: list[Event],
                 full_analysers: set[str]) -> list[SummaryRow]:
    """One row per exhibit, strongest first. ``results``: each analysed exhibit's latest results; ``full_analysers``:
    the names of every analyser, to tell a full analysis from a triage."""
    paths: dict[str, list[str]] = {}
    failures: dict[str, str] = {}
    for event in events:
        if event.action in ("intake", "intake.duplicate"):
            exhibit = event.details["exhibit_id"]
            paths.setdefault(exhibit, []).append(event.details["path"] if "path" in event.details
                                                 else event.details["original_path"])
        elif event.action == "analysis.failed":
            failures[event.details["exhibit_id"]] = event.details["reason"]
        elif event.action == "analysis.finished":
            failures.pop(event.details["exhibit_id"], None)
    rows = []
    for record in records:
        row = SummaryRow(record.exhibit_id, record.original_name, record.sha256, record.media_type,
                         list(dict.fromkeys(paths.get(record.exhibit_id, [record.original_path]))), "not analysed")
        evidence = results.get(record.exhibit_id)
        if record.exhibit_id in failures:
            row.analyses = f"failed: {failures[record.exhibit_id]}"
        if evidence is not None:
            _fill(row, evidence, full_analysers)
        rows.append(row)
    _group_near_duplicates(rows)
    return sorted(rows, key=SummaryRow.order)


def _fill(row: SummaryRow, evidence: EvidenceResult, full_analysers: set[str]) -> None:
    ran = {result.name for result in evidence.analysers}
    skipped = sorted(full_analysers - ran)
    row.analyses, row.not_run = ("full" if not skipped else "triage"), skipped
    title_of = {finding.key: finding.title for result in evidence.analysers for finding in result.findings}
    for conclusion in evidence.conclusions:
        titles = [title_of.get(key, key) for key in conclusion.findings[:3]]
        if conclusion.proposition is Proposition.PROCESSING:
            row.processing, row.processing_findings = conclusion.strength.value, titles
        else:
            row.content, row.content_findings = conclusion.strength.value, titles
    for result in evidence.analysers:
        for finding in result.findings:
            if finding.key == "file_identity.identity":
                values = {m.name: m.value for m in finding.measurements}
                row.perceptual_hash = values.get("perceptual hash (pHash)") or ""
                if finding.figures:
                    row.thumbnail_jpeg = _thumbnail(base64.b64decode(finding.figures[0].data_base64))
            if finding.key in ("file_identity.incomplete", "file_identity.undecodable", "file_identity.video_incomplete"):
                row.decoded_in_part = finding.title


def _thumbnail(preview: bytes) -> bytes | None:
    try:
        image = Image.open(io.BytesIO(preview))
        image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "JPEG", quality=80)
        return buffer.getvalue()
    except Exception:  # our own preview figure; a failure here only loses the thumbnail
        return None


def _group_near_duplicates(rows: list[SummaryRow]) -> None:
    """Groups of rows whose perceptual hashes differ in at most NEAR_DUPLICATE_BITS bits (single linkage). Hashes
    are bucketed by each of their 9 bands of 7 or 8 bits: two hashes within 8 bits agree exactly on at least one
    band (pigeonhole), so only rows sharing a band are compared, not every pair."""
    hashed = [(index, int(row.perceptual_hash, 16)) for index, row in enumerate(rows) if row.perceptual_hash]
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    bands = np.array_split(np.arange(64), NEAR_DUPLICATE_BITS + 1)
    for band in bands:
        mask = sum(1 << (63 - int(bit)) for bit in band)
        buckets: dict[int, list[tuple[int, int]]] = {}
        for index, value in hashed:
            buckets.setdefault(value & mask, []).append((index, value))
        for members in buckets.values():
            for position, (first, first_hash) in enumerate(members):
                for second, second_hash in members[position + 1:]:
                    if hamming_distance(first_hash, second_hash) <= NEAR_DUPLICATE_BITS:
                        parent[root(first)] = root(second)
    groups: dict[int, list[int]] = {}
    for index, _ in hashed:
        groups.setdefault(root(index), []).append(index)
    numbered = sorted((sorted(members) for members in groups.values() if len(members) > 1), key=lambda m: m[0])
    for number, members in enumerate(numbered, start=1):
        for index in members:
            rows[index].near_duplicates = f"G{number}"


CSV_COLUMNS = ["exhibit_id", "file_name", "processing", "processing_findings", "content", "content_findings",
               "analyses", "not_run", "decoded_in_part", "near_duplicate_group", "perceptual_hash", "sha256", "media_type", "paths"]


def summary_csv(rows: list[SummaryRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(value) for value in (
            row.exhibit_id, row.file_name, row.processing, "; ".join(row.processing_findings), row.content,
            "; ".join(row.content_findings), row.analyses, ", ".join(row.not_run), row.decoded_in_part, row.near_duplicates,
            row.perceptual_hash, row.sha256, row.media_type, " | ".join(row.paths))])
    return buffer.getvalue()


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run: file names and metadata come from the evidence, and a cell starting
    with = + - @ (or a tab or carriage return) would be taken for a formula (OWASP "CSV injection")."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def summary_html(rows: list[SummaryRow], title: str, notes: list[str]) -> str:
    """A self-contained page (thumbnails inline, no script, nothing fetched); every value from the evidence escaped."""
    e = html.escape
    body = []
    for row in rows:
        thumbnail = (f'<img alt="" src="data:image/jpeg;base64,{base64.b64encode(row.thumbnail_jpeg).decode()}">'
                     if row.thumbnail_jpeg else "")
        body.append(
            f"<tr><td>{thumbnail}</td><td>{e(row.exhibit_id)}<br><small>{e(row.file_name)}</small></td>"
            f"<td><span class='level {e(row.processing)}'>{e(row.processing or '-')}</span><br>"
            f"<small>{e('; '.join(row.processing_findings))}</small></td>"
            f"<td><span class='level {e(row.content)}'>{e(row.content or '-')}</span><br>"
            f"<small>{e('; '.join(row.content_findings))}</small></td>"
            f"<td title='{e('not run: ' + ', '.join(row.not_run)) if row.not_run else ''}'>{e(row.analyses)}"
            f"{'<br><small>' + e(row.decoded_in_part) + '</small>' if row.decoded_in_part else ''}</td>"
            f"<td>{e(row.near_duplicates)}</td><td><small>{'<br>'.join(e(path) for path in row.paths[:5])}"
            f"{'<br>and ' + str(len(row.paths) - 5) + ' more' if len(row.paths) > 5 else ''}</small></td></tr>")
    notes_html = "".join(f"<p>{e(note)}</p>" for note in notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{e(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }}
th {{ background: #eef1f5; }}
small {{ color: #555; }}
.level {{ padding: 1px 6px; border-radius: 3px; background: #eee; }}
.level.weak {{ background: #fff3c4; }} .level.moderate {{ background: #ffd9a8; }} .level.strong {{ background: #f7b4b4; }}
</style></head><body>
<h1>{e(title)}</h1>
{notes_html}
<table><tr><th></th><th>Exhibit</th><th>Processing</th><th>Content</th><th>Analyses</th><th>Near-duplicates</th><th>Paths</th></tr>
{chr(10).join(body)}
</table></body></html>
"""
