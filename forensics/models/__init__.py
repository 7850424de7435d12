"""Trained models that ship inside registry packages, loaded from disk once per process (never downloaded)."""

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """SHA-256 of a model or calibration file, streamed: the identity every report names a trained component by."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
