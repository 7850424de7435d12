"""The case store: intake, read-only objects, tamper detection, concurrency."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from forensics.case import Case
from forensics.case.store import DB_NAME
from forensics.errors import BadInputError, CaseError
from tests.helpers import sha256_of, written


@pytest.fixture
def case(tmp_path) -> Case:
    with Case.init(tmp_path / "case", "2026-0042", "Alice Examiner", "Test Lab") as c:
        yield c


def test_intake_records_hashes_equal_to_hashlib_and_stores_a_read_only_copy(case, jpeg_file):
    data = jpeg_file.read_bytes()
    record, new = case.add_evidence(jpeg_file, "alice", received_from="Officer B", note="seized phone")
    assert new
    assert record.exhibit_id == "E001"
    assert (record.md5, record.sha1, record.sha256) == (
        hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(), hashlib.sha256(data).hexdigest())
    assert record.size == len(data)
    assert record.format == "JPEG" and record.kind == "image"
    stored = case.object_path(record.sha256)
    assert stored.read_bytes() == data
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    intake = [e for e in case.events() if e.action == "intake"][0]
    assert intake.details["received_from"] == "Officer B" and intake.details["sha256"] == record.sha256


def test_same_bytes_twice_are_one_exhibit_and_two_logged_intakes(case, jpeg_file, tmp_path):
    copy = tmp_path / "renamed.jpeg"
    copy.write_bytes(jpeg_file.read_bytes())
    first, _ = case.add_evidence(jpeg_file, "alice")
    second, new = case.add_evidence(copy, "alice")
    assert not new and second.exhibit_id == first.exhibit_id
    assert [e.action for e in case.events()].count("intake.duplicate") == 1


@pytest.mark.parametrize("make, reason", [
    (lambda d: d / "missing.jpg", "no such file"),
    (lambda d: d, "is a directory"),
    (written("empty.jpg", b""), "is empty"),
    (written("notes.txt", b"hello, not an image"), "not a supported image or video format"),
])
def test_bad_input_is_refused_and_logged(case, tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(BadInputError, match=reason):
        case.add_evidence(path, "alice")
    rejected = [e for e in case.events() if e.action == "intake.rejected"]
    assert len(rejected) == 1 and reason in rejected[0].details["reason"]
    assert case.evidence() == []
    assert case.verify().ok


def test_symlink_is_resolved_and_recorded(case, jpeg_file, tmp_path):
    link = tmp_path / "link.jpg"
    link.symlink_to(jpeg_file)
    record, _ = case.add_evidence(link, "alice")
    intake = [e for e in case.events() if e.action == "intake"][0]
    assert intake.details["resolved_path"] == str(jpeg_file.resolve())
    assert record.sha256 == sha256_of(jpeg_file)


def test_open_refuses_folders_that_are_not_cases(tmp_path):
    with pytest.raises(CaseError, match="not a forensics case"):
        Case.open(tmp_path)
    with pytest.raises(CaseError, match="no such case folder"):
        Case.open(tmp_path / "nowhere")
    (tmp_path / "x" ).mkdir()
    (tmp_path / "x" / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CaseError):
        Case.open(tmp_path / "x")


def test_init_refuses_non_empty_folder_and_existing_case(tmp_path, case):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    with pytest.raises(CaseError, match="not empty"):
        Case.init(tmp_path / "busy", "1", "a", "b")
    with pytest.raises(CaseError, match="already a case"):
        Case.init(case.directory, "1", "a", "b")


# ------------------------------------------------------------------------------------------ tampering


def tamper(case: Case, sql: str, *params) -> None:
    with sqlite3.connect(case.directory / DB_NAME) as db:
        db.execute(sql, params)


def test_verify_passes_on_an_untouched_case(case, jpeg_file, png_file):
    case.add_evidence(jpeg_file, "alice")
    case.add_evidence(png_file, "alice")
    report = case.verify()
    assert report.ok, report.problems
    assert report.objects_checked == 2
    assert report.head_hash == case.events()[-1].hash


def test_edited_log_row_is_detected(case, jpeg_file):
    case.add_evidence(jpeg_file, "alice")
    tamper(case, "UPDATE events SET actor = 'mallory' WHERE seq = 2")
    problems = case.verify().problems
    assert any("event #2" in p and "altered" in p for p in problems)


def test_deleted_event_is_detected(case, jpeg_file, png_file):
    case.add_evidence(jpeg_file, "alice")
    case.add_evidence(png_file, "alice")
    tamper(case, "DELETE FROM events WHERE seq = 3")
    problems = case.verify().problems
    assert any("#3" in p and "missing" in p for p in problems)


def test_reordered_events_are_detected(case, jpeg_file, png_file):
    case.add_evidence(jpeg_file, "alice")
    case.add_evidence(png_file, "alice")
    with sqlite3.connect(case.directory / DB_NAME) as db:
        rows = {r[0]: r[1:] for r in db.execute("SELECT seq, utc, actor, action, details, prev_hash, hash FROM events")}
        for seq, other in ((3, 5), (5, 3)):
            db.execute("UPDATE events SET utc=?, actor=?, action=?, details=?, prev_hash=?, hash=? WHERE seq=?", (*rows[other], seq))
    assert not case.verify().ok


def test_flipped_evidence_byte_is_detected(case, jpeg_file):
    record, _ = case.add_evidence(jpeg_file, "alice")
    path = case.object_path(record.sha256)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    problems = case.verify().problems
    assert any("E001" in p and "changed since intake" in p for p in problems)


def test_deleted_evidence_row_and_object_are_detected(case, jpeg_file, png_file):
    first, _ = case.add_evidence(jpeg_file, "alice")
    second, _ = case.add_evidence(png_file, "alice")
    tamper(case, "DELETE FROM evidence WHERE exhibit_id = 'E001'")
    os.remove(case.object_path(second.sha256))
    problems = case.verify().problems
    assert any("E001" in p and "missing from the evidence table" in p for p in problems)
    assert any("E002" in p and "is missing" in p for p in problems)


def test_altered_results_are_detected(case):
    digest = case.store_results('{"a": 1}')
    case.log("analysis.finished", "alice", {"exhibit_id": "E001", "results_sha256": digest, "started_seq": 1})
    tamper(case, "UPDATE results SET document = '{\"a\": 2}'")
    assert any("results were altered" in p for p in case.verify().problems)


def test_interrupted_step_is_reported_as_started_not_finished(case):
    case.log("analysis.started", "alice", {"exhibit_id": "E001"})
    report = case.verify()
    assert report.ok
    assert any("analysis.started" in note and "interrupted" in note for note in report.notes)


# ------------------------------------------------------------------------------------------ concurrency

_ADD_MANY = """
import sys
from forensics.case import Case
with Case.open(sys.argv[1]) as case:
    for path in sys.argv[2:]:
        case.add_evidence(path, "worker")
"""


def test_concurrent_intakes_keep_the_chain_valid(case, tmp_path):
    from PIL import Image

    from tests.helpers import textured_rgb

    files = []
    for index in range(16):
        path = tmp_path / f"img{index}.png"
        Image.fromarray(textured_rgb(32, 32, seed=index)).save(path)
        files.append(str(path))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    workers = [
        subprocess.Popen([sys.executable, "-c", _ADD_MANY, str(case.directory), *files[i::4]], env=env)
        for i in range(4)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0, 0, 0, 0]
    report = case.verify()
    assert report.ok, report.problems
    assert len(case.evidence()) == 16
    assert sorted(r.exhibit_id for r in case.evidence()) == [f"E{i:03d}" for i in range(1, 17)]
    assert json.loads(json.dumps([e.details for e in case.events()]))  # every row is valid JSON


def test_fifo_is_refused_as_not_a_regular_file(case, tmp_path):
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(BadInputError, match="not a regular file"):
        case.add_evidence(fifo, "alice")
