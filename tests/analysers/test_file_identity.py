"""File identity values against independent references: Pillow, OpenCV, and what the encoder was told."""

import base64

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from forensics.analysers import AnalysisContext
from forensics.analysers.file_identity import FileIdentity
from forensics.media import load_media, upright
from tests.helpers import textured_rgb


def measurements(finding):
    return {m.name: m.value for m in finding.measurements}


def analyse(path, name=None):
    context = AnalysisContext(exhibit_id="E001", original_name=name or path.name)
    return FileIdentity().analyse(load_media(path), context)


def test_jpeg_identity_matches_pillow(jpeg_file):
    output = analyse(jpeg_file)
    values = measurements(output.findings[0])
    with Image.open(jpeg_file) as reference:
        assert (values["width"], values["height"]) == reference.size
    assert values["format (from magic bytes)"] == "JPEG"
    assert values["media type"] == "image/jpeg"
    assert values["file size"] == jpeg_file.stat().st_size
    assert (values["colour model"], values["channels"], values["bit depth"], values["frames"]) == ("RGB", 3, 8, 1)
    assert output.findings[0].strength.value == "none" and output.findings[0].score == 0.0
    assert len(output.findings) == 1


def test_video_identity_matches_what_was_written(video_file):
    values = measurements(analyse(video_file).findings[0])
    assert values["frames"] == 25
    assert values["duration"] == pytest.approx(2.0)
    assert values["frame rate"] == pytest.approx(12.5)
    assert values["codec (FourCC)"] == "MJPG"
    assert (values["width"], values["height"]) == (160, 120)


def test_renamed_file_yields_an_extension_observation(png_file):
    output = analyse(png_file, name="holiday.jpg")
    assert len(output.findings) == 2
    mismatch = output.findings[1]
    assert measurements(mismatch) == {"file name extension": ".jpg", "format (from magic bytes)": "PNG"}
    assert mismatch.strength.value == "none"


def test_preview_figure_is_a_decodable_png_no_larger_than_480_px(tmp_path):
    path = tmp_path / "big.png"
    Image.fromarray(textured_rgb(600, 900)).save(path)
    figure = analyse(path).findings[0].figures[0]
    preview = cv2.imdecode(np.frombuffer(base64.b64decode(figure.data_base64), np.uint8), cv2.IMREAD_COLOR)
    assert preview.shape[:2] == (320, 480)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_upright_matches_pillow_exif_transpose(orientation):
    pixels = textured_rgb(12, 20)
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = orientation
    image.info["exif"] = exif.tobytes()
    reference = np.asarray(ImageOps.exif_transpose(image))
    assert np.array_equal(upright(pixels, orientation), reference)


def pixel_hash(path):
    return measurements(analyse(path).findings[0])["pixel data SHA-256"]


def reference_pixel_hash(rgb: np.ndarray) -> str:
    """The README's definition written out with hashlib and struct, from pixels Pillow decoded."""
    import hashlib
    import struct

    height, width = rgb.shape[:2]
    return hashlib.sha256(b"forensics-pixels-v1\n" + struct.pack(">II", width, height) + rgb.tobytes()).hexdigest()


def test_pixel_hash_is_the_same_for_the_same_picture_in_png_tiff_and_bmp(tmp_path):
    rgb = textured_rgb(90, 120, seed=3)
    paths = [tmp_path / "a.png", tmp_path / "b.tif", tmp_path / "c.bmp", tmp_path / "d.tif"]
    for path in paths[:3]:
        Image.fromarray(rgb).save(path)
    Image.fromarray(rgb).save(paths[3], compression="tiff_lzw")
    hashes = {pixel_hash(path) for path in paths}
    assert hashes == {reference_pixel_hash(rgb)}
    assert len({path.read_bytes() for path in paths}) == 4  # four different files
    changed = rgb.copy()
    changed[45, 60, 1] ^= 1  # one sample of one pixel, by one level
    Image.fromarray(changed).save(tmp_path / "changed.png")
    assert pixel_hash(tmp_path / "changed.png") != reference_pixel_hash(rgb)


def test_grey_and_palette_pictures_hash_like_the_same_picture_in_rgb(tmp_path):
    grey = textured_rgb(64, 64, seed=4)[..., 0]
    Image.fromarray(grey, "L").save(tmp_path / "grey.png")
    Image.fromarray(np.stack([grey] * 3, -1)).save(tmp_path / "rgb.tif")
    assert pixel_hash(tmp_path / "grey.png") == pixel_hash(tmp_path / "rgb.tif")
    palette = Image.fromarray(textured_rgb(64, 64, seed=5)).quantize(16)
    palette.save(tmp_path / "palette.png")
    palette.convert("RGB").save(tmp_path / "expanded.bmp")
    assert pixel_hash(tmp_path / "palette.png") == pixel_hash(tmp_path / "expanded.bmp")


def test_pixel_hash_ignores_metadata_and_the_orientation_tag(tmp_path, jpeg_file):
    """The same JPEG scan with a comment added and an EXIF orientation of 6: the file differs, the pixels do not."""
    data = jpeg_file.read_bytes()
    exif = Image.Exif()
    exif[0x0112] = 6
    exif_bytes = exif.tobytes()
    comment = b"edited by someone"
    segments = (b"\xff\xe1" + (len(exif_bytes) + 8).to_bytes(2, "big") + b"Exif\x00\x00" + exif_bytes
                + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment)
    (tmp_path / "tagged.jpg").write_bytes(data[:2] + segments + data[2:])
    values = measurements(analyse(tmp_path / "tagged.jpg").findings[0])
    assert values["EXIF orientation"] == 6
    with Image.open(jpeg_file) as reference:
        expected = reference_pixel_hash(np.asarray(reference.convert("RGB")))
    assert values["pixel data SHA-256"] == pixel_hash(jpeg_file) == expected


@pytest.mark.parametrize("mode", ["RGBA", "I;16"])
def test_no_pixel_hash_where_decoding_for_analysis_loses_samples(tmp_path, mode):
    picture = Image.fromarray(textured_rgb(32, 32, seed=6)).convert("RGBA" if mode == "RGBA" else "L")
    if mode == "I;16":
        picture = Image.fromarray(np.asarray(picture, np.uint16) * 257)
    picture.save(tmp_path / "x.png")
    measurement = next(m for m in analyse(tmp_path / "x.png").findings[0].measurements if m.name == "pixel data SHA-256")
    assert measurement.value is None and measurement.note.startswith("not computed")


def pictures_finding(path):
    findings = FileIdentity().analyse(load_media(path), AnalysisContext("E001", path.name)).findings
    return next((f for f in findings if f.key == "file_identity.pictures"), None)


@pytest.mark.parametrize("suffix", [".gif", ".png", ".webp"])
def test_every_frame_of_an_animation_is_listed_and_compared_with_the_first(tmp_path, suffix):
    from skimage import data as skimage_data

    scene = np.ascontiguousarray(skimage_data.astronaut()[::4, ::4][:96, :128])
    # Frame 2 the scene moved by two pixels (equal frames are merged when saved), frame 3 another scene joined to it.
    frames = [scene, np.roll(scene, 2, axis=1), np.ascontiguousarray(skimage_data.chelsea()[::2, ::2][:96, :128])]
    path = tmp_path / f"animation{suffix}"
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=[100, 200, 300], loop=0,
                   **({"lossless": True} if suffix == ".webp" else {}))
    finding = pictures_finding(path)
    values = {m.name: m.value for m in finding.measurements}
    notes = {m.name: m.note for m in finding.measurements}
    assert values["pictures in the file"] == 3 and "an animation of 3 frames" in finding.explanation
    assert values["picture 2 (animation frame)"] > 0.8 and values["picture 3 (animation frame)"] < 0.3, values
    assert values["lowest correlation with picture 1"] == values["picture 3 (animation frame)"]
    assert notes["picture 3 (animation frame)"].startswith("300 ms, 128 x 96 pixels")
    assert finding.strength.value == "none" and finding.figures[0].title == "Pictures in the file"


def test_the_images_of_an_mpo_are_listed_and_a_missing_one_said_so(tmp_path):
    scene = textured_rgb(120, 160, seed=2)
    path = tmp_path / "stereo.mpo"
    Image.fromarray(scene).save(path, "MPO", save_all=True, append_images=[Image.fromarray(np.roll(scene, 4, axis=1))])
    values = {m.name: m.value for m in pictures_finding(path).measurements}
    (name,) = [n for n in values if n.startswith("picture 2")]
    assert values["pictures in the file"] == 2 and values[name] > 0.5
    cut = tmp_path / "cut.mpo"
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) - 200])  # the second image loses its end
    finding = pictures_finding(cut)
    notes = {m.name: m.note for m in finding.measurements}
    assert "the file ends before it" in notes[name]


def test_a_still_picture_has_no_pictures_finding(tmp_path, jpeg_file):
    assert pictures_finding(jpeg_file) is None
