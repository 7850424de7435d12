"""Measure the missing-grid finding's statistic on calibration files and print what its levels rest on.

    python -m forensics.evaluation.calibrate_missing_grid [--corpus ../shared/corpus]

The accepted camera originals of the calibration folder (``collections.CALIBRATION``, never the validation
collections) as they are and re-saved by Pillow at 98 and 100; each reduced to 512 pixels and saved at 75, 85 and
90 ("small single"), then re-saved at 98 and 100; and composites of those reduced copies: an ellipse covering 4-15 %
of the picture filled from the next original's reduced copy (saved at 70-94), shifted by 1-7 pixels each way and
either kept at its size or resized by 0.7, 0.85, 1.2 or 1.4, saved at 98 and 100. Per kind, the lacking blocks in
the largest region (``grid_regions.missing_grid``; -1 where the picture's grid has under ``GRID_SHARE`` of the
votes, which the analyser does not measure) and how many files reach each threshold. ``MISSING_GRID_LEVELS``: weak
above the largest region of every file without a pasted region.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from forensics.algorithms.dct import luminance
from forensics.algorithms.grid_regions import missing_grid
from forensics.algorithms.jpeg_grid import central_window, detect_grid
from forensics.analysers.compression import GRID_SHARE, MISSING_GRID_LEVELS
from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.cases_splice import decoded, pillow_jpeg, reduced
from forensics.evaluation.collections import CALIBRATION, collection_files
from forensics.evaluation.originals import check_original

THRESHOLDS = (8, 12, 16, 24, 32, 48, 96)


def _jpeg(pixels: np.ndarray, quality: int) -> np.ndarray:
    return decoded(pillow_jpeg(pixels, quality))


def statistic(pixels: np.ndarray) -> int:
    """Lacking blocks in the largest region, as the analyser measures it; -1 where it is not measured."""
    grid = detect_grid(luminance(central_window(pixels)) + 128.0)
    if not (grid.detected and grid.share >= GRID_SHARE):
        return -1
    return missing_grid(grid.zeros, grid.origin).region_blocks


def _ellipse(shape: tuple[int, int], rng: np.random.Generator, area: float) -> np.ndarray:
    rows, columns = np.mgrid[: shape[0], : shape[1]]
    centre_y, centre_x = rng.uniform(0.25, 0.75) * shape[0], rng.uniform(0.25, 0.75) * shape[1]
    radius = np.sqrt(area * shape[0] * shape[1] / np.pi)
    elongation = rng.uniform(0.6, 1.6)
    return ((rows - centre_y) / (radius * elongation)) ** 2 + ((columns - centre_x) / (radius / elongation)) ** 2 < 1


def measure(originals: list[np.ndarray], seed: int = 0) -> dict[str, list[int]]:
    rng = np.random.default_rng(seed)
    rows: dict[str, list[int]] = {}

    def add(kind: str, pixels: np.ndarray) -> None:
        rows.setdefault(kind, []).append(statistic(pixels))

    for pixels in originals:
        add("camera original", pixels)
        for quality in (100, 98):
            add(f"camera original re-saved at {quality}", _jpeg(pixels, quality))
    small = [reduced(pixels) for pixels in originals]
    for index, picture in enumerate(small):
        for first in (75, 85, 90):
            background = _jpeg(picture, first)
            donor = _jpeg(small[(index + 1) % len(small)], int(rng.integers(70, 95)))
            for mode in ("shifted", "resized"):
                factor = 1.0 if mode == "shifted" else float(rng.choice([0.7, 0.85, 1.2, 1.4]))
                moved = cv2.resize(donor, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR) if factor != 1 else donor
                moved = np.roll(moved, (int(rng.integers(1, 8)), int(rng.integers(1, 8))), (0, 1))
                height, width = background.shape[:2]
                canvas = np.zeros_like(background)
                canvas[: min(height, moved.shape[0]), : min(width, moved.shape[1])] = moved[:height, :width]
                region = _ellipse((height, width), rng, rng.uniform(0.04, 0.15))
                composite = background.copy()
                composite[region] = canvas[region]
                for last in (100, 98):
                    add(f"composite, object {mode}, saved at {last}", _jpeg(composite, last))
            for last in (100, 98):
                add(f"small photo re-saved at {last}", _jpeg(background, last))
            add("small photo, single save", background)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus")
    arguments = parser.parse_args(argv)
    files = [path for path in collection_files(CALIBRATION, arguments.corpus) if check_original(path).accepted]
    if not files:
        print(f"no calibration originals found under {arguments.corpus}: nothing to calibrate")
        return 0
    originals = []
    for path in files:
        with Image.open(path) as image:
            originals.append(np.asarray(image.convert("RGB")))
    rows = measure(originals)
    print(f"{len(files)} calibration originals; levels {[(t, s.value) for t, s, _ in MISSING_GRID_LEVELS]}")
    print(f"{'kind':<44} {'n':>4} {'not measured':>13} {'largest':>8}  " + "  ".join(f">={t:<3}" for t in THRESHOLDS))
    for kind, values in sorted(rows.items()):
        measured = np.array([v for v in values if v >= 0])
        largest = int(measured.max()) if measured.size else 0
        print(f"{kind:<44} {len(values):>4} {len(values) - measured.size:>13} {largest:>8}  "
              + "  ".join(f"{int((measured >= t).sum()):<5}" for t in THRESHOLDS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
