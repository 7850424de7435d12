"""Everything an image file says about itself, read once into one ``ImageMetadata``: EXIF (with its thumbnail),
XMP packets and their history, Photoshop resources and IPTC, the ICC profile, the JPEG marker stream (segments,
quantisation tables, comments, multi-picture index), PNG text chunks and a C2PA manifest store.

The parsers are the project's own (``forensics/algorithms``: exif, xmp, photoshop_irb, icc, jpeg_structure,
png_chunks), except C2PA (c2pa-python, loaded only when a "c2pa" label is in the file). Nothing here judges: the
metadata analyser turns contradictions into findings, and the evaluation's untouched-original check reads the same
fields. Reading never raises on malformed input; what could not be read is listed in ``ImageMetadata.problems``.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

from forensics.algorithms.exif import Exif, read_exif
from forensics.algorithms.icc import IccProfile, assemble_jpeg_icc, parse_icc
from forensics.algorithms.jpeg_structure import JpegStructure, mpf_image_count, parse_jpeg
from forensics.algorithms.photoshop_irb import PhotoshopResources, parse_irb
from forensics.algorithms.png_chunks import PngStructure, parse_png
from forensics.algorithms.xmp import Xmp, find_packets, parse_xmp


@dataclass
class ImageMetadata:
    exif: Exif = field(default_factory=Exif)
    xmp: list[Xmp] = field(default_factory=list)
    photoshop: PhotoshopResources | None = None
    icc: IccProfile | None = None
    jpeg: JpegStructure | None = None
    png: PngStructure | None = None
    comments: list[str] = field(default_factory=list)
    c2pa: dict | None = None
    c2pa_state: str = "no C2PA manifest"
    mpf_images: int | None = None
    problems: list[str] = field(default_factory=list)


def read_image_metadata(data: bytes, file_format: str) -> ImageMetadata:
    """Everything ``data`` (a whole image file, whose format ``file_format`` the loader detected from its first
    bytes: "JPEG", "PNG", "TIFF", "WebP", "HEIF") says about itself; never raises on malformed input."""
    meta = ImageMetadata()
    if file_format in ("JPEG", "TIFF", "WebP", "HEIF", "PNG"):
        meta.exif = read_exif(data)
        meta.problems += meta.exif.problems
    if file_format == "JPEG":
        meta.jpeg = parse_jpeg(data)
        meta.problems += [f"JPEG structure: {p}" for p in meta.jpeg.problems]
        app_segments = meta.jpeg.app_segments(data)
        meta.comments = [s.payload(data).decode("latin-1").strip("\x00 ") for s, kind in app_segments if kind == "Comment"]
        irb = b"".join(s.payload(data) for s, kind in app_segments if kind == "Photoshop IRB")
        meta.photoshop = parse_irb(irb) if irb else None
        meta.icc = parse_icc(assemble_jpeg_icc([s.payload(data) for s, kind in app_segments if kind == "ICC profile"]))
        meta.mpf_images = next((n for s, kind in app_segments if kind == "Multi-Picture Format"
                                if (n := mpf_image_count(s.payload(data)))), None)
    if file_format == "PNG":
        meta.png = parse_png(data)
        meta.problems += [f"PNG structure: {p}" for p in meta.png.problems]
        meta.icc = None  # iCCP is compressed; described by its profile name in the chunk list
    for packet in find_packets(data):
        parsed = parse_xmp(packet)
        meta.xmp.append(parsed)
        meta.problems += parsed.problems
    meta.c2pa, meta.c2pa_state = _read_c2pa(data, file_format)
    return meta


_C2PA_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "TIFF": "image/tiff", "WebP": "image/webp", "HEIF": "image/heif"}


def _read_c2pa(data: bytes, file_format: str) -> tuple[dict | None, str]:
    # A manifest lives in a JUMBF box labelled "c2pa"; looking for the label first avoids loading the
    # C2PA library (and its cost) for the vast majority of files, which carry none.
    if b"c2pa" not in data or file_format not in _C2PA_MIME:
        return None, "no C2PA manifest"
    try:
        import c2pa
    except ImportError:
        return None, "a C2PA label is present, but c2pa-python is not installed to read it"
    try:
        reader = c2pa.Reader(_C2PA_MIME[file_format], io.BytesIO(data))
        manifest_store = json.loads(reader.json())
        state = str(reader.get_validation_state() or "unknown")
    except Exception as error:  # ManifestNotFound and every parsing error of hostile JUMBF
        text = str(error)
        if "ManifestNotFound" in type(error).__name__ or "no JUMBF" in text or "not found" in text.lower():
            return None, "no C2PA manifest"
        return None, f"a C2PA manifest is present but could not be read ({text[:160]})"
    return manifest_store, f"C2PA manifest present; validation state: {state}"


def software_sources(meta: ImageMetadata) -> list[tuple[str, str]]:
    """(where, text) pairs that name the software that produced or changed the file."""
    sources = []
    for where, value in (("EXIF Software", meta.exif.software), ("EXIF ProcessingSoftware", meta.exif.processing_software)):
        if value:
            sources.append((where, value))
    for xmp in meta.xmp:
        for key in ("xmp:CreatorTool", "tiff:Software", "photoshop:History", "pdf:Producer", "Iptc4xmpExt:DigitalSourceType"):
            value = xmp.properties.get(key)
            if value:
                sources.append((f"XMP {key}", value if isinstance(value, str) else "; ".join(value)))
        for event in xmp.history:
            agent = event.get("softwareAgent")
            if agent:
                sources.append((f"XMP history ({event.get('action', 'event')} {event.get('when', '')})".strip(), agent))
        if any(key.startswith("crs:") for key in xmp.properties):
            sources.append(("XMP crs: (Camera Raw settings)", "Adobe Camera Raw"))
    if meta.photoshop and meta.photoshop.photoshop_quality is not None:
        sources.append(("Photoshop resource 0x0406 (JPEG save quality)", "Adobe Photoshop"))
    for comment in meta.comments:
        sources.append(("JPEG comment", comment[:200]))
    if meta.png:
        for kind, key, text in meta.png.texts:
            sources.append((f"PNG {kind} '{key}'", text[:300]))
    if meta.c2pa:
        for manifest in (meta.c2pa.get("manifests") or {}).values():
            generator = manifest.get("claim_generator") or ""
            if generator:
                sources.append(("C2PA claim generator", generator))
            sources.extend(("C2PA action", json.dumps(action)[:300]) for action in c2pa_actions(manifest))
    return sources


def c2pa_actions(manifest: dict) -> list[dict]:
    """The actions a C2PA manifest's ``c2pa.actions`` assertions record (opened, edited, converted ...)."""
    actions = []
    for assertion in manifest.get("assertions", []):
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            actions.extend(assertion.get("data", {}).get("actions", []))
    return actions


def camera_name(make: str | None, model: str | None) -> str | None:
    """"Make Model" without the make repeated ("Canon Canon EOS 30D" -> "Canon EOS 30D"), or None."""
    make, model = (make or "").strip(), (model or "").strip()
    if not make and not model:
        return None
    return model if make and model.lower().startswith(make.split()[0].lower()) else f"{make} {model}".strip()
