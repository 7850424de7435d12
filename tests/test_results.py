"""Results: every finding names its proposition, and each exhibit concludes on the two separately."""

from __future__ import annotations

import pytest

from forensics.results import (
    SCHEMA_VERSION,
    AnalyserResult,
    CaseInfo,
    EvidenceResult,
    Finding,
    Proposition,
    ResultsDocument,
    RunInfo,
    Status,
    Strength,
    UnsupportedSchema,
    conclude,
)


def finding(key: str, proposition: Proposition, strength: Strength, score: float) -> Finding:
    return Finding(key=key, proposition=proposition, title=key, explanation="", strength=strength, score=score,
                   method="", reference="")


def test_a_resave_supports_processing_and_says_nothing_about_content():
    results = [AnalyserResult("compression", "1", Status.RAN, findings=[
        finding("compression.double_jpeg.aligned", Proposition.PROCESSING, Strength.STRONG, 0.9),
        finding("compression.structure", Proposition.PROCESSING, Strength.NONE, 0.0)])]
    processing, content = conclude(results)
    assert (processing.proposition, processing.strength, processing.findings) == (
        Proposition.PROCESSING, Strength.STRONG, ["compression.double_jpeg.aligned"])
    assert (content.proposition, content.strength, content.findings) == (Proposition.CONTENT, Strength.NONE, [])


def test_the_findings_that_drive_a_conclusion_are_those_at_its_level_strongest_first():
    results = [
        AnalyserResult("face", "1", Status.RAN, findings=[
            finding("face.boundary.1", Proposition.CONTENT, Strength.MODERATE, 0.85),
            finding("face.blend.1", Proposition.CONTENT, Strength.MODERATE, 0.97),
            finding("face.boundary.2", Proposition.CONTENT, Strength.WEAK, 0.6)]),
        AnalyserResult("metadata", "1", Status.RAN, findings=[
            finding("metadata.dates", Proposition.PROCESSING, Strength.WEAK, 0.3)]),
    ]
    processing, content = conclude(results)
    assert content.strength is Strength.MODERATE and content.score == 0.97
    assert content.findings == ["face.blend.1", "face.boundary.1"]
    assert processing.findings == ["metadata.dates"]


def sample_document() -> ResultsDocument:
    analysers = [AnalyserResult("face", "1", Status.RAN, findings=[
        finding("face.blend.1", Proposition.CONTENT, Strength.WEAK, 0.7)])]
    return ResultsDocument("0.1.0", RunInfo("2026-11-28T00:00:00Z", "2026-11-28T00:00:01Z", "test"),
                           CaseInfo("C", "N", "E", "A"),
                           [EvidenceResult("E001", "f.jpg", 1, "image/jpeg", "0" * 32, "0" * 40, "0" * 64,
                                           analysers, conclude(analysers))], {})


def test_results_round_trip_through_json_with_conclusions_and_propositions():
    document = sample_document()
    again = ResultsDocument.from_json(document.to_json())
    assert again == document
    assert again.evidence[0].conclusion(Proposition.CONTENT).findings == ["face.blend.1"]


def test_results_of_an_earlier_schema_are_refused_with_their_version():
    with pytest.raises(UnsupportedSchema, match="schema 1.0"):
        ResultsDocument.from_dict({"schema_version": "1.0"})


def test_a_document_of_the_previous_minor_schema_is_still_read():
    # 2.1 only allowed JPEG figures: a 2.0 document (stored in a case before) is re-rendered, not refused.
    document = ResultsDocument.from_dict({**sample_document().to_dict(), "schema_version": "2.0"})
    assert document.schema_version == "2.0" and SCHEMA_VERSION == "2.2"
