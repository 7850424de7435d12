"""Light direction from occluding contours and illuminant colour, per face or region.

Direction (Johnson & Farid, "Exposing digital forgeries by detecting inconsistencies in lighting", ACM MM&Sec
2005): a Lambertian surface of constant reflectance under a distant light and ambient term gives
I(x) = N(x) . L + A. On an occluding contour the surface normal lies in the image plane, so N is the contour's
2-D outward normal and three or more samples determine (Lx, Ly, A) by linear least squares. Intensities are
taken a few pixels inside the contour (boundary pixels mix in the background), on linear (not gamma-encoded)
luminance, without saturated or black samples. A face's jaw line seen from the front is close to an
occluding contour; it is not exactly one (the chin and jaw turn towards the camera), one of the reasons the
direction is only approximate and is compared with a distribution measured on authentic photos.

Angles are azimuths of the direction *towards* the light, in degrees, counter-clockwise from the image's
right-hand side with up being 90 (image rows grow downwards; the sign is turned here, once).

Illuminant colour: grey-world (Buchsbaum 1980: the mean reflectance is achromatic) and grey-edge (van de
Weijer, Gevers & Gijsenij, IEEE TIP 16(9), 2007: the Minkowski p-norm of the derivatives is achromatic), each
a unit RGB vector in linear sRGB; two estimates are compared by the angle between their vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SATURATED = 0.95  # linear luminance above which a sample is clipped or specular
BLACK = 0.005  # linear luminance below which a sample is in shadow or below the noise


@dataclass(frozen=True)
class ContourLight:
    azimuth_degrees: float  # towards the light, counter-clockwise from the image's right, up = 90
    interval_degrees: float  # half-width of the 95 % bootstrap interval of the azimuth (180: undetermined)
    modulation: float  # |(Lx, Ly)| / A: how strongly the shading varies around the contour
    samples: int  # contour samples used (after rejection)


def srgb_to_linear(values: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] to linear light (IEC 61966-2-1)."""
    values = np.asarray(values, np.float32)
    return np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_luminance(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance Y (Rec. 709 primaries) of an 8-bit sRGB image, linear light in [0, 1]."""
    linear = srgb_to_linear(rgb.astype(np.float32) / 255.0)
    return linear @ np.array([0.2126, 0.7152, 0.0722], np.float32)


def smooth_contour(points: np.ndarray, samples: int = 60, smoothing: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """A smoothing spline through an open polyline ``points`` (n, 2), x/y pixels: ``samples`` points evenly
    spaced in the spline parameter and their unit normals (turned to the left of the direction of travel in
    image coordinates; the caller picks the outward sign). ``smoothing`` is the mean squared deviation allowed
    per point, pixels squared: more smoothing also cuts the curve inwards where it bends, and near an
    occluding contour the shading changes fast with depth, so a sub-pixel inward shift is a false shading
    trend (0.5 px² per point moved a 17-point arc of radius 80 px inwards by 0.8 px and faked a light)."""
    # Imported here: scipy.interpolate takes 0.2 s to import and most pictures have no face to fit.
    from scipy.interpolate import splev, splprep

    points = np.asarray(points, float)
    tck, _ = splprep([points[:, 0], points[:, 1]], s=smoothing * len(points), k=min(3, len(points) - 1))
    parameter = np.linspace(0, 1, samples)
    x, y = splev(parameter, tck)
    dx, dy = splev(parameter, tck, der=1)
    length = np.hypot(dx, dy) + 1e-12
    return np.column_stack([x, y]), np.column_stack([dy / length, -dx / length])


def outward_normals(points: np.ndarray, normals: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """``normals`` flipped where needed to point away from ``centre`` (the inside of the object)."""
    sign = np.sign(np.einsum("ij,ij->i", points - centre, normals))
    return normals * np.where(sign == 0, 1, sign)[:, None]


def sample_inside(luminance: np.ndarray, points: np.ndarray, normals: np.ndarray,
                  depths_px: tuple[float, ...]) -> np.ndarray:
    """Mean of bilinear samples at ``depths_px`` pixels inside the contour along each inward normal."""
    values = []
    for depth in depths_px:
        where = (points - depth * normals).astype(np.float32)
        values.append(cv2.remap(luminance, where[:, 0:1], where[:, 1:2], cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE)[:, 0])
    return np.mean(values, axis=0)


def fit_light(normals: np.ndarray, intensities: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares L (image coordinates, y down; 2 or 3 components like ``normals``) and ambient A of
    I = N . L + A."""
    design = np.column_stack([normals, np.ones(len(normals))])
    solution, *_ = np.linalg.lstsq(design, intensities, rcond=None)
    return solution[:-1], float(solution[-1])


def _fit_lit_side(normals: np.ndarray, intensities: np.ndarray) -> tuple[np.ndarray, float]:
    """``fit_light``, then again without the samples the first fit puts in attached shadow (N . L < 0): there
    the surface receives only the ambient light, I = A, and the linear model would pull the direction."""
    light, ambient = fit_light(normals, intensities)
    lit = normals @ light > 0
    if lit.sum() >= 8 and not lit.all():
        light, ambient = fit_light(normals[lit], intensities[lit])
    return light, ambient


def azimuth(light_xy: np.ndarray) -> float:
    """Azimuth in degrees (counter-clockwise from the right, up = 90) of a direction given with y down (a third,
    depth, component is ignored)."""
    return float(np.degrees(np.arctan2(-light_xy[1], light_xy[0])) % 360.0)


def angular_difference(first_degrees: float, second_degrees: float) -> float:
    """Smallest angle between two azimuths, 0 to 180 degrees."""
    return float(abs((first_degrees - second_degrees + 180.0) % 360.0 - 180.0))


def contour_light(luminance: np.ndarray, points: np.ndarray, normals: np.ndarray, depths_px: tuple[float, ...],
                  bootstrap: int = 200, seed: int = 0) -> ContourLight | None:
    """Johnson & Farid's 2-D light direction from contour ``points`` with outward unit ``normals``.

    ``luminance`` is linear (``linear_luminance``). Samples that are saturated or black are rejected, and so
    are those the first fit puts in attached shadow; the 95 % interval comes from refitting on ``bootstrap``
    resamples of the contour samples (fixed ``seed``, so the same input gives the same interval) and is the
    95th percentile of their angular distance to the estimate. None when fewer than 8 samples remain.
    """
    intensities = sample_inside(luminance, points, normals, depths_px)
    keep = (intensities > BLACK) & (intensities < SATURATED)
    normals, intensities = normals[keep], intensities[keep]
    if len(intensities) < 8:
        return None
    light, ambient = _fit_lit_side(normals, intensities)
    gram, moment = normal_equations(np.column_stack([normals, np.ones(len(intensities))]), intensities)
    weights = resample_counts(len(intensities), bootstrap, seed)
    first = solve_resampled(gram, moment, weights)
    # The attached-shadow step of _fit_lit_side, per replicate: drop the samples its first fit leaves unlit.
    lit = weights * (normals @ first[:, :2].T > 0).T
    refit = (lit.sum(axis=1) >= 8) & (lit.sum(axis=1) < weights.sum(axis=1))
    replicates = np.where(refit[:, None], solve_resampled(gram, moment, lit), first)
    spread = [angular_difference(azimuth(replicate[:2]), azimuth(light)) for replicate in replicates]
    return ContourLight(azimuth(light), float(np.percentile(spread, 95)),
                        float(np.linalg.norm(light[:2]) / max(abs(ambient), 1e-6)), int(len(intensities)))


def resample_counts(groups: int, count: int, seed: int) -> np.ndarray:
    """(count, groups): how many times each of ``groups`` is drawn in each of ``count`` bootstrap resamples
    (with replacement, as many draws as groups; fixed ``seed``)."""
    rng = np.random.default_rng(seed)
    return np.stack([np.bincount(rng.integers(0, groups, groups), minlength=groups) for _ in range(count)])


def normal_equations(design: np.ndarray, values: np.ndarray, groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per group (per sample when ``groups`` is None), the least-squares normal equations of design @ x = values:
    (groups, k, k) Gram matrices and (groups, k) moments, in the order of ``np.unique(groups)``."""
    if groups is None:
        return np.einsum("ni,nj->nij", design, design), design * values[:, None]
    _, group_of = np.unique(groups, return_inverse=True)
    order = np.argsort(group_of, kind="stable")
    bounds = np.searchsorted(group_of[order], np.arange(group_of.max() + 2))
    members = [order[start:stop] for start, stop in zip(bounds[:-1], bounds[1:])]
    return (np.stack([design[index].T @ design[index] for index in members]),
            np.stack([design[index].T @ values[index] for index in members]))


def solve_resampled(gram: np.ndarray, moment: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """One least-squares solution per row of ``weights`` (replicates, groups): a resample that draws a group k
    times weighs its equations k times, so every replicate is the weighted sum of the groups' systems."""
    total_gram = np.einsum("rg,gij->rij", weights, gram)
    total_moment = weights @ moment
    return np.linalg.solve(total_gram + 1e-9 * np.eye(gram.shape[1]), total_moment[..., None])[..., 0]


@dataclass(frozen=True)
class SurfaceLight:
    azimuth_degrees: float  # towards the light, counter-clockwise from the image's right, up = 90
    interval_degrees: float  # half-width of the 95 % bootstrap interval of the azimuth
    horizontal_shading: float  # Lx / (|A| + |Lx| + |Ly| + |Lz|): -1 lit from the left .. +1 from the right
    horizontal_shading_se: float  # bootstrap standard error of horizontal_shading
    samples: int


def horizontal_shading(light: np.ndarray, ambient: float) -> float:
    """How much brighter the surface is towards the image's right than its left, as a share of all the fitted
    light: bounded (-1..1) and free of exposure and albedo scale."""
    return float(light[0] / (abs(ambient) + np.abs(light).sum() + 1e-12))


def surface_light(luminance_values: np.ndarray, normals: np.ndarray, groups: np.ndarray, bootstrap: int = 200,
                  seed: int = 0) -> SurfaceLight | None:
    """First-order spherical-harmonic lighting (ambient + one distant light, 4 unknowns) fitted by least squares
    to linear ``luminance_values`` of surface pixels with unit 3-D ``normals`` (image x right, y down, z towards
    the camera); after Kee & Farid (IEEE WIFS 2010), simplified to first order as their paper's generic-geometry
    variant. ``groups`` label spatial cells resampled together for the bootstrap. Saturated and black pixels
    are left out; None when fewer than 30 remain or fewer than 3 cells hold them."""
    keep = (luminance_values > BLACK) & (luminance_values < SATURATED)
    values, normals, groups = luminance_values[keep], normals[keep], groups[keep]
    if len(values) < 30 or len(np.unique(groups)) < 3:
        return None
    light, ambient = fit_light(normals, values)
    # Least squares is linear, so each cell's normal equations add up: a bootstrap replicate drawing cells is a
    # weighted sum of per-cell 4x4 systems (the same as refitting on the resampled pixels, far cheaper).
    gram, moment = normal_equations(np.column_stack([normals, np.ones(len(values))]), values, groups)
    replicates = solve_resampled(gram, moment, resample_counts(len(gram), bootstrap, seed))
    spread = [angular_difference(azimuth(replicate[:3]), azimuth(light)) for replicate in replicates]
    shading = [horizontal_shading(replicate[:3], replicate[3]) for replicate in replicates]
    return SurfaceLight(azimuth(light), float(np.percentile(spread, 95)), horizontal_shading(light, ambient),
                        float(np.std(shading)), int(len(values)))


def ellipsoid_normals(points: np.ndarray, pixels_xy: np.ndarray, forehead_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit normals (x right, y down, z towards the camera) of a generic head at image pixels ``pixels_xy``
    (n, 2), and each pixel's position (u, v) on the head's outline, -1..1 (u from the left jaw end to the
    right, v from the top of the forehead to the chin).

    The head is an ellipsoid aligned with the eyes (landmarks 36 and 45), centred between the jaw ends (0, 16)
    horizontally and between the brows and the chin (8) vertically; half-width 1.1 x half the jaw-to-jaw
    width, half-height 1.1 x half the brow-to-chin height plus ``forehead_fraction`` x the face width (so the
    forehead lies on it), depth equal to the half-width. A generic shape: the normals are approximate, more so
    on the nose (which the callers leave out) and on faces turned away from the camera."""
    points = np.asarray(points, float)
    width = float(np.linalg.norm(points[16] - points[0]))
    eye_axis = points[45] - points[36]
    angle = np.arctan2(eye_axis[1], eye_axis[0])
    to_face = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    brows = points[19:25, 1].mean()
    centre = np.array([(points[0, 0] + points[16, 0]) / 2, (brows + points[8, 1]) / 2])
    half_width = 1.1 * width / 2
    half_height = 1.1 * (points[8, 1] - brows) / 2 + forehead_fraction * width
    local = (np.asarray(pixels_xy, float) - centre) @ to_face.T
    u, v = local[:, 0] / half_width, local[:, 1] / half_height
    z = np.sqrt(np.clip(1 - u ** 2 - v ** 2, 1e-3, None))
    normals = np.column_stack([u / half_width, v / half_height, z / half_width])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    normals[:, :2] = normals[:, :2] @ to_face  # back to image axes
    return normals, np.column_stack([u, v])


@dataclass(frozen=True)
class FaceLightRegions:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of the crop the masks refer to
    inner_face: np.ndarray  # skin inside the jaw-and-brow hull, without eyes, brows, nose and mouth
    forehead: np.ndarray  # a band above the brows, outside the hull (before any skin test)


def face_light_regions(points: np.ndarray, image_shape: tuple[int, int], forehead_fraction: float = 0.25,
                       feature_margin_fraction: float = 0.04) -> FaceLightRegions:
    """Pixel masks for the face's own light and its forehead's, from the 68 landmarks ``points``.

    The inner face is the hull of landmarks 0-26 less the eyes, brows, nose and lips grown by
    ``feature_margin_fraction`` x the face width (their shading follows their own shape, not the ellipsoid's);
    the forehead is the band between the brows and the brows raised by ``forehead_fraction`` x the face width.
    A face swap replaces the first and keeps the second (swap masks follow the jaw line and the brows)."""
    points = np.asarray(points, float)
    width = float(np.linalg.norm(points[16] - points[0]))
    x0, y0 = np.floor(points.min(axis=0) - [0, forehead_fraction * width]).astype(int).clip(0)
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + 1
    x1, y1 = min(int(x1), image_shape[1]), min(int(y1), image_shape[0])
    local = points - [x0, y0]
    shape = (y1 - y0, x1 - x0)
    hull = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(hull, np.round(cv2.convexHull(local[0:27].astype(np.float32))).astype(np.int32), 1)
    features = np.zeros(shape, np.uint8)
    for part in (local[36:42], local[42:48], local[48:60], local[17:22], local[22:27], local[27:36]):
        cv2.fillConvexPoly(features, np.round(cv2.convexHull(part.astype(np.float32))).astype(np.int32), 1)
    margin = max(1, int(round(feature_margin_fraction * width)))
    features = cv2.dilate(features, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
    brows = local[17:27]
    band = np.zeros(shape, np.uint8)
    cv2.fillPoly(band, [np.round(np.r_[brows, (brows - [0, forehead_fraction * width])[::-1]]).astype(np.int32)], 1)
    return FaceLightRegions((int(x0), int(y0), int(x1), int(y1)), (hull > 0) & (features == 0),
                            (band > 0) & (hull == 0) & (features == 0))


def similar_chroma(lab: np.ndarray, reference: np.ndarray, candidates: np.ndarray, max_distance: float) -> np.ndarray:
    """``candidates`` whose (a*, b*) lie within ``max_distance`` of the median over ``reference`` (CIELAB, as
    OpenCV's 8-bit conversion scales it): keeps skin, drops hair, hats and background."""
    if not reference.any():
        return np.zeros_like(candidates)
    median = np.median(lab[reference][:, 1:], axis=0)
    return candidates & (np.linalg.norm(lab[..., 1:].astype(np.float32) - median, axis=-1) <= max_distance)


def grey_world(linear_rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Illuminant colour (unit RGB vector, linear) as the mean colour of ``mask``'s unsaturated pixels."""
    pixels = linear_rgb[mask & (linear_rgb.max(axis=-1) < SATURATED)]
    mean = pixels.mean(axis=0) if len(pixels) else np.full(3, np.nan)
    return mean / (np.linalg.norm(mean) + 1e-12)


def _edge_powers(linear_rgb: np.ndarray, order: float, sigma_px: float) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel and channel, |gradient| ** ``order`` after Gaussian smoothing by ``sigma_px``; and which pixels
    are usable (no channel saturated)."""
    smoothed = cv2.GaussianBlur(linear_rgb.astype(np.float32), (0, 0), sigma_px)
    powers = np.empty(linear_rgb.shape, np.float64)
    for channel in range(3):
        gx = cv2.Sobel(smoothed[..., channel], cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(smoothed[..., channel], cv2.CV_32F, 0, 1, ksize=3)
        powers[..., channel] = np.hypot(gx, gy).astype(np.float64) ** order
    return powers, linear_rgb.max(axis=-1) < SATURATED


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / (np.linalg.norm(vector, axis=-1, keepdims=True) + 1e-12)


def grey_edge(linear_rgb: np.ndarray, mask: np.ndarray, order: float = 6.0, sigma_px: float = 1.0) -> np.ndarray:
    """Illuminant colour (unit RGB vector, linear) as the ``order``-norm of each channel's gradient magnitude
    over ``mask`` after Gaussian smoothing by ``sigma_px`` (van de Weijer et al. 2007's first-order grey-edge)."""
    powers, unsaturated = _edge_powers(linear_rgb, order, sigma_px)
    usable = mask & unsaturated
    if not usable.any():
        return np.full(3, np.nan)
    return _unit(powers[usable].mean(axis=0) ** (1.0 / order))


def edge_power_sums(linear_rgb: np.ndarray, block_px: int, order: float = 6.0,
                    sigma_px: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Per ``block_px`` x ``block_px`` block: the sum over its unsaturated pixels of each channel's smoothed
    |gradient| ** ``order`` (rows, columns, 3), and how many pixels that is (rows, columns). Partial blocks at
    the right and bottom edges are left out. ``grey_edge_from_sums`` turns any sum of blocks into an estimate."""
    powers, unsaturated = _edge_powers(linear_rgb, order, sigma_px)
    rows, columns = linear_rgb.shape[0] // block_px, linear_rgb.shape[1] // block_px
    usable = unsaturated[:rows * block_px, :columns * block_px]
    powers = powers[:rows * block_px, :columns * block_px] * usable[..., None]
    return (powers.reshape(rows, block_px, columns, block_px, 3).sum(axis=(1, 3)),
            usable.reshape(rows, block_px, columns, block_px).sum(axis=(1, 3)))


def grey_edge_from_sums(sums: np.ndarray, counts: np.ndarray, order: float = 6.0) -> np.ndarray:
    """Grey-edge estimates (unit RGB vectors) from power sums and pixel counts of ``edge_power_sums``
    (any leading shape); NaN where the count is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = _unit((sums / np.asarray(counts)[..., None]) ** (1.0 / order))
    return np.where(np.asarray(counts)[..., None] > 0, estimate, np.nan)


def colour_angle(first: np.ndarray, second: np.ndarray) -> float:
    """Angle in degrees between two RGB illuminant vectors (0: the same colour, whatever the brightness)."""
    cosine = float(np.dot(first, second) / (np.linalg.norm(first) * np.linalg.norm(second) + 1e-12))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))
