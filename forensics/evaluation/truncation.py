"""How much of a cut-short file is still examined: every corpus JPEG and PNG cut at 10, 50 and 90 % of its bytes.

    python -m forensics.evaluation.truncation [--corpus ../shared/corpus] [--jobs 2] [--limit N]

Each cut copy is decoded as ``forensics analyze`` decodes it and given to every analyser. Printed per format and
cut: how many copies were still analysed (a copy of which not one row decodes has its metadata and structure
analysed alone; any other refusal is exit 3), how many had pixels decoded and the median share of rows, how many
copies each analyser ran on, and any analyser failure (a bug) or exception (a crash).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from forensics.evaluation import DEFAULT_CORPUS

SHARES = (0.1, 0.5, 0.9)
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}


def examine(job: tuple[str, float]) -> dict:
    """One cut copy: whether it was analysed, the share of rows decoded, and each analyser's status."""
    from forensics.analysers import AnalysisContext, run_analysers
    from forensics.errors import BadInputError
    from forensics.media import PixelsUndecodable, load_media

    path, share = job
    data = Path(path).read_bytes()
    with tempfile.NamedTemporaryFile(suffix=Path(path).suffix) as cut:
        cut.write(data[: max(1, int(len(data) * share))])
        cut.flush()
        try:
            media = load_media(cut.name)
        except PixelsUndecodable as undecodable:
            media = undecodable.media
        except BadInputError:
            return {"path": path, "share": share, "analysed": False}
        except Exception as error:  # a crash of the loader: counted, never hidden
            return {"path": path, "share": share, "analysed": False, "crash": f"{type(error).__name__}: {error}"[:200]}
        rows = None
        if media.pixels is not None and media.height:
            rows = (media.decoded_rows if media.partial else media.height) / media.height
        results = run_analysers(media, AnalysisContext("CUT", Path(path).name), threads=1)
    return {"path": path, "share": share, "analysed": True, "rows": rows,
            "statuses": {result.name: result.status.value for result in results},
            "failures": [f"{r.name}: {r.reason}" for r in results if r.status.value == "failed"]}


def table(outcomes: list[dict]) -> str:
    groups: dict[tuple[str, float], list[dict]] = defaultdict(list)
    for outcome in outcomes:
        groups[(FORMATS[Path(outcome["path"]).suffix.lower()], outcome["share"])].append(outcome)
    # The analysers that ran on at least one copy (the video ones never apply to a picture).
    analysers = sorted({name for o in outcomes for name, status in o.get("statuses", {}).items() if status == "ran"})
    lines = ["| format | cut at | copies | analysed | pixels decoded | median rows decoded | " + " | ".join(analysers)
             + " | failures |", "|---|---|---|---|---|---|" + "---|" * len(analysers) + "---|"]
    for (kind, share), group in sorted(groups.items()):
        analysed = [o for o in group if o["analysed"]]
        ran = Counter(name for o in analysed for name, status in o["statuses"].items() if status == "ran")
        rows = [o["rows"] for o in analysed if o["rows"] is not None]
        failures = sum(len(o["failures"]) for o in analysed) + sum("crash" in o for o in group)
        lines.append(f"| {kind} | {share:.0%} | {len(group)} | {len(analysed)} ({len(analysed) / len(group):.0%}) | "
                     f"{len(rows)} ({len(rows) / len(group):.0%}) | " + (f"{np.median(rows):.0%} | " if rows else "- | "))
        lines[-1] += " | ".join(str(ran[name]) for name in analysers) + f" | {failures} |"
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--limit", type=int, help="only the first N files of each format")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}: nothing to measure")
        return 0
    files: list[Path] = []
    for kind in sorted(set(FORMATS.values())):
        found = [p for p in sorted(args.corpus.rglob("*")) if p.is_file() and FORMATS.get(p.suffix.lower()) == kind]
        files += found[: args.limit]
    jobs = [(str(path), share) for path in files for share in SHARES]
    # Imported once here: the forked workers inherit them instead of importing each (and the code they run is
    # the code as it was when the measurement started).
    import forensics.analysers
    import forensics.media  # noqa: F401

    forensics.analysers.discover()
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.jobs, maxtasksperchild=50) as pool:
        outcomes = list(pool.imap_unordered(examine, jobs, chunksize=4))
    print(table(outcomes))
    for outcome in outcomes:
        for failure in outcome.get("failures", []) + ([outcome["crash"]] if "crash" in outcome else []):
            print(f"FAIL {outcome['path']} cut at {outcome['share']:.0%}: {failure}")
    print(f"\n{len(jobs)} cut copies of {len(files)} files in {time.perf_counter() - started:.0f} s")
    return 1 if any(o.get("failures") or "crash" in o for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
