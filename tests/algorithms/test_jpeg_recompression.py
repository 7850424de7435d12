"""Re-compression with the file's own tables: the first-compression prediction and the change count, each
against an independent computation."""

from __future__ import annotations

import io
from statistics import NormalDist

import cv2
import jpegio
import numpy as np
import pytest
from PIL import Image

from forensics.algorithms.dct import coefficient_blocks
from forensics.algorithms.jpeg_quality import ANNEX_K_LUMINANCE, ijg_table
from forensics.algorithms.jpeg_recompression import ROUNDING_VARIANCE, change_probabilities, recompression_changes
from tests.analysers.test_compression import jpeg, photo


def stored(data: bytes, tmp_path) -> tuple[np.ndarray, np.ndarray]:
    path = tmp_path / "x.jpg"
    path.write_bytes(data)
    read = jpegio.read(str(path))
    return coefficient_blocks(read.coef_arrays[0]).astype(np.int16), read.quant_tables[0]


def test_change_probability_is_the_normal_tail_beyond_half_a_step():
    rounding = NormalDist(0.0, ROUNDING_VARIANCE ** 0.5)
    for step in (1, 2, 3, 16):
        expected = 2 * (1 - rounding.cdf(step / 2))
        assert change_probabilities(np.full((8, 8), step))[0, 0] == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert change_probabilities(np.ones((8, 8)))[3, 5] == pytest.approx(0.0833, abs=1e-4)


def test_the_prediction_holds_for_a_first_compression_of_never_compressed_pixels():
    """Simulated with OpenCV's DCT, independently of the module: integer pixels quantised once with the IJG
    table of quality 97 (19 steps of 1), decoded and rounded, quantised again; the share of changed coefficients
    is the predicted one. With steps of 1 only, decoding gives back the encoder's own pixels and far fewer change:
    why the analyser does not measure such tables."""
    rng = np.random.default_rng(1)

    def changed_share(steps: np.ndarray) -> float:
        changed = 0
        for _ in range(2000):
            block = rng.integers(40, 216, (8, 8)).astype(np.float64) - 128
            coefficients = np.round(cv2.dct(block) / steps)
            again = np.round(cv2.dct(np.round(cv2.idct(coefficients * steps))) / steps)
            changed += int((again != coefficients).sum())
        return changed / (2000 * 64)

    table = ijg_table(ANNEX_K_LUMINANCE, 97).astype(np.float64)
    assert changed_share(table) == pytest.approx(change_probabilities(table).mean(), rel=0.08)
    ones = np.ones((8, 8))
    assert changed_share(ones) < 0.7 * change_probabilities(ones).mean()


def test_the_change_count_equals_an_independent_block_by_block_count(tmp_path):
    blocks, table = stored(jpeg(photo(256), 97), tmp_path)
    trace = recompression_changes(blocks, table)
    steps = table.astype(np.float64)
    changed = counted = 0
    for block in blocks.reshape(-1, 8, 8).astype(np.float64):
        pixels = np.round(cv2.idct(block * steps))
        if not block.ravel()[1:].any() or pixels.min() < -128 or pixels.max() > 127:
            continue
        counted += 1
        changed += int((np.round(cv2.dct(pixels) / steps) != block).sum())
    assert trace.blocks_counted == counted
    # Two DCT implementations may round a value that sits at an exact half differently: within 1 %, far below the
    # 30 % the weakest level needs.
    assert abs(trace.changed - changed) <= max(5, changed // 100)
    assert trace.expected == pytest.approx(counted * change_probabilities(table).sum())


def test_a_first_save_matches_the_prediction_and_a_resave_with_its_tables_halves_it(tmp_path):
    first = jpeg(photo(512), 97)
    ratio = recompression_changes(*stored(first, tmp_path)).ratio
    assert 0.85 < ratio < 1.15
    buffer = io.BytesIO()
    Image.open(io.BytesIO(first)).save(buffer, "JPEG", quality="keep")
    assert recompression_changes(*stored(buffer.getvalue(), tmp_path)).ratio < 0.7


def test_a_crop_that_moves_the_grid_leaves_no_trace(tmp_path):
    """The documented limitation: the earlier compression's grid no longer lines up with the file's."""
    first = Image.open(io.BytesIO(jpeg(photo(512), 97)))
    pixels = np.asarray(first.convert("RGB"))[3:, 5:]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", qtables=first.quantization, subsampling=0)
    assert recompression_changes(*stored(buffer.getvalue(), tmp_path)).ratio > 0.85


def test_a_subset_of_blocks_is_evenly_spread_and_bounded(tmp_path):
    blocks, table = stored(jpeg(photo(512), 97), tmp_path)
    whole, part = recompression_changes(blocks, table), recompression_changes(blocks, table, max_blocks=1000)
    assert part.blocks_examined <= 1000 < whole.blocks_examined == blocks.shape[0] * blocks.shape[1]
    assert part.ratio == pytest.approx(whole.ratio, abs=0.1)


def test_counting_in_chunks_equals_counting_at_once(tmp_path, monkeypatch):
    from forensics.algorithms import jpeg_recompression

    blocks, table = stored(jpeg(photo(256), 97), tmp_path)
    at_once = recompression_changes(blocks, table)
    monkeypatch.setattr(jpeg_recompression, "_CHUNK_BLOCKS", 100)
    assert recompression_changes(blocks, table) == at_once
