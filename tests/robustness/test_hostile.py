"""Hostile inputs built in code: injection, loops, nesting, absurd headers, path-like names."""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from forensics.algorithms.xmp import parse_xmp
from forensics.errors import EXIT_BAD_INPUT, EXIT_OK, BadInputError
from forensics.media import load_media
from tests.helpers import ASCII, RecordingHandler, build_exif, textured_rgb

ROOT = Path(__file__).resolve().parents[2]


def test_injection_in_metadata_and_file_name_is_printed_as_text_and_fetches_nothing(tmp_path, run_cli, http_server):
    port = http_server.server_port
    hostile = {
        0x010F: (ASCII, f'<link rel="stylesheet" href="http://127.0.0.1:{port}/evil.css">'),
        0x0110: (ASCII, '<img src="file:///etc/passwd">'),
        0x0131: (ASCII, "x" * 20_000),
        0x010E: (ASCII, "bell\x07 escape\x1b[31m tab\t end"),
        0x013B: (ASCII, '<style>@import url("http://127.0.0.1:%d/i.css");</style>' % port),
    }
    path = tmp_path / f'<img src="http:__127.0.0.1:{port}_n.png">.jpg'
    Image.fromarray(textured_rgb(40, 60)).save(path, exif=build_exif(hostile, {}))
    with open(path, "ab") as handle:
        handle.write(b"\xff\xfe\xfa invalid utf-8 after EOI \xc3\x28")
    pdf = tmp_path / "report.pdf"
    code, _, stderr = run_cli("analyze", path, "--case", tmp_path / "case", "--report", pdf)
    assert code == EXIT_OK, stderr
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages).replace("\n", "")
    assert '<img src="file:///etc/passwd">' in text
    assert f'href="http://127.0.0.1:{port}/evil.css"' in text
    assert RecordingHandler.requests == []
    assert "root:x:0:0" not in text


def test_looping_exif_ifd_chain_terminates(tmp_path):
    exif = bytearray(build_exif({0x010F: (ASCII, "Acme")}, {0x9003: (ASCII, "2024:01:01 00:00:00")}))
    # IFD0 starts at TIFF offset 8; point its "next IFD" field back at itself.
    tiff = 6
    count = struct.unpack_from("<H", exif, tiff + 8)[0]
    struct.pack_into("<I", exif, tiff + 8 + 2 + 12 * count, 8)
    path = tmp_path / "loop.jpg"
    Image.fromarray(textured_rgb(40, 60)).save(path, exif=bytes(exif))
    started = time.perf_counter()
    from forensics.analysers import AnalysisContext, run_analysers

    results = run_analysers(load_media(path), AnalysisContext("E1", "loop.jpg"))
    assert time.perf_counter() - started < 10
    assert all(r.status.value != "failed" for r in results)


def test_deeply_nested_xmp_is_parsed_or_refused_quickly():
    depth = 20_000
    packet = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
              b'<rdf:Description>' + b"<a>" * depth + b"</a>" * depth + b"</rdf:Description></rdf:RDF></x:xmpmeta>")
    started = time.perf_counter()
    parse_xmp(packet)
    assert time.perf_counter() - started < 10


def test_entity_expansion_is_refused():
    packet = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&b;</x:xmpmeta>')
    assert parse_xmp(packet).problems == ["XMP packet declares a DTD or entities; not parsed"]


def test_video_declaring_absurd_frame_count_is_refused(tmp_path):
    path = tmp_path / "absurd.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for index in range(5):
        writer.write(np.full((48, 64, 3), index * 40, np.uint8))
    writer.release()
    data = bytearray(path.read_bytes())
    for box, offset in ((b"avih", 16), (b"strh", 32)):  # dwTotalFrames / dwLength (RIFF AVI headers)
        position = data.find(box) + 8 + offset
        struct.pack_into("<I", data, position, 0x7FFFFFFF)
    path.write_bytes(bytes(data))
    with pytest.raises(BadInputError, match="2147483647 frames, over the limit"):
        load_media(path)


def test_real_100_megapixel_inflation_stays_within_bounds(tmp_path):
    from forensics.evaluation.robustness import _png

    path = tmp_path / "inflate.png"
    path.write_bytes(_png(10_000, 10_000, (b"\x00" + b"\x00" * 10_000) * 10_000, colour_type=0))
    assert path.stat().st_size < 200_000
    probe = ("import resource, sys; from forensics.media import load_media; load_media(sys.argv[1]);"
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) < 2048  # MB
    assert time.perf_counter() - started < 60


@pytest.mark.parametrize("name", ["..\\..\\escape.jpg", "-rf.jpg", "line\nbreak.jpg", ".hidden.jpg", "ünïcødé ✓.jpg"])
def test_evidence_names_never_become_paths(tmp_path, run_cli, name):
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / name
    Image.fromarray(textured_rgb(20, 20)).save(path, format="JPEG")
    before = {p for p in tmp_path.rglob("*")}
    code, _, stderr = run_cli("analyze", "--case", tmp_path / "case", "--no-report", "--", path)
    assert code == EXIT_OK, stderr
    new = {p for p in tmp_path.rglob("*")} - before
    assert all(p.is_relative_to(tmp_path / "case") for p in new)
    # Files in a case are named by the case (database) or by content (SHA-256), never by the evidence's name.
    files = {p.name for p in new if p.is_file()}
    assert files and all(re.fullmatch(r"case\.sqlite(-wal|-shm)?|[0-9a-f]{64}", f) for f in files), files
    assert run_cli("case", "verify", tmp_path / "case")[0] == EXIT_OK


def test_bad_input_code_is_documented_in_help():
    result = subprocess.run([sys.executable, "-m", "forensics", "--help"], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert f"{EXIT_BAD_INPUT} bad input" in result.stdout
