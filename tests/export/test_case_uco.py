"""`forensics export --format case-uco`: the case as CASE/UCO JSON-LD, checked with the ontology's own validator
(`case_validate` from case-utils) and read back as RDF."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from forensics.case import Case
from forensics.errors import EXIT_OK
from forensics.export.case_uco import CASE_VERSION

rdflib = pytest.importorskip("rdflib", reason="rdflib comes with the test extra (case-utils)")
VALIDATOR = Path(sys.executable).with_name("case_validate")
UCO = "https://ontology.unifiedcyberontology.org/uco/"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A case with an analysed photo, an annotated finding and a second exhibit taken in but not analysed."""
    from PIL import Image

    from forensics.cli import main
    from tests.helpers import textured_rgb

    folder = tmp_path_factory.mktemp("export")
    Image.fromarray(textured_rgb(240, 320)).save(folder / "photo.jpg", quality=90)
    Image.fromarray(textured_rgb(120, 160, seed=2)).save(folder / "other.png")
    case = folder / "case"
    assert main(["analyze", str(folder / "photo.jpg"), "--case", str(case), "--no-report", "-q",
                 "--case-number", "2026-0042", "--agency", "Test Lab", "--examiner", "Alice Examiner"]) == EXIT_OK
    assert main(["case", "add", str(case), str(folder / "other.png"), "-q", "--received-from", "DC Smith"]) == EXIT_OK
    assert main(["annotate", str(case), "E001", "metadata.stripped", "--status", "accepted", "--comment",
                 "Sent by messenger.", "--examiner", "Bob Reviewer", "-q"]) == EXIT_OK
    assert main(["export", str(case), "-o", str(folder / "case.jsonld"), "-q"]) == EXIT_OK
    return case, folder / "case.jsonld"


@pytest.mark.skipif(not VALIDATOR.exists(), reason="case_validate (case-utils, in the test extra) is not installed")
def test_export_conforms_to_case_according_to_its_own_validator(exported):
    result = subprocess.run([str(VALIDATOR), "--built-version", CASE_VERSION, str(exported[1])],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "Conforms: True" in result.stdout, result.stdout[-3000:] + result.stderr[-2000:]
    assert "NonExistentCDOConceptWarning" not in result.stderr  # every class and property exists in CASE 1.5.0


def _graph(path: Path):
    graph = rdflib.Graph()
    graph.parse(path, format="json-ld")
    return graph


def _objects(graph, subject, prop: str) -> list:
    return list(graph.objects(subject, rdflib.URIRef(prop)))


def test_exhibits_hashes_events_and_findings_are_all_there(exported):
    case_dir, path = exported
    graph = _graph(path)
    with Case.open(case_dir) as case:
        records, events = case.evidence(), case.events()
    files = set(graph.subjects(rdflib.RDF.type, rdflib.URIRef(UCO + "observable/File")))
    assert len(files) == 2
    hashes = {(str(_objects(graph, h, UCO + "types/hashMethod")[0]), str(_objects(graph, h, UCO + "types/hashValue")[0]).lower())
              for h in graph.subjects(rdflib.RDF.type, rdflib.URIRef(UCO + "types/Hash"))}
    for record in records:
        assert {("MD5", record.md5), ("SHA1", record.sha1), ("SHA256", record.sha256)} <= hashes
    exhibit_numbers = {str(o) for o in graph.objects(None, rdflib.URIRef("https://ontology.caseontology.org/case/investigation/exhibitNumber"))}
    assert exhibit_numbers == {"E001", "E002"}
    actions = list(graph.subjects(rdflib.RDF.type, rdflib.URIRef("https://ontology.caseontology.org/case/investigation/InvestigativeAction")))
    assert len(actions) == len(events)  # every custody event, the export itself included
    performers = {str(_objects(graph, p, UCO + "core/name")[0]) for a in actions for p in _objects(graph, a, UCO + "action/performer")}
    assert {"Alice Examiner", "Bob Reviewer"} <= performers
    tags = {str(t) for t in graph.objects(None, rdflib.URIRef(UCO + "core/tag"))}
    assert {"finding:metadata.stripped", "strength:weak", "proposition:processing", "review:accepted"} <= tags
    assert f"custody-hash:{events[-1].hash}" in tags


def test_annotation_points_at_its_finding(exported):
    graph = _graph(exported[1])
    annotation = next(graph.subjects(rdflib.RDF.type, rdflib.URIRef(UCO + "core/Annotation")))
    finding = _objects(graph, annotation, UCO + "core/object")[0]
    assert str(_objects(graph, finding, UCO + "core/name")[0]) == "No camera metadata in a JPEG"
    assert "accepted by Bob Reviewer" in str(_objects(graph, annotation, UCO + "core/statement")[0])
    assert "Sent by messenger." in str(_objects(graph, annotation, UCO + "core/statement")[0])


def test_exporting_again_keeps_every_node_and_its_identifier(exported, tmp_path):
    case_dir, path = exported
    copy = shutil.copytree(case_dir, tmp_path / "case")
    from forensics.cli import main

    assert main(["export", str(copy), "-o", str(tmp_path / "again.jsonld"), "-q"]) == EXIT_OK
    first = {node["@id"]: node for node in json.loads(path.read_text())["@graph"]}
    second = {node["@id"]: node for node in json.loads((tmp_path / "again.jsonld").read_text())["@graph"]}
    changed = {key for key in first if first[key] != second.get(key)}
    # Only the investigation (which lists the new export event too) differs; the new export event is added.
    assert changed == {next(k for k, n in first.items() if n["@type"] == "investigation:Investigation")}
    assert len(second) == len(first) + 1
