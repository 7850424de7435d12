"""The steps the CLI chains together: take files into a case, analyse verified copies, compose results.

Data flows one way: evidence -> case (intake) -> media (decoded once) -> analysers -> results -> report.
Each step records itself in the custody log before it starts and after it ends.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from forensics import __version__
from forensics.analysers import AnalysisContext, discover, run_analysers
from forensics.analysers.base import EvidenceModified, Timing, recorded_parameters
from forensics.case import Case, EvidenceRecord
from forensics.case.annotations import (
    ANNOTATION_ACTION,
    MAX_COMMENT_CHARACTERS,
    Annotation,
    ReviewStatus,
    annotation_details,
    current_annotations,
)
from forensics.case.hashing import sha256_file
from forensics.case.store import VerificationReport, utc_now
from forensics.errors import BadInputError, CaseError, UsageError
from forensics.media import Limits, PixelsUndecodable, load_media
from forensics.media.loader import QUICK_SCALE
from forensics.results import (
    AnalyserResult,
    CaseInfo,
    EvidenceResult,
    Finding,
    ResultsDocument,
    RunInfo,
    UnsupportedSchema,
    conclude,
)

_LIBRARIES = ["numpy", "scipy", "opencv-python-headless", "pillow", "exifread", "jinja2", "weasyprint", "pymediainfo", "c2pa-python"]


def environment() -> dict[str, str]:
    """The Python, platform and library versions recorded with every results document."""
    return dict(_environment())


@functools.cache
def _environment() -> dict[str, str]:
    # Read once per process: looking up nine packages' metadata took 14 ms, more than half of what a batch's
    # client spent recording each file.
    versions = {"python": platform.python_version(), "platform": platform.platform()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def case_info(case: Case) -> CaseInfo:
    meta = case.meta
    return CaseInfo(case_id=meta["case_id"], case_number=meta["case_number"], examiner=meta["examiner"], agency=meta["agency"])


@dataclass
class IntakeOutcome:
    records: list[EvidenceRecord] = field(default_factory=list)
    errors: list[BadInputError] = field(default_factory=list)


def take_in(case: Case, paths: list[str], actor: str, received_from: str = "", note: str = "") -> IntakeOutcome:
    outcome = IntakeOutcome()
    for path in paths:
        try:
            record, _ = case.add_evidence(path, actor, received_from=received_from, note=note)
        except BadInputError as error:
            outcome.errors.append(error)
            continue
        if record not in outcome.records:
            outcome.records.append(record)
    return outcome


def analyse_exhibit(
    case: Case,
    record: EvidenceRecord,
    actor: str,
    command: str,
    limits: Limits = Limits(),
    on_timing: Callable[[Timing], None] | None = None,
    on_progress: Callable[[float], None] | None = None,
    threads: int | None = None,
    c2pa_trust_anchors: str = "",
    on_warning: Callable[[str], None] | None = None,
) -> str:
    """Analyse the case's copy of one exhibit; store and log the results; return the results' SHA-256.

    ``c2pa_trust_anchors``: PEM certificates the examiner trusts to sign Content Credentials (the metadata
    analysis validates C2PA signers against them; their SHA-256 is logged and stated in the finding).
    ``on_warning`` is told, in one line, when the file could only be analysed in part (cut short or damaged, or
    a picture whose pixels cannot be decoded at all: its metadata and structure are still examined).

    Raises BadInputError (after logging ``analysis.failed``) when nothing of the copy can be examined (refused by
    the limits, a video without one decodable frame), and CaseError when the evidence object no longer has the
    hash recorded at intake.
    """
    request = AnalysisRequest.for_record(case, record, limits, c2pa_trust_anchors=c2pa_trust_anchors)
    started = start_analysis(case, request, actor)
    examination = examine(request, on_timing=on_timing, on_progress=on_progress, threads=threads)
    if examination.decoding_note and on_warning:
        on_warning(f"{record.original_name}: {examination.decoding_note}")
    return finish_analysis(case, record, examination, started, actor, command)


@dataclass(frozen=True)
class AnalysisRequest:
    """Everything needed to examine one evidence object, in plain values: it travels to batch workers."""

    exhibit_id: str
    original_name: str
    received_utc: str
    sha256: str
    object_path: str  # the case's read-only copy (batch workers must see the case folder at the same path)
    analysers: tuple[str, ...]  # names, in the order they run
    limits: Limits
    c2pa_trust_anchors: str = ""
    quick: bool = False  # decode JPEGs at reduced size (a triage, whose analysers read metadata and structure)

    @classmethod
    def for_record(cls, case: Case, record: EvidenceRecord, limits: Limits = Limits(),
                   analysers: list[str] | None = None, c2pa_trust_anchors: str = "", quick: bool = False) -> AnalysisRequest:
        names = tuple(analysers) if analysers else tuple(a.name for a in discover())
        return cls(record.exhibit_id, record.original_name, record.intake_utc, record.sha256,
                   str(case.object_path(record.sha256)), names, limits, c2pa_trust_anchors, quick)

    def analyser_classes(self) -> list:
        chosen = {a.name: a for a in discover()}
        return [chosen[name] for name in self.analysers]

    def started_details(self) -> dict:
        """What ``analysis.started`` records: which analysers, versions and parameters, under which limits."""
        return {
            "exhibit_id": self.exhibit_id,
            "sha256": self.sha256,
            "analysers": [{"name": a.name, "version": a.version, "parameters": recorded_parameters(a)}
                          for a in self.analyser_classes()],
            "limits": {"max_megapixels": self.limits.max_megapixels, "max_image_bytes": self.limits.max_image_bytes,
                       "max_frames": self.limits.max_frames},
            "c2pa_trust_anchors_sha256": hashlib.sha256(self.c2pa_trust_anchors.encode()).hexdigest()
            if self.c2pa_trust_anchors else None,
            **({"decode": f"JPEG at up to 1/{QUICK_SCALE} size (triage)"} if self.quick else {}),
        }


@dataclass
class Examination:
    """What examining one evidence object gave: its results, or why there are none. Plain values (picklable)."""

    started_utc: str
    finished_utc: str
    sha256_before: str
    sha256_after: str | None = None
    results: list[AnalyserResult] | None = None
    decoding_note: str | None = None  # what of the file could not be decoded
    bad_input: str | None = None  # why nothing of it could be examined
    evidence_modified: str | None = None  # an analyser changed the evidence object (a bug)


def start_analysis(case: Case, request: AnalysisRequest, actor: str):
    """Log ``analysis.started`` for ``request``; return the event (its sequence number links the end to it)."""
    return case.log("analysis.started", actor, request.started_details())


def examine(request: AnalysisRequest, on_timing: Callable[[Timing], None] | None = None,
            on_progress: Callable[[float], None] | None = None, threads: int | None = None) -> Examination:
    """Decode the evidence object and run the requested analysers on it. Writes nothing: the caller records the
    outcome (``finish_analysis``), so this can run on a batch worker while the client alone writes to the case."""
    started_utc = utc_now()
    before = sha256_file(request.object_path)
    if before != request.sha256:
        return Examination(started_utc, utc_now(), before)
    try:
        media = load_media(request.object_path, request.limits, quick=request.quick)
    except PixelsUndecodable as undecodable:
        media = undecodable.media  # its metadata and structure are still examined
    except BadInputError as error:
        return Examination(started_utc, utc_now(), before, before, bad_input=error.reason)
    context = AnalysisContext(exhibit_id=request.exhibit_id, original_name=request.original_name,
                              received_utc=request.received_utc, progress=on_progress,
                              parameters={"c2pa_trust_anchors": request.c2pa_trust_anchors}
                              if request.c2pa_trust_anchors else {})
    try:
        results = run_analysers(media, context, request.analyser_classes(), on_timing=on_timing, threads=threads)
    except EvidenceModified as error:
        return Examination(started_utc, utc_now(), before, sha256_file(request.object_path), evidence_modified=str(error))
    return Examination(started_utc, utc_now(), before, sha256_file(request.object_path), results=results,
                       decoding_note=media.decoding_note)


def finish_analysis(case: Case, record: EvidenceRecord, examination: Examination, started, actor: str,
                    command: str) -> str:
    """Record an examination of ``record`` begun by ``started``: store its results and log ``analysis.finished``
    (return the results' SHA-256), or log ``analysis.failed`` and raise BadInputError or CaseError."""

    def fail(reason: str) -> None:
        case.log("analysis.failed", actor, {"exhibit_id": record.exhibit_id, "reason": reason, "started_seq": started.seq})

    if examination.evidence_modified:  # the most precise account of a changed object: which analyser did it
        fail(examination.evidence_modified)
        raise CaseError(f"{case.directory}: {examination.evidence_modified}; run 'forensics case verify'")
    for when, digest in (("before analysis", examination.sha256_before), ("after analysis", examination.sha256_after)):
        if digest is not None and digest != record.sha256:
            reason = f"evidence object for {record.exhibit_id} no longer matches its intake SHA-256 ({when})"
            fail(reason)
            raise CaseError(f"{case.directory}: {reason}; run 'forensics case verify'")
    if examination.bad_input:
        fail(examination.bad_input)
        raise BadInputError(record.original_name, examination.bad_input)
    document = ResultsDocument(
        tool_version=__version__,
        run=RunInfo(started_utc=examination.started_utc, finished_utc=examination.finished_utc, command=command),
        case=case_info(case),
        evidence=[EvidenceResult(
            exhibit_id=record.exhibit_id, file_name=record.original_name, size_bytes=record.size,
            media_type=record.media_type, md5=record.md5, sha1=record.sha1, sha256=record.sha256,
            analysers=examination.results, conclusions=conclude(examination.results),
        )],
        environment=environment(),
    )
    digest = case.store_results(document.to_json())
    case.log("analysis.finished", actor, {
        "exhibit_id": record.exhibit_id,
        "results_sha256": digest,
        "statuses": {r.name: r.status.value for r in examination.results},
        "decoded_in_part": examination.decoding_note,
        "started_seq": started.seq,
    })
    return digest


def case_results(case: Case, exhibits: list[str] | None = None) -> ResultsDocument:
    """The latest analysis of every analysed exhibit (or of the ``exhibits`` named), as one results document (what
    reports show). Naming an exhibit that was never analysed is a UsageError."""
    latest = case.latest_results_by_exhibit()
    if not latest:
        raise CaseError(f"{case.directory}: no analysed evidence in this case; run 'forensics analyze FILE --case {case.directory}'")
    if exhibits:
        unknown = [e for e in exhibits if e not in latest]
        if unknown:
            raise UsageError(f"--exhibits: {', '.join(unknown)}: no analysed exhibit of that id in {case.directory}")
        latest = {exhibit: sha for exhibit, sha in latest.items() if exhibit in exhibits}
    try:
        documents = {sha: ResultsDocument.from_json(case.results_document(sha) or "") for sha in set(latest.values())}
    except UnsupportedSchema as error:
        raise CaseError(f"{case.directory}: the stored {error}: they were written by an earlier release of forensics; "
                        f"analyse the evidence again with this version ('forensics analyze FILE --case "
                        f"{case.directory}'); the earlier results stay in the case") from None
    evidence, runs = [], []
    for record in case.evidence():
        sha = latest.get(record.exhibit_id)
        if sha is None:
            continue
        document = documents[sha]
        evidence.extend(e for e in document.evidence if e.exhibit_id == record.exhibit_id)
        runs.append(document.run)
    commands = list(dict.fromkeys(run.command for run in runs))
    newest = max(documents.values(), key=lambda d: d.run.finished_utc)
    return ResultsDocument(
        tool_version=newest.tool_version,
        run=RunInfo(
            started_utc=min(run.started_utc for run in runs),
            finished_utc=max(run.finished_utc for run in runs),
            command=" ; ".join(commands),
        ),
        case=case_info(case),
        evidence=evidence,
        environment=newest.environment,
    )


def exhibit_findings(case: Case, exhibit_id: str) -> tuple[EvidenceResult, list[tuple[AnalyserResult, Finding]]]:
    """An analysed exhibit's latest results and every finding in them, with the analysis that made it."""
    document = case_results(case)
    evidence = next((e for e in document.evidence if e.exhibit_id == exhibit_id), None)
    if evidence is None:
        known = ", ".join(e.exhibit_id for e in document.evidence)
        raise UsageError(f"{exhibit_id}: no analysed exhibit of that id in {case.directory} (analysed: {known})")
    return evidence, [(result, finding) for result in evidence.analysers for finding in result.findings]


def annotate_finding(case: Case, exhibit_id: str, finding_key: str, status: ReviewStatus, comment: str,
                     actor: str) -> Annotation:
    """Record the examiner's review of one finding in the custody log; return it as the report will show it."""
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARACTERS:
        raise UsageError(f"--comment: at most {MAX_COMMENT_CHARACTERS} characters, not {len(comment)}")
    if any(not (c.isprintable() or c == "\n") for c in comment):
        raise UsageError("--comment: control characters are not allowed (line breaks are)")
    if status is ReviewStatus.DISPUTED and not comment:
        raise UsageError("--comment: say why the finding is disputed; a reader of the report needs the reason")
    _, findings = exhibit_findings(case, exhibit_id)
    match = next(((result, finding) for result, finding in findings if finding.key == finding_key), None)
    if match is None:
        raise UsageError(f"{exhibit_id} has no finding {finding_key!r}; list its findings with "
                         f"'forensics annotate {case.directory} {exhibit_id}'")
    result, finding = match
    event = case.log(ANNOTATION_ACTION, actor, annotation_details(
        exhibit_id, finding_key, status, comment, result.name, result.version, finding.strength.value, finding.score))
    return current_annotations([event])[(exhibit_id, finding_key)]


def exhibit_preview(case: Case, record: EvidenceRecord, limits: Limits = Limits()) -> bytes | None:
    """The exhibit's picture as its maps are drawn over it (upright, longer side reduced to the figures' size), as a
    JPEG; None for a video or a picture whose pixels cannot be decoded. The web page lays maps over it."""
    from forensics.figures import PHOTO_JPEG_QUALITY, encode_jpeg, reduce
    from forensics.media import upright

    if record.kind != "image":
        return None
    try:
        media = load_media(str(case.object_path(record.sha256)), limits)
    except (PixelsUndecodable, BadInputError):
        return None
    return encode_jpeg(reduce(upright(media.pixels, media.orientation)), PHOTO_JPEG_QUALITY)


def verify_and_record(case: Case, actor: str, more_problems: Sequence[str] = ()) -> tuple[VerificationReport, list[str]]:
    """Re-hash the case's evidence and check its custody chain; log the outcome (with ``more_problems`` found by the
    caller) as a ``verification`` event; return the verification and every problem found."""
    report = case.verify()
    problems = [*report.problems, *more_problems]
    case.log("verification", actor, {
        "ok": not problems, "problems": problems, "events_checked": report.events_checked,
        "objects_checked": report.objects_checked, "head_verified": report.head_hash,
    })
    return report, problems


def report_facts(case: Case) -> tuple[dict, dict]:
    """Case facts for the report (questions decoded) and each exhibit's intake details from the custody log."""
    meta = dict(case.meta)
    meta["questions"] = json.loads(meta["questions"]) if meta.get("questions") else []
    intakes = {e.details["exhibit_id"]: {**e.details, "utc": e.utc, "actor": e.actor}
               for e in case.events() if e.action == "intake"}
    return meta, intakes


def render_case_report(case: Case, output_path, actor: str, signing=None, tsa_url: str | None = None,
                       exhibits: list[str] | None = None) -> tuple[str, str]:
    """Render the case's report to ``output_path`` (signed when ``signing`` is given, timestamped by the TSA at
    ``tsa_url`` when given), of every analysed exhibit or of the ``exhibits`` named (the custody log is always the
    whole case's, so that its chain can be verified); return (report id, SHA-256)."""
    from forensics.data import shipped_error_rates
    from forensics.report.render import ReportInput, render_pdf  # WeasyPrint is slow to import; only here
    from forensics.report.signing import timestamp_document, token_time

    document = case_results(case, exhibits)
    started = case.log("report.started", actor, {"output": str(output_path), "signed": signing is not None,
                                                 "timestamp_authority": tsa_url, "exhibits": exhibits or "all"})
    verification = case.verify()
    meta, intakes = report_facts(case)
    report = ReportInput(
        document=document,
        events=case.events(),
        chain_verified=verification.ok,
        chain_problems=verification.problems,
        generated_utc=utc_now(),
        error_rates=shipped_error_rates(),
        case_meta=meta,
        intakes=intakes,
        signer=signing.describe() if signing else None,
        timestamp_authority=tsa_url,
    )
    try:
        pdf = render_pdf(report)
        if signing:
            pdf = signing.sign(pdf, reason=f"Forensic examination report {report.report_id}", tsa_url=tsa_url)
        elif tsa_url:
            pdf = timestamp_document(pdf, tsa_url)
        output = Path(output_path)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".part")
        partial.write_bytes(pdf)
        os.replace(partial, output)
    except Exception as error:
        case.log("report.failed", actor, {"reason": f"{type(error).__name__}: {error}"[:500], "started_seq": started.seq})
        raise
    digest = hashlib.sha256(pdf).hexdigest()
    case.log("report.rendered", actor, {
        "report_id": report.report_id,
        "output": str(output_path),
        "pdf_sha256": digest,
        "custody_head_cited": report.head.hash,
        "custody_head_seq": report.head.seq,
        "chain_verified": verification.ok,
        "signed_by": report.signer["subject"] if report.signer else None,
        "timestamp": {"authority": tsa_url, "time": f"{token_time(pdf):%Y-%m-%dT%H:%M:%SZ}"} if tsa_url else None,
        "started_seq": started.seq,
    })
    return report.report_id, digest
