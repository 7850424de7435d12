"""Camera raw files through LibRaw: DNGs built in code from a known scene, signatures, and the corpus's raw files."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data as skimage_data

from forensics.analysers import AnalysisContext, run_analysers
from forensics.media import PixelsUndecodable, load_media, sniff
from forensics.media.sniff import raw_format
from tests.helpers import CORPUS, build_dng


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    return skimage_data.astronaut()[:384]


def jpeg_of(pixels: np.ndarray, size=(256, 192)) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).resize(size, Image.Resampling.BOX).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def luminance_correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.mean(axis=2).ravel(), b.mean(axis=2).ravel())[0, 1])


def test_a_dng_is_rendered_from_its_sensor_data_and_its_preview_kept(tmp_path, scene):
    preview = jpeg_of(scene)
    path = tmp_path / "photo.dng"
    path.write_bytes(build_dng(scene, preview))
    media = load_media(path)
    assert media.file_type.format == "RAW" and (media.width, media.height) == (512, 384)
    assert media.mode == "camera raw, colour filter RGBG" and media.bit_depth == 12
    # The reference is the scene the mosaic was sampled from: LibRaw's demosaicing must give it back.
    assert luminance_correlation(media.pixels, scene) > 0.99
    assert media.raw_preview.endswith(preview[2:])  # LibRaw inserts an EXIF segment after the preview's SOI
    assert "LibRaw's rendering of the sensor data" in media.warnings[0]


def test_the_orientation_of_a_raw_file_is_kept_for_display(tmp_path, scene):
    path = tmp_path / "turned.dng"
    path.write_bytes(build_dng(scene, orientation=6))
    media = load_media(path)
    assert media.orientation == 6 and media.pixels.shape[:2] == (384, 512)  # stored, turned when shown
    assert media.upright_pixels.shape[:2] == (512, 384)


@pytest.mark.parametrize("share", [0.9, 0.3])
def test_a_raw_file_cut_short_keeps_its_metadata_examinable(tmp_path, scene, share):
    data = build_dng(scene, jpeg_of(scene))
    path = tmp_path / "cut.dng"
    path.write_bytes(data[: int(len(data) * share)])
    with pytest.raises(PixelsUndecodable, match="the file is cut short") as refused:
        load_media(path)
    assert refused.value.media.file_type.format == "RAW" and refused.value.media.width == 512


def test_raw_signatures_are_recognised_and_plain_tiff_is_not_raw(scene):
    assert raw_format(b"FUJIFILMCCD-RAW 0201") == "RAF" and raw_format(b"IIU\x00\x08\x00\x00\x00") == "RW2"
    assert raw_format(b"IIRO\x08\x00\x00\x00") == "ORF" and raw_format(b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01") == "CR3"
    assert raw_format(b"II*\x00\x10\x00\x00\x00CR\x02\x00") == "CR2" and raw_format(build_dng(scene)[:1024]) == "DNG"
    plain = io.BytesIO()
    Image.fromarray(scene).save(plain, "TIFF")
    assert raw_format(plain.getvalue()[:1024]) is None and sniff(plain.getvalue()[:1024]).format == "TIFF"


def analysed(path) -> dict:
    return {r.name: r for r in run_analysers(load_media(path), AnalysisContext("E001", path.name), threads=1)}


def test_the_preview_of_an_untouched_raw_file_matches_its_sensor_data(tmp_path, scene):
    path = tmp_path / "photo.dng"
    path.write_bytes(build_dng(scene, jpeg_of(scene)))
    results = analysed(path)
    finding = next(f for f in results["metadata"].findings if f.key == "metadata.raw_preview")
    values = {m.name: m.value for m in finding.measurements}
    assert finding.strength.value == "none" and values["correlation under that transform"] > 0.95
    assert values["preview size"] == [256, 192]
    assert results["cfa"].status.value == "not_applicable" and "LibRaw's demosaicing" in results["cfa"].reason
    assert results["compression"].status.value == "not_applicable"
    identity = {m.name: m.value for f in results["file_identity"].findings for m in f.measurements}
    assert identity["camera raw format"] == "DNG" and "file_identity.extension" not in \
        {f.key for f in results["file_identity"].findings}


def test_a_preview_of_another_picture_is_moderate_processing(tmp_path, scene):
    other = np.ascontiguousarray(skimage_data.chelsea()[:288, :384])
    path = tmp_path / "swapped.dng"
    path.write_bytes(build_dng(scene, jpeg_of(other)))
    finding = next(f for f in analysed(path)["metadata"].findings if f.key == "metadata.raw_preview")
    assert finding.strength.value == "moderate" and "different picture" in finding.explanation


@pytest.mark.corpus
def test_every_raw_file_of_the_corpus_is_rendered_or_examined_from_its_metadata():
    paths = sorted((CORPUS / "metadata" / "exiftool" / "t" / "images").glob("*"))
    paths = [p for p in paths if p.suffix.lower() in (".dng", ".cr2", ".cr3", ".nef", ".raf", ".rw2", ".iiq")]
    paths.append(CORPUS / "provenance" / "c2pa" / "contentauth_c2pa-python" / "tests" / "fixtures" / "C.dng")
    rendered = {}
    for path in paths:
        try:
            media = load_media(path)
        except PixelsUndecodable as refused:  # ExifTool's test files hold metadata only: their sensor data was cut
            media = refused.media
        assert media.file_type.format == "RAW", path
        rendered[path.name] = media.pixels is not None
    # C.dng (C2PA's test DNG, 2048 x 1365, linear) is whole; ExifTool's hold under 0.1 bit per photosite.
    assert rendered == {name: name == "C.dng" for name in rendered} and len(rendered) == 8
    finding = next(f for f in analysed(paths[-1])["metadata"].findings if f.key == "metadata.raw_preview")
    assert {m.name: m.value for m in finding.measurements}["correlation under that transform"] > 0.95
