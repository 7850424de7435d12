"""Command line: ``forensics analyze``, ``report``, ``verify``, ``annotate``, ``export``, ``keygen``, ``serve``, ``users ...``,
``case ...``.

Exit codes (also in the README): 0 success; 1 internal error; 2 usage error; 3 bad input (an evidence
file missing, empty, unreadable, not media, or undecodable); 4 case error (not a case, cannot write);
5 verification failed; 130 interrupted. Errors are one line on stderr; ``--verbose`` adds the traceback of
internal errors.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shlex
import shutil
import sys
import threading
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from forensics import __version__
from forensics.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_VERIFY_FAILED,
    BadInputError,
    CaseError,
    ForensicsError,
    UsageError,
)
from forensics.media import Limits


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    args = parser.parse_args(argv)
    args.quiet = getattr(args, "quiet", False) or args.quiet_before
    args.verbose = getattr(args, "verbose", False) or args.verbose_before
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_OK
    args.command_line = "forensics " + shlex.join(argv)
    # Libraries (pyHanko, WeasyPrint, fontTools) log tracebacks and notices that are not the user's business:
    # what matters reaches the user through results and one-line errors. --verbose shows their warnings.
    logging.basicConfig(level=logging.WARNING if getattr(args, "verbose", False) else logging.CRITICAL + 1,
                        format="%(name)s: %(message)s", force=True)
    try:
        return args.handler(args)
    except ForensicsError as error:
        _error(str(error))
        return error.exit_code
    except BrokenPipeError:
        # The reader of our output went away (`forensics case log CASE | head`): what was to be done is done and
        # recorded; only the rest of the printing is lost, so leave quietly rather than with a traceback at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        _error("interrupted; every step finished before the interruption is recorded in the case")
        if any(thread.name.startswith(("analyser-", "decoder")) and thread.is_alive() for thread in threading.enumerate()):
            # Analysers still running native code (OpenCV, dlib, FFmpeg) on their threads make the interpreter's
            # shutdown abort; the case is already closed (its writes are transactions), so leave at once.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130
    except Exception as error:  # the user gets one line; the examiner who asks gets the traceback
        if getattr(args, "verbose", False):
            traceback.print_exc()
        _error(f"internal error: {type(error).__name__}: {error} (run with --verbose for details)")
        return EXIT_INTERNAL


# ------------------------------------------------------------------------------------------- commands


def _analyze(args: argparse.Namespace) -> int:
    from forensics.workflow import analyse_exhibit, case_results, render_case_report, take_in

    signing = _signing(args)  # a bad key fails now, before any evidence is taken in
    trust_anchors = _c2pa_trust_anchors(args.c2pa_trust)
    case, created = _open_or_create_case(args)
    actor = args.examiner or case.meta["examiner"]
    limits = Limits(max_megapixels=args.max_megapixels, max_image_bytes=args.max_image_mib * 2**20)
    with case:
        intake = take_in(case, args.files, actor, received_from=args.received_from, note=args.note)
        errors: list[ForensicsError] = list(intake.errors)
        analysed = []
        for record in intake.records:
            try:
                analyse_exhibit(case, record, actor, args.command_line, limits, on_timing=_timing_printer(args),
                                on_progress=_progress_bar(args, record.original_name), threads=args.threads,
                                c2pa_trust_anchors=trust_anchors, on_warning=_warning)
                analysed.append(record)
            except BadInputError as error:
                errors.append(error)
        for error in errors:
            _error(str(error))
        if not analysed:
            if created and not args.case and not intake.records:
                # A case this run named and created, into which nothing was taken in, would only litter the folder.
                case.close()
                shutil.rmtree(case.directory)
                _say(args, "Nothing was taken in: no case folder was kept.")
            else:
                _say(args, f"Case: {case.directory}")
            return errors[0].exit_code if errors else EXIT_BAD_INPUT
        document = case_results(case)
        if args.json:
            _write_text(Path(args.json), document.to_json())
        report_path = Path(args.report) if args.report else None
        if not args.no_report:
            report_path = report_path or case.directory / "reports" / "latest.pdf"
            render_case_report(case, report_path, actor, signing, args.tsa)
        _print_summary(args, document, case.directory, report_path if not args.no_report else None, args.json)
        return errors[0].exit_code if errors else EXIT_OK


def _batch(args: argparse.Namespace) -> int:
    from forensics.batch.engine import BatchOptions, run_batch
    from forensics.results import Strength

    if not args.sources and not args.exhibits:
        raise UsageError("give files or folders to take in, or --exhibits to analyse fully exhibits already taken in")
    if args.full_from and not args.triage:
        raise UsageError("--full-from goes with --triage")
    if args.workers and args.scheduler:
        raise UsageError("--workers sizes a local cluster; a running one (--scheduler) has its own workers")
    options = BatchOptions(
        workers=args.workers or os.cpu_count() or 1, scheduler=args.scheduler, triage=args.triage,
        full_from=Strength(args.full_from) if args.full_from else None,
        exhibits=tuple(_exhibit_list(args.exhibits) or ()), timeout_s=args.timeout, memory_mb=args.memory_mb,
        limits=Limits(max_megapixels=args.max_megapixels, max_image_bytes=args.max_image_mib * 2**20),
        c2pa_trust_anchors=_c2pa_trust_anchors(args.c2pa_trust))
    case, _ = _open_or_create_case(args)
    actor = args.examiner or case.meta["examiner"]
    with case:
        outcome = run_batch(case, [str(source) for source in args.sources], options, actor, args.command_line,
                            on_progress=_batch_progress(args))
        csv_path, html_path = _write_batch_summary(case, args.summary)
        for path, reason in outcome.skipped:
            _warning(f"{path}: not taken in: {reason}")
        for exhibit, reason in outcome.failed:
            _warning(f"{exhibit}: analysis failed: {reason}")
        _say(args, f"Files: {outcome.files} ({outcome.taken_in} new, {outcome.duplicates} already held, "
                   f"{len(outcome.skipped)} not taken in)")
        _say(args, f"Analysed: {len(outcome.analysed)} ({len(outcome.partial)} in part), not again: "
                   f"{len(outcome.unchanged)} (analysed the same way before), failed: {len(outcome.failed)}; "
                   f"{outcome.seconds:.1f} s")
        _say(args, f"Case:    {case.directory}\nSummary: {csv_path}\n         {html_path}")
    return EXIT_BAD_INPUT if outcome.skipped or outcome.failed else EXIT_OK


def _write_batch_summary(case, folder: str | None) -> tuple[Path, Path]:
    from forensics.analysers import discover
    from forensics.export.summary import summary_csv, summary_html, summary_rows
    from forensics.workflow import case_results

    records = case.evidence()
    analysed = case_results(case).evidence if case.latest_results_by_exhibit() else []
    rows = summary_rows(records, {e.exhibit_id: e for e in analysed}, case.events(), {a.name for a in discover()})
    target = Path(folder) if folder else case.directory / "batch"
    target.mkdir(parents=True, exist_ok=True)
    notes = ["Sorted by the strongest conclusion on either proposition. Rows marked triage rest on the fast analyses "
             "alone (file identity, metadata, container): the pixel analyses (compression history, copy-move, "
             "demosaicing, faces, lighting, video frames) were not run on them.",
             "Near-duplicates: pictures whose perceptual hashes (pHash) differ in at most 8 of 64 bits share a group."]
    _write_text(target / "summary.csv", summary_csv(rows))
    _write_text(target / "summary.html", summary_html(rows, f"Case {case.meta['case_number']}: exhibits", notes))
    return target / "summary.csv", target / "summary.html"


def _batch_progress(args: argparse.Namespace):
    """Counts, rate and time left on one line of stderr, only on a terminal."""
    if args.quiet or not sys.stderr.isatty():
        return None
    began = time.monotonic()

    def draw(done: int, total: int, failed: int) -> None:
        rate = done / max(1e-9, time.monotonic() - began)
        left = (total - done) / rate if rate > 0 else 0
        end = "\n" if done >= total else ""
        print(f"\r  analysed {done}/{total} ({failed} failed), {rate:.1f} files/s, about {left:.0f} s left  ",
              end=end, file=sys.stderr, flush=True)
    return draw


def _c2pa_trust_anchors(path: str | None) -> str:
    """The PEM certificates in ``path`` (empty without one); a UsageError when it holds none."""
    if not path:
        return ""
    try:
        text = Path(path).read_text("ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"--c2pa-trust {path}: cannot be read as PEM text ({getattr(error, 'strerror', None) or error})") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise UsageError(f"--c2pa-trust {path}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    return text


def _report(args: argparse.Namespace) -> int:
    from forensics.case import Case
    from forensics.workflow import case_results, render_case_report

    signing = _signing(args)
    with Case.open(args.case_dir) as case:
        actor = args.examiner or case.meta["examiner"]
        output = Path(args.output) if args.output else case.directory / "reports" / "latest.pdf"
        exhibits = _exhibit_list(args.exhibits)
        report_id, digest = render_case_report(case, output, actor, signing, args.tsa, exhibits)
        if args.json:
            _write_text(Path(args.json), case_results(case, exhibits).to_json())
        _say(args, f"Report {report_id}: {output} (SHA-256 {digest})")
    return EXIT_OK


def _exhibit_list(text: str | None) -> list[str] | None:
    """``--exhibits E001,E042`` as a list (None when not given); a malformed list is a UsageError."""
    if not text:
        return None
    exhibits = [part.strip() for part in text.split(",") if part.strip()]
    if not exhibits or any(not re.fullmatch(r"E\d{3,}", exhibit) for exhibit in exhibits):
        raise UsageError(f"--exhibits: {text!r}: give exhibit ids separated by commas, e.g. E001,E042")
    return exhibits


def _case_init(args: argparse.Namespace) -> int:
    from forensics.case import Case

    case = Case.init(args.case_dir, args.case_number, args.examiner, args.agency, **_case_details(args))
    with case:
        _say(args, f"Created case {args.case_number} in {case.directory} (case id {case.meta['case_id']})")
    return EXIT_OK


def _case_add(args: argparse.Namespace) -> int:
    from forensics.case import Case
    from forensics.workflow import take_in

    with Case.open(args.case_dir) as case:
        actor = args.examiner or case.meta["examiner"]
        outcome = take_in(case, args.files, actor, received_from=args.received_from, note=args.note)
        for record in outcome.records:
            _say(args, f"{record.exhibit_id}  {record.sha256}  {record.size} bytes  {record.format}  {record.original_name}")
        for error in outcome.errors:
            _error(str(error))
    return outcome.errors[0].exit_code if outcome.errors else EXIT_OK


def _case_log(args: argparse.Namespace) -> int:
    from forensics.case import Case

    with Case.open(args.case_dir) as case:
        events = case.events()
        for event in events:
            subject = event.details.get("exhibit_id") or event.details.get("path") or ""
            print(f"#{event.seq:<4} {event.utc}  {event.action:<18} {subject:<24} {event.actor}  {event.hash[:16]}")
            if args.details:
                for key, value in sorted(event.details.items()):
                    print(f"        {key}: {value}")
        print(f"head: {events[-1].hash}")
    return EXIT_OK


def _case_verify(args: argparse.Namespace) -> int:
    from forensics.case import Case
    from forensics.workflow import verify_and_record

    with Case.open(args.case_dir) as case:
        actor = args.examiner or case.meta["examiner"]
        cited = _cited_head(args.head, case.events()) if args.head else None
        missing = [f"the log no longer contains the head {args.head} (cited by a report): it was rewritten or truncated"
                   ] if args.head and cited is None else []
        report, problems = verify_and_record(case, actor, missing)
    for note in report.notes:
        _say(args, f"note: {note}")
    if problems:
        for problem in problems:
            print(f"FAILED: {problem}")
        print(f"Case {args.case_dir} did NOT verify: {len(problems)} problem(s).")
        return EXIT_VERIFY_FAILED
    if cited is not None:
        print(f"The cited head is event #{cited.seq} ({cited.action}, {cited.utc}): {cited.hash}")
    print(f"Case {args.case_dir} verified: {report.events_checked} events, {report.objects_checked} evidence objects, head {report.head_hash}")
    return EXIT_OK


MIN_HEAD_PREFIX = 16  # hex digits: what `case log` prints per event; 64 bits, far beyond any log's length


def _cited_head(head: str, events: list):
    """The event whose hash is ``head`` or begins with it (at least MIN_HEAD_PREFIX hex digits), or None."""
    text = head.strip().lower()
    if len(text) < MIN_HEAD_PREFIX or len(text) > 64 or any(c not in "0123456789abcdef" for c in text):
        raise UsageError(f"--head {head!r}: give the custody head as printed in the report or by `case log` "
                         f"(at least {MIN_HEAD_PREFIX} hexadecimal digits)")
    matching = [event for event in events if event.hash.startswith(text)]
    if len(matching) > 1:
        raise UsageError(f"--head {head!r} matches {len(matching)} events; give more digits")
    return matching[0] if matching else None


def _annotate(args: argparse.Namespace) -> int:
    from forensics.case import Case
    from forensics.case.annotations import ReviewStatus, current_annotations
    from forensics.workflow import annotate_finding, exhibit_findings

    exhibit_id = args.exhibit.upper()
    with Case.open(args.case_dir) as case:
        if args.finding is None:
            if args.status or args.comment:
                raise UsageError("give the finding to annotate (run without --status to list them)")
            evidence, findings = exhibit_findings(case, exhibit_id)
            annotations = current_annotations(case.events())
            rows = [("Finding", "Level", "Proposition", "Title", "Review")]
            for _, finding in sorted(findings, key=lambda pair: (-pair[1].strength.rank, pair[1].key)):
                note = annotations.get((exhibit_id, finding.key))
                rows.append((finding.key, finding.strength.value, finding.proposition.value, _shorten(finding.title, 50),
                             f"{note.words} ({note.actor}, {note.utc[:16]}Z)" if note else ""))
            print(f"{exhibit_id} {_shorten(evidence.file_name, 60)}: {len(findings)} findings of its latest analysis")
            widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
            for row in rows:
                print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
            return EXIT_OK
        if not args.status:
            raise UsageError("--status is required: accepted, to-check or disputed")
        actor = args.examiner or case.meta["examiner"]
        note = annotate_finding(case, exhibit_id, args.finding, ReviewStatus(args.status), args.comment or "", actor)
        _say(args, f"{exhibit_id} {args.finding}: marked {note.words} by {note.actor} at {note.utc} (custody event #{note.seq})")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    import json

    from forensics import __version__
    from forensics.case import Case
    from forensics.export.case_uco import CASE_VERSION, case_uco_graph
    from forensics.workflow import case_results

    with Case.open(args.case_dir) as case:
        actor = args.examiner or case.meta["examiner"]
        evidence = case.evidence()
        document = case_results(case) if case.latest_results_by_exhibit() else None
        case.log("export", actor, {"format": args.format, "output": str(args.output)})
        events = case.events()
        graph = case_uco_graph(case.meta, evidence, document, events, __version__)
    _write_text(Path(args.output), json.dumps(graph, indent=1, ensure_ascii=False) + "\n")
    _say(args, f"Exported {len(evidence)} exhibit(s) and {len(events)} custody events as CASE/UCO "
               f"({CASE_VERSION}) JSON-LD: {args.output}")
    return EXIT_OK


def _keygen(args: argparse.Namespace) -> int:
    from forensics.report.signing import keygen

    key, cert, fingerprint = keygen(Path(args.directory), args.name, args.organisation or "", _password(args))
    _say(args, f"Key:         {key} (keep it private)")
    _say(args, f"Certificate: {cert} (self-signed; give it to whoever verifies your reports)")
    _say(args, f"Fingerprint: {fingerprint}")
    return EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    from forensics.report.verify import verify_report

    path = Path(args.report)
    if not path.is_file():
        raise BadInputError(str(path), "no such report file")
    checks = verify_report(path.read_bytes(), [Path(e) for e in args.evidence or []],
                           Path(args.trust) if args.trust else None, args.require_signature,
                           Path(args.tsa_trust) if args.tsa_trust else None, args.require_timestamp)
    for check in checks:
        mark = {True: "OK  ", False: "FAIL", None: "N/A "}[check.ok]
        print(f"{mark} {check.name}: {check.detail}")
    failed = [c for c in checks if c.ok is False]
    print(f"{'VERIFIED' if not failed else 'NOT VERIFIED'}: {path}")
    return EXIT_VERIFY_FAILED if failed else EXIT_OK


def _signing(args: argparse.Namespace):
    from forensics.report.signing import check_tsa_url, load_signing

    if args.tsa:
        check_tsa_url(args.tsa)
    if not args.sign:
        return None

    return load_signing(args.sign, args.sign_cert, _password(args))


def _password(args: argparse.Namespace) -> str | None:
    return getattr(args, "password", None) or os.environ.get("FORENSICS_SIGN_PASSWORD") or None


def _add_signing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sign", metavar="KEY", help="sign the PDF with this key (.p12/.pfx, or a PEM key with --sign-cert)")
    parser.add_argument("--sign-cert", metavar="CERT", help="the PEM certificate of a PEM --sign key")
    parser.add_argument("--password", help="the key's password (or set FORENSICS_SIGN_PASSWORD)")
    parser.add_argument("--tsa", metavar="URL", help="attach a trusted timestamp (RFC 3161) from this timestamp "
                                                     "authority: to the signature with --sign, else to the document")


def _eval(args: argparse.Namespace) -> int:
    from forensics.evaluation.harness import run

    return run(Path(args.corpus), Path(args.out) if args.out else None, Path(args.cache), args.seed, args.ship,
               args.analyser or None)


def _bench(args: argparse.Namespace) -> int:
    from forensics.evaluation.bench import run

    return run(Path(args.corpus), args.repeats, args.batch, args.quick)


def _serve(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from forensics.server.app import ServerConfig, create_app
    from forensics.server.jobs import ReportSigning

    signing = None
    if _signing(args):  # a bad key, password or timestamp authority URL fails now, not at the first report
        signing = ReportSigning(str(Path(args.sign).resolve()), str(Path(args.sign_cert).resolve()) if args.sign_cert
                                else None, _password(args))
    config = ServerConfig(data=Path(args.data).resolve(), host=args.host, port=args.port,
                          max_upload_mib=args.max_upload_mib, workers=args.workers, signing=signing,
                          secure_cookies=args.secure_cookies, tsa_url=args.tsa)
    app = create_app(config)
    try:  # uvicorn would say so in a log line and exit with 3, which here means bad evidence
        socket.create_server((args.host, args.port), family=socket.AF_INET6 if ":" in args.host else socket.AF_INET).close()
    except OSError as error:
        raise UsageError(f"--port {args.port}: cannot listen on {args.host} ({error.strerror or error}); choose another "
                         "port or address") from None
    mode = "accounts required" if not config.loopback or app.state.records.has_users() else "this machine's user only, no login"
    _say(args, f"Serving http://{args.host}:{args.port}/ ({mode}); data in {config.data}. Ctrl-C stops.")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False, proxy_headers=False)
    return EXIT_OK


def _users(args: argparse.Namespace) -> int:
    from forensics.server.accounts import Role, ServerRecords

    records = ServerRecords(Path(args.data))
    if args.users_command == "add":
        user = records.add_user(args.name, Role(args.role), _new_password(args))
        _say(args, f"Added {user.name} ({user.role.value}) to {records.path}")
    elif args.users_command == "password":
        records.set_password(args.name, _new_password(args))
        _say(args, f"New password for {args.name}; their earlier sessions have ended")
    elif args.users_command == "remove":
        records.remove_user(args.name)
        _say(args, f"Removed {args.name} and the cases shared with them; their audit entries stay")
    elif args.users_command == "list":
        for user in records.users():
            print(f"{user.name:<24} {user.role.value}")
    else:
        for entry in records.audit_entries(args.limit):
            print(f"#{entry.seq:<6} {entry.utc}  {entry.user:<20} {entry.address:<15} {entry.action:<20} "
                  f"{entry.target}  {entry.outcome}")
    return EXIT_OK


def _new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass

    password = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Again: ") != password:
        raise UsageError("the two passwords differ")
    return password


# ------------------------------------------------------------------------------------------- helpers


def _open_or_create_case(args: argparse.Namespace):
    """The case to work in, and whether this run created it."""
    from forensics.case import Case
    from forensics.case.store import DB_NAME, default_actor

    if args.case and (Path(args.case) / DB_NAME).exists():
        return Case.open(args.case), False
    directory = Path(args.case) if args.case else _new_case_directory()
    examiner = args.examiner or f"{default_actor()} (operating-system user; no examiner named)"
    return Case.init(directory, args.case_number or "unassigned", examiner, args.agency or "", **_case_details(args)), True


def _new_case_directory() -> Path:
    """case-<UTC time> in the working directory, with -2, -3 ... when runs start in the same second."""
    stem = f"case-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    directory, number = Path(stem), 1
    while directory.exists():
        number += 1
        directory = Path(f"{stem}-{number}")
    return directory


def _case_details(args: argparse.Namespace) -> dict[str, str]:
    import json

    details = {key: getattr(args, key, None) or "" for key in ("role", "qualifications", "reviewer", "requester")}
    if getattr(args, "question", None):
        details["questions"] = json.dumps(args.question, ensure_ascii=False)
    return details


def _add_case_detail_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role", help="the examiner's role, for the report")
    parser.add_argument("--qualifications", help="the examiner's qualifications (free text), for the report")
    parser.add_argument("--reviewer", help="the technical reviewer, for the report")
    parser.add_argument("--requester", help="who asked for the examination")
    parser.add_argument("--question", action="append", help="a question the requester asked (repeatable)")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def _timing_printer(args: argparse.Namespace):
    if not args.verbose:
        return None
    return lambda timing: print(f"  {timing.name}: {timing.seconds * 1000:.0f} ms", file=sys.stderr)


def _progress_bar(args: argparse.Namespace, name: str):
    """A one-line bar on stderr for long inputs (videos), only on a terminal: logs and pipes stay clean."""
    if args.quiet or not sys.stderr.isatty():
        return None
    shown = [-1]

    def draw(share: float) -> None:
        percent = int(share * 100)
        if percent != shown[0]:
            shown[0] = percent
            filled = percent // 4
            end = "\n" if percent >= 100 else ""
            print(f"\r  {name[:40]} [{'#' * filled}{'.' * (25 - filled)}] {percent:3d} %", end=end, file=sys.stderr, flush=True)
    return draw


def _print_summary(args, document, case_dir, report_path, json_path) -> None:
    from forensics.results import Proposition

    if args.quiet:
        return
    rows = [("Exhibit", "File", "SHA-256", "Analyses", "Processing", "Content")]
    for evidence in document.evidence:
        statuses = [a.status.value for a in evidence.analysers]
        titles = {f.key: f.title for a in evidence.analysers for f in a.findings}
        conclusions = []
        for proposition in Proposition:
            conclusion = evidence.conclusion(proposition)
            driver = titles.get(conclusion.findings[0]) if conclusion.findings else None
            conclusions.append(f"{conclusion.strength.value}: {_shorten(driver, 40)}" if driver else "none")
        rows.append((
            evidence.exhibit_id,
            _shorten(evidence.file_name, 28),
            evidence.sha256[:16] + "...",
            f"{statuses.count('ran')} ran, {statuses.count('not_applicable')} n/a, {statuses.count('failed')} failed",
            *conclusions,
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"Case:   {case_dir}")
    if report_path:
        print(f"Report: {report_path}")
    if json_path:
        print(f"JSON:   {json_path}")


def _shorten(text: str, width: int) -> str:
    printable = "".join(c if c.isprintable() else "?" for c in text)
    return printable if len(printable) <= width else printable[: width - 3] + "..."


def _write_text(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CaseError(f"{path}: cannot write ({error.strerror or error})") from error


def _say(args: argparse.Namespace, message: str) -> None:
    if not args.quiet:
        print(message)


def _warning(message: str) -> None:
    _to_stderr("warning", message)


def _error(message: str) -> None:
    _to_stderr("error", message)


def _to_stderr(kind: str, message: str) -> None:
    printable = "".join(c if c.isprintable() else "?" for c in message)
    print(f"{kind}: {printable}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    common.add_argument("-v", "--verbose", action="store_true", help="print timings, and tracebacks of internal errors")
    actor = argparse.ArgumentParser(add_help=False, parents=[common])
    actor.add_argument("--examiner", help="who performs this step (default: the case's examiner)")

    parser = argparse.ArgumentParser(
        prog="forensics",
        description="Examine photos and videos for signs of manipulation and write a chain-of-custody report.",
        epilog="Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input, 4 case error, 5 verification failed, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"forensics {__version__}")
    # Also accepted before the command; a subcommand's own -q/-v would otherwise overwrite these, hence other names.
    parser.add_argument("-q", "--quiet", dest="quiet_before", action="store_true", help="print only errors")
    parser.add_argument("-v", "--verbose", dest="verbose_before", action="store_true",
                        help="print timings, and tracebacks of internal errors")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    analyze = commands.add_parser("analyze", parents=[actor], help="take files into a case, analyse them, write a report",
                                  description="Take files into a case (a new one unless --case names one), analyse "
                                              "the case's verified copies, and render a PDF report.")
    analyze.add_argument("files", nargs="+", metavar="FILE", help="photos and videos to take in and analyse")
    analyze.add_argument("--case", metavar="DIR", help="case folder to use or create (default: a new case-<UTC time> folder)")
    analyze.add_argument("--report", metavar="PDF", help="where to write the PDF report (default: CASE/reports/latest.pdf)")
    analyze.add_argument("--no-report", action="store_true", help="analyse without rendering a report")
    analyze.add_argument("--json", metavar="FILE", help="also write the full results as JSON")
    analyze.add_argument("--case-number", help="case number, when a new case is created")
    analyze.add_argument("--agency", help="agency, when a new case is created")
    _add_case_detail_options(analyze)
    analyze.add_argument("--received-from", default="", help="who the files were received from")
    analyze.add_argument("--note", default="", help="a note recorded with the intake")
    analyze.add_argument("--max-megapixels", type=float, default=Limits.max_megapixels, help="refuse larger images (default %(default)s)")
    analyze.add_argument("--max-image-mib", type=int, default=Limits.max_image_bytes // 2**20, help="refuse larger image files (default %(default)s)")
    analyze.add_argument("--c2pa-trust", metavar="PEM", help="certificates (PEM) trusted to sign Content Credentials "
                                                             "(C2PA); without it no C2PA signer is reported as trusted")
    analyze.add_argument("--threads", type=_positive_int, metavar="N",
                         help="analysers run side by side on N threads (default: one per available core; 1 when "
                              "several analyze commands share the machine)")
    _add_signing_options(analyze)
    analyze.set_defaults(handler=_analyze)

    batch = commands.add_parser(
        "batch", parents=[actor], help="take many files and folders into a case and analyse them on a Dask cluster",
        description="Take every file under SOURCE (recursively) into the case, analyse on a local Dask cluster or a "
                    "running one what was not analysed the same way before (so a stopped batch resumes), and write a "
                    "summary table of all exhibits, strongest first (CASE/batch/summary.csv and .html).",
        epilog="Exit codes: 0 every file taken in and analysed, 3 some files not taken in or not analysed (listed), "
               "4 case error. Workers of a running cluster must see the case folder at the same path.")
    batch.add_argument("sources", nargs="*", metavar="SOURCE", help="files and folders to take in")
    batch.add_argument("--case", metavar="DIR", help="case folder to use or create (default: a new case-<UTC time> folder)")
    batch.add_argument("--case-number", help="case number, when a new case is created")
    batch.add_argument("--agency", help="agency, when a new case is created")
    _add_case_detail_options(batch)
    batch.add_argument("--triage", action="store_true",
                       help="run only the fast analyses (file identity, metadata, container); see --full-from")
    batch.add_argument("--full-from", choices=["weak", "moderate", "strong"],
                       help="with --triage: analyse fully the exhibits whose triage reaches this level")
    batch.add_argument("--exhibits", metavar="E001,E042", help="analyse these exhibits fully (chosen after a triage)")
    batch.add_argument("--workers", type=_positive_int, metavar="N", help="a local cluster of N worker processes "
                                                                         "(default: one per core)")
    batch.add_argument("--scheduler", metavar="tcp://HOST:8786", help="use a running Dask cluster instead")
    batch.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS", help="per file (default %(default)s)")
    batch.add_argument("--memory-mb", type=float, default=4096.0, metavar="MB",
                       help="per file: the most resident memory a worker process may hold while it analyses one "
                            "(default %(default)s)")
    batch.add_argument("--summary", metavar="DIR", help="where to write summary.csv and summary.html (default: CASE/batch)")
    batch.add_argument("--max-megapixels", type=float, default=Limits.max_megapixels, help="refuse larger images (default %(default)s)")
    batch.add_argument("--max-image-mib", type=int, default=Limits.max_image_bytes // 2**20, help="refuse larger image files (default %(default)s)")
    batch.add_argument("--c2pa-trust", metavar="PEM", help="certificates (PEM) trusted to sign Content Credentials")
    batch.set_defaults(handler=_batch)

    report = commands.add_parser("report", parents=[actor], help="re-render a case's report from stored results")
    report.add_argument("case_dir", metavar="DIR", help="the case folder")
    report.add_argument("-o", "--output", metavar="PDF", help="where to write the PDF (default: DIR/reports/latest.pdf)")
    report.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    report.add_argument("--exhibits", metavar="E001,E042", help="only these exhibits (default: every analysed one)")
    _add_signing_options(report)
    report.set_defaults(handler=_report)

    verify_report = commands.add_parser("verify", parents=[common], help="check a report's signature, embedded results and custody chain",
                                        description="Check a report on its own: signature, attached results and custody "
                                                    "log, the hash chain, and optionally the evidence files' SHA-256.")
    verify_report.add_argument("report", metavar="REPORT.pdf", help="the report to check")
    verify_report.add_argument("--evidence", action="append", metavar="FILE", help="an evidence file to re-hash and match (repeatable)")
    verify_report.add_argument("--trust", metavar="CERT", help="a PEM certificate to trust as the signer")
    verify_report.add_argument("--require-signature", action="store_true", help="fail if the report is not signed")
    verify_report.add_argument("--tsa-trust", metavar="CERT", help="a PEM certificate (the TSA's or its root) to trust "
                                                                   "for the report's timestamp")
    verify_report.add_argument("--require-timestamp", action="store_true", help="fail if the report carries no timestamp")
    verify_report.set_defaults(handler=_verify)

    annotate = commands.add_parser(
        "annotate", parents=[actor], help="record the examiner's review of a finding (accepted, to-check, disputed)",
        description="Record in the custody log whether the examiner accepts, will check or disputes a finding, with a "
                    "comment; reports show it beside the finding and in the summary. Without FINDING, list the "
                    "exhibit's findings with their ids and current reviews.")
    annotate.add_argument("case_dir", metavar="DIR", help="the case folder")
    annotate.add_argument("exhibit", metavar="EXHIBIT", help="the exhibit id, e.g. E001")
    annotate.add_argument("finding", metavar="FINDING", nargs="?", help="the finding id, e.g. metadata.software")
    annotate.add_argument("--status", choices=["accepted", "to-check", "disputed"], help="the review")
    annotate.add_argument("--comment", help="why (required for disputed); at most 2000 characters")
    annotate.set_defaults(handler=_annotate)

    export = commands.add_parser("export", parents=[actor], help="write a case's exhibits, custody log and findings "
                                                                 "in another format (CASE/UCO JSON-LD)")
    export.add_argument("case_dir", metavar="DIR", help="the case folder")
    export.add_argument("--format", choices=["case-uco"], default="case-uco",
                        help="case-uco: CASE 1.5.0 / UCO 1.5.0 JSON-LD, as Autopsy and other case tools exchange it")
    export.add_argument("-o", "--output", metavar="FILE", required=True, help="the JSON-LD file to write")
    export.set_defaults(handler=_export)

    keys = commands.add_parser("keygen", parents=[common], help="make a self-signed examiner key and certificate")
    keys.add_argument("directory", metavar="DIR", help="folder to write the key and certificate into")
    keys.add_argument("--name", required=True, help="the examiner's name (the certificate's subject)")
    keys.add_argument("--organisation", help="the examiner's organisation, in the certificate")
    keys.add_argument("--password", help="encrypt the key with this password (or set FORENSICS_SIGN_PASSWORD)")
    keys.set_defaults(handler=_keygen)

    from forensics.evaluation import DEFAULT_CORPUS

    evaluate = commands.add_parser("eval", parents=[common], help="measure each analyser's error rates on the shared corpus",
                                   description="Evaluate analysers on labelled corpus files and generated manipulations; "
                                               "print AUC and true/false-positive rates per verbal level.")
    evaluate.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="the shared corpus (default %(default)s)")
    evaluate.add_argument("--out", metavar="DIR", help="also write DIR/error_rates.json")
    evaluate.add_argument("--cache", default=str(Path.home() / ".cache" / "forensics" / "eval"), help="where generated cases are kept")
    evaluate.add_argument("--seed", type=int, default=0, help="seed of the generated cases (default %(default)s)")
    evaluate.add_argument("--analyser", action="append", help="evaluate only this analyser (repeatable)")
    evaluate.add_argument("--ship", action="store_true", help="write the results into the package (the file reports cite)")
    evaluate.set_defaults(handler=_eval)

    bench = commands.add_parser("bench", parents=[common],
                                help="time every stage on a 12 MP JPEG, four faces at 12 MP, a 1 MP PNG and a 10 s 1080p video")
    bench.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="takes the 12 MP JPEG from here when present")
    bench.add_argument("--repeats", type=int, default=5, help="runs per stage; medians are printed")
    bench.add_argument("--batch", type=int, default=100, help="camera JPEGs in the throughput test")
    bench.add_argument("--quick", action="store_true", help="small inputs and one repeat (a smoke test)")
    bench.set_defaults(handler=_bench)

    serve = commands.add_parser("serve", parents=[common], help="serve the web page (cases, uploads, maps, reviews, "
                                                               "reports, report verification)",
                                description="Serve the web page. On 127.0.0.1 (the default) without accounts, "
                                            "this machine's user works without a login; any other address needs "
                                            "accounts ('forensics users add').")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default %(default)s)")
    serve.add_argument("--port", type=int, default=8000, help="port (default %(default)s)")
    serve.add_argument("--data", default="forensics-data", help="folder of the server's cases, accounts and audit log "
                                                               "(default %(default)s)")
    serve.add_argument("--max-upload-mib", type=_positive_int, default=4096, help="largest evidence file accepted "
                                                                                "(default %(default)s)")
    serve.add_argument("--workers", type=_positive_int, default=1, help="analyses run side by side (default %(default)s; "
                                                                       "each uses every core)")
    serve.add_argument("--secure-cookies", action="store_true", help="send the session cookie over HTTPS only (behind "
                                                                   "a TLS proxy)")
    _add_signing_options(serve)
    serve.set_defaults(handler=_serve)

    users = commands.add_parser("users", help="accounts of the web page, and its audit log")
    users_commands = users.add_subparsers(title="users commands", metavar="COMMAND", required=True, dest="users_command")
    add_user = users_commands.add_parser("add", parents=[common], help="add an account (asks for its password)")
    add_user.add_argument("name", metavar="NAME", help="the user name (letters, digits, '.', '_', '-')")
    add_user.add_argument("--role", required=True, choices=["examiner", "reviewer", "reader"],
                          help="examiner: opens cases, adds evidence, renders reports; reviewer: reads and annotates "
                               "the cases shared with them; reader: reads them")
    add_user.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    password = users_commands.add_parser("password", parents=[common], help="set a new password (ends the user's "
                                                                           "sessions)")
    password.add_argument("name", metavar="NAME", help="the user whose password is set")
    password.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    remove = users_commands.add_parser("remove", parents=[common], help="remove an account (its audit entries stay)")
    remove.add_argument("name", metavar="NAME", help="the user to remove")
    list_users = users_commands.add_parser("list", parents=[common], help="list the accounts")
    audit = users_commands.add_parser("audit", parents=[common], help="print the audit log (logins, views, downloads, "
                                                                     "annotations)")
    audit.add_argument("--limit", type=_positive_int, help="only the last N entries")
    for command in (add_user, password, remove, list_users, audit):
        command.add_argument("--data", default="forensics-data", help="the server's data folder (default %(default)s)")
        command.set_defaults(handler=_users)

    case = commands.add_parser("case", help="create, fill, inspect and verify a case")
    case_commands = case.add_subparsers(title="case commands", metavar="COMMAND", required=True)
    init = case_commands.add_parser("init", parents=[common], help="create a new case folder")
    init.add_argument("case_dir", metavar="DIR", help="the case folder to create")
    init.add_argument("--case-number", required=True, help="the case number, as the requester gives it")
    init.add_argument("--examiner", required=True, help="the examiner responsible for the case")
    init.add_argument("--agency", required=True, help="the examiner's agency or laboratory")
    _add_case_detail_options(init)
    init.set_defaults(handler=_case_init)
    add = case_commands.add_parser("add", parents=[actor], help="take evidence files into a case")
    add.add_argument("case_dir", metavar="DIR", help="the case folder")
    add.add_argument("files", nargs="+", metavar="FILE", help="evidence files to take in")
    add.add_argument("--received-from", default="", help="who the files were received from")
    add.add_argument("--note", default="", help="a note recorded with the intake")
    add.set_defaults(handler=_case_add)
    log = case_commands.add_parser("log", parents=[actor], help="print the custody log")
    log.add_argument("case_dir", metavar="DIR", help="the case folder")
    log.add_argument("--details", action="store_true", help="print every event's details")
    log.set_defaults(handler=_case_log)
    verify = case_commands.add_parser("verify", parents=[actor], help="re-hash evidence and check the custody chain")
    verify.add_argument("case_dir", metavar="DIR", help="the case folder")
    verify.add_argument("--head", metavar="HASH", help="also require this custody head (as printed in a report) to be in the log")
    verify.set_defaults(handler=_case_verify)
    return parser
