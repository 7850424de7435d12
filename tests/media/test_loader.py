"""Format sniffing and decoding, checked against what the encoders were told to write."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from forensics.errors import BadInputError
from forensics.media import Limits, PixelsUndecodable, load_media, sniff
from tests.helpers import CORPUS, textured_rgb


@pytest.mark.parametrize("suffix, save_kwargs, expected", [
    (".jpg", {"quality": 85}, "JPEG"),
    (".png", {}, "PNG"),
    (".tif", {}, "TIFF"),
    (".gif", {}, "GIF"),
    (".bmp", {}, "BMP"),
    (".webp", {"quality": 80}, "WebP"),
])
def test_sniff_identifies_images_written_by_pillow(tmp_path, suffix, save_kwargs, expected):
    path = tmp_path / f"x{suffix}"
    Image.fromarray(textured_rgb(40, 60)).save(path, **save_kwargs)
    assert sniff(path.read_bytes()[:1024]).format == expected


@pytest.mark.parametrize("head, expected", [
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "MP4"),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "QuickTime"),
    (b"\x00\x00\x00\x18ftyp3gp4\x00\x00\x00\x003gp4isom", "3GPP"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIF"),
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "HEIF"),
    (b"RIFF\x00\x00\x00\x00AVI LIST", "AVI"),
    ((b"\x47" + b"\x00" * 187) * 4, "MPEG-TS"),
    ((b"\x00\x00\x00\x00\x47" + b"\x00" * 187) * 4, "MPEG-TS"),
])
def test_sniff_identifies_containers_from_their_specified_signatures(head, expected):
    assert sniff(head).format == expected


@pytest.mark.parametrize("head", [b"", b"hello world", b"%PDF-1.7\n", b"PK\x03\x04", b"\xff\xd8"])
def test_sniff_returns_none_for_non_media(head):
    assert sniff(head) is None


def test_image_dimensions_and_pixels_match_opencv(tmp_path):
    path = tmp_path / "x.jpg"
    Image.fromarray(textured_rgb(123, 257)).save(path, quality=95)
    media = load_media(path)
    reference = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    assert (media.width, media.height) == (257, 123)
    assert media.pixels.shape == reference.shape
    # Pillow and OpenCV both use libjpeg(-turbo); their IDCT/upsampling may differ by a unit or two.
    assert np.abs(media.pixels.astype(int) - reference).max() <= 3
    assert (media.mode, media.channels, media.bit_depth, media.frame_count) == ("RGB", 3, 8, 1)


def test_sixteen_bit_png_reports_its_stored_bit_depth(tmp_path):
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), (textured_rgb(20, 30).astype(np.uint16) * 257))
    media = load_media(path)
    assert media.bit_depth == 16
    assert (media.width, media.height) == (30, 20)


def test_greyscale_and_palette_modes(tmp_path):
    grey = tmp_path / "grey.png"
    Image.fromarray(textured_rgb(20, 30)[..., 0]).save(grey)
    palette = tmp_path / "pal.gif"
    Image.fromarray(textured_rgb(20, 30)).convert("P").save(palette)
    assert (load_media(grey).mode, load_media(grey).channels) == ("greyscale", 1)
    assert load_media(palette).mode == "palette"
    assert load_media(grey).pixels.shape == (20, 30, 3)  # analysers always receive RGB


def test_animated_gif_frames_and_duration(tmp_path):
    path = tmp_path / "anim.gif"
    frames = [Image.fromarray(textured_rgb(20, 20, seed=i)) for i in range(4)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=150, loop=0)
    media = load_media(path)
    assert media.frame_count == 4
    assert media.duration_s == pytest.approx(0.6)


def test_pixels_are_read_only(jpeg_file):
    media = load_media(jpeg_file)
    with pytest.raises(ValueError):
        media.pixels[0, 0, 0] = 1


def test_video_frame_count_fps_and_duration_match_what_was_written(video_file):
    media = load_media(video_file)
    assert media.kind == "video"
    assert (media.width, media.height) == (160, 120)
    assert media.frame_count == 25
    assert media.fps == pytest.approx(12.5)
    assert media.duration_s == pytest.approx(2.0)
    assert media.codec == "MJPG"
    assert media.pixels is None


def test_a_jpeg_cut_before_its_first_row_has_no_pixels_but_is_still_examinable(tmp_path, jpeg_file):
    path = tmp_path / "cut.jpg"
    data = jpeg_file.read_bytes()
    path.write_bytes(data[: data.index(b"\xff\xda") + 20])  # a few bytes into the scan: not one whole row of blocks
    with pytest.raises(PixelsUndecodable, match="cannot be decoded") as refused:
        load_media(path)
    assert isinstance(refused.value, BadInputError)  # callers that need pixels treat it as any bad input
    media = refused.value.media
    assert media.pixels is None and media.data == path.read_bytes() and media.undecoded.startswith("JPEG image data")
    assert (media.width, media.height) == Image.open(jpeg_file).size and "pixels were not decoded" in media.decoding_note


@pytest.mark.parametrize("subsampling", [0, 1, 2], ids=["4:4:4", "4:2:2", "4:2:0"])
@pytest.mark.parametrize("share", [0.3, 0.75, 0.999])
def test_a_cut_short_jpeg_keeps_exactly_the_rows_the_complete_file_decodes_to(tmp_path, subsampling, share):
    """The reference is the complete file's own decoding: every row kept must equal it, none may be invented."""
    complete = tmp_path / "complete.jpg"
    Image.fromarray(textured_rgb(475, 633)).save(complete, quality=90, subsampling=subsampling)
    data = complete.read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: int(len(data) * share)])
    media = load_media(tmp_path / "cut.jpg")
    assert media.partial and (media.width, media.height) == (633, 475)  # the declared size stays
    assert 0 < media.decoded_rows < 475 and media.pixels.shape == (media.decoded_rows, 633, 3)
    assert media.decoded_rows >= 475 * share - 2 * 16 - 1 - 475 * 0.05  # about as many rows as bytes, less the last
    np.testing.assert_array_equal(media.pixels, np.asarray(Image.open(complete))[: media.decoded_rows])
    assert media.warnings == (f"the file is cut short or damaged: only its first {media.decoded_rows} of 475 rows "
                              f"({100 * media.decoded_rows / 475:.0f} %) could be decoded; the pictures and measurements "
                              "cover those rows only",)
    coefficients = media.jpeg_coefficients  # only the blocks of the rows kept, equal to the complete file's
    import jpegio

    whole = jpegio.read(str(complete)).coef_arrays[0]
    kept = coefficients.luma_blocks.shape[0]
    assert kept == media.decoded_rows // 8
    np.testing.assert_array_equal(coefficients.luma_blocks.transpose(0, 2, 1, 3).reshape(kept * 8, -1),
                                  whole[: kept * 8, : coefficients.luma_blocks.shape[1] * 8])


@pytest.mark.parametrize("mode", ["RGB", "L", "P"])
def test_a_cut_short_png_keeps_exactly_the_rows_the_complete_file_decodes_to(tmp_path, mode):
    complete = tmp_path / "complete.png"
    Image.fromarray(textured_rgb(240, 320)).convert(mode).save(complete)
    data = complete.read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    media = load_media(tmp_path / "cut.png")
    assert media.partial and 0 < media.decoded_rows < 240
    np.testing.assert_array_equal(media.pixels, np.asarray(Image.open(complete).convert("RGB"))[: media.decoded_rows])


def test_a_cut_short_progressive_jpeg_decodes_every_row_and_withholds_its_coefficients(tmp_path):
    from forensics.media.jpeg_coefficients import CoefficientsUnavailable

    complete = tmp_path / "complete.jpg"
    Image.fromarray(textured_rgb(240, 320)).save(complete, quality=90, progressive=True)
    (tmp_path / "cut.jpg").write_bytes(complete.read_bytes()[: complete.stat().st_size // 2])
    media = load_media(tmp_path / "cut.jpg")
    assert media.partial and media.decoded_rows == 240 and media.pixels.shape == (240, 320, 3)
    assert "every row was decoded from the data present" in media.warnings[0]
    with pytest.raises(CoefficientsUnavailable, match="incomplete"):
        _ = media.jpeg_coefficients


def test_a_video_cut_before_its_first_frame_is_still_examinable_from_its_container(tmp_path, video_file):
    path = tmp_path / "cut.avi"
    path.write_bytes(video_file.read_bytes()[:300])
    with pytest.raises(PixelsUndecodable, match="RIFF chunk declares") as refused:
        load_media(path)
    assert refused.value.media.kind == "video" and "no frame was decoded" in refused.value.media.decoding_note


def faststart_clip(path, frames: int = 60):
    """An MP4 with its index ('moov') before the frames, as phones and web services write them for streaming."""
    import av

    with av.open(str(path), "w", options={"movflags": "faststart"}) as output:
        stream = output.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for index in range(frames):
            picture = av.VideoFrame.from_ndarray(np.roll(textured_rgb(120, 160, seed=1), 3 * index, axis=1), format="rgb24")
            for packet in stream.encode(picture):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return path


def test_a_video_cut_short_is_loaded_and_says_how_much_of_it_remains(tmp_path):
    complete = faststart_clip(tmp_path / "complete.mp4")
    assert load_media(complete).damage is None
    cut = tmp_path / "cut.mp4"
    data = complete.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    media = load_media(cut)
    assert media.frame_count == 60 and media.damage.startswith("the file is cut short or damaged: its 'mdat' box runs ")
    present = int(media.damage.split("; ")[1].split(" of ")[0])
    assert 0 < present < 60 and media.decoding_note == media.damage


def test_a_video_whose_index_was_never_written_is_examinable_from_its_container(tmp_path):
    from forensics.evaluation.video_clips import encode

    complete = encode((textured_rgb(120, 160, seed=i) for i in range(30)), tmp_path / "clip.mp4")  # index at the end
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(complete.read_bytes()[: complete.stat().st_size // 2])
    with pytest.raises(PixelsUndecodable, match="runs .* bytes past the end of the file") as refused:
        load_media(cut)
    assert refused.value.media.undecoded and refused.value.media.pixels is None


def png_declaring(width: int, height: int) -> bytes:
    """A tiny valid-looking PNG whose header declares a huge image (a decompression bomb's first step)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 10)) + chunk(b"IEND", b"")


def test_declared_dimensions_over_the_limit_are_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_declaring(100_000, 100_000))
    with pytest.raises(BadInputError, match="decompression bomb"):
        load_media(path)


def test_limit_is_configurable(tmp_path):
    path = tmp_path / "x.png"
    Image.fromarray(textured_rgb(1000, 1000)).save(path)
    with pytest.raises(BadInputError, match="exceeds the 0.5 MP limit"):
        load_media(path, Limits(max_megapixels=0.5))
    assert load_media(path, Limits(max_megapixels=1.0)).width == 1000


@pytest.mark.corpus
def test_corpus_camera_jpegs_decode_with_their_exif_dimensions():
    import exifread

    folder = CORPUS / "metadata" / "metadata-extractor" / "jpg"
    checked = 0
    for path in sorted(folder.glob("*.jpg"))[:15]:
        with open(path, "rb") as handle:
            tags = exifread.process_file(handle, details=False)
        width, height = tags.get("EXIF ExifImageWidth"), tags.get("EXIF ExifImageLength")
        try:
            media = load_media(path)
        except BadInputError:
            continue
        if width and height and int(str(width)) == media.width:
            assert int(str(height)) == media.height
            checked += 1
    assert checked >= 5


def test_truncated_jpeg_is_refused_even_after_weasyprint_relaxed_pillow(tmp_path, jpeg_file):
    from PIL import ImageFile

    import forensics.report.render  # noqa: F401 - importing WeasyPrint sets LOAD_TRUNCATED_IMAGES = True

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    path = tmp_path / "cut.jpg"
    path.write_bytes(jpeg_file.read_bytes()[:600])
    with pytest.raises(BadInputError, match="truncated"):
        load_media(path)


def test_any_decoder_exception_becomes_bad_input(tmp_path, monkeypatch):
    from PIL import Image as PilImage

    path = tmp_path / "x.png"
    PilImage.fromarray(textured_rgb(10, 10)).save(path)

    def explode(self):
        raise TypeError("Missing dimensions")  # what Pillow's TIFF plugin raises on some RAW files

    monkeypatch.setattr(PilImage.Image, "load", explode)
    with pytest.raises(BadInputError, match="Missing dimensions"):
        load_media(path)


def test_heic_pixels_and_item_structure_are_read(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    from forensics.analysers import AnalysisContext
    from forensics.analysers.file_identity import FileIdentity

    pillow_heif.register_heif_opener()
    source = textured_rgb(240, 320)
    Image.fromarray(source).save(tmp_path / "photo.heic", format="HEIF", quality=90, thumbnails=[96])
    media = load_media(tmp_path / "photo.heic")
    assert (media.file_type.format, media.width, media.height, media.pixels.shape) == ("HEIF", 320, 240, (240, 320, 3))
    assert np.abs(media.pixels.astype(int) - source).mean() < 4  # the picture encoded, through a lossy HEVC round trip
    identity = FileIdentity().analyse(media, AnalysisContext("E001", "photo.heic")).findings[0]
    values = {m.name: m.value for m in identity.measurements}
    assert values["HEIF top-level images"] == 1 and values["primary image size"] == [320, 240]
    # libheif's x265 writes a still picture, 8-bit 4:2:0, at its default initial QP of 26 (H.265 section 7.4.3.3).
    assert values["HEVC coding of the main images"].startswith("Main Still Picture profile") \
        and values["HEVC coding of the main images"].endswith("4:2:0, 8 bits")
    assert values["HEVC picture parameters: initial QP, adaptive QP, chroma QP offsets"][0] == 26
    assert values["thumbnails of the primary image"] == [96] and values["primary image bit depth and chroma"] == "8 bits, 4:2:0"


@pytest.mark.corpus
def test_every_heif_and_avif_file_of_the_corpus_is_decoded_or_said_to_be_undecodable():
    files = [p for p in sorted((CORPUS / "metadata").rglob("*")) if p.suffix.lower() in (".heic", ".heif", ".avif")]
    decoded = 0
    for path in files:
        media = load_media(path)  # never refused: a container without decodable pixels is still identified
        if media.pixels is None:
            assert media.warnings[0].startswith("HEIF") and "pixels were not decoded" in media.warnings[0], path
        else:
            assert media.pixels.shape[:2] == (media.height, media.width), path
            decoded += 1
    assert len(files) >= 30 and decoded >= len(files) - 5


def test_a_quick_decode_reduces_a_jpeg_for_triage_and_says_so(tmp_path):
    from forensics.analysers import AnalysisContext
    from forensics.analysers.file_identity import FileIdentity
    from forensics.media.jpeg_coefficients import CoefficientsUnavailable

    path = tmp_path / "large.jpg"
    Image.fromarray(textured_rgb(1500, 2000)).save(path, quality=90)
    full, quick = load_media(path), load_media(path, quick=True)
    # libjpeg scales by 1/2, 1/4 or 1/8; the longer side stays at least 400 pixels: 1/4 here.
    assert quick.pixel_scale == 4 and quick.pixels.shape == (375, 500, 3) and (quick.width, quick.height) == (2000, 1500)
    reduced = cv2.resize(full.pixels, (500, 375), interpolation=cv2.INTER_AREA).astype(int)
    assert np.abs(quick.pixels.astype(int) - reduced).mean() < 6  # the same picture, smaller
    with pytest.raises(CoefficientsUnavailable, match="reduced size"):
        _ = quick.jpeg_coefficients
    identity = FileIdentity().analyse(quick, AnalysisContext("E001", "large.jpg")).findings[0]
    notes = {m.name: m.note for m in identity.measurements}
    assert "decoded at 1/4 size for a triage" in notes["pixel data SHA-256"]
    small = tmp_path / "small.jpg"
    Image.fromarray(textured_rgb(300, 400)).save(small, quality=90)
    assert load_media(small, quick=True).pixel_scale == 1  # already small: decoded whole
