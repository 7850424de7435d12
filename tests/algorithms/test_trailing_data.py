"""What follows the end of a picture, named from the signatures of the formats themselves."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from forensics.algorithms.trailing_data import describe_trailing_data
from tests.helpers import textured_rgb


def jpeg(height: int = 48, width: int = 64, seed: int = 0) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(textured_rgb(height, width, seed=seed)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def zipped() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("secret.txt", "hidden behind a picture")
    return buffer.getvalue()


@pytest.mark.parametrize("trailer, description", [
    (b"\x00" * 5000, "5000 bytes of padding (every byte 0x00)"),
    (b"\xff" * 16, "16 bytes of padding (every byte 0xff)"),
    (jpeg(seed=1), "a JPEG picture"),
    (zipped(), "a ZIP archive"),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64, "an MP4/QuickTime video (motion photo or appended clip)"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
    (b"AXS!" + b"\x00" * 40, "an AFCP trailer (IPTC records written there by software such as IrfanView)"),
    (b"\x1c\x02\x00\x00\x02\x00\x04\x1c\x02x\x00\x05hello", "IPTC records (as photo-management software such as "
                                                               "Photo Mechanic or FotoStation writes them there)"),
    (b"\x00" * 8 + b"SEFH" + b"\x01" * 40 + b"\x30\x00\x00\x00SEFT", "a Samsung trailer (SEFT: data Samsung phones "
                                                                      "and their gallery app append)"),
    (b"camera notes \x01\x02\x03", "16 bytes of unidentified data"),
])
def test_each_kind_of_trailer_is_named(trailer, description):
    picture = jpeg()
    found = describe_trailing_data(picture + trailer, len(picture))
    assert found.description == description and found.size == len(trailer) and found.offset == len(picture)


def test_a_file_hidden_after_other_data_is_found_where_it_starts():
    picture, hidden = jpeg(), zipped()
    found = describe_trailing_data(picture + b"notes " * 10 + hidden, len(picture))
    assert found.description == f"{60 + len(hidden)} bytes of unidentified data holding a ZIP archive"
    assert found.embedded[0] == ("a ZIP archive", len(picture) + 60)


def test_nothing_after_the_picture_is_nothing_to_describe():
    picture = jpeg()
    assert describe_trailing_data(picture, len(picture)) is None
