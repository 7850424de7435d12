"""Inner face against its surroundings: the traces a face swap leaves at its blending boundary.

A swap pastes a generated or transplanted face into a photo through a mask built from the landmarks (jaw
line and brows), blended and colour-corrected (Li et al., "Face X-ray", CVPR 2020, describe the pipeline;
Li & Lyu, "Exposing DeepFake videos by detecting face warping artifacts", CVPR-W 2019, the resolution
loss). The pasted face usually differs from what surrounds it in noise level, fine detail and colour, and
the mask edge can leave a seam. Regions are defined by the signed distance d to the hull of landmarks 0-26
(positive inside), in units of the band width w = ``band_fraction`` x face width (jaw landmarks 0 to 16):

- core: d > w (the inner face), inner band: 0 < d <= w, outer band: -w <= d < 0 (cheek/forehead/neck ring),
- seam: |d| <= SEAM_PX, against the rings at d = +-w/2.

Measures (each a log ratio inside / outside, 0 when both agree):

- noise: Immerkær's estimator (CVIU 64(2), 1996), sigma = sqrt(pi/2) / 6 x mean |I * N| with the
  Laplacian-difference kernel N, on luminance;
- detail: mean |Laplacian| / mean |gradient|, a contrast-free measure of how much fine detail there is
  (a face generated at low resolution and upsampled has less);
- sharpness: mean gradient magnitude;
- seam: gradient across the boundary at the boundary against the same measure on the rings either side;
- colour: CIE 1976 colour difference between the mean CIELAB colour of the inner and the outer band.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

HULL_POINTS = slice(0, 27)  # jaw line 0-16 and brows 17-26
SEAM_PX = 1.5
_IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


@dataclass(frozen=True)
class FaceRegions:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1: the crop all masks and the distance refer to
    distance: np.ndarray  # signed distance to the hull, pixels, positive inside
    band_px: float

    @property
    def core(self) -> np.ndarray:
        return self.distance > self.band_px

    @property
    def inner_band(self) -> np.ndarray:
        return (self.distance > 0) & (self.distance <= self.band_px)

    @property
    def outer_band(self) -> np.ndarray:
        return (self.distance < 0) & (self.distance >= -self.band_px)


@dataclass(frozen=True)
class BoundaryMeasures:
    log_noise_ratio: float
    log_detail_ratio: float
    log_sharpness_ratio: float
    log_seam_ratio: float
    colour_difference: float  # CIE76 delta E between inner and outer band means
    noise_inside: float
    noise_outside: float
    lab_inside: tuple[float, float, float]
    lab_outside: tuple[float, float, float]

    def features(self) -> list[float]:
        """The inputs of the calibrated combination: a pasted face may be noisier or cleaner, sharper or softer
        than its surroundings, so those ratios count by their size whatever their sign."""
        return [abs(self.log_noise_ratio), abs(self.log_detail_ratio), abs(self.log_sharpness_ratio),
                self.log_seam_ratio, self.colour_difference]


FEATURE_NAMES = ["|log noise ratio|", "|log detail ratio|", "|log sharpness ratio|", "log seam ratio",
                 "colour difference (CIE76)"]


def face_width(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[16] - points[0]))


def face_regions(image_shape: tuple[int, int], points: np.ndarray, band_fraction: float = 0.08) -> FaceRegions:
    """Signed distance to the landmark hull in a crop around the face (the face box grown by 2 bands)."""
    band = max(2.0, band_fraction * face_width(points))
    hull = cv2.convexHull(points[HULL_POINTS].astype(np.float32))
    margin = int(np.ceil(2 * band)) + 2
    x0, y0 = (np.floor(points.min(axis=0)).astype(int) - margin).clip(0)
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + margin
    x1, y1 = min(int(x1), image_shape[1]), min(int(y1), image_shape[0])
    inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillConvexPoly(inside, np.round(hull - [x0, y0]).astype(np.int32), 1)
    inner = cv2.distanceTransform(inside, cv2.DIST_L2, 5)
    outer = cv2.distanceTransform(1 - inside, cv2.DIST_L2, 5)
    return FaceRegions((int(x0), int(y0), int(x1), int(y1)), np.where(inside > 0, inner, -outer), band)


def noise_response(grey: np.ndarray) -> np.ndarray:
    """Per pixel, |I * N| scaled so that its mean over a region is Immerkær's noise sigma (grey levels)."""
    return np.abs(cv2.filter2D(grey, cv2.CV_32F, _IMMERKAER, borderType=cv2.BORDER_REFLECT)) * np.float32(np.sqrt(np.pi / 2) / 6)


def immerkaer_noise(grey: np.ndarray, mask: np.ndarray) -> float:
    """Noise standard deviation (grey levels) of ``grey`` (float32) over ``mask``, Immerkær 1996."""
    return float(noise_response(grey)[mask].mean()) if mask.any() else float("nan")


def _log_ratio(inside: float, outside: float) -> float:
    return float(np.log((inside + 1e-6) / (outside + 1e-6)))


def boundary_measures(rgb: np.ndarray, regions: FaceRegions) -> BoundaryMeasures:
    """The measures of the module docstring for the face whose ``regions`` were built on ``rgb``."""
    x0, y0, x1, y1 = regions.box
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    gradient = np.hypot(gx, gy)
    laplacian = np.abs(cv2.Laplacian(grey, cv2.CV_32F, ksize=1))
    core, outer = regions.core, regions.outer_band
    noise_in, noise_out = immerkaer_noise(grey, core), immerkaer_noise(grey, outer)
    detail_in = laplacian[core].mean() / (gradient[core].mean() + 1e-6)
    detail_out = laplacian[outer].mean() / (gradient[outer].mean() + 1e-6)
    # Gradient across the boundary: project on the distance field's own gradient (the boundary normal).
    nx = cv2.Sobel(regions.distance, cv2.CV_32F, 1, 0, ksize=3)
    ny = cv2.Sobel(regions.distance, cv2.CV_32F, 0, 1, ksize=3)
    across = np.abs(gx * nx + gy * ny) / (np.hypot(nx, ny) + 1e-6)
    seam = np.abs(regions.distance) <= SEAM_PX
    rings = np.abs(np.abs(regions.distance) - regions.band_px / 2) <= SEAM_PX
    lab = cv2.cvtColor(crop.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    lab_in = lab[regions.inner_band].mean(axis=0)
    lab_out = lab[outer].mean(axis=0)
    return BoundaryMeasures(
        log_noise_ratio=_log_ratio(noise_in, noise_out),
        log_detail_ratio=_log_ratio(detail_in, detail_out),
        log_sharpness_ratio=_log_ratio(gradient[core].mean(), gradient[outer].mean()),
        log_seam_ratio=_log_ratio(across[seam].mean(), across[rings].mean()),
        colour_difference=float(np.linalg.norm(lab_in - lab_out)),
        noise_inside=noise_in, noise_outside=noise_out,
        lab_inside=tuple(float(v) for v in lab_in), lab_outside=tuple(float(v) for v in lab_out),
    )


def sector_noise_profile(rgb: np.ndarray, regions: FaceRegions, sectors: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Noise (Immerkær, grey levels) just inside and just outside the boundary, per angular sector.

    Sectors of 360/``sectors`` degrees around the inner face's centroid, counted clockwise (image y points
    down) from the direction of the image's right edge; half-bands of w/2 either side of the boundary. NaN
    where a sector has fewer than 20 pixels on a side (the crop ends at the image border).
    """
    x0, y0, x1, y1 = regions.box
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    response = noise_response(grey)
    rows, columns = np.indices(regions.distance.shape)
    centre = np.argwhere(regions.core).mean(axis=0) if regions.core.any() else np.array(grey.shape) / 2
    angle = np.mod(np.arctan2(rows - centre[0], columns - centre[1]), 2 * np.pi)
    sector = np.minimum((angle / (2 * np.pi) * sectors).astype(int), sectors - 1)
    inside_band = (regions.distance > 0) & (regions.distance <= regions.band_px / 2)
    outside_band = (regions.distance < 0) & (regions.distance >= -regions.band_px / 2)
    inside, outside = np.full(sectors, np.nan), np.full(sectors, np.nan)
    for index in range(sectors):
        here = sector == index
        if (inside_band & here).sum() >= 20 and (outside_band & here).sum() >= 20:
            inside[index] = response[inside_band & here].mean()
            outside[index] = response[outside_band & here].mean()
    return inside, outside
