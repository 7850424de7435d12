"""The files a batch takes in: every regular file under the paths given, in a stable order, and what was left
out with why (nothing is skipped silently)."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def walk_sources(sources: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """(files, skipped): the regular files named or found under the folders named, recursively and sorted by path
    (absolute, so that every path recorded says where the file was);
    and each path left out with the reason. A symbolic link to a file is kept (intake records where it points);
    a symbolic link to a folder is not followed (it could loop, or lead outside what was seized); FIFOs, devices
    and sockets are left out, as reading them could block or never end."""
    files: list[str] = []
    skipped: list[tuple[str, str]] = []
    for source in sources:
        _visit(Path(os.path.abspath(source)), files, skipped, top=True)  # absolute, links not resolved
    return list(dict.fromkeys(files)), skipped


def _visit(path: Path, files: list[str], skipped: list[tuple[str, str]], top: bool = False) -> None:
    try:
        mode = path.lstat().st_mode
    except OSError as error:
        skipped.append((str(path), error.strerror or "cannot be read"))
        return
    if stat.S_ISLNK(mode):
        try:
            target = path.stat().st_mode
        except OSError:
            skipped.append((str(path), "a symbolic link to nothing"))
            return
        if stat.S_ISDIR(target) and not top:
            skipped.append((str(path), "a symbolic link to a folder (not followed)"))
            return
        mode = target
    if stat.S_ISDIR(mode):
        try:
            entries = sorted(os.scandir(path), key=lambda entry: entry.name)
        except OSError as error:
            skipped.append((str(path), f"folder cannot be listed ({error.strerror})"))
            return
        for entry in entries:
            _visit(Path(entry.path), files, skipped)
    elif stat.S_ISREG(mode):
        files.append(str(path))
    else:
        skipped.append((str(path), "not a regular file (a FIFO, device or socket)"))
