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

SCHEMA_VERSION = "1.0"


class Strength(str, Enum):
    """How strongly a finding supports the proposition that the file was manipulated.

    ``none`` is a measurement or observation that does not bear on manipulation (for example the file's
    dimensions); the other levels follow the spirit of the ENFSI verbal scale, from ``weak`` to ``strong``.
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
    media_type: str  # "image/png" or "image/svg+xml"
    data_base64: str
    sha256: str

    @classmethod
    def from_bytes(cls, title: str, caption: str, media_type: str, data: bytes) -> Figure:
        return cls(title, caption, media_type, base64.b64encode(data).decode("ascii"), hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class Finding:
    title: str
    explanation: str
    strength: Strength
    score: float  # in [0, 1]; higher means stronger support for manipulation
    method: str
    reference: str
    measurements: list[Measurement] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.score}")


def strongest_finding(findings: list[Finding]) -> Finding | None:
    """The finding that most supports manipulation: highest verbal level, then highest score."""
    return max(findings, key=lambda f: (f.strength.rank, f.score), default=None)


@dataclass(frozen=True)
class AppendixEntry:
    """One raw value for the report's appendix (e.g. every metadata tag), shown grouped and escaped."""

    group: str
    name: str
    value: str


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

    @property
    def strongest(self) -> Finding | None:
        return strongest_finding(self.findings)


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


def _evidence_from_dict(data: dict[str, Any]) -> EvidenceResult:
    return EvidenceResult(**{**data, "analysers": [_analyser_from_dict(a) for a in data["analysers"]]})


def _analyser_from_dict(data: dict[str, Any]) -> AnalyserResult:
    return AnalyserResult(
        **{
            **data,
            "status": Status(data["status"]),
            "findings": [_finding_from_dict(f) for f in data["findings"]],
            "appendix": [AppendixEntry(**e) for e in data.get("appendix", [])],
        }
    )


def _finding_from_dict(data: dict[str, Any]) -> Finding:
    return Finding(
        **{
            **data,
            "strength": Strength(data["strength"]),
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
