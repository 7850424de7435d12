"""Video encoding cases: single and double encodings generated from camera photos, and the corpus videos.

Each camera original (``metadata/metadata-extractor/jpg``, at least 540 pixels on the shorter side, every
other one: ``half`` picks which, at most ``PHOTOS_PER_HALF``: generating a double encoding takes about 10 s)
becomes an 8-second 960x540 clip at 25 frames per second (see ``video_clips.panned_frames``), encoded as:

- single encodings (untouched): x264 with fixed groups of 30 frames and up to 2 B-frames; x264 with its
  adaptive defaults; x264 with groups of 15 and no B-frames;
- double encodings (the first at crf 18 with fixed groups, decoded, then encoded again): groups of 12 then
  x264 defaults; groups of 25 then groups of 30 with B-frames; groups of 12 then defaults at crf 28 (a
  lower second quality); groups of 15 with 7 frames cut out after frame 90, then defaults.

The corpus videos (``video/``) are added as received (untouched: they are labelled authentic; several are
themselves re-encodings, which the table reports separately).
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from forensics.evaluation.cases_copy_move import camera_originals
from forensics.evaluation.harness import EvalCase
from forensics.evaluation.video_clips import decoded, encode, panned_frames, without

QUESTION = "Was the video encoded more than once (or cut and re-encoded)?"
PROPOSITION = "processing"
DATA = {"calibration": "clips made from the training half of the camera photos (the levels were set on their single "
                       "encodings)",
        "validation": "clips made from the other half, and the corpus videos as received"}
FRAMES, SIZE, FPS = 200, (960, 540), 25
PHOTOS_PER_HALF = 12
VIDEO_SUFFIXES = {".mp4", ".mov", ".avi", ".3gp", ".3g2", ".m4v", ".mts", ".m2v"}

SINGLE = {
    "single x264, groups of 30, B-frames": dict(group=30, b_frames=2),
    "single x264, adaptive defaults": dict(),
    "single x264, groups of 15, no B-frames": dict(group=15, b_frames=0),
}
DOUBLE = {
    "double: groups of 12, then x264 defaults": (dict(group=12, b_frames=0), None, dict()),
    "double: groups of 25, then groups of 30": (dict(group=25, b_frames=0), None, dict(group=30, b_frames=2)),
    "double: groups of 12, then defaults at crf 28": (dict(group=12, b_frames=0), None, dict(crf=28)),
    "double: groups of 15, 7 frames cut, then defaults": (dict(group=15, b_frames=0), (90, 7), dict()),
}


def clip_photos(corpus: Path, half: str) -> list[tuple[Path, object]]:
    originals = [(path, pixels) for path, pixels in camera_originals(corpus) if min(pixels.shape[:2]) >= 540]
    return (originals[0::2] if half == "train" else originals[1::2])[:PHOTOS_PER_HALF]


def make_clip(cache: Path, recipe: str, photo, seed: int, kind: str) -> Path:
    target = cache / f"{hashlib.sha256(f'{recipe}|{seed}'.encode()).hexdigest()[:16]}.mp4"
    if target.is_file():
        return target
    frames = lambda: panned_frames(photo, FRAMES, SIZE, seed)  # noqa: E731 - regenerated per use, never held whole
    if kind in SINGLE:
        encode(frames(), target, FPS, **SINGLE[kind])
    else:
        first, cut, second = DOUBLE[kind]
        intermediate = target.with_suffix(".first.mp4")
        encode(frames(), intermediate, FPS, crf=18, **first)
        source = decoded(intermediate)
        encode(without(source, *cut) if cut else source, target, FPS, **second)
        intermediate.unlink()
    return target


def generated_cases(corpus: Path, cache: Path, seed: int, half: str) -> list[EvalCase]:
    cases = []
    for index, (path, photo) in enumerate(clip_photos(corpus, half)):
        for kind in list(SINGLE) + list(DOUBLE):
            clip = make_clip(cache, f"{kind}|{path.name}|{FRAMES}|{SIZE}", photo, seed + index, kind)
            cases.append(EvalCase(clip, int(kind in DOUBLE), kind, f"{kind}: {path.relative_to(corpus)}"))
    return cases


def corpus_videos(corpus: Path) -> list[EvalCase]:
    return [EvalCase(path, 0, "corpus video, as received", str(path.relative_to(corpus)))
            for path in sorted((corpus / "video").rglob("*")) if path.suffix.lower() in VIDEO_SUFFIXES]


def build_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    calibration = [dataclasses.replace(c, split="calibration") for c in generated_cases(corpus, cache, seed, "train")]
    return calibration + generated_cases(corpus, cache, seed, "test") + corpus_videos(corpus)
