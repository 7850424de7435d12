"""A command killed at any moment leaves a case that opens and verifies, with the interrupted step visible."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from forensics.case import Case
from tests.helpers import textured_rgb

ROOT = Path(__file__).resolve().parents[2]


def three_pictures(folder: Path) -> list[Path]:
    """Three 1200 x 900 PNGs: about a second of analysis each."""
    files = []
    for index in range(3):
        path = folder / f"img{index}.png"
        Image.fromarray(textured_rgb(900, 1200, seed=index)).save(path)
        files.append(path)
    return files


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.25, 0.6, 1.0, 1.6, 2.4])
def test_sigkill_during_analyze_leaves_a_valid_case(tmp_path, delay_s):
    files = three_pictures(tmp_path)
    case_dir = tmp_path / "case"
    Case.init(case_dir, "K-1", "alice", "lab").close()
    process = subprocess.Popen(
        [sys.executable, "-m", "forensics", "analyze", *map(str, files), "--case", str(case_dir)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    time.sleep(delay_s)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    with Case.open(case_dir) as case:
        report = case.verify()
        assert report.ok, report.problems
        started = [e for e in case.events() if e.action.endswith(".started")]
        closed = {e.details.get("started_seq") for e in case.events()}
        interrupted = [e for e in started if e.seq not in closed]
        assert len(interrupted) <= 1  # at most the step that was running when the process died
        assert all("interrupted" in n for n in report.notes if "no closing event" in n)
        assert len([n for n in report.notes if "no closing event" in n]) == len(interrupted)


def test_ctrl_c_during_analysis_stops_at_once_with_exit_130_and_a_valid_case(tmp_path):
    """The analysers run on threads of their own: an interruption ends the command now, with the documented
    code, not when the running analysers end, and the case records the interrupted step."""
    files = three_pictures(tmp_path)
    case_dir = tmp_path / "case"
    process = subprocess.Popen(
        [sys.executable, "-m", "forensics", "analyze", *map(str, files), "--case", str(case_dir), "--no-report"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal delivers it
    )
    time.sleep(2.0)
    interrupted = time.perf_counter()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130 and time.perf_counter() - interrupted < 3
    assert stderr.strip().splitlines()[-1].startswith("error: interrupted")
    with Case.open(case_dir) as case:
        assert case.verify().ok
