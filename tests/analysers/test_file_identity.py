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
