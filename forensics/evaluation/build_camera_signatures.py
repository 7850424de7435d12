"""Build the table of quantisation-table digests seen in camera originals (forensics/data/camera_signatures.json).

    python -m forensics.evaluation.build_camera_signatures [--corpus ../shared/corpus]

A camera original here is a corpus JPEG with EXIF Make or Model whose metadata names no editing software
(EXIF Software, XMP CreatorTool/History, Photoshop save-quality resource, JPEG comment). The table records,
per digest, the cameras that wrote it and whether it is an IJG (libjpeg) table at some quality; it holds
numbers derived from the files, not the files.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from forensics.algorithms.jpeg_quality import ijg_quality, tables_digest
from forensics.evaluation import DEFAULT_CORPUS
from forensics.algorithms.software_signatures import match_editor
from forensics.analyzers.metadata import software_sources, camera_name, read_image_metadata

OUTPUT = Path(__file__).resolve().parents[1] / "data" / "camera_signatures.json"
# ExifTool's test images are excluded: their pixel data (and so their tables) are 8x8 stubs, not camera output.
FOLDERS = ["metadata/metadata-extractor/jpg", "metadata/exif-samples/jpg", "metadata/pillow"]


def build(corpus: Path) -> dict:
    signatures: dict[str, dict] = {}
    for folder in FOLDERS:
        for path in sorted((corpus / folder).glob("*.jpg")):
            meta = read_image_metadata(path.read_bytes(), "JPEG")
            camera = camera_name(meta.exif.make, meta.exif.model)
            tables = meta.jpeg.quantisation_tables if meta.jpeg else {}
            if not camera or not tables or any(match_editor(text) for _, text in software_sources(meta)):
                continue
            entry = signatures.setdefault(tables_digest(tables), {"ijg_quality": ijg_quality(tables), "cameras": []})
            if camera not in entry["cameras"]:
                entry["cameras"].append(camera)
    return {"source": "camera originals in ../shared/corpus (" + ", ".join(FOLDERS) + ")",
            "signatures": dict(sorted(signatures.items()))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    table = build(args.corpus)
    OUTPUT.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    cameras = {c for entry in table["signatures"].values() for c in entry["cameras"]}
    print(f"{len(table['signatures'])} table digests from {len(cameras)} camera models -> {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
