"""Which analyses a resumed batch leaves alone: only one that finished the same way."""

from __future__ import annotations

from forensics.batch.engine import covered, finished_analyses
from forensics.case.custody import Event


def started(analysers: list[tuple[str, str]], megapixels: float = 120.0) -> dict:
    return {"exhibit_id": "E001", "analysers": [{"name": n, "version": v, "parameters": {}} for n, v in analysers],
            "limits": {"max_megapixels": megapixels}, "c2pa_trust_anchors_sha256": None}


def event(seq: int, action: str, details: dict) -> Event:
    return Event(seq, "2026-11-29T00:00:00Z", "examiner", action, details, "", "")


def test_only_finished_analyses_count():
    log = [event(1, "analysis.started", started([("metadata", "2.6.0")])),
           event(2, "analysis.finished", {"exhibit_id": "E001", "started_seq": 1}),
           event(3, "analysis.started", started([("metadata", "2.6.0"), ("face", "0.2.1")]))]  # interrupted
    assert finished_analyses(log) == {"E001": [log[0].details]}


def test_the_same_or_a_wider_analysis_covers_a_request_and_anything_else_does_not():
    done = [started([("file_identity", "1.4.0"), ("metadata", "2.6.0"), ("face", "0.2.1")])]
    assert covered(started([("metadata", "2.6.0")]), done)  # a triage after a full analysis
    assert not covered(started([("metadata", "2.7.0")]), done)  # a new version
    assert not covered(started([("metadata", "2.6.0"), ("cfa", "0.1.1")]), done)  # more analysers
    assert not covered(started([("metadata", "2.6.0")], megapixels=50), done)  # other limits
