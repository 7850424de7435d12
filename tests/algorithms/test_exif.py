"""The EXIF reader's faster field reading gives exifread's own tags, value for value."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import forensics.algorithms.exif as exif_module
from tests.helpers import ASCII, BYTE, CORPUS, SHORT, build_exif


def tags_read(data: bytes, monkeypatch: pytest.MonkeyPatch, value_by_value: bool) -> object:
    import exifread
    from exifread.core.exif_header import ExifHeader

    with monkeypatch.context() as patch:
        if value_by_value:
            patch.setattr(ExifHeader, "_process_field", exif_module._read_field_value_by_value)
        try:
            raw = exifread.process_file(io.BytesIO(data), details=True)
        except Exception as error:  # hostile blocks: both readers must fail alike
            return f"{type(error).__name__}: {error}"
    return {key: (getattr(tag, "printable", None), repr(getattr(tag, "values", tag))) for key, tag in raw.items()}


def jpeg_with_maker_note(make: str, note: bytes) -> bytes:
    payload = build_exif({0x010F: (ASCII, make), 0x0110: (ASCII, "Model 1")},
                         exif={0x927C: (BYTE, tuple(note)), 0xA002: (SHORT, 64), 0xA003: (SHORT, 48)})
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 150)).save(buffer, "JPEG", exif=payload)
    return buffer.getvalue()


@pytest.mark.parametrize("make", ["Canon", "NIKON", "OLYMPUS", "FUJIFILM", "Apple", "SONY", "Casio", "DJI"])
def test_maker_notes_of_every_kind_read_as_exifread_reads_them(make, monkeypatch):
    rng = np.random.default_rng(sum(map(ord, make)))
    for size in (40, 999, 1000, 3000):  # exifread leaves most fields of 1000 values or more unread
        note = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        # An IFD header that points into the note, so that its entries (random types and counts, some past the
        # end of the file) are read.
        note = bytes([12, 0]) + note[2:]
        data = jpeg_with_maker_note(make, note)
        fast = tags_read(data, monkeypatch, value_by_value=False)
        assert fast == tags_read(data, monkeypatch, value_by_value=True)
        assert isinstance(fast, dict) and "EXIF MakerNote" in fast


@pytest.mark.corpus
def test_camera_and_exiftool_files_read_as_exifread_reads_them(monkeypatch):
    files = sorted((CORPUS / "metadata" / "metadata-extractor" / "jpg").glob("*.jpg"))
    files += sorted((CORPUS / "metadata" / "exiftool" / "t" / "images").glob("*.jpg"))
    assert len(files) > 90
    for path in files:
        data = path.read_bytes()
        assert tags_read(data, monkeypatch, False) == tags_read(data, monkeypatch, True), path.name
