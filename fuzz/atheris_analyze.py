"""Coverage-guided fuzzing of the parsers and the analysis path with atheris (libFuzzer), on demand.

    .venv/bin/pip install atheris==3.0.0
    .venv/bin/python fuzz/atheris_analyze.py -max_total_time=600 -rss_limit_mb=2048 fuzz/corpus/

The seed corpus is written into ``fuzz/corpus/`` on first run (small files made here). A crash writes
``crash-<sha1>`` in the working directory: copy it into ``tests/robustness/regressions/`` (the test suite
replays every file there), then fix the bug. CI runs the bounded property-based fuzzing in
tests/robustness/test_fuzz.py instead, which needs no native fuzzer.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from forensics.algorithms.exif import read_exif
    from forensics.algorithms.jpeg_structure import parse_jpeg
    from forensics.algorithms.png_chunks import parse_png
    from forensics.algorithms.xmp import find_packets, parse_xmp
    from forensics.analysers import AnalysisContext, run_analysers
    from forensics.errors import BadInputError
    from forensics.media import load_media
    from forensics.results import Status

WORKDIR = Path(tempfile.mkdtemp(prefix="forensics-atheris-"))
CONTEXT = AnalysisContext("FUZZ", "fuzzed.bin", received_utc="2026-01-01T00:00:00.000000Z")


def test_one_input(data: bytes) -> None:
    parse_jpeg(data)
    parse_png(data)
    read_exif(data)
    for packet in find_packets(data):
        parse_xmp(packet)
    path = WORKDIR / "input"
    path.write_bytes(data)
    try:
        media = load_media(path)
    except BadInputError:
        return
    for result in run_analysers(media, CONTEXT):
        if result.status is Status.FAILED:
            raise RuntimeError(f"analyser {result.name} failed: {result.reason}")


def write_seeds(folder: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.robustness.test_fuzz import SEEDS

    folder.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(SEEDS):
        (folder / f"seed-{index}").write_bytes(seed)


if __name__ == "__main__":
    corpus_arguments = [a for a in sys.argv[1:] if not a.startswith("-")]
    for folder in corpus_arguments:
        if not any(Path(folder).glob("*")):
            write_seeds(Path(folder))
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
