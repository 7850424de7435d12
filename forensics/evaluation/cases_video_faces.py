"""Face-swap video cases: clips made from the corpus faces, untouched and swapped.

Each photo with an analysable face (``cases_face.face_photos``, first ``PHOTOS`` of a half: the held-out half
here, the training half for ``calibrate_video``) becomes
a 2-second clip at 25 frames per second (a slow pan and zoom with fresh noise per frame, x264 defaults,
crf 23), in five versions:

- untouched;
- the first face swapped with the next photo's face (feathered blend, colour-corrected) in every frame;
- the same with a Poisson blend;
- the feathered swap in the second half of the clip only;
- the face through a 64-pixel "generator" (resolution loss only) in every frame.

The swap is made once on the photo, so it moves rigidly with the picture: it stands for a swap tool's
boundary, not for the frame-to-frame instability of generated faces. The corpus videos are added as
received (untouched).
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np

from forensics.evaluation.cases_face import face_photos
from forensics.evaluation.cases_video_encoding import corpus_videos
from forensics.evaluation.face_swap import self_swap, swap_face
from forensics.evaluation.harness import EvalCase
from forensics.evaluation.video_clips import encode, panned_frames

QUESTION = "Was a face in the video swapped (in all or part of the clip)?"
PROPOSITION = "content"
DATA = {"calibration": "clips made from the training half of the corpus faces (the track levels were set on their "
                       "untouched clips)",
        "validation": "clips made from the held-out half, and the corpus videos as received"}
PHOTOS, FRAMES, FPS, MAX_SIDE = 40, 50, 25, 960


def _size(pixels: np.ndarray) -> tuple[int, int]:
    scale = min(1.0, MAX_SIDE / max(pixels.shape[:2]))
    return int(pixels.shape[1] * scale) // 2 * 2, int(pixels.shape[0] * scale) // 2 * 2


def clip(cache: Path, recipe: str, before: np.ndarray, after: np.ndarray, switch_at: int, seed: int) -> Path:
    """A clip of ``before`` until frame ``switch_at`` and of ``after`` from then on (same pan, same noise)."""
    target = cache / f"{hashlib.sha256(f'{recipe}|{seed}'.encode()).hexdigest()[:16]}.mp4"
    if not target.is_file():
        size = _size(before)
        frames = (b if index < switch_at else a for index, (b, a) in enumerate(zip(
            panned_frames(before, FRAMES, size, seed, window=0.9), panned_frames(after, FRAMES, size, seed, window=0.9))))
        encode(frames, target, FPS)
    return target


def face_clip_cases(corpus: Path, cache: Path, seed: int, half: str) -> list[EvalCase]:
    photos = face_photos(corpus, half)[:PHOTOS]
    cases = []
    for index, photo in enumerate(photos):
        target, donor = photo.faces[0], photos[(index + 1) % len(photos)]
        feathered = swap_face(photo.pixels, target.points, donor.pixels, donor.faces[0].points, "feather").image
        poisson = swap_face(photo.pixels, target.points, donor.pixels, donor.faces[0].points, "poisson").image
        generated = self_swap(photo.pixels, target.points, generator_px=64).image
        source = str(photo.path.relative_to(corpus))
        for kind, label, after, switch_at in (
                ("untouched clip", 0, photo.pixels, FRAMES),
                ("swapped face, feathered, every frame", 1, feathered, 0),
                ("swapped face, Poisson, every frame", 1, poisson, 0),
                ("swapped face, feathered, second half only", 1, feathered, FRAMES // 2),
                ("own face through a 64-pixel generator", 1, generated, 0)):
            path = clip(cache, f"{kind}|{photo.path.name}|{FRAMES}", photo.pixels, after, switch_at, seed + index)
            cases.append(EvalCase(path, label, kind, f"{kind}: {source}"))
    return cases


def build_cases(corpus: Path, cache: Path, seed: int) -> list[EvalCase]:
    calibration = [dataclasses.replace(c, split="calibration") for c in face_clip_cases(corpus, cache, seed, "train")]
    return calibration + face_clip_cases(corpus, cache, seed, "test") + corpus_videos(corpus)
