"""Agreement of our metadata reading with two independent parsers, on the shared corpus.

    python -m forensics.evaluation.metadata_agreement [--corpus ../shared/corpus] [--show-all]

Compares Make, Model, Software, DateTimeOriginal, Orientation, image width/height and GPS latitude/longitude
with (1) metadata-extractor's tag dumps (``metadata/metadata-extractor/jpg/metadata/java/*.txt``) for every
JPEG in ``metadata/metadata-extractor/jpg`` and (2) ExifTool's expected test output
(``metadata/exiftool/t/<Group>_2.out``) for the JPEGs in ``metadata/exiftool/t/images``. A value is compared
only where both sides have it. Prints the agreement table, every disagreement, and the mean reading time.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from forensics.algorithms.exif import read_exif
from forensics.algorithms.jpeg_structure import parse_jpeg
from forensics.evaluation import DEFAULT_CORPUS

FIELDS = ["make", "model", "software", "date_original", "orientation", "width", "height", "gps_latitude", "gps_longitude"]
GPS_TOLERANCE_DEG = 1e-4  # dumps print seconds (or, in one ExifTool test, minutes) to 2 decimals: 0.005' = 8.3e-5 degrees

_ORIENTATION_WORDS = [  # (keyword in either parser's description, EXIF value); most specific first
    ("mirror horizontal and rotate 270", 5), ("mirror horizontal and rotate 90", 7), ("mirror horizontal", 2),
    ("mirror vertical", 4), ("rotate 180", 3), ("rotate 90", 6), ("rotate 270", 8), ("normal", 1),
]
_ME_KEYS = {
    "[Exif IFD0 - 0x010f] Make": "make", "[Exif IFD0 - 0x0110] Model": "model",
    "[Exif IFD0 - 0x0131] Software": "software", "[Exif SubIFD - 0x9003] Date/Time Original": "date_original",
    "[Exif IFD0 - 0x0112] Orientation": "orientation", "[JPEG - 0x0003] Image Width": "width",
    "[JPEG - 0x0001] Image Height": "height", "[GPS - 0x0002] GPS Latitude": "gps_latitude",
    "[GPS - 0x0004] GPS Longitude": "gps_longitude",
}
_ET_KEYS = {
    "[EXIF, IFD0, Camera] 271 - Make": "make", "[EXIF, IFD0, Camera] 272 - Camera Model Name": "model",
    "[EXIF, IFD0, Image] 305 - Software": "software", "[EXIF, ExifIFD, Time] 36867 - Date/Time Original": "date_original",
    "[EXIF, IFD0, Image] 274 - Orientation": "orientation", "[File, File, Image] ImageWidth - Image Width": "width",
    "[File, File, Image] ImageHeight - Image Height": "height", "[EXIF, GPS, Location] 2 - GPS Latitude": "gps_latitude",
    "[EXIF, GPS, Location] 4 - GPS Longitude": "gps_longitude",
}


@dataclass
class Comparison:
    source: str
    file: str
    field: str
    ours: object
    theirs: object

    @property
    def agrees(self) -> bool:
        if self.field.startswith("gps_"):
            if self.ours is None or self.theirs is None:
                return self.ours is self.theirs
            return abs(float(self.ours) - float(self.theirs)) <= GPS_TOLERANCE_DEG
        return _normal(self.ours) == _normal(self.theirs)


def our_values(data: bytes) -> dict[str, object]:
    exif = read_exif(data)
    jpeg = parse_jpeg(data)
    return {
        "make": exif.make, "model": exif.model, "software": exif.software, "date_original": exif.date_original,
        "orientation": exif.orientation, "width": jpeg.width, "height": jpeg.height,
        "gps_latitude": exif.gps_latitude, "gps_longitude": exif.gps_longitude,
    }


def metadata_extractor_values(dump: str) -> dict[str, object]:
    values: dict[str, object] = {}
    for line in dump.splitlines():
        key, separator, value = line.partition(" = ")
        field = _ME_KEYS.get(key.strip())
        if not separator or field is None or field in values:
            continue
        values[field] = _interpret(field, value.strip(), signed_gps=True)
    return values


def exiftool_values(dump: str) -> dict[str, object]:
    values: dict[str, object] = {}
    refs = {}
    for line in dump.splitlines():
        key, separator, value = line.partition(": ")
        if key.endswith("GPS Latitude Ref") or key.endswith("GPS Longitude Ref"):
            refs[key.rsplit(" ", 2)[-2]] = value.strip()
        field = _ET_KEYS.get(key.strip())
        if separator and field is not None and field not in values:
            values[field] = _interpret(field, value.strip(), signed_gps=False)
    for field, ref_name, negative in (("gps_latitude", "Latitude", "South"), ("gps_longitude", "Longitude", "West")):
        if values.get(field) is not None and refs.get(ref_name) == negative:
            values[field] = -values[field]
    return values


def _interpret(field: str, value: str, signed_gps: bool) -> object:
    if field == "orientation":
        lowered = value.lower()
        return next((number for words, number in _ORIENTATION_WORDS if words in lowered), value)
    if field in ("width", "height"):
        match = re.match(r"(\d+)", value)
        return int(match.group(1)) if match else value
    if field.startswith("gps_"):
        match = re.match(r"(-?)(\d+(?:\.\d+)?)\s*(?:°|deg)\s*(\d+(?:\.\d+)?)'\s*(\d+(?:\.\d+)?)\"", value)
        minutes_only = re.match(r"(\d+) degrees (\d+(?:\.\d+)?) minutes", value)
        if minutes_only:
            return float(minutes_only.group(1)) + float(minutes_only.group(2)) / 60
        if not match:
            return None
        decimal = float(match.group(2)) + float(match.group(3)) / 60 + float(match.group(4)) / 3600
        return -decimal if match.group(1) == "-" else decimal
    return value


def _normal(value: object) -> object:
    """An empty string and an absent value both mean "no value"."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def compare(corpus: Path) -> tuple[list[Comparison], list[float]]:
    comparisons, timings = [], []
    me_folder = corpus / "metadata" / "metadata-extractor" / "jpg"
    for path in sorted(me_folder.glob("*.jpg")):
        dump = me_folder / "metadata" / "java" / f"{path.name}.txt"
        if dump.is_file():
            comparisons += _compare_file("metadata-extractor", path, metadata_extractor_values(dump.read_text("utf-8", "replace")), timings)
    et_folder = corpus / "metadata" / "exiftool" / "t"
    for dump in sorted(et_folder.glob("*.out")):
        # Pair each expected output with the file it read, by its own "File Name:" line; outputs that read
        # several files, or files written by the test itself, are skipped.
        text = dump.read_text("utf-8", "replace")
        names = re.findall(r"FileName - File Name: (.+)", text)
        path = et_folder / "images" / names[0].strip() if len(names) == 1 else None
        if re.search(r"#{2,}", text):  # a test that masks its values ("####:##:##") compares nothing
            continue
        if path is not None and path.suffix.lower() == ".jpg" and path.is_file():
            comparisons += _compare_file("ExifTool", path, exiftool_values(text), timings)
    return comparisons, timings


def _compare_file(source: str, path: Path, theirs: dict[str, object], timings: list[float]) -> list[Comparison]:
    data = path.read_bytes()
    started = time.perf_counter()
    ours = our_values(data)
    timings.append(time.perf_counter() - started)
    return [Comparison(source, path.name, field, ours.get(field), value) for field, value in theirs.items()
            if _normal(value) is not None or _normal(ours.get(field)) is not None]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args(argv)
    if not (args.corpus / "metadata").is_dir():
        print(f"corpus not found at {args.corpus}; nothing to evaluate", file=sys.stderr)
        return 0
    comparisons, timings = compare(args.corpus)
    print(f"{'reference':<20} {'field':<14} {'compared':>8} {'agree':>6} {'rate':>7}")
    for source in ("metadata-extractor", "ExifTool"):
        for field in FIELDS + ["all"]:
            subset = [c for c in comparisons if c.source == source and (field == "all" or c.field == field)]
            if subset:
                agree = sum(c.agrees for c in subset)
                print(f"{source:<20} {field:<14} {len(subset):>8} {agree:>6} {100 * agree / len(subset):>6.1f}%")
    total, agree = len(comparisons), sum(c.agrees for c in comparisons)
    print(f"{'overall':<20} {'':<14} {total:>8} {agree:>6} {100 * agree / max(total, 1):>6.1f}%")
    print(f"\nreading time (EXIF + JPEG structure): mean {1000 * sum(timings) / len(timings):.1f} ms over {len(timings)} files")
    disagreements = [c for c in comparisons if not c.agrees]
    if disagreements:
        print("\ndisagreements:")
        for c in disagreements:
            print(f"  {c.source:<18} {c.file[:44]:<44} {c.field:<13} ours={c.ours!r} theirs={c.theirs!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
