"""Copy-move: a region of the picture copied onto another place of the same picture (possibly turned or scaled).

Two methods: matched SIFT keypoints agreeing on one transform (any picture; needs texture), and, in pictures
stored without loss, regions repeated pixel for pixel (finds copies of smooth and small regions too)."""

from __future__ import annotations

import cv2
import numpy as np

from forensics.algorithms.copy_move import MAX_SIDE_PX, CopyMoveCluster, keypoint_pairs, transform_clusters
from forensics.algorithms.exact_copies import ExactCopy, find_exact_copies
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, NotApplicable, register
from forensics.figures import encode_png, reduce
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
    version = "0.2.1"
    kinds = frozenset({"image"})
    description = ("Regions of the picture copied elsewhere in it: matched SIFT keypoints agreeing on one transform; "
                   "in lossless pictures, regions repeated pixel for pixel.")

    def parameters(self) -> dict:
        return {"min_separation": MIN_SEPARATION, "levels": [[count, level.value] for count, level in LEVELS],
                "exact_block_px": EXACT_BLOCK_PX, "exact_min_std": EXACT_MIN_STD, "exact_min_pairs": EXACT_MIN_PAIRS,
                "exact_strong_pairs": EXACT_STRONG_PAIRS, "exact_grid_px": EXACT_GRID_PX,
                "exact_max_megapixels": EXACT_MAX_MEGAPIXELS, "exact_max_copies": EXACT_MAX_COPIES,
                "match_ratio": MATCH_RATIO, "match_neighbours": MATCH_NEIGHBOURS, "min_pair_distance_px": MIN_PAIR_DISTANCE_PX,
                "min_inliers": MIN_INLIERS, "ransac_tolerance_px": RANSAC_TOLERANCE_PX, "max_clusters": MAX_CLUSTERS,
                "ransac_seed": RANSAC_SEED, "max_side_px": MAX_SIDE_PX}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        if media.pixels is None:
            raise NotApplicable("the image's pixels could not be decoded")
        image = media.upright_pixels
        clusters = copy_move_clusters(image)
        findings = [_finding(image, clusters)]
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


def _exact_figure(image: np.ndarray, copies: list[ExactCopy]) -> Figure:
    canvas = reduce(image).copy()
    scale = canvas.shape[1] / image.shape[1]
    size = (canvas.shape[1], canvas.shape[0])
    for copy in copies:
        for mask, colour in ((copy.source, (0, 200, 0)), (copy.copy, (230, 0, 200))):
            small = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
            contours, _ = cv2.findContours(small, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            cv2.drawContours(canvas, contours, -1, colour, max(2, int(3 * scale)), cv2.LINE_AA)
    return Figure.from_bytes(
        "Regions repeated pixel for pixel", "Each repeated region outlined twice: where it is (green) and where the "
        "same pixels appear again (magenta). Either may be the original.", "image/png", encode_png(canvas))


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
    return Figure.from_bytes(
        "Copy-move: matched regions", "Keypoints of each group's source region (green outline) joined (yellow) to "
        "where the group's transform puts them (magenta outline). Source and copy cannot be told apart this way: "
        "either region may be the original.", "image/png", encode_png(canvas))
