"""The command line as a user meets it: outputs, exit codes, one-line errors, untouched evidence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from pypdf import PdfReader

import forensics
from forensics.case import Case
from forensics.errors import EXIT_BAD_INPUT, EXIT_CASE, EXIT_OK, EXIT_VERIFY_FAILED
from tests.helpers import sha256_of, written

SCHEMA = json.loads((Path(forensics.__file__).parent / "schema" / "results.schema.json").read_text())


def test_analyze_writes_pdf_and_json_and_leaves_evidence_untouched(tmp_path, run_cli, jpeg_file, png_file, video_file):
    before = {p: sha256_of(p) for p in (jpeg_file, png_file, video_file)}
    case, pdf, out = tmp_path / "case", tmp_path / "out" / "report.pdf", tmp_path / "results.json"
    code, stdout, stderr = run_cli("analyze", jpeg_file, png_file, video_file, "--case", case, "--report", pdf,
                                   "--json", out, "--case-number", "2026-0042", "--examiner", "Alice")
    assert code == EXIT_OK, stderr
    assert stderr == ""
    assert "E001" in stdout and "E003" in stdout and str(pdf) in stdout
    assert {p: sha256_of(p) for p in before} == before

    document = json.loads(out.read_text())
    jsonschema.validate(document, SCHEMA)
    assert [e["sha256"] for e in document["evidence"]] == list(before.values())
    assert all(a["status"] != "failed" for e in document["evidence"] for a in e["analysers"])
    statuses = {a["name"]: (a["status"], a["reason"]) for a in document["evidence"][0]["analysers"]}
    # The generated photo has no face: the lighting analyser says so instead of measuring; the video analysers
    # do not apply to a photo, nor the demosaicing one to a JPEG (it runs on the PNG); all others ran. On the
    # video, the video analysers ran, and the image metadata analyser did not.
    assert statuses.pop("lighting")[0] == "not_applicable"
    assert statuses.pop("cfa")[0] == "not_applicable"
    assert {a["name"]: a["status"] for a in document["evidence"][1]["analysers"]}["cfa"] == "ran"
    video_analysers = ("video_encoding", "video_faces", "container_metadata")
    assert [statuses.pop(name)[0] for name in video_analysers] == ["not_applicable"] * 3
    assert all(status == "ran" for status, _ in statuses.values())
    video = {a["name"]: a["status"] for a in document["evidence"][2]["analysers"]}
    assert {video[name] for name in video_analysers} == {"ran"} and video["metadata"] == "not_applicable"

    text = "".join(page.extract_text() for page in PdfReader(pdf).pages).replace("\n", "")
    assert "2026-0042" in text
    for digest in before.values():
        assert digest in text

    code, stdout, _ = run_cli("case", "verify", case)
    assert code == EXIT_OK and "verified" in stdout


def test_analyze_without_case_creates_one_in_the_working_directory(tmp_path, run_cli, jpeg_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run_cli("analyze", jpeg_file, "-q")
    assert code == EXIT_OK and stdout == ""
    cases = list(tmp_path.glob("case-*"))
    assert len(cases) == 1
    assert (cases[0] / "reports" / "latest.pdf").is_file()


def test_runs_in_the_same_second_get_their_own_case_and_a_run_that_takes_nothing_keeps_none(
        tmp_path, run_cli, jpeg_file, monkeypatch):
    import forensics.cli as cli

    monkeypatch.chdir(tmp_path)
    first = cli._new_case_directory()
    first.mkdir()  # a run started in this second already holds the name
    assert cli._new_case_directory().name == first.name + "-2"
    first.rmdir()
    (tmp_path / "empty.jpg").write_bytes(b"")
    code, stdout, stderr = run_cli("analyze", tmp_path / "empty.jpg", "--no-report")
    assert code == EXIT_BAD_INPUT and "empty" in stderr and "no case folder was kept" in stdout
    assert not list(tmp_path.glob("case-*"))


def test_report_rerenders_from_stored_results_without_reanalysing(tmp_path, run_cli, jpeg_file):
    case = tmp_path / "case"
    run_cli("analyze", jpeg_file, "--case", case, "--no-report")
    code, stdout, _ = run_cli("report", case, "-o", tmp_path / "again.pdf", "--json", tmp_path / "again.json")
    assert code == EXIT_OK and "Report R-" in stdout
    actions = [line.split()[2] for line in run_cli("case", "log", case)[1].splitlines() if line.startswith("#")]
    assert actions.count("analysis.started") == 1
    assert actions[-2:] == ["report.started", "report.rendered"]
    jsonschema.validate(json.loads((tmp_path / "again.json").read_text()), SCHEMA)


def test_case_commands_round_trip(tmp_path, run_cli, jpeg_file, png_file):
    case = tmp_path / "case"
    assert run_cli("case", "init", case, "--case-number", "7", "--examiner", "Bob", "--agency", "Lab")[0] == EXIT_OK
    code, stdout, _ = run_cli("case", "add", case, jpeg_file, png_file, "--received-from", "Officer C")
    assert code == EXIT_OK
    assert sha256_of(jpeg_file) in stdout and sha256_of(png_file) in stdout
    code, stdout, _ = run_cli("case", "log", case, "--details")
    assert "received_from: Officer C" in stdout and stdout.strip().splitlines()[-1].startswith("head: ")


def test_verify_fails_with_exit_5_after_tampering_and_names_the_event(tmp_path, run_cli, jpeg_file):
    import sqlite3

    case = tmp_path / "case"
    run_cli("case", "init", case, "--case-number", "7", "--examiner", "Bob", "--agency", "Lab")
    run_cli("case", "add", case, jpeg_file)
    with sqlite3.connect(case / "case.sqlite") as db:
        db.execute("UPDATE events SET details = replace(details, 'photo.jpg', 'other.jpg') WHERE action = 'intake'")
    code, stdout, _ = run_cli("case", "verify", case)
    assert code == EXIT_VERIFY_FAILED
    assert "event #3 (intake) was altered" in stdout


def test_verify_detects_truncation_against_the_head_cited_by_a_report(tmp_path, run_cli, jpeg_file):
    import sqlite3

    case = tmp_path / "case"
    run_cli("case", "init", case, "--case-number", "7", "--examiner", "Bob", "--agency", "Lab")
    run_cli("case", "add", case, jpeg_file)
    head = run_cli("case", "log", case)[1].strip().splitlines()[-1].split()[-1]
    with sqlite3.connect(case / "case.sqlite") as db:
        db.execute("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)")
        db.execute("DELETE FROM evidence")
    code, stdout, _ = run_cli("case", "verify", case, "--head", head)
    assert code == EXIT_VERIFY_FAILED
    assert "rewritten or truncated" in stdout


def test_verify_accepts_the_short_head_case_log_prints_and_refuses_a_malformed_one(tmp_path, run_cli, jpeg_file):
    case = tmp_path / "case"
    run_cli("case", "init", case, "--case-number", "7", "--examiner", "Bob", "--agency", "Lab")
    run_cli("case", "add", case, jpeg_file)
    log = run_cli("case", "log", case)[1].strip().splitlines()
    second_event_short = log[1].split()[-1]  # the 16 digits `case log` prints for event #2
    assert len(second_event_short) == 16
    code, stdout, _ = run_cli("case", "verify", case, "--head", second_event_short)
    assert code == EXIT_OK and "The cited head is event #2" in stdout
    for malformed in ("abc", "z" * 16, "0" * 65):
        code, _, stderr = run_cli("case", "verify", case, "--head", malformed)
        assert code == 2 and stderr.startswith("error: --head") and len(stderr.strip().splitlines()) == 1


def truncated_jpeg(folder: Path) -> Path:
    from PIL import Image

    from tests.helpers import textured_rgb

    full = folder / "full.jpg"
    Image.fromarray(textured_rgb(200, 200)).save(full, quality=90)
    data = full.read_bytes()
    (folder / "cut.jpg").write_bytes(data[: data.index(b"\xff\xda") + 20])  # a few bytes into the scan: no whole row
    return folder / "cut.jpg"


@pytest.mark.parametrize("make, reason", [
    (lambda d: d / "missing.jpg", "no such file"),
    (lambda d: d, "is a directory"),
    (written("empty.jpg", b""), "is empty"),
    (written("notes.txt", b"just some text"), "not a supported image or video format"),
])
def test_bad_input_gives_one_line_error_exit_3_and_is_logged(tmp_path, run_cli, make, reason):
    (tmp_path / "in").mkdir()
    path = make(tmp_path / "in")
    case = tmp_path / "case"
    code, stdout, stderr = run_cli("analyze", path, "--case", case)
    assert code == EXIT_BAD_INPUT
    assert stderr.count("\n") == 1 and stderr.startswith("error: ") and reason in stderr
    assert "Traceback" not in stderr
    log = run_cli("case", "log", case)[1]
    assert "intake.rejected" in log or "analysis.failed" in log
    assert run_cli("case", "verify", case)[0] == EXIT_OK


def test_one_bad_file_does_not_lose_the_good_ones(tmp_path, run_cli, jpeg_file):
    case = tmp_path / "case"
    code, stdout, stderr = run_cli("analyze", jpeg_file, tmp_path / "nope.png", "--case", case, "--report", tmp_path / "r.pdf")
    assert code == EXIT_BAD_INPUT
    assert "nope.png: no such file" in stderr
    assert "E001" in stdout and (tmp_path / "r.pdf").is_file()


def test_folder_that_is_not_a_case_gives_exit_4(tmp_path, run_cli):
    for args in (("case", "verify", tmp_path), ("case", "log", tmp_path / "absent"), ("report", tmp_path)):
        code, _, stderr = run_cli(*args)
        assert code == EXIT_CASE
        assert stderr.startswith("error: ") and stderr.count("\n") == 1


def test_version_help_and_usage_errors():
    def run(*args):
        return subprocess.run([sys.executable, "-m", "forensics", *args], capture_output=True, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})

    version = run("--version")
    assert version.returncode == 0 and version.stdout.strip() == f"forensics {forensics.__version__}"
    help_text = run("analyze", "--help")
    assert help_text.returncode == 0 and "--report" in help_text.stdout
    usage = run("analyze")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_broken_video_gives_exactly_one_line_on_stderr(tmp_path, video_file):
    # OpenCV and FFmpeg write their own complaints to file descriptor 2; they must not reach the user. Its container
    # is still examined: exit 0 with the one warning line.
    broken = tmp_path / "broken.avi"
    broken.write_bytes(video_file.read_bytes()[:400])
    result = subprocess.run([sys.executable, "-m", "forensics", "analyze", str(broken), "--case", str(tmp_path / "case"),
                             "--no-report"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    assert result.returncode == EXIT_OK
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("warning: broken.avi"), result.stderr
    assert "no frame was decoded" in result.stderr


def test_a_progress_bar_is_drawn_on_a_terminal_only(monkeypatch):
    import argparse
    import io

    from forensics import cli

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(cli.sys, "stderr", terminal)
    draw = cli._progress_bar(argparse.Namespace(quiet=False), "interview.mp4")
    for share in (0.0, 0.5, 0.5, 1.0):
        draw(share)
    lines = terminal.getvalue().split("\r")[1:]
    assert len(lines) == 3  # the repeated 50 % is not redrawn
    assert lines[1].endswith(" 50 %") and "interview.mp4" in lines[1]
    assert lines[2].endswith("100 %\n")
    assert cli._progress_bar(argparse.Namespace(quiet=True), "x") is None
    monkeypatch.setattr(cli.sys, "stderr", io.StringIO())
    assert cli._progress_bar(argparse.Namespace(quiet=False), "x") is None


def test_quiet_and_verbose_work_before_the_command_too(tmp_path, run_cli, jpeg_file):
    code, stdout, stderr = run_cli("-q", "analyze", jpeg_file, "--case", tmp_path / "case", "--no-report")
    assert code == EXIT_OK and stdout == ""
    code, _, stderr = run_cli("-v", "analyze", jpeg_file, "--case", tmp_path / "case2", "--no-report")
    assert code == EXIT_OK and " ms" in stderr  # per-analyser timings


def test_every_command_argument_and_option_has_a_one_line_help():
    import argparse

    from forensics.cli import _parser

    missing, pending = [], [("forensics", _parser())]
    while pending:
        name, parser = pending.pop()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending += [(f"{name} {sub}", subparser) for sub, subparser in action.choices.items()]
                missing += [f"{name} {choice.dest}" for choice in action._choices_actions if not choice.help]
            elif not action.help or "\n" in action.help:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


def test_threads_chooses_how_many_analysers_run_side_by_side(tmp_path, run_cli, jpeg_file):
    """``--threads 1`` (for several analyze commands sharing a machine) gives the results the default gives."""
    results = []
    for threads in ([], ["--threads", "1"]):
        case, output = tmp_path / f"case{len(results)}", tmp_path / f"r{len(results)}.json"
        code, _, _ = run_cli("analyze", jpeg_file, "--case", case, "--no-report", "--json", output, "-q", *threads)
        assert code == EXIT_OK
        results.append(json.loads(output.read_text())["evidence"][0]["analysers"])
    assert results[0] == results[1]
    with pytest.raises(SystemExit) as refused:
        run_cli("analyze", jpeg_file, "--case", tmp_path / "case9", "--threads", "0")
    assert refused.value.code == 2


def test_a_cut_short_photo_is_analysed_as_far_as_it_decodes_and_says_so(tmp_path, run_cli):
    from PIL import Image

    from tests.helpers import textured_rgb

    complete = tmp_path / "complete.jpg"
    Image.fromarray(textured_rgb(480, 640)).save(complete, quality=90)
    (tmp_path / "cut.jpg").write_bytes(complete.read_bytes()[: complete.stat().st_size * 6 // 10])
    case, out = tmp_path / "case", tmp_path / "r.json"
    code, stdout, stderr = run_cli("analyze", tmp_path / "cut.jpg", "--case", case, "--json", out, "--no-report")
    assert code == EXIT_OK and "E001" in stdout
    assert stderr.startswith("warning: cut.jpg: the file is cut short or damaged: only its first ") and stderr.count("\n") == 1
    evidence = json.loads(out.read_text())["evidence"][0]
    findings = {f["key"]: f for a in evidence["analysers"] for f in a["findings"]}
    incomplete = {m["name"]: m["value"] for m in findings["file_identity.incomplete"]["measurements"]}
    assert incomplete["rows the file declares"] == 480 and 200 < incomplete["rows decoded"] < 300
    assert all(any(line.startswith("The file is cut short") for line in f["limitations"]) for f in findings.values())
    identity = {m["name"]: m for m in findings["file_identity.identity"]["measurements"]}
    assert identity["pixel data SHA-256"]["value"] is None and identity["height"]["value"] == 480
    preview = findings["file_identity.identity"]["figures"][0]
    import base64
    import io

    shown = np.asarray(Image.open(io.BytesIO(base64.b64decode(preview["data_base64"]))).convert("RGB")).astype(int)
    bottom = shown[-shown.shape[0] // 6 :]  # the missing part is hatched in red and grey
    assert (bottom[..., 0] - bottom[..., 1]).max() > 100 and "hatched part is missing" in preview["caption"]
    with Case.open(case) as opened:
        finished = [e for e in opened.events() if e.action == "analysis.finished"][-1]
    assert finished.details["decoded_in_part"].startswith("the file is cut short")


def test_a_photo_whose_pixels_cannot_be_decoded_still_has_its_metadata_examined(tmp_path, run_cli):
    """Cut a few bytes into its scan, not one row of the picture decodes: exit 0 with one warning line, the metadata
    and structure analysed, the pixel analyses not applicable, and the summary and custody log say so."""
    folder = tmp_path / "in"
    folder.mkdir()
    path = truncated_jpeg(folder)
    case, out, pdf = tmp_path / "case", tmp_path / "r.json", tmp_path / "r.pdf"
    code, stdout, stderr = run_cli("analyze", path, "--case", case, "--json", out, "--report", pdf)
    assert code == EXIT_OK and "E001" in stdout
    assert stderr.startswith("warning: cut.jpg: JPEG image data cannot be decoded") and stderr.count("\n") == 1
    assert "its metadata and file structure were examined" in stderr
    analysers = {a["name"]: a for a in json.loads(out.read_text())["evidence"][0]["analysers"]}
    assert analysers["metadata"]["status"] == "ran" and analysers["compression"]["status"] == "not_applicable"
    findings = {f["key"]: f for a in analysers.values() for f in a["findings"]}
    assert "file_identity.undecodable" in findings and findings["metadata.summary"]
    identity = {m["name"]: m["value"] for m in findings["file_identity.identity"]["measurements"]}
    assert identity["width"] == 200 and identity["pixel data SHA-256"] is None
    text = PdfReader(pdf).pages[1].extract_text().replace("\n", " ")
    assert "The picture could not be decoded" in text and "say nothing about what the picture shows" in text
    with Case.open(case) as opened:
        finished = [e for e in opened.events() if e.action == "analysis.finished"][-1]
    assert "pixels were not decoded" in finished.details["decoded_in_part"]
    assert run_cli("case", "verify", case)[0] == EXIT_OK
