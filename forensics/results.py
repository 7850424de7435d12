"""Typed results shared by analysers, the case store and the report.

Everything here is plain data: dataclasses that serialise to the versioned JSON document described by
``forensics/schema/results.schema.json``. That JSON is a public interface (fact-checkers' pipelines and our
own evaluation read ``strength`` and ``score``), so field names change only with ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

SCHEMA_VERSION = "2.2"
# Versions this one reads: 2.1 only allowed JPEG figures and 2.2 only added a figure's picture area (absent: none),
# so every 2.0 and 2.1 document is a valid 2.2 document.
READABLE_SCHEMA_VERSIONS = ("2.0", "2.1", "2.2")


class Proposition(str, Enum):
    """The question a finding bears on. Courts and newsrooms ask the two separately: a re-save alone can be
    strong support for processing and no support at all for content manipulation."""

    PROCESSING = "processing"  # the file was re-encoded, converted, resized or edited by software after capture
    CONTENT = "content"  # what the picture shows was altered: splice, copy-move, inpainting, face swap, relighting


class Strength(str, Enum):
    """How strongly a finding supports its proposition (processing, or content manipulation).

    ``none`` is a measurement or observation that does not support it (for example the file's dimensions);
    the other levels follow the spirit of the ENFSI verbal scale, from ``weak`` to ``strong``.
    """

    NONE = "none"
    WEAK = "weak"
    MODERATE = "moderate"
    STRONG = "strong"

    @property
    def rank(self) -> int:
        return _STRENGTH_ORDER.index(self)


_STRENGTH_ORDER = [Strength.NONE, Strength.WEAK, Strength.MODERATE, Strength.STRONG]


class Status(str, Enum):
    RAN = "ran"
    NOT_APPLICABLE = "not_applicable"
    FAILED = "failed"


Value = int | float | str | bool | None | list[Any]


@dataclass(frozen=True)
class Measurement:
    name: str
    value: Value
    unit: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Figure:
    """A picture that illustrates a finding, stored inline so results stay self-contained."""

    title: str
    caption: str
    media_type: str  # "image/png", "image/jpeg" or "image/svg+xml"
    data_base64: str
    sha256: str
    # [width, height] in the figure's pixels when its top-left part of that size is a map drawn over the whole
    # picture (upright): the web page then lays the map over the picture itself, with an opacity slider.
    picture_area: list[int] | None = None

    @classmethod
    def from_bytes(cls, title: str, caption: str, media_type: str, data: bytes,
                   picture_area: list[int] | None = None) -> Figure:
        return cls(title, caption, media_type, base64.b64encode(data).decode("ascii"), hashlib.sha256(data).hexdigest(),
                   picture_area)


@dataclass(frozen=True, kw_only=True)
class Finding:
    # Stable identifier, "<analyser>.<what>" with ".<n>" for the n-th face, track or region: tests, calibration,
    # evaluation and examiners' annotations select findings by it, never by the title a reader sees.
    key: str
    proposition: Proposition
    title: str
    explanation: str
    strength: Strength
    score: float  # in [0, 1]; higher means stronger support for the proposition
    method: str
    reference: str
    measurements: list[Measurement] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score}")


def strongest_finding(findings: list[Finding], proposition: Proposition | None = None) -> Finding | None:
    """The finding that most supports ``proposition`` (either, when None): highest verbal level, then score."""
    relevant = [f for f in findings if proposition is None or f.proposition is proposition]
    return max(relevant, key=lambda f: (f.strength.rank, f.score), default=None)


@dataclass(frozen=True)
class TrainedComponent:
    """A trained model an analyser used for this result: what it is, what it learned from, its licence and
    the SHA-256 of the file, so that a report can name every one (and say "none" only when that is true)."""

    name: str
    kind: str  # e.g. "face detector (HOG + linear classifier)", "neural network (ONNX)", "logistic calibration"
    trained_on: str
    licence: str
    file: str
    sha256: str


@dataclass(frozen=True)
class AppendixEntry:
    """One raw value for the report's appendix (e.g. every metadata tag), shown grouped and escaped."""

    group: str
    name: str
    value: str

    @classmethod
    def shortened(cls, group: str, name: str, text: str, limit: int) -> AppendixEntry:
        """An entry whose value is ``text`` with unprintable characters shown as "?" and cut after ``limit``
        characters (saying how long it was): metadata is untrusted and can be megabytes long."""
        text = "".join(c if c.isprintable() or c in "\n\t" else "?" for c in text)
        return cls(group, name, text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)")


@dataclass(frozen=True)
class AnalyserResult:
    name: str
    version: str
    status: Status
    reason: str | None = None  # why not applicable, or why it failed
    parameters: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    appendix: list[AppendixEntry] = field(default_factory=list)
    trained_components: list[TrainedComponent] = field(default_factory=list)

    @property
    def strongest(self) -> Finding | None:
        return strongest_finding(self.findings)


@dataclass(frozen=True)
class Conclusion:
    """One exhibit's answer to one proposition: the strongest level any finding reached, and which did."""

    proposition: Proposition
    strength: Strength
    score: float
    findings: list[str]  # keys of the findings at that level, strongest score first (empty at "none")


def conclude(analysers: list[AnalyserResult]) -> list[Conclusion]:
    """The strongest level per proposition over every analyser's findings, with the findings that drive it."""
    conclusions = []
    for proposition in Proposition:
        findings = [f for a in analysers for f in a.findings if f.proposition is proposition]
        top = strongest_finding(findings)
        if top is None or top.strength is Strength.NONE:
            conclusions.append(Conclusion(proposition, Strength.NONE, top.score if top else 0.0, []))
            continue
        driving = sorted((f for f in findings if f.strength is top.strength), key=lambda f: -f.score)
        conclusions.append(Conclusion(proposition, top.strength, top.score, [f.key for f in driving]))
    return conclusions


@dataclass(frozen=True)
class EvidenceResult:
    exhibit_id: str
    file_name: str
    size_bytes: int
    media_type: str
    md5: str
    sha1: str
    sha256: str
    analysers: list[AnalyserResult] = field(default_factory=list)
    conclusions: list[Conclusion] = field(default_factory=list)  # conclude(analysers); one per proposition

    def conclusion(self, proposition: Proposition) -> Conclusion:
        return next(c for c in self.conclusions if c.proposition is proposition)


@dataclass(frozen=True)
class RunInfo:
    started_utc: str
    finished_utc: str
    command: str


@dataclass(frozen=True)
class CaseInfo:
    case_id: str
    case_number: str
    examiner: str
    agency: str


@dataclass(frozen=True)
class ResultsDocument:
    tool_version: str
    run: RunInfo
    case: CaseInfo
    evidence: list[EvidenceResult]
    environment: dict[str, str]
    schema_version: str = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ResultsDocument:
        if data.get("schema_version") not in READABLE_SCHEMA_VERSIONS:
            raise UnsupportedSchema(data.get("schema_version"))
        return cls(
            schema_version=data["schema_version"],
            tool_version=data["tool_version"],
            run=RunInfo(**data["run"]),
            case=CaseInfo(**data["case"]),
            evidence=[_evidence_from_dict(e) for e in data["evidence"]],
            environment=dict(data["environment"]),
        )

    @classmethod
    def from_json(cls, text: str) -> ResultsDocument:
        return cls.from_dict(json.loads(text))


class UnsupportedSchema(ValueError):
    """Results written under another schema version (by an earlier release); they stay readable as JSON."""

    def __init__(self, version: object) -> None:
        super().__init__(f"results use schema {version}, this version reads {SCHEMA_VERSION}")
        self.version = version


def _evidence_from_dict(data: dict[str, Any]) -> EvidenceResult:
    return EvidenceResult(**{
        **data,
        "analysers": [_analyser_from_dict(a) for a in data["analysers"]],
        "conclusions": [Conclusion(**{**c, "proposition": Proposition(c["proposition"]),
                                      "strength": Strength(c["strength"])}) for c in data["conclusions"]],
    })


def _analyser_from_dict(data: dict[str, Any]) -> AnalyserResult:
    return AnalyserResult(
        **{
            **data,
            "status": Status(data["status"]),
            "findings": [_finding_from_dict(f) for f in data["findings"]],
            "appendix": [AppendixEntry(**e) for e in data["appendix"]],
            "trained_components": [TrainedComponent(**m) for m in data["trained_components"]],
        }
    )


def _finding_from_dict(data: dict[str, Any]) -> Finding:
    return Finding(
        **{
            **data,
            "strength": Strength(data["strength"]),
            "proposition": Proposition(data["proposition"]),
            "measurements": [Measurement(**m) for m in data["measurements"]],
            "figures": [Figure(**f) for f in data["figures"]],
        }
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
