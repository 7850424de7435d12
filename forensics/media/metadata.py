"""Everything an image file says about itself, read once into one ``ImageMetadata``: EXIF (with its thumbnail),
XMP packets and their history, Photoshop resources and IPTC, the ICC profile, the JPEG marker stream (segments,
quantisation tables, comments, multi-picture index), PNG text chunks and a C2PA manifest store.

The parsers are the project's own (``forensics/algorithms``: exif, xmp, photoshop_irb, icc, jpeg_structure,
png_chunks), except C2PA (c2pa-python, loaded only when a "c2pa" label is in the file). Nothing here judges: the
metadata analyser turns contradictions into findings, and the evaluation's untouched-original check reads the same
fields. Reading never raises on malformed input; what could not be read is listed in ``ImageMetadata.problems``.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass, field

from forensics.algorithms.content_credentials import claim_generator, manifest_actions
from forensics.algorithms.exif import Exif, read_exif
from forensics.algorithms.icc import IccProfile, assemble_jpeg_icc, parse_icc
from forensics.algorithms.jpeg_structure import JpegStructure, MpEntry, mp_entries, mpf_image_count, parse_jpeg
from forensics.algorithms.photoshop_irb import PhotoshopResources, parse_irb
from forensics.algorithms.png_chunks import PngStructure, parse_png
from forensics.algorithms.trailing_data import TrailingData, describe_trailing_data
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
    c2pa: dict | None = None  # the C2PA manifest store as the SDK gives it, when the file carries one
    c2pa_state: str = "no C2PA manifest"  # in words, for the summary
    c2pa_validation: str | None = None  # the SDK's validation state: "Trusted", "Valid" or "Invalid"
    c2pa_trust_anchors: int = 0  # how many trust anchors the validation was given
    c2pa_thumbnail: bytes | None = None  # the active manifest's claim thumbnail: the picture as it was signed
    c2pa_remote_url: str | None = None  # where the file says its manifest is kept, when it is not embedded
    c2pa_unreadable: str | None = None  # why a manifest that is present could not be read
    mpf_images: int | None = None
    mp_entries: list[MpEntry] = field(default_factory=list)  # the images a Multi-Picture (MPF) segment lists
    # What follows the end of the picture (after a JPEG's EOI, past the further images its MPF index declares, or
    # after a PNG's IEND); None when nothing does.
    trailing: TrailingData | None = None
    problems: list[str] = field(default_factory=list)


def _end_of_declared_images(data: bytes, meta: ImageMetadata) -> int:
    """Where a JPEG's data ends: past its EOI, or past the last further image its MPF index declares there (an
    entry counts only where a JPEG really starts at the offset it gives)."""
    end = len(data) - meta.jpeg.bytes_after_eoi
    declared = [e.offset + e.size for e in meta.mp_entries
                if e.offset >= end and data[e.offset : e.offset + 3] == b"\xff\xd8\xff"]
    return min(len(data), max([end, *declared]))


def read_image_metadata(data: bytes, file_format: str, c2pa_trust_anchors: str = "") -> ImageMetadata:
    """Everything ``data`` (a whole image file, whose format ``file_format`` the loader detected from its first
    bytes: "JPEG", "PNG", "TIFF", "WebP", "HEIF", "RAW") says about itself; never raises on malformed input.

    ``c2pa_trust_anchors``: PEM certificates whose holders the examiner trusts to sign Content Credentials;
    without them no C2PA signer can be "trusted" (the SDK ships no trust list, and nothing is fetched)."""
    meta = ImageMetadata()
    if file_format in ("JPEG", "TIFF", "WebP", "HEIF", "PNG", "RAW"):
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
        meta.mp_entries = next((entries for s, kind in app_segments if kind == "Multi-Picture Format"
                                if (entries := mp_entries(s.payload(data), s.payload_start))), [])
        if meta.jpeg.bytes_after_eoi > 0:
            meta.trailing = describe_trailing_data(data, _end_of_declared_images(data, meta))
    if file_format == "PNG":
        meta.png = parse_png(data)
        if meta.png.bytes_after_iend > 0:
            meta.trailing = describe_trailing_data(data, len(data) - meta.png.bytes_after_iend)
        meta.problems += [f"PNG structure: {p}" for p in meta.png.problems]
        meta.icc = None  # iCCP is compressed; described by its profile name in the chunk list
    for packet in find_packets(data):
        parsed = parse_xmp(packet)
        meta.xmp.append(parsed)
        meta.problems += parsed.problems
    _read_c2pa(meta, data, file_format, c2pa_trust_anchors)
    if meta.c2pa is None and meta.c2pa_remote_url is None:
        # A manifest kept elsewhere may leave no "c2pa" label in the file, only its address in XMP (C2PA 2.1, 11.4).
        meta.c2pa_remote_url = next((value[:500] for xmp in meta.xmp for key, value in xmp.properties.items()
                                     if key.endswith(":provenance") and isinstance(value, str)
                                     and value.startswith(("http://", "https://"))), None)
        if meta.c2pa_remote_url:
            meta.c2pa_state = f"the file refers to a C2PA manifest kept at {meta.c2pa_remote_url}, not fetched"
    return meta


_C2PA_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "TIFF": "image/tiff", "WebP": "image/webp", "HEIF": "image/heif",
              "RAW": "image/x-adobe-dng"}  # the SDK reads TIFF-based raw files (DNG) as TIFF


MAX_C2PA_THUMBNAIL_BYTES = 4 * 2**20


def _read_c2pa(meta: ImageMetadata, data: bytes, file_format: str, trust_anchors: str) -> None:
    # A manifest lives in a JUMBF box labelled "c2pa"; looking for the label first avoids loading the
    # C2PA library (and its cost) for the vast majority of files, which carry none.
    if b"c2pa" not in data or file_format not in _C2PA_MIME:
        return
    try:
        import c2pa
    except ImportError:
        meta.c2pa_state = "a C2PA label is present, but c2pa-python is not installed to read it"
        return
    meta.c2pa_trust_anchors = trust_anchors.count("-----BEGIN CERTIFICATE-----")
    # Nothing is fetched during analysis: not a manifest kept elsewhere, not a certificate's revocation status.
    settings = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
    if trust_anchors:
        settings = {"verify": {**settings["verify"], "verify_trust": True}, "trust": {"trust_anchors": trust_anchors}}
    # The SDK's objects are closed here, not left to garbage collection: their finalisers would run at random
    # moments later, and a Ctrl-C that lands inside a finaliser is lost.
    with contextlib.ExitStack() as owned:
        try:
            settings_object = owned.enter_context(contextlib.closing(c2pa.Settings.from_dict(settings)))
            context = owned.enter_context(contextlib.closing(c2pa.Context(settings_object)))
            reader = owned.enter_context(contextlib.closing(
                c2pa.Reader(_C2PA_MIME[file_format], io.BytesIO(data), context=context)))
            meta.c2pa = json.loads(reader.json())
            meta.c2pa_validation = str(reader.get_validation_state() or "unknown")
            meta.c2pa_thumbnail = _claim_thumbnail(reader, meta.c2pa)
        except Exception as error:  # ManifestNotFound and every parsing error of hostile JUMBF
            text = " ".join(str(error).split())
            if "ManifestNotFound" in type(error).__name__ or "no JUMBF" in text or "not found" in text.lower():
                return
            remote = re.search(r"must fetch remote manifests from url (\S+)", text)
            if remote:
                meta.c2pa_remote_url = remote.group(1)[:500]
                meta.c2pa_state = f"the file refers to a C2PA manifest kept at {meta.c2pa_remote_url}, not fetched"
                return
            meta.c2pa_unreadable = text[:300]
            meta.c2pa_state = f"a C2PA manifest is present but could not be read ({text[:160]})"
            return
    meta.c2pa_state = f"C2PA manifest present; validation state: {meta.c2pa_validation}"


def _claim_thumbnail(reader, store: dict) -> bytes | None:
    active = (store.get("manifests") or {}).get(store.get("active_manifest") or "", {})
    identifier = (active.get("thumbnail") or {}).get("identifier")
    if not identifier:
        return None
    buffer = io.BytesIO()
    try:
        reader.resource_to_stream(identifier, buffer)
    except Exception:  # a thumbnail that cannot be extracted is simply not compared
        return None
    thumbnail = buffer.getvalue()
    return thumbnail if 0 < len(thumbnail) <= MAX_C2PA_THUMBNAIL_BYTES else None


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
            generator = claim_generator(manifest)
            if generator:
                sources.append(("C2PA claim generator", generator))
            sources.extend(("C2PA action", json.dumps(action)[:300]) for action in manifest_actions(manifest))
    return sources


def camera_name(make: str | None, model: str | None) -> str | None:
    """"Make Model" without the make repeated ("Canon Canon EOS 30D" -> "Canon EOS 30D"), or None."""
    make, model = (make or "").strip(), (model or "").strip()
    if not make and not model:
        return None
    return model if make and model.lower().startswith(make.split()[0].lower()) else f"{make} {model}".strip()
