"""Re-saves whose earlier compression was coarser than the last, on validation data: how many the processing
conclusion rates moderate or stronger (issue 19 aims at 90 %).

    python -m forensics.evaluation.coarser_first [--corpus ../shared/corpus] [--cache ~/.cache/forensics/eval]

The cases are the processing evaluation's validation re-saves by OpenCV (libjpeg-turbo: another encoder than the
Pillow the levels were set with) at qualities 95, 85 and 75 of the untouched originals of other collections. A
re-save counts as "earlier compression coarser" when the IJG quality nearest to its original's luminance table is
below the re-save's quality; cameras' own tables are not IJG tables, so the nearest quality is an approximation,
printed with its RMS distance. Each case is analysed as ``forensics eval`` analyses it (every analyser, the
original's collection left out of the camera-encoder table); the table gives, per re-save quality, how many reached
moderate or stronger with the Clopper-Pearson interval, and every case below moderate with its strongest finding.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import jpegio
import numpy as np

from forensics.algorithms.jpeg_quality import nearest_ijg_quality
from forensics.analysers import AnalysisContext, discover, run_analysers
from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.cases_processing import validation_cases
from forensics.evaluation.metrics import clopper_pearson
from forensics.media import load_media
from forensics.results import Proposition, Strength, conclude

RESAVE_KIND = "re-saved by OpenCV at quality {}, metadata dropped"
RESAVE_QUALITIES = (95, 85, 75)


def earlier_is_coarser(original_table: np.ndarray, quality: int) -> tuple[bool, int, float]:
    """Whether a re-save at IJG ``quality`` follows a coarser compression with ``original_table`` (luminance, 8x8):
    the IJG quality nearest to that table is below ``quality``; with that nearest quality and its RMS distance."""
    nearest, rms = nearest_ijg_quality(original_table)
    return nearest < quality, nearest, rms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "forensics" / "eval")
    options = parser.parse_args(argv)
    if not (options.corpus / "metadata").is_dir():
        print(f"corpus not found at {options.corpus}: nothing to count (the validation cases are made from it and from "
              "the collections of untouched originals)")
        return 0
    cases = validation_cases(options.corpus, options.cache / "processing" / "validation")
    originals = {case.source: case.path for case in cases if case.label == 0}
    analysers = discover()
    total_found = total = 0
    for quality in RESAVE_QUALITIES:
        kind = RESAVE_KIND.format(quality)
        found, misses, coarser = 0, [], 0
        for case in (c for c in cases if c.kind == kind):
            original = originals[case.source.removeprefix(f"{kind}: ")]
            is_coarser, nearest, rms = earlier_is_coarser(jpegio.read(str(original)).quant_tables[0], quality)
            if not is_coarser:
                continue
            coarser += 1
            context = AnalysisContext("EVAL", case.path.name, parameters={"held_out_sources": list(case.held_out)})
            processing = next(c for c in conclude(run_analysers(load_media(case.path), context, analysers))
                              if c.proposition is Proposition.PROCESSING)
            if processing.strength.rank >= Strength.MODERATE.rank:
                found += 1
            else:
                misses.append(f"    {original.name} (nearest IJG quality {nearest}, RMS {rms:.2f}): "
                              f"{processing.strength.value} ({', '.join(processing.findings) or 'no finding'})")
        if coarser:
            low, high = clopper_pearson(found, coarser)
            print(f"OpenCV re-save at {quality}: earlier compression coarser in {coarser}; moderate or stronger "
                  f"{found} ({100 * found / coarser:.0f} % [{100 * low:.0f} %, {100 * high:.0f} %])")
        else:
            print(f"OpenCV re-save at {quality}: no original with a coarser compression")
        if misses:
            print("\n".join(misses))
        total_found, total = total_found + found, total + coarser
    if total:
        low, high = clopper_pearson(total_found, total)
        print(f"all: {total_found} of {total} ({100 * total_found / total:.0f} % [{100 * low:.0f} %, {100 * high:.0f} %])")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
