"""IJG quality recovered exactly from files written by Pillow and OpenCV (both libjpeg) at every quality."""

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from forensics.algorithms.jpeg_quality import ijg_quality, nearest_ijg_quality, tables_digest
from forensics.algorithms.jpeg_structure import parse_jpeg
from tests.helpers import textured_rgb

PIXELS = textured_rgb(32, 32)


def pillow_jpeg(quality: int, **kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(PIXELS).save(buffer, "JPEG", quality=quality, **kwargs)
    return buffer.getvalue()


def tables_of(data: bytes) -> dict:
    return parse_jpeg(data).quantisation_tables


def clamped_equivalents(quality: int) -> set[int]:
    """Qualities whose tables are identical to ``quality``'s (only happens where values clamp to 1)."""
    reference = tables_of(pillow_jpeg(quality))
    return {q for q in range(1, 101) if all(np.array_equal(tables_of(pillow_jpeg(q))[i], reference[i]) for i in reference)}


@pytest.mark.parametrize("quality", range(10, 101))
def test_quality_is_exact_for_pillow_files(quality):
    found = ijg_quality(tables_of(pillow_jpeg(quality)))
    assert found == quality or found in clamped_equivalents(quality)


@pytest.mark.parametrize("quality", [10, 35, 50, 75, 90, 95, 100])
def test_quality_is_exact_for_opencv_files(quality):
    ok, encoded = cv2.imencode(".jpg", PIXELS, [cv2.IMWRITE_JPEG_QUALITY, quality])
    found = ijg_quality(tables_of(encoded.tobytes()))
    assert found == quality or found in clamped_equivalents(quality)


def test_greyscale_file_has_only_a_luma_table():
    buffer = io.BytesIO()
    Image.fromarray(PIXELS[..., 0]).save(buffer, "JPEG", quality=80)
    assert ijg_quality(tables_of(buffer.getvalue())) == 80


def test_non_ijg_table_is_recognised_as_such():
    tables = tables_of(pillow_jpeg(80))
    tables[0] = tables[0].copy()
    tables[0][3, 4] += 1
    assert ijg_quality(tables) is None
    quality, rms = nearest_ijg_quality(tables[0])
    assert quality == 80 and 0 < rms < 0.2


def test_digest_depends_only_on_the_tables():
    assert tables_digest(tables_of(pillow_jpeg(70))) == tables_digest(tables_of(pillow_jpeg(70, subsampling=0)))
    assert tables_digest(tables_of(pillow_jpeg(70))) != tables_digest(tables_of(pillow_jpeg(71)))
