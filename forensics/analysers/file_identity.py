"""File identity: what the file is, judged from its bytes rather than its name."""

from __future__ import annotations

from pathlib import PurePath

import numpy as np

from forensics.algorithms.hevc import heif_hevc_configurations
from forensics.algorithms.perceptual_hash import phash
from forensics.algorithms.pixel_hash import pixel_sha256
from forensics.algorithms.thumbnail import compare_thumbnail
from forensics.analysers.base import Analyser, AnalyserOutput, AnalysisContext, register
from forensics.figures import contact_sheet, encode_jpeg, photo_figure, reduce
from forensics.media import Media, partial_note, upright
from forensics.media.heif import heif_structure
from forensics.media.pictures import REDUCED_SIDE_PX, secondary_pictures
from forensics.media.sniff import raw_format
from forensics.results import Figure, Finding, Measurement, Proposition, Strength

PREVIEW_MAX_SIDE_PX = 480
PREVIEW_JPEG_QUALITY = 90
HATCH_PERIOD_PX = 24  # of the stripes that mark the part of a picture the file no longer holds, at full size
# Stored colour models whose pixels the pixel-data hash covers whole: 8 bits or fewer per sample, no alpha. Others
# (alpha, 16-bit, CMYK, Lab) are decoded for analysis with a loss the hash would hide, so they get none.
PIXEL_HASH_MODELS = {"bilevel", "greyscale", "palette", "RGB", "YCbCr"}

_EXTENSIONS = {
    "JPEG": {".jpg", ".jpeg", ".jpe", ".jfif", ".jif"},
    "PNG": {".png"},
    "TIFF": {".tif", ".tiff", ".dng"},
    "GIF": {".gif"},
    "BMP": {".bmp", ".dib"},
    "WebP": {".webp"},
    "HEIF": {".heic", ".heif", ".hif", ".avif"},
    "RAW": {".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".raf", ".rw2", ".rwl", ".orf", ".pef",
            ".srw", ".iiq", ".3fr", ".fff", ".erf", ".mef", ".mos", ".mrw", ".kdc", ".dcr", ".x3f", ".raw"},
    "MP4": {".mp4", ".m4v", ".m4a", ".f4v"},
    "QuickTime": {".mov", ".qt", ".mp4"},
    "3GPP": {".3gp", ".3g2", ".3gpp"},
    "AVI": {".avi"},
    "MPEG-TS": {".ts", ".mts", ".m2ts", ".tsv"},
    "MPEG-PS": {".mpg", ".mpeg", ".m2v", ".vob", ".mpv"},
}


@register
class FileIdentity(Analyser):
    name = "file_identity"
    title = "File identity"
    version = "1.4.0"
    kinds = frozenset({"image", "video"})
    description = ("Detected format (magic bytes), dimensions, colour model, bit depth, frames and duration; the "
                   "pixel-data hash of a picture.")

    def parameters(self) -> dict:
        return {"preview_max_side_px": PREVIEW_MAX_SIDE_PX, "preview_jpeg_quality": PREVIEW_JPEG_QUALITY,
                "hatch_period_px": HATCH_PERIOD_PX, "further_pictures_reduced_side_px": REDUCED_SIDE_PX,
                "further_pictures_listed": MAX_LISTED_PICTURES, "further_pictures_shown": MAX_SHEET_PICTURES}

    def analyse(self, media: Media, context: AnalysisContext) -> AnalyserOutput:
        findings = [self._identity(media)]
        if media.partial:
            findings.append(_incomplete(media))
        if media.undecoded:
            findings.append(_undecodable(media))
        if media.damage:
            findings.append(_video_incomplete(media))
        findings += _pictures_finding(media)
        mismatch = self._extension_mismatch(media, context.original_name)
        if mismatch:
            findings.append(mismatch)
        return AnalyserOutput(findings=findings, warnings=list(media.warnings))

    def _identity(self, media: Media) -> Finding:
        m = [
            Measurement("format (from magic bytes)", media.file_type.format),
            Measurement("media type", media.file_type.mime),
            Measurement("file size", media.size_bytes, "bytes"),
            Measurement("width", media.width, "pixels"),
            Measurement("height", media.height, "pixels"),
            Measurement("colour model", media.mode),
            Measurement("channels", media.channels),
            Measurement("bit depth", media.bit_depth, "bits per sample"),
            Measurement("frames", media.frame_count),
        ]
        if media.kind == "video" or (media.frame_count or 1) > 1:
            m.append(Measurement("duration", None if media.duration_s is None else round(media.duration_s, 3), "seconds"))
        if media.kind == "video":
            m.append(Measurement("frame rate", None if media.fps is None else round(media.fps, 3), "frames per second"))
            m.append(Measurement("codec (FourCC)", media.codec))
            m.append(Measurement("display rotation", media.display_rotation, "degrees clockwise",
                                 note="from the track's display matrix: width and height are as the video is shown, and "
                                      "every frame is analysed and drawn that way up"))
        if media.orientation is not None:
            m.append(Measurement("EXIF orientation", media.orientation, note="1 = upright; 6 and 8 = rotated a quarter turn"))
        if media.kind == "image":
            m.append(_pixel_hash(media))
            if media.pixels is not None:
                m.append(Measurement("perceptual hash (pHash)", f"{phash(media.upright_pixels):016x}",
                                     note="64-bit DCT hash of the upright picture reduced to 32 x 32 grey (Zauner 2010, as "
                                          "ImageHash computes it): copies re-saved or resized differ in few bits, other "
                                          "pictures in about half" + (f"; from the 1/{media.pixel_scale}-size decode of a "
                                          "triage" if media.pixel_scale != 1 else "")))
        if media.file_type.format == "HEIF":
            m += _heif_measurements(media.data or b"")
        if media.file_type.format == "RAW":
            m.append(Measurement("camera raw format", raw_format(media.data or b"") or "TIFF-based",
                                 note="from the file's signature; LibRaw recognised the file as camera raw data"))
        figures = [self._preview(media)] if media.pixels is not None else []
        size = f"{media.width} x {media.height} pixels" if media.width else "of undetermined size"
        what = f"a {media.file_type.format} {media.kind} {size}"
        if media.kind == "video" and media.duration_s:
            what += f", {media.frame_count} frames over {media.duration_s:.2f} s"
        return Finding(
            key="file_identity.identity", proposition=Proposition.PROCESSING, title="File identity",
            explanation=(
                f"The file is {what}. The format was determined from the file's first bytes (its signature), "
                "not from its name; the other values were read by decoding the file."
            ),
            strength=Strength.NONE,
            score=0.0,
            method="Format signature (magic bytes) and decoder header fields",
            reference="ITU-T T.81 (JPEG); ISO/IEC 15948 (PNG); TIFF 6.0; ISO/IEC 14496-12 (MP4 file format)",
            measurements=m,
            figures=figures,
            limitations=[
                "Identifying the format says nothing about whether the content was manipulated.",
                "For video, the frame count and duration are those the container declares; a damaged or edited "
                "container can declare values that differ from the frames actually present.",
            ],
        )

    def _extension_mismatch(self, media: Media, original_name: str) -> Finding | None:
        extension = PurePath(original_name).suffix.lower()
        expected = _EXTENSIONS.get(media.file_type.format, set())
        if not extension or extension in expected:
            return None
        return Finding(
            key="file_identity.extension", proposition=Proposition.PROCESSING, title="File name extension does not match the content",
            explanation=(
                f"The file is named with the extension '{extension}', but its content is {media.file_type.format}. "
                "Files are often renamed or served with the wrong extension by websites and messaging apps; "
                "this is an observation about the file's history, not evidence that its content was altered."
            ),
            strength=Strength.NONE,
            score=0.0,
            method="Comparison of the file name extension with the format signature",
            reference="ITU-T T.81; ISO/IEC 15948; ISO/IEC 14496-12",
            measurements=[
                Measurement("file name extension", extension),
                Measurement("format (from magic bytes)", media.file_type.format),
            ],
            limitations=["The file name is chosen by whoever saved or sent the file; it carries little weight."],
        )

    def _preview(self, media: Media) -> Figure:
        # A JPEG: the preview is a photograph, which a lossless PNG stored at four to six times the size, twice in
        # every report (on its page and in the attached results).
        caption = ("The decoded image, reduced in size and shown upright according to its EXIF orientation, for "
                   f"identification only (stored as a JPEG at quality {PREVIEW_JPEG_QUALITY}, so it carries compression "
                   "of its own).")
        pixels = media.upright_pixels
        if media.partial and media.decoded_rows < (media.height or 0):
            pixels = upright(with_missing_rows_hatched(media.pixels, media.height), media.orientation)
            caption += (f" Only the first {media.decoded_rows} of its {media.height} stored rows could be decoded: the "
                        "hatched part is missing from the file as received.")
        return Figure.from_bytes("Preview", caption, "image/jpeg",
                                 encode_jpeg(reduce(pixels, PREVIEW_MAX_SIDE_PX), PREVIEW_JPEG_QUALITY))


def with_missing_rows_hatched(decoded: np.ndarray, height: int) -> np.ndarray:
    """The picture at its declared ``height``: the decoded rows, then diagonal red and grey stripes where the
    file's data ends (wide enough to survive the reduction to a preview)."""
    missing = height - decoded.shape[0]
    y, x = np.mgrid[0:missing, 0:decoded.shape[1]]
    stripes = ((x + y + decoded.shape[0]) // (HATCH_PERIOD_PX // 2)) % 2 == 0
    fill = np.where(stripes[..., None], np.array([200, 30, 30], np.uint8), np.array([90, 90, 90], np.uint8))
    return np.concatenate([decoded, fill.astype(np.uint8)], axis=0)


AS_RECEIVED = "This is an observation about the file as received, not support for either proposition."


def _incomplete(media: Media) -> Finding:
    complete_rows = media.decoded_rows >= (media.height or 0)
    note = partial_note(media.decoded_rows, media.height)
    return Finding(
        key="file_identity.incomplete", proposition=Proposition.PROCESSING, title="The file is cut short or damaged",
        explanation=(
            f"{note[0].upper()}{note[1:]}. A transfer "
            "cut short, a file carved from a disk or a damaged card leave files like this; so can deliberate damage. "
            "Its metadata and structure were analysed whole; the picture analyses saw "
            + ("every row, with details missing throughout." if complete_rows else
               f"only the first {media.decoded_rows} rows, and say nothing about the rest.")
            + " " + AS_RECEIVED),
        strength=Strength.NONE, score=0.0,
        method="Decoding with the decoder's recovery from missing data (Pillow, libjpeg/zlib); the rows it could not "
               "decode, which it fills with one colour to the last row, counted from the bottom",
        reference="ITU-T T.81 (JPEG) section B.2 (scan and restart structure); ISO/IEC 15948 (PNG) section 11.2.4",
        measurements=[
            Measurement("rows decoded", media.decoded_rows, "rows"),
            Measurement("rows the file declares", media.height, "rows"),
            Measurement("share decoded", round(media.decoded_rows / media.height, 3) if media.height else None),
        ],
        limitations=[
            "Rows of a real picture that are all of the decoder's fill colour, just above the missing part, are counted as "
            "missing: the count can only be too low, never too high.",
            "For JPEG the row of MCUs the data ends in is left out and, with vertically subsampled chroma, the row of "
            "MCUs above it and one pixel row more, whose colour the decoder smooths with the missing rows.",
        ],
    )


MAX_SHEET_PICTURES = 12
MAX_LISTED_PICTURES = 30


def _pictures_finding(media: Media) -> list[Finding]:
    """Every further picture the file holds (animation frames, MPO images), listed and compared with the first."""
    if media.pixels is None or not media.data:
        return []
    others = secondary_pictures(media.data, media.file_type.format, media.frame_count or 1, media.max_pixels)
    if not others:
        return []
    animated = others[0].kind == "animation frame"
    measurements, tiles = [], [("1: primary", upright(reduce(media.pixels, REDUCED_SIDE_PX), media.orientation))]
    correlations = []
    for picture in others:
        size = f"{picture.width} x {picture.height} pixels" if picture.width else "size unknown"
        shown = f"{picture.duration_ms:.0f} ms, " if picture.duration_ms else ""
        if picture.reduced is None:
            value, note = None, f"{size}; {picture.problem}"
        else:
            value = round(compare_thumbnail(media.pixels, picture.reduced).correlation_untransformed, 3)
            correlations.append(value)
            note = f"{shown}{size}; correlation of luminance with picture 1 (1 = the same picture)"
            if len(tiles) < MAX_SHEET_PICTURES:
                tiles.append((f"{picture.number}: r = {value:.2f}", upright(picture.reduced, media.orientation)))
        if len(measurements) < MAX_LISTED_PICTURES:
            measurements.append(Measurement(f"picture {picture.number} ({picture.kind})", value, note=note))
    held = 1 + len(others)
    what = (f"an animation of {media.frame_count} frames" if animated else
            f"{held} pictures declared by its Multi-Picture (MPO) index")
    listed = f" (the first {held} are listed)" if animated and held < (media.frame_count or 0) else ""
    summary = [Measurement("pictures in the file", media.frame_count if animated else held),
               Measurement("lowest correlation with picture 1", min(correlations) if correlations else None)]
    return [Finding(
        key="file_identity.pictures", proposition=Proposition.PROCESSING, title="Further pictures in the file",
        explanation=(f"The file holds {what}{listed}. The picture analyses examine the first picture only; each further "
                     "picture is listed here with its size and how closely it resembles the first. "
                     + ("Frames of an animation differ by design; a frame that shows another scene altogether was "
                        "joined to the animation." if animated else
                        "A stereo or multi-angle view differs from the primary picture a little (parallax); a large "
                        "preview should show the same picture (it is compared in the metadata analysis too); a view "
                        "that shows another scene was not taken with the primary picture.")
                     + " This is an observation about the file, not support for either proposition."),
        strength=Strength.NONE, score=0.0,
        method="Every further picture decoded (Pillow for animation frames, composited as a viewer shows them; OpenCV "
               "for MPO images at the offsets the index gives), reduced, and compared with the first picture by the "
               "Pearson correlation of luminance at the smaller size",
        reference="CIPA DC-007-2009 (Multi-Picture Format); GIF89a; WebP container specification (ANIM/ANMF); APNG "
                  "(PNG 3rd edition, acTL/fcTL)",
        measurements=summary + measurements,
        figures=[photo_figure("Pictures in the file", "The first picture and the further pictures the file holds, "
                              f"reduced (at most {MAX_SHEET_PICTURES}), each with its number and its correlation of "
                              "luminance with the first, shown upright as the file's orientation says.",
                              contact_sheet(tiles, columns=min(4, len(tiles))))],
        limitations=["Only the first picture is analysed for manipulation; extract the others to examine them.",
                     "The correlation compares whole pictures at low resolution: a small change does not show in it."],
    )]


def _video_incomplete(media: Media) -> Finding:
    return Finding(
        key="file_identity.video_incomplete", proposition=Proposition.PROCESSING, title="The video is cut short or damaged",
        explanation=(f"{media.damage[0].upper()}{media.damage[1:]}. A transfer cut short, a recording interrupted (a "
                     "phone switched off, a full card), a file carved from a disk or deliberate damage leave files like "
                     "this. Frames are decoded up to the last one the data allows. " + AS_RECEIVED),
        strength=Strength.NONE, score=0.0,
        method="The container's structure (ISO/IEC 14496-12 top-level box sizes and the 'moov' index; the AVI RIFF "
               "chunk size) compared with the file's length; the video packets whole in the file counted by demuxing",
        reference="ISO/IEC 14496-12 sections 4.2 and 8.2 (box structure, movie box); Microsoft AVI RIFF file reference",
        measurements=[Measurement("what shows it", media.damage)],
        limitations=["Other containers (MPEG transport and program streams) carry no overall length: a cut there shows "
                     "only as fewer frames than declared, if the container declares a count at all."],
    )


def _undecodable(media: Media) -> Finding:
    noun = "video" if media.kind == "video" else "picture"
    what = "Not one frame of the video could be decoded, so no analysis of its frames was made" if noun == "video" \
        else "Not one row of the picture could be decoded, so no analysis of its pixels was made"
    return Finding(
        key="file_identity.undecodable", proposition=Proposition.PROCESSING, title=f"The {noun} could not be decoded",
        explanation=(
            f"{media.undecoded}. {what} "
            "and nothing is said about what it shows. The file's metadata and structure were examined. A transfer cut "
            "short, a file carved from a disk, a damaged card, a format variant the decoder does not support, or "
            "deliberate damage leave files like this. " + AS_RECEIVED),
        strength=Strength.NONE, score=0.0,
        method="Decoding with the format's decoder (Pillow: libjpeg, zlib, libtiff, libwebp, libheif; LibRaw; FFmpeg "
               "for video), with its recovery from missing data",
        reference="ITU-T T.81 (JPEG); ISO/IEC 15948 (PNG); TIFF 6.0; ISO/IEC 23008-12 (HEIF); ISO/IEC 14496-12 (MP4)",
        measurements=[Measurement("decoder's reason", media.undecoded)],
        limitations=["Another decoder, or a specialist recovery tool, may recover pixels that this one could not."],
    )


def _heif_measurements(data: bytes) -> list[Measurement]:
    structure = heif_structure(data)
    if structure is None:
        return [Measurement("HEIF item structure", None, note="not read: pillow-heif is missing or cannot parse the file")]
    return [
        Measurement("HEIF top-level images", structure.images, note=f"primary: image {structure.primary_index + 1}"),
        Measurement("primary image size", list(structure.primary_size), "pixels (width, height)"),
        Measurement("primary image bit depth and chroma", f"{structure.bit_depth} bits, {structure.chroma}"),
        Measurement("thumbnails of the primary image", structure.thumbnails or ["none"], "pixels (larger side)"),
        Measurement("depth images", structure.depth_images),
        Measurement("auxiliary images", structure.auxiliary or ["none"], note="alpha, HDR gain maps and the like"),
        *_hevc_measurements(data),
    ]


_HEVC_PROFILES = {1: "Main", 2: "Main 10", 3: "Main Still Picture", 4: "Format range extensions"}
_CHROMA = {0: "4:0:0", 1: "4:2:0", 2: "4:2:2", 3: "4:4:4"}


def _hevc_measurements(data: bytes) -> list[Measurement]:
    """The HEVC coding of the file's most used configuration (the primary picture's tiles): an encoder's
    settings, as JPEG quantisation tables are."""
    configurations = heif_hevc_configurations(data)
    if not configurations:
        return []
    coding, items = configurations[0]
    measurements = [Measurement("HEVC coding of the main images",
                                f"{_HEVC_PROFILES.get(coding.profile_idc, f'profile {coding.profile_idc}')} profile, "
                                f"level {coding.level_idc / 30:g}, {_CHROMA[coding.chroma_format_idc]}, "
                                f"{coding.bit_depth_luma} bits", note=f"used by {items} coded images of the file (each tile of a grid picture counts "
                                f"one; {len(configurations)} distinct configurations in the file)")]
    if coding.pictures:
        pps = coding.pictures[0]
        measurements.append(Measurement(
            "HEVC picture parameters: initial QP, adaptive QP, chroma QP offsets",
            [pps.init_qp, pps.cu_qp_delta_enabled, pps.cb_qp_offset, pps.cr_qp_offset],
            note="the encoder's quantisation settings (H.265 section 7.4.3.3): they describe the encoder, as JPEG "
                 "quantisation tables do; each slice may add its own QP delta"))
    return measurements


def _pixel_hash(media: Media) -> Measurement:
    name = "pixel data SHA-256"
    if media.pixels is None:
        return Measurement(name, None, note="not computed: the pixels could not be decoded")
    if media.partial:
        return Measurement(name, None, note="not computed: the file is cut short or damaged, so its pixels are not all known")
    if media.pixel_scale != 1:
        return Measurement(name, None, note=f"not computed: the picture was decoded at 1/{media.pixel_scale} size for a "
                                           "triage; a full analysis computes it")
    if (media.frame_count or 1) > 1:
        return Measurement(name, None, note=f"not computed: the file holds {media.frame_count} frames, and the canonical "
                                           "form covers single pictures")
    if media.mode not in PIXEL_HASH_MODELS or (media.bit_depth or 8) > 8:
        return Measurement(name, None, note=f"not computed: the canonical form covers at most 8 bits per sample without "
                                           f"alpha, not {media.mode} at {media.bit_depth} bits per sample")
    return Measurement(name, pixel_sha256(media.pixels),
                       note="of the decoded pixels as stored (orientation not applied), 8-bit RGB, in the canonical form "
                            "the README defines: equal for the same picture in any lossless format or with other metadata")
