"""Decode an evidence object once, safely, into the ``Media`` every analyser receives.

Images are decoded with Pillow after their declared dimensions are checked against ``Limits`` (so a
decompression bomb is refused before any pixel is allocated); videos are opened with OpenCV's FFmpeg
backend and only probed here (analysers seek and sample frames themselves). Decoded pixels are made
read-only: an analyser that tried to modify the shared image would raise instead of corrupting the
input of the analysers after it.
"""

from __future__ import annotations

import io
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from PIL import Image, ImageFile, JpegImagePlugin

from forensics.errors import BadInputError, describe_error
from forensics.media.heif import heif_decoder_registered
from forensics.media.jpeg_coefficients import CoefficientsUnavailable, JpegCoefficients, read_coefficients
from forensics.media.orientation import upright
from forensics.media.raw import NotRaw, RawTooLarge, RawUndecodable, open_raw, render_raw
from forensics.media.sniff import RAW, FileType, sniff
from forensics.media.video import container_damage, packets_present

# Pillow's own bomb check is replaced by ours (configurable, with a clear message).
Image.MAX_IMAGE_PIXELS = None


@dataclass(frozen=True)
class Limits:
    """Resource limits for untrusted inputs; all configurable from the command line."""

    # Declared width x height of one image or video frame. 120 MP covers medium-format cameras (100 MP) and
    # keeps a decoded RGB copy under 400 MB, so the whole analysis stays within 2 GB.
    max_megapixels: float = 120.0
    max_image_bytes: int = 512 * 1024 * 1024  # images are read into memory whole
    max_frames: int = 50_000_000  # a container may claim absurd frame counts; beyond this it is refused

    @property
    def max_pixels(self) -> int:
        return int(self.max_megapixels * 1_000_000)


@dataclass(frozen=True)
class Media:
    """A decoded evidence file. ``pixels`` are stored orientation, RGB, uint8, read-only (None for video)."""

    path: str
    file_type: FileType
    size_bytes: int
    width: int | None
    height: int | None
    mode: str | None  # colour model as stored: "RGB", "greyscale", "palette", "CMYK" ...
    channels: int | None
    bit_depth: int | None  # bits per sample as stored in the file
    frame_count: int | None
    duration_s: float | None
    fps: float | None = None
    codec: str | None = None
    orientation: int | None = None  # EXIF orientation tag (1-8) when present
    # A video's display rotation, degrees clockwise, from its track's display matrix; width and height are then
    # those displayed (the frames are stored turned back by this much) and every sampled frame is turned upright.
    display_rotation: int | None = None
    pixels: np.ndarray | None = None
    data: bytes | None = None  # the raw file bytes of an image (for analysers that parse the container)
    warnings: tuple[str, ...] = field(default_factory=tuple)
    # Set when the file is cut short or damaged and only part of it could be decoded: how many stored rows
    # ``pixels`` holds (they are the picture's first rows; ``height`` stays the declared height). Equal to
    # ``height`` when every row was decoded from incomplete data (a progressive JPEG's early scans).
    decoded_rows: int | None = None
    # Set when the picture's pixels could not be decoded at all: why. The file is still examined whole by the
    # analysers that read its bytes (metadata, structure); the pixel analysers are not applicable.
    undecoded: str | None = None
    # A camera raw file's largest JPEG preview, as LibRaw extracts it (``pixels`` are then its rendering of the sensor data).
    raw_preview: bytes | None = None
    # A video whose container shows it is cut short or lacks its index: what shows it and how much remains.
    damage: str | None = None
    # Set by a quick decode (a triage): ``pixels`` are 1/pixel_scale of the stored size each way (libjpeg's DCT
    # scaling); ``width`` and ``height`` stay the stored size.
    pixel_scale: int = 1
    # The size limit the file was loaded under: analysers that decode further pictures in it (MPO images) keep to it.
    max_pixels: int = Limits().max_pixels

    @property
    def partial(self) -> bool:
        return self.decoded_rows is not None

    @property
    def decoding_note(self) -> str | None:
        """One line saying what of the picture could not be decoded (None when it was decoded whole)."""
        if self.undecoded:
            return undecoded_note(self.undecoded, self.kind)
        if self.damage:
            return self.damage
        return partial_note(self.decoded_rows, self.height) if self.partial else None

    @property
    def kind(self) -> str:
        return self.file_type.kind

    @cached_property
    def upright_pixels(self) -> np.ndarray | None:
        """``pixels`` turned as the EXIF orientation says, computed once: analysers that find faces share it (and
        the face model's detections, which are remembered for the last image object)."""
        return None if self.pixels is None else upright(self.pixels, self.orientation)

    @cached_property
    def jpeg_coefficients(self) -> JpegCoefficients:
        """The stored DCT coefficients of a JPEG, read once and shared by the analysers that need them.

        Raises CoefficientsUnavailable (not cached) for other formats, for files libjpeg refuses, and for damaged
        files whose every row was decoded from incomplete data (their coefficients are partly missing throughout).
        Of a file cut short, only the blocks of the decoded rows are kept: libjpeg fills the rest with zeros."""
        if self.file_type.format != "JPEG" or self.pixels is None:
            raise CoefficientsUnavailable("not a decoded JPEG image")
        if self.pixel_scale != 1:
            raise CoefficientsUnavailable("the picture was decoded at reduced size (a triage)")
        if self.partial and self.decoded_rows >= (self.height or 0):
            raise CoefficientsUnavailable("the file is damaged and its coefficients are incomplete throughout")
        coefficients = read_coefficients(self.path, self.pixels.shape[:2])
        if self.partial:
            coefficients = replace(coefficients, luma_blocks=coefficients.luma_blocks[: self.pixels.shape[0] // 8])
        return coefficients


class PixelsUndecodable(BadInputError):
    """A picture whose pixels cannot be decoded at all (not one row). ``media`` holds what can still be examined,
    the file's bytes, for the analysers that read metadata and structure; callers that need pixels treat this as
    any other bad input."""

    def __init__(self, path: str, reason: str, media: Media):
        super().__init__(path, reason)
        self.media = media


QUICK_SCALE = 8  # a quick decode reduces a JPEG by up to this much each way (libjpeg scales by 1/2, 1/4, 1/8) ...
QUICK_MIN_SIDE_PX = 400  # ... keeping its longer side at least this long


def load_media(path: str | Path, limits: Limits = Limits(), quick: bool = False) -> Media:
    """Decode the file at ``path``; raise BadInputError with a one-line reason when it cannot be decoded
    (PixelsUndecodable, carrying the undecoded ``Media``, for a picture whose pixel data alone is unusable).
    ``quick``: decode a JPEG at up to 1/QUICK_SCALE of its size each way, for a triage's metadata and structure
    analyses (about 8 times faster on a camera photo; the pixel analyses need the full decode)."""
    path = str(path)
    with open(path, "rb") as handle:
        head = handle.read(1024)
    file_type = sniff(head)
    if file_type is None:
        raise BadInputError(path, "not a supported image or video format")
    if file_type.kind == "video":
        return _load_video(path, file_type, limits)
    return _load_image(path, file_type, limits, quick)


_PIL_MODES = {
    "1": ("bilevel", 1, 1), "L": ("greyscale", 1, 8), "LA": ("greyscale + alpha", 2, 8),
    "P": ("palette", 1, 8), "PA": ("palette + alpha", 2, 8), "RGB": ("RGB", 3, 8), "RGBA": ("RGBA", 4, 8),
    "RGBX": ("RGB", 4, 8), "CMYK": ("CMYK", 4, 8), "YCbCr": ("YCbCr", 3, 8), "LAB": ("CIELAB", 3, 8),
    "I": ("greyscale", 1, 32), "I;16": ("greyscale", 1, 16), "I;16B": ("greyscale", 1, 16),
    "I;16L": ("greyscale", 1, 16), "F": ("greyscale (float)", 1, 32),
}


def _load_image(path: str, file_type: FileType, limits: Limits, quick: bool = False) -> Media:
    size = Path(path).stat().st_size
    if size > limits.max_image_bytes:
        raise BadInputError(path, f"image file is {size / 2**20:.0f} MiB, over the {limits.max_image_bytes / 2**20:.0f} MiB limit (--max-image-mib)")
    data = Path(path).read_bytes()
    notes: list[str] = []
    if file_type.format in ("RAW", "TIFF"):  # LibRaw recognises the TIFF-based raw formats without a signature
        raw = _load_raw(path, file_type, size, data, limits)
        if raw is not None:
            return raw
    if file_type.format == "HEIF" and not (heif_decoder_registered() and _pillow_can_open(data)):
        return _undecoded(path, file_type, size, data, "HEIF file: no HEIF decoder installed here can open it")
    width = height = None
    try:
        with warnings.catch_warnings(), strict_pillow():
            warnings.simplefilter("ignore")
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > limits.max_pixels:
                raise BadInputError(
                    path,
                    f"declared size {width} x {height} pixels ({width * height / 1e6:.0f} MP) exceeds the "
                    f"{limits.max_megapixels:g} MP limit (--max-megapixels); refused as a possible decompression bomb",
                )
            frame_count = getattr(image, "n_frames", 1)
            try:
                duration_ms = _animation_duration_ms(image, frame_count)
            except Exception as error:
                if file_type.format != "JPEG":
                    raise
                # A Multi-Picture index naming images the file no longer holds (software that rewrote a camera
                # JPEG kept the index and dropped its previews): the primary picture is still whole.
                notes.append(f"the file's Multi-Picture index lists {frame_count} images, but the file does not hold "
                             f"them all ({describe_error(error)}): the primary picture alone was decoded")
                image = JpegImagePlugin.JpegImageFile(io.BytesIO(data))
                frame_count, duration_ms = 1, 0.0
            orientation = _exif_orientation(image, notes)
            mode_name, channels, bit_depth = _PIL_MODES.get(image.mode, (image.mode, len(image.getbands()), 8))
            bit_depth = _stored_bit_depth(file_type, data, image) or bit_depth
            image.seek(0)
            decoded_rows, pixel_scale = None, 1
            if quick and file_type.format == "JPEG" and frame_count == 1:
                # Reduced, but never below QUICK_MIN_SIDE_PX: the thumbnail and preview comparisons need detail.
                share = max(1 / QUICK_SCALE, min(1.0, QUICK_MIN_SIDE_PX / max(width, height, 1)))
                image.draft(image.mode, (max(1, round(width * share)), max(1, round(height * share))))
                pixel_scale = round(width / image.size[0])
            try:
                image.load()
            except Exception as error:
                if frame_count > 1:
                    raise
                image, decoded_rows = _salvage(data, file_type, error)  # at full size: rows are counted in it
                pixel_scale = 1
                notes.append(partial_note(decoded_rows, height))
            pixels = np.asarray(image.convert("RGB") if image.mode != "RGB" else image)[:decoded_rows]
    except BadInputError:
        raise
    except Exception as error:  # Pillow's plugins raise many types (TypeError, KeyError ...) on hostile files
        reason = f"{file_type.format} image data cannot be decoded ({describe_error(error)})"
        media = _undecoded(path, file_type, size, data, reason, width, height)
        if file_type.format == "HEIF":
            return media
        raise PixelsUndecodable(path, reason, media) from error
    pixels = np.ascontiguousarray(pixels)
    pixels.setflags(write=False)
    return Media(
        path=path, file_type=file_type, size_bytes=size, width=width, height=height, mode=mode_name,
        channels=channels, bit_depth=bit_depth, frame_count=frame_count,
        duration_s=duration_ms / 1000 if duration_ms else None, orientation=orientation,
        pixels=pixels, data=data, warnings=tuple(notes), decoded_rows=decoded_rows, max_pixels=limits.max_pixels,
        pixel_scale=pixel_scale,
    )


def _load_raw(path: str, file_type: FileType, size: int, data: bytes, limits: Limits) -> Media | None:
    """A camera raw file rendered by LibRaw, or None when LibRaw does not take a TIFF for one."""
    try:
        with open_raw(data) as raw:
            picture = render_raw(raw, size, limits.max_pixels)
    except NotRaw:
        if file_type.format == "TIFF":
            return None
        reason = "RAW sensor data cannot be decoded (LibRaw does not support this variant)"
        raise PixelsUndecodable(path, reason, _undecoded(path, file_type, size, data, reason)) from None
    except RawUndecodable as error:
        reason = f"RAW sensor data cannot be decoded: {error}"
        media = replace(_undecoded(path, RAW, size, data, reason, error.width, error.height), raw_preview=error.preview)
        raise PixelsUndecodable(path, reason, media) from None
    except RawTooLarge as error:
        raise BadInputError(path, f"declared sensor size {error} exceeds the {limits.max_megapixels:g} MP limit "
                                  "(--max-megapixels); refused as a possible decompression bomb") from None
    pixels = picture.pixels
    pixels.setflags(write=False)
    filter_colours = f"colour filter {picture.colours}" if picture.colours else "linear (demosaiced in the camera)"
    return Media(
        path=path, file_type=RAW, size_bytes=size, width=picture.width, height=picture.height,
        mode=f"camera raw, {filter_colours}", channels=3, bit_depth=picture.bits, frame_count=1, duration_s=None,
        orientation=picture.orientation, pixels=pixels, data=data, raw_preview=picture.preview,
        warnings=(RAW_RENDERING_NOTE, *picture.notes), max_pixels=limits.max_pixels,
    )


RAW_RENDERING_NOTE = ("camera raw file: the picture analysed is LibRaw's rendering of the sensor data (AHD demosaicing, "
                      "the camera's white balance, sRGB, 8 bits per sample), not a picture stored in the file")


def _undecoded(path: str, file_type: FileType, size: int, data: bytes, reason: str, width: int | None = None,
               height: int | None = None) -> Media:
    """A picture whose pixels cannot be decoded is still evidence: it is taken in and identified, its metadata and
    structure are read, and the pixel analysers report themselves not applicable."""
    return Media(path=path, file_type=file_type, size_bytes=size, width=width, height=height, mode=None,
                 channels=None, bit_depth=None, frame_count=None, duration_s=None, data=data,
                 warnings=(undecoded_note(reason, file_type.kind),), undecoded=reason)


def undecoded_note(reason: str, kind: str = "image") -> str:
    """The one line that says a picture's pixels (or a video's frames) could not be decoded and what was examined."""
    if kind == "video":
        return (f"{reason}: no frame was decoded; its container and metadata were examined, the analyses of frames "
                "were not applicable")
    return (f"{reason}: its pixels were not decoded; its metadata and file structure were examined, the analyses "
            "of pixels were not applicable")


def partial_note(decoded_rows: int, height: int) -> str:
    """The one line that says how much of a damaged picture was decoded (media warnings, findings, the CLI)."""
    if decoded_rows >= height:
        return ("the file is cut short or damaged, but every row was decoded from the data present (a progressive or "
                "interlaced picture's early passes, or damage after the last row): details may be missing throughout")
    return (f"the file is cut short or damaged: only its first {decoded_rows} of {height} rows "
            f"({100 * decoded_rows / height:.0f} %) could be decoded; the pictures and measurements cover those rows only")


def _salvage(data: bytes, file_type: FileType, error: Exception) -> tuple[Image.Image, int]:
    """Decode what a cut-short or damaged picture holds: (the image, how many of its first rows are real).

    Pillow, told to load truncated images, fills what it could not decode with one colour (grey for JPEG, black
    for PNG) to the last row; those trailing rows are dropped, and so is a last row (of MCUs, for a JPEG) that
    the data ended inside. Raises the original error when not one row can be recovered."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception:
        raise error from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
    height = image.size[1]
    rows = rows_before_fill(np.asarray(image))  # in the stored mode: no converted copy of a large picture
    if file_type.format == "JPEG" and not image.info.get("progressive") and rows > 0:
        # The data ends inside a row of MCUs (8 or 16 pixels high): libjpeg decodes that row's last MCUs from
        # what is left, or from nothing (flat blocks of the last DC value), then the decoder fills the rows below.
        # That row is dropped. With vertically subsampled chroma, libjpeg upsamples each MCU row's colour with the
        # next one's (it outputs one MCU row behind), so the MCU row above goes too, and the pixel row above that,
        # whose colour is smoothed with it (measured: what is kept equals the complete file's decoding).
        vertical_sampling = max((layer[2] for layer in getattr(image, "layer", [])), default=1)
        mcu_height = 8 * vertical_sampling
        last_row_start = (rows - 1) // mcu_height * mcu_height  # of the MCU row that holds the last row kept
        rows = max(0, last_row_start - (mcu_height + 1 if vertical_sampling > 1 else 0))
    elif rows < height:
        rows -= 1  # the data may end inside the last row kept
    if rows <= 0:
        raise error
    return image, rows


def rows_before_fill(pixels: np.ndarray, chunk_rows: int = 256) -> int:
    """How many rows come before the trailing run of rows that are all one colour, the colour of the last
    pixel (all of them when the last row is not uniform). Scanned from the bottom a chunk of rows at a time, so
    that a 100-megapixel picture needs no full-size comparison array."""
    fill = pixels[-1, 0]
    end = pixels.shape[0]
    while end > 0:
        start = max(0, end - chunk_rows)
        uniform = (pixels[start:end] == fill).reshape(end - start, -1).all(axis=1)
        if not uniform.all():
            return start + int(np.nonzero(~uniform)[0][-1]) + 1
        end = start
    return 0


def _load_video(path: str, file_type: FileType, limits: Limits) -> Media:
    damage = container_damage(path)
    size = Path(path).stat().st_size

    def undecodable(reason: str) -> PixelsUndecodable:
        reason = f"{reason}: {damage}" if damage else reason
        return PixelsUndecodable(path, reason, _undecoded(path, file_type, size, b"", reason))

    capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    try:
        if not capture.isOpened():
            raise undecodable(f"{file_type.format} container cannot be opened by the video decoder")
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(capture.get(cv2.CAP_PROP_FPS)) or None
        declared_frames = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        rotation = int(round(capture.get(cv2.CAP_PROP_ORIENTATION_META))) % 360  # OpenCV turns width/height with it
        fourcc = int(capture.get(cv2.CAP_PROP_FOURCC))
        if width * height > limits.max_pixels:
            raise BadInputError(path, f"declared frame size {width} x {height} exceeds the {limits.max_megapixels:g} MP limit (--max-megapixels)")
        if declared_frames > limits.max_frames:
            raise BadInputError(path, f"declares {declared_frames} frames, over the limit of {limits.max_frames}")
        ok, _ = capture.read()
        if not ok:
            raise undecodable(f"{file_type.format} file has no decodable video frame")
    finally:
        capture.release()
    frames = declared_frames if declared_frames > 0 else None
    duration = frames / fps if frames and fps else None
    codec = "".join(chr((fourcc >> (8 * i)) & 0xFF) for i in range(4)).strip("\x00 ") or None
    if damage:
        present = packets_present(path, limits.max_frames)
        damage = (f"the file is cut short or damaged: {damage}; {present} of the {frames or 'unknown number of'} "
                  "frames it declares are whole in the file (as coded packets), and the analyses cover the frames "
                  "decoded from them")
    return Media(
        path=path, file_type=file_type, size_bytes=size, width=width, height=height,
        mode="YUV video", channels=3, bit_depth=8, frame_count=frames, duration_s=duration, fps=fps, codec=codec,
        display_rotation=rotation, warnings=("frame count and duration are those the container declares",),
        damage=damage, max_pixels=limits.max_pixels,
    )


@contextmanager
def strict_pillow() -> Iterator[None]:
    """Refuse truncated data while decoding. WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES to True when
    imported, which would silently grey-fill a truncated evidence file (and relax chunk checks at open)."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _pillow_can_open(data: bytes) -> bool:
    try:
        Image.open(io.BytesIO(data))
    except Exception:
        return False
    return True


def _animation_duration_ms(image: Image.Image, frame_count: int) -> float:
    if frame_count <= 1:
        return 0.0
    total = 0.0
    for index in range(frame_count):
        image.seek(index)
        total += float(image.info.get("duration", 0) or 0)
    image.seek(0)
    return total


def _exif_orientation(image: Image.Image, notes: list[str]) -> int | None:
    try:
        value = image.getexif().get(0x0112)
    except Exception as error:  # malformed EXIF must not stop decoding; the metadata analyser reports it
        notes.append(f"EXIF block could not be parsed for orientation ({describe_error(error)})")
        return None
    return int(value) if isinstance(value, int) and 1 <= value <= 8 else None


def _stored_bit_depth(file_type: FileType, data: bytes, image: Image.Image) -> int | None:
    """Bits per sample as the file stores them (Pillow reduces 16-bit RGB PNGs to 8 bits when decoding)."""
    if file_type.format == "PNG" and data[12:16] == b"IHDR":
        return data[24]  # PNG IHDR: width(4) height(4) bit depth(1) ...
    if file_type.format == "TIFF":
        bits = getattr(image, "tag_v2", {}).get(258)
        if isinstance(bits, tuple) and bits:
            return int(bits[0])
        if isinstance(bits, int):
            return bits
    if file_type.format == "JPEG":
        return getattr(image, "bits", None)
    return None
