"""Build the video analysers' references from training-half clips (never from the cases ``forensics eval`` uses).

    python -m forensics.evaluation.calibrate_video [--corpus ../shared/corpus] [--cache DIR]

- ``video_encoding``: the periodicity statistic (-log10 p) of the single encodings made from the training
  half of the camera photos (``cases_video_encoding``). "weak" starts just above the largest single-encoding
  value, "moderate" at twice that; never "strong": a second encoding is what every platform does.
- ``video_faces``: the track score (median per-frame score) of the untouched clips made from the training half
  of the corpus faces (``cases_video_faces``). "weak" at the 95th percentile (at least the still-image model's
  own 0.5), "moderate" at the largest untouched value (at least 0.8); never "strong" in this version (the
  per-frame model was fitted on stills, and the corpus has too few videos of real faces to check it).

The swapped and double-encoded clips of the same half are measured too, for the training-half AUCs printed.
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from forensics.analysers import AnalysisContext, run_analysers
from forensics.analysers.video_encoding import REFERENCE_FILE as ENCODING_REFERENCE
from forensics.analysers.video_encoding import VideoEncodingAnalyser
from forensics.analysers.video_faces import REFERENCE_FILE as FACES_REFERENCE
from forensics.analysers.video_faces import VideoFacesAnalyser, track_scores
from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.cases_video_encoding import generated_cases
from forensics.evaluation.cases_video_faces import face_clip_cases
from forensics.evaluation.harness import DEFAULT_CACHE
from forensics.evaluation.metrics import roc_auc
from forensics.media import load_media
from forensics.models.face_blend import blend_detector, blend_levels


def _periodicity_statistic(path: Path) -> float:
    result = run_analysers(load_media(path), AnalysisContext("CAL", path.name), [VideoEncodingAnalyser])[0]
    finding = next((f for f in result.findings if f.key == "video_encoding.periodicity"), None)
    value = next((m.value for m in finding.measurements if m.name.startswith("-log10 p")), 0.0) if finding else 0.0
    return float(value or 0.0)


def _best_tracks(path: Path) -> tuple[float, float]:
    """The highest track score of a clip: boundary measures, and the learned detector (0 without one)."""
    result = run_analysers(load_media(path), AnalysisContext("CAL", path.name), [VideoFacesAnalyser])[0]
    return (max(track_scores(result.findings), default=0.0),
            max(track_scores(result.findings, "blend"), default=0.0))


def _report(name: str, labels: np.ndarray, values: np.ndarray, kinds: list[str]) -> None:
    print(f"{name}: training-half AUC {roc_auc(labels, values):.3f} ({labels.sum()} manipulated, {(~labels).sum()} untouched)")
    for kind in dict.fromkeys(kinds):
        chosen = np.array([k == kind for k in kinds])
        print(f"  {kind:<52} n={chosen.sum():>3} median {np.median(values[chosen]):.2f} max {values[chosen].max():.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    if not (args.corpus / "metadata").is_dir():
        print(f"corpus not found at {args.corpus}: nothing to calibrate")
        return 0
    built = datetime.now(timezone.utc).strftime("%Y-%m-%d")

    cases = generated_cases(args.corpus, args.cache / "video_encoding", 0, "train")
    values = np.array([_periodicity_statistic(case.path) for case in cases])
    labels = np.array([case.label == 1 for case in cases])
    _report("video_encoding", labels, values, [case.kind for case in cases])
    weak = math.ceil(values[~labels].max() + 0.5)
    ENCODING_REFERENCE.write_text(json.dumps({
        "built": f"{built}, {int((~labels).sum())} single encodings, training half of the camera photos",
        "null": f"largest value on {int((~labels).sum())} single encodings: {values[~labels].max():.1f}",
        "levels": [[2 * weak, "moderate"], [weak, "weak"]],
        "untouched_statistic": sorted(round(float(v), 2) for v in values[~labels]),
        "limitations": ["The reference single encodings are x264 encodings of panned still photos; real camera "
                        "encoders, other codecs and scenes with periodic motion may reach higher values."],
    }, indent=1) + "\n", "utf-8")

    cases = face_clip_cases(args.corpus, args.cache / "video_faces", 0, "train")
    both = np.array([_best_tracks(case.path) for case in cases])
    labels = np.array([case.label == 1 for case in cases])
    kinds = [case.kind for case in cases]
    _report("video_faces (boundary measures)", labels, both[:, 0], kinds)
    untouched = both[~labels, 0]
    levels = [[round(max(0.8, float(untouched.max())) + 0.005, 3), "moderate"],
              [round(max(0.5, float(np.percentile(untouched, 95))), 3), "weak"]]
    reference = {
        "built": f"{built}, {len(untouched)} untouched clips, training half of the corpus faces",
        "levels": levels,
        "untouched_track_scores": sorted(round(float(v), 3) for v in untouched),
        "limitations": ["The reference clips are panned still photos encoded by x264; footage of animated or "
                        "rendered faces and thermal imagery were seen to score high (see the README)."],
    }
    detector = blend_detector()
    if detector is not None:
        _report("video_faces (learned detector)", labels, both[:, 1], kinds)
        untouched_blend = both[~labels, 1]
        # The still-image levels are the floor: a video track is never easier to call than a single photo.
        still = {level: threshold for threshold, level in (blend_levels(detector) or {"levels": []})["levels"]}
        reference["blend_detector_sha256"] = detector.sha256
        reference["blend_levels"] = [
            [round(max(still.get("moderate", 0.0), float(untouched_blend.max())) + 0.005, 3), "moderate"],
            [round(max(still.get("weak", 0.0), float(np.percentile(untouched_blend, 95))), 3), "weak"]]
        reference["untouched_blend_track_scores"] = sorted(round(float(v), 3) for v in untouched_blend)
    FACES_REFERENCE.write_text(json.dumps(reference, indent=1) + "\n", "utf-8")
    print(f"levels: video_encoding {[[2 * weak, 'moderate'], [weak, 'weak']]}, video_faces {levels}, "
          f"learned detector {reference.get('blend_levels')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
