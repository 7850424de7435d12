"""Frame types, group lengths and the periodicity test, on packet traces with known structure."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from forensics.algorithms.video_gop import first_encoding_periodicity, fisher_share_p_value, frame_kinds, group_lengths, relative_p_frame_sizes


def trace(pattern: str, repeats: int, fps: float = 25.0) -> tuple[np.ndarray, np.ndarray]:
    """Presentation times in decode order and keyframe flags for a display pattern such as 'IBBPBBP'
    (each B-run is decoded after the P that follows it, as an MPEG encoder orders them)."""
    display = pattern * repeats
    decode_order, pending_b = [], []
    for index, kind in enumerate(display):
        if kind == "B":
            pending_b.append(index)
        else:
            decode_order.append(index)
            decode_order.extend(pending_b)
            pending_b = []
    decode_order.extend(pending_b)
    times = np.array(decode_order, dtype=np.float64) / fps
    keys = np.array([display[i] == "I" for i in decode_order])
    return times, keys


def test_frame_kinds_recover_the_display_pattern_from_decode_order():
    times, keys = trace("IBBPBBPBBP", 3)
    kinds = frame_kinds(times, keys)
    display = "".join(kinds[np.argsort(times)])
    assert display == "IBBPBBPBBP" * 3


def test_frame_kinds_without_b_frames_and_with_missing_times():
    times, keys = trace("IPPPP", 2)
    times[3] = np.nan
    assert "".join(frame_kinds(times, keys)) == "IPPPPIPPPP"


def test_group_lengths_are_the_distances_between_keyframes():
    keys = np.zeros(40, dtype=bool)
    keys[[0, 12, 24, 30]] = True
    assert group_lengths(keys).tolist() == [12, 12, 6]


def test_share_p_value_is_the_beta_tail_of_exchangeable_exponential_ordinates():
    # Independent check by simulation: the share of 3 of 100 iid exponential ordinates.
    rng = np.random.default_rng(0)
    draws = rng.exponential(size=(200_000, 100))
    shares = draws[:, :3].sum(axis=1) / draws.sum(axis=1)
    for threshold in (0.06, 0.1, 0.15):
        assert fisher_share_p_value(threshold, 3, 100) == pytest.approx((shares >= threshold).mean(), abs=2e-3)
    assert fisher_share_p_value(0.1, 3, 100) == pytest.approx(beta.sf(0.1, 3, 97))


def sizes_for(times: np.ndarray, keys: np.ndarray, rng: np.random.Generator, spike_every: int | None,
              spike: float = 0.35) -> np.ndarray:
    """Packet sizes: I 40 kB, P 8 kB, B 3 kB with 15 % noise and a slow drift; every ``spike_every``-th frame in
    display order costs ``spike`` more (the trace of a first encoding's groups)."""
    kinds = frame_kinds(times, keys)
    base = np.where(kinds == "I", 40_000, np.where(kinds == "P", 8_000, 3_000)).astype(np.float64)
    frame = np.rint(times * 25).astype(int)
    drift = 1 + 0.3 * np.sin(frame / 40)
    sizes = base * drift * rng.lognormal(0, 0.15, len(base))
    if spike_every:
        sizes *= np.where(frame % spike_every == 5, 1 + spike, 1.0)
    return np.rint(sizes)


def test_a_first_encodings_period_is_found_and_single_encodings_stay_quiet():
    rng = np.random.default_rng(1)
    times, keys = trace("I" + "P" * 29, 10)  # groups of 30, no B-frames, 300 frames
    found = first_encoding_periodicity(times, sizes_for(times, keys, rng, 12), keys)
    assert found.period_frames == 12
    assert found.p_value < 1e-5
    assert found.energy_share > 4 * found.expected_share
    quiet = [first_encoding_periodicity(times, sizes_for(times, keys, np.random.default_rng(s), None), keys).p_value
             for s in range(40)]
    assert np.mean(np.array(quiet) < 0.01) <= 0.05  # the corrected p-value holds its level on noise


def test_periods_dividing_the_current_group_length_are_not_claimed():
    rng = np.random.default_rng(2)
    times, keys = trace("I" + "P" * 29, 10)
    result = first_encoding_periodicity(times, sizes_for(times, keys, rng, 15), keys)
    assert result.period_frames not in (5, 6, 10, 15, 30)


def test_b_frames_are_left_out_and_the_series_sits_on_the_frame_grid():
    times, keys = trace("IBBPBBPBBPBBPBB", 8)
    rng = np.random.default_rng(3)
    relative, kinds = relative_p_frame_sizes(times, sizes_for(times, keys, rng, None), keys)
    assert len(relative) == len(times)
    assert "".join(kinds[:6]) == "IBBPBB"
    assert abs(relative.mean()) < 0.05


def test_too_few_p_frames_give_no_answer():
    times, keys = trace("IPPPP", 3)
    assert first_encoding_periodicity(times, np.full(len(times), 1000.0), keys) is None
