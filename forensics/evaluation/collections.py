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
               "Pillow's test images: PyPI pillow 13.0.0 sdist, Tests/images/ (corpus folder metadata/pillow)",
               "MIT-CMU (HPND)", "part of the development corpus"),
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
    Collection("bundler_sfm", "data", ("bundler_sfm/examples",),
               "github.com/snavely/bundler_sfm, commit a35a8f589b7b, examples/ (Canon PowerShot A10 photos of two scenes, "
               "640x480, the camera's small size)",
               "GPL (repository licence): evaluation use only",
               "git clone https://github.com/snavely/bundler_sfm && mkdir -p ~/.cache/forensics/originals/bundler_sfm && "
               "cp -r bundler_sfm/examples ~/.cache/forensics/originals/bundler_sfm/"),
    Collection("TwelveMonkeys", "data", ("TwelveMonkeys/imageio",),
               "github.com/haraldk/TwelveMonkeys, commit 41aaf3b1bc7f, imageio/*/src/test/resources/ (JPEG reader test "
               "files; most are cut down or malformed on purpose and are refused: two Olympus photos pass)",
               "BSD-3-Clause (repository licence)",
               "git clone https://github.com/haraldk/TwelveMonkeys && mkdir -p ~/.cache/forensics/originals/TwelveMonkeys "
               "&& (cd TwelveMonkeys && find imageio -path '*src/test/resources*' -iname '*.jp*g' "
               "-exec cp --parents {} ~/.cache/forensics/originals/TwelveMonkeys/ \\;)"),
    Collection("Lychee", "data", ("Lychee/tests/Samples",),
               "github.com/LycheeOrg/Lychee, commit b8e4d1e832ca, tests/Samples/ (LG Nexus 5X and Apple iPhone 6s photos)",
               "MIT (repository licence)",
               "git clone https://github.com/LycheeOrg/Lychee && mkdir -p ~/.cache/forensics/originals/Lychee/tests && "
               "cp -r Lychee/tests/Samples ~/.cache/forensics/originals/Lychee/tests/"),
    Collection("image-rs", "data", ("image-rs/examples/scaledown",),
               "github.com/image-rs/image, commit 2c5368b8de2f, examples/scaledown/test.jpg (a Huawei Nexus 6P photo)",
               "MIT or Apache-2.0 (repository licence)",
               "git clone https://github.com/image-rs/image && mkdir -p ~/.cache/forensics/originals/image-rs/examples && "
               "cp -r image/examples/scaledown ~/.cache/forensics/originals/image-rs/examples/"),
    Collection("openMVG", "data", ("openMVG/src/openMVG_Samples/imageData/Exif_Test",),
               "github.com/openMVG/openMVG, commit 6d6b1dd70bde, src/openMVG_Samples/imageData/Exif_Test/ (a Kodak Z612 "
               "photo)",
               "MPL-2.0 (repository licence)",
               "git clone https://github.com/openMVG/openMVG && mkdir -p ~/.cache/forensics/originals/openMVG && "
               "(cd openMVG && cp --parents -r src/openMVG_Samples/imageData/Exif_Test ~/.cache/forensics/originals/openMVG/)"),
    Collection("bimg", "data", ("bimg/testdata",),
               "github.com/h2non/bimg, commit a14e08d5604d, testdata/ (image-library test files; an Apple iPhone XS photo "
               "passes, the rest are edited or have no camera metadata)",
               "MIT (repository licence)",
               "git clone https://github.com/h2non/bimg && mkdir -p ~/.cache/forensics/originals/bimg && "
               "cp -r bimg/testdata ~/.cache/forensics/originals/bimg/"),
    Collection("TNThieding-exif", "data", ("TNThieding-exif/tests",),
               "github.com/TNThieding/exif, commit f1530fc1e424, tests/ (photos attached to bug reports: Apple iPhone 7, "
               "Huawei CLT-L09, Samsung GT-I8190)",
               "MIT (repository licence)",
               "git clone https://github.com/TNThieding/exif && mkdir -p ~/.cache/forensics/originals/TNThieding-exif && "
               "cp -r exif/tests ~/.cache/forensics/originals/TNThieding-exif/"),
    Collection("mapillary_tools", "data", ("mapillary_tools/tests/data/images",),
               "github.com/mapillary/mapillary_tools, commit 847fd0e6418e, tests/data/images/ (Sony HDR-AS300 action "
               "camera photos)",
               "BSD-2-Clause (repository licence)",
               "git clone https://github.com/mapillary/mapillary_tools && mkdir -p "
               "~/.cache/forensics/originals/mapillary_tools/tests/data && "
               "cp -r mapillary_tools/tests/data/images ~/.cache/forensics/originals/mapillary_tools/tests/data/"),
)


CALIBRATION = Collection(
    "metadata-extractor", "corpus", ("metadata/metadata-extractor/jpg",),
    "github.com/drewnoakes/metadata-extractor-images, commit 4beba6404878, jpg/: the files copied into the corpus "
    "(metadata/metadata-extractor)",
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
