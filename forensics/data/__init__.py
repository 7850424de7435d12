"""Data tables shipped with the package (each with the command that rebuilds it)."""

from __future__ import annotations

import json
from pathlib import Path


def read_table(path: Path) -> dict | None:
    """A shipped JSON table, or None when it has not been built (the analyser then claims no strength)."""
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
