"""Public collections of untouched camera originals used for *validation*: files no method was designed on.

They live outside the repository, under ``$FORENSICS_DATA/originals/<folder>`` (default
``~/.cache/forensics/originals``); each ``Collection`` records where its files come from (repository and commit,
or the corpus folder), their licence and the commands that put them in place. Only the files that
``originals.check_original`` accepts as untouched are used, at most ``PER_MODEL`` per camera model (so that one
phone with many photos does not decide a rate), and a collection that is absent is skipped and said so.

The corpus's ``metadata/metadata-extractor/jpg`` originals are *not* validation data: the metadata and
compression analysers' rules and levels were set while looking at them, so they are calibration data
(``CALIBRATION``); ``all_originals`` lists them with every collection's, for the table of camera encoders and
the false-alarm count.
Sources listed in ``../shared/corpus/RESERVED.md`` must never be added.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from forensics.evaluation.originals import OriginalCheck, check_original

PER_MODEL = 3


@dataclass(frozen=True)
class Collection:
    name: str
    root: str  # "corpus" (under the corpus folder) or "data" (under $FORENSICS_DATA/originals)
    folders: tuple[str, ...]
    origin: str
    licence: str
    obtain: str
    exclude: tuple[str, ...] = ()  # path parts of files made malformed on purpose, or otherwise not originals


COLLECTIONS = (
    Collection("exif-samples", "corpus", ("metadata/exif-samples/jpg",),
               "github.com/ianare/exif-samples, commit 5332a9cf0220 (corpus folder metadata/exif-samples)",
               "CC BY-SA 4.0 (see the corpus README)", "part of the development corpus",
               exclude=("tests", "invalid", "corrupted.jpg")),
    Collection("pillow", "corpus", ("metadata/pillow",),
               "Pillow's test images (corpus folder metadata/pillow)", "MIT-CMU (HPND)", "part of the development corpus"),
    Collection("CartridgeOCR", "data", ("CartridgeOCR/imagesForTesting/deviceComparison",),
               "github.com/Tech4Tracing/CartridgeOCR, commit a93185a9ff5d, imagesForTesting/deviceComparison/ "
               "(Google Pixel 5 and Apple iPhone 11 photos; a picture received through WhatsApp)",
               "MIT (repository licence)",
               "git clone https://github.com/Tech4Tracing/CartridgeOCR && cp -r CartridgeOCR/imagesForTesting "
               "~/.cache/forensics/originals/CartridgeOCR/"),
    Collection("dataset_monstree", "data", ("dataset_monstree",),
               "github.com/alicevision/dataset_monstree, commit c697b936be47 (Apple iPhone 7 photos of a tree)",
               "no licence stated (public repository of AliceVision's test data): evaluation use only",
               "git clone https://github.com/alicevision/dataset_monstree ~/.cache/forensics/originals/dataset_monstree"),
    Collection("SceauxCastle", "data", ("SceauxCastle",),
               "github.com/openMVG/ImageDataset_SceauxCastle, commit fde7f5faba55 (Kodak photos of a castle)",
               "copyright 2012 Pierre Moulon, published as openMVG's sample: evaluation use only",
               "git clone https://github.com/openMVG/ImageDataset_SceauxCastle ~/.cache/forensics/originals/SceauxCastle"),
    Collection("exiv2", "data", ("exiv2/data",),
               "github.com/Exiv2/exiv2, commit e84cb9db0605, test/data/ (camera files attached to bug reports; most are "
               "edited, cut down or malformed and are refused as originals: a Samsung SM-G930V photo passes)",
               "GPL-2.0 (repository licence): evaluation use only",
               "git clone https://github.com/Exiv2/exiv2 && mkdir -p ~/.cache/forensics/originals/exiv2 && "
               "cp -r exiv2/test/data ~/.cache/forensics/originals/exiv2/"),
    Collection("odm_data_snowpeak", "data", ("odm_data_snowpeak/img",),
               "github.com/OpenDroneMap-ja/odm_data_snowpeak, commit 9dc007eed05f, img/ (Canon IXUS 125 HS aerial photos; "
               "files of 4 MiB and more are not in the snapshot used)",
               "no licence stated (OpenDroneMap sample data): evaluation use only",
               "git clone https://github.com/OpenDroneMap-ja/odm_data_snowpeak ~/.cache/forensics/originals/odm_data_snowpeak"),
)


CALIBRATION = Collection(
    "metadata-extractor", "corpus", ("metadata/metadata-extractor/jpg",),
    "github.com/drewnoakes/metadata-extractor-images, the files copied into the corpus (metadata/metadata-extractor)",
    "Apache-2.0 (see the corpus README)", "part of the development corpus")
# Cases made from the calibration folder are not compared with its own originals (``EvalCase.held_out``).
CALIBRATION_HELD_OUT = (CALIBRATION.name,)


def data_originals() -> Path:
    return Path(os.environ.get("FORENSICS_DATA", Path.home() / ".cache" / "forensics")).expanduser() / "originals"


def collection_files(collection: Collection, corpus: Path) -> list[Path]:
    base = corpus if collection.root == "corpus" else data_originals()
    files = []
    for folder in collection.folders:
        for path in sorted((base / folder).rglob("*")):
            relative = path.relative_to(base / folder).parts
            if path.is_file() and path.suffix.lower() in {".jpg", ".jpeg"} and not set(relative) & set(collection.exclude):
                files.append(path)
    return files


def validation_originals(corpus: Path) -> tuple[list[tuple[Collection, OriginalCheck]], list[str]]:
    """The accepted originals of every present collection (at most PER_MODEL per camera model), and notes on
    what was missing."""
    chosen, notes, per_model = [], [], {}
    for collection in COLLECTIONS:
        files = collection_files(collection, corpus)
        if not files:
            notes.append(f"{collection.name}: not present ({collection.obtain})")
            continue
        for path in files:
            check = check_original(path)
            if check.accepted and per_model.get(check.camera, 0) < PER_MODEL:
                per_model[check.camera] = per_model.get(check.camera, 0) + 1
                chosen.append((collection, check))
    return chosen, notes


def all_originals(corpus: Path) -> list[tuple[Collection, OriginalCheck]]:
    """Every accepted original of the calibration folder and of every present collection (no cap per model)."""
    return [(collection, check) for collection in (CALIBRATION, *COLLECTIONS)
            for path in collection_files(collection, corpus) if (check := check_original(path)).accepted]
