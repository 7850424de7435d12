"""Real face photos for training the face-blend detector: where each collection comes from, and its faces.

Only real (unmanipulated) photos are needed: the detector learns from blends we make of each face with itself
(``self_blend``). Collections live outside the repository, under ``$FORENSICS_DATA/faces/<folder>``
(default ``~/.cache/forensics/faces``); each ``FaceSource`` records where it came from, its licence and the
command that puts it in place. ``prepare`` finds the faces once (HOG box, then the 468-point face mesh, both
usable commercially: the 68-point iBUG model is not used here) and caches them in ``faces-<name>.npz``.

Sources kept for independent evaluation (``../shared/corpus/RESERVED.md``) must never be added here.

    python -m forensics.training.face_data [--source net_7876] [--jobs 2]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from forensics.media import upright

MIN_FACE_PX = 64  # face boxes narrower than this are too small to carry a blending trace at training size
VALIDATION_SHARE = 0.1  # share of photo groups held out to watch training (never used for the shipped levels)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def data_root() -> Path:
    return Path(os.environ.get("FORENSICS_DATA", Path.home() / ".cache" / "forensics")).expanduser()


def _net_7876_group(name: str) -> str:
    # "1002_0_0.jpg": photo 1002, face 0; "_-20_1006_2.jpg": set -20, photo 1006, face 2. Faces of one photo
    # (and its crops) stay on one side of the split.
    parts = [p for p in Path(name).stem.split("_") if p]
    return "_".join(parts[:2]) if name.startswith("_") else parts[0]


@dataclass(frozen=True)
class FaceSource:
    name: str
    folder: str  # under data_root() / "faces"
    origin: str  # repository, commit and path (or package and version) the files come from, byte for byte
    licence: str
    obtain: str  # shell commands that put the files in place
    group: Callable[[str], str]  # file name -> photo group, the unit of the train/validation split
    description: str


SOURCES: dict[str, FaceSource] = {
    "net_7876": FaceSource(
        name="net_7876",
        folder="net_7876",
        origin="github.com/HansonSun/FaceLabelTools, commit 16c615246f6363084fcb379c7b26a20b600c9f46, folder net_7876/",
        licence="no licence stated for the photos (the repository's code is Apache-2.0): research use only",
        obtain=("git clone https://github.com/HansonSun/FaceLabelTools && git -C FaceLabelTools archive "
                "16c615246f63 net_7876 | tar -x -C ~/.cache/forensics/faces"),
        group=_net_7876_group,
        description="7,876 colour web photos of faces (400x400 and 160x216 JPEG, quality about 75): all ages, "
                    "skin tones, lighting and poses, mostly snapshots",
    ),
}


@dataclass(frozen=True)
class FaceRecord:
    file: str  # relative to the source folder
    group: str
    box: tuple[int, int, int, int]  # HOG face box, x0, y0, x1, y1 pixels of the upright image
    points: np.ndarray  # (468, 3) face mesh, image pixels


def split_of(group: str, validation_share: float = VALIDATION_SHARE) -> str:
    """'train' or 'validation', fixed by a hash of the photo group (so the split never depends on order)."""
    value = int.from_bytes(hashlib.sha256(group.encode()).digest()[:4], "big") / 2 ** 32
    return "validation" if value < validation_share else "train"


def read_upright(path: Path) -> np.ndarray:
    """RGB uint8 pixels of a photo, turned upright by its EXIF orientation."""
    with Image.open(path) as image:
        orientation = image.getexif().get(0x0112)
        return upright(np.asarray(image.convert("RGB")), orientation)


def _find_face(path: Path) -> tuple[tuple[int, int, int, int], np.ndarray] | None:
    from forensics.models.face_mesh import MIN_PRESENCE, default_mesh_model
    from forensics.models.faces import default_face_model

    try:
        pixels = read_upright(path)
    except Exception:  # an unreadable photo is left out of training, not fatal
        return None
    boxes = [box for box, _ in default_face_model().boxes(pixels) if box[2] - box[0] >= MIN_FACE_PX]
    if not boxes:
        return None
    box = max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))  # the photo's subject
    mesh = default_mesh_model().fit(pixels, box)
    return (box, mesh.points) if mesh.presence >= MIN_PRESENCE else None


def cache_file(source: FaceSource, root: Path) -> Path:
    return root / "training" / f"faces-{source.name}.npz"


def listing_digest(files: list[Path]) -> str:
    """SHA-256 over the sorted file names and contents: tells whether someone holds exactly our copy."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def prepare(source: FaceSource, root: Path, jobs: int = 2) -> Path:
    """Find one face per photo of ``source`` and cache boxes and meshes; returns the cache file."""
    folder = root / "faces" / source.folder
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"no photos in {folder}; obtain them with: {source.obtain}")
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        found = pool.map(_find_face, files, chunksize=32)
    kept = [(path, face) for path, face in zip(files, found) if face is not None]
    target = cache_file(source, root)
    target.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        target,
        files=np.array([str(path.relative_to(folder)) for path, _ in kept]),
        boxes=np.array([face[0] for _, face in kept], dtype=np.int32).reshape(-1, 4),
        points=np.array([face[1] for _, face in kept], dtype=np.float32).reshape(-1, 468, 3),
        photos=np.array(len(files)),
        digest=np.array(listing_digest(files)),
    )
    print(f"{source.name}: {len(kept)} faces in {len(files)} photos ({time.perf_counter() - started:.0f} s) -> {target}")
    return target


def load_records(source: FaceSource, root: Path) -> list[FaceRecord]:
    with np.load(cache_file(source, root)) as data:
        return [FaceRecord(str(f), source.group(str(f)), tuple(int(v) for v in b), p)
                for f, b, p in zip(data["files"], data["boxes"], data["points"])]


def source_summary(source: FaceSource, root: Path) -> dict:
    """What the model card records about a source: origin, licence, counts and the digest of our copy."""
    with np.load(cache_file(source, root)) as data:
        files = [str(f) for f in data["files"]]
        photos, digest = int(data["photos"]), str(data["digest"])
    splits = [split_of(source.group(f)) for f in files]
    return {"name": source.name, "origin": source.origin, "licence": source.licence,
            "description": source.description, "photos": photos, "faces": len(files),
            "faces_train": splits.count("train"), "faces_validation": splits.count("validation"),
            "listing_sha256": digest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Find the faces of the training photo collections (cached).")
    parser.add_argument("--source", action="append", choices=sorted(SOURCES), help="default: every source")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    root = data_root()
    for name in args.source or sorted(SOURCES):
        try:
            prepare(SOURCES[name], root, args.jobs)
        except FileNotFoundError as error:
            print(f"error: {error}", file=sys.stderr)
            return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
