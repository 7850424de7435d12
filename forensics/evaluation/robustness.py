"""Walk every corpus file (and generated hostile files) through ``forensics analyze`` under time and memory bounds.

    python -m forensics.evaluation.robustness [--corpus ../shared/corpus] [--timeout 60] [--memory-mb 2048] [--jobs 2]

Each file runs in its own forked process: ``forensics analyze FILE --case TMP --no-report --threads 1`` (the real entry
point), then ``case verify`` on the new case and a hash of the file before and after. A file passes when the
exit code is 0 or the documented bad-input code 3, the run ends within the timeout, the process's peak RSS
stays within the memory bound, the evidence is unchanged and the case verifies. Exit code 1 is an internal
error (what would have been a traceback) and fails the walk. Prints the counts, the slowest file, the peak
memory and every failure; exits non-zero if there is any.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import resource
import struct
import tempfile
import time
import zlib
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from forensics.case.hashing import sha256_file
from forensics.evaluation import DEFAULT_CORPUS

SKIPPED_SUFFIXES = {".txt", ".out", ".csv", ".md", ".cfg", ".xml", ".npy"}


@dataclass
class Outcome:
    path: str
    exit_code: int | None  # None: killed at the timeout
    seconds: float
    peak_rss_mb: float
    evidence_unchanged: bool
    case_verified: bool
    stderr: str

    def problems(self, memory_mb: float) -> list[str]:
        found = []
        if self.exit_code is None:
            found.append("timed out")
        elif self.exit_code not in (0, 3):
            found.append(f"exit code {self.exit_code}: {self.stderr.strip()[:200]}")
        if self.peak_rss_mb > memory_mb:
            found.append(f"peak RSS {self.peak_rss_mb:.0f} MB")
        if not self.evidence_unchanged:
            found.append("evidence file changed")
        if not self.case_verified:
            found.append("case does not verify")
        if "Traceback" in self.stderr:
            found.append("printed a traceback")
        return found


def _child(path: str, connection) -> None:
    from forensics.case import Case
    from forensics.cli import main

    before = sha256_file(path)
    stdout, stderr = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="forensics-walk-") as folder:
        case = Path(folder) / "case"
        with redirect_stdout(stdout), redirect_stderr(stderr):
            # One thread per file: the walk already runs ``jobs`` files at once, and their analysers' threads would
            # only compete for the same cores (12 % slower on two cores; results do not depend on threads).
            code = main(["analyze", path, "--case", str(case), "--no-report", "-q", "--threads", "1"])
        seconds = time.perf_counter() - started
        try:
            with Case.open(case) as opened:
                verified = opened.verify().ok
        except Exception:
            verified = False
    connection.send(Outcome(path, code, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                            sha256_file(path) == before, verified, stderr.getvalue()))
    connection.close()


def walk(files: list[Path], timeout: float, jobs: int) -> list[Outcome]:
    # Import everything once here: forked children inherit it instead of paying ~0.5 s of imports per file.
    import forensics.cli  # noqa: F401
    import forensics.workflow  # noqa: F401
    from forensics.analysers import discover
    from forensics.models.faces import ModelsMissing, default_face_model

    discover()
    try:
        default_face_model()  # loaded once (about a second); the forked children share it
    except ModelsMissing:
        pass
    context = multiprocessing.get_context("fork")
    pending, running, outcomes = list(files), [], []
    while pending or running:
        while pending and len(running) < jobs:
            path = str(pending.pop(0))
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(path, sender), daemon=True)
            process.start()
            sender.close()
            running.append((process, receiver, path, time.monotonic()))
        still = []
        for process, receiver, path, started in running:
            if receiver.poll(0.02):
                try:
                    outcomes.append(receiver.recv())
                except EOFError:  # the child died without reporting (a crash of native code)
                    outcomes.append(Outcome(path, -1, time.monotonic() - started, 0, True, True, "process died"))
                process.join()
            elif not process.is_alive():
                process.join()
                outcomes.append(Outcome(path, process.exitcode if process.exitcode else -1, time.monotonic() - started,
                                        0, True, True, f"process died with code {process.exitcode}"))
            elif time.monotonic() - started > timeout:
                process.kill()
                process.join()
                outcomes.append(Outcome(path, None, timeout, 0, True, True, ""))
            else:
                still.append((process, receiver, path, started))
        running = still
    return outcomes


def hostile_files(folder: Path, corpus: Path) -> list[Path]:
    """Zero-length, truncated and bomb-like files made here (their content is ours, not the corpus's)."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []

    def write(name: str, data: bytes) -> None:
        (folder / name).write_bytes(data)
        made.append(folder / name)

    write("empty.jpg", b"")
    write("png-declaring-100000x100000.png", _png(100_000, 100_000, b"\x00" * 16))
    write("png-declaring-15000x15000.png", _png(15_000, 15_000, b"\x00" * 16))
    # 10000 x 10000 grey zeros: a 100 kB file that really inflates to 100 MP; must decode within the bounds.
    row = b"\x00" + b"\x00" * 10_000
    write("png-inflating-to-100MP.png", _png(10_000, 10_000, row * 10_000, colour_type=0))
    samples = [p for p in sorted(corpus.rglob("*")) if p.suffix.lower() in (".jpg", ".png", ".mp4", ".mov", ".avi")][:12]
    for index, source in enumerate(samples):
        data = source.read_bytes()
        for fraction in (0.02, 0.3, 0.7, 0.97):
            write(f"truncated-{index}-{int(fraction * 100)}{source.suffix.lower()}", data[: max(1, int(len(data) * fraction))])
    return made


def _png(width: int, height: int, raw: bytes, colour_type: int = 2) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def corpus_files(corpus: Path) -> list[Path]:
    return [p for p in sorted(corpus.rglob("*")) if p.is_file() and p.suffix.lower() not in SKIPPED_SUFFIXES
            and p.name not in ("SHA256SUMS", "LICENSE", "README", "PROVENANCE.txt")]


def report(outcomes: list[Outcome], memory_mb: float, elapsed: float) -> tuple[str, int]:
    codes = Counter("timeout" if o.exit_code is None else o.exit_code for o in outcomes)
    failures = [(o, p) for o in outcomes if (p := o.problems(memory_mb))]
    slowest = max(outcomes, key=lambda o: o.seconds)
    heaviest = max(outcomes, key=lambda o: o.peak_rss_mb)
    lines = [
        f"files: {len(outcomes)}   wall time: {elapsed:.0f} s",
        "exit codes: " + ", ".join(f"{code}: {count}" for code, count in sorted(codes.items(), key=str)),
        f"slowest: {slowest.seconds:.2f} s ({slowest.path})",
        f"peak RSS: {heaviest.peak_rss_mb:.0f} MB ({heaviest.path})",
        f"evidence changed: {sum(not o.evidence_unchanged for o in outcomes)}; "
        f"cases not verifying: {sum(not o.case_verified for o in outcomes)}; failures: {len(failures)}",
    ]
    lines += [f"FAIL {o.path}: {'; '.join(p)}" for o, p in failures]
    return "\n".join(lines), len(failures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per file")
    parser.add_argument("--memory-mb", type=float, default=2048.0, help="peak RSS bound per file")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, help="walk only the first N corpus files")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="forensics-hostile-") as folder:
        files = hostile_files(Path(folder), args.corpus if args.corpus.is_dir() else Path(folder))
        if args.corpus.is_dir():
            files += corpus_files(args.corpus)[: args.limit]
        else:
            print(f"corpus not found at {args.corpus}: walking generated hostile files only")
        outcomes = walk(files, args.timeout, args.jobs)
    text, failures = report(outcomes, args.memory_mb, time.perf_counter() - started)
    print(text)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
