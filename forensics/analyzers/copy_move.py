"""Copy-move: a region of the picture copied onto another place of the same picture (possibly turned or scaled)."""

from __future__ import annotations

import cv2
import numpy as np

from forensics.algorithms.copy_move import CopyMoveCluster, keypoint_pairs, transform_clusters
from forensics.analyzers.base import AnalysisContext, Analyser, AnalyserOutput, NotApplicable, register
from forensics.figures import encode_png, reduce
from forensics.media import Media
from forensics.results import Figure, Finding, Measurement, Strength

# A cluster counts only when its two regions lie apart by at least this many times the source region's extent:
# on 43 camera originals, every cluster of agreeing pairs with a smaller separation came from repetitive
# texture (separations 0.1-1.54), while copies pasted elsewhere gave 1.68 and more.
MIN_SEPARATION = 1.5
# Inlier counts for the verbal levels, set above what authentic camera photos produced (largest 7 among
# separated clusters) and checked by `forensics eval --analyser copy_move`.
LEVELS = [(40, Strength.STRONG), (20, Strength.MODERATE), (10, Strength.WEAK)]
REFERENCE = ("Amerini, Ballan, Caldelli, Del Bimbo & Serra, 'A SIFT-based forensic method for copy-move attack detection "
             "and transformation recovery', IEEE TIFS 6(3), 2011; Lowe, 'Distinctive image features from scale-invariant "
             "keypoints', IJCV 60(2), 2004")


def copy_move_clusters(rgb: np.ndarray) -> list[CopyMoveCluster]:
    """The separated clusters of agreeing keypoint pairs in ``rgb``, largest first."""
    grey = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    first, second = keypoint_pairs(grey)
    return [cluster for cluster in transform_clusters(first, second) if cluster.separation >= MIN_SEPARATION]


@register
class CopyMoveAnalyser(Analyser):
    name = "copy_move"
    version = "0.1.0"
    kinds = frozenset({"image"})
    description = "Regions of the picture copied elsewhere in it: matched SIFT keypoints agreeing on one transform."

    def parameters(self) -> dict:
        return {"min_separation": MIN_SEPARATION, "levels": [[count, level.value] for count, level in LEVELS]}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        if media.pixels is None:
            raise NotApplicable("the image's pixels could not be decoded")
        image = media.upright_pixels
        clusters = copy_move_clusters(image)
        return AnalyserOutput(findings=[_finding(image, clusters)])


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
        title="Copy-move (regions duplicated within the picture)", strength=strength, score=min(1.0, count / 100.0),
        explanation=explanation,
        method=("SIFT keypoints on a copy at most 1600 px wide, matched against each other (generalised 2NN ratio 0.5, "
                "pairs closer than 20 px dropped); groups of pairs agreeing on one similarity transform found by RANSAC "
                f"(4 px tolerance); a group counts when its regions are apart by at least {MIN_SEPARATION} times the "
                "source region's size; levels by the number of agreeing pairs (weak 10, moderate 20, strong 40)"),
        reference=REFERENCE, measurements=measurements, figures=[_figure(image, clusters)] if clusters else [],
        limitations=["Copies of smooth regions, small copies (under about 40 px) and copies blurred or heavily "
                     "re-compressed may have too few matching keypoints.",
                     "A copy pasted right next to its source (less than 1.5 times its size away) is not reported: "
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
