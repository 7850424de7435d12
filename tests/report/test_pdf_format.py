"""PDF/A-3 identification, embedded fonts and attachments, determinism, signatures and `forensics verify`."""

from __future__ import annotations

import json
import logging
import random
import sqlite3
from pathlib import Path

import pikepdf
import pytest

from forensics.errors import EXIT_OK, EXIT_VERIFY_FAILED
from forensics.report.render import render_pdf
from forensics.report.verify import verify_report
from tests.helpers import analysed_case, report_input

logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # it logs untrusted-chain tracebacks as warnings


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    from forensics.report.signing import keygen

    folder = tmp_path_factory.mktemp("keys")
    key, cert, _ = keygen(folder, "Alice Examiner", "Test Lab")
    return key, cert


@pytest.fixture
def signed_report(tmp_path, run_cli, jpeg_file, keys):
    key, cert = keys
    pdf, results = tmp_path / "r.pdf", tmp_path / "r.json"
    code, _, stderr = run_cli("analyze", jpeg_file, "--case", tmp_path / "case", "--report", pdf, "--json", results,
                              "--sign", key, "--sign-cert", cert, "--question", "Was the photo edited?")
    assert code == EXIT_OK, stderr
    return pdf, results


def test_pdf_is_pdf_a_3b_with_embedded_fonts_and_the_json_attached(signed_report):
    pdf_path, results_path = signed_report
    with pikepdf.open(pdf_path) as pdf:
        with pdf.open_metadata() as xmp:
            assert (xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance")) == ("3", "B")
        assert "/OutputIntents" in pdf.Root
        assert pdf.Root.get("/Version") is None  # RSA signing must not declare PDF 2.0
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                descriptor = descendant.FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
        attachments = {name: spec.get_file().read_bytes() for name, spec in pdf.attachments.items()}
    assert set(attachments) == {"results.json", "custody-log.json", "error-rates.json"}
    assert json.loads(attachments["results.json"]) == json.loads(results_path.read_text())
    from forensics.data import shipped_error_rates

    assert json.loads(attachments["error-rates.json"]) == shipped_error_rates()  # section 7 cites it in full
    events = json.loads(attachments["custody-log.json"])
    assert events[0]["action"] == "case.created" and events[-1]["action"] == "report.started"


def test_signed_report_verifies_with_its_evidence_and_trusted_certificate(signed_report, run_cli, jpeg_file, keys):
    pdf, _ = signed_report
    code, stdout, _ = run_cli("verify", pdf, "--evidence", jpeg_file, "--trust", keys[1])
    assert code == EXIT_OK, stdout
    assert stdout.strip().splitlines()[-1].startswith("VERIFIED")
    assert "signer trusted" in stdout and "is exhibit E001" in stdout


def test_flipping_any_byte_makes_verify_fail(signed_report, keys):
    data = signed_report[0].read_bytes()
    rng = random.Random(0)
    positions = [rng.randrange(len(data)) for _ in range(60)]
    positions.append(data.rfind(b"00000000" * 8) + 3)  # inside the signature slot's zero padding
    for position in positions:
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        assert any(c.ok is False for c in verify_report(bytes(flipped), trust=keys[1])), position


def test_case_flip_in_the_signature_slot_and_damaged_json_keys_fail_verify(signed_report, keys):
    import re

    data = signed_report[0].read_bytes()
    start, first, second, _ = (int(v) for v in re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", data).groups())
    slot = data[start + first : second]
    position = start + first + next(i for i, c in enumerate(slot) if chr(c) in "ABCDEF")
    lowered = bytearray(data)
    lowered[position] = ord(chr(lowered[position]).lower())  # same decoded signature, different file
    assert any(c.ok is False for c in verify_report(bytes(lowered), trust=keys[1]))
    for position in range(0, len(data), max(1, len(data) // 300)):  # a walk over the whole file, no exception
        flipped = bytearray(data)
        flipped[position] ^= 0x20
        assert any(c.ok is False for c in verify_report(bytes(flipped), trust=keys[1])), position


def test_other_certificate_and_other_evidence_are_reported(signed_report, run_cli, tmp_path, png_file):
    from forensics.report.signing import keygen

    _, other_cert, _ = keygen(tmp_path / "other", "Mallory")
    code, stdout, _ = run_cli("verify", signed_report[0], "--trust", other_cert, "--evidence", png_file)
    assert code == EXIT_VERIFY_FAILED
    assert "NOT trusted" in stdout and "matches no exhibit" in stdout


def test_unsigned_report_is_reported_and_can_be_required(tmp_path, run_cli, jpeg_file):
    pdf = tmp_path / "u.pdf"
    run_cli("analyze", jpeg_file, "--case", tmp_path / "case", "--report", pdf)
    code, stdout, _ = run_cli("verify", pdf)
    assert code == EXIT_OK and "N/A  signature: the report is not signed" in stdout
    assert run_cli("verify", pdf, "--require-signature")[0] == EXIT_VERIFY_FAILED


def test_tampered_custody_log_is_stated_in_the_next_report_and_by_verify(tmp_path, run_cli, jpeg_file):
    case = tmp_path / "case"
    run_cli("analyze", jpeg_file, "--case", case, "--no-report")
    with sqlite3.connect(case / "case.sqlite") as db:
        db.execute("UPDATE events SET actor = 'mallory' WHERE seq = 3")
    run_cli("report", case, "-o", tmp_path / "r.pdf")
    code, stdout, _ = run_cli("verify", tmp_path / "r.pdf")
    assert code == EXIT_VERIFY_FAILED and "event #3 (intake) was altered" in stdout


def test_same_input_renders_byte_identical_pdfs(tmp_path, jpeg_file):
    with analysed_case(tmp_path, jpeg_file) as case:
        report = report_input(case)
        assert render_pdf(report) == render_pdf(report)


def test_bad_signing_key_is_a_one_line_error(tmp_path, jpeg_file, keys):
    import os
    import subprocess
    import sys

    (tmp_path / "key.pem").write_text("not a key")
    for extra in ([], ["--sign-cert", str(keys[1])]):  # no case folder is created before the key is checked
        result = subprocess.run([sys.executable, "-m", "forensics", "analyze", str(jpeg_file), "--case",
                                 str(tmp_path / f"case{len(extra)}"), "--sign", str(tmp_path / "key.pem"), *extra],
                                capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
        assert result.returncode == 2
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
        assert not (tmp_path / f"case{len(extra)}").exists()


def test_keygen_refuses_to_overwrite(tmp_path, run_cli):
    assert run_cli("keygen", tmp_path / "k", "--name", "A")[0] == EXIT_OK
    code, _, stderr = run_cli("keygen", tmp_path / "k", "--name", "A")
    assert code != EXIT_OK and "never overwritten" in stderr


def test_report_text_has_scope_examiner_glossary_and_signature_statement(signed_report):
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(signed_report[0]).pages).replace("\n", " ")
    for expected in ("Scope, propositions and conclusions", "Was the photo edited?", "H2", "Examiner, review and declarations",
                     "self-signed certificate", "Glossary", "References", "Received from"):
        assert expected in text, expected
