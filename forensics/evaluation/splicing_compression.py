"""Compression traces against real splices: image-level AUC and pixel F1/MCC on ``tampering/misd``.

    python -m forensics.evaluation.splicing_compression [--corpus ../shared/corpus]

Every MISD image (authentic or spliced, labels.csv) is analysed by the compression analyser alone; the
image-level score is its strongest finding's score. For localisation, the spliced images' masks (one per
pasted object, united, resized to the image with nearest-neighbour sampling because MISD stores them at the
source size) are compared with the maps the report draws, read the way their captions say:

- aligned double compression: blocks whose median-filtered log-likelihood ratio is below 0 ("compressed once",
  as a pasted region would be), predicted only when the aligned finding is at least weak;
- non-aligned double compression: blocks of the earlier grid whose smoothed agreement is below half the
  image's median agreement ("did not go through the earlier compression"), only when that finding is at least weak;
- missing grid (``compression.missing_grid``, a content finding): the outlined region, blocks of the picture's grid
  (MISD's pictures fit the central window whole), only when that finding is at least weak.

An image where the finding is absent predicts an empty mask (F1 0 on a spliced image). Means over the spliced
images are printed with how many images each map predicted anything on. The content finding's own image-level AUC
(its score alone) is printed as well: it answers the content question, the analyser's strongest finding mostly the
processing one.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import cv2
import jpegio
import numpy as np
from PIL import Image

from forensics.algorithms.dct import coefficient_blocks, luminance
from forensics.algorithms.double_jpeg import analyse_double_jpeg
from forensics.algorithms.grid_regions import missing_grid
from forensics.algorithms.jpeg_grid import central_window, detect_grid
from forensics.algorithms.nonaligned_jpeg import block_agreement_map, detect_nonaligned
from forensics.analysers import AnalysisContext, run_analysers
from forensics.analysers.compression import CompressionAnalyser
from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.metrics import bootstrap, f1_mcc, rates_at, roc_auc
from forensics.media import load_media
from forensics.results import Strength

MISD = Path("tampering") / "misd"


def truth_mask(root: Path, mask_paths: str, shape: tuple[int, int]) -> np.ndarray:
    union = np.zeros(shape, dtype=bool)
    for relative in filter(None, mask_paths.split(";")):
        with Image.open(root / relative) as mask:
            resized = np.asarray(mask.convert("L").resize((shape[1], shape[0]), Image.Resampling.NEAREST))
        union |= resized > 127
    return union


def block_mask_to_pixels(blocks: np.ndarray, shape: tuple[int, int], offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Expand a per-8x8-block boolean map whose grid starts at ``offset`` (dx, dy) to a pixel mask of ``shape``."""
    pixels = np.zeros(shape, dtype=bool)
    expanded = np.repeat(np.repeat(blocks, 8, axis=0), 8, axis=1)
    dx, dy = offset
    height, width = min(expanded.shape[0], shape[0] - dy), min(expanded.shape[1], shape[1] - dx)
    pixels[dy : dy + height, dx : dx + width] = expanded[:height, :width]
    return pixels


def predicted_masks(path: Path, pixels: np.ndarray, findings: dict) -> dict[str, np.ndarray]:
    shape = pixels.shape[:2]
    masks = {name: np.zeros(shape, bool) for name in ("aligned", "non-aligned", "missing grid")}
    if findings["compression.double_jpeg.aligned"].strength.rank >= 1:
        stored = jpegio.read(str(path))
        evidence = analyse_double_jpeg(coefficient_blocks(stored.coef_arrays[0]), pixels, stored.quant_tables[0])
        smoothed = cv2.medianBlur(np.clip(evidence.block_llr, -20, 20).astype(np.float32), 5)
        masks["aligned"] = block_mask_to_pixels(smoothed < 0, shape)
    if findings["compression.double_jpeg.nonaligned"].strength.rank >= 1:
        luma = luminance(pixels)
        evidence = detect_nonaligned(luminance(central_window(pixels)))
        agreement = cv2.blur(block_agreement_map(luma, evidence).astype(np.float32), (5, 5))
        masks["non-aligned"] = block_mask_to_pixels(agreement < 0.5 * np.median(agreement), shape, evidence.shift)
    if findings["compression.missing_grid"].strength.rank >= 1:
        window = central_window(pixels)
        grid = detect_grid(luminance(window) + 128.0)
        region = missing_grid(grid.zeros, grid.origin).region
        offset = ((pixels.shape[1] - window.shape[1]) // 2 // 8 * 8 + grid.origin[0],
                  (pixels.shape[0] - window.shape[0]) // 2 // 8 * 8 + grid.origin[1])
        masks["missing grid"] = block_mask_to_pixels(region, shape, offset)
    return masks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    arguments = parser.parse_args(argv)
    root = arguments.corpus / MISD
    if not (root / "labels.csv").is_file():
        print(f"MISD not found at {root}: nothing to evaluate")
        return 0
    started = time.perf_counter()
    labels, scores, levels = [], [], []
    content_scores, content_levels = [], []
    localisation = {"aligned": [], "non-aligned": [], "missing grid": []}
    for row in csv.DictReader((root / "labels.csv").open(encoding="utf-8")):
        path = root / row["path"]
        media = load_media(path)
        result = run_analysers(media, AnalysisContext("EVAL", path.name), [CompressionAnalyser])[0]
        strongest = result.strongest
        labels.append(row["label"] == "TAMPERED")
        scores.append(strongest.score if strongest else 0.0)
        levels.append(strongest.strength.rank if strongest else 0)
        content = next(f for f in result.findings if f.key == "compression.missing_grid")
        content_scores.append(content.score)
        content_levels.append(content.strength.rank)
        if labels[-1]:
            truth = truth_mask(root, row["masks"], media.pixels.shape[:2])
            for name, predicted in predicted_masks(path, media.pixels, {f.key: f for f in result.findings}).items():
                localisation[name].append((*f1_mcc(truth, predicted), bool(predicted.any())))
    labels_array, scores_array = np.array(labels), np.array(scores, float)
    print(f"compression {CompressionAnalyser.version} on MISD: {labels_array.sum()} spliced, {(~labels_array).sum()} authentic")
    print(f"  image-level AUC (strongest finding's score): {bootstrap(roc_auc, labels_array, scores_array)}")
    for level in (Strength.WEAK, Strength.MODERATE, Strength.STRONG):
        tpr, fpr = rates_at(labels_array, np.array(levels, float), level.rank)
        print(f"  called spliced at {level.value + ' or stronger':<20} TPR {tpr:.3f}  FPR {fpr:.3f}")
    content_array = np.array(content_scores, float)
    print(f"  content finding alone (missing grid), image-level AUC: {bootstrap(roc_auc, labels_array, content_array)}")
    for level in (Strength.WEAK, Strength.MODERATE, Strength.STRONG):
        tpr, fpr = rates_at(labels_array, np.array(content_levels, float), level.rank)
        print(f"    at {level.value + ' or stronger':<20} TPR {tpr:.3f}  FPR {fpr:.3f}")
    print(f"  {'localisation map':<14} {'images with a prediction':>25} {'mean F1':>8} {'mean MCC':>9}")
    for name, rows in localisation.items():
        f1 = np.array([r[0] for r in rows])
        mcc = np.array([r[1] for r in rows])
        print(f"  {name:<14} {sum(r[2] for r in rows):>19} of {len(rows):<3} {f1.mean():>8.3f} {mcc.mean():>9.3f}")
    print(f"took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
