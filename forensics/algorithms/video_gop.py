"""Group-of-pictures structure of a compressed video stream, and the periodic traces of a second encoding.

A video encoded twice keeps, inside the second encoding, a memory of the first one's groups of pictures:
a frame that was intra-coded the first time, or one predicted across the first encoding's group
boundary, carries a different prediction error than its neighbours, so the second encoding's P-frames
cost periodically more (or fewer) bits, with the first encoding's group length as period. Deleting
frames shifts the first groups and produces the same periodic pattern (Wang & Farid, "Exposing digital
forgeries in video by detecting double MPEG compression", ACM MM&Sec 2006; the group length estimate
follows Vázquez-Padín, Fontani, Bianchi, Comesaña, Piva & Barni, "Detection of video double encoding
with GOP size estimation", WIFS 2012). The packet size stands in for the prediction error: it is what
the encoder spent on the residual, and it is read without decoding.

The periodicity is tested with Fisher's g statistic (Fisher, "Tests of significance in harmonic analysis", Proc. R.
Soc. A 125, 1929) extended to a period and its harmonics: the share of the periodogram they hold, with its p-value
under a white-noise null (a Beta tail). Scene content is not white noise, so the series is first divided by its
running median and the p-value is used as a statistic whose distribution on single encodings is measured, not as an
error rate in itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import median_filter
from scipy.special import betaincc

MIN_P_FRAMES = 24
TREND_WINDOW = 9  # P-frames: long enough to follow scene changes, short against periods of 10-60 frames


def frame_kinds(times_s: np.ndarray, keyframe: np.ndarray) -> np.ndarray:
    """'I', 'P' or 'B' per packet in decode order, inferred without decoding.

    Keyframe packets are I. A packet presented before a packet that was decoded earlier must have been
    predicted from a later picture, which only bidirectional (B) frames are; the rest are P. Packets
    without a presentation time count as P."""
    times = np.where(np.isfinite(times_s), times_s, -np.inf)
    earlier_max = np.concatenate([[-np.inf], np.maximum.accumulate(times)[:-1]])
    kinds = np.where(np.isfinite(times_s) & (times < earlier_max), "B", "P")
    kinds[keyframe] = "I"
    return kinds


def display_order(times_s: np.ndarray) -> np.ndarray:
    """Indices that put packets in presentation order (packets without a time keep their decode position)."""
    return np.argsort(np.where(np.isfinite(times_s), times_s, np.arange(len(times_s))), kind="stable")


def group_lengths(keyframe: np.ndarray) -> np.ndarray:
    """Frames from each keyframe to the next (the last, open group is left out)."""
    return np.diff(np.flatnonzero(keyframe))


@dataclass(frozen=True)
class Periodicity:
    period_frames: int  # candidate first-encoding group length with the most periodic energy
    energy_share: float  # share of the series' variance at that period and its harmonics
    expected_share: float  # the same share expected without any periodicity (harmonics / frequencies)
    p_value: float  # under white noise, Bonferroni-corrected over the periods tried; a statistic here
    frames: int  # length of the series (display order)
    p_frames: int  # P-frames it was built from


def relative_p_frame_sizes(times_s: np.ndarray, sizes: np.ndarray, keyframe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P-frame sizes relative to their running median and to the P-frames at the same place in the current
    groups, placed on the display-order frame grid (other frames interpolated); and the display-order kinds."""
    kinds = frame_kinds(times_s, keyframe)
    order = display_order(times_s)
    kinds, ordered_sizes = kinds[order], sizes[order].astype(np.float64)
    p_index = np.flatnonzero(kinds == "P")
    key_index = np.flatnonzero(kinds == "I")
    if len(p_index) < 2:
        return np.zeros(len(kinds)), kinds
    series = ordered_sizes[p_index]
    relative = series / np.maximum(median_filter(series, size=TREND_WINDOW, mode="nearest"), 1.0) - 1.0
    # The current encoding's own groups repeat too (the P-frames right after a keyframe cost more); removing
    # the typical value at each place in the group leaves what the groups do not explain.
    if len(key_index):
        owner = np.searchsorted(key_index, p_index, side="right") - 1
        place = np.where(owner >= 0, p_index - key_index[np.maximum(owner, 0)], -1)
        for value in np.unique(place):
            same_place = place == value
            if same_place.sum() >= 3:  # a place seen in fewer groups has no typical value
                relative[same_place] -= np.median(relative[same_place])
    relative -= relative.mean()
    return np.interp(np.arange(len(kinds)), p_index, relative), kinds


def fisher_share_p_value(share: float, harmonics: int, ordinates: int) -> float:
    """P(share of ``harmonics`` of ``ordinates`` exchangeable exponential ordinates >= ``share``): Beta tail.
    (scipy.special's complemented incomplete beta, which scipy.stats's ``beta.sf`` calls; importing scipy.stats
    alone takes half a second.)"""
    return float(betaincc(harmonics, ordinates - harmonics, share))


def first_encoding_periodicity(times_s: np.ndarray, sizes: np.ndarray, keyframe: np.ndarray,
                               periods: range = range(4, 61)) -> Periodicity | None:
    """The candidate group length (in frames) whose frequency and harmonics hold the largest excess share of
    the relative P-frame sizes' periodogram (None with fewer than MIN_P_FRAMES P-frames).

    Periods that divide the current encoding's usual group length are skipped: the current groups cannot
    be told from a first encoding's there."""
    relative, kinds = relative_p_frame_sizes(times_s, sizes, keyframe)
    p_frames = int((kinds == "P").sum())
    if p_frames < MIN_P_FRAMES:
        return None
    power = np.abs(np.fft.rfft(relative))[1:] ** 2  # the mean is zero; drop its ordinate
    ordinates, frames = len(power), len(relative)
    total = power.sum()
    if total <= 0:
        return None
    lengths = group_lengths(keyframe)
    current = int(np.median(lengths)) if len(lengths) else 0
    tried, best = 0, None
    for period in periods:
        if period * 3 > frames or (current and current % period == 0):
            continue
        bins = np.unique(np.rint(np.arange(1, period // 2 + 1) * frames / period).astype(int)) - 1
        bins = bins[(bins >= 0) & (bins < ordinates)]
        if len(bins) == 0:
            continue
        tried += 1
        share = float(power[bins].sum() / total)
        p_value = fisher_share_p_value(share, len(bins), ordinates)
        if best is None or p_value < best[3]:
            best = (period, share, len(bins) / ordinates, p_value)
    if best is None:
        return None
    period, share, expected, p_value = best
    return Periodicity(period, share, expected, min(1.0, tried * p_value), frames, p_frames)
