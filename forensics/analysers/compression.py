"""Compression history: what happened to a JPEG since it was first encoded."""

from __future__ import annotations

import cv2
import numpy as np

from forensics.algorithms.dct import luminance
from forensics.algorithms.double_jpeg import AC_MODES, HISTOGRAM_RANGE, analyse_double_jpeg
from forensics.algorithms.grid_regions import (
    LACK_MARGIN,
    MAX_TEXTURE,
    MIN_LACKING_SHARE,
    MIN_SHOWING,
    MIN_TEXTURE,
    WINDOW_BLOCKS,
    MissingGrid,
    missing_grid,
)
from forensics.algorithms.jpeg_ghost import GhostCurve, ghost_curve, ghost_dip_map, stored_requantisation_error
from forensics.algorithms.jpeg_grid import TILE_PX, WINDOW_PX, GridDetection, LocalGrids, central_window, detect_grid, local_grids
from forensics.algorithms.jpeg_quality import ANNEX_K_LUMINANCE, ijg_quality, ijg_table, nearest_ijg_quality, tables_digest
from forensics.algorithms.jpeg_recompression import MAX_BLOCKS, RecompressionTrace, recompression_changes
from forensics.algorithms.jpeg_structure import ZIGZAG, parse_jpeg
from forensics.algorithms.nonaligned_jpeg import DC_AND_AC_MODES, PERIODS, SHIFTS, NonAlignedEvidence, block_agreement_map, detect_nonaligned
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, NotApplicable, register
from forensics.figures import bar_chart_figure, heat_map_figure, reduce, table_figure
from forensics.media import Media
from forensics.media.jpeg_coefficients import CoefficientsUnavailable, JpegCoefficients
from forensics.results import AppendixEntry, Figure, Finding, Measurement, Proposition, Strength

# Score thresholds for the verbal levels of the aligned double-compression finding. Single compressions
# score 0 (no earlier step improves the fit); they were set from the scores of camera originals and of
# single-compressed controls in `forensics eval` (README, compression section), whose measured rates
# the report cites.
DOUBLE_JPEG_LEVELS = [(1.0, Strength.STRONG, 0.85), (0.5, Strength.MODERATE, 0.6), (0.25, Strength.WEAK, 0.3)]
# Levels of the non-aligned finding's mirror contrast (robust z units). Under the null, the contrast is the
# difference of two maxima over similar sets of shifts, centred on 0; on 204 single-compressed photos it
# never exceeded 2.8 (README, compression section, with the rates measured on the other corpus sets).
NONALIGNED_LEVELS = [(10.0, Strength.STRONG, 0.85), (6.0, Strength.MODERATE, 0.6), (4.0, Strength.WEAK, 0.3)]
# Levels of the same-table re-compression finding, on its deficit (1 - observed / predicted coefficient changes).
# Set on the calibration originals of the corpus that the finding measures (14 files, deficits -0.24 to 0.06) and
# their re-saves with the same tables by Pillow (0.32-0.55); the rates measured on other collections are in the
# README's compression section.
RECOMPRESSION_LEVELS = [(0.55, Strength.STRONG, 0.85), (0.4, Strength.MODERATE, 0.6), (0.3, Strength.WEAK, 0.3)]
# Changes a first compression must predict over the blocks counted for the ratio to be read: below it the
# table has too few steps of 1 (quality below about 95) or the picture too few usable blocks.
RECOMPRESSION_MIN_EXPECTED = 500
# Above this many steps of 1 in the luminance table (of 64) a first compression itself changes fewer coefficients
# than predicted (simulated: 0.91 of it with 42 steps of 1, 0.58 with 64; a Leica original with 42 gave 0.76), so
# the finding is not measured there.
RECOMPRESSION_MAX_UNIT_STEPS = 32
# Lacking blocks in the largest region without the picture's grid. On the calibration data (25 camera originals as
# they are and re-saved at 98 and 100; the same reduced to 512 pixels and saved at 75-90, alone and re-saved at 98
# and 100: 300 files without a pasted region) the largest was 20; composites of them saved at 100 reached 24 or more
# in 84 of 150, saved at 98 in none (`python -m forensics.evaluation.calibrate_missing_grid`).
MISSING_GRID_LEVELS = [(96, Strength.STRONG, 0.85), (48, Strength.MODERATE, 0.6), (24, Strength.WEAK, 0.3)]
GRID_SHARE = 0.5  # decoded JPEGs give > 0.9; never-compressed photos up to 0.38 (README, compression section)
ELA_QUALITY = 90
ELA_SCALE = 8.0  # 8-bit levels at the top of the map's colour scale
STANDARD_HUFFMAN_AC_LUMA = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125]  # ITU-T T.81 Table K.5 (BITS)
MAX_FIRST_STEP = 40  # largest earlier quantisation step searched by the aligned double-JPEG test
# The untouched camera and phone originals (``forensics.evaluation.originals``) of the corpus's
# metadata-extractor-images, the calibration data: none is progressive, one (Oppo R7 Plus) has optimised Huffman
# tables. ``python -m forensics.evaluation.encoder_survey`` prints them, and the validation originals apart.
ENCODER_REFERENCE_ORIGINALS = 25
ENCODER_OPTIMISED_ORIGINALS = 1

REFERENCES = {
    "structure": "ITU-T T.81 (ISO/IEC 10918-1) Annexes B and K; Kornblum, Digital Investigation 5, 2008; "
                 "Kee, Johnson & Farid, IEEE TIFS 6(3), 2011",
    "double": "Lukáš & Fridrich, 'Estimation of primary quantization matrix in double compressed JPEG images', DFRWS 2003; "
              "Lin, He, Tang & Tang, Pattern Recognition 42(11), 2009; Bianchi & Piva, IEEE TIFS 7(3), 2012",
    "grid": "Nikoukhah, Anger, Ehret, Colom, Morel & Grompone von Gioi, 'JPEG grid detection based on the number of "
            "DCT zeros and its application to automatic and localized forgery detection', CVPR Workshops 2019; IPOL 2021",
    "nonaligned": "Bianchi & Piva, 'Detection of nonaligned double JPEG compression based on integer periodicity maps', "
                  "IEEE TIFS 7(2), 2012; Bianchi & Piva, 'Image forgery localization via block-grained analysis of JPEG "
                  "artifacts', IEEE TIFS 7(3), 2012",
    "ghost": "Farid, 'Exposing digital forgeries from JPEG ghosts', IEEE TIFS 4(1), 2009",
    "recompression": "Huang, Huang & Shi, 'Detecting double JPEG compression with the same quantization matrix', "
                     "IEEE TIFS 5(4), 2010 (changed coefficients after one more compression); the prediction for a "
                     "first compression from pixel rounding (variance 1/12) is this tool's",
    "ela": "Krawetz, 'A picture's worth: digital image analysis and forensics', Black Hat 2007",
}


@register
class CompressionAnalyser(Analyser):
    name = "compression"
    title = "Compression history"
    version = "0.5.0"
    kinds = frozenset({"image"})
    memory_heavy = True  # the whole image's DCT coefficients, read at once
    description = ("JPEG structure and encoder identification, aligned and non-aligned double compression, re-compression "
                   "with the file's own tables, JPEG ghosts, "
                   "JPEG grid alignment, regions without the picture's JPEG grid, error-level map.")

    def parameters(self) -> dict:
        return {"double_jpeg_levels": [[t, s.value] for t, s, _ in DOUBLE_JPEG_LEVELS], "modes": len(AC_MODES), "max_first_step": MAX_FIRST_STEP,
                "histogram_range": HISTOGRAM_RANGE, "grid_window_px": WINDOW_PX, "grid_tile_px": TILE_PX, "grid_min_share": GRID_SHARE,
                "nonaligned_levels": [[t, s.value] for t, s, _ in NONALIGNED_LEVELS],
                "nonaligned_window_px": WINDOW_PX, "ela_quality": ELA_QUALITY, "ela_scale": ELA_SCALE,
                "encoder_reference_originals": ENCODER_REFERENCE_ORIGINALS,
                "encoder_optimised_originals": ENCODER_OPTIMISED_ORIGINALS,
                "recompression_levels": [[t, s.value] for t, s, _ in RECOMPRESSION_LEVELS],
                "recompression_min_expected": RECOMPRESSION_MIN_EXPECTED,
                "recompression_max_unit_steps": RECOMPRESSION_MAX_UNIT_STEPS, "recompression_max_blocks": MAX_BLOCKS,
                "missing_grid_levels": [[t, s.value] for t, s, _ in MISSING_GRID_LEVELS],
                "missing_grid_min_texture": MIN_TEXTURE, "missing_grid_max_texture": MAX_TEXTURE,
                "missing_grid_lack_margin": LACK_MARGIN, "missing_grid_window_blocks": WINDOW_BLOCKS,
                "missing_grid_min_showing": MIN_SHOWING, "missing_grid_min_lacking_share": MIN_LACKING_SHARE}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        if media.pixels is None:
            raise NotApplicable("the image's pixels could not be decoded")
        if media.file_type.format == "RAW":
            raise NotApplicable("a camera raw file's picture is LibRaw's rendering of the sensor data; the compression "
                                "of raw data (lossless, or JPEG tiles in a lossy DNG) is not analysed")
        window_luma = luminance(central_window(media.pixels, WINDOW_PX))  # window first: bounded memory
        grid = detect_grid(window_luma + 128.0)
        if media.file_type.format != "JPEG" or not media.data:
            return AnalyserOutput(findings=[_lossless_grid_finding(grid, media)])
        structure = parse_jpeg(media.data)
        if 0 not in structure.quantisation_tables or structure.precision != 8:
            raise NotApplicable("the file has no 8-bit luminance quantisation table")
        try:
            coefficients = media.jpeg_coefficients
        except CoefficientsUnavailable as error:  # libjpeg refuses some files Pillow decodes; the others still run
            raise NotApplicable(str(error)) from None
        blocks = coefficients.luma_blocks
        table = structure.quantisation_tables[0]
        preview = reduce(media.pixels)  # every map is drawn over the same reduced copy
        findings = [_structure_finding(structure, coefficients)]
        findings.append(_double_jpeg_finding(analyse_double_jpeg(blocks, media.pixels, table, MAX_FIRST_STEP), preview,
                                             media.orientation))
        findings.append(_recompression_finding(recompression_changes(blocks, table, MAX_BLOCKS)))
        findings.append(_nonaligned_finding(detect_nonaligned(window_luma), media, preview))
        quality = ijg_quality(structure.quantisation_tables) or nearest_ijg_quality(table)[0]
        findings.append(_ghost_finding(ghost_curve(blocks, table, quality), blocks, table, quality, preview,
                                       media.orientation))
        findings.append(_jpeg_grid_finding(grid, media))
        findings.append(_missing_grid_finding(grid, media))
        findings.append(ela_finding(media, blocks, table, preview))
        appendix = [AppendixEntry("JPEG quantisation tables (natural order)", f"table {index}",
                                  " ".join(str(v) for v in table.ravel()))
                    for index, table in sorted(structure.quantisation_tables.items())]
        return AnalyserOutput(findings=findings, warnings=list(coefficients.warnings), appendix=appendix)


def _structure_finding(structure, coefficients: JpegCoefficients) -> Finding:
    tables = structure.quantisation_tables
    quality = ijg_quality(tables)
    nearest, rms = nearest_ijg_quality(tables[0])
    standard = coefficients.ac_huffman_bits == STANDARD_HUFFMAN_AC_LUMA
    encoder = (f"standard IJG (libjpeg) tables at quality {quality}, as written by libjpeg-based software "
               "(Pillow, OpenCV, GIMP, many web services) and some cameras" if quality is not None
               else f"not IJG tables (nearest IJG quality {nearest}, RMS difference {rms:.1f}): a camera's or an "
                    "editor's own tables")
    measurements = [
        Measurement("coding", {"SOF0": "baseline", "SOF1": "extended sequential", "SOF2": "progressive"}.get(
            structure.frame_marker or "", structure.frame_marker)),
        Measurement("chroma subsampling", structure.subsampling or "greyscale or unusual"),
        Measurement("quantisation tables", len(tables)),
        Measurement("IJG quality (exact match)", quality), Measurement("nearest IJG quality", nearest),
        Measurement("RMS difference from that IJG table", round(rms, 2)),
        Measurement("table digest", tables_digest(tables)),
        Measurement("Huffman tables", "standard (Annex K)" if standard else "optimised or custom"),
        Measurement("restart interval", coefficients.restart_interval, "MCUs"),
        Measurement("bytes after end of image", structure.bytes_after_eoi, "bytes"),
    ]
    progressive = structure.frame_marker == "SOF2"
    if progressive:
        strength, score = Strength.MODERATE, 0.7
        verdict = (f"The file is a progressive JPEG. None of the {ENCODER_REFERENCE_ORIGINALS} untouched camera and "
                   "phone originals in our reference is: cameras write baseline JPEG, and progressive files are written "
                   "by software (web export, editors, platforms). This supports processing after capture.")
    elif not standard:
        strength, score = Strength.WEAK, 0.4
        verdict = (f"The file's Huffman tables are optimised for this picture. {ENCODER_OPTIMISED_ORIGINALS} of the "
                   f"{ENCODER_REFERENCE_ORIGINALS} untouched originals in our reference had such tables (one phone); "
                   "editors and web software usually write them. Weak support for processing on its own.")
    else:
        strength, score = Strength.NONE, 0.0
        verdict = "Baseline coding with the standard Huffman tables, as cameras write them (and much software too)."
    return Finding(
        key="compression.structure", proposition=Proposition.PROCESSING, title="JPEG structure and encoder",
        strength=strength, score=score,
        explanation=f"The file's quantisation tables are {encoder}. {verdict} The tables identify a family of "
                    "encoders, not one program.",
        method="JPEG marker parsing; quantisation tables compared with the IJG tables at every quality",
        reference=REFERENCES["structure"], measurements=measurements,
        figures=[table_figure("Quantisation tables", "The file's quantisation tables in natural (row by row) order: "
                              "table 0 is used for luminance, table 1 usually for both chroma channels. Larger steps "
                              "(darker) discard more detail.",
                              [(f"table {index}", table) for index, table in sorted(tables.items())])],
        limitations=["Many programs share the IJG tables, and an editor can re-use a camera's tables, so tables "
                     "identify a family of encoders, not one program."],
    )


def _double_jpeg_finding(evidence, preview: np.ndarray, orientation: int | None) -> Finding:
    strength, score = _level(evidence.score, DOUBLE_JPEG_LEVELS)
    primary = evidence.primary_steps
    consistent, best = _consistent_qualities(primary)
    measurements = [
        Measurement("double-compression score", round(evidence.score, 3), note="0 = single compression; see the verbal levels"),
        Measurement("informative DCT modes", evidence.modes_used, note="of the 9 lowest-frequency AC modes"),
        Measurement("estimated first quantisation steps", [primary.get(int(m)) for m in ZIGZAG[1:10]]),
        Measurement("current quantisation steps", [evidence.secondary_steps.get(int(m)) for m in ZIGZAG[1:10]]),
        Measurement("primary quality, if IJG tables were used first", _ranges(consistent) or None,
                    note=f"the IJG tables of these qualities agree with {best} of {len(primary)} estimated steps" if consistent else None),
    ]
    figures = []
    if evidence.histograms:
        mode = max(evidence.histograms, key=lambda m: evidence.histograms[m][0].sum())
        observed, single, double = evidence.histograms[mode]
        labels = list(range(-HISTOGRAM_RANGE, HISTOGRAM_RANGE + 1))
        window = slice(HISTOGRAM_RANGE - 15, HISTOGRAM_RANGE + 16)
        figures.append(bar_chart_figure(
            "DCT coefficient histogram", f"Luminance DCT mode {mode} (natural index), values -15..15: observed in "
            "the file (black), expected after a single compression (blue), expected after a first compression with "
            f"step {primary.get(mode)} (red). Gaps and peaks the single-compression model lacks are the trace of a "
            "second compression.",
            [("observed", observed[window] / observed.sum(), (0, 0, 0)),
             ("single", single[window] / max(single.sum(), 1), (40, 90, 220)),
             ("double", double[window] / max(double.sum(), 1), (220, 40, 40))], labels[window],
            "coefficient value", "share of blocks"))
    if strength is not Strength.NONE:
        smoothed = cv2.medianBlur(np.clip(evidence.block_llr, -20, 20).astype(np.float32), 5)
        figures.append(heat_map_figure(
            "Double-compression likelihood per 8x8 block",
            "Per block, the log-likelihood ratio of its coefficients under the double-compression model versus a "
            "single compression (median-filtered). Red/yellow: consistent with the image's double-compression history; "
            "blue: compressed only once, as a region pasted from another source would be. Flat areas carry no "
            "evidence either way and show in the middle of the scale.", preview, smoothed, -10, 10, orientation=orientation,
            whole_picture=True))
    if strength is Strength.NONE:
        explanation = ("The DCT coefficients show no trace of an earlier JPEG compression with different tables: "
                       "the histograms are explained by a single compression.")
    else:
        explanation = (f"The DCT coefficients carry the trace of an earlier JPEG compression with different "
                       f"quantisation steps (score {evidence.score:.2f}): the file was saved as JPEG at least twice. "
                       "A camera saves once; a second save is made by software (editing, re-saving, messaging or "
                       "social-media platforms). This shows re-compression, not what, if anything, was changed; the "
                       "block map shows whether every part of the image shares that history.")
    return Finding(
        key="compression.double_jpeg.aligned", proposition=Proposition.PROCESSING,
        title="Aligned double JPEG compression", explanation=explanation, strength=strength, score=score,
        method="Observed luminance DCT histograms of the 9 lowest AC modes compared with single- and double-compression "
               "models from calibration (4-pixel crop); first steps searched 1..40; per-block likelihood ratio",
        reference=REFERENCES["double"], measurements=measurements, figures=figures,
        limitations=[
            "Detection is weaker when the second save's quality is not higher than the first's (Q2 <= Q1), and fails "
            "after resizing or rotation between the two saves; a crop by a non-multiple of 8 pixels moves the earlier "
            "grid, which the non-aligned finding examines instead.",
            "Platforms re-compress every upload: double compression is the norm for shared images.",
            "Flat or saturated regions carry no evidence; very small images give few blocks.",
        ],
    )


def _recompression_finding(trace: RecompressionTrace) -> Finding:
    measurable = trace.expected >= RECOMPRESSION_MIN_EXPECTED and trace.unit_steps <= RECOMPRESSION_MAX_UNIT_STEPS
    strength, score = _level(1.0 - trace.ratio, RECOMPRESSION_LEVELS) if measurable else (Strength.NONE, 0.0)
    measurements = [
        Measurement("luminance quantisation steps equal to 1", trace.unit_steps, note="of 64"),
        Measurement("blocks counted", trace.blocks_counted,
                    note=f"of {trace.blocks_examined} examined (evenly spread, at most {MAX_BLOCKS:,}): those with AC detail "
                         "and no decoded pixel outside 0..255"),
        Measurement("coefficients changed by one more decode and encode", trace.changed),
        Measurement("changes a first compression predicts", round(trace.expected)),
        Measurement("observed / predicted", round(trace.ratio, 3) if measurable else None,
                    note="about 1 for a camera's first compression; about 0.5 after a re-save with the same tables"),
    ]
    if not measurable:
        if trace.unit_steps > RECOMPRESSION_MAX_UNIT_STEPS:
            explanation = (f"Not measured: {trace.unit_steps} of the 64 luminance quantisation steps are 1 (quality "
                           "about 99-100), where decoding gives back most of a first compression's own pixels and the "
                           "prediction the finding rests on does not hold.")
        else:
            why = ("the table has no quantisation step of 1 (qualities below about 95)" if trace.unit_steps == 0
                   else "the table has few steps of 1 or too few blocks can be counted")
            explanation = (f"Not measured: one more compression with this file's tables is predicted to change only "
                           f"{trace.expected:.0f} coefficients (at least {RECOMPRESSION_MIN_EXPECTED} are needed): {why}.")
    elif strength is Strength.NONE:
        explanation = (f"Decoding the file and compressing it again with its own tables changes {trace.changed} of the "
                       f"stored coefficients counted, {trace.ratio:.2f} times what a first compression predicts: as a "
                       "camera's own save does. No trace of an earlier save with these tables.")
    else:
        explanation = (f"Decoding the file and compressing it again with its own tables changes only {trace.ratio:.2f} "
                       "times the coefficients a first compression predicts: the file's coefficients already sit where "
                       "a decode and re-encode with these tables leaves them, as after a re-save with the same tables "
                       "(same quality, or tables copied from the camera's). A camera saves once; this supports "
                       "processing after capture. It says nothing about what, if anything, was changed.")
    return Finding(
        key="compression.recompressed_same_tables", proposition=Proposition.PROCESSING,
        title="Re-compression with the file's own tables", explanation=explanation, strength=strength, score=score,
        method="Stored luminance coefficients decoded (IDCT, pixels rounded), compressed again with the file's table and "
               "compared with the stored ones; the count of changes against the count pixel rounding predicts for a "
               "first compression (each coefficient with step q changes with probability P(|N(0, 1/12)| > q/2))",
        reference=REFERENCES["recompression"], measurements=measurements,
        limitations=[
            "Measurable only where the luminance table has some steps of 1 but not more than "
            f"{RECOMPRESSION_MAX_UNIT_STEPS} (qualities of about 94-98, as most cameras and phones save); a re-save with "
            "other tables, or after resizing or a crop that moves the 8x8 grid, leaves the count where a first "
            "compression puts it (the aligned and non-aligned findings examine those).",
            "Levels set on 14 camera originals of the development corpus and their re-saves; a camera that itself "
            "decodes and re-encodes its picture with the same tables (to add an overlay, say) would show this trace "
            "too, and none was seen among the originals of other collections (README, compression section).",
            "Only the luminance channel is examined.",
        ],
    )


def _level(statistic: float, levels: list[tuple[float, Strength, float]]) -> tuple[Strength, float]:
    """The verbal level and score of the highest threshold ``statistic`` reaches (levels listed strongest first)."""
    return next(((level, score) for threshold, level, score in levels if statistic >= threshold), (Strength.NONE, 0.0))


def _consistent_qualities(steps: dict[int, int]) -> tuple[list[int], int]:
    """The IJG qualities whose luminance table agrees with most of ``steps`` (natural index -> step), and how many."""
    matches = {q: sum(int(ijg_table(ANNEX_K_LUMINANCE, q).ravel()[m]) == step for m, step in steps.items())
               for q in range(1, 101)}
    best = max(matches.values()) if steps else 0
    return ([q for q, count in matches.items() if count == best] if best else []), best


def _nonaligned_finding(evidence: NonAlignedEvidence, media: Media, preview: np.ndarray) -> Finding:
    strength, score = _level(evidence.contrast, NONALIGNED_LEVELS)
    consistent, best = _consistent_qualities(evidence.steps)
    measurements = [
        Measurement("mirror contrast", round(evidence.contrast, 2), "robust z units",
                    note="the shift's score minus the best of its mirror shifts; single compressions stayed below 4"),
        Measurement("strongest candidate earlier grid (dx, dy)", list(evidence.shift), "pixels, modulo 8"),
        Measurement("its score", round(evidence.score, 2), "robust z units"),
        Measurement("best score among its mirror shifts", round(evidence.mirror_score, 2), "robust z units"),
        Measurement("blocks per shift", evidence.blocks, note=f"central window of up to {WINDOW_PX} x {WINDOW_PX} pixels"),
        Measurement("estimated earlier steps (DC and lowest AC modes)",
                    [evidence.steps.get(m) for m in DC_AND_AC_MODES] if strength is not Strength.NONE else None),
        Measurement("earlier quality, if IJG tables were used", _ranges(consistent) or None
                    if strength is not Strength.NONE else None,
                    note=f"the IJG tables of these qualities agree with {best} of {len(evidence.steps)} estimated steps"
                    if consistent and strength is not Strength.NONE else None),
    ]
    figures = []
    if evidence.blocks:
        winner = SHIFTS.index(evidence.shift) if evidence.shift in SHIFTS else 0
        mode_index = int(np.argmax(evidence.zscores[winner].max(axis=1)))
        others = [i for i in range(len(SHIFTS)) if i != winner]
        figures.append(bar_chart_figure(
            "Lattice agreement per candidate step",
            f"For DCT mode {DC_AND_AC_MODES[mode_index]} (natural index) of the blocks on the grid offset by "
            f"({evidence.shift[0]}, {evidence.shift[1]}) pixels: the mean of cos(2 pi c / q) for each candidate step q "
            "(red), against the median over the other candidate grids (grey); negative values are drawn as zero. A red "
            "bar far above grey means the coefficients on that grid sit on multiples of q: they were quantised there.",
            [("this grid", np.maximum(evidence.agreement[winner, mode_index], 0), (220, 40, 40)),
             ("other grids", np.maximum(np.median(evidence.agreement[others, mode_index], axis=0), 0), (150, 150, 150))],
            [int(q) for q in PERIODS], "candidate quantisation step q", "mean cos(2 pi c / q)"))
    if strength is not Strength.NONE:
        agreement = block_agreement_map(luminance(media.pixels), evidence)
        smoothed = cv2.blur(agreement.astype(np.float32), (5, 5))
        high = max(float(np.percentile(smoothed, 95)), 0.05)
        figures.append(heat_map_figure(
            "Agreement with the earlier grid per 8x8 block",
            f"Per block of the grid offset by ({evidence.shift[0]}, {evidence.shift[1]}) pixels, how closely its DCT "
            "coefficients sit on multiples of the estimated earlier steps, above what other grids show (mean over 5 x 5 "
            "blocks). Warm: the block went through the earlier compression; blue: it did not (a region pasted after the "
            "first save, or a flat area, which carries no evidence either way).", preview, smoothed, 0.0,
            round(high, 2), orientation=media.orientation, whole_picture=True))
    if strength is Strength.NONE:
        explanation = ("No earlier JPEG grid offset from the file's own was found: the DCT coefficients on the 48 tested "
                       "offset grids show no lattice that their mirror grids lack.")
    else:
        explanation = (f"The blocks of a grid offset by {evidence.shift[0]} pixels horizontally and {evidence.shift[1]} "
                       f"vertically from the file's own carry the lattice of an earlier JPEG quantisation (mirror contrast "
                       f"{evidence.contrast:.1f}): the picture was JPEG-compressed, then cropped, shifted or pasted at an "
                       "offset, and saved as JPEG again. A camera does not do this; the block map shows which parts share "
                       "that earlier compression.")
    return Finding(
        key="compression.double_jpeg.nonaligned", proposition=Proposition.PROCESSING,
        title="Non-aligned double JPEG compression", explanation=explanation, strength=strength, score=score,
        method="Periodicity of DCT coefficients (DC and 9 lowest AC modes) on 48 offset grids for steps 2..40; robust "
               "z-scores against the grids off both of the file's axes; contrast with the mirror grids",
        reference=REFERENCES["nonaligned"], measurements=measurements, figures=figures,
        limitations=[
            "Offsets of 4 pixels in either direction are not tested (a single compression leaves lattices there), so "
            "a crop by 4 (modulo 8) pixels in either direction is missed.",
            "A final save at low quality (below about 80) blurs the earlier lattice; resizing or rotating between the "
            "saves erases it.",
            f"Measured on a central window of up to {WINDOW_PX} x {WINDOW_PX} pixels.",
        ],
    )


def _ghost_finding(curve: GhostCurve, blocks: np.ndarray, table: np.ndarray, quality: int, preview: np.ndarray,
                   orientation: int | None) -> Finding:
    earliest = curve.earliest
    peak = float(curve.difference.max()) or 1.0
    figures = [bar_chart_figure(
        "JPEG ghost curve",
        f"Mean squared difference (luminance) between the image and its re-save at each IJG quality {curve.qualities[0]}"
        f"..{curve.qualities[-1]} on the file's own grid, scaled to its maximum. It falls to zero at the last save's "
        "quality; a dip below that quality is a ghost of an earlier save.",
        [("difference", curve.difference / peak, (40, 90, 220))], [int(q) for q in curve.qualities],
        "quality of the re-save", "difference (share of largest)")]
    if earliest:
        dip = cv2.blur(ghost_dip_map(blocks, table, earliest[0]).astype(np.float32), (4, 4))
        figures.append(heat_map_figure(
            f"JPEG ghost map at quality {earliest[0]}",
            f"Per block, how far the re-save difference at quality {earliest[0]} dips below its neighbours 3 qualities "
            "away (mean over 4 x 4 blocks). Warm: the block shows the ghost of an earlier save at about that quality; "
            "blue: it does not. Flat areas show no ghost whatever their history.", preview, dip, 0.0, 1.0,
            orientation=orientation, whole_picture=True))
    return Finding(
        key="compression.ghosts", proposition=Proposition.PROCESSING, title="JPEG ghosts", strength=Strength.NONE, score=0.0,
        explanation=(f"The re-save difference curve has a dip at quality {earliest[0]} ({100 * earliest[1]:.0f} % below "
                     f"its neighbours), below the last save's quality ({quality}): consistent with an earlier save at about "
                     "that quality. Shown in support of the double-compression findings, which carry the strength."
                     if earliest else
                     f"The re-save difference curve falls steadily to the last save's quality ({quality}) with no dip "
                     "below it: no ghost of an earlier save at a lower quality."),
        method="Requantisation error of the stored luminance coefficients with the IJG tables at each quality (equal to "
               "the pixel-domain re-save difference on the file's grid, by Parseval's theorem)",
        reference=REFERENCES["ghost"],
        measurements=[Measurement("dips below the last quality", [f"{q} ({100 * d:.0f} %)" for q, d in curve.minima] or None,
                                  note="quality (depth below the mean of the qualities 3 either side)")],
        figures=figures,
        limitations=[
            "An observation without a measured error rate: cameras' own (non-IJG) tables and IJG qualities whose steps "
            "are multiples of the last ones produce dips too, so a ghost alone is not evidence.",
            "Only earlier saves on the same grid and at a lower quality leave a ghost.",
        ],
    )


def _grid_measurements(grid: GridDetection) -> list[Measurement]:
    return [
        Measurement("strongest grid origin (x, y)", list(grid.origin), "pixels, modulo 8"),
        Measurement("share of pixel votes for it", round(grid.share, 3), note="1/64 = 0.016 if there is no grid"),
        Measurement("log10 number of false alarms", None if grid.log10_nfa == float("-inf") else round(grid.log10_nfa, 1),
                    note="below 0: fewer than one false detection expected; one independent vote per 8x8 block"),
        Measurement("next strongest origin", list(grid.second_origin)),
    ]


def _local_grid_measurement(tiles: LocalGrids, grid: GridDetection) -> Measurement:
    return Measurement(f"{TILE_PX}-pixel tiles with their own significant, different grid",
                       int(tiles.differing(grid.origin[1] * 8 + grid.origin[0]).sum()),
                       note="shown on the grid-origin map; an observation, see the limitations")


def _grid_map_figures(grid: GridDetection, tiles: LocalGrids, media: Media) -> list[Figure]:
    if tiles.winner.size == 0:
        return []  # the window is smaller than one tile
    own = grid.origin[1] * 8 + grid.origin[0]
    values = np.where(tiles.differing(own), 0.0, np.where((tiles.winner == own) & (tiles.log10_nfa < 0), 1.0, 0.5))
    window = central_window(media.pixels, WINDOW_PX)
    shown = window[7 : 7 + values.shape[0] * TILE_PX, 7 : 7 + values.shape[1] * TILE_PX]  # the vote map's extent
    pooled_only = " No tile has a significant grid of its own: the picture's grid was found only by pooling all its " \
        "blocks." if not (values != 0.5).any() else ""
    return [heat_map_figure(
        "JPEG grid-origin map",
        f"Per {TILE_PX} x {TILE_PX}-pixel tile of the central window examined: red, the tile's own strongest grid is "
        f"the image's ({grid.origin[0]}, {grid.origin[1]}) and significant; blue, a different grid is significant there "
        "(number of false alarms below 1, counted over every tile and grid), as in a region pasted from another JPEG; "
        "green, no significant grid (flat or never-compressed areas)." + pooled_only, shown, values, 0.0, 1.0,
        categories=[("the picture's grid", 1.0), ("no significant grid", 0.5), ("another grid", 0.0)],
        orientation=media.orientation)]


_GRID_LIMITATIONS = [
    f"Measured on a central window of up to {WINDOW_PX} x {WINDOW_PX} pixels; a region outside it is not examined.",
    "The per-tile grids are shown, not scored: in our evaluation they marked a region pasted from another JPEG in 12 of "
    "51 composites saved at quality 97 and none saved at 90, and one of 51 single saves at quality 75 showed such tiles.",
    "Strong resizing or blurring after the earlier compression erases the grid; its absence proves nothing.",
]


def _jpeg_grid_finding(grid: GridDetection, media: Media) -> Finding:
    tiles = local_grids(grid, TILE_PX)
    misaligned = grid.detected and grid.share >= GRID_SHARE and grid.origin != (0, 0)
    explanation = (
        f"The strongest 8x8 JPEG grid in the picture is offset by {grid.origin[0]} pixels horizontally and "
        f"{grid.origin[1]} vertically from the file's own blocks: the picture was JPEG-compressed before, then "
        "cropped or shifted, and saved again at a quality high enough to leave the earlier grid dominant. "
        "This strongly supports processing after the first compression." if misaligned else
        "The strongest 8x8 grid is the file's own (or no grid dominates): no trace of an earlier, differently "
        "aligned compression was found. After a final save at ordinary quality (below about 95) the last grid "
        "dominates, so an earlier misaligned compression can remain undetected.")
    return Finding(
        key="compression.grid", proposition=Proposition.PROCESSING, title="JPEG grid alignment",
        explanation=explanation, strength=Strength.STRONG if misaligned else Strength.NONE,
        score=0.85 if misaligned else 0.0, method="DCT-zero voting over the 64 grid origins with an a-contrario test",
        reference=REFERENCES["grid"], measurements=[*_grid_measurements(grid), _local_grid_measurement(tiles, grid)],
        limitations=_GRID_LIMITATIONS, figures=_grid_map_figures(grid, tiles, media))


def _missing_grid_finding(grid: GridDetection, media: Media) -> Finding:
    common = dict(key="compression.missing_grid", proposition=Proposition.CONTENT,
                  title="Region without the picture's JPEG grid",
                  method="DCT zeros per 8x8 block on the picture's grid against the 63 shifted cuts; windows of "
                         f"{WINDOW_BLOCKS} x {WINDOW_BLOCKS} blocks mostly lacking the grid joined into regions",
                  reference=REFERENCES["grid"], limitations=_MISSING_GRID_LIMITATIONS)
    if not (grid.detected and grid.share >= GRID_SHARE):  # in a never-compressed picture every block would lack it
        return Finding(**common, strength=Strength.NONE, score=0.0, measurements=_grid_measurements(grid),
                       explanation=f"Not measured: no 8x8 JPEG grid dominates the picture ({100 * grid.share:.0f} % of "
                                   f"votes, {100 * GRID_SHARE:.0f} % needed), so no region can be said to lack it.")
    evidence = missing_grid(grid.zeros, grid.origin, MIN_TEXTURE, MAX_TEXTURE, LACK_MARGIN, WINDOW_BLOCKS, MIN_SHOWING,
                            MIN_LACKING_SHARE)
    strength, score = _level(evidence.region_blocks, MISSING_GRID_LEVELS)
    where = f"origin ({grid.origin[0]}, {grid.origin[1]})"
    if strength is Strength.NONE:
        explanation = (
            f"The picture's 8x8 JPEG grid ({where}) is present wherever the picture has the texture to show it: the "
            f"largest region lacking it holds {evidence.region_blocks} blocks, below the {MISSING_GRID_LEVELS[-1][0]} "
            "that untouched photos never reached in calibration. After a final save below quality 100 a pasted region "
            "largely takes on the last grid too (no calibration composite saved at 98 was found), so this absence "
            "excludes nothing.")
    else:
        explanation = (
            f"In one region of {evidence.region_blocks} blocks of 8 x 8 pixels the picture's JPEG grid ({where}) is "
            "missing, although the rest of the picture shows it and the region has the texture to: its pixels were "
            "not compressed on the grid the rest of the picture was. That is what an object pasted from another "
            "picture (resized or shifted) into a JPEG leaves when the composite is saved at high quality. "
            f"This is {strength.value} support for manipulation of the content in that region (outlined on the map).")
    measurements = [
        *_grid_measurements(grid)[:2],
        Measurement("blocks that can show the grid", evidence.showing_blocks,
                    note=f"{MIN_TEXTURE}-{MAX_TEXTURE} non-zero AC coefficients of 63 off the grid"),
        Measurement("blocks lacking it", int(evidence.lacking.sum()),
                    note=f"the grid's cut gives at most {LACK_MARGIN} more zero coefficients than the others' median"),
        Measurement("lacking blocks in the largest region", evidence.region_blocks,
                    note=f"weak from {MISSING_GRID_LEVELS[2][0]}, moderate from {MISSING_GRID_LEVELS[1][0]}, strong from "
                         f"{MISSING_GRID_LEVELS[0][0]}"),
    ]
    return Finding(**common, strength=strength, score=score, explanation=explanation, measurements=measurements,
                   figures=_missing_grid_figures(evidence, media))


def _missing_grid_figures(evidence: MissingGrid, media: Media) -> list[Figure]:
    if evidence.showing.size == 0:
        return []
    values = np.where(evidence.lacking, 0.0, np.where(evidence.showing, 1.0, 0.5))
    dx, dy = evidence.origin
    rows, columns = values.shape
    shown = central_window(media.pixels, WINDOW_PX)[dy : dy + 8 * rows, dx : dx + 8 * columns]
    return [heat_map_figure(
        "Blocks without the picture's JPEG grid",
        "Per 8x8 block of the picture's grid in the central window examined: red, the block shows the grid (more DCT "
        "coefficients round to zero on it than on shifted cuts); blue, it could show it and does not; green, too flat "
        "or too textured to tell. The largest region of mostly blue blocks is outlined in white (if any).",
        shown, values, 0.0, 1.0, outline=evidence.region if evidence.region_blocks else None,
        categories=[("shows the grid", 1.0), ("cannot tell", 0.5), ("lacks the grid", 0.0)],
        orientation=media.orientation)]


_MISSING_GRID_LIMITATIONS = [
    f"Measured on a central window of up to {WINDOW_PX} x {WINDOW_PX} pixels; a region outside it is not examined.",
    "Only a final save at the highest quality (steps of 1) leaves enough of the earlier grid to compare: any other "
    "save largely covers a pasted region with the last grid (of 150 calibration composites, those saved at 100 reached "
    "the weak level in 84 cases, those saved at 98 in none).",
    "A region pasted from a JPEG on the same grid (moved by a multiple of 8 pixels, not resized) keeps the grid and is "
    "not found; a region retouched smoothly (blurred, painted) lacks it without being pasted.",
    "The level thresholds were set on calibration files (largest region in a file without a pasted region: 20 blocks); "
    "the error rates measured on other data are the content conclusion's (the report's section on known error rates).",
]


def _lossless_grid_finding(grid: GridDetection, media: Media) -> Finding:
    tiles = local_grids(grid, TILE_PX)
    found = grid.detected and grid.share >= GRID_SHARE
    return Finding(
        key="compression.lossless_jpeg_traces", proposition=Proposition.PROCESSING, title="Traces of an earlier JPEG compression",
        explanation=(
            f"This {media.file_type.format} file is stored without loss, but its pixels carry the 8x8 grid of a JPEG "
            f"compression (origin {grid.origin[0]}, {grid.origin[1]}; {100 * grid.share:.0f} % of votes): the picture "
            "was a JPEG before it was saved in this format, so it is not an original lossless capture."
            + (" The grid is offset from the image's corner, so it was also cropped after that compression."
               if grid.origin != (0, 0) else "") if found else
            f"No dominant JPEG grid was found in this {media.file_type.format} file's pixels."),
        strength=Strength.MODERATE if found else Strength.NONE, score=0.6 if found else 0.0,
        method="DCT-zero voting over the 64 grid origins with an a-contrario test", reference=REFERENCES["grid"],
        measurements=[*_grid_measurements(grid), _local_grid_measurement(tiles, grid)], limitations=_GRID_LIMITATIONS,
        figures=_grid_map_figures(grid, tiles, media),
    )


def _ranges(values: list[int]) -> str:
    """[50, 51, 52, 60] -> "50-52, 60"."""
    parts, start = [], None
    for index, value in enumerate(values):
        if start is None:
            start = value
        if index + 1 == len(values) or values[index + 1] != value + 1:
            parts.append(str(start) if start == value else f"{start}-{value}")
            start = None
    return ", ".join(parts)


def ela_finding(media: Media, blocks: np.ndarray, table: np.ndarray, preview: np.ndarray) -> Finding:
    """The error-level map (a visual aid, never scored); public so that `forensics bench` can time it alone."""
    ela_table = ijg_table(ANNEX_K_LUMINANCE, ELA_QUALITY).ravel().astype(np.float32)
    level = np.sqrt(stored_requantisation_error(blocks, table, ela_table)).reshape(blocks.shape[:2])
    shown = level[: (media.pixels.shape[0] + 7) // 8, : (media.pixels.shape[1] + 7) // 8]
    figure = heat_map_figure(
        "Error level analysis (visual aid only)",
        f"Per 8x8 block, the root-mean-square change of luminance (8-bit levels) if the image were re-saved at quality "
        f"{ELA_QUALITY} on its own grid (computed from the stored coefficients, so without the rounding of pixels to "
        "whole levels, about 0.4 levels RMS). Edges, texture and saturated colours "
        "change more in authentic images too; this map is not evidence.", preview, shown, 0.0, ELA_SCALE,
        orientation=media.orientation, whole_picture=True)
    return Finding(
        key="compression.error_level", proposition=Proposition.PROCESSING, title="Error level map (visual aid only)",
        strength=Strength.NONE, score=0.0,
        explanation="Shown only to help the reader see the image's compression response; it does not drive any "
                    "finding's strength, because its appearance depends mostly on content.",
        method=f"Requantisation of the stored luminance coefficients with the IJG table at quality {ELA_QUALITY} (equal to "
               "a re-save on the file's grid, by Parseval's theorem)", reference=REFERENCES["ela"],
        measurements=[Measurement("root-mean-square error level", round(float(np.sqrt(np.mean(level**2))), 3),
                                  "8-bit levels (luminance)")],
        figures=[figure],
        limitations=["Error level analysis has no calibrated error rate and is widely misread; it was criticised in "
                     "the MH17 imagery controversy (2015). Never read a bright area as proof of editing."],
    )
