"""A case as CASE/UCO JSON-LD: the Cyber-investigation Analysis Standard Expression (CASE 1.5.0, on the Unified
Cyber Ontology 1.5.0), which Autopsy and other case tools exchange.

What maps to what:
- the case -> ``investigation:Investigation`` (its number as name, the agency as an ``identity:Organization``);
- each exhibit -> an ``observable:File`` with a ``FileFacet`` (name as received, size) and a ``ContentDataFacet``
  (MD5, SHA-1, SHA-256, media type), and an ``investigation:ProvenanceRecord`` with its exhibit number;
- each custody event -> an ``investigation:InvestigativeAction`` with its time, performer (an
  ``identity:Person``), the tool as instrument, the exhibit as object and its place in the hash chain; the
  analysis of an exhibit is also an ``analysis:Analysis``;
- each finding -> an ``analysis:AnalyticResult`` (statement: title and explanation; tags: finding id,
  proposition, strength, score, analyser and version) from the analysis that produced it; each conclusion -> one
  more ``AnalyticResult``; each examiner's annotation -> a ``core:Annotation`` on the finding.

Every node's IRI is a name-based UUID (RFC 4122 version 5) derived from the case id and what the node stands
for, so exporting the same case twice gives the same graph. Pure: takes plain data, returns a dict.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from forensics.case.annotations import current_annotations
from forensics.case.custody import Event
from forensics.case.store import EvidenceRecord
from forensics.results import ResultsDocument

CASE_VERSION = "case-1.5.0"  # the ontology release the graph is validated against (case_validate --built-version)
CONTEXT = {
    "core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "analysis": "https://ontology.unifiedcyberontology.org/uco/analysis/",
    "investigation": "https://ontology.caseontology.org/case/investigation/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
_HASHES = (("MD5", "md5"), ("SHA1", "sha1"), ("SHA256", "sha256"))


@dataclass(frozen=True)
class _Ids:
    case_id: str

    def __call__(self, *parts: object) -> str:
        name = "/".join(str(part) for part in (self.case_id, *parts))
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'forensics:' + name)}"


def case_uco_graph(meta: dict[str, str], evidence: list[EvidenceRecord], document: ResultsDocument | None,
                   events: list[Event], tool_version: str) -> dict:
    """The case as one JSON-LD document (``@context`` and ``@graph``)."""
    ids = _Ids(meta["case_id"])
    graph: list[dict] = []
    tool = {"@id": ids("tool"), "@type": "tool:AnalyticTool", "core:name": "forensics", "tool:version": tool_version}
    people: dict[str, dict] = {}

    def person(name: str) -> str:
        if name not in people:
            people[name] = {"@id": ids("person", name), "@type": "identity:Person", "core:name": name}
        return people[name]["@id"]

    files = {record.exhibit_id: _file(ids, record) for record in evidence}
    records = [_provenance(ids, record, files[record.exhibit_id]) for record in evidence]
    actions, analyses = [], {}
    for event in events:
        exhibit = event.details.get("exhibit_id")
        action = {
            "@id": ids("event", event.seq),
            "@type": ["investigation:InvestigativeAction"],
            "core:name": event.action,
            "core:description": f"custody event #{event.seq}; details: {json.dumps(event.details, sort_keys=True, ensure_ascii=False)}",
            "core:tag": [f"custody-hash:{event.hash}", f"custody-previous-hash:{event.prev_hash}"],
            "action:startTime": _datetime(event.utc),
            "action:performer": {"@id": person(event.actor)},
            "action:instrument": {"@id": tool["@id"]},
        }
        if exhibit in files:
            action["action:object"] = [{"@id": files[exhibit]["@id"]}]
        if event.action == "intake" and exhibit in files:
            action["action:result"] = [{"@id": ids("provenance", exhibit)}]
        if event.action == "analysis.started":
            action["@type"].append("analysis:Analysis")
            analyses[exhibit] = action
        actions.append(action)
    results = _results(ids, document, analyses, events) if document else []
    organisation = [{"@id": ids("agency"), "@type": "identity:Organization", "core:name": meta["agency"]}] if meta.get("agency") else []
    investigation = {
        "@id": ids("investigation"),
        "@type": "investigation:Investigation",
        "core:name": meta.get("case_number", ""),
        "investigation:investigationForm": "case",
        "core:description": f"forensics case {meta['case_id']}; examiner {meta.get('examiner', '')}",
        "core:object": [{"@id": node["@id"]} for node in [*records, *actions, *results, *organisation]],
    }
    graph = [investigation, tool, *organisation, *people.values(), *files.values(), *records, *actions, *results]
    return {"@context": CONTEXT, "@graph": graph}


def _file(ids: _Ids, record: EvidenceRecord) -> dict:
    return {
        "@id": ids("file", record.exhibit_id),
        "@type": "observable:File",
        "core:hasFacet": [
            {"@id": ids("file-facet", record.exhibit_id), "@type": "observable:FileFacet",
             "observable:fileName": record.original_name,
             "observable:sizeInBytes": {"@type": "xsd:integer", "@value": str(record.size)}},
            {"@id": ids("content-facet", record.exhibit_id), "@type": "observable:ContentDataFacet",
             "observable:mimeType": record.media_type,
             "observable:sizeInBytes": {"@type": "xsd:integer", "@value": str(record.size)},
             "observable:hash": [
                 {"@id": ids("hash", record.exhibit_id, method), "@type": "types:Hash",
                  "types:hashMethod": method,
                  "types:hashValue": {"@type": "xsd:hexBinary", "@value": getattr(record, field).upper()}}
                 for method, field in _HASHES
             ]},
        ],
    }


def _provenance(ids: _Ids, record: EvidenceRecord, file: dict) -> dict:
    return {
        "@id": ids("provenance", record.exhibit_id),
        "@type": "investigation:ProvenanceRecord",
        "investigation:exhibitNumber": record.exhibit_id,
        "core:description": f"received from {record.received_from or 'not stated'}; original path {record.original_path}",
        "core:object": [{"@id": file["@id"]}],
    }


def _results(ids: _Ids, document: ResultsDocument, analyses: dict[str, dict], events: list[Event]) -> list[dict]:
    nodes = []
    annotations = current_annotations(events)
    for evidence in document.evidence:
        analysis = analyses.get(evidence.exhibit_id)
        origin = {"analysis:originatingAnalysis": {"@id": analysis["@id"]}} if analysis else {}
        for result in evidence.analysers:
            for finding in result.findings:
                node_id = ids("finding", evidence.exhibit_id, finding.key)
                nodes.append({
                    "@id": node_id, "@type": "analysis:AnalyticResult", **origin,
                    "core:name": finding.title,
                    "core:statement": finding.explanation,
                    "core:tag": _tags(finding=finding.key, proposition=finding.proposition.value,
                                      strength=finding.strength.value, score=f"{finding.score:.3f}",
                                      analyser=result.name, version=result.version, exhibit=evidence.exhibit_id),
                })
                note = annotations.get((evidence.exhibit_id, finding.key))
                if note:
                    nodes.append({
                        "@id": ids("annotation", evidence.exhibit_id, finding.key, note.seq),
                        "@type": "core:Annotation",
                        "core:statement": f"{note.words} by {note.actor} at {note.utc}" + (f": {note.comment}" if note.comment else ""),
                        "core:tag": _tags(review=note.status.value, event=str(note.seq)),
                        "core:object": [{"@id": node_id}],
                    })
        for conclusion in evidence.conclusions:
            nodes.append({
                "@id": ids("conclusion", evidence.exhibit_id, conclusion.proposition.value),
                "@type": "analysis:AnalyticResult", **origin,
                "core:name": f"Conclusion on {conclusion.proposition.value} for exhibit {evidence.exhibit_id}",
                "core:statement": f"{conclusion.strength.value} support for the {conclusion.proposition.value} proposition"
                                  + (f", driven by {', '.join(conclusion.findings)}" if conclusion.findings else ""),
                "core:tag": _tags(proposition=conclusion.proposition.value, strength=conclusion.strength.value,
                                  exhibit=evidence.exhibit_id),
            })
    return nodes


def _tags(**values: str) -> list[str]:
    return [f"{key}:{value}" for key, value in values.items()]


def _datetime(utc: str) -> dict:
    return {"@type": "xsd:dateTime", "@value": utc}
