"""Build the table of camera encoders from untouched originals (forensics/data/camera_encoders.json).

    python -m forensics.evaluation.build_camera_encoders [--corpus ../shared/corpus]

Every original that ``originals.check_original`` accepts, from the corpus's calibration folder and every
present collection (``collections.all_originals``), becomes one row: the collection it came from, its camera
and make, the digest of its quantisation tables, whether they are IJG tables, and its encoder layout
(``jpeg_structure.encoder_layout``). The table holds numbers and names derived from the files, not the files.
Rows keep their collection so that an evaluation can leave out the collection of the file it measures.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from forensics.algorithms.jpeg_quality import ijg_quality, tables_digest
from forensics.algorithms.jpeg_structure import encoder_layout, parse_jpeg
from forensics.data import shipped_file
from forensics.evaluation import DEFAULT_CORPUS
from forensics.evaluation.collections import CALIBRATION, COLLECTIONS, all_originals

OUTPUT = shipped_file("camera_encoders.json")


def build(corpus: Path) -> dict:
    rows = []
    for collection, check in all_originals(corpus):
        data = Path(check.path).read_bytes()
        structure = parse_jpeg(data)
        rows.append({
            "source": collection.name, "camera": check.camera, "make": check.make or "",
            "tables": tables_digest(structure.quantisation_tables),
            "ijg_quality": ijg_quality(structure.quantisation_tables),
            "layout": encoder_layout(structure, data), "sha256": check.sha256,
        })
    present = {row["source"] for row in rows}
    return {
        "built_by": "python -m forensics.evaluation.build_camera_encoders",
        "sources": {c.name: {"origin": c.origin, "licence": c.licence}
                    for c in (CALIBRATION, *COLLECTIONS) if c.name in present},
        "originals": sorted(rows, key=lambda row: (row["source"], row["camera"], row["sha256"])),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    table = build(args.corpus)
    OUTPUT.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    rows = table["originals"]
    print(f"{len(rows)} originals of {len({r['camera'] for r in rows})} camera models from "
          f"{len(table['sources'])} collections -> {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
