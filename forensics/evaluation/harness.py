"""Evaluate analysers on cases with known truth and write the error-rate file the report cites.

    forensics eval [--corpus ../shared/corpus] [--out results/] [--cache DIR] [--seed 0] [--ship]

Each evaluated analyser has a case builder (``forensics/evaluation/cases_<name>.py``) that returns labelled
files: corpus files with known labels and files generated from them with a known manipulation (cached
outside the repository, deterministic for a seed). Every case is analysed by that analyser alone; the
image-level score is the highest finding score, and the verbal level the highest finding strength. The
printed table gives AUC and, for each verbal level, the true- and false-positive rates of calling a file
manipulated when a finding reaches that level, with 95 % bootstrap intervals.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import import_module
from pathlib import Path

import numpy as np

from forensics import __version__
from forensics.analyzers import AnalysisContext, discover, run_analysers
from forensics.errors import BadInputError
from forensics.evaluation.metrics import Interval, bootstrap, rates_at, roc_auc
from forensics.media import load_media
from forensics.results import Status, Strength

EVALUATED = ["metadata", "compression", "face", "lighting", "copy_move", "cfa", "video_encoding", "video_faces"]  # analysers with a case builder forensics/evaluation/cases_<name>.py
LEVELS = [Strength.WEAK, Strength.MODERATE, Strength.STRONG]
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "error_rates.json"
DEFAULT_CACHE = Path.home() / ".cache" / "forensics" / "eval"


@dataclass(frozen=True)
class EvalCase:
    path: Path
    label: int  # 1 = manipulated/edited, 0 = untouched
    kind: str  # how the case was made, e.g. "camera original", "re-saved by Pillow, EXIF kept"
    source: str  # where it came from (corpus path or generator + corpus path)


@dataclass
class CaseOutcome:
    case: EvalCase
    score: float
    level: int  # rank of the strongest finding's strength
    seconds: float


@dataclass
class AnalyserEvaluation:
    analyser: str
    version: str
    question: str
    outcomes: list[CaseOutcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self, seed: int) -> dict:
        labels = np.array([o.case.label for o in self.outcomes], dtype=bool)
        scores = np.array([o.score for o in self.outcomes], dtype=float)
        levels = np.array([o.level for o in self.outcomes], dtype=float)
        result = {
            "analyser": self.analyser, "version": self.version, "question": self.question,
            "cases": len(self.outcomes), "positives": int(labels.sum()), "negatives": int((~labels).sum()),
            "auc": asdict(bootstrap(roc_auc, labels, scores, seed=seed)),
            "levels": {},
            "by_kind": [],
            "skipped": len(self.skipped),
            "mean_seconds_per_case": float(np.mean([o.seconds for o in self.outcomes])) if self.outcomes else None,
        }
        for level in LEVELS:
            result["levels"][level.value] = {
                "tpr": asdict(bootstrap(lambda l, s: rates_at(l, s, level.rank)[0], labels, levels, seed=seed)),
                "fpr": asdict(bootstrap(lambda l, s: rates_at(l, s, level.rank)[1], labels, levels, seed=seed)),
            }
        untouched = [o for o in self.outcomes if o.case.label == 0]
        for kind in dict.fromkeys(o.case.kind for o in self.outcomes):
            subset = [o for o in self.outcomes if o.case.kind == kind]
            entry = {
                "kind": kind, "label": subset[0].case.label, "cases": len(subset),
                **{f"at_least_{level.value}": sum(o.level >= level.rank for o in subset) for level in LEVELS},
            }
            if subset[0].case.label == 1 and untouched:  # this manipulation against every untouched case
                both = subset + untouched
                entry["auc_vs_untouched"] = asdict(bootstrap(
                    roc_auc, np.array([o.case.label for o in both], dtype=bool), np.array([o.score for o in both]), seed=seed))
            result["by_kind"].append(entry)
        return result


def evaluate(name: str, corpus: Path, cache: Path, seed: int) -> AnalyserEvaluation:
    builder = import_module(f"forensics.evaluation.cases_{name}")
    analyser = next(cls for cls in discover() if cls.name == name)
    evaluation = AnalyserEvaluation(name, analyser.version, builder.QUESTION)
    context = AnalysisContext("EVAL", "case", received_utc=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    for case in builder.build_cases(corpus, cache / name, seed):
        started = time.perf_counter()
        try:
            media = load_media(case.path)
        except BadInputError as error:
            evaluation.skipped.append(f"{case.source}: {error.reason}")
            continue
        result = run_analysers(media, AnalysisContext(context.exhibit_id, case.path.name, context.received_utc), [analyser])[0]
        if result.status is not Status.RAN:
            evaluation.skipped.append(f"{case.source}: {result.status.value} ({result.reason})")
            continue
        strongest = result.strongest
        evaluation.outcomes.append(CaseOutcome(
            case, strongest.score if strongest else 0.0, strongest.strength.rank if strongest else 0,
            time.perf_counter() - started,
        ))
    return evaluation


def format_tables(summaries: list[dict]) -> str:
    lines = []
    for s in summaries:
        lines.append(f"\n{s['analyser']} {s['version']}: {s['question']}")
        lines.append(f"  cases {s['cases']} (manipulated {s['positives']}, untouched {s['negatives']}); "
                     f"skipped {s['skipped']}; AUC {Interval(**s['auc'])}")
        lines.append(f"  {'called manipulated at':<24} {'true-positive rate':<26} {'false-positive rate':<26}")
        for level, rates in s["levels"].items():
            lines.append(f"  {level + ' or stronger':<24} {str(Interval(**rates['tpr'])):<26} {str(Interval(**rates['fpr'])):<26}")
        lines.append(f"  {'kind of case':<52} {'label':<12} {'n':>4} {'>=weak':>7} {'>=mod.':>7} {'strong':>7}  AUC vs untouched")
        for k in s["by_kind"]:
            label = "manipulated" if k["label"] else "untouched"
            auc = str(Interval(**k["auc_vs_untouched"])) if "auc_vs_untouched" in k else ""
            lines.append(f"  {k['kind'][:52]:<52} {label:<12} {k['cases']:>4} {k['at_least_weak']:>7} "
                         f"{k['at_least_moderate']:>7} {k['at_least_strong']:>7}  {auc}")
    return "\n".join(lines)


def run(corpus: Path, out: Path | None, cache: Path, seed: int, ship: bool, analysers: list[str] | None = None) -> int:
    if not (corpus / "metadata").is_dir():
        print(f"corpus not found at {corpus}: nothing to evaluate (evaluation needs ../shared/corpus)")
        return 0
    started = time.perf_counter()
    summaries = []
    for name in analysers or EVALUATED:
        evaluation = evaluate(name, corpus, cache, seed)
        summary = evaluation.summary(seed)
        summary["skipped_cases"] = evaluation.skipped
        summaries.append(summary)
    document = {
        "tool_version": __version__,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "seed": seed,
        "corpus": "../shared/corpus (see its README for provenance and licences)",
        "platform": platform.platform(),
        "analysers": {s["analyser"]: s for s in summaries},
    }
    print(format_tables(summaries))
    print(f"\nevaluation took {time.perf_counter() - started:.0f} s")
    text = json.dumps(document, indent=1) + "\n"
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "error_rates.json").write_text(text)
        print(f"wrote {out / 'error_rates.json'}")
    if ship:
        SHIPPED.write_text(text)
        print(f"wrote {SHIPPED} (the file reports cite)")
    return 0


def shipped_error_rates() -> dict:
    """The error rates measured by the last shipped evaluation (empty if none was shipped)."""
    try:
        return json.loads(SHIPPED.read_text("utf-8"))
    except FileNotFoundError:
        return {}
