"""The quantised DCT coefficients of a JPEG file, exactly as stored (pyjpegio, on libjpeg)."""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import numpy as np

from forensics.algorithms.dct import coefficient_blocks


class CoefficientsUnavailable(Exception):
    """libjpeg could not read the coefficients (it refuses some files Pillow decodes), with the reason."""


@dataclass(frozen=True)
class JpegCoefficients:
    luma_blocks: np.ndarray  # (blocks_y, blocks_x, 8, 8) int16 quantised luminance coefficients, contiguous
    restart_interval: int
    ac_huffman_bits: list[int] | None  # BITS[1..16] of the first AC Huffman table
    warnings: tuple[str, ...]  # what libjpeg said about the file while reading it


@contextmanager
def native_stderr_captured() -> Iterator[list[str]]:
    """Collect what native code writes to file descriptor 2 (libjpeg's "Corrupt JPEG data" warnings).

    They bypass Python's sys.stderr, would break the CLI's one-line errors, and say something about the file,
    so they become the analysers' warnings instead.
    """
    lines: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield lines
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            lines.extend(sink.read(64 * 1024).decode("utf-8", "replace").splitlines()[:20])


def read_coefficients(path: str, decoded_shape: tuple[int, int]) -> JpegCoefficients:
    """Read the luminance coefficients of the JPEG at ``path``; they must cover ``decoded_shape`` (height, width)."""
    import jpegio  # pyjpegio

    try:
        with native_stderr_captured() as captured:
            stored = jpegio.read(path)
    except Exception as error:
        raise CoefficientsUnavailable(f"the DCT coefficients cannot be read ({str(error)[:120]})") from None
    # One copy (later reshapes are views), in libjpeg's own coefficient type (JCOEF, 16 bits): half the memory of
    # jpegio's int32, with every value kept.
    blocks = np.ascontiguousarray(coefficient_blocks(stored.coef_arrays[0]), dtype=np.int16)
    if blocks.shape[0] * 8 < decoded_shape[0] - 7 or blocks.shape[1] * 8 < decoded_shape[1] - 7:
        raise CoefficientsUnavailable("the DCT coefficients read do not cover the decoded image (a malformed or "
                                      "multi-frame file)")
    blocks.setflags(write=False)
    bits = [int(c) for c in stored.ac_huff_tables[0]["counts"][:16]] if stored.ac_huff_tables else None
    return JpegCoefficients(blocks, int(stored.restart_interval), bits,
                            tuple(f"libjpeg: {line}" for line in captured if line.strip()))
