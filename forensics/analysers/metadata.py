"""Metadata of images: everything the file says about itself (EXIF, XMP, IPTC, ICC, PNG text, C2PA), read by
``forensics.media.metadata``, listed in full, and its contradictions turned into findings. Video container tags are
the ``container_metadata`` analyser's."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import cache

from forensics.algorithms.camera_encoders import ReferenceOriginal, cameras_with_tables, compare_layout, jfif_before_exif, models_writing_jfif_first
from forensics.algorithms.content_credentials import CredentialState, credential_facts, credential_state, status_codes
from forensics.algorithms.dates import describe_span, parse_exif_date, parse_iso_date, parse_offset
from forensics.algorithms.exif import Exif
from forensics.algorithms.jpeg_quality import ijg_quality, nearest_ijg_quality, tables_digest
from forensics.algorithms.jpeg_structure import encoder_layout, parse_jpeg
from forensics.algorithms.software_signatures import AI_TEXT_KEYS, match_ai_generator, match_editor
from forensics.algorithms.thumbnail import ThumbnailComparison, compare_thumbnail
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, register
from forensics.data import shipped_file
from forensics.media import Media
from forensics.media.metadata import ImageMetadata, camera_name, read_image_metadata, software_sources
from forensics.media.pictures import decode_embedded
from forensics.models import file_sha256
from forensics.results import AppendixEntry, Finding, Measurement, Proposition, Strength

MODIFIED_AFTER_S = 60  # cameras may stamp DateTime a few seconds after DateTimeOriginal while saving
GPS_TOLERANCE_S = 120
# Civil time is at most 14 hours from UTC (UTC-12:00 to UTC+14:00): without OffsetTimeOriginal, a capture time
# further than that from the GPS time (UTC) cannot be the same moment in any time zone.
MAX_ZONE_OFFSET_S = 14 * 3600
THUMBNAIL_DIFFERENT = 0.4  # correlation below this: the thumbnail shows another picture
THUMBNAIL_PARTLY = 0.6
# Detail correlation below this: not the same capture. On the calibration originals a camera's own thumbnail gave
# 0.73 or more (one camera, which frames its thumbnail wider than the picture, 0.14 before alignment and 0.88 after)
# and another original's thumbnail 0.07 or less; after alignment, 0.79 or more against 0.22 or less.
THUMBNAIL_DETAIL_SAME = 0.3
# Where the detail matches only once aligned, the largest move of a thumbnail corner (fraction of its longer side) a
# camera's own framing may explain. On every calibration original a camera's thumbnail aligned to within 1.3 %, and
# the one camera that frames it wider than the picture moved its corners 5.6 %; the bound is about twice that.
THUMBNAIL_MAX_REFRAMING = 0.1
# Below this much detail (standard deviation of the band-pass main image, 8-bit grey levels) there is nothing to
# compare but noise: a photo of a blank wall gave 0.14, every other original held 2.3 or more (median 11).
THUMBNAIL_MIN_DETAIL = 1.0
ASPECT_TOLERANCE = 0.05
MAX_APPENDIX_VALUE = 300
# A layout none of a model's originals has is moderate support only when this many originals, from this many
# collections, agree on theirs: one collection's photos share one owner's firmware and one way off the phone, and a
# single collection of iPhone 7 photos exported by a computer made every other collection's iPhone 7 look re-saved.
# A make's models stand in for an unknown model only when this many of them share one layout.
MIN_MODEL_ORIGINALS = 2
MIN_MODEL_SOURCES = 2
MIN_MAKE_MODELS = 3
# With nothing of the camera to compare with, a JFIF segment before the EXIF one is weak support for a re-save
# when fewer than this share of the camera models we hold write it so (libjpeg-based software always does).
MAX_JFIF_FIRST_SHARE = 0.25
CAMERA_ENCODERS = shipped_file("camera_encoders.json")  # python -m forensics.evaluation.build_camera_encoders
# Default values firmware writes when it has no real time; they are not evidence of anything. The Android
# camera stack (Skia/libexif defaults) wrote 2002:12:08 12:00:00 as DateTimeDigitized on many phones.
PLACEHOLDER_DATES = {"2002:12:08 12:00:00", "0000:00:00 00:00:00"}

REFERENCES = {
    "preview": "CIPA DC-007-2009 Multi-Picture Format, section 5.2.3.3 (MP Entry, large thumbnail type codes); Kee & Farid, "
               "'Digital image authentication from thumbnails', SPIE Electronic Imaging 2010",
    "c2pa": "C2PA Technical Specification 2.1 (Coalition for Content Provenance and Authenticity, 2024), sections 9.2 "
            "(hard bindings), 14 (trust model) and 15 (validation); CAWG identity assertion 1.1",
    "software": "Kee, Johnson & Farid, 'Digital image authentication from JPEG headers', IEEE TIFS 6(3), 2011; "
                "EXIF 2.32 (CIPA DC-008) tags Software/ProcessingSoftware; XMP (ISO 16684-1) CreatorTool and xmpMM:History",
    "dates": "EXIF 2.32 (CIPA DC-008) DateTime, DateTimeOriginal, DateTimeDigitized (equal to DateTimeOriginal when a "
             "digital camera records the file as it captures it), OffsetTime and GPS time stamps",
    "thumbnail": "Kee & Farid, 'Digital image authentication from thumbnails', SPIE Electronic Imaging 2010; "
                 "Evangelidis & Psarakis, 'Parametric image alignment using enhanced correlation coefficient "
                 "maximization', IEEE TPAMI 30(10), 2008 (the alignment)",
    "raw_preview": "Kee & Farid, 'Digital image authentication from thumbnails', SPIE Electronic Imaging 2010; Adobe DNG "
                   "Specification 1.7 (preview IFDs); LibRaw 0.22 (rendering of the sensor data, through rawpy)",
    "tables": "Kee, Johnson & Farid, 'Digital image authentication from JPEG headers', IEEE TIFS 6(3), 2011; "
              "Kornblum, 'Using JPEG quantization tables to identify imagery processed by software', Digital Investigation 5, 2008",
    "layout": "Kee, Johnson & Farid, 'Digital image authentication from JPEG headers', IEEE TIFS 6(3), 2011; "
              "ITU-T T.81 Annex B (marker segments); JFIF 1.02 and EXIF 2.32 (CIPA DC-008) section 4.5 (each "
              "requires its own segment first after SOI)",
    "ai": "IPTC Digital Source Type vocabulary (trainedAlgorithmicMedia); C2PA 2.1 specification; "
          "generator-specific PNG text keys (Automatic1111 'parameters', ComfyUI 'prompt'/'workflow')",
}


@register
class MetadataAnalyser(Analyser):
    name = "metadata"
    title = "Metadata"
    version = "2.9.0"
    kinds = frozenset({"image"})
    description = "EXIF/XMP/IPTC/ICC/PNG text/C2PA of images, with consistency checks."

    def parameters(self) -> dict:
        return {
            "modified_after_s": MODIFIED_AFTER_S, "gps_tolerance_s": GPS_TOLERANCE_S, "max_zone_offset_s": MAX_ZONE_OFFSET_S,
            "thumbnail_different_below": THUMBNAIL_DIFFERENT, "thumbnail_partly_below": THUMBNAIL_PARTLY,
            "thumbnail_detail_same_from": THUMBNAIL_DETAIL_SAME, "thumbnail_min_detail": THUMBNAIL_MIN_DETAIL,
            "thumbnail_max_reframing": THUMBNAIL_MAX_REFRAMING,
            "aspect_tolerance": ASPECT_TOLERANCE, "max_appendix_value_chars": MAX_APPENDIX_VALUE,
            "min_model_originals": MIN_MODEL_ORIGINALS, "min_model_sources": MIN_MODEL_SOURCES, "min_make_models": MIN_MAKE_MODELS,
            "max_jfif_first_share": MAX_JFIF_FIRST_SHARE,
            "camera_encoders_sha256": camera_encoders_sha256(),
        }

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        trust_anchors = context.parameters.get("c2pa_trust_anchors", "")
        meta = read_image_metadata(media.data or b"", media.file_type.format, trust_anchors)
        findings = [_summary(meta, media)]
        findings += _c2pa_findings(meta, media, trust_anchors)
        findings += _stripped_findings(meta, media)
        findings += _software_findings(meta)
        findings += _date_findings(meta, context.received_utc)
        findings += _thumbnail_findings(meta, media)
        findings += _preview_findings(meta, media, media.data or b"")
        findings += _raw_preview_findings(media)
        findings += _dimension_findings(meta, media)
        findings += _trailing_findings(meta, media.data or b"")
        references = camera_encoders(_held_out(context))
        findings += _camera_table_findings(meta, references)
        findings += _camera_layout_findings(meta, media.data or b"", references)
        return AnalyserOutput(findings=findings, warnings=meta.problems, appendix=_appendix(meta))


# ------------------------------------------------------------------------------------------------ findings


def _summary(meta: ImageMetadata, media: Media) -> Finding:
    exif = meta.exif
    measurements = [
        Measurement("camera make", exif.make), Measurement("camera model", exif.model),
        Measurement("software", exif.software), Measurement("date/time original", exif.date_original),
        Measurement("date/time modified (IFD0)", exif.modify_date),
        Measurement("EXIF orientation", exif.orientation),
        Measurement("GPS latitude", None if exif.gps_latitude is None else round(exif.gps_latitude, 6), "degrees"),
        Measurement("GPS longitude", None if exif.gps_longitude is None else round(exif.gps_longitude, 6), "degrees"),
        Measurement("EXIF tags", len(exif.tags)), Measurement("maker note present", exif.has_maker_note),
        Measurement("EXIF thumbnail present", exif.thumbnail is not None),
        Measurement("XMP packets", len(meta.xmp)),
        Measurement("IPTC records", len(meta.photoshop.iptc) if meta.photoshop else 0),
        Measurement("ICC profile", meta.icc.description if meta.icc else None),
        Measurement("C2PA", meta.c2pa_state),
    ]
    if meta.jpeg:
        order = [f"{s.name} {kind}" for s, kind in meta.jpeg.app_segments(media.data or b"")]
        measurements.append(Measurement("APP/COM segments in order", order or ["none"]))
        measurements.append(Measurement("bytes after end of image", meta.jpeg.bytes_after_eoi, "bytes",
                                        note="MPO files store their further images here" if meta.mpf_images else None))
        if meta.mpf_images:
            measurements.append(Measurement("images in the multi-picture (MPO) file", meta.mpf_images))
    if meta.png:
        measurements.append(Measurement("PNG chunks in order", [c.kind for c in meta.png.chunks][:60]))
    stripped = not exif.tags and not meta.xmp
    explanation = (
        "The file carries no EXIF or XMP metadata. Cameras and phones write EXIF when they take a photo; it is "
        "commonly removed by social-media platforms, messaging apps and editors. Its absence is a fact about the "
        "file's history, not evidence that the picture's content was changed."
        if stripped else
        "What the file records about itself. Every tag read is listed in the appendix; the checks below compare "
        "these values with each other and with the image."
    )
    return Finding(
        key="metadata.summary", proposition=Proposition.PROCESSING, title="Metadata summary" if not stripped else "No camera metadata",
        explanation=explanation, strength=Strength.NONE, score=0.0,
        method="EXIF read with exifread; XMP, IPTC, ICC, PNG chunks and JPEG segments parsed from the file's bytes",
        reference="EXIF 2.32 (CIPA DC-008); ISO 16684-1 (XMP); IPTC IIM 4.2; ICC.1:2010; ISO/IEC 15948 (PNG); ITU-T T.81",
        measurements=measurements,
        limitations=["Metadata is easy to edit or forge; consistent metadata does not show that a file is authentic."],
    )


def _stripped_findings(meta: ImageMetadata, media: Media) -> list[Finding]:
    """A JPEG with no camera metadata at all: cameras and phones always write EXIF, so the file is not as a
    camera wrote it (all 25 camera originals of our calibration data carry EXIF), unless its device writes none."""
    if media.file_type.format != "JPEG" or meta.exif.tags or meta.xmp:
        return []
    return [Finding(
        key="metadata.stripped", proposition=Proposition.PROCESSING, title="No camera metadata in a JPEG",
        explanation=("The JPEG carries no EXIF or XMP metadata. Cameras and phones write EXIF into every photo they "
                     "take, so this file is not as a camera wrote it: the metadata was removed, or the picture was "
                     "re-encoded by software that drops it (social-media platforms, messaging apps, editors, "
                     "screenshots), unless it comes from one of the few devices that write none (some webcams, CCTV "
                     "systems, scanners). This bears on processing only, not on what the picture shows."),
        strength=Strength.WEAK, score=0.3, method="Search of the file for EXIF (APP1) and XMP metadata",
        reference=REFERENCES["software"],
        measurements=[Measurement("EXIF tags", 0), Measurement("XMP packets", 0)],
        limitations=["Weak on its own: removing metadata is routine (privacy, platforms) and says nothing about the "
                     "picture's content."],
    )]


def _software_findings(meta: ImageMetadata) -> list[Finding]:
    sources = software_sources(meta)
    findings = []
    ai_hits = [(where, text, name) for where, text in sources if (name := match_ai_generator(text))]
    if meta.png:
        ai_hits += [(f"PNG {kind} '{key}'", text[:200], AI_TEXT_KEYS[key.lower()])
                    for kind, key, text in meta.png.texts if key.lower() in AI_TEXT_KEYS]
    if ai_hits:
        findings.append(Finding(
            key="metadata.ai_generator", proposition=Proposition.CONTENT, title="Metadata names an AI image generator",
            explanation=(
                "The file's metadata names an AI image generator or labels the content as produced by a trained "
                f"algorithm ({', '.join(sorted({h[2] for h in ai_hits}))}). Such labels are written by the generating "
                "software; they strongly support the proposition that the picture was generated or altered by AI."
            ),
            strength=Strength.STRONG, score=0.9, method="Search of metadata fields for AI-generator names and labels",
            reference=REFERENCES["ai"],
            measurements=[Measurement(where, text, note=name) for where, text, name in ai_hits],
            limitations=["Labels can be removed, so their absence says nothing; they can also be added to a real photo."],
        ))
    editor_hits = [(where, text, name) for where, text in sources if (name := match_editor(text))]
    if editor_hits:
        names = sorted({h[2] for h in editor_hits})
        findings.append(Finding(
            key="metadata.editing_software", proposition=Proposition.PROCESSING, title="Editing software named in the metadata",
            explanation=(
                f"The metadata names editing or conversion software ({', '.join(names)}). Cameras record their own "
                "firmware here; these names show that the file was written or processed by that software after "
                "capture, so it is not an unprocessed camera original. They do not show what, if anything, was "
                "changed in the picture: re-saving, resizing and colour correction leave the same traces as retouching."
            ),
            strength=Strength.MODERATE, score=0.6, method="Search of metadata fields for the names of editing software",
            reference=REFERENCES["software"],
            measurements=[Measurement(where, text, note=name) for where, text, name in editor_hits],
            limitations=[
                "Software names can be removed or forged; their absence does not show the file is a camera original.",
                "Some phone apps and operating systems write editor names when they only rotate or export a file.",
            ],
        ))
    return findings


def _date_findings(meta: ImageMetadata, received_utc: str | None) -> list[Finding]:
    exif = meta.exif
    original = parse_exif_date(exif.date_original)
    if original is None and exif.date_original:
        return [_date_finding([], [f"DateTimeOriginal '{exif.date_original}' is not a valid date"], Strength.NONE)]
    if original is None:
        return []
    measurements = [Measurement("DateTimeOriginal", exif.date_original)]
    issues: list[str] = []
    stored_later = False  # a digital capture whose storage time differs from its capture time
    digitized = parse_exif_date(exif.date_digitized)
    if exif.date_digitized in PLACEHOLDER_DATES:
        measurements.append(Measurement("DateTimeDigitized", exif.date_digitized, note="a firmware placeholder value; not compared"))
    elif digitized is not None:
        measurements.append(Measurement("DateTimeDigitized", exif.date_digitized))
        if abs((digitized - original).total_seconds()) > 2:
            issues.append(f"DateTimeDigitized differs from DateTimeOriginal by {describe_span(digitized - original)}")
            stored_later = abs((digitized - original).total_seconds()) > MODIFIED_AFTER_S and _digital_capture(exif)
    modified = parse_exif_date(exif.modify_date)
    if modified is not None:
        measurements.append(Measurement("DateTime (last modified)", exif.modify_date))
        if (modified - original).total_seconds() > MODIFIED_AFTER_S:
            issues.append(f"the file records a modification {describe_span(modified - original)} after the photo was taken")
    for xmp in meta.xmp:
        for key in ("xmp:ModifyDate", "xmp:MetadataDate"):
            value = xmp.properties.get(key)
            parsed = parse_iso_date(value) if isinstance(value, str) else None
            if parsed is not None:
                measurements.append(Measurement(f"XMP {key}", value))
                if (parsed - original).total_seconds() > MODIFIED_AFTER_S + 86400:  # XMP dates may be in another zone
                    issues.append(f"XMP {key} is {describe_span(parsed - original)} after the photo was taken")
    gps = parse_exif_date(exif.gps_datetime) if exif.gps_datetime else None
    if gps is not None:
        offset = parse_offset(exif.offset_original) if exif.offset_original else None
        measurements.append(Measurement("GPS date/time (UTC)", exif.gps_datetime))
        if offset is not None:
            measurements.append(Measurement("OffsetTimeOriginal", exif.offset_original))
            if abs((original - offset - gps).total_seconds()) > GPS_TOLERANCE_S:
                issues.append(f"GPS time differs from the capture time (converted to UTC) by {describe_span(original - offset - gps)}")
        elif abs((original - gps).total_seconds()) > MAX_ZONE_OFFSET_S + GPS_TOLERANCE_S:
            issues.append(f"GPS time (UTC) and the capture time are {describe_span(original - gps)} apart, more than "
                          f"any time zone is from UTC ({MAX_ZONE_OFFSET_S // 3600} hours)")
    received = parse_iso_date(received_utc) if received_utc else None
    if received is not None and original - timedelta(days=1) > received:
        issues.append(f"DateTimeOriginal is {describe_span(original - received)} after the file was received as evidence")
    strength = Strength.MODERATE if stored_later else Strength.WEAK if issues else Strength.NONE
    return [_date_finding(measurements, issues, strength)]


def _digital_capture(exif: Exif) -> bool:
    """The camera recorded an exposure (EXIF ExposureTime or FNumber): the picture was taken by a digital camera,
    not scanned from film, so EXIF expects its capture and storage times to be the same."""
    return any(name in ("ExposureTime", "FNumber") for _, name, _ in exif.tags)


def _date_finding(measurements: list[Measurement], issues: list[str], strength: Strength) -> Finding:
    if strength is Strength.MODERATE:
        explanation = (
            "The dates recorded in the file disagree: " + "; ".join(issues) + ". The camera recorded an exposure, so "
            "the picture was taken by a digital camera, which stores it as it takes it: the EXIF standard then expects "
            "DateTimeDigitized to equal DateTimeOriginal (they differ for film scanned later). One of them was "
            "written after capture, by software that edits dates or re-developed the picture: moderate support for "
            "processing after capture. It does not say which date is true.")
    elif issues and strength is not Strength.NONE:
        explanation = (
            "The dates recorded in the file disagree: " + "; ".join(issues) + ". Editors update the modification "
            "date when they save, and date tools shift the capture time but not the GPS time; cameras with a wrongly "
            "set clock, GPS receivers that keep the time of an earlier fix, scanners and some phones also produce "
            "such differences, so this alone is weak support for processing after capture.")
    else:
        explanation = "; ".join(issues) + "." if issues else "The dates recorded in the file agree with each other."
    return Finding(
        key="metadata.dates", proposition=Proposition.PROCESSING, title="Date and time consistency", explanation=explanation, strength=strength,
        score={Strength.MODERATE: 0.6, Strength.WEAK: 0.3}.get(strength, 0.0),
        method="Comparison of EXIF, XMP and GPS time stamps with each other and with the time of intake; capture "
               f"(DateTimeOriginal) and storage (DateTimeDigitized) more than {MODIFIED_AFTER_S} s apart in a picture "
               "with exposure data is moderate",
        reference=REFERENCES["dates"], measurements=measurements,
        limitations=["Time stamps are set from the device's clock, which may be wrong, and are easy to edit.",
                     "A clean rewrite of every date by the same amount leaves the dates consistent: nothing shows it.",
                     "Firmware placeholder dates (such as Android's 2002:12:08 12:00:00) are recognised and not compared."],
    )


# What each state of the Content Credentials means for the two propositions, and how far it supports processing.
_C2PA_READINGS = {
    CredentialState.VALID_TRUSTED: (Strength.NONE, 0.0, (
        "Every hash in the manifest matches the file, and the signer's certificate chains to a trust anchor the "
        "examiner gave: the file is, byte for byte apart from the manifest, what that signer signed. Processing: the "
        "actions below are what the signer declares was done before signing. Content: nothing changed after "
        "signing, but a manifest cannot show what happened before it was signed.")),
    CredentialState.VALID_UNTRUSTED: (Strength.NONE, 0.0, (
        "Every hash in the manifest matches the file, but no trust anchor given for this examination vouches for "
        "the signer's certificate, and anyone can make a certificate, including whoever edited the file. The file "
        "is unchanged since it was signed; who signed it is not established. The actions below are the signer's "
        "declaration.")),
    CredentialState.CHANGED_AFTER_SIGNING: (Strength.STRONG, 0.9, (
        "The manifest's hash of the file's bytes no longer matches: the file was changed after it was signed (its "
        "pixels, its metadata, or both), or the manifest was taken from another file and attached to this one. "
        "This strongly supports processing of the file after signing. The hash alone does not say what changed.")),
    CredentialState.MANIFEST_ALTERED: (Strength.MODERATE, 0.6, (
        "The manifest itself no longer matches its signature (the claim, or an assertion it lists, was changed "
        "after signing). The Content Credentials prove nothing about this file, and someone or some program "
        "rewrote them: moderate support for processing. It says nothing about the picture's content.")),
    CredentialState.MANIFEST_INVALID: (Strength.WEAK, 0.3, (
        "The manifest does not validate (see the status codes): it proves nothing about this file. A writer's bug "
        "cannot be ruled out, so this is only weak support for processing, and none for content manipulation.")),
    CredentialState.IDENTITY_UNVERIFIED: (Strength.NONE, 0.0, (
        "The C2PA claim validates, but the identity assertion (CAWG) that names who the signer says they are could "
        "not be verified; some identity checks need the network, which is never used during analysis. The file "
        "is unchanged since it was signed; the named identity is not established.")),
}


def _c2pa_findings(meta: ImageMetadata, media: Media, trust_anchors: str) -> list[Finding]:
    if meta.c2pa is None:
        return _c2pa_unchecked(meta)
    codes = status_codes(meta.c2pa)
    state = credential_state(meta.c2pa_validation or "", codes)
    facts = credential_facts(meta.c2pa)
    strength, score, explanation = _C2PA_READINGS[state]
    measurements = [
        Measurement("state", state.value, note=f"the C2PA SDK's validation state: {meta.c2pa_validation}"),
        Measurement("status codes", codes or ["none"]),
        Measurement("signer (certificate common name)", facts.signer),
        Measurement("certificate issuer", facts.issuer),
        Measurement("signing time", facts.signing_time, note="from the claim signature's timestamp, when it has one"),
        Measurement("claim generator", facts.claim_generator),
        Measurement("actions", facts.actions or ["none recorded"]),
        Measurement("ingredients", facts.ingredients or ["none"]),
        Measurement("manifests in the store", facts.manifests),
        Measurement("trust anchors given", meta.c2pa_trust_anchors,
                    note=(f"SHA-256 of the anchors {hashlib.sha256(trust_anchors.encode()).hexdigest()}"
                          if trust_anchors else "none: no signer can be trusted (forensics analyze --c2pa-trust PEM)")),
    ]
    thumbnail = decode_embedded(meta.c2pa_thumbnail)
    if thumbnail is not None and media.pixels is not None:
        comparison = compare_thumbnail(media.pixels, thumbnail)
        measurements.append(Measurement("correlation with the thumbnail signed with the manifest", round(comparison.correlation, 3),
                                        note="1 = the same picture; below 0.4, another picture"))
        if state is CredentialState.CHANGED_AFTER_SIGNING:
            replaced = comparison.correlation < THUMBNAIL_DIFFERENT
            explanation += (
                " The thumbnail signed with the manifest tells a replaced picture from a small change: the picture "
                + (f"shows another picture than the one signed (correlation {comparison.correlation:.2f} with the signed "
                   "thumbnail)." if replaced else
                   f"still resembles the one signed (correlation {comparison.correlation:.2f} with the signed thumbnail): "
                   "it was not replaced, but changes too small to show at thumbnail size cannot be excluded."))
    return [Finding(
        key="metadata.c2pa", proposition=Proposition.PROCESSING, title=f"Content Credentials (C2PA): {state.value}",
        explanation=explanation, strength=strength, score=score,
        method="C2PA manifest store read and validated offline with the C2PA SDK (c2pa-python); its validation state and "
               "status codes read as one of six states; the signed claim thumbnail compared with the picture",
        reference=REFERENCES["c2pa"], measurements=measurements,
        limitations=[
            "A valid manifest shows the file is unchanged since it was signed, not that the picture is true: what "
            "happened before signing rests on the signer's declarations.",
            "Trust is only what the anchors given for this examination establish; no trust list is built in and "
            "nothing (trust lists, revocation, remote manifests) is fetched.",
            "The absence of Content Credentials says nothing: most cameras and programs write none, and they are "
            "removed by most platforms.",
        ],
    )]


def _c2pa_unchecked(meta: ImageMetadata) -> list[Finding]:
    """A manifest the file points to or carries, which could not be checked: said, so that no reader takes it
    for one that was checked or for none at all."""
    if meta.c2pa_remote_url:
        title = "Content Credentials (C2PA) kept elsewhere, not checked"
        measurement = Measurement("manifest address", meta.c2pa_remote_url)
        explanation = ("The file's Content Credentials are kept outside it, at an address it records; nothing is "
                       "fetched during an analysis, so they were not checked. They neither support nor weaken either "
                       "proposition here; the examiner can fetch the manifest and validate it with the file separately.")
    elif meta.c2pa_unreadable:
        title = "Content Credentials (C2PA) present but unreadable"
        measurement = Measurement("reason given by the C2PA SDK", meta.c2pa_unreadable)
        explanation = ("The file carries a C2PA manifest that the C2PA SDK cannot read (an unsupported or pre-release "
                       "version, an unknown algorithm, or damage). Unread, it proves nothing either way.")
    else:
        return []
    return [Finding(
        key="metadata.c2pa", proposition=Proposition.PROCESSING, title=title, explanation=explanation,
        strength=Strength.NONE, score=0.0, method="C2PA manifest store read offline with the C2PA SDK (c2pa-python)",
        reference=REFERENCES["c2pa"], measurements=[measurement],
        limitations=["Only a manifest that is read and validated says anything about the file."],
    )]


def _thumbnail_findings(meta: ImageMetadata, media: Media) -> list[Finding]:
    if meta.exif.thumbnail is None or media.pixels is None:
        return []
    decoded = decode_embedded(meta.exif.thumbnail)
    if decoded is None:
        return [Finding(
            key="metadata.thumbnail", proposition=Proposition.PROCESSING, title="EXIF thumbnail cannot be decoded", strength=Strength.NONE, score=0.0,
            explanation="The file declares an embedded thumbnail, but its data is not a decodable JPEG image.",
            method="Decoding of the IFD1 thumbnail", reference=REFERENCES["thumbnail"],
            measurements=[Measurement("thumbnail size", len(meta.exif.thumbnail), "bytes")],
        )]
    comparison = compare_thumbnail(media.pixels, decoded, align_below=THUMBNAIL_DETAIL_SAME)
    raw = media.file_type.format == "RAW"
    strength, score, verdict = _raw_verdict(comparison, "embedded thumbnail") if raw else _thumbnail_verdict(comparison)
    thumbnail_tables = parse_jpeg(meta.exif.thumbnail).quantisation_tables
    return [Finding(
        key="metadata.thumbnail", proposition=Proposition.PROCESSING,
        title="EXIF thumbnail compared with the main image", explanation=verdict, strength=strength, score=score,
        method="Embedded thumbnail compared with the reduced main image under the 8 rotations/mirrorings "
               "(Pearson correlation of luminance, letterbox bars removed; then of band-pass detail, aligned by an "
               "affine map where it does not match)",
        reference=REFERENCES["thumbnail"],
        measurements=[
            *_comparison_measurements(comparison, "thumbnail"),
            Measurement("thumbnail luminance quantisation table, first row", thumbnail_tables[0][0].tolist() if 0 in thumbnail_tables else None),
        ],
        limitations=[
            "Thumbnails are small: retouching of small regions does not show in them.",
            "Some viewers rotate the main image losslessly without updating the thumbnail, which is benign.",
            f"Thresholds (correlation below {THUMBNAIL_DIFFERENT} = different picture; detail correlation below "
            f"{THUMBNAIL_DETAIL_SAME} = not the same capture) were set on the camera originals of the development "
            "corpus, where the lowest correlations of an untouched thumbnail were 0.68 (luminance) and 0.73 (detail, "
            "one camera that frames its thumbnail wider than the picture apart).",
            f"A thumbnail whose detail matches once aligned is called re-framed (moderate) when the alignment moves "
            f"its corners by more than {100 * THUMBNAIL_MAX_REFRAMING:.0f} % of its size: on the calibration "
            "originals a camera's own thumbnail moved by 1.3 % at most, 5.6 % for one camera that frames it wider. A "
            "camera that frames its thumbnail much wider than that, or crops it to another shape, would be "
            "misread; none of the 132 originals held does.",
        ],
    )]


def _comparison_measurements(c: ThumbnailComparison, what: str) -> list[Measurement]:
    return [
        Measurement(f"{what} size", list(c.thumbnail_size), "pixels (width, height)"),
        Measurement("best-matching transform of the main image", c.best_transform),
        Measurement("correlation under that transform", round(c.correlation, 3), note="1 = identical pictures"),
        Measurement("correlation without transform", round(c.correlation_untransformed, 3)),
        Measurement("aspect-ratio difference", round(c.aspect_difference, 3), "relative"),
        Measurement("correlation of detail under that transform", round(c.detail_correlation, 3),
                    note="band-pass detail, best within one pixel; 1 = one made from the other"),
        Measurement("detail in the main image", round(c.detail_contrast, 2), "grey levels (standard deviation)",
                    note=f"below {THUMBNAIL_MIN_DETAIL:g}, too little to compare"),
        *([] if c.aligned_detail_correlation is None else [
            Measurement("correlation of detail once aligned", round(c.aligned_detail_correlation, 3),
                        note="after the affine map that best aligns the two"),
            Measurement("largest move of a corner by that map", round(100 * c.alignment_displacement, 1),
                        "% of the thumbnail's longer side")]),
    ]


def _thumbnail_verdict(c: ThumbnailComparison, what: str = "embedded thumbnail") -> tuple[Strength, float, str]:
    """The level and the sentence for a copy the camera wrote beside the picture (``what``) compared with it."""
    if c.correlation < THUMBNAIL_DIFFERENT:
        return Strength.STRONG, 0.85, (
            f"The {what} shows a different picture from the main image (correlation "
            f"{c.correlation:.2f} at best). Cameras write both at the moment of capture, so the main image or the "
            f"{what} was replaced afterwards. This strongly supports processing of the file after capture.")
    if c.correlation < THUMBNAIL_PARTLY:
        return Strength.MODERATE, 0.6, (
            f"The {what} resembles the main image only partly (correlation {c.correlation:.2f}); the picture may "
            f"have been substantially changed after the {what} was written.")
    aligned = c.aligned_detail_correlation
    unlike_in_detail = c.detail_contrast >= THUMBNAIL_MIN_DETAIL and c.detail_correlation < THUMBNAIL_DETAIL_SAME
    if unlike_in_detail and (aligned is None or aligned < THUMBNAIL_DETAIL_SAME):
        return Strength.MODERATE, 0.6, (
            f"The {what} has the main image's layout (correlation {c.correlation:.2f}) but not its fine detail "
            f"(detail correlation {c.detail_correlation:.2f}"
            + ("" if aligned is None else f", {aligned:.2f} even when aligned")
            + f"): it was not made from this picture. A camera writes the {what} from the picture it captures, so "
            f"the {what} or the main image was replaced afterwards, for instance by another shot of the same scene. "
            "This is moderate support for processing of the file after capture.")
    if unlike_in_detail and c.alignment_displacement > THUMBNAIL_MAX_REFRAMING:
        return Strength.MODERATE, 0.55, (
            f"The {what} shows the same scene as the main image but framed very differently: their fine detail "
            f"matches only once one is moved, scaled or turned onto the other by a map that moves the corners by up "
            f"to {100 * c.alignment_displacement:.0f} % of the picture's size (detail correlation "
            f"{c.detail_correlation:.2f} as they are, {aligned:.2f} aligned). A camera frames its {what} like the "
            f"picture, or a few per cent wider; so the main image was cropped or re-framed after the {what} was "
            f"written, or the {what} comes from another shot. This is moderate support for processing of the file "
            "after capture.")
    if c.best_transform in ("mirrored left-right", "mirrored top-bottom", "transposed", "anti-transposed") \
            and c.correlation - c.correlation_untransformed > 0.2:
        return Strength.MODERATE, 0.55, (
            f"The main image is a mirror image of its {what} ({c.best_transform}). A camera writes both the same "
            "way round, so the main image was mirrored after capture.")
    if c.best_transform != "none" and c.correlation - c.correlation_untransformed > 0.2:
        return Strength.WEAK, 0.25, (
            f"The main image is the {what}'s picture {c.best_transform}: it was rotated after capture without "
            f"updating the {what}. Photo viewers often do this losslessly; it shows processing, not retouching.")
    if c.aspect_difference > ASPECT_TOLERANCE:
        return Strength.WEAK, 0.3, (
            f"The {what} shows the same picture but with a different shape (aspect ratios differ by "
            f"{100 * c.aspect_difference:.0f}%), which suggests the main image was cropped after capture.")
    if unlike_in_detail:
        return Strength.WEAK, 0.3, (
            f"The {what} shows the same scene as the main image, framed differently: their fine detail matches "
            f"only once one is shifted or scaled onto the other (detail correlation {c.detail_correlation:.2f} "
            f"as they are, {aligned:.2f} aligned, with corners moved by up to {100 * c.alignment_displacement:.0f} % "
            f"of the picture's size). The main image may have been cropped or resized after the {what} was "
            f"written, or the {what} taken from a neighbouring shot; a few cameras frame their {what} wider "
            "than the picture themselves.")
    return Strength.NONE, 0.0, (
        f"The {what} shows the same picture as the main image (correlation {c.correlation:.2f}).")


PREVIEW = "camera's large preview (MPF)"


def _preview_findings(meta: ImageMetadata, media: Media, data: bytes) -> list[Finding]:
    """The large preview a camera stores after the picture (a Multi-Picture Format "large thumbnail", CIPA DC-007)
    compared with the picture, as the EXIF thumbnail is; a preview the file declares but no longer holds is itself
    a trace of the file being rewritten (or cut short) after capture. Stereo pairs, panoramas and other MPF images
    (depth maps, gain maps) are not previews and are not compared."""
    entry = next((e for e in meta.mp_entries if e.is_preview), None)
    if entry is None or media.pixels is None:
        return []
    common = dict(key="metadata.preview", proposition=Proposition.PROCESSING, reference=REFERENCES["preview"])
    declared = [Measurement("declared preview", f"{entry.size} bytes at offset {entry.offset}",
                            note=f"MP Entry type 0x{entry.type_code:06X}")]
    held = data[entry.offset : entry.offset + entry.size]
    decoded = decode_embedded(held) if held[:2] == b"\xff\xd8" else None
    if decoded is None:
        return [Finding(
            **common, title="The camera's large preview (MPF) the file declares is missing",
            explanation=("The file's Multi-Picture segment declares a large preview image after the picture, but the file "
                         "does not hold a decodable image there. A camera writes the preview with the picture; software "
                         "that rewrites the file can keep the segment and drop the images it points to, and a file cut "
                         "short loses them too. Moderate support for the file being rewritten after capture."),
            strength=Strength.MODERATE, score=0.55, method="Multi-Picture Format index read and the image it points to decoded",
            measurements=[*declared, Measurement("file size", len(data), "bytes")],
            limitations=["A file carved from a disk or cut short in transfer also loses what follows the picture: "
                         "check the File identity finding for a file cut short."],
        )]
    comparison = compare_thumbnail(media.pixels, decoded, align_below=THUMBNAIL_DETAIL_SAME)
    strength, score, verdict = _thumbnail_verdict(comparison, PREVIEW)
    return [Finding(
        **common, title="The camera's large preview (MPF) compared with the main image", explanation=verdict,
        strength=strength, score=score,
        method="Large preview (Multi-Picture Format large thumbnail) compared with the reduced main image under the 8 "
               "rotations/mirrorings (Pearson correlation of luminance, letterbox bars removed; then of band-pass "
               "detail at 160 pixels, aligned by an affine map where it does not match), as the EXIF thumbnail is",
        measurements=[
            *declared,
            *_comparison_measurements(comparison, "preview"),
        ],
        limitations=[
            "Retouching of small regions does not change the correlation enough to show.",
            f"The thresholds are the EXIF thumbnail's (correlation below {THUMBNAIL_DIFFERENT} = different picture); "
            "untouched originals with a large preview were few (two Sony photos of a public collection, both with "
            "correlation 1.00), so the levels rest on the same principle rather than on a measured rate of their own.",
        ],
    )]


RAW_PREVIEW = "camera's JPEG preview"


def _raw_verdict(c: ThumbnailComparison, what: str) -> tuple[Strength, float, str]:
    """The level and the sentence for a copy the camera rendered from a raw file's sensor data (``what``) compared
    with LibRaw's rendering: only a different picture counts (see the raw preview finding's limitations)."""
    if c.correlation < THUMBNAIL_DIFFERENT:
        return Strength.MODERATE, 0.6, (
            f"The {what} shows a different picture from the sensor data (correlation {c.correlation:.2f} at best). "
            f"The camera renders the {what} from the same data at capture, so it was replaced or edited afterwards, "
            "or the sensor data was. Moderate support for processing of the file after capture.")
    return Strength.NONE, 0.0, (
        f"The {what} shows the same picture as the sensor data (correlation {c.correlation:.2f}), as it does when "
        "neither was changed after capture.")


def _raw_preview_findings(media: Media) -> list[Finding]:
    """A raw file's JPEG preview, which the camera rendered from the sensor data at capture, compared with LibRaw's
    rendering of that data: a preview edited after capture, or sensor data replaced, no longer match."""
    if media.file_type.format != "RAW":
        return []
    common = dict(key="metadata.raw_preview", proposition=Proposition.PROCESSING, reference=REFERENCES["raw_preview"],
                  method="The largest JPEG preview in the raw file compared with LibRaw's rendering of the sensor data, "
                         "reduced to the preview's size, under the 8 rotations/mirrorings (Pearson correlation of "
                         "luminance; letterbox bars removed), as the EXIF thumbnail is")
    decoded = decode_embedded(media.raw_preview) if media.raw_preview else None
    if decoded is None or media.pixels is None:
        held = "holds no JPEG preview" if media.raw_preview is None else \
            "holds a JPEG preview that cannot be decoded" if decoded is None else "holds a JPEG preview"
        missing = ", and its sensor data could not be rendered" if media.pixels is None else ""
        return [Finding(
            **common, title="The camera's preview in the raw file could not be compared",
            explanation=(f"The raw file {held}{missing}, so the preview and the sensor data were not compared. Some "
                         "cameras and converters write no preview; software that rewrites a raw file can drop it."),
            strength=Strength.NONE, score=0.0,
            measurements=[Measurement("preview file size", len(media.raw_preview) if media.raw_preview else None, "bytes"),
                          Measurement("preview dimensions", None if decoded is None else [decoded.shape[1], decoded.shape[0]],
                                      "pixels (width, height)")],
        )]
    comparison = compare_thumbnail(media.pixels, decoded)
    strength, score, verdict = _raw_verdict(comparison, RAW_PREVIEW)
    return [Finding(
        **common, title="The camera's JPEG preview compared with the raw sensor data", explanation=verdict,
        strength=strength, score=score,
        measurements=[Measurement("preview file size", len(media.raw_preview), "bytes"),
                      *_comparison_measurements(comparison, "preview")],
        limitations=[
            "The camera's rendering and LibRaw's differ in tone, colour, sharpening and lens corrections; the "
            "correlation of luminance at the preview's size tolerates that, so only a different or heavily changed "
            "picture shows, never retouching of small regions.",
            f"The level rests on the EXIF thumbnail's threshold (correlation below {THUMBNAIL_DIFFERENT} = different "
            "picture) and is held at moderate: no collection of untouched raw files was available to measure how "
            "often an untouched preview falls below it. Differences of shape or orientation are not weighed, as "
            "previews of raw files are often cropped to another aspect ratio.",
        ],
    )]


_TRAILER_CONTEXT = {
    "padding": "Some cameras pad their files this way (a Motorola Moto G original in the corpus ends with 44,758 zero "
               "bytes); a file recovered (carved) from a disk can also run on into unused space.",
    "picture": "The file holds a second picture that its own structure does not declare: two files joined "
               "together, a file carved from a disk that runs on into the next file, or a camera's preview "
               "stored this way by some older cameras.",
    "video": "Phones that take motion photos (Google, Samsung and others) append a short video this way.",
    "archive": "Cameras and phones do not write this: a document or archive placed after a picture is a known way "
               "of passing a file unseen inside a picture, or the file was joined with another one.",
    "software": "Photo-management and viewing software writes these after the picture when it adds captions or "
                "keywords: the metadata was edited after capture, the picture itself need not have been.",
    "other": "Many cameras leave data of their own after the picture (in the corpus: originals from Sony, Olympus, "
             "Ricoh, Pentax and BlackBerry cameras); so do some phones and programs.",
}


def _trailing_findings(meta: ImageMetadata, data: bytes) -> list[Finding]:
    trailing = meta.trailing
    if trailing is None:
        return []
    measurements = [
        Measurement("bytes after the end of the picture", trailing.size, "bytes",
                    note="past the further images the Multi-Picture index declares" if meta.mp_entries else None),
        Measurement("where they start", trailing.offset, "bytes from the start of the file"),
        Measurement("what they are", trailing.description),
        Measurement("file signatures found in them", [f"{what} at byte {at}" for what, at in trailing.embedded] or ["none"]),
    ]
    pictures = [at for what, at in trailing.embedded if what == "a JPEG picture"]
    if pictures:
        second = parse_jpeg(data[pictures[0]:])
        measurements.append(Measurement("first appended JPEG picture", None if second.width is None else
                                        [second.width, second.height], "pixels (width, height)",
                                        note="from its frame header; complete" if any(s.marker == 0xD9 for s in second.segments)
                                        else "from its frame header; it has no end-of-image marker"))
    end = "JPEG's end-of-image marker" if meta.jpeg else "PNG's IEND chunk"
    return [Finding(
        key="metadata.trailing_data", proposition=Proposition.PROCESSING, title="Data after the end of the picture",
        explanation=(f"{trailing.size} bytes follow the {end} (from byte {trailing.offset}): {trailing.description}. "
                     "Viewers stop at the end of the picture and never show them. "
                     f"{_TRAILER_CONTEXT[trailing.kind]} This is an observation about the "
                     "file, reported without a strength: what follows the picture plays no part in what it shows."),
        strength=Strength.NONE, score=0.0,
        method="The bytes after the end of the picture (past any further images the file's Multi-Picture index "
               "declares), searched for the signatures of common file formats and known trailers",
        reference="ITU-T T.81 section B.2.1 (EOI); ISO/IEC 15948 section 11.2.5 (IEND); CIPA DC-007 (Multi-Picture "
                  "Format); ExifTool's documentation of JPEG trailers (AFCP, Samsung, Photo Mechanic, FotoStation)",
        measurements=measurements,
        limitations=["Formats are recognised by their signatures only; data in any other form is reported as "
                     "unidentified, and a signature can occur by chance inside other data.",
                     "What the appended data holds is not analysed: extract it (from the byte given) to examine it."],
    )]


def _dimension_findings(meta: ImageMetadata, media: Media) -> list[Finding]:
    recorded = (meta.exif.exif_width, meta.exif.exif_height)
    if None in recorded or not media.width or 0 in recorded:
        return []
    actual = (media.width, media.height)
    if recorded in (actual, actual[::-1]):
        return []
    return [Finding(
        key="metadata.exif_size", proposition=Proposition.PROCESSING, title="Image size differs from the size recorded in EXIF",
        explanation=(
            f"EXIF records an image of {recorded[0]} x {recorded[1]} pixels, but the file's image is {actual[0]} x "
            f"{actual[1]}. Resizing or cropping software often keeps the original EXIF block; some cameras also "
            "record other values here, so this alone is weak support for processing after capture."),
        strength=Strength.WEAK, score=0.3, method="Comparison of EXIF PixelXDimension/PixelYDimension with the decoded size",
        reference="EXIF 2.32 (CIPA DC-008) tags 0xA002/0xA003",
        measurements=[Measurement("EXIF width x height", list(recorded), "pixels"), Measurement("actual width x height", list(actual), "pixels")],
        limitations=["Several camera models write the sensor size or zero here."],
    )]


@cache
def camera_encoders(held_out: frozenset[str] = frozenset()) -> tuple[ReferenceOriginal, ...]:
    """The untouched originals the camera checks compare with (``forensics/data/camera_encoders.json``), less
    those of the collections in ``held_out`` (an evaluation leaves out the collection of the file it measures)."""
    rows = json.loads(CAMERA_ENCODERS.read_text("utf-8"))["originals"]
    return tuple(ReferenceOriginal(r["source"], r["camera"], r["make"], r["tables"], r["layout"])
                 for r in rows if r["source"] not in held_out)


@cache
def camera_encoders_sha256() -> str:
    return file_sha256(CAMERA_ENCODERS)


def _held_out(context: AnalysisContext) -> frozenset[str]:
    return frozenset(context.parameters.get("held_out_sources", ()))


_TABLE_LIMITATIONS = [
    "The reference originals are few (the corpus's and a few public collections' untouched photos, listed in "
    "forensics/data/camera_encoders.json): for most cameras the answer is 'no comparison possible'.",
    "Cameras write different tables at different quality settings, and firmware updates can change an encoder.",
    "An editor can re-use a camera's tables and layout, so a match does not prove the file is a camera original.",
]


def _camera_table_findings(meta: ImageMetadata, references: tuple[ReferenceOriginal, ...]) -> list[Finding]:
    camera = camera_name(meta.exif.make, meta.exif.model)
    tables = meta.jpeg.quantisation_tables if meta.jpeg else {}
    if not camera or 0 not in tables:
        return []
    known = cameras_with_tables(tables_digest(tables), references)
    quality = ijg_quality(tables)
    nearest, rms = nearest_ijg_quality(tables[0])
    if camera in known:
        verdict, strength, explanation = "consistent", Strength.NONE, (
            f"The file's quantisation tables are those recorded from an unedited {camera} photo.")
    elif quality is not None and any(r.camera == camera for r in references):
        verdict, strength, explanation = "inconsistent", Strength.WEAK, (
            f"The file names the {camera} as its camera, but its quantisation tables are the standard IJG (libjpeg) "
            f"tables at quality {quality}, which software such as Pillow, OpenCV, GIMP and many web services write; "
            f"the {camera} originals we hold use other tables. Cameras use several tables (one per quality "
            "setting), so this is weak support for a re-save by software.")
    elif quality is not None:
        verdict, strength, explanation = "unknown", Strength.NONE, (
            f"The quantisation tables are the standard IJG (libjpeg) tables at quality {quality}. Software such as "
            "Pillow, OpenCV and GIMP writes these, and so do some cameras; we hold no "
            f"{camera} original to say which tables it uses, so no comparison is possible.")
    else:
        verdict, strength, explanation = "unknown", Strength.NONE, (
            f"The quantisation tables are not IJG tables (nearest IJG quality {nearest}, RMS difference {rms:.1f}); "
            + (f"they match tables recorded from {', '.join(known[:3])}." if known else
               f"we hold no {camera} original with these tables, so no comparison is possible."))
    return [Finding(
        key="metadata.camera_tables", proposition=Proposition.PROCESSING,
        title="Camera make/model compared with the JPEG quantisation tables", explanation=explanation,
        strength=strength, score=0.3 if strength is Strength.WEAK else 0.0,
        method="Digest of the quantisation tables compared with tables of untouched camera originals and with the IJG tables",
        reference=REFERENCES["tables"],
        measurements=[
            Measurement("claimed camera", camera), Measurement("verdict", verdict),
            Measurement("IJG quality (exact match)", quality), Measurement("nearest IJG quality", nearest),
            Measurement("RMS difference from that IJG table", round(rms, 2)),
            Measurement("cameras known to write these tables", known or None),
        ],
        limitations=_TABLE_LIMITATIONS,
    )]


def _layout_score(strength: Strength, basis: str) -> float:
    # A mismatch with the camera's own originals says more than the general JFIF-first cue, at the same level.
    if strength is Strength.WEAK and basis == "none":
        return 0.2
    return {Strength.MODERATE: 0.6, Strength.WEAK: 0.3}.get(strength, 0.0)


def _originals(count: int) -> str:
    return f"{count} original{'s' if count != 1 else ''}"


def _camera_layout_findings(meta: ImageMetadata, data: bytes, references: tuple[ReferenceOriginal, ...]) -> list[Finding]:
    camera = camera_name(meta.exif.make, meta.exif.model)
    if not camera or meta.jpeg is None or meta.jpeg.frame_marker is None:
        return []
    layout = encoder_layout(meta.jpeg, data)
    comparison = compare_layout(camera, meta.exif.make, layout, references, min_make_models=MIN_MAKE_MODELS)
    seen = "; ".join(comparison.layouts_seen)
    jfif_models, models = models_writing_jfif_first(references)
    measurements = [
        Measurement("claimed camera", camera), Measurement("file's layout", layout),
        Measurement("compared with", {"model": "originals of this model", "make": "originals of other models of this make",
                                      "none": "nothing"}[comparison.basis]),
        Measurement("reference originals", comparison.originals),
        Measurement("collections they come from", comparison.sources), Measurement("layouts they have", seen or None),
        Measurement("camera models we hold that write JFIF before EXIF", f"{jfif_models} of {models}"),
    ]
    if comparison.basis == "model" and not comparison.references_agree and not comparison.consistent:
        strength, explanation = Strength.NONE, (
            f"The untouched {camera} photos we hold ({_originals(comparison.originals)}) do not share one layout "
            f"('{seen}'): firmware versions differ, or some were exported from the phone or a computer before they "
            "reached us. The file's layout is none of them, which says nothing on its own.")
    elif comparison.basis == "none" and jfif_before_exif(layout) and models and jfif_models / models < MAX_JFIF_FIRST_SHARE:
        strength, explanation = Strength.WEAK, (
            f"We hold no untouched {camera} original to compare with. The file has a JFIF segment before its EXIF "
            "segment, as libjpeg-based software (Pillow, OpenCV, GIMP, ImageMagick) writes when it re-saves a photo and "
            f"keeps its EXIF; of the {models} camera models we hold, {jfif_models} write their photos so. This is weak "
            "support for a re-save by software after capture: some cameras do it too.")
    elif comparison.consistent is None:
        strength, explanation = Strength.NONE, (
            f"We hold no untouched {camera} original"
            + (", nor enough models of its make that agree," if comparison.originals else "")
            + " to say how its encoder lays out a JPEG, so no comparison is possible.")
    elif comparison.consistent:
        strength, explanation = Strength.NONE, (
            f"The file's segments are laid out as in the untouched {camera if comparison.basis == 'model' else 'photos of its make'} "
            f"we hold ({_originals(comparison.originals)}).")
    else:
        held = (f"the untouched {camera} photos we hold ({_originals(comparison.originals)})"
                if comparison.basis == "model" else
                f"the {comparison.originals} untouched originals of {comparison.models} other models of this make we hold")
        strength = (Strength.MODERATE if comparison.basis == "model" and comparison.originals >= MIN_MODEL_ORIGINALS
                    and comparison.sources >= MIN_MODEL_SOURCES else Strength.WEAK)
        explanation = (
            f"The file names the {camera} as its camera, but its JPEG segments are laid out differently from {held}: it has "
            f"'{layout}', they all have '{seen}'. Software that re-saves a photo and keeps its EXIF writes its own "
            "layout (libjpeg, used by Pillow, OpenCV, GIMP and most programs, writes a JFIF segment before the "
            "EXIF and one segment per table). "
            + (f"Originals from {comparison.sources} independent collections agree, so this is moderate support for a "
               "re-save by software after capture." if strength is Strength.MODERATE else
               "The reference is thin (one original, one collection, or other models of the make: firmware updates "
               "can change a layout), so this is weak support."))
    return [Finding(
        key="metadata.camera_layout", proposition=Proposition.PROCESSING,
        title="Camera make/model compared with the JPEG file's layout", explanation=explanation,
        strength=strength, score=_layout_score(strength, comparison.basis),
        method="Order of the JFIF and EXIF segments and of the coding segments, with the tables each holds, compared "
               "with untouched originals of the same camera model (else of its make, where its models agree); with "
               f"neither, a JFIF segment before the EXIF one is weak where under {MAX_JFIF_FIRST_SHARE:.0%} of the camera "
               "models we hold write it so",
        reference=REFERENCES["layout"],
        measurements=measurements,
        limitations=_TABLE_LIMITATIONS,
    )]


def _appendix(meta: ImageMetadata) -> list[AppendixEntry]:
    entries = [AppendixEntry(group, name, value) for group, name, value in meta.exif.tags]
    for index, xmp in enumerate(meta.xmp):
        group = "XMP" if len(meta.xmp) == 1 else f"XMP packet {index + 1}"
        entries += [AppendixEntry.shortened(group, key, value if isinstance(value, str) else "; ".join(value), MAX_APPENDIX_VALUE)
                    for key, value in sorted(xmp.properties.items())]
        entries += [AppendixEntry.shortened(f"{group} history", f"event {n + 1}", ", ".join(f"{k}={v}" for k, v in event.items()),
                                            MAX_APPENDIX_VALUE)
                    for n, event in enumerate(xmp.history)]
    if meta.photoshop:
        entries += [AppendixEntry.shortened("IPTC", name, value, MAX_APPENDIX_VALUE) for name, value in meta.photoshop.iptc]
        entries.append(AppendixEntry("Photoshop resources", "resource ids", ", ".join(f"0x{i:04X}" for i in meta.photoshop.resource_ids)))
    if meta.icc:
        entries += [AppendixEntry("ICC profile", key, str(value)) for key, value in vars(meta.icc).items() if value not in (None, "")]
    if meta.png:
        entries += [AppendixEntry.shortened(f"PNG {kind}", key, text, MAX_APPENDIX_VALUE) for kind, key, text in meta.png.texts]
    entries += [AppendixEntry.shortened("JPEG comment", f"comment {n + 1}", text, MAX_APPENDIX_VALUE) for n, text in enumerate(meta.comments)]
    if meta.c2pa:
        entries.append(AppendixEntry.shortened("C2PA", "manifest store", json.dumps(meta.c2pa), MAX_APPENDIX_VALUE))
    return entries


