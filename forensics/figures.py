"""Turning arrays into report figures (PNG): heat maps over the image, simple bar charts and 8x8 tables.

Drawn with OpenCV so figures are deterministic pixel for pixel for the same input (no font or backend
differences); text in figures is limited to short ASCII labels, the explanation lives in the caption.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from forensics.media.orientation import upright
from forensics.results import Figure

MAX_SIDE_PX = 900
GREY_WEIGHT, COLOUR_WEIGHT = 0.45, 0.55  # shares of the greyed picture and of the colour map in every map
# Maps are drawn in a palette of MAP_GREY_LEVELS greys of the picture times MAP_COLOUR_LEVELS colours of the map,
# plus white and black, and stored as 8-bit palette PNGs: a map over a 12-MP photo took 1.0-1.4 MB as RGB PNG
# (the picture's grain does not compress) and takes a fifth of that so, with the bands still easy to tell apart.
MAP_GREY_LEVELS = 15
MAP_COLOUR_LEVELS = 16
_WHITE, _BLACK = MAP_GREY_LEVELS * MAP_COLOUR_LEVELS, MAP_GREY_LEVELS * MAP_COLOUR_LEVELS + 1
# Photographs with outlines, boxes or arrows drawn on them are stored as JPEGs at this quality: as PNGs they took
# about 1 MB each (a photograph's grain does not compress losslessly), as JPEGs about a tenth.
PHOTO_JPEG_QUALITY = 90


def encode_png(rgb: np.ndarray) -> bytes:
    ok, png = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:  # pragma: no cover - OpenCV cannot fail on a uint8 RGB array
        raise RuntimeError("PNG encoding failed")
    return png.tobytes()


def encode_jpeg(rgb: np.ndarray, quality: int) -> bytes:
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV cannot fail on a uint8 RGB array
        raise RuntimeError("JPEG encoding failed")
    return jpeg.tobytes()


def photo_figure(title: str, caption: str, rgb: np.ndarray) -> Figure:
    """A figure of a photograph (with whatever was drawn on it), stored as a JPEG at PHOTO_JPEG_QUALITY."""
    return Figure.from_bytes(title, caption, "image/jpeg", encode_jpeg(rgb, PHOTO_JPEG_QUALITY))


def contact_sheet(tiles: list[tuple[str, np.ndarray]], columns: int = 4) -> np.ndarray:
    """Labelled pictures (RGB, any sizes up to a common width) in a grid, ``columns`` wide, each label below its picture."""
    tile_width = max(picture.shape[1] for _, picture in tiles)
    height = max(picture.shape[0] for _, picture in tiles) + 18
    rows = (len(tiles) + columns - 1) // columns
    sheet = np.full((rows * height, columns * (tile_width + 6), 3), 255, np.uint8)
    for index, (label, picture) in enumerate(tiles):
        top, left = (index // columns) * height, (index % columns) * (tile_width + 6)
        sheet[top:top + picture.shape[0], left:left + picture.shape[1]] = picture
        cv2.putText(sheet, label, (left + 2, top + picture.shape[0] + 13), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                    (0, 0, 0), 1, cv2.LINE_AA)
    return sheet


def encode_indexed_png(indices: np.ndarray, palette: np.ndarray) -> bytes:
    """An 8-bit palette PNG: ``indices`` (H, W) uint8 into ``palette`` (at most 256 RGB rows, uint8)."""
    image = Image.fromarray(np.ascontiguousarray(indices, dtype=np.uint8), mode="P")
    image.putpalette(palette.astype(np.uint8).ravel().tolist())
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def reduce(rgb: np.ndarray, max_side: int = MAX_SIDE_PX) -> np.ndarray:
    scale = min(1.0, max_side / max(rgb.shape[:2]))
    if scale == 1.0:
        return rgb
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def map_palette() -> np.ndarray:
    """The maps' palette: row g * MAP_COLOUR_LEVELS + c blends grey level g with jet colour c; then white, black."""
    greys = np.linspace(0, 255, MAP_GREY_LEVELS)[:, None, None]
    colours = _jet(np.linspace(0, 1, MAP_COLOUR_LEVELS, dtype=np.float32)[None, :]).astype(np.float64)
    blended = (GREY_WEIGHT * greys + COLOUR_WEIGHT * colours).astype(np.uint8).reshape(-1, 3)
    return np.vstack([blended, [[255, 255, 255], [0, 0, 0]]]).astype(np.uint8)


def _map_index(grey: np.ndarray, scaled: np.ndarray) -> np.ndarray:
    """Palette indices of a picture's greys (uint8) under map values scaled to [0, 1]."""
    grey_level = np.minimum(grey.astype(np.int32) * MAP_GREY_LEVELS // 256, MAP_GREY_LEVELS - 1)
    colour_level = np.minimum((scaled * MAP_COLOUR_LEVELS).astype(np.int32), MAP_COLOUR_LEVELS - 1)
    return (grey_level * MAP_COLOUR_LEVELS + colour_level).astype(np.uint8)


def _colour_index(scaled: float) -> int:
    """The palette index of a map colour shown over mid grey (colour bar, swatches)."""
    return int(_map_index(np.array([128], np.uint8), np.array([scaled], np.float32))[0])


def heat_map_figure(title: str, caption: str, image_rgb: np.ndarray, values: np.ndarray, low: float, high: float,
                    outline: np.ndarray | None = None, categories: list[tuple[str, float]] | None = None,
                    orientation: int | None = None, whole_picture: bool = False) -> Figure:
    """``values`` (any resolution) drawn over a greyed copy of the image, clipped to [low, high], in
    MAP_COLOUR_LEVELS bands with a colour bar; the regions of the boolean map ``outline`` (any resolution), if given,
    outlined in white. A categorical map gives ``categories`` (name, value) instead: a swatch per category replaces
    the continuous bar. Image and maps measured on the pixels as stored are given with the file's EXIF
    ``orientation`` and drawn upright, as every figure is. ``whole_picture``: the image is the whole picture (not a
    crop or a window of it), so the figure records its picture area and the web page can lay the map over it."""
    if orientation not in (None, 1):
        image_rgb, values = upright(image_rgb, orientation), upright(values, orientation)
        outline = None if outline is None else upright(outline, orientation)
    base = reduce(image_rgb)
    grey = cv2.cvtColor(base, cv2.COLOR_RGB2GRAY) if base.ndim == 3 else base
    scaled = np.clip((values.astype(np.float32) - low) / (high - low), 0, 1)
    scaled = cv2.resize(scaled, (base.shape[1], base.shape[0]), interpolation=cv2.INTER_NEAREST)
    indices = _map_index(grey, scaled)
    if outline is not None and outline.any():
        regions = cv2.resize(outline.astype(np.uint8), (base.shape[1], base.shape[0]), interpolation=cv2.INTER_NEAREST)
        contours, _ = cv2.findContours(regions, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(indices, contours, -1, _WHITE, max(1, base.shape[1] // 400))
    canvas = _with_swatches(indices, categories, low, high) if categories else _with_bar(indices, low, high)
    return Figure.from_bytes(title, caption, "image/png", encode_indexed_png(canvas, map_palette()),
                             [base.shape[1], base.shape[0]] if whole_picture else None)


def _with_bar(indices: np.ndarray, low: float, high: float) -> np.ndarray:
    """The map with, to its right, its colour bar (the map's bands over mid grey) labelled with its two ends."""
    height, width = indices.shape
    canvas = np.full((height, width + 90), _WHITE, np.uint8)
    canvas[:, :width] = indices
    bands = np.linspace(1, 0, height, dtype=np.float32)
    canvas[:, width + 8: width + 26] = np.array([_colour_index(b) for b in bands], np.uint8)[:, None]
    for text, y in ((f"{high:.3g}", 14), (f"{low:.3g}", height - 4)):  # 3 digits: "8.54", never "8.54186"
        cv2.putText(canvas, text, (width + 30, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, _BLACK, 1, cv2.LINE_8)
    return canvas


def _jet(scaled: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (2-D, float) as RGB colours of the jet map."""
    return cv2.cvtColor(cv2.applyColorMap((scaled * 255).astype(np.uint8), cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB)


def _with_swatches(indices: np.ndarray, categories: list[tuple[str, float]], low: float, high: float) -> np.ndarray:
    """The map with, to its right, one colour swatch and name per category (in the map's own colours)."""
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.45
    widest = max(cv2.getTextSize(name, font, scale, 1)[0][0] for name, _ in categories)
    height, width = indices.shape
    canvas = np.full((max(height, 24 * len(categories) + 8), width + widest + 44), _WHITE, np.uint8)
    canvas[:height, :width] = indices
    for index, (name, value) in enumerate(categories):
        y = 8 + 24 * index
        swatch = _colour_index(float(np.clip((value - low) / (high - low), 0, 1)))
        cv2.rectangle(canvas, (width + 8, y), (width + 26, y + 16), swatch, -1)
        cv2.putText(canvas, name, (width + 32, y + 13), font, scale, _BLACK, 1, cv2.LINE_8)
    return canvas


def bar_chart_figure(title: str, caption: str, series: list[tuple[str, np.ndarray, tuple[int, int, int]]],
                     labels: list[int], x_title: str, y_title: str) -> Figure:
    """Side-by-side bars of non-negative values over integer ``labels`` (one colour per series), with a y axis
    (0, half and the largest value) and both axes titled."""
    width, height, left, right, top, bottom = 740, 240, 74, 16, 30, 48
    canvas = np.full((height + top + bottom, width + left + right, 3), 255, np.uint8)
    peak = max(float(values.max()) for _, values, _ in series) or 1.0
    slot = width / len(labels)
    for index, (_, values, colour) in enumerate(series):
        for position, value in enumerate(values):
            x0 = int(left + position * slot + index * slot / len(series))
            x1 = int(x0 + slot / len(series)) - 1
            cv2.rectangle(canvas, (x0, top + height - int(height * value / peak)), (x1, top + height), colour, -1)
    font, scale, ink = cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0)
    cv2.line(canvas, (left, top + height), (left + width, top + height), ink, 1)
    cv2.line(canvas, (left, top), (left, top + height), ink, 1)
    for share in (0.0, 0.5, 1.0):
        y = int(top + height - share * height)
        cv2.line(canvas, (left - 4, y), (left, y), ink, 1)
        text = f"{share * peak:.3g}"
        text_width = cv2.getTextSize(text, font, scale, 1)[0][0]
        cv2.putText(canvas, text, (left - 8 - text_width, y + 4), font, scale, ink, 1, cv2.LINE_AA)
    step = max(1, int(np.ceil(len(labels) / 16)))  # at most 16 labels, so that they never run into each other
    for position, label in enumerate(labels):
        if position % step == 0:
            x = int(left + (position + 0.5) * slot)
            text_width = cv2.getTextSize(str(label), font, scale, 1)[0][0]
            cv2.putText(canvas, str(label), (x - text_width // 2, top + height + 16), font, scale, ink, 1, cv2.LINE_AA)
    title_width = cv2.getTextSize(x_title, font, 0.45, 1)[0][0]
    cv2.putText(canvas, x_title, (left + (width - title_width) // 2, top + height + 38), font, 0.45, ink, 1, cv2.LINE_AA)
    _vertical_title(canvas, y_title, top + height // 2)
    _legend(canvas, [(name, colour) for name, _, colour in series], left, 18)
    return Figure.from_bytes(title, caption, "image/png", encode_png(canvas))


def _vertical_title(canvas: np.ndarray, text: str, centre_y: int) -> None:
    """``text`` turned a quarter left, centred on ``centre_y`` along the left edge (OpenCV draws only level text)."""
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.45
    (text_width, text_height), _ = cv2.getTextSize(text, font, scale, 1)
    strip = np.full((text_height + 8, text_width + 4, 3), 255, np.uint8)
    cv2.putText(strip, text, (2, text_height + 2), font, scale, (0, 0, 0), 1, cv2.LINE_AA)
    turned = np.rot90(strip)
    y0 = max(0, min(centre_y - turned.shape[0] // 2, canvas.shape[0] - turned.shape[0]))
    canvas[y0:y0 + turned.shape[0], 2:2 + turned.shape[1]] = turned[: canvas.shape[0] - y0]


def table_figure(title: str, caption: str, tables: list[tuple[str, np.ndarray]]) -> Figure:
    """8x8 tables side by side, each cell shaded by its value (dark = large) and labelled with it."""
    cell, gap, top = 34, 30, 24
    canvas = np.full((top + 8 * cell + 10, len(tables) * (8 * cell + gap) + gap, 3), 255, np.uint8)
    peak = max(float(table.max()) for _, table in tables) or 1.0
    for index, (label, table) in enumerate(tables):
        left = gap + index * (8 * cell + gap)
        cv2.putText(canvas, label, (left, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
        for (row, column), value in np.ndenumerate(table):
            shade = int(255 - 200 * min(float(value) / peak, 1.0))
            x, y = left + column * cell, top + row * cell
            cv2.rectangle(canvas, (x, y), (x + cell - 1, y + cell - 1), (shade, shade, 255), -1)
            cv2.rectangle(canvas, (x, y), (x + cell - 1, y + cell - 1), (160, 160, 160), 1)
            ink = (0, 0, 0) if shade > 120 else (255, 255, 255)
            cv2.putText(canvas, str(int(value)), (x + 4, y + 22), cv2.FONT_HERSHEY_SIMPLEX, 0.42, ink, 1, cv2.LINE_AA)
    return Figure.from_bytes(title, caption, "image/png", encode_png(canvas))


def time_plot_figure(title: str, caption: str, times_s: np.ndarray,
                     series: list[tuple[str, np.ndarray, tuple[int, int, int]]], low: float, high: float,
                     y_title: str, marks_s: np.ndarray | None = None, dots: bool = False) -> Figure:
    """Values over time (seconds on the x axis, [low, high] on the y axis, titled ``y_title``), one colour per
    series; optional vertical ``marks_s`` (e.g. keyframes) in grey; ``dots`` draws points instead of joined lines."""
    width, height, left, right, top, bottom = 740, 240, 76, 16, 30, 30
    canvas = np.full((height + top + bottom, width + left + right, 3), 255, np.uint8)
    start, end = (float(times_s.min()), float(times_s.max())) if len(times_s) else (0.0, 1.0)
    span = max(end - start, 1e-9)

    def x_of(t: np.ndarray) -> np.ndarray:
        return (left + (np.asarray(t, dtype=np.float64) - start) / span * width).round().astype(int)

    def y_of(v: np.ndarray) -> np.ndarray:
        scaled = np.clip((np.asarray(v, dtype=np.float64) - low) / (high - low), 0, 1)
        return (top + (1 - scaled) * height).round().astype(int)

    for mark in (marks_s if marks_s is not None else []):
        x = int(x_of(np.array([mark]))[0])
        cv2.line(canvas, (x, top), (x, top + height), (200, 200, 200), 1)
    for _, values, colour in series:
        finite = np.isfinite(values)
        xs, ys = x_of(times_s[finite]), y_of(values[finite])
        if dots:
            for x, y in zip(xs, ys):
                cv2.circle(canvas, (int(x), int(y)), 2, colour, -1, cv2.LINE_AA)
        elif len(xs) > 1:
            cv2.polylines(canvas, [np.stack([xs, ys], axis=1).astype(np.int32)], False, colour, 2, cv2.LINE_AA)
    cv2.rectangle(canvas, (left, top), (left + width, top + height), (0, 0, 0), 1)
    _legend(canvas, [(name, colour) for name, _, colour in series], left, 18)
    for value in (low, (low + high) / 2, high):
        text = f"{value:.3g}"
        text_width = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.42, 1)[0][0]
        cv2.putText(canvas, text, (left - 6 - text_width, int(y_of(np.array([value]))[0]) + 5), cv2.FONT_HERSHEY_SIMPLEX,
                    0.42, (0, 0, 0), 1, cv2.LINE_AA)
    _vertical_title(canvas, y_title, top + height // 2)
    for t in np.linspace(start, end, 6):
        x = int(x_of(np.array([t]))[0])
        cv2.putText(canvas, f"{t:.1f} s", (min(x - 18, left + width - 40), top + height + 20),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
    return Figure.from_bytes(title, caption, "image/png", encode_png(canvas))


def _legend(canvas: np.ndarray, entries: list[tuple[str, tuple[int, int, int]]], x: int, baseline_y: int) -> None:
    """Series names in their colours, side by side from ``x`` on one line of the top margin, where no bar or
    line can cover them or be covered."""
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.5
    for name, colour in entries:
        cv2.putText(canvas, name, (x, baseline_y), font, scale, colour, 1, cv2.LINE_AA)
        x += cv2.getTextSize(name, font, scale, 1)[0][0] + 18
