"""How untouched camera originals are encoded: the reference behind the compression analyser's encoder rules.

    python -m forensics.evaluation.encoder_survey [--corpus ../shared/corpus]

For every untouched original (``originals.check_original``) of the calibration data (the corpus's
metadata-extractor-images) and, apart, of the validation collections: coding (baseline or progressive),
Huffman tables (standard or optimised), chroma subsampling, restart interval, whether a JFIF segment is
present and whether the quantisation tables are IJG tables. The rules were set on the calibration rows only.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from forensics.algorithms.jpeg_quality import ijg_quality
from forensics.analysers.compression import STANDARD_HUFFMAN_AC_LUMA
from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.collections import validation_originals
from forensics.evaluation.originals import check_original
from forensics.media.jpeg_coefficients import read_coefficients
from forensics.media.metadata import camera_name, read_image_metadata


def encoding(path: Path) -> dict:
    data = path.read_bytes()
    meta = read_image_metadata(data, "JPEG")
    structure = meta.jpeg
    coefficients = read_coefficients(str(path), (structure.height, structure.width))
    segments = [kind for _, kind in structure.app_segments(data)]
    return {"camera": camera_name(meta.exif.make, meta.exif.model), "progressive": structure.frame_marker == "SOF2",
            "optimised Huffman": coefficients.ac_huffman_bits != STANDARD_HUFFMAN_AC_LUMA,
            "subsampling": structure.subsampling, "restart interval": coefficients.restart_interval,
            "JFIF": "JFIF" in segments, "IJG tables": ijg_quality(structure.quantisation_tables) is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    corpus = parser.parse_args(argv).corpus
    calibration = [p for p in sorted((corpus / "metadata/metadata-extractor/jpg").glob("*.jpg")) if check_original(p).accepted]
    validation = [Path(check.path) for _, check in validation_originals(corpus)[0]]
    for name, paths in (("calibration", calibration), ("validation", validation)):
        rows = [encoding(path) for path in paths]
        print(f"{name}: {len(rows)} untouched originals, {len({r['camera'] for r in rows})} camera models")
        for row in rows:
            print("  " + ", ".join(f"{key} {value}" for key, value in row.items()))
        for key in ("progressive", "optimised Huffman", "JFIF", "IJG tables"):
            print(f"  {key}: {sum(r[key] for r in rows)} of {len(rows)}")
        print("  subsampling: " + ", ".join(f"{k} {n}" for k, n in Counter(r["subsampling"] for r in rows).items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
