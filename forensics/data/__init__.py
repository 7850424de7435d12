"""Data tables shipped with the package (each with the command that rebuilds it), found through one helper."""

from __future__ import annotations

import json
from pathlib import Path

SHIPPED_DATA = Path(__file__).resolve().parent


def shipped_file(name: str) -> Path:
    """The path of a shipped data file ("error_rates.json", "models/face_blend.onnx"), built or not."""
    return SHIPPED_DATA / name


def read_table(path: Path) -> dict | None:
    """A shipped JSON table, or None when it has not been built (the analyser then claims no strength)."""
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None


def evaluation_data_sets() -> list[dict]:
    """The data sets the shipped error rates were measured on (name, what, source, licence), for Appendix E."""
    return (read_table(shipped_file("evaluation_data.json")) or {}).get("data_sets", [])


def shipped_error_rates() -> dict:
    """The error rates measured by the last shipped evaluation (``forensics eval --ship``); empty if none was."""
    return read_table(shipped_file("error_rates.json")) or {}
