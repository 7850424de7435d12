"""IJG (libjpeg) quality from quantisation tables, and table digests for encoder/camera identification.

libjpeg's ``jpeg_set_quality`` scales the example tables of ITU-T T.81 Annex K (K.1 luminance, K.2
chrominance) by S = 5000/Q for Q < 50 and S = 200 - 2Q otherwise, as T = floor((S * base + 50) / 100)
clamped to [1, 255] (baseline). Inverting that map exactly tells whether a file's tables are IJG tables and
at which quality; any other table (cameras, Photoshop) is not an IJG table (Kornblum, "Using JPEG
quantization tables to identify imagery processed by software", Digital Investigation 5, 2008).
"""

from __future__ import annotations

import hashlib

import numpy as np

ANNEX_K_LUMINANCE = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]).reshape(8, 8)
ANNEX_K_CHROMINANCE = np.array([
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, *([99] * 32),
]).reshape(8, 8)


def ijg_table(base: np.ndarray, quality: int) -> np.ndarray:
    """The table libjpeg writes for ``quality`` (1-100) from an Annex K base table (natural order)."""
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    return np.clip((base * scale + 50) // 100, 1, 255)


_LUMA_BY_QUALITY = {q: ijg_table(ANNEX_K_LUMINANCE, q) for q in range(1, 101)}
_CHROMA_BY_QUALITY = {q: ijg_table(ANNEX_K_CHROMINANCE, q) for q in range(1, 101)}


def ijg_quality(tables: dict[int, np.ndarray]) -> int | None:
    """The IJG quality whose tables equal ``tables`` exactly (luma table 0, chroma table 1 if present), else None.

    Several qualities give identical tables at the top of the scale only where clamping makes them equal;
    the highest such quality is returned, as libjpeg users choose round numbers more often from the top.
    """
    if 0 not in tables:
        return None
    matches = [q for q, table in _LUMA_BY_QUALITY.items() if np.array_equal(tables[0], table)]
    if 1 in tables:
        matches = [q for q in matches if np.array_equal(tables[1], _CHROMA_BY_QUALITY[q])]
    return max(matches) if matches else None


def nearest_ijg_quality(luma: np.ndarray) -> tuple[int, float]:
    """The IJG quality whose luminance table is nearest to ``luma`` and the RMS difference (0 = exact)."""
    distances = {q: float(np.sqrt(np.mean((luma - table) ** 2))) for q, table in _LUMA_BY_QUALITY.items()}
    best = min(distances, key=lambda q: (distances[q], -q))
    return best, distances[best]


def tables_digest(tables: dict[int, np.ndarray]) -> str:
    """A short digest of the tables in index order (natural order, 16-bit values): equal tables, equal digest."""
    digest = hashlib.sha256()
    for index in sorted(tables):
        digest.update(bytes([index]) + tables[index].astype(">u2").tobytes())
    return digest.hexdigest()[:16]
