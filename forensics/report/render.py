"""Render results and custody data into HTML (Jinja2) and PDF (WeasyPrint).

WeasyPrint takes ~0.8 s to import, so the CLI imports this module only when it renders.

The report only reads: it never recomputes a number. Everything that comes from evidence (file names,
metadata strings) goes through Jinja2's autoescaping, and WeasyPrint's URL fetcher is replaced by one that
serves only the package's own template assets and inline ``data:`` figures, so no evidence string can
make the renderer read a local file or reach the network.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.request import url2pathname

import jinja2
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from forensics import __version__
from forensics.case.annotations import current_annotations
from forensics.case.custody import Event
from forensics.data import evaluation_data_sets
from forensics.results import Proposition, ResultsDocument, Status, Strength, TrainedComponent

STRENGTH_WORDS = {
    Strength.NONE: "no support for the proposition (an observation)",
    Strength.WEAK: "weak support for the proposition",
    Strength.MODERATE: "moderate support for the proposition",
    Strength.STRONG: "strong support for the proposition",
}
PROPOSITION_WORDS = {
    Proposition.PROCESSING: ("Processing", "the file was re-encoded, converted, resized or edited by software after capture"),
    Proposition.CONTENT: ("Content", "what the picture shows was altered (splice, copy-move, inpainting, face swap, "
                                     "relighting, synthetic picture)"),
}


def templates_dir() -> Path:
    return Path(str(resources.files("forensics.templates")))


@dataclass(frozen=True)
class ReportInput:
    document: ResultsDocument
    events: list[Event]
    chain_verified: bool
    chain_problems: list[str]
    generated_utc: str
    error_rates: dict = field(default_factory=dict)  # the shipped evaluation results (forensics eval --ship)
    case_meta: dict = field(default_factory=dict)  # examiner role, qualifications, reviewer, questions ...
    intakes: dict = field(default_factory=dict)  # exhibit id -> intake details (time, source, original path)
    signer: dict | None = None  # who will sign the PDF (subject, self_signed), when it is to be signed
    timestamp_authority: str | None = None  # the RFC 3161 TSA whose token the PDF will carry, when timestamped

    def custody_json(self) -> str:
        return json.dumps([vars(event) for event in self.events], indent=1, ensure_ascii=False) + "\n"

    @property
    def head(self) -> Event:
        return self.events[-1]

    @cached_property
    def report_id(self) -> str:
        """Derived from the content (results + custody head), so re-rendering the same case gives the same id
        (computed once: it serialises every result)."""
        digest = hashlib.sha256((self.document.to_json() + self.head.hash).encode("utf-8")).hexdigest()
        return f"R-{digest[:12].upper()}"


def render_html(report: ReportInput) -> str:
    return template_environment().get_template("report.html").render(**_context(report))


@lru_cache(maxsize=1)
def template_environment() -> jinja2.Environment:
    """The templates folder with the report's filters; the web page's templates (``web/``) use it too."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        autoescape=True,  # evidence strings are untrusted: escape everything, everywhere
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode_cache(),
    )
    environment.filters["strength_words"] = lambda s: STRENGTH_WORDS[Strength(s)]
    environment.filters["value"] = format_value
    environment.filters["interval"] = format_interval
    environment.filters["event_details"] = event_details
    environment.filters["sentence"] = end_sentence
    environment.globals["finding_anchor"] = finding_anchor
    environment.globals["parameters_anchor"] = lambda result: _anchor(f"parameters-{result.name}-{result.version}")
    return environment


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (compiling them takes 0.7 s, a quarter of a report's rendering), in
    Jinja's private per-user folder under the temporary directory; entries are keyed by each template's source
    checksum, so an edited template is compiled again. None where that folder cannot be made safely."""
    try:
        return jinja2.FileSystemBytecodeCache()
    except RuntimeError:
        return None


def render_pdf(report: ReportInput) -> bytes:
    """A PDF/A-3b document with the results, the custody log and the error rates it cites attached as JSON files.

    Everything that could vary between two renderings of the same input is fixed: the creation dates are
    the render timestamp given in ``report``, and the PDF identifier is derived from the report id.
    """
    html = render_html(report)
    fonts = FontConfiguration()
    base = templates_dir()
    fetcher = AssetsOnlyFetcher(base)
    document = weasyprint.HTML(string=html, base_url=base.as_uri() + "/", url_fetcher=fetcher)
    stylesheet = weasyprint.CSS(filename=str(base / "report.css"), font_config=fonts, url_fetcher=fetcher)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    when = _parse_utc(report.generated_utc)
    attachments = [
        weasyprint.Attachment(string=report.document.to_json(), name="results.json", created=when, modified=when,
                              description="Full analysis results (forensics results schema)", relationship="Data"),
        weasyprint.Attachment(string=report.custody_json(), name="custody-log.json", created=when, modified=when,
                              description="Custody log with its hash chain, as at render time", relationship="Data"),
    ]
    if report.error_rates:
        attachments.append(weasyprint.Attachment(
            string=json.dumps(report.error_rates, indent=1), name="error-rates.json", created=when, modified=when,
            description="Every error rate measured by forensics eval (each level and kind of case), cited in section 7",
            relationship="Supplement"))
    return document.write_pdf(
        stylesheets=[stylesheet], font_config=fonts, pdf_variant="pdf/a-3b", attachments=attachments,
        pdf_identifier=report.report_id.encode("ascii"),
    )


def _parse_utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


class AssetsOnlyFetcher(URLFetcher):
    """Serves ``data:`` URIs and files inside the templates folder; refuses every other URL."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=False)
        self._root = root.resolve()

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith("file:"):
            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if path.is_relative_to(self._root) and path.is_file():
                return super().fetch(url, headers)
        raise ValueError(f"refused to fetch {url!r}: the report may load only its own assets")


def format_value(value: Any) -> str:
    if value is None:
        return "not available"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")  # thin space: unambiguous in any locale
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(format_value(v) for v in value)
    return str(value)


def end_sentence(text: str) -> str:
    """``text`` with a full stop unless it already ends a sentence (so "...re-saved.." cannot happen)."""
    text = str(text).rstrip()
    return text if not text or text.endswith((".", "!", "?", ".)")) else text + "."


def event_details(details: dict, recorded: dict[tuple[str, str], dict]) -> list[tuple[str, str]]:
    """An event's details for Appendix A, sorted by key. The analysers an ``analysis.started`` event lists are named
    with their versions; their parameters are printed only where they differ from Appendix D (``recorded``: the
    parameters of each analyser and version in this report), so the same table is not repeated per exhibit."""
    rows = []
    for key, value in sorted(details.items()):
        if key == "analysers" and isinstance(value, list) and all(isinstance(a, dict) and "name" in a for a in value):
            named = ", ".join(f"{a['name']} {a.get('version', '')}".strip() for a in value)
            differing = [a for a in value if recorded.get((a["name"], a.get("version"))) != a.get("parameters")]
            text = named + ("; parameters as in Appendix D" if not differing else "; parameters: " + "; ".join(
                f"{a['name']}: " + ", ".join(f"{k} = {format_value(v)}" for k, v in (a.get("parameters") or {}).items())
                for a in differing))
            rows.append((key, text))
        else:
            rows.append((key, format_value(value)))
    return rows


def format_interval(interval: dict, percent: bool = True) -> str:
    """A measured rate as "12.0 % (95 % CI 4.0-25.0 %)", or an AUC as "0.924 (95 % CI 0.854-0.977)"."""
    if interval.get("value") is None or interval["value"] != interval["value"]:
        return "not measurable"
    # No-break spaces keep "%" with its number and "(95 % CI" together, so a line never starts with "%)".
    if not percent:
        return f"{interval['value']:.3f} (95\u00a0%\u00a0CI {interval['low']:.3f}-{interval['high']:.3f})"
    return (f"{100 * interval['value']:.1f}\u00a0% (95\u00a0%\u00a0CI "
            f"{100 * interval['low']:.1f}-{100 * interval['high']:.1f}\u00a0%)")


def trained_components(document: ResultsDocument) -> list[tuple[TrainedComponent, list[str]]]:
    """Every trained component any analysis in the report used, once, with the analyses that used it."""
    used: dict[tuple[str, str], tuple[TrainedComponent, list[str]]] = {}
    for evidence in document.evidence:
        for analyser in evidence.analysers:
            for component in analyser.trained_components:
                entry = used.setdefault((component.name, component.sha256), (component, []))
                if analyser.name not in entry[1]:
                    entry[1].append(analyser.name)
    return sorted(used.values(), key=lambda item: item[0].name)


def _not_examined(evidence, registered: dict[str, type]) -> list[tuple[str, str]]:
    """(the method's title, why) for each analysis that could not examine this exhibit, in plain words; a method
    for another kind of media (a video method on a photo) is no gap and is left out."""
    kind = evidence.media_type.split("/")[0]
    rows = []
    for result in evidence.analysers:
        method = registered.get(result.name)
        if result.status is Status.NOT_APPLICABLE and (method is None or kind in method.kinds):
            rows.append((method.title if method else result.name, result.reason))
    return rows


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


def finding_anchor(evidence, finding) -> str:
    """The id of a finding's box in section 5 or Appendix C, for page references."""
    return _anchor(f"finding-{evidence.exhibit_id}-{finding.key}")


def _context(report: ReportInput) -> dict[str, Any]:
    document = report.document
    from forensics.analysers import discover  # the registry names each method in words; imported when rendering

    generated = _parse_utc(report.generated_utc)
    registered = {cls.name: cls for cls in discover()}
    annotations = current_annotations(report.events)
    summaries = []
    for evidence in document.evidence:
        ran = [a for a in evidence.analysers if a.status is Status.RAN]
        findings = {f.key: f for a in ran for f in a.findings}
        summaries.append({
            "evidence": evidence,
            "conclusions": [{"proposition": c.proposition.value, "label": PROPOSITION_WORDS[c.proposition][0],
                             "meaning": PROPOSITION_WORDS[c.proposition][1], "strength": c.strength.value,
                             "findings": [findings[key] for key in c.findings if key in findings]}
                            for c in evidence.conclusions],
            "indications": [f for f in findings.values() if f.strength is not Strength.NONE],
            "not_examined": _not_examined(evidence, registered),
            "failed": [a for a in evidence.analysers if a.status is Status.FAILED],
            # Section 5 gives the findings that support a proposition in full and lists the others in a line each.
            "supporting_analysers": [a for a in ran if any(f.strength is not Strength.NONE for f in a.findings)],
            "quiet_analysers": [a for a in ran if all(f.strength is Strength.NONE for f in a.findings)],
            "quiet": [(a, f) for a in ran for f in a.findings if f.strength is Strength.NONE],
            # The examiner's reviews, oldest first, with the finding each is about (None if no longer produced).
            "reviews": sorted(((note, findings.get(key)) for (exhibit, key), note in annotations.items()
                               if exhibit == evidence.exhibit_id), key=lambda pair: pair[0].seq),
        })
    analysers_used = {(a.name, a.version): a for e in document.evidence for a in e.analysers}
    titles = {name: method.title for name, method in registered.items()}
    supporting = {a.name for s in summaries for a in s["supporting_analysers"]}
    quiet = {a.name for s in summaries for a in s["quiet_analysers"]}
    # Error rates are cited for what ran, at the levels this report uses (and "moderate", where "flagged" starts).
    levels_used: dict[str, set[Strength]] = defaultdict(lambda: {Strength.MODERATE})
    for evidence in document.evidence:
        for result in evidence.analysers:
            if result.status is Status.RAN:
                levels_used[result.name].update(f.strength for f in result.findings)
        for conclusion in evidence.conclusions:
            levels_used[conclusion.proposition.value].add(conclusion.strength)
    single_sha = document.evidence[0].sha256 if len(document.evidence) == 1 else None
    return {
        "doc": document,
        "report_id": report.report_id,
        "generated_utc": report.generated_utc,
        # The examiner's local time, only where it differs from UTC (printing the same time twice confused readers).
        "generated_local": (generated.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z (UTC%z)")
                            if generated.astimezone().utcoffset() else None),
        "events": report.events,
        "head": report.head,
        "chain_verified": report.chain_verified,
        "chain_problems": report.chain_problems,
        "summaries": summaries,
        "analysers_used": [analysers_used[key] for key in sorted(analysers_used)],
        "titles": titles,
        "ran_versions": {name: sorted({version for n, version in analysers_used if n == name}) for name, _ in analysers_used},
        # Section 7 gives the rates of the conclusions and of the methods whose findings support one.
        "supporting_methods": sorted(supporting),
        "other_methods": sorted(titles.get(name, name) for name in quiet - supporting),
        "recorded_parameters": {key: result.parameters for key, result in analysers_used.items()},
        "footer_sha256": single_sha,
        "tool_version": __version__,
        "platform": platform.platform(),
        "strengths": [(s.value, STRENGTH_WORDS[s]) for s in Strength],
        "propositions": [(p.value, *PROPOSITION_WORDS[p]) for p in Proposition],
        "trained_components": trained_components(document),
        "error_rates": report.error_rates,
        "data_sets": evaluation_data_sets(),
        "levels_used": {name: [s.value for s in Strength if s in used and s is not Strength.NONE]
                        for name, used in levels_used.items()},
        "meta": report.case_meta,
        "intakes": report.intakes,
        "signer": report.signer,
        "annotations": annotations,
        "timestamp_authority": report.timestamp_authority,
        "references": sorted({f.reference for e in document.evidence for a in e.analysers for f in a.findings}),
        "created_iso": generated.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
