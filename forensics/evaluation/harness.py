"""Evaluate analysers on cases with known truth and write the error-rate file the report cites.

    forensics eval [--corpus ../shared/corpus] [--out results/] [--cache DIR] [--seed 0] [--ship]

Each evaluated analyser has a case builder (``forensics/evaluation/cases_<name>.py``) that returns labelled
files: corpus files with known labels and files generated from them with a known manipulation (cached
outside the repository, deterministic for a seed). Its ``PROPOSITION`` says which question the cases ask
(processing or content); the image-level score is the highest score of a finding bearing on it, and the
verbal level the highest strength. Two more evaluations, ``processing`` and ``content``, run *every*
analyser on each case and score the exhibit's conclusion on that proposition: what a report concludes.

Every case belongs to a split. "calibration" cases come from data used to design the method or set its
levels (their rates are optimistic); "validation" cases differ from them by source (other cameras, other
collections, other encoders, the other half of the faces). The printed table and the shipped file give
both, with 95 % bootstrap intervals; reports cite the validation column and say which data it came from.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import import_module
from pathlib import Path

import numpy as np

from forensics import __version__
from forensics.analysers import AnalysisContext, discover, run_analysers
from forensics.data import read_table, shipped_file
from forensics.errors import BadInputError
from forensics.evaluation.metrics import Interval, bootstrap, rates_at, roc_auc
from forensics.media import load_media
from forensics.results import Proposition, Status, Strength, strongest_finding

# Analysers with a case builder forensics/evaluation/cases_<name>.py, then the evaluations of the conclusions.
EVALUATED = ["metadata", "compression", "face", "lighting", "copy_move", "cfa", "video_encoding", "video_faces",
             "processing", "content"]
ALL_ANALYSERS = {"processing", "content"}  # evaluations that run every analyser and score the conclusion
SPLITS = ("calibration", "validation")
LEVELS = [Strength.WEAK, Strength.MODERATE, Strength.STRONG]
SHIPPED = shipped_file("error_rates.json")
DEFAULT_CACHE = Path.home() / ".cache" / "forensics" / "eval"


@dataclass(frozen=True)
class EvalCase:
    path: Path
    label: int  # 1 = manipulated/edited, 0 = untouched
    kind: str  # how the case was made, e.g. "camera original", "re-saved by Pillow, EXIF kept"
    source: str  # where it came from (corpus path or generator + corpus path)
    split: str = "validation"  # "calibration": data the method or its levels were designed on; see SPLITS
    # Collections of reference data (the camera-encoder table's originals) the analysers must not compare this
    # case with: the collection its file came from, so that no case is judged against its own original.
    held_out: tuple[str, ...] = ()


@dataclass
class CaseOutcome:
    case: EvalCase
    score: float
    level: int  # rank of the strongest finding's strength
    seconds: float


def _rates(outcomes: list[CaseOutcome], seed: int) -> dict:
    labels = np.array([o.case.label for o in outcomes], dtype=bool)
    scores = np.array([o.score for o in outcomes], dtype=float)
    levels = np.array([o.level for o in outcomes], dtype=float)
    return {
        "cases": len(outcomes), "positives": int(labels.sum()), "negatives": int((~labels).sum()),
        "auc": asdict(bootstrap(roc_auc, labels, scores, seed=seed)),
        "levels": {level.value: {
            "tpr": asdict(bootstrap(lambda truth, called: rates_at(truth, called, level.rank)[0], labels, levels, seed=seed)),
            "fpr": asdict(bootstrap(lambda truth, called: rates_at(truth, called, level.rank)[1], labels, levels, seed=seed)),
        } for level in LEVELS},
    }


@dataclass
class AnalyserEvaluation:
    analyser: str
    version: str
    question: str
    proposition: str = "processing"
    data: dict[str, str] = field(default_factory=dict)  # split -> what its cases are, in words
    outcomes: list[CaseOutcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self, seed: int) -> dict:
        """Rates per split. The top-level rates are the validation split's (what reports cite); "calibration"
        holds those measured on the data the levels were set on, for comparison."""
        by_split = {split: [o for o in self.outcomes if o.case.split == split] for split in SPLITS}
        result = {
            "analyser": self.analyser, "version": self.version, "question": self.question,
            "proposition": self.proposition, "data": self.data,
            **_rates(by_split["validation"], seed),
            "calibration": _rates(by_split["calibration"], seed) if by_split["calibration"] else None,
            "by_kind": [],
            "skipped": len(self.skipped),
            "mean_seconds_per_case": float(np.mean([o.seconds for o in self.outcomes])) if self.outcomes else None,
        }
        for split, outcomes in by_split.items():
            untouched = [o for o in outcomes if o.case.label == 0]
            for kind in dict.fromkeys(o.case.kind for o in outcomes):
                subset = [o for o in outcomes if o.case.kind == kind]
                entry = {
                    "kind": kind, "split": split, "label": subset[0].case.label, "cases": len(subset),
                    **{f"at_least_{level.value}": sum(o.level >= level.rank for o in subset) for level in LEVELS},
                }
                if subset[0].case.label == 1 and untouched:  # this manipulation against the split's untouched cases
                    both = subset + untouched
                    entry["auc_vs_untouched"] = asdict(bootstrap(
                        roc_auc, np.array([o.case.label for o in both], dtype=bool), np.array([o.score for o in both]),
                        seed=seed))
                result["by_kind"].append(entry)
        return result


def evaluate(name: str, corpus: Path, cache: Path, seed: int) -> AnalyserEvaluation:
    builder = import_module(f"forensics.evaluation.cases_{name}")
    proposition = Proposition(builder.PROPOSITION)
    if name in ALL_ANALYSERS:
        analysers, version = discover(), __version__
    else:
        analysers = [next(cls for cls in discover() if cls.name == name)]
        version = analysers[0].version
    evaluation = AnalyserEvaluation(name, version, builder.QUESTION, proposition.value, dict(builder.DATA))
    received = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    cases = builder.build_cases(corpus, cache / name, seed)
    began = time.perf_counter()
    for number, case in enumerate(cases, start=1):
        if number % 100 == 0:
            print(f"  {name}: {number} of {len(cases)} cases, {time.perf_counter() - began:.0f} s", file=sys.stderr)
        started = time.perf_counter()
        try:
            media = load_media(case.path)
        except BadInputError as error:
            evaluation.skipped.append(f"{case.source}: {error.reason}")
            continue
        context = AnalysisContext("EVAL", case.path.name, received, parameters={"held_out_sources": list(case.held_out)})
        results = run_analysers(media, context, analysers)
        ran = [r for r in results if r.status is Status.RAN]
        if not ran:
            evaluation.skipped.append(f"{case.source}: " + "; ".join(f"{r.status.value} ({r.reason})" for r in results))
            continue
        strongest = strongest_finding([f for r in ran for f in r.findings], proposition)
        evaluation.outcomes.append(CaseOutcome(
            case, strongest.score if strongest else 0.0, strongest.strength.rank if strongest else 0,
            time.perf_counter() - started,
        ))
    return evaluation


def format_tables(summaries: list[dict]) -> str:
    lines = []
    for s in summaries:
        calibration = s.get("calibration")
        lines.append(f"\n{s['analyser']} {s['version']} ({s['proposition']}): {s['question']}")
        for split in SPLITS:
            lines.append(f"  {split}: {s['data'].get(split, 'none')}")
        columns = [("calibration", calibration), ("validation", s if s["cases"] else None)]
        lines.append(f"  {'':<24} " + " ".join(f"{name + ' (' + str(block['cases'] if block else 0) + ' cases)':<56}"
                                              for name, block in columns))
        lines.append(f"  {'AUC':<24} " + " ".join(f"{str(Interval(**block['auc'])) if block else 'not measured':<56}"
                                                  for _, block in columns))
        lines.append(f"  {'called at':<24} " + " ".join(f"{'TPR':<28}{'FPR':<28}" for _ in columns))
        for level in (level.value for level in LEVELS):
            cells = []
            for _, block in columns:
                rates = block["levels"][level] if block else None
                cells.append(f"{str(Interval(**rates['tpr'])) if rates else '':<28}{str(Interval(**rates['fpr'])) if rates else '':<28}")
            lines.append(f"  {level + ' or stronger':<24} " + " ".join(cells))
        lines.append(f"  {'kind of case':<52} {'split':<12} {'label':<12} {'n':>4} {'>=weak':>7} {'>=mod.':>7} "
                     f"{'strong':>7}  AUC vs untouched")
        for k in s["by_kind"]:
            label = "manipulated" if k["label"] else "untouched"
            auc = str(Interval(**k["auc_vs_untouched"])) if "auc_vs_untouched" in k else ""
            lines.append(f"  {k['kind'][:52]:<52} {k['split']:<12} {label:<12} {k['cases']:>4} {k['at_least_weak']:>7} "
                         f"{k['at_least_moderate']:>7} {k['at_least_strong']:>7}  {auc}")
    return "\n".join(lines)


def run(corpus: Path, out: Path | None, cache: Path, seed: int, ship: bool, analysers: list[str] | None = None) -> int:
    if not (corpus / "metadata").is_dir():
        print(f"corpus not found at {corpus}: nothing to evaluate (evaluation needs ../shared/corpus)")
        return 0
    started = time.perf_counter()
    summaries = []
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    for name in analysers or EVALUATED:
        evaluation = evaluate(name, corpus, cache, seed)
        summary = evaluation.summary(seed)
        summary["skipped_cases"] = evaluation.skipped
        summary["date"] = today
        summaries.append(summary)
    document = _document({s["analyser"]: s for s in summaries}, seed)
    print(format_tables(summaries))
    print(f"\nevaluation took {time.perf_counter() - started:.0f} s")
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "error_rates.json").write_text(json.dumps(document, indent=1) + "\n")
        print(f"wrote {out / 'error_rates.json'}")
    if ship:
        # Re-evaluating some analysers replaces their entries; the others keep theirs, each with its own date.
        merged = {**((read_table(SHIPPED) or {}).get("analysers", {}) if analysers else {}), **document["analysers"]}
        ordered = {name: merged[name] for name in EVALUATED if name in merged}
        SHIPPED.write_text(json.dumps(_document(ordered, seed), indent=1) + "\n")
        print(f"wrote {SHIPPED} (the file reports cite)")
    return 0


def _document(summaries: dict[str, dict], seed: int) -> dict:
    return {
        "tool_version": __version__,
        "date": max(s.get("date", "") for s in summaries.values()) if summaries else None,
        "seed": seed,
        "corpus": "the project's development corpus and the public collections named per evaluation (data)",
        "platform": platform.platform(),
        "analysers": summaries,
    }
