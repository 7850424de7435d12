"""`forensics annotate`: the examiner's review of a finding, kept in the custody log and shown in the report."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from forensics.case import Case
from forensics.case.annotations import ANNOTATION_ACTION, ReviewStatus, current_annotations
from forensics.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED


@pytest.fixture
def case_dir(analysed_photo_case, tmp_path):
    """A copy of a case with one analysed photo (no EXIF, so "metadata.stripped" is a weak processing finding)."""
    return shutil.copytree(analysed_photo_case, tmp_path / "case")


def _annotation_events(case_dir):
    with Case.open(case_dir) as case:
        return [e for e in case.events() if e.action == ANNOTATION_ACTION]


def test_without_a_finding_the_exhibit_findings_are_listed_with_their_ids(case_dir, run_cli):
    code, stdout, _ = run_cli("annotate", case_dir, "e001")  # the exhibit id in any letter case
    assert code == EXIT_OK
    lines = stdout.splitlines()
    assert lines[0].startswith("E001 photo.jpg:") and lines[1].split()[:2] == ["Finding", "Level"]
    assert lines[2].split()[:3] == ["metadata.stripped", "weak", "processing"]  # strongest first
    assert any(line.split()[0] == "compression.ghosts" for line in lines[2:])


def test_annotation_is_a_custody_event_and_the_latest_one_counts(case_dir, run_cli):
    code, stdout, _ = run_cli("annotate", case_dir, "E001", "metadata.stripped", "--status", "to-check", "--examiner", "Bob")
    assert code == EXIT_OK and "marked to be checked by Bob" in stdout
    code, _, _ = run_cli("annotate", case_dir, "E001", "metadata.stripped", "--status", "accepted",
                         "--comment", "The sender confirmed the file came through a messenger.", "--examiner", "Carol")
    assert code == EXIT_OK
    events = _annotation_events(case_dir)
    assert [e.details["status"] for e in events] == ["to-check", "accepted"]  # the history stays in the log
    recorded = {key: events[-1].details[key] for key in ("exhibit_id", "finding", "status", "comment", "analyser", "strength")}
    assert recorded == {"exhibit_id": "E001", "finding": "metadata.stripped", "status": "accepted",
                        "comment": "The sender confirmed the file came through a messenger.", "analyser": "metadata",
                        "strength": "weak"}
    assert events[-1].details["os_user"]  # who ran the command, beside the examiner it names
    note = current_annotations(events)[("E001", "metadata.stripped")]
    assert (note.status, note.actor, note.seq) == (ReviewStatus.ACCEPTED, "Carol", events[-1].seq)
    assert run_cli("case", "verify", case_dir)[0] == EXIT_OK
    code, stdout, _ = run_cli("annotate", case_dir, "E001")
    assert "accepted (Carol," in stdout


def test_an_altered_annotation_breaks_the_custody_chain(case_dir, run_cli):
    run_cli("annotate", case_dir, "E001", "metadata.stripped", "--status", "disputed", "--comment", "Screenshot, not an edit.")
    with sqlite3.connect(case_dir / "case.sqlite") as db:
        db.execute("UPDATE events SET details = replace(details, 'disputed', 'accepted') WHERE action = 'annotation'")
    code, stdout, _ = run_cli("case", "verify", case_dir)
    assert code == EXIT_VERIFY_FAILED and "(annotation) was altered" in stdout


@pytest.mark.parametrize("arguments, message", [
    (["E001", "no.such.finding", "--status", "accepted"], "E001 has no finding 'no.such.finding'"),
    (["E009", "metadata.stripped", "--status", "accepted"], "E009: no analysed exhibit of that id"),
    (["E001", "metadata.stripped", "--status", "disputed"], "say why the finding is disputed"),
    (["E001", "metadata.stripped", "--status", "accepted", "--comment", "a\x07b"], "control characters"),
    (["E001", "metadata.stripped", "--status", "accepted", "--comment", "x" * 2001], "at most 2000 characters"),
    (["E001", "metadata.stripped"], "--status is required"),
    (["E001", "--status", "accepted"], "give the finding to annotate"),
], ids=["finding", "exhibit", "disputed-without-reason", "control-character", "too-long", "no-status", "no-finding"])
def test_bad_annotations_are_one_line_errors_and_record_nothing(case_dir, run_cli, arguments, message):
    code, _, stderr = run_cli("annotate", case_dir, *arguments)
    assert code == EXIT_USAGE and message in stderr and stderr.count("\n") == 1, stderr
    assert _annotation_events(case_dir) == []


def test_report_shows_reviews_in_the_summary_and_beside_the_finding(case_dir, run_cli, tmp_path):
    from pypdf import PdfReader

    run_cli("annotate", case_dir, "E001", "metadata.stripped", "--status", "accepted",
            "--comment", "Sent through a messenger.", "--examiner", "Carol")
    run_cli("annotate", case_dir, "E001", "compression.ghosts", "--status", "to-check")
    assert run_cli("report", case_dir, "-o", tmp_path / "r.pdf")[0] == EXIT_OK
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(tmp_path / "r.pdf").pages]
    summary = next(page for page in pages if "1. Summary" in page)
    assert ("Examiner's review of findings (the examiner's opinion, recorded in the custody log; it changes neither "
            "the findings nor the conclusions above): accepted: No camera metadata in a JPEG") in summary
    assert '("Sent through a messenger.")' in summary and "to be checked: JPEG ghosts" in summary
    beside = next(page for page in pages if "finding id metadata.stripped" in page)
    assert "Examiner's review: accepted (Carol," in beside and "Sent through a messenger." in beside
    ghosts = next(page for page in pages if "finding id compression.ghosts" in page)
    assert "Examiner's review: to be checked" in ghosts


def test_review_of_a_finding_measured_again_since_says_so(tmp_path, jpeg_file):
    from forensics.report.render import render_html
    from tests.helpers import analysed_case, report_input

    with analysed_case(tmp_path, jpeg_file) as case:
        finding = next(f for e in report_input(case).document.evidence for a in e.analysers for f in a.findings
                       if f.key == "metadata.stripped")
        case.log(ANNOTATION_ACTION, "Dave", {"exhibit_id": "E001", "finding": "metadata.stripped", "status": "disputed",
                                             "comment": "An earlier reading.", "analyser": "metadata",
                                             "analyser_version": "0.9.0", "strength": "strong", "score": 0.95})
        html = " ".join(render_html(report_input(case)).split())
    assert finding.strength.value == "weak"
    assert ('Made when this finding read "strong", score 0.95, from metadata version 0.9.0; it has been measured '
            'again since.') in html
