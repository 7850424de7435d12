"""Demosaicing cases: never-compressed pictures with a known colour-filter-array history, saved as PNG.

The corpus has no never-compressed camera pictures, so they are simulated from the camera originals of
``metadata/metadata-extractor/jpg`` (at least 1200 px on the shorter side; halves alternate, the training half
is for ``calibrate_cfa``): reduced to a quarter (which erases the JPEG blocks and the camera's own pattern),
given sensor-like noise (Gaussian, 2 grey levels), sampled through an RGGB Bayer filter and demosaiced by one of
OpenCV's methods (bilinear, VNG, edge-aware). For every picture and method:

- untouched: the demosaiced picture;
- a square (30 % of the shorter side) pasted from the next picture's demosaiced version, one pixel off its
  lattice (the pattern is shifted there);
- the same square taken from the next picture before demosaicing (no pattern there);
- the same square pasted on the lattice (the pattern continues: this test cannot see it, by design).

Also untouched, once per picture: the reduced picture never demosaiced (no pattern anywhere: the analyser must
say so and stay silent).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np

from forensics.evaluation.cases_copy_move import camera_originals
from forensics.evaluation.cases_face import cached_file
from forensics.evaluation.harness import EvalCase
from forensics.figures import encode_png

QUESTION = "Does a region of a never-compressed picture lack the demosaicing pattern of the rest?"
PROPOSITION = "content"
DATA = {"calibration": "simulated captures from every other camera original (the levels were set there)",
        "validation": "simulated captures from the other camera originals, with pasted squares"}
MIN_SIDE_PX = 1200
REDUCTION = 4
NOISE_GREY_LEVELS = 2.0
SQUARE_SHARE = 0.30
# OpenCV names a Bayer pattern by its second row: "BG" demosaics an RGGB sensor (checked by the tests).
DEMOSAICING = {"bilinear": cv2.COLOR_BayerBG2RGB, "VNG": cv2.COLOR_BayerBG2RGB_VNG, "edge-aware": cv2.COLOR_BayerBG2RGB_EA}
PASTES = ["pasted, lattice shifted by one pixel", "pasted from a picture never demosaiced", "pasted on the same lattice"]


def bayer_mosaic(rgb: np.ndarray) -> np.ndarray:
    """What an RGGB sensor records of ``rgb``: red at even rows and columns, blue at odd ones, green elsewhere."""
    mosaic = rgb[:, :, 1].copy()
    mosaic[0::2, 0::2] = rgb[0::2, 0::2, 0]
    mosaic[1::2, 1::2] = rgb[1::2, 1::2, 2]
    return mosaic


def simulated_capture(rgb: np.ndarray, method: str, rng: np.random.Generator) -> np.ndarray:
    """``rgb`` with sensor-like noise, through an RGGB filter and demosaiced by ``method`` (a DEMOSAICING key)."""
    noisy = np.clip(np.rint(rgb + rng.normal(0.0, NOISE_GREY_LEVELS, rgb.shape)), 0, 255).astype(np.uint8)
    return cv2.cvtColor(bayer_mosaic(noisy), DEMOSAICING[method])


def reduced(pixels: np.ndarray) -> np.ndarray:
    height, width = pixels.shape[:2]
    size = (width // REDUCTION // 2 * 2, height // REDUCTION // 2 * 2)  # even sides keep the lattice whole
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def paste_square(target: np.ndarray, donor: np.ndarray, rng: np.random.Generator, offset_px: int) -> np.ndarray:
    """``target`` with a square of ``donor`` pasted at an even position drawn from ``rng``; the donor's square
    starts ``offset_px`` pixels right of an even column (1 = off the lattice)."""
    side = int(SQUARE_SHARE * min(target.shape[:2])) // 2 * 2
    y = 2 * int(rng.integers(0, (target.shape[0] - side) // 2))
    x = 2 * int(rng.integers(0, (target.shape[1] - side) // 2))
    result = target.copy()
    result[y:y + side, x:x + side] = donor[:side, offset_px:offset_px + side]
    return result


def pictures(corpus: Path, half: str) -> list[tuple[Path, np.ndarray]]:
    originals = [(path, reduced(pixels)) for path, pixels in camera_originals(corpus) if min(pixels.shape[:2]) >= MIN_SIDE_PX]
    return originals[0::2] if half == "train" else originals[1::2]


def cfa_cases(corpus: Path, cache: Path, seed: int, half: str) -> list[EvalCase]:
    chosen = pictures(corpus, half)
    cases = []
    for index, (path, small) in enumerate(chosen):
        donor_path, donor = chosen[(index + 1) % len(chosen)]
        source = str(path.relative_to(corpus))
        recipe = f"{source}|{seed}|x1/{REDUCTION}|noise {NOISE_GREY_LEVELS}|square {SQUARE_SHARE}"
        target = cached_file(cache, f"never demosaiced|{recipe}", lambda: small, ".png", encode_png)
        cases.append(EvalCase(target, 0, "untouched, never demosaiced", source))
        for number, method in enumerate(DEMOSAICING):
            def capture(pixels: np.ndarray, which: int, method: str = method, number: int = number) -> np.ndarray:
                return simulated_capture(pixels, method, np.random.default_rng([seed, index, number, which]))
            target = cached_file(cache, f"{method}|{recipe}", lambda: capture(small, 0), ".png", encode_png)
            cases.append(EvalCase(target, 0, f"untouched, demosaiced ({method})", source))
            for kind, offset, donor_demosaiced in zip(PASTES, (1, 0, 0), (True, False, True)):
                def make(offset: int = offset, donor_demosaiced: bool = donor_demosaiced, kind: str = kind) -> np.ndarray:
                    pasted = capture(donor, 1) if donor_demosaiced else donor
                    rng = np.random.default_rng([seed, index, number, PASTES.index(kind)])
                    return paste_square(capture(small, 0), pasted, rng, offset)
                target = cached_file(cache, f"{kind}|{method}|{donor_path.name}|{recipe}", make, ".png", encode_png)
                cases.append(EvalCase(target, 1, f"{kind} ({method})", f"{source} + {donor_path.relative_to(corpus)}"))
    return cases


def build_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    calibration = [dataclasses.replace(case, split="calibration") for case in cfa_cases(corpus, cache, seed, "train")]
    return calibration + cfa_cases(corpus, cache, seed, "test")
