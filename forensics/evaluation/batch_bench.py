"""How fast ``forensics batch`` goes on this machine, and what the Dask engine costs.

    python -m forensics.evaluation.batch_bench [--corpus ../shared/corpus] [--files 200] [--tiny 200]

Printed as one table: a full batch of ``--files`` mixed corpus files (pictures of every kind and short videos,
spread over the corpus in path order) with 1 and with 2 workers; a triage of the corpus's camera JPEGs; ``--tiny``
16 x 16 pictures in triage, against the same examinations run in one process without Dask (the engine's cost per
file); the peak memory of the client and of the workers; and the machine's own ceiling for two workers (two copies
of a fixed CPU-bound job started together, against one alone). Each batch writes a fresh case in a temporary
folder; the local cluster's start is timed apart (a batch of 500,000 files pays it once).
"""

from __future__ import annotations

import argparse
import io
import resource
import tempfile
import time
from pathlib import Path

from forensics.evaluation import DEFAULT_CORPUS

MAX_FILE_BYTES = 20 * 2**20  # a long video would dominate a throughput meant for a mix


def mixed_files(corpus: Path, count: int) -> list[Path]:
    from forensics.evaluation.robustness import corpus_files
    from forensics.media import sniff

    candidates = []
    for path in corpus_files(corpus):
        if path.stat().st_size > MAX_FILE_BYTES:
            continue
        with open(path, "rb") as handle:
            if sniff(handle.read(1024)) is not None:
                candidates.append(path)
    step = max(1, len(candidates) // count)
    return candidates[::step][:count]


def camera_jpegs(corpus: Path) -> list[Path]:
    return sorted((corpus / "metadata" / "metadata-extractor" / "jpg").glob("*.jpg"))


def timed_batch(files: list[Path], workers: int, triage: bool):
    """One batch of ``files`` in a fresh case on a local cluster of ``workers``: its BatchOutcome."""
    from forensics.batch.engine import BatchOptions, run_batch
    from forensics.case import Case

    with tempfile.TemporaryDirectory() as folder:
        links = Path(folder) / "files"
        links.mkdir()
        for index, path in enumerate(files):
            (links / f"{index:04d}-{path.name}").symlink_to(path)
        with Case.init(Path(folder) / "case", "BENCH", "bench", "") as case:
            return run_batch(case, [str(links)], BatchOptions(workers=workers, triage=triage), "bench", "bench")


def direct(files: list[Path], triage: bool) -> float:
    """The same examinations in this process, one after another, without Dask or a case."""
    from forensics.analysers import AnalysisContext, run_analysers
    from forensics.batch.engine import TRIAGE_ANALYSERS
    from forensics.media import PixelsUndecodable, load_media

    chosen = None
    if triage:
        from forensics.analysers import discover

        chosen = [a for a in discover() if a.name in TRIAGE_ANALYSERS]
    began = time.perf_counter()
    for path in files:
        try:
            media = load_media(path)
        except PixelsUndecodable as undecodable:
            media = undecodable.media
        run_analysers(media, AnalysisContext("E", path.name), chosen, threads=1)
    return time.perf_counter() - began


def _fixed_work() -> float:
    """Seconds for a fixed mix of Python and numpy work (no I/O, one thread)."""
    import numpy as np

    began = time.perf_counter()
    total = 0
    for number in range(20_000_000):
        total += number
    values = np.random.default_rng(0).random((1500, 1500)).astype(np.float32)
    for _ in range(100):
        values = np.sqrt(values * 1.0001 + 0.1)
    return time.perf_counter() - began


def _fixed_work_together(start, seconds) -> None:
    _fixed_work()  # imported and warm
    start.wait()
    seconds.put(_fixed_work())


def machine_ceiling(processes: int = 2, repeats: int = 5) -> float:
    """How much faster ``processes`` independent copies of a fixed job, started together, run than one alone
    (median of ``repeats``): the most that ``processes`` workers could gain on this machine (virtual cores can
    share physical ones, and a virtual machine's neighbours take their share)."""
    import multiprocessing
    import statistics

    context = multiprocessing.get_context("spawn")
    ratios = []
    for _ in range(repeats):
        alone = _fixed_work()
        start, seconds = context.Barrier(processes), context.Queue()
        copies = [context.Process(target=_fixed_work_together, args=(start, seconds)) for _ in range(processes)]
        for copy in copies:
            copy.start()
        longest = max(seconds.get() for _ in copies)
        for copy in copies:
            copy.join()
        ratios.append(processes * alone / longest)
    return statistics.median(ratios)


def tiny_pictures(folder: Path, count: int) -> list[Path]:
    import numpy as np
    from PIL import Image

    paths = []
    for index in range(count):
        buffer = io.BytesIO()
        Image.fromarray(np.full((16, 16, 3), index % 256, np.uint8)).save(buffer, "PNG")
        path = folder / f"tiny-{index:04d}.png"
        path.write_bytes(buffer.getvalue() + index.to_bytes(4, "big"))  # distinct bytes: no duplicates
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--tiny", type=int, default=200)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}: nothing to measure")
        return 0
    rows = ["| batch | workers | files | cluster start | intake | analysis | files/s | peak worker RSS |",
            "|---|---|---|---|---|---|---|---|"]

    def add(name: str, files: list[Path], workers: int, triage: bool) -> float:
        outcome = timed_batch(files, workers, triage)
        analysed = len(outcome.analysed)
        rows.append(f"| {name} | {workers} | {analysed} of {len(files)} | {outcome.cluster_s:.1f} s | "
                    f"{outcome.intake_s:.1f} s | {outcome.analysis_s:.1f} s | {analysed / outcome.analysis_s:.2f} | "
                    f"{outcome.worker_peak_rss_mb:.0f} MB |")
        return outcome.analysis_s

    mixed = mixed_files(args.corpus, args.files)
    one = add("full, mixed corpus files", mixed, 1, False)
    two = add("full, mixed corpus files", mixed, 2, False)
    cameras = camera_jpegs(args.corpus)
    add("triage, camera JPEGs", cameras, 1, True)
    add("triage, camera JPEGs", cameras, 2, True)
    with tempfile.TemporaryDirectory() as folder:
        tiny = tiny_pictures(Path(folder), args.tiny)
        engine_time = add("triage, 16 x 16 PNGs", tiny, 1, True)
        in_process = direct(tiny, triage=True)
    print("\n".join(rows))
    print(f"\nspeed-up with 2 workers on the mixed files: {one / two:.2f}x (two copies of a fixed CPU-bound job "
          f"run {machine_ceiling(2):.2f}x as fast as one on this machine)")
    print(f"engine cost per file (tiny files, 1 worker, against the same examinations in one process without Dask): "
          f"{1000 * (engine_time - in_process) / len(tiny):.1f} ms")
    print(f"client peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
