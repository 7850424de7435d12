"""The web server's own records, beside the case folders it serves: accounts, who may see which case, the audit log.

One SQLite file (``server.sqlite`` in the data folder). Passwords are kept only as Argon2id hashes (argon2-cffi,
RFC 9106's memory-hard function: 64 MiB and three passes per guess). The audit log records every login (and every
refused one), every view of evidence, download, annotation, upload and share, with who, from where and when; like
a case's custody log it is only ever appended to.
"""

from __future__ import annotations

import functools
import secrets
import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from forensics.case.store import utc_now
from forensics.errors import UsageError

DB_NAME = "server.sqlite"
MIN_PASSWORD_CHARACTERS = 12
MAX_PASSWORD_CHARACTERS = 1024  # Argon2 takes any length; this bounds the work one request can ask for
USER_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
                                  created_utc TEXT NOT NULL, signed_out REAL NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS cases (case_id TEXT PRIMARY KEY, folder TEXT NOT NULL, owner TEXT NOT NULL,
                                  created_utc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS access (case_id TEXT NOT NULL, user TEXT NOT NULL, granted_by TEXT NOT NULL,
                                   granted_utc TEXT NOT NULL, PRIMARY KEY (case_id, user));
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, utc TEXT NOT NULL, user TEXT NOT NULL,
                                  address TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
                                  outcome TEXT NOT NULL);
"""


class Role(str, Enum):
    EXAMINER = "examiner"  # creates cases, takes in and analyses evidence, annotates, renders and signs reports, shares
    REVIEWER = "reviewer"  # reads the cases shared with them and annotates their findings
    READER = "reader"  # reads the cases shared with them, read-only (a lawyer, an editor)

    @property
    def may_annotate(self) -> bool:
        return self is not Role.READER

    @property
    def may_examine(self) -> bool:
        return self is Role.EXAMINER


@dataclass(frozen=True)
class User:
    name: str
    role: Role


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    utc: str
    user: str
    address: str
    action: str
    target: str
    outcome: str


class ServerRecords:
    """Accounts, case access and the audit log in ``data/server.sqlite``. Safe to share between threads: every
    call opens its own connection (SQLite serialises the writers)."""

    def __init__(self, data: Path):
        self.data = data
        self.path = data / DB_NAME
        data.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)
        self._hasher = PasswordHasher()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def _run(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        db = self._connect()
        try:
            return db.execute(sql, parameters).fetchall()
        finally:
            db.close()

    # ------------------------------------------------------------------ accounts

    def add_user(self, name: str, role: Role, password: str) -> User:
        import re

        if not re.match(USER_NAME_PATTERN, name):
            raise UsageError(f"{name!r}: a user name is 1-64 letters, digits, '.', '_' or '-', starting with a letter "
                             "or digit")
        _check_password(password)
        if self.user(name):
            raise UsageError(f"{name}: a user of that name exists already")
        self._run("INSERT INTO users (name, role, password_hash, created_utc) VALUES (?, ?, ?, ?)",
                  (name, role.value, self._hasher.hash(password), utc_now()))
        return User(name, role)

    def set_password(self, name: str, password: str) -> None:
        """A new password for ``name``; every session begun with the old one ends."""
        _check_password(password)
        if not self.user(name):
            raise UsageError(f"{name}: no such user")
        self._run("UPDATE users SET password_hash = ? WHERE name = ?", (self._hasher.hash(password), name))
        self.signed_out(name)

    def remove_user(self, name: str) -> None:
        """Remove an account and every case shared with it; its sessions end at once. Its audit entries stay, and
        so do the custody events it made (they name it)."""
        if not self.user(name):
            raise UsageError(f"{name}: no such user")
        self._run("DELETE FROM access WHERE user = ?", (name,))
        self._run("DELETE FROM users WHERE name = ?", (name,))

    def user(self, name: str) -> User | None:
        rows = self._run("SELECT name, role FROM users WHERE name = ?", (name,))
        return User(rows[0][0], Role(rows[0][1])) if rows else None

    def users(self) -> list[User]:
        return [User(name, Role(role)) for name, role in self._run("SELECT name, role FROM users ORDER BY name")]

    def signed_out(self, name: str) -> None:
        """End every session of ``name`` begun until now (session cookies are signed, not stored: a copy of one
        would otherwise stay valid until it expires)."""
        self._run("UPDATE users SET signed_out = ? WHERE name = ?", (time.time(), name))

    def session_user(self, name: str, since: float) -> User | None:
        """The user of a session begun at ``since`` (seconds since the epoch), unless they signed out after it."""
        rows = self._run("SELECT name, role, signed_out FROM users WHERE name = ?", (name,))
        return User(rows[0][0], Role(rows[0][1])) if rows and since > rows[0][2] else None

    def has_users(self) -> bool:
        return bool(self._run("SELECT 1 FROM users LIMIT 1"))

    def check_password(self, name: str, password: str) -> User | None:
        """The user, when ``password`` is theirs. An unknown name costs as long as a wrong password (a hash is
        still checked), so timing does not tell which names exist."""
        rows = self._run("SELECT name, role, password_hash FROM users WHERE name = ?", (name,))
        stored = rows[0][2] if rows else _dummy_hash()
        try:
            self._hasher.verify(stored, password[:MAX_PASSWORD_CHARACTERS])
        except (VerificationError, InvalidHashError):
            return None
        return User(rows[0][0], Role(rows[0][1])) if rows else None

    # ------------------------------------------------------------------ cases and access

    def register_case(self, case_id: str, folder: str, owner: str) -> None:
        now = utc_now()
        self._run("INSERT INTO cases (case_id, folder, owner, created_utc) VALUES (?, ?, ?, ?)", (case_id, folder, owner, now))
        self._run("INSERT OR IGNORE INTO access (case_id, user, granted_by, granted_utc) VALUES (?, ?, ?, ?)",
                  (case_id, owner, owner, now))

    def case_folder(self, case_id: str) -> str | None:
        rows = self._run("SELECT folder FROM cases WHERE case_id = ?", (case_id,))
        return rows[0][0] if rows else None

    def case_owner(self, case_id: str) -> str | None:
        rows = self._run("SELECT owner FROM cases WHERE case_id = ?", (case_id,))
        return rows[0][0] if rows else None

    def case_ids(self, user: str | None) -> list[str]:
        """The cases ``user`` may see, newest first (all of them for None: the single local user)."""
        if user is None:
            return [row[0] for row in self._run("SELECT case_id FROM cases ORDER BY created_utc DESC")]
        return [row[0] for row in self._run(
            "SELECT cases.case_id FROM cases JOIN access ON access.case_id = cases.case_id WHERE access.user = ? "
            "ORDER BY cases.created_utc DESC", (user,))]

    def may_see(self, user: str | None, case_id: str) -> bool:
        if user is None:
            return self.case_folder(case_id) is not None
        return bool(self._run("SELECT 1 FROM access WHERE case_id = ? AND user = ?", (case_id, user)))

    def share(self, case_id: str, user: str, granted_by: str) -> None:
        self._run("INSERT OR IGNORE INTO access (case_id, user, granted_by, granted_utc) VALUES (?, ?, ?, ?)",
                  (case_id, user, granted_by, utc_now()))

    def shared_with(self, case_id: str) -> list[tuple[str, str]]:
        return [(user, role) for user, role in self._run(
            "SELECT access.user, COALESCE(users.role, '') FROM access LEFT JOIN users ON users.name = access.user "
            "WHERE access.case_id = ? ORDER BY access.user", (case_id,))]

    # ------------------------------------------------------------------ audit

    def audit(self, user: str, address: str, action: str, target: str = "", outcome: str = "ok") -> None:
        """Append one entry. Names typed at the login form are anyone's text: kept printable and short, so that
        ``forensics users audit`` cannot be made to write control sequences to the examiner's terminal."""
        def printable(text: str, limit: int) -> str:
            return "".join(c if c.isprintable() else "?" for c in text[:limit])

        self._run("INSERT INTO audit (utc, user, address, action, target, outcome) VALUES (?, ?, ?, ?, ?, ?)",
                  (utc_now(), printable(user, 200), address, action, printable(target, 500), printable(outcome, 500)))

    def audit_entries(self, limit: int | None = None) -> list[AuditEntry]:
        rows = self._run("SELECT seq, utc, user, address, action, target, outcome FROM audit ORDER BY seq DESC"
                         + (" LIMIT ?" if limit else ""), (limit,) if limit else ())
        return [AuditEntry(*row) for row in reversed(rows)]


def _check_password(password: str) -> None:
    if not MIN_PASSWORD_CHARACTERS <= len(password) <= MAX_PASSWORD_CHARACTERS:
        raise UsageError(f"the password must have {MIN_PASSWORD_CHARACTERS} to {MAX_PASSWORD_CHARACTERS} characters")


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, made once, checked for unknown names so that they take as long as known ones."""
    return PasswordHasher().hash(secrets.token_hex(16))


class LoginThrottle:
    """At most ``attempts`` failed logins per user name and per client address within ``window_s`` seconds; later
    attempts are refused, right password or not, until the oldest failure leaves the window."""

    def __init__(self, attempts: int = 5, window_s: float = 900.0):
        self.attempts, self.window_s = attempts, window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def refuses(self, name: str, address: str) -> float:
        """Seconds until a login for ``name`` from ``address`` may be tried again (0: it may now)."""
        now = time.monotonic()
        with self._lock:
            waits = [failures[0] + self.window_s - now for key in (f"user:{name}", f"address:{address}")
                     if len(failures := self._recent(key, now)) >= self.attempts]
        return max(waits, default=0.0)

    def failed(self, name: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"user:{name}", f"address:{address}"):
                self._recent(key, now).append(now)
