"""Report figures: categorical maps carry a swatch per category in the map's own colours; labels stay short."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from forensics.figures import heat_map_figure


def pixels(figure) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(figure.data_base64))).convert("RGB")).astype(int)


def test_a_categorical_map_shows_each_category_in_the_colour_it_has_on_the_map():
    grey = np.full((256, 256, 3), 128, np.uint8)  # a flat picture: the map's colours are the categories' alone
    values = np.full((4, 4), 0.5)
    values[:2] = 1.0
    values[3, 3] = 0.0
    categories = [("the picture's grid", 1.0), ("no significant grid", 0.5), ("another grid", 0.0)]
    image = pixels(heat_map_figure("map", "caption", grey, values, 0.0, 1.0, categories=categories))
    on_map = {1.0: image[32, 32], 0.5: image[160, 32], 0.0: image[224, 224]}
    for index, (_, value) in enumerate(categories):
        swatch = image[8 + 24 * index + 8, 256 + 16]
        assert np.abs(swatch - on_map[value]).max() <= 2, value
    assert len({tuple(c) for c in on_map.values()}) == 3


def test_a_continuous_map_labels_its_bar_with_three_significant_digits():
    grey = np.full((64, 64, 3), 128, np.uint8)
    figure = heat_map_figure("map", "caption", grey, np.zeros((2, 2)), 0.0, 8.541862)
    assert pixels(figure).shape[1] == 64 + 90  # the bar and its labels, as before


def test_a_map_over_a_grainy_picture_is_a_small_palette_png():
    from forensics.figures import MAP_COLOUR_LEVELS, MAP_GREY_LEVELS

    grainy = np.random.default_rng(0).integers(0, 256, (900, 1200, 3), dtype=np.uint8)
    values = np.random.default_rng(1).random((112, 150))
    figure = heat_map_figure("map", "caption", grainy, values, 0.0, 1.0)
    image = Image.open(io.BytesIO(base64.b64decode(figure.data_base64)))
    assert image.mode == "P"
    assert len(np.unique(np.asarray(image))) <= MAP_GREY_LEVELS * MAP_COLOUR_LEVELS + 2
    assert len(base64.b64decode(figure.data_base64)) < 500_000  # as an RGB PNG: about 2 MB


def test_a_bar_chart_has_a_y_axis_and_titles_beside_its_axes():
    from forensics.figures import bar_chart_figure

    figure = bar_chart_figure("chart", "caption", [("a", np.array([1.0, 3.0]), (220, 40, 40))], [0, 1],
                              "x title", "y title")
    image = pixels(figure)
    left, top, height = 74, 30, 240  # the plot area's corner and height
    assert (image[top:top + height, left] == 0).all()  # the y axis, drawn in black from 0 to the largest value
    assert (image[top:top + height, :12] < 128).any()  # the y title, turned, along the left edge
    assert (image[-20:, left:] < 128).any()  # the x title below the labels
