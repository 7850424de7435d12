"""`forensics serve`: a real uvicorn server on 127.0.0.1, driven over HTTP (the browser tests drive the same pages
through Chromium). Each test reads as what a user of the page can and cannot do."""

from __future__ import annotations

import http.client
import io
import os
import re
import signal
import socket
import time
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from forensics.case import Case
from forensics.cli import main
from forensics.errors import UsageError
from forensics.report.signing import keygen
from forensics.report.verify import verify_report
from forensics.server.accounts import Role, ServerRecords
from forensics.server.app import create_app, safe_file_name
from forensics.server.jobs import ReportSigning
from tests.helpers import textured_rgb
from tests.server.conftest import running_server, wait_for_analysis

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portrait.jpg"
PASSWORD = "correct horse battery"


def jpeg_bytes(seed: int = 0) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(textured_rgb(120, 160, seed=seed)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def new_case(server, session, number: str = "2026-WEB-1") -> str:
    answer = session.post(server.url + "/cases", data={"csrf": server.csrf(session), "case_number": number,
                                                       "agency": "Test Lab"}, allow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"].rsplit("/", 1)[1]


def upload(server, session, case_id: str, name: str, body: bytes):
    return session.post(f"{server.url}/cases/{case_id}/evidence", data=body,
                        headers={"X-CSRF-Token": server.csrf(session), "X-File-Name": name})


def custody(server, case_id: str):
    folder = ServerRecords(server.config.data).case_folder(case_id)
    with Case.open(server.config.data / "cases" / folder) as case:
        return case.events()


def sign_in(server, name: str, password: str = PASSWORD):
    session = server.client()
    answer = session.post(server.url + "/login", data={"csrf": server.csrf(session, "/login"), "name": name,
                                                       "password": password}, allow_redirects=False)
    return session, answer


def test_the_local_page_opens_a_case_and_refuses_forms_without_their_token(server_config):
    with running_server(server_config) as server:
        session = server.client()
        assert session.get(server.url + "/cases").status_code == 200  # 127.0.0.1 and no accounts: no login
        refused = session.post(server.url + "/cases", data={"case_number": "X-1"}, allow_redirects=False)
        assert refused.status_code == 403 and "security token" in refused.text
        forged = session.post(server.url + "/cases", data={"case_number": "X-1", "csrf": "guessed"}, allow_redirects=False)
        assert forged.status_code == 403
        assert "X-1" not in session.get(server.url + "/cases").text
        case_id = new_case(server, session)
        page = session.get(f"{server.url}/cases/{case_id}").text
        assert "Case 2026-WEB-1" in page and "Add evidence" in page
        assert [e.action for e in custody(server, case_id)] == ["case.created"]
        # The upload, an API of the page's script, needs the token in its header just the same.
        assert session.post(f"{server.url}/cases/{case_id}/evidence", data=jpeg_bytes()).status_code == 403
        # A page on another site cannot reach the server through a name of its own that points at 127.0.0.1.
        assert session.get(server.url + "/cases", headers={"Host": "attacker.example"}).status_code == 400


def test_uploads_that_are_not_media_too_large_cut_short_or_badly_named_are_refused_and_recorded(server_config, tmp_path):
    with running_server(server_config) as server:
        session = server.client()
        case_id = new_case(server, session)
        kept = upload(server, session, case_id, "first.jpg", jpeg_bytes(1))
        assert kept.status_code == 200 and kept.json()["exhibit"] == "E001"

        text = upload(server, session, case_id, "notes.jpg", b"just some text, whatever the name says\n" * 10)
        assert text.status_code == 400 and "not a supported image or video format" in text.json()["error"]
        big = upload(server, session, case_id, "huge.jpg", b"\xff\xd8\xff" + bytes(9 * 2**20))
        assert big.status_code == 413 and "limit of 8 MiB" in big.json()["error"]
        with socket.create_connection(("127.0.0.1", server.config.port)) as raw:  # the browser goes away mid-file
            raw.sendall(f"POST /cases/{case_id}/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
                        f"X-CSRF-Token: {server.csrf(session)}\r\nX-File-Name: cut.jpg\r\n"
                        f"Cookie: forensics_session={session.cookies['forensics_session']}\r\n\r\n".encode()
                        + jpeg_bytes(2)[:1000])
        hostile = upload(server, session, case_id, "..%2F..%2F..%2Fevil%3Cscript%3E.jpg", jpeg_bytes(3))
        assert hostile.status_code == 200

        # Analysed again on request (after a failure, an interrupted server or an update): a second analysis.
        exhibit = f"{server.url}/cases/{case_id}/exhibits/E001"
        assert wait_for_analysis(session, exhibit)["state"] == "finished"
        session.post(exhibit + "/analyse", data={"csrf": server.csrf(session)})
        assert wait_for_analysis(session, exhibit)["state"] == "finished"
        assert sum(e.action == "analysis.finished" and e.details["exhibit_id"] == "E001"
                   for e in custody(server, case_id)) == 2

        deadline = time.monotonic() + 10
        while not any("cut short" in e.details.get("reason", "") for e in custody(server, case_id)):
            assert time.monotonic() < deadline, "the cut-short upload was not recorded"
            time.sleep(0.1)
        events = custody(server, case_id)
        reasons = [e.details["reason"] for e in events if e.action == "intake.rejected"]
        assert any("not a supported image or video format" in r for r in reasons)
        assert any("larger than this server's limit of 8 MiB" in r for r in reasons)
        assert any("cut short after 1000 bytes" in r for r in reasons)
        intakes = [e.details for e in events if e.action == "intake"]
        assert [i["original_name"] for i in intakes] == ["first.jpg", "evilscript.jpg"]
        assert "../../../evil<script>.jpg" in intakes[1]["note"]  # what the browser claimed stays on record
        assert not list(tmp_path.rglob("*evil*"))  # stored under the case's own names; the staging copy is gone
        assert not any((server.config.data / "uploads").iterdir())  # nothing half-received is left behind
        page = session.get(f"{server.url}/cases/{case_id}").text
        assert "<script>" not in page.split("<body>")[1].replace('<script src="/static/forensics.js" defer></script>', "")
        # Nothing recorded before was lost, and the evidence is as taken in.
        assert main(["case", "verify", str(server.config.data / "cases" / ServerRecords(server.config.data).case_folder(case_id))]) == 0


def test_a_worker_killed_mid_analysis_is_recorded_and_the_next_upload_is_analysed(server_config):
    with running_server(server_config) as server:
        session = server.client()
        case_id = new_case(server, session)
        buffer = io.BytesIO()
        Image.fromarray(textured_rgb(2000, 3000, seed=5)).save(buffer, "JPEG", quality=90)  # a few seconds' work
        exhibit = server.url + upload(server, session, case_id, "big.jpg", buffer.getvalue()).json()["url"]
        while not any(e.action == "analysis.started" for e in custody(server, case_id)):
            time.sleep(0.02)
        for process in server.app.state.jobs._pool._processes.values():  # as the kernel's out-of-memory killer would
            os.kill(process.pid, signal.SIGKILL)
        progress = wait_for_analysis(session, exhibit)
        assert progress["state"] == "failed" and "ended unexpectedly" in progress["message"]
        failed = [e for e in custody(server, case_id) if e.action == "analysis.failed"]
        assert len(failed) == 1 and "ended unexpectedly" in failed[0].details["reason"]
        assert "ended unexpectedly" in session.get(exhibit).text
        small = server.url + upload(server, session, case_id, "small.jpg", jpeg_bytes(6)).json()["url"]
        assert wait_for_analysis(session, small)["state"] == "finished"
        folder = server.config.data / "cases" / ServerRecords(server.config.data).case_folder(case_id)
        assert main(["case", "verify", str(folder)]) == 0  # every step begun is closed


@pytest.mark.parametrize("path", [
    "/static/../server.sqlite", "/static/%2e%2e/server.sqlite", "/static/..%2fsession.key",
    "/cases/..%2f..%2fsession.key", "/cases/00000000-0000-0000-0000-000000000000",
    "/cases/00000000-0000-0000-0000-000000000000/exhibits/E001/original",
])
def test_urls_cannot_reach_outside_what_they_name(server_config, path):
    with running_server(server_config) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.config.port)
        connection.request("GET", path)  # sent as written: no client-side clean-up of the dots
        answer = connection.getresponse()
        body = answer.read()
        assert answer.status == 404 and b"session" not in body.lower().replace(b"forensics_session", b"")


def test_accounts_keep_cases_apart_and_the_audit_log_says_who_did_what(server_config):
    records = ServerRecords(server_config.data)
    records.add_user("alice", Role.EXAMINER, PASSWORD)
    records.add_user("bob", Role.READER, PASSWORD)
    with running_server(server_config) as server:
        anonymous = server.client()
        assert anonymous.get(server.url + "/cases", allow_redirects=False).headers["location"] == "/login"
        assert sign_in(server, "alice", "wrong password!")[1].status_code == 401
        assert sign_in(server, "\x1b[2Jmallory", "wrong password!")[1].status_code == 401  # a terminal escape
        alice, answer = sign_in(server, "alice")
        assert answer.status_code == 303
        case_id = new_case(server, alice, "2026-SECRET")
        bob, _ = sign_in(server, "bob")
        assert "2026-SECRET" not in bob.get(server.url + "/cases").text
        for path in ("", "/custody", "/results.json", "/report.pdf", "/exhibits/E001"):
            assert bob.get(f"{server.url}/cases/{case_id}{path}").status_code == 404
        assert bob.post(server.url + "/cases", data={"csrf": server.csrf(bob), "case_number": "B"}).status_code == 403
        # Shared read-only: bob sees the case but cannot change it.
        assert alice.post(f"{server.url}/cases/{case_id}/share", data={"csrf": server.csrf(alice), "user": "bob"}).ok
        assert "2026-SECRET" in bob.get(server.url + "/cases").text
        assert bob.get(f"{server.url}/cases/{case_id}/custody").status_code == 200
        assert upload(server, bob, case_id, "x.jpg", jpeg_bytes()).status_code == 403
        assert bob.post(f"{server.url}/cases/{case_id}/share", data={"csrf": server.csrf(bob), "user": "bob"}).status_code == 403
        annotation = bob.post(f"{server.url}/cases/{case_id}/exhibits/E001/annotations",
                              data={"csrf": server.csrf(bob), "finding": "metadata.software", "status": "accepted"})
        assert annotation.status_code in (403, 404)
        # Signing out ends the session, including any copy of its cookie.
        copy = server.client()
        copy.cookies.update(bob.cookies)
        assert copy.get(server.url + "/cases", allow_redirects=False).status_code == 200
        bob.post(server.url + "/logout", data={"csrf": server.csrf(bob)})
        assert bob.get(server.url + "/cases", allow_redirects=False).status_code == 303
        assert copy.get(server.url + "/cases", allow_redirects=False).status_code == 303
    audit = [(e.user, e.action, e.outcome) for e in records.audit_entries()]
    assert ("alice", "login", "refused: wrong name or password") in audit
    assert ("alice", "login", "ok") in audit and ("bob", "login", "ok") in audit
    assert ("alice", "case.created", "ok") in audit and ("alice", "case.shared", "ok") in audit
    assert ("bob", "custody.viewed", "ok") in audit and ("bob", "logout", "ok") in audit
    assert ("bob", "access.refused", "not shared with this user") in audit
    assert ("?[2Jmallory", "login", "refused: wrong name or password") in audit


def test_logins_are_refused_for_a_while_after_repeated_failures(server_config):
    ServerRecords(server_config.data).add_user("alice", Role.EXAMINER, PASSWORD)
    with running_server(replace(server_config, login_attempts=3)) as server:
        for _ in range(3):
            assert sign_in(server, "alice", "not the password")[1].status_code == 401
        session, answer = sign_in(server, "alice")  # the right password, too late
        assert answer.status_code == 429 and "Too many failed attempts" in answer.text
        assert sign_in(server, "mallory", "not the password")[1].status_code == 429  # the same address


def test_serving_another_address_needs_accounts(tmp_path, capsys):
    from forensics.server.app import ServerConfig

    with pytest.raises(UsageError, match="needs accounts"):
        create_app(ServerConfig(data=tmp_path / "data", host="0.0.0.0"))
    assert main(["serve", "--host", "0.0.0.0", "--data", str(tmp_path / "data")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    with socket.create_server(("127.0.0.1", 0)) as taken:  # another program holds the port
        assert main(["serve", "--port", str(taken.getsockname()[1]), "--data", str(tmp_path / "data")]) == 2
    assert "cannot listen on 127.0.0.1" in capsys.readouterr().err


def test_users_are_added_with_a_password_hash_and_listed(tmp_path, monkeypatch, capsys):
    data = str(tmp_path / "data")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "carol", "--role", "reviewer", "--password-stdin", "--data", data]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "dave", "--role", "reader", "--password-stdin", "--data", data]) == 2
    assert main(["users", "add", "../x", "--role", "reader", "--password-stdin", "--data", data]) == 2
    capsys.readouterr()
    assert main(["users", "list", "--data", data]) == 0
    assert capsys.readouterr().out.split() == ["carol", "reviewer"]
    stored = (tmp_path / "data" / "server.sqlite").read_bytes()
    assert PASSWORD.encode() not in stored and b"$argon2id$" in stored
    records = ServerRecords(tmp_path / "data")
    assert records.check_password("carol", PASSWORD) == records.user("carol")
    assert records.check_password("carol", PASSWORD + "!") is None and records.check_password("nobody", PASSWORD) is None
    monkeypatch.setattr("sys.stdin", io.StringIO("a new and longer one\n"))
    assert main(["users", "password", "carol", "--password-stdin", "--data", data]) == 0
    assert records.check_password("carol", PASSWORD) is None and records.check_password("carol", "a new and longer one")
    assert main(["users", "remove", "carol", "--data", data]) == 0
    assert records.users() == [] and main(["users", "remove", "carol", "--data", data]) == 2


def test_a_removed_or_repassworded_user_is_signed_out_at_once(server_config):
    records = ServerRecords(server_config.data)
    records.add_user("alice", Role.EXAMINER, PASSWORD)
    records.add_user("bob", Role.READER, PASSWORD)
    with running_server(server_config) as server:
        alice, _ = sign_in(server, "alice")
        case_id = new_case(server, alice)
        alice.post(f"{server.url}/cases/{case_id}/share", data={"csrf": server.csrf(alice), "user": "bob"})
        bob, _ = sign_in(server, "bob")
        assert bob.get(f"{server.url}/cases/{case_id}").status_code == 200
        time.sleep(0.01)
        records.set_password("alice", "another long password")
        assert alice.get(server.url + "/cases", allow_redirects=False).status_code == 303
        records.remove_user("bob")
        assert bob.get(f"{server.url}/cases/{case_id}", allow_redirects=False).status_code == 303
        assert records.shared_with(case_id) == [("alice", "examiner")]


@pytest.mark.parametrize(("given", "stored"), [
    ("photo.jpg", "photo.jpg"), ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\IMG_1.JPG", "IMG_1.JPG"),
    (".htaccess", "htaccess"), ("a\x00b\nc.jpg", "abc.jpg"), ("..", "upload"), ("", "upload"),
])
def test_uploaded_file_names_are_made_safe_to_store(given, stored):
    assert safe_file_name(given) == stored


@pytest.mark.slow
def test_an_uploaded_photo_is_analysed_reviewed_reported_signed_and_verified(server_config, tmp_path):
    key, cert, _ = keygen(tmp_path / "keys", "Web Examiner", "Test Lab")
    config = replace(server_config, signing=ReportSigning(str(key), str(cert)))
    with running_server(config) as server:
        session = server.client()
        case_id = new_case(server, session)
        answer = upload(server, session, case_id, "portrait.jpg", EXAMPLE.read_bytes())
        exhibit_url = server.url + answer.json()["url"]
        assert wait_for_analysis(session, exhibit_url)["state"] == "finished"
        page = session.get(exhibit_url).text
        assert re.search(r"Processing: <span class=\"strength strength-\w+\">", page)
        assert re.search(r"Content: <span class=\"strength strength-\w+\">", page)
        assert 'id="viewer"' in page  # the picture with its maps
        assert "Measured error rates at this level</strong> (the shipped evaluation, also in the report, validation data)" in page
        preview = session.get(exhibit_url + "/preview.jpg")
        assert preview.headers["content-type"] == "image/jpeg" and preview.content[:3] == b"\xff\xd8\xff"
        figure = re.search(r'/figures/([0-9a-f]{64})"', page).group(1)
        assert session.get(f"{exhibit_url}/figures/{figure}").status_code == 200
        assert session.get(f"{exhibit_url}/figures/{'0' * 64}").status_code == 404

        finding = re.search(r'name="finding" value="([a-z_.0-9]+)"', page).group(1)
        token = server.csrf(session)
        disputed = session.post(exhibit_url + "/annotations", data={"csrf": token, "finding": finding, "status": "disputed"})
        assert "say why the finding is disputed" in disputed.text  # refused, with the reason on the page
        session.post(exhibit_url + "/annotations", data={"csrf": token, "finding": finding, "status": "accepted",
                                                         "comment": "checked against the original <b>print</b>"})
        annotations = [e for e in custody(server, case_id) if e.action == "annotation"]
        assert [(a.details["finding"], a.details["status"]) for a in annotations] == [(finding, "accepted")]
        assert "checked against the original &lt;b&gt;print&lt;/b&gt;" in session.get(exhibit_url).text

        rendered = session.post(f"{server.url}/cases/{case_id}/report", data={"csrf": server.csrf(session)})
        assert "signed with the server&#39;s key" in rendered.text
        pdf = session.get(f"{server.url}/cases/{case_id}/report.pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        checks = verify_report(pdf.content, require_signature=True)
        assert all(c.ok is not False for c in checks), checks
        assert next(c for c in checks if c.name == "signature").ok

        # A lawyer who received the report checks it without an account.
        stranger = server.client()
        token = server.csrf(stranger, "/verify")
        verified = stranger.post(server.url + "/verify", data={"csrf": token},
                                 files={"report": ("report.pdf", pdf.content, "application/pdf")})
        assert verified.status_code == 200 and "VERIFIED" in verified.text and "NOT VERIFIED" not in verified.text
        assert "signer identity not checked (give the signer&#39;s certificate above)" in verified.text
        trusted = stranger.post(server.url + "/verify", data={"csrf": token}, files={
            "report": ("report.pdf", pdf.content, "application/pdf"), "certificate": ("examiner.pem", cert.read_bytes())})
        assert "signer trusted" in trusted.text and "NOT VERIFIED" not in trusted.text
        _, other, _ = keygen(tmp_path / "other", "Someone Else")
        untrusted = stranger.post(server.url + "/verify", data={"csrf": token}, files={
            "report": ("report.pdf", pdf.content, "application/pdf"), "certificate": ("other.pem", other.read_bytes())})
        assert "signer NOT trusted" in untrusted.text and "NOT VERIFIED" in untrusted.text
        tampered = bytearray(pdf.content)
        tampered[len(tampered) // 3] ^= 1  # one bit changed inside what the signature covers
        assert "NOT VERIFIED" in stranger.post(server.url + "/verify", data={"csrf": token},
                                               files={"report": ("r.pdf", bytes(tampered), "application/pdf")}).text
        junk = stranger.post(server.url + "/verify", data={"csrf": token}, files={"report": ("r.pdf", b"hello")})
        assert junk.status_code == 400 and "not a PDF" in junk.text
