"""The camera a file names against the JPEG encoder the file shows, compared with untouched originals.

After Kee, Johnson & Farid, 'Digital image authentication from JPEG headers' (IEEE TIFS 6(3), 2011): a camera
writes its JPEGs with its own encoder (its quantisation tables, the layout of its segments), and software that
re-saves a photo writes its own, even when it keeps the camera's EXIF. Here a file is compared with reference
originals: untouched photos of known cameras, each reduced to the digest of its quantisation tables and its
encoder layout (``jpeg_structure.encoder_layout``). The references are data, passed in; this module does no I/O.

Two comparisons, from the most to the least specific:

- **model**: originals of the same camera model. A layout none of them has is inconsistent when they all share
  one layout; the more originals and the more independent collections agree, the stronger that is. Where the
  model's originals already differ among themselves (firmware versions, or a copy exported by a phone or a
  computer that passed as an original), a further layout is not evidence of anything, and the comparison says
  so (``consistent`` is None).
- **make**: when no original of the model is held, originals of other models of the same make, but only where
  at least ``min_make_models`` models all share one layout (some makes change encoders between models: Canon's
  PowerShot G2 writes libjpeg's layout, its EOS 30D and IXUS do not).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ReferenceOriginal:
    source: str  # the collection it came from (for leave-one-source-out evaluation)
    camera: str  # "Make Model" as ``camera_name`` writes it
    make: str
    tables: str  # quantisation-table digest (``jpeg_quality.tables_digest``)
    layout: str  # ``jpeg_structure.encoder_layout``


@dataclass(frozen=True)
class EncoderComparison:
    basis: str  # "model", "make" or "none" (nothing to compare with)
    consistent: bool | None  # None when there is nothing to compare with, or the model's originals disagree
    originals: int  # reference originals compared with
    models: int  # camera models among them
    layouts_seen: tuple[str, ...]  # the layouts those originals have
    sources: int = 0  # collections those originals come from

    @property
    def references_agree(self) -> bool:
        return len(self.layouts_seen) == 1


def make_key(make: str | None) -> str:
    """The make as one lower-case word: "EASTMAN KODAK COMPANY" and "Eastman Kodak" are one make."""
    words = (make or "").strip().lower().replace(",", " ").split()
    return words[0] if words else ""


def compare_layout(camera: str, make: str | None, layout: str, references: Sequence[ReferenceOriginal],
                   min_make_models: int = 3) -> EncoderComparison:
    """Compare a file's encoder layout with the reference originals of its camera model, else of its make."""
    of_model = [r for r in references if r.camera == camera]
    if of_model:
        seen = tuple(sorted({r.layout for r in of_model}))
        consistent = True if layout in seen else (False if len(seen) == 1 else None)
        return EncoderComparison("model", consistent, len(of_model), 1, seen, len({r.source for r in of_model}))
    key = make_key(make)
    of_make = [r for r in references if key and make_key(r.make) == key]
    models = {r.camera for r in of_make}
    seen = tuple(sorted({r.layout for r in of_make}))
    sources = len({r.source for r in of_make})
    if len(models) >= min_make_models and len(seen) == 1:
        return EncoderComparison("make", layout in seen, len(of_make), len(models), seen, sources)
    return EncoderComparison("none", None, len(of_make), len(models), seen, sources)


def jfif_before_exif(layout: str) -> bool:
    """Whether an ``encoder_layout`` has a JFIF (APP0) segment before the EXIF (APP1) one: what libjpeg-based
    software writes when it re-saves a photo and keeps its EXIF. JFIF 1.02 and EXIF 2.32 each require their own
    segment right after SOI, so a file cannot follow both; a camera that writes both chooses one."""
    return layout.startswith("JFIF Exif |")


def models_writing_jfif_first(references: Sequence[ReferenceOriginal]) -> tuple[int, int]:
    """(camera models among the references whose originals put JFIF before EXIF, camera models)."""
    models = {r.camera for r in references}
    return len({r.camera for r in references if jfif_before_exif(r.layout)}), len(models)


def cameras_with_tables(digest: str, references: Sequence[ReferenceOriginal]) -> list[str]:
    """The camera models whose reference originals use these quantisation tables."""
    return sorted({r.camera for r in references if r.tables == digest})
