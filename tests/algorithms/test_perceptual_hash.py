"""The perceptual hash against an independent implementation (ImageHash 4.3's phash) and its purpose."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from skimage import data as skimage_data

from forensics.algorithms.perceptual_hash import hamming_distance, phash

imagehash = pytest.importorskip("imagehash")


@pytest.mark.parametrize("picture", ["astronaut", "chelsea", "coffee", "camera"])
def test_the_hash_is_imagehash_phash(picture):
    pixels = getattr(skimage_data, picture)()
    assert f"{phash(pixels):016x}" == str(imagehash.phash(Image.fromarray(pixels)))


def test_copies_of_one_picture_are_close_and_other_pictures_far():
    original = skimage_data.astronaut()
    buffer = io.BytesIO()
    Image.fromarray(original).resize((256, 256)).save(buffer, "JPEG", quality=60)
    copy = np.asarray(Image.open(buffer))
    assert hamming_distance(phash(original), phash(copy)) <= 4
    assert hamming_distance(phash(original), phash(skimage_data.chelsea())) >= 20
