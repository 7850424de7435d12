"""The case folder: SQLite (WAL) custody log, content-addressed read-only evidence objects, stored results.

Layout::

    CASE/
      case.sqlite           meta, events (hash chain), evidence, results
      objects/ab/abcd...    one read-only file per evidence item, named by its SHA-256
      objects/tmp/          intakes in progress (a killed intake leaves a .part file here, nothing else)
      reports/              rendered reports

Every write happens inside ``BEGIN IMMEDIATE`` so concurrent commands on one case serialise instead of
interleaving, and an event is appended in the same transaction as the row it describes, so a command
killed half-way leaves either both or neither. Long steps are bracketed by ``*.started`` and a closing
event, so an interrupted step stays visible in the log.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
import sqlite3
import stat
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from forensics.case.custody import GENESIS_HASH, Event, chain_problems, event_hash
from forensics.case.hashing import Digests, digest_file, digest_stream
from forensics.errors import BadInputError, CaseError
from forensics.media.sniff import SNIFF_BYTES, sniff

DB_NAME = "case.sqlite"
CASE_FORMAT_VERSION = "1"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    utc TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE evidence (
    exhibit_id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    md5 TEXT NOT NULL,
    sha1 TEXT NOT NULL,
    size INTEGER NOT NULL,
    format TEXT NOT NULL,
    media_type TEXT NOT NULL,
    kind TEXT NOT NULL,
    original_name TEXT NOT NULL,
    original_path TEXT NOT NULL,
    file_mtime_utc TEXT NOT NULL,
    received_from TEXT NOT NULL,
    note TEXT NOT NULL,
    intake_utc TEXT NOT NULL,
    actor TEXT NOT NULL,
    intake_seq INTEGER NOT NULL
);
CREATE TABLE results (sha256 TEXT PRIMARY KEY, created_utc TEXT NOT NULL, document TEXT NOT NULL);
"""


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


@dataclass(frozen=True)
class EvidenceRecord:
    exhibit_id: str
    sha256: str
    md5: str
    sha1: str
    size: int
    format: str
    media_type: str
    kind: str
    original_name: str
    original_path: str
    file_mtime_utc: str
    received_from: str
    note: str
    intake_utc: str
    actor: str
    intake_seq: int


@dataclass
class VerificationReport:
    ok: bool
    head_hash: str
    events_checked: int
    objects_checked: int
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Case:
    def __init__(self, directory: Path, connection: sqlite3.Connection):
        self.directory = directory
        self._db = connection

    # ---------------------------------------------------------------- opening

    @classmethod
    def init(cls, directory: str | os.PathLike, case_number: str, examiner: str, agency: str, actor: str | None = None,
             **details: str) -> Case:
        """Create a case. ``details`` are further case facts for the report (role, qualifications, reviewer,
        requester, questions as a JSON list); like the rest, they are logged in the ``case.created`` event."""
        root = Path(directory)
        if (root / DB_NAME).exists():
            raise CaseError(f"{root}: already a case folder")
        if root.exists() and not root.is_dir():
            raise CaseError(f"{root}: exists and is not a folder")
        if root.exists() and any(root.iterdir()):
            raise CaseError(f"{root}: folder is not empty; choose a new or empty folder for a case")
        try:
            (root / "objects" / "tmp").mkdir(parents=True, exist_ok=True)
            (root / "reports").mkdir(exist_ok=True)
            connection = _connect(root / DB_NAME)
        except (OSError, sqlite3.Error) as error:
            raise CaseError(f"{root}: cannot create case ({_reason(error)})") from error
        case = cls(root, connection)
        meta = {
            "case_id": str(uuid.uuid4()),
            "case_number": case_number,
            "examiner": examiner,
            "agency": agency,
            "format_version": CASE_FORMAT_VERSION,
            **{key: value for key, value in details.items() if value},
        }
        with case._transaction() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
            case._append_event(db, actor or examiner, "case.created", dict(meta))
        return case

    @classmethod
    def open(cls, directory: str | os.PathLike) -> Case:
        root = Path(directory)
        db_path = root / DB_NAME
        if not root.is_dir():
            raise CaseError(f"{root}: no such case folder")
        if not db_path.is_file():
            raise CaseError(f"{root}: not a forensics case (no {DB_NAME}); create one with 'forensics case init'")
        try:
            connection = _connect(db_path)
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.Error as error:
            raise CaseError(f"{root}: case database cannot be read ({_reason(error)})") from error
        if not {"meta", "events", "evidence", "results"} <= tables:
            raise CaseError(f"{root}: not a forensics case (its database lacks the case tables)")
        return cls(root, connection)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Case:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- reading

    @property
    def meta(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def events(self) -> list[Event]:
        rows = self._db.execute("SELECT seq, utc, actor, action, details, prev_hash, hash FROM events ORDER BY seq")
        return [_event_from_row(row) for row in rows]

    def head(self) -> Event:
        row = self._db.execute(
            "SELECT seq, utc, actor, action, details, prev_hash, hash FROM events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return _event_from_row(row)

    def evidence(self) -> list[EvidenceRecord]:
        rows = self._db.execute(f"SELECT {_EVIDENCE_COLUMNS} FROM evidence ORDER BY intake_seq").fetchall()
        return [EvidenceRecord(*row) for row in rows]

    def object_path(self, sha256: str) -> Path:
        return self.directory / "objects" / sha256[:2] / sha256

    def results_document(self, sha256: str) -> str | None:
        row = self._db.execute("SELECT document FROM results WHERE sha256 = ?", (sha256,)).fetchone()
        return row[0] if row else None

    def latest_results_by_exhibit(self) -> dict[str, str]:
        """Map each analysed exhibit to the SHA-256 of the results document of its latest finished analysis."""
        latest: dict[str, str] = {}
        for event in self.events():
            if event.action == "analysis.finished":
                latest[event.details["exhibit_id"]] = event.details["results_sha256"]
        return latest

    # ---------------------------------------------------------------- writing

    def log(self, action: str, actor: str, details: dict[str, Any]) -> Event:
        with self._transaction() as db:
            return self._append_event(db, actor, action, details)

    def add_evidence(self, path: str | os.PathLike, actor: str, received_from: str = "", note: str = "") -> tuple[EvidenceRecord, bool]:
        """Take a file into the case; return its record and whether it was new (False: same bytes already held).

        A file that cannot be taken in raises BadInputError after an ``intake.rejected`` event is logged.
        """
        source = Path(path)
        shown = str(path)
        try:
            resolved, head, source_stat = _open_source(source)
        except BadInputError as error:
            self.log("intake.rejected", actor, {"path": shown, "reason": error.reason})
            raise
        file_type = sniff(head)
        if file_type is None:
            reason = f"not a supported image or video format (first bytes {head[:8].hex(' ')})"
            self.log("intake.rejected", actor, {"path": shown, "reason": reason})
            raise BadInputError(shown, reason)

        started = self.log("intake.started", actor, {"path": shown, "resolved_path": str(resolved)})
        try:
            digests = self._copy_into_objects(resolved, source_stat)
        except BadInputError as error:
            self.log("intake.failed", actor, {"path": shown, "reason": error.reason, "started_seq": started.seq})
            raise

        with self._transaction() as db:
            existing = db.execute(f"SELECT {_EVIDENCE_COLUMNS} FROM evidence WHERE sha256 = ?", (digests.sha256,)).fetchone()
            if existing:
                record = EvidenceRecord(*existing)
                self._append_event(db, actor, "intake.duplicate", {
                    "path": shown, "sha256": digests.sha256, "exhibit_id": record.exhibit_id, "started_seq": started.seq,
                })
                return record, False
            count = db.execute("SELECT COUNT(*) FROM evidence").fetchone()[0]
            intake_utc = utc_now()
            details = {
                "exhibit_id": f"E{count + 1:03d}",
                "sha256": digests.sha256,
                "md5": digests.md5,
                "sha1": digests.sha1,
                "size": digests.size,
                "format": file_type.format,
                "media_type": file_type.mime,
                "kind": file_type.kind,
                "original_name": source.name,
                "original_path": str(source.absolute()),
                "resolved_path": str(resolved),
                "file_mtime_utc": _stat_time(source_stat.st_mtime),
                "received_from": received_from,
                "note": note,
                "started_seq": started.seq,
            }
            event = self._append_event(db, actor, "intake", details, utc=intake_utc)
            record = EvidenceRecord(
                exhibit_id=details["exhibit_id"], sha256=digests.sha256, md5=digests.md5, sha1=digests.sha1,
                size=digests.size, format=file_type.format, media_type=file_type.mime, kind=file_type.kind,
                original_name=source.name, original_path=details["original_path"],
                file_mtime_utc=details["file_mtime_utc"], received_from=received_from, note=note,
                intake_utc=intake_utc, actor=actor, intake_seq=event.seq,
            )
            db.execute(
                f"INSERT INTO evidence ({_EVIDENCE_COLUMNS}) VALUES ({', '.join('?' * len(_EVIDENCE_FIELDS))})",
                [getattr(record, name) for name in _EVIDENCE_FIELDS],
            )
            return record, True

    def store_results(self, document_json: str) -> str:
        digest = hashlib.sha256(document_json.encode("utf-8")).hexdigest()
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO results (sha256, created_utc, document) VALUES (?, ?, ?)",
                (digest, utc_now(), document_json),
            )
        return digest

    # ---------------------------------------------------------------- verification

    def verify(self) -> VerificationReport:
        """Re-hash every evidence object and walk the custody chain; report every inconsistency found."""
        events = self.events()
        problems = chain_problems(events)
        notes: list[str] = []

        created = [e for e in events if e.action == "case.created"]
        meta = self.meta
        if not created:
            problems.append("the custody log has no case.created event")
        elif any(created[0].details.get(key) != value for key, value in meta.items()):
            problems.append("the case details (number, examiner, agency) differ from those logged at creation")

        intakes = {e.details["sha256"]: e for e in events if e.action == "intake"}
        records = {r.sha256: r for r in self.evidence()}
        objects_checked = 0
        for sha256, event in intakes.items():
            exhibit = event.details["exhibit_id"]
            record = records.get(sha256)
            if record is None:
                problems.append(f"exhibit {exhibit}: logged at intake (event #{event.seq}) but missing from the evidence table")
            elif any(getattr(record, key) != event.details[key] for key in ("exhibit_id", "md5", "sha1", "size")):
                problems.append(f"exhibit {exhibit}: evidence table differs from the intake record (event #{event.seq})")
            path = self.object_path(sha256)
            if not path.is_file():
                problems.append(f"exhibit {exhibit}: evidence object {path.name} is missing")
                continue
            digests = digest_file(str(path))
            objects_checked += 1
            expected = Digests(event.details["md5"], event.details["sha1"], sha256, event.details["size"])
            if digests != expected:
                problems.append(f"exhibit {exhibit}: evidence object changed since intake (SHA-256 now {digests.sha256})")
        for sha256, record in records.items():
            if sha256 not in intakes:
                problems.append(f"exhibit {record.exhibit_id}: in the evidence table but has no intake event in the log")

        for event in events:
            if event.action == "analysis.finished":
                document = self.results_document(event.details["results_sha256"])
                if document is None:
                    problems.append(f"event #{event.seq}: the analysis results it records are missing")
                elif hashlib.sha256(document.encode("utf-8")).hexdigest() != event.details["results_sha256"]:
                    problems.append(f"event #{event.seq}: the stored analysis results were altered")

        known = set(intakes)
        for path in (self.directory / "objects").glob("??/*"):
            if path.name not in known:
                notes.append(f"object {path.name} is not referenced by any intake (an interrupted intake leaves these)")
        unfinished = _unfinished_steps(events)
        notes.extend(unfinished)

        head = events[-1].hash if events else GENESIS_HASH
        return VerificationReport(
            ok=not problems, head_hash=head, events_checked=len(events), objects_checked=objects_checked,
            problems=problems, notes=notes,
        )

    # ---------------------------------------------------------------- internals

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise CaseError(f"{self.directory}: cannot write to the case database ({_reason(error)})") from error
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")

    def _append_event(self, db: sqlite3.Connection, actor: str, action: str, details: dict[str, Any], utc: str | None = None) -> Event:
        row = db.execute("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev_hash = (row[0] + 1, row[1]) if row else (1, GENESIS_HASH)
        details = {**details, "host": socket.gethostname(), "os_user": default_actor()}
        utc = utc or utc_now()
        digest = event_hash(seq, utc, actor, action, details, prev_hash)
        db.execute(
            "INSERT INTO events (seq, utc, actor, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (seq, utc, actor, action, json.dumps(details, sort_keys=True, ensure_ascii=False), prev_hash, digest),
        )
        return Event(seq, utc, actor, action, details, prev_hash, digest)

    def _copy_into_objects(self, source: Path, source_stat: os.stat_result) -> Digests:
        tmp_dir = self.directory / "objects" / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        part = tmp_dir / f"{uuid.uuid4().hex}.part"
        try:
            with open(source, "rb") as src, open(part, "wb") as dst:
                digests = digest_stream(src, copy_to=dst)
                dst.flush()
                os.fsync(dst.fileno())
            after = source.stat()
            if (after.st_size, after.st_mtime_ns) != (source_stat.st_size, source_stat.st_mtime_ns) or digests.size != source_stat.st_size:
                raise BadInputError(str(source), "file changed while it was being read; take it in again")
            final = self.object_path(digests.sha256)
            final.parent.mkdir(exist_ok=True)
            if final.exists():
                part.unlink()
            else:
                os.chmod(part, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
                os.replace(part, final)
                _fsync_directory(final.parent)
            return digests
        except OSError as error:
            part.unlink(missing_ok=True)
            raise BadInputError(str(source), f"cannot be read ({_reason(error)})") from error
        except BaseException:
            part.unlink(missing_ok=True)
            raise


_EVIDENCE_FIELDS = list(EvidenceRecord.__dataclass_fields__)
_EVIDENCE_COLUMNS = ", ".join(_EVIDENCE_FIELDS)


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")  # a custody record must survive a power cut once committed
    connection.execute("PRAGMA busy_timeout=60000")
    return connection


def _event_from_row(row: tuple) -> Event:
    seq, utc, actor, action, details, prev_hash, digest = row
    return Event(seq, utc, actor, action, json.loads(details), prev_hash, digest)


def _open_source(path: Path) -> tuple[Path, bytes, os.stat_result]:
    shown = str(path)
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        raise BadInputError(shown, "no such file") from None
    except (OSError, RuntimeError) as error:
        raise BadInputError(shown, f"cannot be resolved ({_reason(error)})") from error
    try:
        info = resolved.stat()
    except OSError as error:
        raise BadInputError(shown, f"cannot be read ({_reason(error)})") from error
    if stat.S_ISDIR(info.st_mode):
        raise BadInputError(shown, "is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise BadInputError(shown, "is not a regular file (device, pipe or socket)")
    if info.st_size == 0:
        raise BadInputError(shown, "is empty (0 bytes)")
    try:
        with open(resolved, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        raise BadInputError(shown, f"cannot be read ({_reason(error)})") from error
    return resolved, head, info


def _unfinished_steps(events: list[Event]) -> list[str]:
    closing = {"intake.started": ("intake", "intake.duplicate", "intake.failed"),
               "analysis.started": ("analysis.finished", "analysis.failed"),
               "report.started": ("report.rendered", "report.failed"),
               "batch.started": ("batch.finished", "batch.failed")}
    closed = {e.details.get("started_seq") for e in events if any(e.action in ends for ends in closing.values())}
    return [
        f"event #{e.seq} ({e.action} at {e.utc}) has no closing event: the step was interrupted"
        for e in events
        if e.action in closing and e.seq not in closed
    ]


def _stat_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    return str(error) or type(error).__name__
