"""Camera raw files (DNG, CR2/CR3, NEF, ARW, RAF, RW2, ORF ...) through LibRaw (rawpy).

A raw file holds the sensor's data before demosaicing, with metadata and, from almost every camera, a JPEG
preview the camera rendered at capture. The analysers receive LibRaw's rendering of the sensor data (AHD
demosaicing, the camera's white balance, sRGB, 8 bits, the file's stored orientation) as the picture, and the
preview apart, so the preview can be compared with the data it was rendered from.

rawpy is MIT-licensed; the LibRaw it bundles is LGPL 2.1 or CDDL 1.0 (at the user's choice).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from forensics.errors import describe_error
from forensics.media.jpeg_coefficients import native_stderr_captured

# Lossless raw data takes 10-14 bits per photosite, lossy raw formats fewer (a JPEG-compressed 2048 x 1365 linear
# DNG of the corpus takes 0.47): a file holding under 0.1 bit per photosite no longer holds its sensor data (the
# corpus's ExifTool test files, whose data was stripped, hold 0.01), and LibRaw renders such a file from zeros or
# from whatever follows, without an error.
MIN_BITS_PER_PHOTOSITE = 0.1
# LibRaw's "flip" -> EXIF orientation of the stored sensor data (LibRaw's values 0, 3, 5, 6).
_FLIP_TO_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}


class NotRaw(Exception):
    """LibRaw does not recognise the data as a camera raw file."""


class RawTooLarge(Exception):
    """The sensor data declares more pixels than the limit: "width x height" as declared."""


class RawUndecodable(Exception):
    """A camera raw file whose sensor data cannot be rendered (with the reason); ``width`` and ``height`` when known."""

    def __init__(self, reason: str, width: int | None = None, height: int | None = None, preview: bytes | None = None):
        super().__init__(reason)
        self.width, self.height, self.preview = width, height, preview


@dataclass(frozen=True)
class RawPicture:
    pixels: np.ndarray | None  # (height, width, 3) uint8, LibRaw's rendering in the stored orientation
    width: int
    height: int
    orientation: int | None  # EXIF-style, from LibRaw's flip
    bits: int | None  # bits per sample of the sensor data (from its white level)
    colours: str  # the colour filter's colours, e.g. "RGBG"; "" for linear (already demosaiced) DNG
    preview: bytes | None  # the largest JPEG preview the file holds, as LibRaw extracts it (an EXIF segment added)
    notes: tuple[str, ...]  # what LibRaw said about the file


def open_raw(data: bytes):
    """Open ``data`` with LibRaw: the open handle (a context manager). Raises NotRaw for anything LibRaw does not
    identify as a camera raw file, RawUndecodable for one whose header it cannot parse."""
    import rawpy

    try:
        with native_stderr_captured():
            return rawpy.imread(io.BytesIO(data))
    except rawpy.LibRawFileUnsupportedError:
        raise NotRaw() from None
    except (rawpy.LibRawError, ValueError) as error:
        raise RawUndecodable(f"LibRaw cannot read the file ({_describe(error)})") from None


def render_raw(raw, data_size: int, max_pixels: int) -> RawPicture:
    """Render an opened raw file (from ``open_raw``) whose file is ``data_size`` bytes, refusing sensor data
    over ``max_pixels`` (RawTooLarge, checked before anything is decoded)."""
    import rawpy

    sizes = raw.sizes
    width, height = int(sizes.width), int(sizes.height)
    if width * height > max_pixels:
        raise RawTooLarge(f"{width} x {height}")
    preview = _preview(raw)
    photosites = max(1, int(sizes.raw_width) * int(sizes.raw_height))
    if 8 * data_size / photosites < MIN_BITS_PER_PHOTOSITE:
        raise RawUndecodable(f"the file is {data_size} bytes, too small to hold the sensor data of {photosites} "
                             f"photosites (under {MIN_BITS_PER_PHOTOSITE:g} bit each): the raw data is missing",
                             width, height, preview)
    try:
        with native_stderr_captured() as said:
            pixels = raw.postprocess(user_flip=0, use_camera_wb=True, output_bps=8, output_color=rawpy.ColorSpace.sRGB)
        notes = [f"LibRaw: {line}" for line in said if line.strip()]
    except rawpy.LibRawIOError:
        raise RawUndecodable("the sensor data ends before its last row (the file is cut short)", width, height,
                             preview) from None
    except (rawpy.LibRawError, ValueError, MemoryError) as error:
        raise RawUndecodable(f"LibRaw cannot render the sensor data ({_describe(error)})", width, height, preview) from None
    if pixels.ndim == 2:
        pixels = pixels[..., None]
    if pixels.shape[2] < 3:  # a monochrome sensor renders one channel (and a damaged header can claim one)
        pixels = np.repeat(pixels[..., :1], 3, axis=2)
    pixels = pixels[..., :3]
    if pixels.size and (pixels == pixels.flat[0]).all():
        raise RawUndecodable("the sensor data renders as one uniform colour: it is missing or empty", width, height,
                             preview)
    white = int(getattr(raw, "white_level", 0) or 0)
    colours = raw.color_desc.decode("ascii", "replace") if raw.raw_pattern is not None else ""
    pixels = np.ascontiguousarray(pixels)
    return RawPicture(pixels, pixels.shape[1], pixels.shape[0], _FLIP_TO_ORIENTATION.get(int(sizes.flip)),
                      white.bit_length() or None, colours, preview, tuple(notes))


def _preview(raw) -> bytes | None:
    import rawpy

    try:
        with native_stderr_captured():
            thumbnail = raw.extract_thumb()
    except (rawpy.LibRawError, ValueError):
        return None
    if thumbnail.format != rawpy.ThumbFormat.JPEG or not bytes(thumbnail.data[:3]) == b"\xff\xd8\xff":
        return None
    return bytes(thumbnail.data)


def _describe(error: BaseException) -> str:
    # LibRaw's messages arrive as the text of a bytes literal.
    return describe_error(error).strip("b'\"") or type(error).__name__
