"""MD5, SHA-1 and SHA-256 of a stream in one pass, optionally copying it at the same time.

The three digests are updated in parallel threads (hashlib releases the GIL on large buffers), so the
pass costs about as much as the slowest digest rather than the sum of all three, and the file is read
once, in fixed-size chunks, whatever its size.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Digests:
    md5: str
    sha1: str
    sha256: str
    size: int


def digest_stream(source: BinaryIO, copy_to: BinaryIO | None = None, chunk_bytes: int = CHUNK_BYTES) -> Digests:
    hashers = [hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False), hashlib.sha256()]
    size = 0
    with ThreadPoolExecutor(max_workers=len(hashers)) as pool:
        pending: list = []
        while chunk := source.read(chunk_bytes):
            # Wait for the previous chunk's updates before starting this one: digests must see chunks in order.
            for future in pending:
                future.result()
            pending = [pool.submit(h.update, chunk) for h in hashers]
            if copy_to is not None:
                copy_to.write(chunk)
            size += len(chunk)
        for future in pending:
            future.result()
    md5, sha1, sha256 = (h.hexdigest() for h in hashers)
    return Digests(md5=md5, sha1=sha1, sha256=sha256, size=size)


def digest_file(path: str, chunk_bytes: int = CHUNK_BYTES) -> Digests:
    with open(path, "rb") as handle:
        return digest_stream(handle, chunk_bytes=chunk_bytes)


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 alone, streamed (for checks where the three intake digests are not needed)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()
