"""Errors a user can cause, each mapped to a documented exit code.

The CLI prints these as one line (``error: <message>``) and exits with ``exit_code``; anything else is
an internal error (exit 1) and is reported the same way, with the traceback only under ``--verbose``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_BAD_INPUT = 3
EXIT_CASE = 4
EXIT_VERIFY_FAILED = 5


class ForensicsError(Exception):
    exit_code = EXIT_INTERNAL


class UsageError(ForensicsError):
    """An option's value cannot be used (a malformed or ambiguous hash, ...)."""

    exit_code = EXIT_USAGE


class BadInputError(ForensicsError):
    """The evidence file cannot be taken in or decoded (missing, empty, not media, truncated...)."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class CaseError(ForensicsError):
    """The case folder is missing, not a case, or cannot be written."""

    exit_code = EXIT_CASE


class VerificationFailed(ForensicsError):
    exit_code = EXIT_VERIFY_FAILED


class NotApplicable(Exception):
    """Raised by an analyser (or a helper it calls) that finds, after looking, that it cannot analyse this media,
    with the reason. Not an error: the result says "not applicable" and why."""


def describe_error(error: BaseException) -> str:
    """An exception as the one-line reason a message can carry: its first line, at most 200 characters (its type's
    name when it says nothing). Decoders raise with many types and long texts."""
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:200]
