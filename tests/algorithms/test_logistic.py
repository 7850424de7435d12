"""The calibration fit agrees with scikit-learn's logistic regression (an independent implementation)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from forensics.algorithms.logistic import fit_logistic


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_scikit_learn_on_standardised_features(seed):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(300, 4)) * [1, 3, 0.5, 2] + [0, 1, -2, 5]
    labels = (features @ [1.0, -0.5, 2.0, 0.3] + rng.normal(size=300) > 2.5).astype(int)
    ours = fit_logistic(features, labels, l2=1.0)
    standardised = (features - ours.mean) / ours.scale
    reference = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(standardised, labels)
    assert np.allclose(ours.weights, reference.coef_[0], atol=1e-5)
    assert ours.intercept == pytest.approx(reference.intercept_[0], abs=1e-5)
    assert np.allclose(ours.probability(features), reference.predict_proba(standardised)[:, 1], atol=1e-6)
