"""Measure the demosaicing analyser's statistics on the training half of its cases (never the cases
``forensics eval`` uses) and print what its constants rest on.

    python -m forensics.evaluation.calibrate_cfa [--corpus ../shared/corpus] [--cache DIR]

Per kind of case: the picture trace (``MIN_TRACE`` must separate never-demosaiced from demosaiced pictures)
and the shares of the picture covered by the largest region lacking the pattern and by the largest with it
shifted (``LEVELS``: "weak" above the largest share of each on untouched demosaiced pictures).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from forensics.algorithms.cfa import lattice_blocks, picture_trace
from forensics.analysers.cfa import BLOCK_PX, LEVELS, MIN_TRACE, cfa_regions
from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.cases_cfa import cfa_cases
from forensics.evaluation.harness import DEFAULT_CACHE
from forensics.evaluation.metrics import roc_auc
from forensics.media import load_media


def statistics(path: Path) -> tuple[float, float, float]:
    """The picture trace and the largest missing and shifted regions' shares (0 under ``MIN_TRACE``)."""
    blocks = lattice_blocks(load_media(path).pixels, BLOCK_PX)
    trace = picture_trace(blocks)
    if abs(trace) < MIN_TRACE:
        return abs(trace), 0.0, 0.0
    missing, shifted = cfa_regions(blocks)
    return abs(trace), missing.share, shifted.share


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not (args.corpus / "metadata").is_dir():
        print(f"corpus not found at {args.corpus}: nothing to calibrate")
        return 0
    cases = cfa_cases(args.corpus, args.cache / "cfa", args.seed, "train")
    measured = {case.path: statistics(case.path) for case in cases}
    print(f"{'kind of case (training half)':<52} {'n':>3} {'trace min':>9} {'max':>6}   "
          f"{'missing median':>14} {'max':>6}   {'shifted median':>14} {'max':>6}")
    for kind in dict.fromkeys(case.kind for case in cases):
        values = np.array([measured[case.path] for case in cases if case.kind == kind])
        print(f"{kind[:52]:<52} {len(values):>3} {values[:, 0].min():>9.3f} {values[:, 0].max():>6.3f}   "
              f"{np.median(values[:, 1]):>14.3f} {values[:, 1].max():>6.3f}   {np.median(values[:, 2]):>14.3f} "
              f"{values[:, 2].max():>6.3f}")
    labels = np.array([case.label for case in cases], dtype=bool)
    values = np.array([measured[case.path] for case in cases])
    for column, kind in ((1, "missing"), (2, "shifted")):
        print(f"{kind}: training-half AUC {roc_auc(labels, values[:, column]):.3f}; largest untouched share "
              f"{values[~labels, column].max():.3f}; shipped levels " +
              ", ".join(f"{level.value} from {share:.1%}" for share, level in LEVELS[kind]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
