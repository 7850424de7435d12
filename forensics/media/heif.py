"""HEIF/HEIC and AVIF: pixels through pillow-heif (libheif with the libde265 HEVC decoder, bundled in its wheel), and
the file's item structure, which a phone fills with more than one picture (ISO/IEC 23008-12: a primary item, its
thumbnails, depth and other auxiliary images)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache


@cache
def heif_decoder_registered() -> bool:
    """Register pillow-heif's HEIF opener with Pillow once; False where pillow-heif is not installed. (Pillow reads
    AVIF itself.)"""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


@dataclass(frozen=True)
class HeifStructure:
    images: int  # top-level images (a burst or a collection holds several)
    primary_index: int
    primary_size: tuple[int, int]  # width, height
    bit_depth: int
    chroma: str  # "4:2:0", "4:4:4" ... of the primary image
    thumbnails: list[int]  # of the primary image: each one's larger side, pixels
    depth_images: int
    auxiliary: list[str]  # the auxiliary images' types (alpha, HDR gain map ...)


def heif_structure(data: bytes) -> HeifStructure | None:
    """The item structure of a HEIF/AVIF file, or None where pillow-heif is missing or cannot parse it."""
    try:
        import pillow_heif

        heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=False)
        primary = heif[heif.primary_index]
        info = primary.info
        chroma = str(info.get("chroma", ""))
        return HeifStructure(
            images=len(heif),
            primary_index=int(heif.primary_index),
            primary_size=tuple(primary.size),
            bit_depth=int(info.get("bit_depth", 8)),
            chroma=f"{chroma[0]}:{chroma[1]}:{chroma[2]}" if len(chroma) == 3 else chroma,
            thumbnails=[int(side) for side in info.get("thumbnails") or []],
            depth_images=len(info.get("depth_images") or []),
            auxiliary=sorted(str(kind) for kind in (info.get("aux") or {})),
        )
    except Exception:  # hostile or unsupported containers: described as unreadable by the caller
        return None

