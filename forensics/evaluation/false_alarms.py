"""False alarms on untouched camera originals, per make, per proposition and per finding.

    python -m forensics.evaluation.false_alarms [--corpus ../shared/corpus]

Every analyser runs on every untouched original (``collections.all_originals``): the calibration originals of the
corpus's metadata-extractor-images, and every accepted original of the validation collections (not capped per
model here), each compared with the camera-encoder table less its own collection's originals. A false alarm is a
conclusion at "moderate" or stronger on either proposition; the table gives, per make, how many originals reached
weak and moderate on each, and the findings that did (by key), with the rule-of-three bound when none did.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

from forensics.analysers import AnalysisContext, discover, run_analysers
from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.collections import CALIBRATION, all_originals
from forensics.media import load_media
from forensics.results import Proposition, Strength, conclude


def originals(corpus: Path) -> list[tuple[str, Path, str, str]]:
    """(split, path, make, collection) of every untouched original."""
    return [("calibration" if collection is CALIBRATION else "validation", Path(check.path), check.make, collection.name)
            for collection, check in all_originals(corpus)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    corpus = parser.parse_args(argv).corpus
    analysers = discover()
    rows: dict[tuple[str, str], Counter] = defaultdict(Counter)
    firing: dict[str, Counter] = defaultdict(Counter)
    for split, path, make, collection in originals(corpus):
        # Not compared with its own collection's originals in the camera-encoder table (it is one of them).
        context = AnalysisContext("FA", path.name, parameters={"held_out_sources": [collection]})
        results = run_analysers(load_media(path), context, analysers)
        make = (make or "?").split()[0].capitalize()
        row = rows[(split, make)]
        row["originals"] += 1
        for conclusion in conclude(results):
            for level in (Strength.WEAK, Strength.MODERATE):
                if conclusion.strength.rank >= level.rank:
                    row[f"{conclusion.proposition.value} {level.value}+"] += 1
                    if level is Strength.MODERATE:
                        firing[split].update(conclusion.findings)
        either = [c for c in conclude(results) if c.strength.rank >= Strength.MODERATE.rank]
        row["either moderate+"] += bool(either)
        if either:
            print(f"  moderate+ on {path.name} ({split}): " + "; ".join(f"{c.proposition.value}: {', '.join(c.findings)}"
                                                                         for c in either))
    columns = [f"{p.value} {level}+" for p in Proposition for level in ("weak", "moderate")] + ["either moderate+"]
    print(f"\n{'split':<12} {'make':<18} {'n':>4} " + " ".join(f"{c:>21}" for c in columns))
    for split in ("calibration", "validation"):
        total = Counter()
        for (row_split, make), row in sorted(rows.items()):
            if row_split != split:
                continue
            total.update(row)
            print(f"{split:<12} {make:<18} {row['originals']:>4} " + " ".join(f"{row[c]:>21}" for c in columns))
        n = total["originals"]
        if n:
            bound = f"{3 / n:.1%} (rule of three)" if total["either moderate+"] == 0 else ""
            print(f"{split:<12} {'all':<18} {n:>4} " + " ".join(f"{total[c]:>21}" for c in columns) +
                  f"   moderate+ on either: {total['either moderate+'] / n:.1%} {bound}")
            print(f"  findings at moderate+ ({split}): " + (", ".join(f"{k} {v}" for k, v in firing[split].most_common()) or "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
