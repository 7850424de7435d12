"""Encoder layouts of JPEG files assembled byte by byte, and the comparison with reference originals."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from forensics.algorithms.camera_encoders import ReferenceOriginal, compare_layout, make_key
from forensics.algorithms.jpeg_structure import encoder_layout, parse_jpeg
from tests.helpers import ASCII, assemble, build_exif, camera_style, segments_before_scan, textured_rgb

LIBJPEG = "DQT(1) DQT(1) SOF0 DHT(1) DHT(1) DHT(1) DHT(1)"


def pillow_jpeg(exif: bytes | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(textured_rgb(48, 64)).save(buffer, "JPEG", quality=90, **({"exif": exif} if exif else {}))
    return buffer.getvalue()


def layout(data: bytes) -> str:
    return encoder_layout(parse_jpeg(data), data)


def test_pillow_writes_libjpegs_layout_with_jfif_before_exif():
    exif = build_exif({0x010F: (ASCII, "Acme"), 0x0110: (ASCII, "Cam 1")})
    assert layout(pillow_jpeg()) == f"JFIF | {LIBJPEG}"
    assert layout(pillow_jpeg(exif)) == f"JFIF Exif | {LIBJPEG}"


def test_tables_packed_into_one_segment_are_counted_and_the_file_still_decodes():
    data = camera_style(pillow_jpeg(build_exif({0x010F: (ASCII, "Acme")})))
    assert layout(data) == "Exif | DQT(2) SOF0 DHT(4)"
    original = np.asarray(Image.open(io.BytesIO(pillow_jpeg())))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(data))), original)  # only the packing changed


def test_segment_order_and_restart_interval():
    segments, scan = segments_before_scan(camera_style(pillow_jpeg()))
    dqt, sof, dht = segments
    restart = (0xDD, (0).to_bytes(2, "big"))
    assert layout(assemble([dqt, dht, sof], scan)) == "no JFIF or Exif | DQT(2) DHT(4) SOF0"
    # The restart interval varies between photos of one camera, so it is not part of the layout.
    assert layout(assemble([dqt, restart, sof, dht], scan)) == layout(assemble([dqt, sof, dht], scan))


def reference(camera: str, make: str, layout_text: str, source: str = "a") -> ReferenceOriginal:
    return ReferenceOriginal(source, camera, make, "digest", layout_text)


CAMERA_LAYOUT = "Exif | DQT(2) SOF0 DHT(4)"


def test_a_model_is_compared_with_its_own_originals_first():
    references = [reference("Acme One", "Acme", CAMERA_LAYOUT), reference("Acme One", "Acme", CAMERA_LAYOUT),
                  reference("Acme Two", "Acme", f"JFIF Exif | {LIBJPEG}")]
    mismatch = compare_layout("Acme One", "Acme", f"JFIF Exif | {LIBJPEG}", references)
    assert (mismatch.basis, mismatch.consistent, mismatch.originals) == ("model", False, 2)
    assert compare_layout("Acme One", "Acme", CAMERA_LAYOUT, references).consistent is True
    assert mismatch.sources == 1


def test_a_model_whose_originals_disagree_is_no_reference():
    references = [reference("Acme One", "Acme", CAMERA_LAYOUT, "a"), reference("Acme One", "Acme", CAMERA_LAYOUT, "a"),
                  reference("Acme One", "Acme", f"JFIF Exif | {LIBJPEG}", "b")]
    other = compare_layout("Acme One", "Acme", "Exif | DQT(3) DHT(4) SOF0", references)
    assert (other.basis, other.consistent, other.sources, other.references_agree) == ("model", None, 2, False)
    assert compare_layout("Acme One", "Acme", CAMERA_LAYOUT, references).consistent is True


def test_a_make_stands_in_only_when_enough_of_its_models_agree():
    agreeing = [reference(f"Acme {n}", "ACME Corp.", CAMERA_LAYOUT) for n in range(3)]
    by_make = compare_layout("Acme 9", "Acme", f"JFIF Exif | {LIBJPEG}", agreeing)
    assert (by_make.basis, by_make.consistent, by_make.models) == ("make", False, 3)
    assert compare_layout("Acme 9", "Acme", f"JFIF Exif | {LIBJPEG}", agreeing[:2]).basis == "none"
    disagreeing = agreeing + [reference("Acme 4", "Acme", f"JFIF Exif | {LIBJPEG}")]
    assert compare_layout("Acme 9", "Acme", CAMERA_LAYOUT, disagreeing).consistent is None
    assert compare_layout("Other 1", "Other", CAMERA_LAYOUT, agreeing).basis == "none"


def test_make_key_ignores_company_suffixes_and_case():
    assert make_key("EASTMAN KODAK COMPANY") == make_key("Eastman Kodak") == "eastman"
    assert make_key("SANYO Electric Co.,Ltd.") == "sanyo" and make_key(None) == make_key("  ") == ""
