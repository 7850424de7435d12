"""The evaluation harness: summaries from known outcomes, the shipped file, and end-to-end runs."""

import json
from pathlib import Path

import pytest

from forensics.evaluation.harness import SHIPPED, AnalyserEvaluation, CaseOutcome, EvalCase, run
from tests.helpers import CORPUS


def outcome(label: int, level: int, kind: str) -> CaseOutcome:
    return CaseOutcome(EvalCase(Path("x.jpg"), label, kind, "test"), score=level / 3, level=level, seconds=0.01)


def test_rates_are_given_per_split_and_the_top_level_is_the_validation_split():
    evaluation = AnalyserEvaluation("metadata", "1.0.0", "edited?")
    calibration = [CaseOutcome(EvalCase(Path("c.jpg"), label, "kind", "test", "calibration"), score=label, level=3 * label,
                               seconds=0.01) for label in (0, 1)]
    evaluation.outcomes = calibration + [outcome(1, 0, "re-saved"), outcome(0, 1, "original")]
    summary = evaluation.summary(seed=0)
    assert summary["calibration"]["auc"]["value"] == 1.0 and summary["auc"]["value"] == 0.0
    assert {k["split"] for k in summary["by_kind"]} == {"calibration", "validation"}


def test_summary_counts_and_rates_from_known_outcomes():
    evaluation = AnalyserEvaluation("metadata", "1.0.0", "edited?")
    evaluation.outcomes = [outcome(1, 2, "re-saved"), outcome(1, 1, "re-saved"), outcome(1, 3, "spliced"),
                           outcome(0, 0, "original"), outcome(0, 1, "original")]
    summary = evaluation.summary(seed=0)
    assert (summary["cases"], summary["positives"], summary["negatives"]) == (5, 3, 2)
    assert summary["levels"]["weak"]["tpr"]["value"] == 1.0 and summary["levels"]["weak"]["fpr"]["value"] == 0.5
    assert summary["levels"]["moderate"]["tpr"]["value"] == pytest.approx(2 / 3)
    assert summary["levels"]["moderate"]["fpr"]["value"] == 0.0
    # 6 (positive, negative) pairs; only the pair (1/3, 1/3) is tied, counting one half.
    assert summary["auc"]["value"] == pytest.approx(5.5 / 6)
    kinds = {k["kind"]: k for k in summary["by_kind"]}
    assert kinds["re-saved"]["at_least_moderate"] == 1 and kinds["original"]["at_least_weak"] == 1


def test_without_corpus_eval_says_so_and_succeeds(tmp_path, capsys):
    assert run(tmp_path / "no-corpus", None, tmp_path / "cache", 0, ship=False) == 0
    assert "corpus not found" in capsys.readouterr().out


def test_shipped_error_rates_cover_the_metadata_analyser():
    shipped = json.loads(SHIPPED.read_text())
    metadata = shipped["analysers"]["metadata"]
    assert metadata["cases"] >= 100 and {"weak", "moderate", "strong"} <= set(metadata["levels"])
    assert shipped["tool_version"] and shipped["date"]


@pytest.mark.corpus
@pytest.mark.slow
def test_metadata_evaluation_runs_end_to_end_on_the_corpus(tmp_path, capsys):
    assert run(CORPUS, tmp_path / "out", tmp_path / "cache", 0, ship=False, analysers=["metadata"]) == 0
    written = json.loads((tmp_path / "out" / "error_rates.json").read_text())["analysers"]["metadata"]
    calibration = written["calibration"]
    assert calibration["negatives"] >= 20 and calibration["positives"] >= 100 and calibration["auc"]["value"] > 0.8
    assert written["proposition"] == "processing" and "other collections" in written["data"]["validation"]
    if written["negatives"]:  # the validation collections are present
        assert written["levels"]["moderate"]["fpr"]["value"] <= 0.1
    output = capsys.readouterr().out
    assert "calibration (" in output and "validation (" in output


def test_bench_quick_runs(run_cli):
    code, stdout, _ = run_cli("bench", "--quick", "--corpus", "/nonexistent")
    assert code == 0
    assert "x decode" in stdout and "files/s" in stdout


def test_shipping_some_analysers_keeps_the_others_with_their_dates(tmp_path, monkeypatch):
    from forensics.evaluation import harness

    shipped = tmp_path / "error_rates.json"
    shipped.write_text(json.dumps({"date": "2026-01-01", "analysers": {
        "metadata": {"analyser": "metadata", "date": "2026-01-01", "cases": 1},
        "face": {"analyser": "face", "date": "2026-01-01", "cases": 7}}}))
    monkeypatch.setattr(harness, "SHIPPED", shipped)

    def evaluate(name, corpus, cache, seed):
        evaluation = AnalyserEvaluation(name, "9.9.9", "edited?")
        evaluation.outcomes = [outcome(1, 2, "re-saved"), outcome(0, 0, "original")]
        return evaluation

    monkeypatch.setattr(harness, "evaluate", evaluate)
    (tmp_path / "corpus" / "metadata").mkdir(parents=True)
    assert run(tmp_path / "corpus", None, tmp_path / "cache", 0, ship=True, analysers=["metadata"]) == 0
    written = json.loads(shipped.read_text())
    assert written["analysers"]["face"] == {"analyser": "face", "date": "2026-01-01", "cases": 7}
    metadata = written["analysers"]["metadata"]
    assert metadata["version"] == "9.9.9" and metadata["cases"] == 2
    assert metadata["date"] == written["date"] > "2026-01-01"


def test_a_case_is_not_compared_with_its_own_collection(tmp_path, monkeypatch):
    """EvalCase.held_out reaches the analysers as the run parameter held_out_sources."""
    from PIL import Image

    from forensics.evaluation import harness

    path = tmp_path / "photo.png"
    Image.new("RGB", (16, 16)).save(path)
    seen = []

    def run_analysers(media, context, analysers):
        seen.append(context.parameters)
        return []

    class Builder:
        PROPOSITION, QUESTION, DATA = "processing", "edited?", {}

        @staticmethod
        def build_cases(corpus, cache, seed):
            return [EvalCase(path, 0, "original", "test", held_out=("collection-a",))]

    monkeypatch.setattr(harness, "run_analysers", run_analysers)
    monkeypatch.setattr(harness, "import_module", lambda name: Builder)
    harness.evaluate("metadata", tmp_path, tmp_path / "cache", 0)
    assert seen == [{"held_out_sources": ["collection-a"]}]
