"""Demosaicing traces: regions of a never-compressed picture where the camera's colour-filter-array pattern is missing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forensics.algorithms.cfa import LatticeBlocks, blocks_below, largest_region, lattice_blocks, picture_trace, relative_trace
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, NotApplicable, register
from forensics.figures import heat_map_figure
from forensics.media import Media
from forensics.results import Figure, Finding, Measurement, Proposition, Strength

LOSSLESS_FORMATS = frozenset({"PNG", "TIFF", "BMP"})
BLOCK_PX = 32
# A block is usable when both lattices' mean prediction-error variance reaches MIN_ERROR_VARIANCE grey levels
# squared (flat areas carry no pattern) and at most MAX_SATURATED_SHARE of its green values are clipped; the
# local variances are taken over a Gaussian window of WINDOW_SIGMA_PX (Ferrara et al. 2012).
MIN_ERROR_VARIANCE = 1.0
MAX_SATURATED_SHARE = 0.5
WINDOW_SIGMA_PX = 2.0
# Below this picture trace (median block log ratio) there is no demosaicing pattern to compare regions with:
# pictures never demosaiced measured 0.001-0.014, pictures demosaiced by OpenCV's bilinear, VNG and edge-aware
# methods 0.38-7.3 (`python -m forensics.evaluation.calibrate_cfa`, training half).
MIN_TRACE = 0.3
MIN_COLOUR_TRACE = 0.1  # below this red/blue picture trace, regions are judged on the green pattern alone
# Relative trace under which a block lacks the pattern (missing or shifted: in green and in red/blue), and under
# which its green pattern is shifted.
MISSING_BELOW = 0.25
SHIFTED_BELOW = -0.75
# Levels by the share of the picture covered by the largest region of each kind, above the largest share on the
# untouched demosaiced pictures of the calibration half (missing: 0.046; shifted: 0.021). Green alone would not
# do for "missing": VNG demosaicing blurs the green pattern in detailed areas (regions up to 25 % of untouched
# pictures), while their red/blue pattern mostly remains.
LEVELS = {"shifted": [(0.05, Strength.MODERATE), (0.025, Strength.WEAK)],
          "missing": [(0.10, Strength.MODERATE), (0.05, Strength.WEAK)]}
REFERENCE = ("Ferrara, Bianchi, De Rosa & Piva, 'Image forgery localization via fine-grained analysis of CFA artifacts', "
             "IEEE TIFS 7(5):1566-1577, 2012; Popescu & Farid, 'Exposing digital forgeries in color filter array "
             "interpolated images', IEEE TSP 53(10):3948-3959, 2005")


@dataclass(frozen=True)
class CfaRegion:
    kind: str  # "missing" (green and red/blue patterns absent or shifted) or "shifted" (green pattern shifted)
    blocks: np.ndarray  # the blocks of this kind (boolean grid)
    share: float  # of the picture, covered by the largest connected region
    box_cells: tuple[int, int, int, int] | None

    @property
    def strength(self) -> Strength:
        return next((level for threshold, level in LEVELS[self.kind] if self.share >= threshold), Strength.NONE)

    @property
    def score(self) -> float:
        """The share as a multiple of the kind's weak level, a quarter per multiple (1 at four times it)."""
        return min(1.0, self.share / LEVELS[self.kind][-1][0] / 4)


def cfa_regions(blocks: LatticeBlocks) -> list[CfaRegion]:
    """The largest regions lacking the picture's pattern and with it shifted (call only when a trace exists)."""
    regions = []
    for kind, below, colour_too in (("missing", MISSING_BELOW, True), ("shifted", SHIFTED_BELOW, False)):
        mask = blocks_below(blocks, below, colour_too, MIN_COLOUR_TRACE)
        cells, box = largest_region(mask)
        regions.append(CfaRegion(kind, mask, cells / mask.size, box))
    return regions


@register
class CfaAnalyser(Analyser):
    name = "cfa"
    title = "Demosaicing (colour filter array) traces"
    version = "0.1.1"
    kinds = frozenset({"image"})
    description = ("Never-compressed pictures (PNG, TIFF, BMP): regions where the camera's colour-filter-array "
                   "(demosaicing) pattern is missing or shifted.")

    def parameters(self) -> dict:
        return {"block_px": BLOCK_PX, "min_error_variance": MIN_ERROR_VARIANCE, "max_saturated_share": MAX_SATURATED_SHARE,
                "window_sigma_px": WINDOW_SIGMA_PX, "min_trace": MIN_TRACE, "min_colour_trace": MIN_COLOUR_TRACE, "missing_below": MISSING_BELOW,
                "shifted_below": SHIFTED_BELOW,
                **{f"levels_{kind}": [[share, level.value] for share, level in levels] for kind, levels in LEVELS.items()}}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        if media.file_type.format == "RAW":
            raise NotApplicable("a camera raw file holds the sensor data before demosaicing: the pattern in the picture "
                                "analysed would be that of LibRaw's demosaicing here, not the camera's")
        if media.file_type.format not in LOSSLESS_FORMATS:
            raise NotApplicable(f"{media.file_type.format} is a lossy format: compression erases demosaicing traces "
                                "(the compression analyser covers JPEG)")
        if media.pixels is None or (media.channels or 0) < 3 or media.mode not in {"RGB", "RGBA"}:
            raise NotApplicable(f"the picture is not stored as RGB colour ({media.mode}): no green channel to test")
        if min(media.pixels.shape[:2]) < 3 * BLOCK_PX:
            raise NotApplicable(f"the picture is smaller than {3 * BLOCK_PX} px on a side")
        blocks = lattice_blocks(media.pixels, BLOCK_PX, MIN_ERROR_VARIANCE, MAX_SATURATED_SHARE, WINDOW_SIGMA_PX)
        trace = picture_trace(blocks)
        if abs(trace) < MIN_TRACE:
            return AnalyserOutput(findings=[_no_trace_finding(trace, blocks.usable.mean())])
        return AnalyserOutput(findings=[_region_finding(media, blocks, trace)])


def _trace_measurements(trace: float, usable_share: float) -> list[Measurement]:
    return [
        Measurement("picture's demosaicing trace (median block log ratio of green prediction-error variances)",
                    round(abs(trace), 3), note="about 0 without demosaicing; 0.4-7.3 on simulated demosaiced captures"),
        Measurement("blocks textured enough to measure", round(float(usable_share) * 100, 1), "%"),
    ]


def _no_trace_finding(trace: float, usable_share: float) -> Finding:
    return Finding(
        key="cfa.traces", proposition=Proposition.CONTENT, title="Demosaicing (colour filter array) traces", strength=Strength.NONE, score=0.0,
        explanation=(f"The picture carries no clear demosaicing pattern (trace {abs(trace):.2f}, under {MIN_TRACE}), so "
                     "its regions cannot be compared by this test. This is common and is not evidence either way: "
                     "resizing, noise reduction, sharpening, many cameras' own processing, screenshots, scans and "
                     "computer-generated pictures all leave no such pattern."),
        method=_METHOD, reference=REFERENCE, measurements=_trace_measurements(trace, usable_share), limitations=_LIMITATIONS,
    )


def _region_finding(media: Media, blocks: LatticeBlocks, trace: float) -> Finding:
    missing, shifted = cfa_regions(blocks)
    strongest = max((missing, shifted), key=lambda region: (region.strength.rank, region.score))
    measurements = _trace_measurements(trace, blocks.usable.mean()) + [
        Measurement("green values recorded on the", f"{'even' if trace > 0 else 'odd'} lattice",
                    note="(x + y) % 2 of the stored pixel grid"),
    ]
    for region, what in ((missing, "lacking the pattern in green and red/blue"), (shifted, "with the pattern shifted by one pixel")):
        measurements.append(Measurement(f"largest region {what}", round(region.share * 100, 2), "% of the picture",
                                        note=f"{region.strength.value} (levels: " + ", ".join(
                                            f"{level.value} from {share:.1%}" for share, level in LEVELS[region.kind]) + ")"))
        if region.box_cells:
            measurements.append(Measurement(f"largest region {what}, box", [v * BLOCK_PX for v in region.box_cells],
                                            "stored pixels (x0, y0, x1, y1)"))
    if strongest.strength is Strength.NONE:
        explanation = (f"The demosaicing pattern (trace {abs(trace):.2f}) is present across the picture. The largest region "
                       f"lacking it covers {missing.share:.1%} of the picture and the largest with it shifted {shifted.share:.1%}: "
                       "no more than untouched demosaiced pictures show (flat, dark or very detailed areas weaken the pattern).")
    elif strongest is shifted:
        explanation = (f"The picture carries a demosaicing pattern (trace {abs(trace):.2f}), but in a connected region covering "
                       f"{shifted.share:.1%} of it the pattern is shifted by one pixel: that region was demosaiced on a "
                       "different grid from the rest, as when it is pasted from another picture (or from elsewhere in the "
                       "same one) at an odd offset. Look at the map before concluding.")
    else:
        explanation = (f"The picture carries a demosaicing pattern (trace {abs(trace):.2f}), but a connected region covering "
                       f"{missing.share:.1%} of it lacks the pattern, in green and in red/blue. A region pasted from another "
                       "picture, resized, retouched or generated looks like this; so may an area the camera processed "
                       "differently (strong noise reduction, digital zoom). Look at the map before concluding.")
    return Finding(
        key="cfa.traces", proposition=Proposition.CONTENT, title="Demosaicing (colour filter array) traces",
        strength=strongest.strength, score=strongest.score,
        explanation=explanation, method=_METHOD, reference=REFERENCE, measurements=measurements,
        figures=[_figure(media, blocks, missing.blocks)], limitations=_LIMITATIONS,
    )


def _figure(media: Media, blocks: LatticeBlocks, lacking: np.ndarray) -> Figure:
    relative = np.where(blocks.usable, relative_trace(blocks), 1.0)
    return heat_map_figure(
        "Demosaicing trace by block", f"Each {BLOCK_PX}-pixel block's green demosaicing trace relative to the whole picture's: "
        "about 1 (orange to red) where it matches, 0 (cyan) where it is missing, -1 (dark blue) where the pattern is "
        "shifted by one pixel. Blocks too flat or too saturated to measure are drawn as matching. White lines "
        f"outline the regions lacking the pattern in green and in red/blue (under {MISSING_BELOW} of the picture's "
        "in both).",
        media.pixels, relative, -1.0, 1.5, outline=lacking, orientation=media.orientation, whole_picture=True)


_METHOD = ("Green channel predicted from each pixel's four neighbours; local variance of the prediction error on the "
           f"two quincunx lattices (Gaussian window, sigma {WINDOW_SIGMA_PX:g} px); per {BLOCK_PX}-pixel block the mean "
           "log ratio of the two "
           "variances (Ferrara et al. 2012); for red and blue, the Laplacian energy at the recorded site of the 2x2 "
           "grid against the other three. The picture's median ratios give the recorded sites; blocks under "
           f"{MISSING_BELOW} of them in green and in red/blue lack the pattern, blocks under {SHIFTED_BELOW} in green "
           "have it shifted (isolated blocks dropped); levels by the share of the picture covered by the largest "
           f"connected region of each kind (shifted: weak {LEVELS['shifted'][1][0]:.1%}, moderate "
           f"{LEVELS['shifted'][0][0]:.0%}; missing: weak {LEVELS['missing'][1][0]:.0%}, moderate "
           f"{LEVELS['missing'][0][0]:.0%}); never strong in this version.")
_LIMITATIONS = [
    "Applies to never-compressed pictures only: JPEG compression (even at high quality) erases the pattern.",
    "Error rates were measured on pictures demosaiced by OpenCV's bilinear, edge-aware and VNG methods from "
    "reduced camera photos, not on camera raw processing, whose noise reduction and sharpening weaken the pattern.",
    "A region pasted from another demosaiced picture with the same lattice alignment keeps the pattern and is "
    "not found; flat, dark and saturated areas cannot be measured.",
]
