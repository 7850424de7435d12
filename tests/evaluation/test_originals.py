"""Which files count as untouched camera originals: each rule of the checker on a file built to break it."""

from __future__ import annotations

import pytest
from PIL import Image

from forensics.evaluation.originals import check_original
from tests.helpers import ASCII, CORPUS, LONG, build_exif, textured_rgb

HEIGHT, WIDTH = 480, 720  # 0.35 megapixels: a plausible native size


def camera_exif(width: int = WIDTH, height: int = HEIGHT, software: str = "Firmware 1.02",
                modified: str = "2024:05:01 10:00:02") -> bytes:
    return build_exif({0x010F: (ASCII, "Acme"), 0x0110: (ASCII, "Acme Cam 1"), 0x0131: (ASCII, software),
                       0x0132: (ASCII, modified)},
                      {0x9003: (ASCII, "2024:05:01 10:00:00"), 0xA002: (LONG, width), 0xA003: (LONG, height)})


def photo(tmp_path, exif: bytes | None, size: tuple[int, int] = (HEIGHT, WIDTH)):
    path = tmp_path / "photo.jpg"
    Image.fromarray(textured_rgb(*size)).save(path, quality=92, **({"exif": exif} if exif else {}))
    return path


def test_a_camera_file_with_consistent_metadata_is_accepted(tmp_path):
    check = check_original(photo(tmp_path, camera_exif()))
    assert check.accepted, check.reasons
    assert check.camera == "Acme Cam 1" and check.size == (WIDTH, HEIGHT)


@pytest.mark.parametrize("exif, size, reason", [
    (None, (HEIGHT, WIDTH), "no camera make and model"),
    (camera_exif(software="Adobe Photoshop 25.0"), (HEIGHT, WIDTH), "names editing software: Adobe Photoshop"),
    (camera_exif(), (HEIGHT // 2, WIDTH // 2), "differs from the EXIF size"),
    (camera_exif(modified="2025:01:01 00:00:00"), (HEIGHT, WIDTH), "after capture"),
    (camera_exif(width=300, height=200), (200, 300), "megapixels"),
])
def test_each_sign_of_processing_rejects_the_file_with_its_reason(tmp_path, exif, size, reason):
    check = check_original(photo(tmp_path, exif, size))
    assert not check.accepted and any(reason in r for r in check.reasons), check.reasons


def test_a_truncated_file_is_not_a_usable_reference(tmp_path):
    path = photo(tmp_path, camera_exif())
    path.write_bytes(path.read_bytes()[:-2000])
    assert any("cannot be decoded" in r for r in check_original(path).reasons)


def test_a_rotation_is_not_a_size_difference(tmp_path):
    exif = camera_exif(width=HEIGHT, height=WIDTH)  # recorded as portrait, stored as landscape
    assert check_original(photo(tmp_path, exif)).accepted


@pytest.mark.corpus
def test_the_shipped_camera_encoder_table_is_what_the_builder_makes_of_the_corpus_originals():
    """The rows of the corpus's own collections are rebuilt and compared; fetched collections may be absent."""
    import json

    from forensics.analysers.metadata import CAMERA_ENCODERS
    from forensics.evaluation.build_camera_encoders import build

    shipped = json.loads(CAMERA_ENCODERS.read_text("utf-8"))["originals"]
    rebuilt = build(CORPUS)["originals"]
    corpus_sources = {"metadata-extractor", "exif-samples", "pillow"}
    assert [r for r in rebuilt if r["source"] in corpus_sources] == [r for r in shipped if r["source"] in corpus_sources]
    assert len({r["camera"] for r in shipped}) >= 30


def test_the_shipped_list_of_data_sets_is_what_the_collections_say():
    import json

    from forensics.evaluation.collections import CALIBRATION, COLLECTIONS
    from forensics.evaluation.data_sets import OUTPUT, build

    assert json.loads(OUTPUT.read_text(encoding="utf-8")) == build()  # rebuilt: python -m forensics.evaluation.data_sets
    listed = {d["name"]: d for d in build()["data_sets"]}
    for collection in (CALIBRATION, *COLLECTIONS):
        assert listed[collection.name]["licence"] == collection.licence
        # A court needs a version: a commit or a package version, never a folder on the examiner's machine.
        assert "commit" in listed[collection.name]["source"] or "PyPI" in listed[collection.name]["source"]
    assert all(d["licence"] and d["source"] and "shared/corpus" not in d["source"] for d in listed.values())
