"""The report renders every section, escapes evidence strings, and fetches nothing but its own assets."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from forensics.report.render import AssetsOnlyFetcher, render_html, render_pdf, templates_dir
from tests.helpers import RecordingHandler, analysed_case, report_input

INJECTION = '<img src="file:///etc/passwd"><link rel=stylesheet href="http://127.0.0.1:{port}/x.css">'


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_contains_every_section_case_number_and_sha256(tmp_path, jpeg_file):
    with analysed_case(tmp_path, jpeg_file) as case:
        report = report_input(case)
        text = pdf_text(render_pdf(report))
    flat = text.replace("\n", "")
    for heading in ("Summary", "Evidence", "Chain of custody", "Findings", "Methods and reproducibility", "Limitations", "Appendix A"):
        assert heading in text
    assert "2026-0042" in text
    assert report.document.evidence[0].sha256 in flat
    assert "Page 1 of" in text
    assert report.report_id in text


def test_evidence_strings_are_escaped_and_nothing_is_fetched(tmp_path, jpeg_file, http_server):
    evil = INJECTION.format(port=http_server.server_port)
    with analysed_case(tmp_path, jpeg_file, case_number=evil) as case:
        report = report_input(case)
        html = render_html(report)
        pdf = render_pdf(report)
    assert evil not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert RecordingHandler.requests == []
    assert "file:///etc/passwd" in pdf_text(pdf).replace("\n", "")


def test_fetcher_serves_own_assets_and_refuses_everything_else(tmp_path, http_server):
    fetcher = AssetsOnlyFetcher(templates_dir())
    font = (templates_dir() / "fonts" / "DejaVuSans.ttf").as_uri()
    assert fetcher.fetch(font).read(4) == b"\x00\x01\x00\x00"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    for url in (secret.as_uri(), "file:///etc/passwd", f"http://127.0.0.1:{http_server.server_port}/x",
                (templates_dir() / ".." / ".." / "pyproject.toml").as_uri()):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert RecordingHandler.requests == []


def test_failed_chain_is_stated_in_the_report(tmp_path, jpeg_file):
    import sqlite3

    with analysed_case(tmp_path, jpeg_file) as case:
        with sqlite3.connect(case.directory / "case.sqlite") as db:
            db.execute("UPDATE events SET actor = 'mallory' WHERE seq = 2")
        text = pdf_text(render_pdf(report_input(case)))
    assert "did NOT verify" in text
    assert "event #2" in text


def test_report_without_shipped_error_rates_says_none_can_be_stated(tmp_path, jpeg_file):
    with analysed_case(tmp_path, jpeg_file) as case:
        text = pdf_text(render_pdf(report_input(case)))  # report_input passes no error rates
    assert "no method's error rate can be stated" in text.replace("\n", " ")


def test_report_cites_the_shipped_error_rates(tmp_path, jpeg_file):
    from dataclasses import replace

    from forensics.data import shipped_error_rates

    rates = shipped_error_rates()
    with analysed_case(tmp_path, jpeg_file) as case:
        text = pdf_text(render_pdf(replace(report_input(case), error_rates=rates))).replace("\n", " ")
    assert "Known error rates" in text
    metadata = rates["analysers"]["metadata"]
    assert f"{metadata['positives']} / {metadata['negatives']}" in text  # the validation column's cases
    assert "Validation data: " + metadata["data"]["validation"][:40] in text
    assert "Conclusion on processing" in text
    # Only what ran, at the levels this report uses: a JPEG's report cites no video method, and no finding on this
    # plain photo reached "strong", so that row is left to the attached error-rates.json.
    assert rates["analysers"]["video_encoding"]["question"] not in text
    assert "moderate or stronger: false positives" in text and "strong or stronger: false positives" not in text
    assert "rates.json" in text  # the attached file (a line may break at its hyphen)


def test_the_declaration_names_every_trained_component_the_results_used(tmp_path, jpeg_file):
    import dataclasses

    from forensics.results import TrainedComponent

    with analysed_case(tmp_path, jpeg_file) as case:
        report = report_input(case)
    # The textured test photo has no face: the only trained component that ran is the HOG face detector.
    used = {c.name for e in report.document.evidence for a in e.analysers for c in a.trained_components}
    assert len(used) == 1 and "HOG" in next(iter(used))
    def declarations(html: str) -> str:
        start = html.index("9. Examiner, review and declarations")
        return html[start:html.index("</section>", start)]

    html = declarations(render_html(report))
    assert "No trained model was used" not in html and "HOG frontal face detector" in html
    component = TrainedComponent("test network", "neural network", "test data", "test licence", "n.onnx", "ab" * 32)
    evidence = report.document.evidence[0]
    analysers = [dataclasses.replace(a, trained_components=[component] if a.name == "face" else [])
                 for a in evidence.analysers]
    document = dataclasses.replace(report.document, evidence=[dataclasses.replace(evidence, analysers=analysers)])
    html = declarations(render_html(dataclasses.replace(report, document=document)))
    assert "test network" in html and "test licence" in html and "HOG frontal face detector" not in html
    nothing = [dataclasses.replace(a, trained_components=[]) for a in evidence.analysers]
    document = dataclasses.replace(report.document, evidence=[dataclasses.replace(evidence, analysers=nothing)])
    assert "No trained model was used in this examination" in render_html(dataclasses.replace(report, document=document))


def test_the_summary_concludes_on_processing_and_content_separately(tmp_path, jpeg_file):
    with analysed_case(tmp_path, jpeg_file) as case:
        html = render_html(report_input(case))
    summary = html[html.index("1. Summary"):html.index("2. Scope")]
    assert "Processing" in summary and "Content" in summary
    # The test photo was saved by Pillow with no metadata: processing is weakly supported, content not at all.
    assert "No camera metadata in a JPEG" in summary


def test_appendix_a_names_the_analysers_of_an_event_and_repeats_only_parameters_that_differ_from_section_6():
    from forensics.report.render import event_details

    details = {"exhibit_id": "E001", "analysers": [
        {"name": "cfa", "version": "0.1.0", "parameters": {"block_px": 32}},
        {"name": "metadata", "version": "2.2.0", "parameters": {"gps_tolerance_s": 120}}]}
    same = {("cfa", "0.1.0"): {"block_px": 32}, ("metadata", "2.2.0"): {"gps_tolerance_s": 120}}
    assert event_details(details, same) == [
        ("analysers", "cfa 0.1.0, metadata 2.2.0; parameters as in Appendix D"), ("exhibit_id", "E001")]
    earlier = {**same, ("cfa", "0.1.0"): {"block_px": 16}}  # a later run of the case used other values
    assert event_details(details, earlier)[0] == ("analysers", "cfa 0.1.0, metadata 2.2.0; parameters: cfa: block_px = 32")


def test_the_cover_prints_the_render_time_once_in_utc_and_the_local_time_only_where_it_differs(tmp_path, jpeg_file,
                                                                                                 monkeypatch):
    import time

    with analysed_case(tmp_path, jpeg_file) as case:
        report = report_input(case)
        for zone, local_shown in (("UTC", False), ("Europe/Berlin", True)):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            cover = render_html(report).split("Report rendered", 1)[1].split("</tr>", 1)[0]
            assert "(UTC)" in cover and ("local time" in cover) is local_shown, zone
    monkeypatch.undo()
    time.tzset()


def test_sentences_end_with_one_full_stop():
    from forensics.report.render import end_sentence

    assert end_sentence("Kee & Farid 2010") == "Kee & Farid 2010."
    assert end_sentence("re-saved by software.") == "re-saved by software."
    assert end_sentence("applies to video only. ") == "applies to video only."
    assert end_sentence("(see section 6.)") == "(see section 6.)"


def test_the_summary_says_once_and_in_words_what_could_not_be_examined(tmp_path, jpeg_file):
    with analysed_case(tmp_path, jpeg_file) as case:
        text = pdf_text(render_pdf(report_input(case))).replace("\n", " ")
    # A JPEG has no demosaicing traces left to examine: said once, by the method's name in words. Video methods on a
    # photo are no gap and are not listed.
    assert text.count("Not examined: Demosaicing (colour filter array) traces") == 1
    assert "Not examined: Video" not in text and "Not examined: Faces in the video" not in text


def test_the_data_sets_behind_the_rates_are_named_with_source_and_licence(tmp_path, jpeg_file):
    from dataclasses import replace

    from forensics.data import evaluation_data_sets, shipped_error_rates

    with analysed_case(tmp_path, jpeg_file) as case:
        text = pdf_text(render_pdf(replace(report_input(case), error_rates=shipped_error_rates()))).replace("\n", " ")
    assert "Appendix E. Data sets the error rates were measured on" in text
    assert "listed with its source and licence in Appendix E" in text  # section 7 points there
    misd = next(d for d in evaluation_data_sets() if d["name"].startswith("MISD"))
    assert "commit 28ba8d5bc34f" in text and misd["licence"] in text
    assert "shared/corpus" not in text  # a folder on our machine means nothing to a court
