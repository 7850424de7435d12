"""Copy-move: a region of the picture copied onto another place of the same picture (possibly turned or scaled).

Three methods: matched SIFT keypoints agreeing on one transform (any picture; needs texture, finds turned and
scaled copies), blocks matched by their lowest frequencies (any picture, lossy ones included; finds copies of
smooth regions, moved without turning), and, in pictures stored without loss, regions repeated pixel for pixel."""

from __future__ import annotations

import cv2
import numpy as np

from forensics.algorithms.block_copies import FEATURE_ORDERS, BlockCopy, find_block_copies
from forensics.algorithms.copy_move import MAX_SIDE_PX, CopyMoveCluster, keypoint_pairs, transform_clusters
from forensics.algorithms.exact_copies import ExactCopy, find_exact_copies
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, NotApplicable, register
from forensics.figures import photo_figure, reduce
from forensics.media import Media
from forensics.results import Figure, Finding, Measurement, Proposition, Strength

# A cluster counts only when its two regions lie apart by at least this many times the source region's extent:
# on 43 camera originals, every cluster of agreeing pairs with a smaller separation came from repetitive
# texture (separations 0.1-1.54), while copies pasted elsewhere gave 1.68 and more.
MIN_SEPARATION = 1.5
# Inlier counts for the verbal levels, set above what authentic camera photos produced (largest 7 among
# separated clusters) and checked by `forensics eval --analyser copy_move`.
LEVELS = [(40, Strength.STRONG), (20, Strength.MODERATE), (10, Strength.WEAK)]
# Keypoint matching (Amerini et al.'s generalised 2NN test) and the RANSAC search for agreeing pairs.
MATCH_RATIO = 0.5  # a match is kept while its distance is below this share of the next neighbour's
MATCH_NEIGHBOURS = 5  # neighbours examined per keypoint
MIN_PAIR_DISTANCE_PX = 20.0  # pairs closer than this are the same structure, not a copy
MIN_INLIERS = 4  # pairs a transform needs to be a cluster at all
RANSAC_TOLERANCE_PX = 4.0
MAX_CLUSTERS = 3
RANSAC_SEED = 0  # fixed, so that the same picture gives the same clusters
# Exact copies (lossless pictures only): blocks of EXACT_BLOCK_PX pixels whose standard deviation is at least
# EXACT_MIN_STD grey levels, repeated at one shift over at least EXACT_MIN_PAIRS positions, shifts on the 8x8
# JPEG grid excepted. Camera noise makes such repeats impossible in a photograph: on the PNG conversions of the 40
# camera originals and 40 half-size copies of the compression calibration, a threshold of 1 grey level found one
# (an 8-aligned repeat of JPEG blocks in a bleached sky), 2 found none. Pictures above EXACT_MAX_MEGAPIXELS are
# not searched (memory: about 40 bytes a pixel).
EXACT_BLOCK_PX = 16
EXACT_MIN_STD = 2.0
EXACT_GRID_PX = 8
EXACT_MIN_PAIRS = 64
EXACT_STRONG_PAIRS = 400
EXACT_MAX_MEGAPIXELS = 30
EXACT_MAX_COPIES = 3  # exact copies reported, largest first
LOSSLESS_FORMATS = {"PNG", "TIFF", "BMP"}
# Block matching (any picture): regions as a share of the block positions searched on a copy at most
# BLOCK_MAX_SIDE_PX wide. On the 43 camera originals of the calibration data, the largest region an authentic photo
# gave was 0.085 % (letters of a text on a screen; others: a striped shadow, a tablecloth's edge), and 0.21 % in a
# television graphic that repeats its own elements; regions of 12 % of the shorter side copied and saved at
# quality 90 gave up to 0.7 %. Levels start above the photos' largest with a margin (calibration data).
BLOCK_MAX_SIDE_PX = 512
BLOCK_PX = 12
BLOCK_MIN_SHIFT_PX = 40
BLOCK_MIN_AREA = 64
BLOCK_MIN_DETAIL = 1.0
BLOCK_MIN_SYMMETRY = 0.8
BLOCK_MIN_CORRELATION = 0.5
BLOCK_ITERATIONS = 2
BLOCK_SEED = 0
BLOCK_MAX_COPIES = 3  # regions reported, largest first
BLOCK_LEVELS = [(0.006, Strength.STRONG), (0.0025, Strength.MODERATE), (0.0012, Strength.WEAK)]
BLOCK_SCORE = ([0.0, 0.0012, 0.0025, 0.006, 0.02], [0.0, 0.3, 0.6, 0.85, 1.0])  # share of the picture -> score
BLOCK_REFERENCE = ("Cozzolino, Poggi & Verdoliva, 'Efficient dense-field copy-move forgery detection', IEEE TIFS 10(11), "
                   "2015; Fridrich, Soukal & Lukáš, DFRWS 2003 (robust match); Barnes et al., 'PatchMatch', ACM TOG 28(3), 2009")
EXACT_REFERENCE = ("Fridrich, Soukal & Lukáš, 'Detection of copy-move forgery in digital images', Digital Forensic "
                   "Research Workshop (DFRWS) 2003 (exact match)")
REFERENCE = ("Amerini, Ballan, Caldelli, Del Bimbo & Serra, 'A SIFT-based forensic method for copy-move attack detection "
             "and transformation recovery', IEEE TIFS 6(3), 2011; Lowe, 'Distinctive image features from scale-invariant "
             "keypoints', IJCV 60(2), 2004")


def copy_move_clusters(rgb: np.ndarray) -> list[CopyMoveCluster]:
    """The separated clusters of agreeing keypoint pairs in ``rgb``, largest first."""
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    first, second = keypoint_pairs(grey, MATCH_RATIO, MIN_PAIR_DISTANCE_PX, MATCH_NEIGHBOURS)
    clusters = transform_clusters(first, second, MIN_INLIERS, RANSAC_TOLERANCE_PX, MAX_CLUSTERS, RANSAC_SEED)
    return [cluster for cluster in clusters if cluster.separation >= MIN_SEPARATION]


@register
class CopyMoveAnalyser(Analyser):
    name = "copy_move"
    title = "Regions copied within the picture"
    version = "0.3.1"
    kinds = frozenset({"image"})
    memory_heavy = True  # SIFT's scale space: about 0.4 GB whatever the picture's size
    description = ("Regions of the picture copied elsewhere in it: matched SIFT keypoints agreeing on one transform; "
                   "blocks matched by their lowest frequencies (smooth regions too); in lossless pictures, regions "
                   "repeated pixel for pixel.")

    def parameters(self) -> dict:
        return {"min_separation": MIN_SEPARATION, "levels": [[count, level.value] for count, level in LEVELS],
                "exact_block_px": EXACT_BLOCK_PX, "exact_min_std": EXACT_MIN_STD, "exact_min_pairs": EXACT_MIN_PAIRS,
                "exact_strong_pairs": EXACT_STRONG_PAIRS, "exact_grid_px": EXACT_GRID_PX,
                "exact_max_megapixels": EXACT_MAX_MEGAPIXELS, "exact_max_copies": EXACT_MAX_COPIES,
                "match_ratio": MATCH_RATIO, "match_neighbours": MATCH_NEIGHBOURS, "min_pair_distance_px": MIN_PAIR_DISTANCE_PX,
                "min_inliers": MIN_INLIERS, "ransac_tolerance_px": RANSAC_TOLERANCE_PX, "max_clusters": MAX_CLUSTERS,
                "ransac_seed": RANSAC_SEED, "max_side_px": MAX_SIDE_PX,
                "block_max_side_px": BLOCK_MAX_SIDE_PX, "block_px": BLOCK_PX, "block_min_shift_px": BLOCK_MIN_SHIFT_PX,
                "block_min_area": BLOCK_MIN_AREA, "block_min_detail": BLOCK_MIN_DETAIL,
                "block_min_symmetry": BLOCK_MIN_SYMMETRY, "block_min_correlation": BLOCK_MIN_CORRELATION,
                "block_iterations": BLOCK_ITERATIONS, "block_seed": BLOCK_SEED, "block_max_copies": BLOCK_MAX_COPIES,
                "block_levels": [[share, level.value] for share, level in BLOCK_LEVELS], "block_score": BLOCK_SCORE}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        if media.pixels is None:
            raise NotApplicable("the image's pixels could not be decoded")
        image = media.upright_pixels
        clusters = copy_move_clusters(image)
        findings = [_finding(image, clusters)]
        grey = reduce(cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY), BLOCK_MAX_SIDE_PX)
        # At the stored size, a JPEG's flat 8x8 blocks repeat exactly at shifts on its grid.
        on_grid = grey.shape == image.shape[:2] and media.file_type.format == "JPEG"
        blocks = [copy for copy in find_block_copies(grey, BLOCK_PX, BLOCK_MIN_SHIFT_PX, BLOCK_MIN_AREA, BLOCK_MIN_DETAIL,
                                                     BLOCK_MIN_SYMMETRY, on_grid, BLOCK_ITERATIONS, BLOCK_SEED,
                                                     BLOCK_MAX_COPIES)
                  if copy.correlation >= BLOCK_MIN_CORRELATION]
        findings.append(_blocks_finding(image, blocks, grey.shape[:2]))
        if media.file_type.format in LOSSLESS_FORMATS and image.shape[0] * image.shape[1] <= EXACT_MAX_MEGAPIXELS * 1e6:
            copies = find_exact_copies(image, EXACT_BLOCK_PX, EXACT_MIN_STD, EXACT_MIN_PAIRS, min_shift_px=EXACT_BLOCK_PX,
                                       grid_px=EXACT_GRID_PX, max_copies=EXACT_MAX_COPIES)
            findings.append(_exact_finding(image, copies))
        return AnalyserOutput(findings=findings)


def _exact_finding(image: np.ndarray, copies: list[ExactCopy]) -> Finding:
    largest = copies[0] if copies else None
    strength = (Strength.NONE if largest is None else
                Strength.STRONG if largest.pairs >= EXACT_STRONG_PAIRS else Strength.MODERATE)
    measurements = [Measurement("block positions repeated at one shift (largest)", largest.pairs if largest else 0)]
    for number, copy in enumerate(copies, start=1):
        ys, xs = np.nonzero(copy.source)
        measurements += [
            Measurement(f"copy {number}: region", [int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())],
                        "pixels (x0, y0, x1, y1)"),
            Measurement(f"copy {number}: shift (dx, dy)", list(copy.shift), "pixels"),
            Measurement(f"copy {number}: pixels repeated", int(copy.source.sum()), "pixels"),
        ]
    explanation = (
        "No region of the picture is repeated pixel for pixel elsewhere in it (blocks flatter than "
        f"{EXACT_MIN_STD:g} grey levels are not compared: flat areas repeat in any picture)." if not copies else
        f"A region of {int(largest.source.sum())} pixels is repeated pixel for pixel {largest.shift[0]} pixels across "
        f"and {largest.shift[1]} down ({largest.pairs} block positions agree). Camera noise makes two regions of a "
        "photograph differ in their last digits, so an exact repeat of a textured region was copied there, unless "
        "the picture is a screenshot, a drawing or a graphic, which repeat regions legitimately.")
    return Finding(
        key="copy_move.exact", proposition=Proposition.CONTENT, title="Regions repeated pixel for pixel",
        strength=strength, score=0.0 if largest is None else min(1.0, 0.6 + largest.pairs / 2000),
        explanation=explanation,
        method=(f"Every {EXACT_BLOCK_PX} x {EXACT_BLOCK_PX}-pixel block hashed at every position; blocks with a standard "
                f"deviation of at least {EXACT_MIN_STD:g} grey levels and equal hashes paired; a shift shared by at least "
                f"{EXACT_MIN_PAIRS} block positions, each checked pixel for pixel, is a copy (moderate; strong from "
                f"{EXACT_STRONG_PAIRS}); shifts that are multiples of {EXACT_GRID_PX} pixels on both axes are ignored, "
                "as JPEG blocks repeat there in flat areas. For pictures stored without loss (PNG, TIFF, BMP) only"),
        reference=EXACT_REFERENCE, measurements=measurements,
        figures=[_exact_figure(image, copies)] if copies else [],
        limitations=["Finds copies that were not changed at all: a copy turned, scaled, blurred or saved with lossy "
                     "compression is left to the keypoint method.",
                     f"A copy moved by a multiple of {EXACT_GRID_PX} pixels both across and down (1 shift in 64) is "
                     "not reported.",
                     "Screenshots, drawings, graphics and pictures with flat synthetic areas repeat regions without "
                     "any manipulation."],
    )


def _region_figure(image: np.ndarray, regions: list[tuple[np.ndarray, np.ndarray]], title: str, caption: str) -> Figure:
    """Each (source, copy) pair of boolean masks (any resolution) outlined over the picture: green and magenta."""
    canvas = reduce(image).copy()
    scale = canvas.shape[1] / image.shape[1]
    size = (canvas.shape[1], canvas.shape[0])
    for source, copy in regions:
        for mask, colour in ((source, (0, 200, 0)), (copy, (230, 0, 200))):
            small = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
            contours, _ = cv2.findContours(small, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            cv2.drawContours(canvas, contours, -1, colour, max(2, int(3 * scale)), cv2.LINE_AA)
    return photo_figure(title, caption, canvas)


def _exact_figure(image: np.ndarray, copies: list[ExactCopy]) -> Figure:
    return _region_figure(image, [(copy.source, copy.copy) for copy in copies], "Regions repeated pixel for pixel",
                          "Each repeated region outlined twice: where it is (green) and where the same pixels appear "
                          "again (magenta). Either may be the original.")


def _blocks_finding(image: np.ndarray, copies: list[BlockCopy], searched: tuple[int, int]) -> Finding:
    area = searched[0] * searched[1]
    largest = copies[0] if copies else None
    share = largest.area_px / area if largest else 0.0
    strength = next((level for threshold, level in BLOCK_LEVELS if share >= threshold), Strength.NONE)
    measurements = [Measurement("matched blocks pointing to one copy (largest region)", largest.area_px if largest else 0,
                                note=f"{100 * share:.2f} % of the block positions searched")]
    to_full = image.shape[1] / searched[1]
    for number, copy in enumerate(copies, start=1):
        ys, xs = np.nonzero(copy.source)
        measurements += [
            Measurement(f"region {number}: source", [round(v * to_full) for v in (xs.min(), ys.min(), xs.max(), ys.max())],
                        "pixels (x0, y0, x1, y1)"),
            Measurement(f"region {number}: shift (dx, dy)", [round(v * to_full) for v in copy.shift], "pixels"),
            Measurement(f"region {number}: matched blocks", copy.area_px),
            Measurement(f"region {number}: detail correlation", round(copy.correlation, 3),
                        note="of the fine texture between the two regions: 1 = the same grain"),
            Measurement(f"region {number}: blocks of the copy pointing back", round(copy.symmetry, 3)),
        ]
    if largest is None:
        explanation = ("No region of the picture matches another place of it block by block. Flat areas (blocks with "
                       f"less than {BLOCK_MIN_DETAIL:g} grey level of fine detail) cannot be compared this way.")
    elif strength is Strength.NONE:
        explanation = (f"A small region ({100 * share:.2f} % of the picture) matches another place block by block, no more "
                       "than authentic photos show (letters of a text, a repeated edge, a striped shadow).")
    else:
        explanation = (f"A region of {100 * share:.2f} % of the picture matches another place {round(np.hypot(*largest.shift) * to_full)} "
                       f"px away block by block, and its fine texture correlates with that place's ({largest.correlation:.2f}): "
                       "it appears to have been copied there, even if it is smooth. Genuinely repeated objects and "
                       "graphics match the same way; look at the figure before concluding.")
    return Finding(
        key="copy_move.blocks", proposition=Proposition.CONTENT, title="Regions copied, matched block by block",
        strength=strength, score=float(np.interp(share, *BLOCK_SCORE)), explanation=explanation,
        method=(f"Every {BLOCK_PX} x {BLOCK_PX}-pixel block of a copy at most {BLOCK_MAX_SIDE_PX} px wide described by its "
                f"{len(FEATURE_ORDERS)} lowest-frequency DCT coefficients; each block's nearest block at least "
                f"{BLOCK_MIN_SHIFT_PX} px away found by sorting and PatchMatch; regions whose blocks all point to one "
                f"offset, apart from their copy, pointing back (at least {BLOCK_MIN_SYMMETRY:.0%} of the copy's blocks), "
                "not repeated at that period, with fine detail in both places "
                f"(at least {BLOCK_MIN_DETAIL:g} grey level) that correlates (at least {BLOCK_MIN_CORRELATION:g}); levels "
                "by the region's share of the picture (" + ", ".join(f"{level.value} {100 * share:g} %" for share, level
                                                                     in reversed(BLOCK_LEVELS)) + ")"),
        reference=BLOCK_REFERENCE, measurements=measurements,
        figures=[_region_figure(image, [(c.source, c.copy) for c in copies], "Regions copied, matched block by block",
                                "Each region whose blocks match another place outlined where it is (green) and where it "
                                "matches (magenta). Either may be the original.")]
        if strength is not Strength.NONE else [],
        limitations=[f"Copies smaller than about {100 * BLOCK_LEVELS[-1][0]:g} % of the picture, turned, scaled or "
                     "blurred copies, and copies of flat areas are not found this way (the keypoint method finds turned "
                     "and scaled copies of textured regions).",
                     "Repeated objects, text, patterns and graphics match like a copy."],
    )


def _finding(image: np.ndarray, clusters: list[CopyMoveCluster]) -> Finding:
    largest = clusters[0] if clusters else None
    count = largest.inliers if largest else 0
    strength = next((level for threshold, level in LEVELS if count >= threshold), Strength.NONE)
    measurements = [Measurement("matched pairs agreeing on one transform (largest group)", count)]
    for number, cluster in enumerate(clusters, start=1):
        x0, y0 = cluster.source.min(axis=0)
        x1, y1 = cluster.source.max(axis=0)
        measurements += [
            Measurement(f"group {number}: pairs", cluster.inliers),
            Measurement(f"group {number}: source region", [int(x0), int(y0), int(x1), int(y1)], "pixels (x0, y0, x1, y1)"),
            Measurement(f"group {number}: shift", round(cluster.shift_px, 1), "pixels",
                        note=f"{cluster.separation:.1f} times the source region's size"),
            Measurement(f"group {number}: rotation", round(cluster.rotation_degrees, 1), "degrees",
                        note="counter-clockwise as seen, from the source region (green) to the copy (magenta)"),
            Measurement(f"group {number}: scale", round(cluster.scale, 3)),
        ]
    if not clusters:
        explanation = ("No group of matching keypoints points to a region copied elsewhere in the picture. Copies of "
                       "smooth, textureless regions (sky, walls) have no keypoints and cannot be seen this way.")
    elif strength is Strength.NONE:
        explanation = (f"A few keypoints ({count} pairs) match another part of the picture under one transform, no more than "
                       "authentic photos show (repeated objects, text, patterns).")
    else:
        explanation = (f"{count} pairs of keypoints match between two separate regions under one transform (shift "
                       f"{largest.shift_px:.0f} px, rotation {largest.rotation_degrees:.0f} degrees, scale {largest.scale:.2f}): "
                       "a region appears to have been copied onto another place of the same picture. Genuinely repeated "
                       "objects (identical signs, products on a shelf, printed patterns) match the same way; look at the "
                       "figure before concluding.")
    return Finding(
        key="copy_move.regions", proposition=Proposition.CONTENT,
        title="Copy-move (regions duplicated within the picture)", strength=strength, score=min(1.0, count / 100.0),
        explanation=explanation,
        method=(f"SIFT keypoints on a copy at most {MAX_SIDE_PX} px wide, matched against each other (generalised 2NN "
                f"ratio {MATCH_RATIO:g}, pairs closer than {MIN_PAIR_DISTANCE_PX:g} px dropped); groups of pairs agreeing "
                f"on one similarity transform found by RANSAC ({RANSAC_TOLERANCE_PX:g} px tolerance); a group counts when "
                f"its regions are apart by at least {MIN_SEPARATION:g} times the source region's size; levels by the "
                "number of agreeing pairs (" + ", ".join(f"{level.value} {count}" for count, level in reversed(LEVELS)) + ")"),
        reference=REFERENCE, measurements=measurements, figures=[_figure(image, clusters)] if clusters else [],
        limitations=["Copies of smooth regions, small copies (under about 40 px) and copies blurred or heavily "
                     "re-compressed may have too few matching keypoints.",
                     f"A copy pasted right next to its source (less than {MIN_SEPARATION:g} times its size away) is not reported: "
                     "authentic repetitive textures look the same.",
                     "Repeated objects in the scene match like a copy."],
    )


def _figure(image: np.ndarray, clusters: list[CopyMoveCluster]) -> Figure:
    canvas = reduce(image).copy()  # reduce returns the read-only image itself when it is small enough
    scale = canvas.shape[1] / image.shape[1]
    thickness = max(1, canvas.shape[1] // 500)
    for cluster in clusters:
        source, target = cluster.source * scale, cluster.target * scale
        for a, b in zip(source[::max(1, len(source) // 40)], target[::max(1, len(target) // 40)]):
            cv2.line(canvas, tuple(int(v) for v in a), tuple(int(v) for v in b), (255, 220, 0), thickness, cv2.LINE_AA)
        for points, colour in ((source, (0, 200, 0)), (target, (230, 0, 200))):
            hull = cv2.convexHull(points.astype(np.float32)).astype(np.int32)
            cv2.polylines(canvas, [hull], True, colour, 2 * thickness, cv2.LINE_AA)
            for x, y in points:
                cv2.circle(canvas, (int(x), int(y)), 2 * thickness, colour, -1, cv2.LINE_AA)
    return photo_figure(
        "Copy-move: matched regions", "Keypoints of each group's source region (green outline) joined (yellow) to "
        "where the group's transform puts them (magenta outline). Source and copy cannot be told apart this way: "
        "either region may be the original.", canvas)
