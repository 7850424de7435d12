"""Compression history on JPEGs whose history the test made: single, double (aligned), spliced."""

from __future__ import annotations

import io

import jpegio
import numpy as np
import pytest
from PIL import Image

from forensics.algorithms.dct import coefficient_blocks
from forensics.algorithms.double_jpeg import analyse_double_jpeg
from forensics.algorithms.jpeg_quality import ANNEX_K_LUMINANCE, ijg_table
from forensics.algorithms.jpeg_structure import ZIGZAG
from forensics.analysers import AnalysisContext
from forensics.analysers.compression import CompressionAnalyser
from forensics.media import load_media
from tests.helpers import textured_rgb

CONTEXT = AnalysisContext("E001", "x.jpg")


def photo(size: int = 512, seed: int = 0) -> np.ndarray:
    """A never-compressed image with photo-like texture at several scales."""
    rng = np.random.default_rng(seed)
    base = textured_rgb(size, size, seed).astype(np.float32)
    for _ in range(2):  # two layers of coarse noise, each enlarged 4x
        noise = rng.normal(0, 8, (size // 4, size // 4, 3)).astype(np.float32)
        coarse = Image.fromarray(np.clip(noise + 128, 0, 255).astype(np.uint8)).resize((size, size), Image.Resampling.BICUBIC)
        base += np.asarray(coarse, np.float32) - 128
    return np.clip(base, 0, 255).astype(np.uint8)


def jpeg(pixels: np.ndarray, quality: int, **kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality, **kwargs)
    return buffer.getvalue()


def decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def evidence_of(data: bytes, tmp_path):
    path = tmp_path / "x.jpg"
    path.write_bytes(data)
    stored = jpegio.read(str(path))
    return analyse_double_jpeg(coefficient_blocks(stored.coef_arrays[0]), decoded(data), stored.quant_tables[0])


def findings(data: bytes, tmp_path) -> dict:
    path = tmp_path / "x.jpg"
    path.write_bytes(data)
    return {f.key: f for f in CompressionAnalyser().analyse(load_media(path), CONTEXT).findings}


def test_single_compression_scores_zero(tmp_path):
    evidence = evidence_of(jpeg(photo(), 90), tmp_path)
    assert evidence.score == 0.0
    assert findings(jpeg(photo(), 90), tmp_path)["compression.double_jpeg.aligned"].strength.value == "none"


@pytest.mark.parametrize("first", [50, 70])
def test_double_compression_is_found_and_the_first_steps_recovered(tmp_path, first):
    data = jpeg(decoded(jpeg(photo(), first)), 90)
    evidence = evidence_of(data, tmp_path)
    expected = ijg_table(ANNEX_K_LUMINANCE, first).ravel()
    recovered = [evidence.primary_steps.get(int(m)) for m in ZIGZAG[1:6]]
    # Adjacent steps can explain a histogram almost equally when few large coefficients exist, so each step is
    # an estimate; most must be exact, and the IJG quality they point to must be the first save's.
    assert sum(r == int(expected[m]) for r, m in zip(recovered, ZIGZAG[1:6])) >= 4, recovered
    finding = findings(data, tmp_path)["compression.double_jpeg.aligned"]
    assert finding.strength.rank >= 2
    qualities = {m.name: m.value for m in finding.measurements}["primary quality, if IJG tables were used first"]
    low, _, high = qualities.split(",")[0].partition("-")
    assert int(low) <= first <= int(high or low), qualities


def test_block_map_separates_a_region_compressed_only_once(tmp_path):
    background = decoded(jpeg(photo(seed=1), 60))  # compressed at 60, then everything at 90
    spliced = background.copy()
    spliced[128:384, 128:384] = photo(seed=2)[128:384, 128:384]  # never compressed before the final save
    evidence = evidence_of(jpeg(spliced, 90), tmp_path)
    inside = evidence.block_llr[16:48, 16:48].mean()
    outside = np.concatenate([evidence.block_llr[:12].ravel(), evidence.block_llr[52:].ravel()]).mean()
    assert outside > 0 > inside


@pytest.mark.parametrize("kwargs, coding, subsampling, huffman", [
    ({}, "baseline", "4:2:0", "standard (Annex K)"),
    ({"progressive": True}, "progressive", "4:2:0", "optimised or custom"),
    ({"subsampling": 0, "optimize": True}, "baseline", "4:4:4", "optimised or custom"),
])
def test_structure_facts_match_what_pillow_was_told(tmp_path, kwargs, coding, subsampling, huffman):
    values = {m.name: m.value for m in findings(jpeg(photo(128), 83, **kwargs), tmp_path)["compression.structure"].measurements}
    assert values["coding"] == coding and values["chroma subsampling"] == subsampling
    assert values["IJG quality (exact match)"] == 83 and values["Huffman tables"] == huffman


def test_error_level_map_is_labelled_as_a_visual_aid_and_never_scores(tmp_path):
    finding = findings(jpeg(photo(128), 90), tmp_path)["compression.error_level"]
    assert finding.strength.value == "none" and finding.score == 0.0
    assert "not evidence" in finding.figures[0].caption


def test_error_level_is_the_luminance_change_of_a_real_resave_at_90(tmp_path):
    grey = np.asarray(Image.fromarray(photo(256)).convert("L"))
    data = jpeg(grey, 75)
    original = np.asarray(Image.open(io.BytesIO(data)), np.float64)
    resaved = np.asarray(Image.open(io.BytesIO(jpeg(original.astype(np.uint8), 90))), np.float64)
    measured = float(np.sqrt(((original - resaved) ** 2).mean()))  # reference: libjpeg via Pillow
    finding = findings(data, tmp_path)["compression.error_level"]
    reported = {m.name: m.value for m in finding.measurements}["root-mean-square error level"]
    # The stored coefficients know nothing of the two roundings of decoded pixels to whole levels (each uniform,
    # variance 1/12), which a real re-save adds.
    assert np.sqrt(reported**2 + 2 / 12) == pytest.approx(measured, rel=0.1), (reported, measured)


def png_of(pixels: np.ndarray, tmp_path) -> dict:
    path = tmp_path / "x.png"
    Image.fromarray(pixels).save(path)
    return {f.key: f for f in CompressionAnalyser().analyse(load_media(path), CONTEXT).findings}


def test_png_that_was_a_jpeg_is_recognised_with_its_crop_offset(tmp_path):
    once_jpeg = decoded(jpeg(photo(), 80))
    finding = png_of(once_jpeg, tmp_path)["compression.lossless_jpeg_traces"]
    assert finding.strength.value == "moderate"
    assert {m.name: m.value for m in finding.measurements}["strongest grid origin (x, y)"] == [0, 0]
    cropped = png_of(np.ascontiguousarray(once_jpeg[3:, 5:]), tmp_path)["compression.lossless_jpeg_traces"]
    # Removing 5 columns and 3 rows moves the grid lines from 0, 8, ... to 3, 11, ... and 5, 13, ...
    assert {m.name: m.value for m in cropped.measurements}["strongest grid origin (x, y)"] == [3, 5]


def test_never_compressed_png_shows_no_jpeg_traces(tmp_path):
    assert png_of(photo(), tmp_path)["compression.lossless_jpeg_traces"].strength.value == "none"


def test_crop_between_a_low_and_a_very_high_quality_save_is_strong(tmp_path):
    first = decoded(jpeg(photo(), 60))
    data = jpeg(np.ascontiguousarray(first[3:, 5:]), 99)
    finding = findings(data, tmp_path)["compression.grid"]
    assert finding.strength.value == "strong"
    assert findings(jpeg(photo(), 90), tmp_path)["compression.grid"].strength.value == "none"


def test_libjpeg_warnings_become_analyser_warnings_not_stderr_noise(tmp_path, capfd):
    data = jpeg(photo(128), 90)
    position = data.find(b"\xff\xdb")
    damaged = data[:position] + b"\x00\x00\x00" + data[position:]  # extraneous bytes before a marker
    path = tmp_path / "damaged.jpg"
    path.write_bytes(damaged)
    output = CompressionAnalyser().analyse(load_media(path), CONTEXT)
    assert any("extraneous bytes" in w for w in output.warnings)
    assert "Corrupt JPEG data" not in capfd.readouterr().err


def nonaligned(data: bytes, tmp_path):
    finding = findings(data, tmp_path)["compression.double_jpeg.nonaligned"]
    return finding, {m.name: m.value for m in finding.measurements}


@pytest.mark.parametrize("first, crop", [(60, (1, 1)), (70, (3, 5)), (75, (2, 7)), (70, (6, 3)), (80, (7, 2)), (70, (5, 6))])
def test_a_crop_between_two_ordinary_saves_reveals_the_earlier_grid_and_its_quality(tmp_path, first, crop):
    dx, dy = crop
    data = jpeg(np.ascontiguousarray(decoded(jpeg(photo(), first))[dy:, dx:]), 90)
    finding, values = nonaligned(data, tmp_path)
    assert finding.strength.value == "strong"
    # Removing dx columns moves the earlier block boundaries from 0, 8, ... to 8 - dx, 16 - dx, ...
    assert values["strongest candidate earlier grid (dx, dy)"] == [(8 - dx) % 8, (8 - dy) % 8]
    ranges = values["earlier quality, if IJG tables were used"].split(", ")
    assert any(int(r.split("-")[0]) <= first <= int(r.split("-")[-1]) for r in ranges), ranges


@pytest.mark.parametrize("make", [
    lambda p: jpeg(p, 90),
    lambda p: jpeg(p, 75),
    lambda p: jpeg(np.ascontiguousarray(p[3:, 5:]), 90),  # cropped before its only save
    lambda p: jpeg(decoded(jpeg(p, 60)), 90),  # aligned double compression: the other finding's business
], ids=["single-90", "single-75", "cropped-then-saved", "aligned-double"])
def test_no_earlier_offset_grid_is_claimed_without_one(tmp_path, make):
    for seed in (0, 3):
        finding, values = nonaligned(make(photo(seed=seed)), tmp_path)
        assert finding.strength.value == "none", values
        assert values["mirror contrast"] < 4


def test_block_map_of_the_earlier_grid_shows_a_region_pasted_after_the_crop(tmp_path):
    from forensics.algorithms.dct import luminance
    from forensics.algorithms.nonaligned_jpeg import block_agreement_map, detect_nonaligned

    background = np.ascontiguousarray(decoded(jpeg(photo(seed=1), 65))[5:, 3:])
    spliced = background.copy()
    spliced[128:384, 128:384] = photo(seed=2)[128:384, 128:384]  # never compressed before the final save
    luma = luminance(decoded(jpeg(spliced, 90)))
    evidence = detect_nonaligned(luma)
    assert evidence.shift == (5, 3)
    agreement = block_agreement_map(luma, evidence)  # blocks of the grid starting at (5, 3)
    inside = agreement[18:46, 18:46].mean()
    outside = np.concatenate([agreement[:12].ravel(), agreement[50:].ravel()]).mean()
    assert outside > 0.2 and abs(inside) < 0.05, (inside, outside)


def test_a_region_pasted_from_another_jpeg_at_an_offset_is_found_by_its_grid(tmp_path):
    donor = decoded(jpeg(photo(seed=4), 70))
    spliced = photo(seed=5)  # never compressed
    spliced[64:320, 64:320] = donor[66:322, 69:325]  # donor grid lands at x = 64 - 69 + 72 = 67 -> 3, y -> 6
    finding, values = nonaligned(jpeg(spliced, 92), tmp_path)
    assert finding.strength.rank >= 2
    assert values["strongest candidate earlier grid (dx, dy)"] == [3, 6]


def test_ghost_curve_dips_at_the_first_quality_and_not_after_a_single_save(tmp_path):
    ghosts = findings(jpeg(decoded(jpeg(photo(), 60)), 90), tmp_path)["compression.ghosts"]
    dips = {m.name: m.value for m in ghosts.measurements}["dips below the last quality"]
    assert any(d.startswith(("59 ", "60 ", "61 ")) for d in dips), dips
    # IJG tables two qualities apart share most steps, so the ghost places the first save within +-2.
    mapped_quality = int(ghosts.figures[1].title.rsplit(" ", 1)[1])
    assert abs(mapped_quality - 60) <= 2 and ghosts.strength.value == "none"
    single = findings(jpeg(photo(), 90), tmp_path)["compression.ghosts"]
    assert {m.name: m.value for m in single.measurements}["dips below the last quality"] is None


@pytest.mark.parametrize("quality", [40, 70, 85])
def test_ghost_curve_equals_the_pixel_difference_of_real_resaves(tmp_path, quality):
    """Parseval: requantising stored coefficients equals re-saving on the same grid (reference: libjpeg via Pillow)."""
    from forensics.algorithms.jpeg_ghost import QUALITIES, ghost_curve

    grey = np.asarray(Image.fromarray(photo(256)).convert("L"))
    data = jpeg(grey, 90)
    path = tmp_path / "grey.jpg"
    path.write_bytes(data)
    stored = jpegio.read(str(path))
    curve = ghost_curve(coefficient_blocks(stored.coef_arrays[0]), stored.quant_tables[0], 90)
    original = np.asarray(Image.open(io.BytesIO(data)), np.float64)
    resaved = np.asarray(Image.open(io.BytesIO(jpeg(original.astype(np.uint8), quality))), np.float64)
    measured = float(((original - resaved) ** 2).mean())
    predicted = float(curve.difference[list(QUALITIES).index(quality)])
    assert predicted == pytest.approx(measured, rel=0.1), (predicted, measured)  # pixel rounding and clipping


def test_quantisation_tables_are_drawn(tmp_path):
    structure = findings(jpeg(photo(128), 83), tmp_path)["compression.structure"]
    assert structure.figures[0].title == "Quantisation tables" and structure.figures[0].media_type == "image/png"


def test_grid_origin_map_marks_a_region_pasted_from_a_jpeg_with_another_grid(tmp_path):
    from forensics.algorithms.dct import luminance
    from forensics.algorithms.jpeg_grid import detect_grid, local_grids

    donor = decoded(jpeg(photo(seed=6), 60))
    spliced = photo(seed=7)  # never compressed: the donor's grid is the only one in the PNG
    spliced[128:384, 128:384] = donor[131:387, 133:389]  # donor grid lands at x = 128 - 133 + 136 = 131 -> 3, y -> 5
    grid = detect_grid(luminance(spliced) + 128.0)
    assert grid.origin == (3, 5)
    tiles = local_grids(grid)
    own = tiles.winner == 5 * 8 + 3
    assert own[2:5, 2:5].all() and not own[0, :].any()  # tiles of the vote map start 7 px into the image
    figure = png_of(spliced, tmp_path)["compression.lossless_jpeg_traces"].figures[0]
    assert figure.title == "JPEG grid-origin map"


def test_tiny_images_get_no_grid_map_and_no_error(tmp_path):
    finding = findings(jpeg(photo(48), 90), tmp_path)["compression.grid"]
    assert finding.figures == []


@pytest.mark.parametrize("options, level", [
    ({}, "none"),  # baseline, standard Huffman tables: as cameras write them
    ({"optimize": True}, "weak"),  # optimised Huffman tables: one of 25 camera originals had them
    ({"progressive": True}, "moderate"),  # progressive: no camera original in the reference
])
def test_the_encoder_a_camera_would_not_use_supports_processing(tmp_path, options, level):
    structure = findings(jpeg(photo(), 90, **options), tmp_path)["compression.structure"]
    assert (structure.strength.value, structure.proposition.value) == (level, "processing")


def test_shared_coefficients_are_libjpegs_own_16_bit_values(tmp_path):
    """The shared copy keeps every coefficient libjpeg stored (JCOEF is 16 bits), in half of jpegio's memory."""
    from forensics.media.jpeg_coefficients import read_coefficients

    path = tmp_path / "x.jpg"
    path.write_bytes(jpeg(photo(), 100))  # quality 100: the largest coefficients a photo gives
    shared = read_coefficients(str(path), (512, 512)).luma_blocks
    reference = coefficient_blocks(jpegio.read(str(path)).coef_arrays[0])
    assert shared.dtype == np.int16 and shared.flags.c_contiguous
    assert np.array_equal(shared, reference) and np.abs(reference).max() > 255


def test_requantisation_in_chunks_equals_the_whole_image_at_once(tmp_path, monkeypatch):
    from forensics.algorithms import jpeg_ghost
    from forensics.algorithms.jpeg_ghost import requantisation_error, stored_requantisation_error

    path = tmp_path / "x.jpg"
    path.write_bytes(jpeg(photo(), 80))
    stored = jpegio.read(str(path))
    blocks, table = coefficient_blocks(stored.coef_arrays[0]), stored.quant_tables[0]
    new_table = ijg_table(ANNEX_K_LUMINANCE, 90).ravel().astype(np.float32)
    whole = requantisation_error((blocks.reshape(-1, 64) * table.ravel()).astype(np.float32), new_table)
    monkeypatch.setattr(jpeg_ghost, "_CHUNK_BLOCKS", 1000)  # 4096 blocks: five chunks, the last one short
    assert np.array_equal(stored_requantisation_error(blocks, table, new_table), whole)


def test_the_grid_votes_chance_is_the_binomial_tail():
    """log10 P(X >= k), X ~ Binomial(n, 1/64), against the exact sum of the binomial terms."""
    from fractions import Fraction
    from math import comb, log10

    from forensics.algorithms.jpeg_grid import _log10_binomial_tail

    for votes, voters in ((0, 10), (1, 10), (3, 40), (10, 40), (40, 40), (25, 300)):
        exact = sum(comb(voters, k) * Fraction(1, 64) ** k * Fraction(63, 64) ** (voters - k) for k in range(votes, voters + 1))
        assert float(_log10_binomial_tail(votes, voters)) == pytest.approx(log10(exact), rel=1e-9, abs=1e-12)


def test_a_resave_with_the_files_own_tables_is_found_and_a_first_save_is_not(tmp_path):
    first = jpeg(photo(), 96)
    finding = findings(first, tmp_path)["compression.recompressed_same_tables"]
    assert finding.strength.value == "none" and "No trace" in finding.explanation
    buffer = io.BytesIO()
    Image.open(io.BytesIO(first)).save(buffer, "JPEG", quality="keep")
    finding = findings(buffer.getvalue(), tmp_path)["compression.recompressed_same_tables"]
    assert finding.strength.rank >= 2 and finding.proposition.value == "processing"
    ratio = {m.name: m.value for m in finding.measurements}["observed / predicted"]
    assert ratio < 0.6


@pytest.mark.parametrize("quality, why", [(80, "no quantisation step of 1"), (100, "of the 64 luminance quantisation steps are 1")])
def test_same_table_recompression_is_not_measured_where_its_prediction_does_not_hold(tmp_path, quality, why):
    finding = findings(jpeg(photo(), quality), tmp_path)["compression.recompressed_same_tables"]
    assert finding.strength.value == "none" and finding.explanation.startswith("Not measured") and why in finding.explanation
    assert {m.name: m.value for m in finding.measurements}["observed / predicted"] is None


def test_a_region_pasted_into_a_jpeg_and_saved_at_100_is_a_content_finding(tmp_path):
    background = decoded(jpeg(photo(384, seed=3), 85))
    donor = np.asarray(Image.fromarray(decoded(jpeg(photo(384, seed=4), 80))).resize((461, 461)))
    composite = background.copy()
    composite[120:248, 96:256] = donor[50:178, 60:220]
    pasted = findings(jpeg(composite, 100), tmp_path)["compression.missing_grid"]
    assert pasted.proposition.value == "content" and pasted.strength.value == "strong", pasted.explanation
    assert "outlined on the map" in pasted.explanation
    assert pasted.figures[0].title == "Blocks without the picture's JPEG grid"
    resaved = findings(jpeg(background, 100), tmp_path)["compression.missing_grid"]  # processing, not content
    assert resaved.strength.value == "none" and "excludes nothing" in resaved.explanation
    never = findings(jpeg(photo(384, seed=3), 100), tmp_path)["compression.missing_grid"]  # compressed once, at 100
    assert never.strength.value == "none" and never.explanation.startswith("Not measured")
