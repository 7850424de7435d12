"""Trusted timestamps (RFC 3161): requested from a real timestamp authority on 127.0.0.1 and checked by `verify`.

The authority is OpenSSL's (tests/pki.py), so the tokens come from an implementation other than the one that
requests and validates them (pyHanko).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import socket
from datetime import datetime, timedelta, timezone

import pikepdf
import pytest

from forensics.case import Case
from forensics.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED
from tests.pki import TimestampAuthority, certificate_authority

logging.getLogger("pyhanko").setLevel(logging.CRITICAL)  # it logs untrusted-chain tracebacks as warnings

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None,
                                reason="openssl is missing (scripts/system-deps.sh test installs it)")


@pytest.fixture(scope="module")
def tsa():
    with TimestampAuthority() as authority:
        yield authority


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    from forensics.report.signing import keygen

    key, cert, _ = keygen(tmp_path_factory.mktemp("keys"), "Alice Examiner", "Test Lab")
    return key, cert


def _case_copy(analysed, tmp_path):
    return shutil.copytree(analysed, tmp_path / "case")


def _stated_time(stdout: str) -> datetime:
    text = re.search(r"existed at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", stdout).group(1)
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)


def _rendered_event(case_dir):
    with Case.open(case_dir) as case:
        return [e for e in case.events() if e.action.startswith("report.")]


def _altered_token_time(pdf: bytes) -> bytes:
    """The PDF with one digit of the token's generation time (GeneralizedTime, DER tag 0x18) changed in the
    signature slot: the slot lies outside the signed byte ranges, so only the token's own signature can tell."""
    start, first, second, _ = (int(v) for v in re.search(rb"/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]", pdf).groups())
    slot = pdf[start + first + 1 : second - 1]
    gen_time = re.search(rb"180F(3[0-9]){14}5A", slot)  # 0x18 0x0F "YYYYMMDDhhmmss" "Z", upper-case hex
    position = start + first + 1 + gen_time.start() + 4 + 2 * 13 + 1  # the last digit of the seconds
    altered = bytearray(pdf)
    altered[position] = ord("1") if pdf[position] != ord("1") else ord("2")
    return bytes(altered)


def test_signed_report_carries_a_timestamp_that_verify_checks_and_states(tsa, keys, analysed_photo_case, tmp_path, run_cli):
    case, pdf = _case_copy(analysed_photo_case, tmp_path), tmp_path / "r.pdf"
    before = datetime.now(timezone.utc).replace(microsecond=0)
    code, _, stderr = run_cli("report", case, "-o", pdf, "--sign", keys[0], "--sign-cert", keys[1], "--tsa", tsa.url)
    assert code == EXIT_OK, stderr
    code, stdout, _ = run_cli("verify", pdf, "--trust", keys[1], "--tsa-trust", tsa.root_pem, "--require-timestamp")
    assert code == EXIT_OK, stdout
    assert "OK   timestamp: the signature existed at" in stdout and "Test Timestamp Authority" in stdout
    assert "authority trusted" in stdout and "(the signer's claim)" in stdout
    stated = _stated_time(stdout)
    assert before - timedelta(seconds=2) <= stated <= datetime.now(timezone.utc) + timedelta(seconds=2)
    rendered = _rendered_event(case)[-1]
    assert rendered.action == "report.rendered"
    assert rendered.details["timestamp"] == {"authority": tsa.url, "time": f"{stated:%Y-%m-%dT%H:%M:%SZ}"}
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages).replace("\n", " ")
    assert "trusted timestamp (RFC 3161)" in text and "attached to the signature" in text


def test_unsigned_report_gets_a_document_timestamp_and_stays_pdf_a(tsa, analysed_photo_case, tmp_path, run_cli):
    case, pdf = _case_copy(analysed_photo_case, tmp_path), tmp_path / "r.pdf"
    assert run_cli("report", case, "-o", pdf, "--tsa", tsa.url)[0] == EXIT_OK
    code, stdout, _ = run_cli("verify", pdf, "--tsa-trust", tsa.root_pem)
    assert code == EXIT_OK, stdout
    assert "N/A  signature: the report is not signed" in stdout
    assert "OK   timestamp: the report existed at" in stdout
    with pikepdf.open(pdf) as document:
        with document.open_metadata() as xmp:
            assert (xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance")) == ("3", "B")
    assert run_cli("verify", pdf, "--require-signature")[0] == EXIT_VERIFY_FAILED


def test_timestamp_of_an_untrusted_authority_fails_when_trust_is_asked(tsa, keys, analysed_photo_case, tmp_path, run_cli):
    case, pdf = _case_copy(analysed_photo_case, tmp_path), tmp_path / "r.pdf"
    run_cli("report", case, "-o", pdf, "--sign", keys[0], "--sign-cert", keys[1], "--tsa", tsa.url)
    stranger = tmp_path / "other-root.pem"
    stranger.write_bytes(certificate_authority("Another Root").cert_pem)
    code, stdout, _ = run_cli("verify", pdf, "--trust", keys[1], "--tsa-trust", stranger)
    assert code == EXIT_VERIFY_FAILED and "FAIL timestamp:" in stdout and "authority NOT trusted" in stdout
    assert "OK   signature:" in stdout  # the signature itself is still sound
    code, stdout, _ = run_cli("verify", pdf, "--trust", keys[1])  # no TSA trust given: the token is only checked intact
    assert code == EXIT_OK and "authority's identity not checked (give --tsa-trust CERT)" in stdout


@pytest.mark.parametrize("signed", [True, False], ids=["signature-timestamp", "document-timestamp"])
def test_altered_token_is_broken_and_its_time_is_not_stated_as_proven(tsa, keys, analysed_photo_case, tmp_path, run_cli, signed):
    from forensics.report.verify import verify_report

    case, pdf = _case_copy(analysed_photo_case, tmp_path), tmp_path / "r.pdf"
    signing = ["--sign", keys[0], "--sign-cert", keys[1]] if signed else []
    assert run_cli("report", case, "-o", pdf, *signing, "--tsa", tsa.url)[0] == EXIT_OK
    checks = {c.name: c for c in verify_report(_altered_token_time(pdf.read_bytes()), tsa_trust=tsa.root_pem)}
    assert checks["timestamp"].ok is False
    assert "BROKEN" in checks["timestamp"].detail and "proves nothing" in checks["timestamp"].detail


def test_unreachable_authority_is_a_one_line_error_and_nothing_is_recorded_as_signed(keys, analysed_photo_case, tmp_path, run_cli):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{probe.getsockname()[1]}/tsa"
    case, pdf = _case_copy(analysed_photo_case, tmp_path), tmp_path / "r.pdf"
    code, _, stderr = run_cli("report", case, "-o", pdf, "--sign", keys[0], "--sign-cert", keys[1], "--tsa", dead_url)
    assert code == EXIT_USAGE
    assert stderr.startswith(f"error: the timestamp authority at {dead_url} gave no valid timestamp")
    assert stderr.count("\n") == 1 and "the report was not written" in stderr
    assert not pdf.exists()
    events = _rendered_event(case)
    assert [e.action for e in events[-2:]] == ["report.started", "report.failed"]
    assert events[-2].details["timestamp_authority"] == dead_url


def test_tsa_address_must_be_http(tmp_path, run_cli, jpeg_file):
    code, _, stderr = run_cli("analyze", jpeg_file, "--case", tmp_path / "case", "--tsa", "file:///etc/passwd")
    assert code == EXIT_USAGE and "http:// or https://" in stderr
    assert not (tmp_path / "case").exists()  # refused before any evidence is taken in


def test_report_without_timestamp_says_so_and_can_be_required(analysed_photo_case, tmp_path, run_cli):
    case, pdf = _case_copy(analysed_photo_case, tmp_path), tmp_path / "r.pdf"
    run_cli("report", case, "-o", pdf)
    code, stdout, _ = run_cli("verify", pdf)
    assert code == EXIT_OK and "N/A  timestamp: the report carries no trusted timestamp" in stdout
    assert run_cli("verify", pdf, "--require-timestamp")[0] == EXIT_VERIFY_FAILED
    assert json.loads(json.dumps(_rendered_event(case)[-1].details))["timestamp"] is None
