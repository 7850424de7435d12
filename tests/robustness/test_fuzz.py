"""Property-based fuzzing of every parser and of the whole analysis path.

Bounded for CI; run longer with FORENSICS_FUZZ_EXAMPLES=5000 (and see fuzz/atheris_analyze.py for
coverage-guided fuzzing). Every input found to crash is kept under tests/robustness/regressions/ and replayed.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from forensics.algorithms.exif import read_exif
from forensics.algorithms.icc import parse_icc
from forensics.algorithms.jpeg_structure import mpf_image_count, parse_jpeg
from forensics.algorithms.photoshop_irb import parse_iptc, parse_irb
from forensics.algorithms.png_chunks import parse_png
from forensics.algorithms.trailing_data import describe_trailing_data
from forensics.algorithms.xmp import find_packets, parse_xmp
from forensics.analysers import AnalysisContext, run_analysers
from forensics.errors import BadInputError
from forensics.media import PixelsUndecodable, load_media, sniff
from forensics.media.video import container_damage
from forensics.results import Status
from tests.helpers import ASCII, build_dng, build_exif, textured_rgb

EXAMPLES = int(os.environ.get("FORENSICS_FUZZ_EXAMPLES", "120"))
REGRESSIONS = Path(__file__).parent / "regressions"
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _seed_jpeg() -> bytes:
    pixels = textured_rgb(48, 64)
    thumbnail = io.BytesIO()
    Image.fromarray(pixels[::4, ::4]).save(thumbnail, "JPEG", quality=70)
    exif = build_exif({0x010F: (ASCII, "Acme"), 0x0131: (ASCII, "GIMP 2.10")}, {0x9003: (ASCII, "2024:01:01 00:00:00")},
                      thumbnail=thumbnail.getvalue())
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="x"/></rdf:RDF></x:xmpmeta>')
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=80, exif=exif, xmp=xmp, comment=b"seed")
    return buffer.getvalue()


def _seed_png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "seed")
    info.add_text("Comment", "compressed seed text", zip=True)
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta></x:xmpmeta>")
    buffer = io.BytesIO()
    Image.fromarray(textured_rgb(24, 24)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def _seed_dng() -> bytes:
    pixels = textured_rgb(32, 48)
    preview = io.BytesIO()
    Image.fromarray(pixels[::2, ::2]).save(preview, "JPEG", quality=70)
    return build_dng(pixels, preview.getvalue())


def _seed_animation(kind: str) -> bytes:
    frames = [Image.fromarray(textured_rgb(24, 32, seed=seed)) for seed in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, kind, save_all=True, append_images=frames[1:], **({"duration": 50} if kind != "MPO" else {}))
    return buffer.getvalue()


# A JPEG and a PNG with metadata of every kind, a camera raw file with its preview, an animated GIF and an MPO:
# every decoder and parser the loader and the analysers reach.
SEEDS = [_seed_jpeg(), _seed_png(), _seed_dng(), _seed_animation("GIF"), _seed_animation("MPO")]


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        position = draw(st.integers(0, len(data) - 1))
        operation = draw(st.sampled_from(["flip", "insert", "delete", "duplicate"]))
        if operation == "flip":
            data[position] = draw(st.integers(0, 255))
        elif operation == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        elif operation == "delete":
            del data[position : position + draw(st.integers(1, 64))]
        else:
            data[position:position] = data[position : position + draw(st.integers(1, 256))]
        if not data:
            data = bytearray(b"\xff")
    if draw(st.booleans()):
        data = data[: draw(st.integers(1, len(data)))]
    return bytes(data)


@FUZZ
@given(mutated())
def test_parsers_never_raise_on_mutated_files(data):
    sniff(data[:1024])
    structure = parse_jpeg(data)
    for segment, _ in structure.app_segments(data):
        payload = segment.payload(data)
        parse_irb(payload)
        parse_icc(payload)
        mpf_image_count(payload)
    parse_png(data)
    read_exif(data)
    for packet in find_packets(data):
        parse_xmp(packet)


@FUZZ
@given(st.binary(max_size=2048))
def test_parsers_never_raise_on_random_bytes(data):
    sniff(data)
    parse_jpeg(b"\xff\xd8" + data)
    parse_png(b"\x89PNG\r\n\x1a\n" + data)
    parse_irb(b"Photoshop 3.0\x00" + data)
    parse_iptc(b"\x1c" + data)
    parse_icc(data)
    mpf_image_count(b"MPF\x00" + data)
    parse_xmp(b"<x:xmpmeta>" + data + b"</x:xmpmeta>")
    read_exif(data)
    describe_trailing_data(b"\xff\xd8\xff\xd9" + data, 4)


@FUZZ
@given(st.binary(max_size=4096))
def test_the_video_container_check_never_raises(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("container") / "fuzzed.mp4"
    for prefix in (b"\x00\x00\x00\x18ftypisom", b"RIFF\x00\x01\x00\x00AVI ", b""):
        path.write_bytes(prefix + data)
        container_damage(str(path))


def analyse_bytes(data: bytes, folder: Path) -> None:
    path = folder / "fuzzed.bin"
    path.write_bytes(data)
    try:
        media = load_media(path)
    except PixelsUndecodable as undecodable:  # its metadata and structure are still examined
        media = undecodable.media
    except BadInputError:
        return
    for result in run_analysers(media, AnalysisContext("FUZZ", "fuzzed.bin", received_utc="2026-01-01T00:00:00.000000Z")):
        assert result.status is not Status.FAILED, f"{result.name}: {result.reason}"


@settings(parent=FUZZ, max_examples=max(20, EXAMPLES // 2))
@given(data=mutated())
def test_analysis_never_crashes_on_mutated_files(tmp_path_factory, data):
    analyse_bytes(data, tmp_path_factory.mktemp("fuzz"))


@pytest.mark.parametrize("path", sorted(p for p in REGRESSIONS.glob("*") if p.suffix != ".txt"), ids=lambda p: p.name)
def test_regression_inputs_no_longer_crash(tmp_path, path):
    analyse_bytes(path.read_bytes(), tmp_path)
