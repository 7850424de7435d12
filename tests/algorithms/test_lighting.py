"""Known-truth checks of the lighting estimators: Lambertian spheres under lights we place."""

from __future__ import annotations

import numpy as np
import pytest

from forensics.algorithms.lighting import (
    _fit_lit_side,
    angular_difference,
    azimuth,
    colour_angle,
    contour_light,
    edge_power_sums,
    ellipsoid_normals,
    fit_light,
    grey_edge,
    grey_edge_from_sums,
    grey_world,
    horizontal_shading,
    outward_normals,
    sample_inside,
    smooth_contour,
    srgb_to_linear,
    surface_light,
)

SIZE, CENTRE, RADIUS = 240, np.array([120.0, 120.0]), 80.0


def lambertian_sphere(light_azimuth: float, elevation: float = 30.0, albedo: float = 0.6, ambient: float = 0.1,
                      noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """Linear luminance of a sphere lit from ``light_azimuth`` (degrees, up = 90) at ``elevation`` above the
    image plane, on a black background; optional Gaussian noise (linear units)."""
    rows, columns = np.indices((SIZE, SIZE), dtype=float)
    nx, ny = (columns - CENTRE[0]) / RADIUS, (rows - CENTRE[1]) / RADIUS
    inside = nx ** 2 + ny ** 2 < 1
    nz = np.sqrt(np.clip(1 - nx ** 2 - ny ** 2, 0, None))
    a, e = np.radians(light_azimuth), np.radians(elevation)
    light = np.array([np.cos(a) * np.cos(e), -np.sin(a) * np.cos(e), np.sin(e)])  # image y points down
    shading = albedo * np.clip(nx * light[0] + ny * light[1] + nz * light[2], 0, None) + ambient
    image = np.where(inside, shading, 0.0)
    image += np.random.default_rng(seed).normal(0, noise, image.shape) * inside
    return image.astype(np.float32)


def arc(start_degrees: float, end_degrees: float, count: int = 17) -> np.ndarray:
    """Points of the sphere's outline from ``start`` to ``end`` (image-angle degrees, y down), like a jaw line."""
    angles = np.radians(np.linspace(start_degrees, end_degrees, count))
    return CENTRE + RADIUS * np.column_stack([np.cos(angles), np.sin(angles)])


def estimate(image: np.ndarray, outline: np.ndarray):
    points, normals = smooth_contour(outline)
    return contour_light(image, points, outward_normals(points, normals, CENTRE), depths_px=(2.0, 3.0, 4.0))


@pytest.mark.parametrize("light", [0.0, 45.0, 150.0, 200.0, 300.0])
def test_the_direction_of_a_light_placed_around_a_sphere_is_recovered_within_5_degrees(light):
    result = estimate(lambertian_sphere(light), arc(0, 359))
    assert angular_difference(result.azimuth_degrees, light) < 5.0
    assert result.interval_degrees < 5.0


@pytest.mark.parametrize("light", [20.0, 160.0])
def test_a_jaw_like_lower_arc_still_tells_left_from_right(light):
    # Only the lower half of the outline (image angles 0-180 with y down: right, bottom, left), as on a face.
    result = estimate(lambertian_sphere(light, elevation=20.0, noise=0.01), arc(-10, 190))
    assert angular_difference(result.azimuth_degrees, light) < 15.0


def test_a_light_behind_the_camera_leaves_the_direction_undetermined():
    # Straight-on light shades the outline evenly: the fitted direction is noise, and the interval says so.
    result = estimate(lambertian_sphere(0.0, elevation=90.0, noise=0.02), arc(-10, 190))
    assert result.modulation < 0.2
    assert result.interval_degrees > 30.0


def test_the_interval_is_deterministic_for_the_same_input():
    image = lambertian_sphere(120.0, noise=0.03)
    assert estimate(image, arc(0, 300)) == estimate(image, arc(0, 300))


def test_azimuths_count_counter_clockwise_from_the_right_with_up_at_90():
    assert azimuth(np.array([1.0, 0.0])) == pytest.approx(0.0)
    assert azimuth(np.array([0.0, -1.0])) == pytest.approx(90.0)  # towards the top row
    assert angular_difference(350.0, 10.0) == pytest.approx(20.0)
    assert angular_difference(0.0, 180.0) == pytest.approx(180.0)


def test_srgb_decoding_matches_the_standard_at_its_reference_points():
    np.testing.assert_allclose(srgb_to_linear(np.array([0.0, 0.04045, 0.5, 1.0])),
                               [0.0, 0.04045 / 12.92, 0.21404, 1.0], atol=1e-5)


def test_illuminant_colour_of_a_grey_scene_under_a_coloured_light_is_the_lights_colour():
    rng = np.random.default_rng(1)
    reflectance = rng.uniform(0.05, 0.6, (120, 120, 1)) * np.ones(3)  # achromatic texture
    reflectance = np.repeat(np.repeat(reflectance[::8, ::8], 8, axis=0), 8, axis=1)  # patches with edges
    light = np.array([1.0, 0.8, 0.5])
    scene = (reflectance * light).astype(np.float32)
    mask = np.ones(scene.shape[:2], bool)
    for estimator in (grey_world, grey_edge):
        assert colour_angle(estimator(scene, mask), light) < 0.5
    assert colour_angle(np.array([1.0, 0.8, 0.5]), np.array([2.0, 1.6, 1.0])) < 1e-3
    assert colour_angle(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])) == pytest.approx(90.0)


def sphere_surface(image: np.ndarray, cells: int = 6):
    """Pixels of the sphere (away from the outline), their true normals and 6x6 cell labels."""
    rows, columns = np.indices(image.shape)
    nx, ny = (columns - CENTRE[0]) / RADIUS, (rows - CENTRE[1]) / RADIUS
    inside = nx ** 2 + ny ** 2 < 0.9
    normals = np.column_stack([nx[inside], ny[inside], np.sqrt(1 - nx[inside] ** 2 - ny[inside] ** 2)])
    cell = (np.clip(((nx[inside] + 1) / 2 * cells).astype(int), 0, cells - 1) * cells
            + np.clip(((ny[inside] + 1) / 2 * cells).astype(int), 0, cells - 1))
    return image[inside], normals, cell


@pytest.mark.parametrize("light", [30.0, 135.0, 250.0])
def test_first_order_lighting_of_a_sphere_surface_recovers_the_direction(light):
    # Elevation 60 degrees keeps the whole visible half lit (no attached shadow), as the linear model assumes.
    values, normals, cells = sphere_surface(lambertian_sphere(light, elevation=60.0, noise=0.01))
    result = surface_light(values, normals, cells)
    assert angular_difference(result.azimuth_degrees, light) < 2.0
    assert result.interval_degrees < 5.0
    assert np.sign(result.horizontal_shading) == np.sign(np.cos(np.radians(light)))


def test_the_cell_bootstrap_equals_refitting_on_the_resampled_pixels():
    values, normals, cells = sphere_surface(lambertian_sphere(100.0, elevation=50.0, noise=0.02))
    assert values.min() > 0.005  # nothing for surface_light to leave out as black
    result = surface_light(values, normals, cells, bootstrap=50, seed=3)
    # The same resamples, refitted pixel by pixel.
    rng = np.random.default_rng(3)
    labels = np.unique(cells)
    shading = []
    for _ in range(50):
        chosen = np.concatenate([np.flatnonzero(cells == labels[i]) for i in rng.integers(0, len(labels), len(labels))])
        light, ambient = fit_light(normals[chosen], values[chosen])
        shading.append(horizontal_shading(light, ambient))
    assert result.horizontal_shading_se == pytest.approx(np.std(shading), rel=1e-6)


def test_a_mirrored_surface_flips_the_horizontal_shading_and_mirrors_the_direction():
    image = lambertian_sphere(40.0, elevation=60.0)
    values, normals, cells = sphere_surface(image)
    mirrored_values, _, _ = sphere_surface(np.ascontiguousarray(image[:, ::-1]))
    original, mirrored = surface_light(values, normals, cells), surface_light(mirrored_values, normals, cells)
    assert mirrored.horizontal_shading == pytest.approx(-original.horizontal_shading, abs=0.01)
    assert angular_difference(mirrored.azimuth_degrees, 180.0 - original.azimuth_degrees) < 2.0


def test_ellipsoid_normals_face_the_camera_at_the_centre_and_turn_outwards_towards_the_jaw():
    points = np.zeros((68, 2))
    points[0], points[16], points[8] = [100, 200], [300, 200], [200, 330]
    points[19:25] = [[150, 150]] * 3 + [[250, 150]] * 3
    points[36], points[45] = [150, 180], [250, 180]
    centre_y = (150 + 330) / 2
    normals, outline = ellipsoid_normals(points, np.array([[200, centre_y], [120, centre_y], [280, centre_y]]), 0.25)
    np.testing.assert_allclose(normals[0], [0, 0, 1], atol=1e-9)
    assert normals[1, 0] < -0.5 and normals[2, 0] > 0.5  # left pixel faces left, right pixel faces right
    np.testing.assert_allclose(outline[:, 0], [0, -80 / 110, 80 / 110])


def test_the_block_sums_give_each_block_its_own_light_and_add_up_to_the_whole():
    rng = np.random.default_rng(2)
    reflectance = np.repeat(np.repeat(rng.uniform(0.05, 0.6, (16, 16, 1)), 4, axis=0), 4, axis=1) * np.ones(3)
    scene = reflectance.astype(np.float32)
    scene[:, 32:] *= np.array([1.0, 0.7, 0.4], np.float32)  # the right half under a warmer light
    sums, counts = edge_power_sums(scene, 16)
    estimates = grey_edge_from_sums(sums, counts)
    assert estimates.shape == (4, 4, 3)
    # Blocks on the seam between the halves mix both lights; the others carry their own half's light.
    assert colour_angle(estimates[1, 0], np.ones(3)) < 0.5
    assert colour_angle(estimates[1, 3], np.array([1.0, 0.7, 0.4])) < 0.5
    # Summing every block's powers is grey-edge over the whole image.
    np.testing.assert_allclose(grey_edge_from_sums(sums.sum(axis=(0, 1)), counts.sum()),
                               grey_edge(scene, np.ones(scene.shape[:2], bool)), atol=1e-9)


def test_the_contour_interval_equals_refitting_each_resample_with_the_attached_shadow_step():
    image = lambertian_sphere(200.0, elevation=20.0, noise=0.02)
    points, normals = smooth_contour(arc(-10, 190))
    normals = outward_normals(points, normals, CENTRE)
    depths = (2.0, 3.0, 4.0)
    result = contour_light(image, points, normals, depths, bootstrap=40, seed=5)
    values = sample_inside(image, points, normals, depths)
    keep = (values > 0.005) & (values < 0.95)
    values, normals = values[keep], normals[keep]
    light, _ = _fit_lit_side(normals, values)
    rng = np.random.default_rng(5)
    spread = []
    for _ in range(40):
        chosen = rng.integers(0, len(values), len(values))
        resampled, _ = _fit_lit_side(normals[chosen], values[chosen])
        spread.append(angular_difference(azimuth(resampled), azimuth(light)))
    assert result.interval_degrees == pytest.approx(np.percentile(spread, 95), rel=1e-6)
