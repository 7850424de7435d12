"""Metadata findings on files whose metadata the test wrote itself."""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path

import exifread
import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from forensics.algorithms.png_chunks import parse_png
from forensics.analysers import AnalysisContext
from forensics.analysers.metadata import MetadataAnalyser
from forensics.errors import BadInputError
from forensics.media import load_media
from tests.helpers import ASCII, CORPUS, RATIONAL, SHORT, build_exif, camera_style, textured_rgb

CONTEXT = AnalysisContext("E001", "photo.jpg", received_utc="2026-11-23T10:00:00.000000Z")
# A camera we hold no original of: its quantisation tables cannot be compared with anything.
CAMERA = {0x010F: (ASCII, "Acme"), 0x0110: (ASCII, "Acme Cam 1"), 0x0132: (ASCII, "2024:05:01 10:00:00")}
CAPTURE = {0x9003: (ASCII, "2024:05:01 10:00:00"), 0x9004: (ASCII, "2024:05:01 10:00:00")}


def jpeg_with(tmp_path: Path, pixels: np.ndarray, exif: bytes | None = None, name: str = "photo.jpg", **extra) -> Path:
    path = tmp_path / name
    Image.fromarray(pixels).save(path, quality=92, **({"exif": exif} if exif else {}), **extra)
    return path


def thumbnail_of(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).resize((160, 120), Image.Resampling.BOX).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def analyse(path: Path):
    return MetadataAnalyser().analyse(load_media(path), CONTEXT)


def by_key(output) -> dict:
    return {f.key: f for f in output.findings}


def values(finding) -> dict:
    return {m.name: m.value for m in finding.measurements}


def test_camera_original_like_file_raises_no_indication(tmp_path):
    pixels = textured_rgb(480, 640)
    path = jpeg_with(tmp_path, pixels, build_exif(CAMERA, CAPTURE, thumbnail=thumbnail_of(pixels)))
    path.write_bytes(camera_style(path.read_bytes()))  # laid out as cameras write, not as Pillow does
    output = analyse(path)
    assert [f.strength.value for f in output.findings if f.strength.value != "none"] == []
    summary = values(by_key(output)["metadata.summary"])
    assert (summary["camera make"], summary["camera model"]) == ("Acme", "Acme Cam 1")
    assert summary["EXIF thumbnail present"] is True
    thumbnail = by_key(output)["metadata.thumbnail"]
    assert values(thumbnail)["correlation under that transform"] > 0.95


def test_summary_values_agree_with_exifread(tmp_path):
    gps = {0x0001: (ASCII, "S"), 0x0002: (RATIONAL, [(33, 1), (51, 1), (5400, 100)]),
           0x0003: (ASCII, "E"), 0x0004: (RATIONAL, [(151, 1), (12, 1), (3000, 100)])}
    path = jpeg_with(tmp_path, textured_rgb(60, 80), build_exif({**CAMERA, 0x0112: (SHORT, 6)}, CAPTURE, gps=gps))
    summary = values(by_key(analyse(path))["metadata.summary"])
    with open(path, "rb") as handle:
        reference = exifread.process_file(handle, details=False)
    assert summary["camera model"] == str(reference["Image Model"])
    assert summary["EXIF orientation"] == 6
    assert summary["GPS latitude"] == pytest.approx(-(33 + 51 / 60 + 54 / 3600), abs=1e-6)
    assert summary["GPS longitude"] == pytest.approx(151 + 12 / 60 + 30 / 3600, abs=1e-6)


def test_editor_in_software_tag_is_moderate(tmp_path):
    exif = build_exif({**CAMERA, 0x0131: (ASCII, "Adobe Photoshop 25.0 (Windows)")}, CAPTURE)
    finding = by_key(analyse(jpeg_with(tmp_path, textured_rgb(60, 80), exif)))["metadata.editing_software"]
    assert finding.strength.value == "moderate" and finding.score == 0.6
    assert values(finding) == {"EXIF Software": "Adobe Photoshop 25.0 (Windows)"}


def test_camera_firmware_in_software_tag_is_not_an_editor(tmp_path):
    for firmware in ("5.1.1", "Ver.1.00", "BS685BWYx08237", "fw 05.15 prm 07.53", "Kodak Digital Central Lab System"):
        exif = build_exif({**CAMERA, 0x0131: (ASCII, firmware)}, CAPTURE)
        titles = by_key(analyse(jpeg_with(tmp_path, textured_rgb(60, 80), exif)))
        assert "Editing software named in the metadata" not in titles, firmware


def test_xmp_history_names_the_editor(tmp_path):
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
           b'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
           b'xmp:ModifyDate="2024-06-01T12:00:00Z">'
           b'<xmpMM:History><rdf:Seq><rdf:li stEvt:action="saved" stEvt:when="2024-06-01T12:00:00Z" '
           b'stEvt:softwareAgent="Adobe Lightroom Classic 13.0"/></rdf:Seq></xmpMM:History>'
           b'</rdf:Description></rdf:RDF></x:xmpmeta>')
    path = jpeg_with(tmp_path, textured_rgb(60, 80), build_exif(CAMERA, CAPTURE), xmp=xmp)
    output = analyse(path)
    editor = by_key(output)["metadata.editing_software"]
    assert any(m.note == "Adobe Lightroom" for m in editor.measurements)
    dates = by_key(output)["metadata.dates"]
    assert dates.strength.value == "weak" and "XMP xmp:ModifyDate" in dates.explanation
    assert any(e.group == "XMP history" and "Lightroom" in e.value for e in output.appendix)


def test_stable_diffusion_parameters_in_png_are_strong(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a photo of a cat, Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1")
    path = tmp_path / "gen.png"
    Image.fromarray(textured_rgb(64, 64)).save(path, pnginfo=info)
    finding = by_key(analyse(path))["metadata.ai_generator"]
    assert finding.strength.value == "strong" and finding.score == 0.9


def test_compressed_png_text_is_read_and_bounded(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "GIMP 2.10.36", zip=True)
    path = tmp_path / "z.png"
    Image.fromarray(textured_rgb(32, 32)).save(path, pnginfo=info)
    output = analyse(path)
    assert values(by_key(output)["metadata.editing_software"]) == {"PNG zTXt 'Software'": "GIMP 2.10.36"}

    bomb = tmp_path / "bomb.png"
    data = path.read_bytes()
    body = b"Comment\x00\x00" + zlib.compress(b"A" * (64 * 1024 * 1024), 9)
    chunk = len(body).to_bytes(4, "big") + b"zTXt" + body + zlib.crc32(b"zTXt" + body).to_bytes(4, "big")
    bomb.write_bytes(data[:33] + chunk + data[33:])
    assert any("inflates beyond" in p for p in parse_png(bomb.read_bytes()).problems)
    with pytest.raises(BadInputError, match="too large"):  # Pillow refuses such files before we see them
        load_media(bomb)


def test_swapped_thumbnail_is_strong(tmp_path):
    pixels = textured_rgb(480, 640)
    other = np.ascontiguousarray(np.rot90(textured_rgb(640, 480, seed=9)))[::-1].copy()
    other[:, :320] = 255 - other[:, :320]
    path = jpeg_with(tmp_path, pixels, build_exif(CAMERA, CAPTURE, thumbnail=thumbnail_of(other)))
    finding = by_key(analyse(path))["metadata.thumbnail"]
    assert finding.strength.value == "strong"


def test_a_thumbnail_of_another_shot_of_the_scene_is_told_by_its_detail(tmp_path):
    from scipy import ndimage
    from skimage import data as skimage_data

    wide = np.asarray(Image.fromarray(skimage_data.astronaut()).resize((880, 660)))
    shot = np.ascontiguousarray(wide[30:630, 40:840])
    neighbour = np.ascontiguousarray(wide[14:614, 20:820])  # the camera moved 20 pixels of 800
    reframed = by_key(analyse(jpeg_with(tmp_path, shot, build_exif(CAMERA, CAPTURE, thumbnail=thumbnail_of(neighbour)),
                                        name="n.jpg")))["metadata.thumbnail"]
    assert reframed.strength.value == "weak" and "framed differently" in reframed.explanation
    assert values(reframed)["largest move of a corner by that map"] == pytest.approx(100 * np.hypot(20, 16) / 800, abs=0.5)

    rng = np.random.default_rng(3)  # a scene lit from one side, with texture to align on
    texture = ndimage.gaussian_filter(rng.normal(0, 1, (750, 1000)), 10)
    scene = np.clip(np.linspace(40, 220, 1000)[None, :] + 1000 * texture, 0, 255).astype(np.uint8)
    scene = np.repeat(scene[:, :, None], 3, axis=2)
    centre = np.ascontiguousarray(scene[75:675, 100:900])  # cropped to the central 80 %, the thumbnail kept
    cropped = by_key(analyse(jpeg_with(tmp_path, centre, build_exif(CAMERA, CAPTURE, thumbnail=thumbnail_of(scene)),
                                       name="c.jpg")))["metadata.thumbnail"]
    assert cropped.strength.value == "moderate" and "framed very differently" in cropped.explanation
    # the picture is the thumbnail's centre enlarged 1.25 times: its corners land 20 and 15 pixels of 160 outside
    assert values(cropped)["largest move of a corner by that map"] == pytest.approx(100 * np.hypot(20, 15) / 160, abs=1)

    layout = ndimage.gaussian_filter(shot.astype(np.float64), (30, 30, 0))  # the layout, with another picture's detail
    brick = np.asarray(Image.fromarray(skimage_data.brick()).resize((800, 600))).astype(np.float64)
    other = np.clip(layout + 0.6 * (brick - ndimage.gaussian_filter(brick, 30))[:, :, None], 0, 255).astype(np.uint8)
    replaced = by_key(analyse(jpeg_with(tmp_path, shot, build_exif(CAMERA, CAPTURE, thumbnail=thumbnail_of(other)),
                                        name="r.jpg")))["metadata.thumbnail"]
    assert replaced.strength.value == "moderate" and "not its fine detail" in replaced.explanation
    assert values(replaced)["correlation under that transform"] > 0.6  # the luminance alone would not tell


def test_a_picture_without_detail_is_not_judged_by_its_detail(tmp_path):
    rng = np.random.default_rng(5)
    ramp = np.tile(np.linspace(60, 200, 640), (480, 1))[:, :, None].repeat(3, axis=2)  # a blank wall, lit from one side
    wall = np.clip(ramp + rng.normal(0, 1, ramp.shape), 0, 255).astype(np.uint8)
    again = np.clip(ramp + rng.normal(0, 1, ramp.shape), 0, 255).astype(np.uint8)  # its noise differs, not its picture
    finding = by_key(analyse(jpeg_with(tmp_path, wall, build_exif(CAMERA, CAPTURE, thumbnail=thumbnail_of(again)))))
    thumbnail = finding["metadata.thumbnail"]
    assert thumbnail.strength.value == "none", thumbnail.explanation
    assert values(thumbnail)["detail in the main image"] < 1


def test_mirrored_main_image_is_moderate_and_rotation_weak(tmp_path):
    pixels = textured_rgb(480, 640, seed=3)
    exif = build_exif(CAMERA, CAPTURE, thumbnail=thumbnail_of(pixels))
    mirrored = analyse(jpeg_with(tmp_path, np.ascontiguousarray(pixels[:, ::-1]), exif, name="m.jpg"))
    finding = by_key(mirrored)["metadata.thumbnail"]
    assert finding.strength.value == "moderate"
    assert values(finding)["best-matching transform of the main image"] == "mirrored left-right"
    rotated = analyse(jpeg_with(tmp_path, np.ascontiguousarray(np.rot90(pixels)), exif, name="r.jpg"))
    assert by_key(rotated)["metadata.thumbnail"].strength.value == "weak"


def test_modify_date_after_capture_and_future_date_are_weak(tmp_path):
    exif = build_exif({**CAMERA, 0x0132: (ASCII, "2024:05:03 09:00:00")}, CAPTURE)
    finding = by_key(analyse(jpeg_with(tmp_path, textured_rgb(60, 80), exif)))["metadata.dates"]
    assert finding.strength.value == "weak" and "1.9 days" not in finding.explanation and "after the photo" in finding.explanation
    future = build_exif(CAMERA, {0x9003: (ASCII, "2031:01:01 00:00:00")})
    finding = by_key(analyse(jpeg_with(tmp_path, textured_rgb(60, 80), future, name="f.jpg")))["metadata.dates"]
    assert "after the file was received" in finding.explanation


def test_android_placeholder_digitized_date_is_not_an_inconsistency(tmp_path):
    exif = build_exif(CAMERA, {0x9003: (ASCII, "2024:05:01 10:00:00"), 0x9004: (ASCII, "2002:12:08 12:00:00")})
    finding = by_key(analyse(jpeg_with(tmp_path, textured_rgb(60, 80), exif)))["metadata.dates"]
    assert finding.strength.value == "none"


def test_capture_and_storage_times_apart_in_a_digital_capture_are_moderate(tmp_path):
    # EXIF: a digital camera records DateTimeDigitized equal to DateTimeOriginal; a film scanner records its scan
    # time there. An exposure time (0x829A) says the picture was taken digitally.
    exposure = {0x829A: (RATIONAL, [(1, 125)])}
    shifted = {0x9003: (ASCII, "2024:04:30 10:00:00"), 0x9004: (ASCII, "2024:05:01 10:00:00")}

    def dates(extra: dict, name: str):
        exif = build_exif(CAMERA, {**shifted, **extra})
        return by_key(analyse(jpeg_with(tmp_path, textured_rgb(60, 80), exif, name=name)))["metadata.dates"]

    edited = dates(exposure, "camera.jpg")
    assert edited.strength.value == "moderate" and edited.score == 0.6
    assert "24.0 h" in edited.explanation
    assert dates({}, "scan.jpg").strength.value == "weak"  # no exposure: perhaps film scanned later
    seconds_apart = {0x9003: (ASCII, "2024:05:01 09:59:30"), 0x9004: (ASCII, "2024:05:01 10:00:00")}
    close = build_exif(CAMERA, {**seconds_apart, **exposure})
    finding = by_key(analyse(jpeg_with(tmp_path, textured_rgb(60, 80), close, name="close.jpg")))["metadata.dates"]
    assert finding.strength.value == "weak"  # 30 s: within what cameras take to store a burst


@pytest.mark.parametrize("offset, gps_date, gps_time, level", [
    ("+02:00", "2024:05:01", (8, 0, 30), "none"),  # 10:00 at UTC+2 is 08:00 UTC: 30 s apart, within the tolerance
    ("+02:00", "2024:05:01", (7, 0, 0), "weak"),  # an hour apart once converted to UTC
    (None, "2024:04:30", (22, 0, 0), "none"),  # 12 h apart: UTC-12 to UTC+14 allows it
    (None, "2024:05:02", (3, 0, 0), "weak"),  # 17 h apart: no time zone is that far from UTC
])
def test_the_capture_time_is_compared_with_the_gps_time(tmp_path, offset, gps_date, gps_time, level):
    gps = {0x0007: (RATIONAL, [(value, 1) for value in gps_time]), 0x001D: (ASCII, gps_date)}
    capture = {**CAPTURE, **({0x9011: (ASCII, offset)} if offset else {})}
    path = jpeg_with(tmp_path, textured_rgb(60, 80), build_exif(CAMERA, capture, gps=gps))
    finding = by_key(analyse(path))["metadata.dates"]
    assert finding.strength.value == level, finding.explanation
    hours, minutes, seconds = gps_time
    assert values(finding)["GPS date/time (UTC)"] == f"{gps_date} {hours:02d}:{minutes:02d}:{seconds:02d}"
    if level == "weak":
        assert ("converted to UTC" if offset else "more than any time zone is from UTC") in finding.explanation


def test_exif_size_mismatch_is_weak(tmp_path):
    exif = build_exif(CAMERA, {**CAPTURE, 0xA002: (SHORT, 4000), 0xA003: (SHORT, 3000)})
    finding = by_key(analyse(jpeg_with(tmp_path, textured_rgb(60, 80), exif)))["metadata.exif_size"]
    assert values(finding) == {"EXIF width x height": [4000, 3000], "actual width x height": [80, 60]}


def test_a_jpeg_without_camera_metadata_weakly_supports_processing_and_nothing_else(tmp_path):
    output = analyse(jpeg_with(tmp_path, textured_rgb(60, 80)))
    assert by_key(output)["metadata.summary"].strength.value == "none"
    stripped = by_key(output)["metadata.stripped"]
    assert (stripped.strength.value, stripped.proposition.value) == ("weak", "processing")
    assert all(f.strength.value == "none" for f in output.findings if f.key != "metadata.stripped")


def test_a_png_without_metadata_is_not_called_stripped(tmp_path):
    path = tmp_path / "plain.png"
    Image.fromarray(textured_rgb(60, 80)).save(path)
    assert "metadata.stripped" not in by_key(analyse(path))


def test_corrupt_exif_gives_warnings_not_a_crash(tmp_path):
    exif = bytearray(build_exif(CAMERA, CAPTURE))
    exif[20:40] = b"\xff" * 20  # break the IFD0 entry table
    output = analyse(jpeg_with(tmp_path, textured_rgb(60, 80), bytes(exif)))
    assert output.findings  # partial results


def test_metadata_strings_survive_json_round_trip(tmp_path):
    exif = build_exif({**CAMERA, 0x0131: (ASCII, '<img src="file:///etc/passwd">')}, CAPTURE)
    output = analyse(jpeg_with(tmp_path, textured_rgb(60, 80), exif))
    assert any(e.value == '<img src="file:///etc/passwd">' for e in output.appendix)
    json.dumps([e.__dict__ for e in output.appendix])


@pytest.mark.corpus
def test_corpus_editor_files_are_flagged_and_firmware_files_are_not():
    folder = CORPUS / "metadata" / "metadata-extractor" / "jpg"
    for name in ("Photoshop (2).jpg", "Issue 525.jpg", "issue 121.jpg"):
        assert "metadata.editing_software" in by_key(analyse(folder / name)), name
    for name in ("Apple iPhone 4S.jpg", "Nikon D40.jpg", "Canon EOS 30D (4).jpg", "Samsung GT-I9000 (Galaxy S).jpg"):
        output = analyse(folder / name)
        assert all(f.strength.rank < 2 for f in output.findings), name


def test_empty_thumbnail_is_reported_not_a_crash(jpeg_file):
    from forensics.algorithms.exif import Exif
    from forensics.analysers.metadata import _thumbnail_findings
    from forensics.media.metadata import ImageMetadata

    findings = _thumbnail_findings(ImageMetadata(exif=Exif(thumbnail=b"")), load_media(jpeg_file))
    assert [f.title for f in findings] == ["EXIF thumbnail cannot be decoded"]


IPHONE_7 = {0x010F: (ASCII, "Apple"), 0x0110: (ASCII, "iPhone 7")}


def test_known_camera_with_ijg_tables_is_weakly_inconsistent(tmp_path):
    from forensics.analysers.metadata import camera_encoders

    held = [r for r in camera_encoders() if r.camera == "Apple iPhone 7"]
    assert len(held) >= 2  # a camera whose untouched originals we hold, with its own (non-IJG) tables
    finding = by_key(analyse(jpeg_with(tmp_path, textured_rgb(60, 80), build_exif(IPHONE_7, CAPTURE))))["metadata.camera_tables"]
    assert finding.strength.value == "weak"
    assert values(finding)["verdict"] == "inconsistent" and values(finding)["IJG quality (exact match)"] == 92


def layout_finding(path: Path, held_out: tuple[str, ...] = ()):
    context = AnalysisContext("E001", "photo.jpg", parameters={"held_out_sources": list(held_out)})
    return by_key(MetadataAnalyser().analyse(load_media(path), context))["metadata.camera_layout"]


KODAK_Z612 = {0x010F: (ASCII, "EASTMAN KODAK COMPANY"), 0x0110: (ASCII, "KODAK Z612 ZOOM DIGITAL CAMERA")}


def test_a_resave_that_keeps_the_exif_of_a_camera_two_collections_agree_on_is_told_by_its_layout(tmp_path):
    resaved = jpeg_with(tmp_path, textured_rgb(60, 80), build_exif(KODAK_Z612, CAPTURE))
    finding = layout_finding(resaved)
    assert finding.strength.value == "moderate" and finding.proposition.value == "processing"
    assert values(finding)["file's layout"] == "JFIF Exif | DQT(1) DQT(1) SOF0 DHT(1) DHT(1) DHT(1) DHT(1)"
    assert values(finding)["layouts they have"] == "Exif | DQT(2) SOF0 DHT(4)"
    assert values(finding)["collections they come from"] == 2
    assert "KODAK Z612" in finding.explanation and "re-save" in finding.explanation

    as_the_camera_writes = tmp_path / "camera.jpg"
    as_the_camera_writes.write_bytes(camera_style(resaved.read_bytes()))
    assert layout_finding(as_the_camera_writes).strength.value == "none"

    # With one of the two collections left out, the remaining one is thin: one owner, one firmware.
    one_collection = layout_finding(resaved, held_out=("openMVG",))
    assert one_collection.strength.value == "weak" and "one collection" in one_collection.explanation


def test_a_model_whose_originals_differ_among_themselves_gives_no_conclusion(tmp_path):
    resaved = jpeg_with(tmp_path, textured_rgb(60, 80), build_exif(IPHONE_7, CAPTURE))
    finding = layout_finding(resaved)
    # The iPhone 7 photos we hold have three layouts (iOS 10 originals, and two later photos that came through
    # other hands), so a fourth says nothing.
    assert len(values(finding)["layouts they have"].split("; ")) == 3
    assert finding.strength.value == "none" and "says nothing on its own" in finding.explanation
    # Without those two, the model's originals agree, but come from one collection: weak.
    assert layout_finding(resaved, held_out=("TNThieding-exif",)).strength.value == "weak"


def test_held_out_collections_are_not_compared_with(tmp_path):
    resaved = jpeg_with(tmp_path, textured_rgb(60, 80), build_exif(IPHONE_7, CAPTURE))
    # Without the collections that hold iPhone 7 originals, the other Apple models stand in, weakly.
    by_make = layout_finding(resaved, held_out=("dataset_monstree", "TNThieding-exif"))
    assert by_make.strength.value == "weak"
    assert values(by_make)["compared with"] == "originals of other models of this make"
    apple = ("dataset_monstree", "TNThieding-exif", "CartridgeOCR", "Lychee", "bimg", "exif-samples", "metadata-extractor")
    nothing = layout_finding(resaved, held_out=apple)
    assert values(nothing)["compared with"] == "nothing" and nothing.strength.value == "weak"  # JFIF first, below


def test_a_camera_we_hold_nothing_of_is_judged_only_by_where_its_jfif_segment_is(tmp_path):
    from forensics.analysers.metadata import MAX_JFIF_FIRST_SHARE, camera_encoders

    pillow = jpeg_with(tmp_path, textured_rgb(60, 80), build_exif(CAMERA, CAPTURE))
    finding = layout_finding(pillow)
    assert values(finding)["compared with"] == "nothing"
    jfif_first = {r.camera for r in camera_encoders() if r.layout.startswith("JFIF Exif")}
    models = {r.camera for r in camera_encoders()}
    assert len(jfif_first) / len(models) < MAX_JFIF_FIRST_SHARE
    assert values(finding)["camera models we hold that write JFIF before EXIF"] == f"{len(jfif_first)} of {len(models)}"
    assert finding.strength.value == "weak" and finding.score == 0.2 and "some cameras do it too" in finding.explanation
    as_cameras_write = tmp_path / "camera.jpg"
    as_cameras_write.write_bytes(camera_style(pillow.read_bytes()))
    finding = layout_finding(as_cameras_write)
    assert finding.strength.value == "none" and "no comparison is possible" in finding.explanation


@pytest.mark.corpus
def test_mpo_image_count_agrees_with_pillow():
    compared = 0
    for path in sorted((CORPUS / "metadata" / "pillow").glob("*.mpo")):
        try:  # several of Pillow's MPO test files are malformed on purpose
            with Image.open(path) as reference:
                expected = reference.n_frames
            media = load_media(path)
        except (SyntaxError, OSError, BadInputError):
            continue
        summary = values(by_key(MetadataAnalyser().analyse(media, CONTEXT))["metadata.summary"])
        assert summary["images in the multi-picture (MPO) file"] == expected, path.name
        compared += 1
    assert compared >= 3


def _mpo(tmp_path: Path, main: np.ndarray, preview: np.ndarray | None, **kwargs) -> Path:
    from tests.helpers import with_mpf_preview

    def encoded(pixels: np.ndarray, quality: int) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
        return buffer.getvalue()

    small = None if preview is None else encoded(np.asarray(Image.fromarray(preview).resize((320, 240), Image.Resampling.BOX)), 85)
    path = tmp_path / "photo.jpg"
    path.write_bytes(with_mpf_preview(encoded(main, 92), small, **kwargs))
    return path


def test_a_camera_preview_of_the_same_picture_is_consistent(tmp_path):
    pixels = textured_rgb(480, 640)
    finding = by_key(analyse(_mpo(tmp_path, pixels, pixels)))["metadata.preview"]
    assert finding.strength.value == "none" and values(finding)["correlation under that transform"] > 0.95
    assert values(finding)["preview size"] == [320, 240]


def test_a_picture_replaced_after_its_camera_preview_was_written_is_strong(tmp_path):
    y, x = np.mgrid[0:480, 0:640]
    other = np.stack([(x // 40 + y // 40) % 2 * 200 + 30] * 3, axis=-1).astype(np.uint8)
    finding = by_key(analyse(_mpo(tmp_path, other, textured_rgb(480, 640))))["metadata.preview"]
    assert (finding.strength.value, finding.proposition.value) == ("strong", "processing")
    assert finding.explanation.startswith("The camera's large preview (MPF) shows a different picture")


def test_a_declared_preview_the_file_no_longer_holds_is_moderate(tmp_path):
    finding = by_key(analyse(_mpo(tmp_path, textured_rgb(480, 640), None, declared_size=50_000)))["metadata.preview"]
    assert finding.strength.value == "moderate" and "declares is missing" in finding.title


def test_a_stereo_pair_is_not_taken_for_a_preview(tmp_path):
    pixels = textured_rgb(480, 640)
    output = analyse(_mpo(tmp_path, pixels, textured_rgb(480, 640, seed=4)[:, ::-1], type_code=0x020002))
    assert "metadata.preview" not in by_key(output)
    assert values(by_key(output)["metadata.summary"])["images in the multi-picture (MPO) file"] == 2


def test_two_jpegs_joined_are_reported_with_the_second_pictures_size(tmp_path):
    first = jpeg_with(tmp_path, textured_rgb(120, 160), name="first.jpg")
    second = jpeg_with(tmp_path, textured_rgb(90, 70, seed=3), name="second.jpg")
    joined = tmp_path / "joined.jpg"
    joined.write_bytes(first.read_bytes() + second.read_bytes())
    finding = by_key(analyse(joined))["metadata.trailing_data"]
    found = values(finding)
    assert found["bytes after the end of the picture"] == second.stat().st_size
    assert found["where they start"] == first.stat().st_size and found["what they are"] == "a JPEG picture"
    assert found["first appended JPEG picture"] == [70, 90] and finding.strength.value == "none"
    assert "two files joined together" in finding.explanation


def test_the_further_images_an_mpo_declares_are_not_trailing_data_but_what_follows_them_is(tmp_path):
    path = tmp_path / "stereo.mpo"
    Image.fromarray(textured_rgb(120, 160)).save(path, "MPO", save_all=True,
                                                 append_images=[Image.fromarray(textured_rgb(120, 160, seed=2))])
    assert "metadata.trailing_data" not in by_key(analyse(path))
    padded = tmp_path / "padded.mpo"
    padded.write_bytes(path.read_bytes() + b"\x00" * 4096)
    found = values(by_key(analyse(padded))["metadata.trailing_data"])
    assert found["what they are"] == "4096 bytes of padding (every byte 0x00)"
    assert found["where they start"] == path.stat().st_size


def test_an_archive_after_a_png_is_named(tmp_path):
    import zipfile

    path = tmp_path / "picture.png"
    Image.fromarray(textured_rgb(40, 60)).save(path)
    with zipfile.ZipFile(tmp_path / "hidden.zip", "w") as archive:
        archive.writestr("notes.txt", "appended")
    path.write_bytes(path.read_bytes() + (tmp_path / "hidden.zip").read_bytes())
    finding = by_key(analyse(path))["metadata.trailing_data"]
    assert values(finding)["what they are"] == "a ZIP archive" and "PNG's IEND chunk" in finding.explanation
    assert "Cameras and phones do not write this" in finding.explanation


def test_a_file_without_trailing_data_has_no_such_finding(tmp_path):
    assert "metadata.trailing_data" not in by_key(analyse(jpeg_with(tmp_path, textured_rgb(60, 80))))
