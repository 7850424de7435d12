"""Which files of a collection can serve as untouched camera originals, and why the others cannot.

    python -m forensics.evaluation.originals FOLDER... [--manifest originals.json]

A false alarm on an untouched camera original is the costliest error, so the originals that measure it must
really be untouched. Several "camera originals" of public collections were in fact resized, rotated by a
viewer or processed by Camera Raw, and the metadata says so. A JPEG is accepted when:

- its EXIF names the camera (Make and Model);
- no field names an editing program (EXIF Software/ProcessingSoftware, XMP CreatorTool/History, Camera Raw
  settings, Photoshop resources, JPEG comments: ``metadata.software_sources`` and ``match_editor``), and it
  holds no Photoshop image resources at all;
- its pixel size equals the size its EXIF records (either way round): a resized copy does not;
- it has at least ``MIN_MEGAPIXELS`` (a plausible native size for a camera or phone since the early 2000s);
- it records when it was taken (DateTimeOriginal), and its last-modified time (IFD0 DateTime) is not more
  than ``MODIFIED_AFTER_S`` later: a viewer that rotates or re-saves a photo updates it.

Every file gets a line: accepted, or the reasons it was not. The manifest records each file's SHA-256, so
that an evaluation can say exactly which originals it measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from PIL import Image

from forensics.algorithms.software_signatures import match_editor
from forensics.analysers.metadata import MODIFIED_AFTER_S
from forensics.media.loader import strict_pillow
from forensics.media.metadata import camera_name, read_image_metadata, software_sources

MIN_MEGAPIXELS = 0.3
JPEG_SUFFIXES = {".jpg", ".jpeg", ".jpe"}


@dataclass(frozen=True)
class OriginalCheck:
    path: str
    sha256: str
    camera: str | None
    make: str | None
    size: tuple[int, int] | None  # pixels, as stored
    reasons: list[str] = field(default_factory=list)  # why it is not an untouched original; empty: accepted

    @property
    def accepted(self) -> bool:
        return not self.reasons


def _parse(date: str | None) -> datetime | None:
    try:
        return datetime.strptime((date or "").strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def check_original(path: Path) -> OriginalCheck:
    """Whether ``path`` is an untouched camera original by the rules above, with the reasons if not."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if not data.startswith(b"\xff\xd8\xff"):
        return OriginalCheck(str(path), digest, None, None, None, ["not a JPEG"])
    try:
        with warnings.catch_warnings(), strict_pillow():  # Pillow warns about malformed MPO headers; decoding decides
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                size = image.size
                image.load()  # a truncated or corrupt file is not a usable reference
    except Exception as error:  # a file Pillow cannot decode whole is not a usable reference
        return OriginalCheck(str(path), digest, None, None, None, [f"cannot be decoded ({type(error).__name__})"])
    meta = read_image_metadata(data, "JPEG")
    exif = meta.exif
    reasons = []
    if not (exif.make and exif.model):
        reasons.append("no camera make and model in EXIF")
    editors = sorted({name for _, text in software_sources(meta) if (name := match_editor(text))})
    if editors:
        reasons.append("names editing software: " + ", ".join(editors))
    if meta.photoshop is not None:
        reasons.append("holds Photoshop image resources")
    if exif.exif_width and exif.exif_height:
        if sorted(size) != sorted((exif.exif_width, exif.exif_height)):
            reasons.append(f"pixel size {size[0]}x{size[1]} differs from the EXIF size {exif.exif_width}x{exif.exif_height}")
    else:
        reasons.append("no pixel size recorded in EXIF")
    if size[0] * size[1] < MIN_MEGAPIXELS * 1e6:
        reasons.append(f"only {size[0] * size[1] / 1e6:.2f} megapixels")
    taken, modified = _parse(exif.date_original), _parse(exif.modify_date)
    if taken is None:
        reasons.append("no capture time (DateTimeOriginal)")
    elif modified is not None and (modified - taken).total_seconds() > MODIFIED_AFTER_S:
        reasons.append(f"modified {modified - taken} after capture (IFD0 DateTime)")
    return OriginalCheck(str(path), digest, camera_name(exif.make, exif.model), (exif.make or "").strip() or None,
                         size, reasons)


def check_folders(folders: list[Path]) -> list[OriginalCheck]:
    return [check_original(path) for folder in folders for path in sorted(folder.rglob("*"))
            if path.is_file() and path.suffix.lower() in JPEG_SUFFIXES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--manifest", type=Path, help="write every file's verdict here (JSON)")
    args = parser.parse_args(argv)
    checks = check_folders(args.folders)
    accepted = [c for c in checks if c.accepted]
    for check in checks:
        print(f"{'accepted' if check.accepted else 'rejected'}  {check.path}" +
              ("" if check.accepted else f"  ({'; '.join(check.reasons)})"))
    makes = Counter((c.make or "?").split()[0].capitalize() for c in accepted)
    print(f"\n{len(accepted)} of {len(checks)} JPEGs accepted as untouched camera originals, "
          f"{len({c.camera for c in accepted})} camera models, {len(makes)} makes: "
          + ", ".join(f"{make} {n}" for make, n in sorted(makes.items())))
    if args.manifest:
        args.manifest.write_text(json.dumps([asdict(c) | {"accepted": c.accepted} for c in checks], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
