"""Every figure is drawn upright: the same scene stored in each of the 8 EXIF orientations gives the same figures
as the scene stored upright (TIFF 6.0 / EXIF 2.32 tag 0x0112)."""

from __future__ import annotations

import base64
import io

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data as skimage_data

from forensics.analysers import AnalysisContext, run_analysers
from forensics.media import load_media, upright


def dihedral(pixels: np.ndarray) -> list[np.ndarray]:
    """The 8 rotations and mirrorings of a picture."""
    return [np.rot90(side, k) for side in (pixels, pixels[:, ::-1]) for k in range(4)]


def stored_for(displayed: np.ndarray, orientation: int) -> np.ndarray:
    """The stored pixels that a viewer honouring ``orientation`` shows as ``displayed``."""
    return next(s for s in dihedral(displayed) if np.array_equal(upright(np.ascontiguousarray(s), orientation), displayed))


def figures(path) -> dict[str, np.ndarray]:
    """Every picture figure of every finding, as greyscale arrays, by finding key and figure title."""
    shown = {}
    for result in run_analysers(load_media(path), AnalysisContext("E001", path.name), threads=1):
        for finding in result.findings:
            for figure in finding.figures:
                if figure.media_type in ("image/png", "image/jpeg"):
                    image = Image.open(io.BytesIO(base64.b64decode(figure.data_base64))).convert("L")
                    shown[f"{finding.key}: {figure.title}"] = np.asarray(image, dtype=np.float64)
    return shown


def saved(pixels: np.ndarray, path, orientation: int):
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(np.ascontiguousarray(pixels)).save(path, exif=exif, **({"quality": 92} if path.suffix == ".jpg" else {}))
    return path


@pytest.fixture(scope="module")
def scene() -> np.ndarray:
    return skimage_data.astronaut()[:384]  # landscape, with a face: a quarter turn changes every figure's shape


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_every_figure_is_upright_in_each_of_the_8_exif_orientations(tmp_path, scene, suffix):
    reference = figures(saved(scene, tmp_path / f"upright{suffix}", 1))
    assert len(reference) >= (5 if suffix == ".jpg" else 3)  # preview, maps, faces: enough to mean something
    for orientation in range(2, 9):
        turned = figures(saved(stored_for(scene, orientation), tmp_path / f"o{orientation}{suffix}", orientation))
        common = sorted(set(reference) & set(turned))
        assert len(common) >= len(reference) - 1, (orientation, set(reference) ^ set(turned))
        for name in common:
            expected, seen = reference[name], turned[name]
            # Faces are found on pixels compressed anew in each orientation: their crops may differ by a pixel.
            assert np.allclose(seen.shape, expected.shape, rtol=0.03, atol=1), (orientation, name, seen.shape)
            seen = cv2.resize(seen, expected.shape[::-1], interpolation=cv2.INTER_AREA)
            # The figure correlates with the upright one better than with it turned half round or mirrored
            # (each of which keeps the shape): drawn the right way up, not merely the right way round.
            others = [t for t in dihedral(expected)[1:] if t.shape == expected.shape]
            agreement = np.corrcoef(seen.ravel(), expected.ravel())[0, 1]
            assert all(agreement > np.corrcoef(seen.ravel(), other.ravel())[0, 1] for other in others), (orientation, name)
