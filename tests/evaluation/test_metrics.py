"""Evaluation metrics against scikit-learn and hand-computed values."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score, matthews_corrcoef, roc_auc_score

from forensics.evaluation.metrics import bootstrap, clopper_pearson, f1_mcc, rates_at, roc_auc


def test_auc_by_hand():
    # positives 0.9, 0.4; negatives 0.5, 0.1: of 4 pairs, 3 are ordered correctly.
    assert roc_auc(np.array([1, 1, 0, 0]), np.array([0.9, 0.4, 0.5, 0.1])) == 0.75
    assert roc_auc(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5  # a tie counts one half


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=2, max_size=60))
def test_auc_equals_scikit_learn(pairs):
    labels = np.array([p[0] for p in pairs])
    scores = np.array([p[1] for p in pairs], dtype=float)
    if labels.all() or not labels.any():
        assert np.isnan(roc_auc(labels, scores))
    else:
        assert roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))


@pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")  # scikit-learn's, on one-class inputs
@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=200))
def test_f1_and_mcc_equal_scikit_learn(pairs):
    truth = np.array([p[0] for p in pairs])
    predicted = np.array([p[1] for p in pairs])
    f1, mcc = f1_mcc(truth, predicted)
    assert f1 == pytest.approx(f1_score(truth, predicted, zero_division=1.0))
    assert mcc == pytest.approx(matthews_corrcoef(truth, predicted))


def test_rates_at_threshold():
    labels = np.array([1, 1, 1, 0, 0])
    levels = np.array([3, 2, 0, 2, 0])
    assert rates_at(labels, levels, 2) == (pytest.approx(2 / 3), pytest.approx(1 / 2))
    assert rates_at(labels, levels, 3) == (pytest.approx(1 / 3), 0.0)


def test_bootstrap_is_reproducible_and_brackets_the_estimate():
    rng = np.random.default_rng(1)
    labels = np.r_[np.ones(50), np.zeros(50)].astype(bool)
    scores = np.r_[rng.normal(1, 1, 50), rng.normal(0, 1, 50)]
    first = bootstrap(roc_auc, labels, scores, replicates=300, seed=7)
    second = bootstrap(roc_auc, labels, scores, replicates=300, seed=7)
    assert first == second
    assert first.low < first.value < first.high
    assert 0.6 < first.value < 0.9


def test_bootstrap_of_a_constant_rate_has_zero_width():
    labels = np.array([1, 1, 0, 0], dtype=bool)
    interval = bootstrap(lambda truth, called: rates_at(truth, called, 1)[1], labels, np.array([1, 1, 0, 0]), replicates=100)
    assert (interval.value, interval.low, interval.high) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("successes, trials", [(2, 107), (19, 21), (7, 7), (1, 3)])
def test_clopper_pearson_equals_the_beta_quantiles_of_scipy(successes, trials):
    from scipy.stats import beta

    low, high = clopper_pearson(successes, trials)
    assert low == pytest.approx(beta.ppf(0.025, successes, trials - successes + 1) if successes else 0.0, abs=1e-12)
    assert high == pytest.approx(beta.ppf(0.975, successes + 1, trials - successes) if successes < trials else 1.0, abs=1e-12)


def test_clopper_pearson_with_no_success_has_its_closed_form():
    assert clopper_pearson(0, 107) == (0.0, pytest.approx(1 - 0.025 ** (1 / 107)))
