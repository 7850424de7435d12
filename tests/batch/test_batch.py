"""forensics batch end to end, on real Dask clusters: a local one, and a scheduler with two worker processes
started here on 127.0.0.1, one of which is killed in the middle of the batch."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader
from skimage import data as skimage_data

from forensics.case import Case
from forensics.errors import EXIT_BAD_INPUT, EXIT_OK
from tests.helpers import textured_rgb

ROOT = Path(__file__).resolve().parents[2]
SCENES = ["astronaut", "chelsea", "coffee", "rocket", "camera", "coins", "moon", "page", "clock", "brick"]


def scene(name: str, width: int = 240) -> np.ndarray:
    pixels = getattr(skimage_data, name)()
    image = Image.fromarray(pixels).convert("RGB")
    return np.asarray(image.resize((width, round(image.height * width / image.width))))


def seizure(folder: Path) -> Path:
    """Five different photos, an exact copy of one, a smaller re-save of another, a text file, and a JPEG cut
    before its first row."""
    folder.mkdir()
    (folder / "sub").mkdir()
    for name in SCENES[:5]:
        Image.fromarray(scene(name)).save(folder / f"{name}.jpg", quality=90)
    (folder / "sub" / "copy.jpg").write_bytes((folder / "chelsea.jpg").read_bytes())
    Image.fromarray(scene("coffee", 160)).save(folder / "sub" / "coffee-small.jpg", quality=70)
    (folder / "notes.txt").write_text("not a picture")
    data = (folder / "rocket.jpg").read_bytes()
    (folder / "sub" / "cut.jpg").write_bytes(data[: data.index(b"\xff\xda") + 40])
    return folder


def events(case_dir: Path, action: str) -> list:
    with Case.open(case_dir) as case:
        return [e for e in case.events() if e.action == action]


def summary(case_dir: Path) -> dict[str, dict]:
    with open(case_dir / "batch" / "summary.csv", newline="") as handle:
        return {row["exhibit_id"]: row for row in csv.DictReader(handle)}


def test_a_triage_then_chosen_full_analyses_on_a_local_cluster_resumable_and_reported(tmp_path, run_cli):
    source, case = seizure(tmp_path / "seized"), tmp_path / "case"
    code, stdout, stderr = run_cli("batch", source, "--case", case, "--triage", "--workers", "2")
    assert code == EXIT_BAD_INPUT, stderr  # the text file was not taken in, and says so
    assert "notes.txt: not taken in: not a supported image or video format" in stderr
    assert "Files: 9 (7 new, 1 already held, 1 not taken in)" in stdout
    rows = summary(case)
    assert len(rows) == 7 and all(row["analyses"] == "triage" for row in rows.values())
    assert all(row["not_run"] == "cfa, compression, copy_move, face, lighting, video_encoding, video_faces"
               for row in rows.values())
    names = {row["file_name"]: row for row in rows.values()}
    assert names["chelsea.jpg"]["paths"] == f"{source / 'chelsea.jpg'} | {source / 'sub' / 'copy.jpg'}"
    assert names["coffee.jpg"]["near_duplicate_group"] == names["coffee-small.jpg"]["near_duplicate_group"] != ""
    assert sum(row["near_duplicate_group"] != "" for row in rows.values()) == 2
    assert names["cut.jpg"]["decoded_in_part"] == "The picture could not be decoded"
    finished = events(case, "analysis.finished")
    assert sorted(e.details["exhibit_id"] for e in finished) == sorted(rows)  # each exhibit analysed once

    # Run again: nothing is analysed twice; then analyse two exhibits fully, as an examiner chooses after a triage.
    code, stdout, _ = run_cli("batch", source, "--case", case, "--triage", "--workers", "2")
    assert "Analysed: 0 (0 in part), not again: 7" in stdout and len(events(case, "analysis.started")) == 7
    chosen = [names["astronaut.jpg"]["exhibit_id"], names["coffee.jpg"]["exhibit_id"]]
    code, stdout, stderr = run_cli("batch", "--case", case, "--exhibits", ",".join(chosen), "--workers", "2")
    assert code == EXIT_OK, stderr
    rows = summary(case)
    assert {row["exhibit_id"] for row in rows.values() if row["analyses"] == "full"} == set(chosen)
    assert run_cli("case", "verify", case)[0] == EXIT_OK

    code, _, stderr = run_cli("report", case, "--exhibits", chosen[0], "-o", tmp_path / "r.pdf")
    assert code == EXIT_OK, stderr
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "r.pdf").pages[:3])
    assert f"Exhibit {chosen[0]}" in text and f"Exhibit {chosen[1]}" not in text


def test_the_summary_page_escapes_what_comes_from_the_evidence(tmp_path, run_cli):
    source = tmp_path / "in"
    source.mkdir()
    Image.fromarray(textured_rgb(60, 80)).save(source / "=HYPERLINK(evil)<b>.jpg", quality=90)
    case = tmp_path / "case"
    assert run_cli("batch", source, "--case", case, "--triage", "--workers", "1")[0] == EXIT_OK
    (row,) = summary(case).values()
    assert row["file_name"] == "'=HYPERLINK(evil)<b>.jpg"  # a spreadsheet shows it, never runs it
    page = (case / "batch" / "summary.html").read_text()
    assert "=HYPERLINK(evil)&lt;b&gt;.jpg" in page and "<b>.jpg" not in page and "://" not in page  # fetches nothing


def start(*command: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *command], stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})


def finished_count(case_dir: Path) -> int:
    if not (case_dir / "case.sqlite").exists():
        return 0
    try:
        with sqlite3.connect(f"file:{case_dir / 'case.sqlite'}?mode=ro", uri=True) as db:
            return db.execute("SELECT COUNT(*) FROM events WHERE action = 'analysis.finished'").fetchone()[0]
    except sqlite3.OperationalError:  # the batch is creating the case
        return 0


@pytest.mark.slow
def test_a_batch_on_a_running_cluster_survives_a_worker_killed_in_the_middle(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    for index in range(14):
        pixels = textured_rgb(480, 640, seed=index)
        pixels[40 * (index % 8): 40 * (index % 8) + 60, 40: 200] = 255 - pixels[:60, :160]  # pictures apart
        Image.fromarray(pixels).save(source / f"photo-{index:02d}.jpg", quality=90)
    (source / "notes.txt").write_text("not a picture")  # and bad ones: not taken in, and nothing decodes
    data = (source / "photo-00.jpg").read_bytes()
    (source / "cut.jpg").write_bytes(data[: data.index(b"\xff\xda") + 40])
    scheduler_file = tmp_path / "scheduler.json"
    processes = [start("dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                       "--scheduler-file", str(scheduler_file), log=tmp_path / "scheduler.log")]
    try:
        for _ in range(300):
            if scheduler_file.exists() and scheduler_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        workers = [start("dask", "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", name,
                         "--host", "127.0.0.1", log=tmp_path / f"{name}.log") for name in ("w1", "w2")]
        processes += workers
        case = tmp_path / "case"
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        # The batch runs as examiners run it: in a process of its own, the client and only writer.
        child = subprocess.Popen([sys.executable, "-m", "forensics", "batch", str(source), "--case", str(case),
                                  "--scheduler", address], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=environment)
        deadline = time.monotonic() + 240
        while finished_count(case) < 2 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        assert child.poll() is None, "the batch ended before a worker could be killed"
        workers[0].send_signal(signal.SIGKILL)  # in the middle of its file
        stdout, stderr = child.communicate(timeout=300)
        assert child.returncode == EXIT_BAD_INPUT and "notes.txt: not taken in" in stderr, stderr
        assert "Analysed: 15 (1 in part)" in stdout and "failed: 0" in stdout

        finished = events(case, "analysis.finished")
        assert sorted(e.details["exhibit_id"] for e in finished) == [f"E{i:03d}" for i in range(1, 16)]  # each once
        assert not events(case, "analysis.failed")
        verify = subprocess.run([sys.executable, "-m", "forensics", "case", "verify", str(case)], capture_output=True,
                                text=True, env=environment)
        assert verify.returncode == EXIT_OK, verify.stdout + verify.stderr

        again = subprocess.run([sys.executable, "-m", "forensics", "batch", str(source), "--case", str(case),
                                "--scheduler", address], capture_output=True, text=True, env=environment)
        assert "Analysed: 0 (0 in part), not again: 15" in again.stdout
        assert len(events(case, "analysis.started")) == 15  # nothing analysed twice
    finally:
        for process in processes:
            process.kill()
            process.wait()


def test_a_file_that_outlives_the_time_limit_is_logged_as_failed_and_analysed_by_a_later_batch(tmp_path, run_cli):
    source = tmp_path / "in"
    source.mkdir()
    Image.fromarray(scene("astronaut", 480)).save(source / "slow.jpg", quality=90)
    case = tmp_path / "case"
    code, stdout, stderr = run_cli("batch", source, "--case", case, "--workers", "1", "--timeout", "0.2")
    assert code == EXIT_BAD_INPUT, stderr
    assert ("E001: analysis failed: the worker process analysing it was ended on every try: it outlived the time "
            "limit (0.2 s)") in stderr
    (failed,) = events(case, "analysis.failed")
    assert failed.details["reason"].endswith("it outlived the time limit (0.2 s)")
    assert summary(case)["E001"]["analyses"].startswith("failed: the worker process")
    code, stdout, _ = run_cli("batch", source, "--case", case, "--workers", "1")
    assert code == EXIT_OK and "Analysed: 1 (0 in part)" in stdout and summary(case)["E001"]["analyses"] == "full"


def test_a_file_whose_analysis_outgrows_the_memory_limit_fails_alone(tmp_path, run_cli):
    source = tmp_path / "in"
    source.mkdir()
    Image.fromarray(scene("coins")).save(source / "small.jpg", quality=90)
    large = np.full((6000, 8000, 3), 120, np.uint8)  # 48 MP: its full analysis holds about 2 GB at its peak
    large[:3000, :4000] = 200
    Image.fromarray(large).save(source / "large.png", compress_level=1)
    case = tmp_path / "case"
    code, stdout, stderr = run_cli("batch", source, "--case", case, "--workers", "1", "--memory-mb", "1000")
    assert code == EXIT_BAD_INPUT and "Analysed: 1 (0 in part)" in stdout and "failed: 1" in stdout, stdout + stderr
    (failed,) = events(case, "analysis.failed")
    reason = failed.details["reason"]
    assert reason.startswith("the worker process analysing it was ended on every try: its memory outgrew the limit "
                             "(1000 MB; the worker process held "), reason
    held = int(reason.rsplit("held ", 1)[1].split()[0])
    assert 1000 < held < 1500  # looked at often enough to end it soon after
    rows = {row["file_name"]: row for row in summary(case).values()}
    assert rows["small.jpg"]["analyses"] == "full" and rows["large.png"]["analyses"].startswith("failed")
    assert run_cli("case", "verify", case)[0] == EXIT_OK


def test_a_second_batch_on_the_same_case_waits_its_turn(tmp_path, run_cli):
    import fcntl

    case = tmp_path / "case"
    assert run_cli("case", "init", case, "--case-number", "1", "--examiner", "E", "--agency", "A")[0] == EXIT_OK
    with open(case / "batch.lock", "a+") as lock:  # as a running batch holds it
        fcntl.flock(lock, fcntl.LOCK_EX)
        code, _, stderr = run_cli("batch", tmp_path, "--case", case, "--workers", "1")
    assert code == 4 and "another forensics batch is working on this case" in stderr
