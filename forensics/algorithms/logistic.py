"""L2-regularised logistic regression by Newton's method (IRLS), for calibrating combined scores.

Small and dependency-free so that the shipped model is reproducible from ``forensics/evaluation``; checked
against scikit-learn's ``LogisticRegression`` in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LogisticModel:
    mean: list[float]  # feature standardisation
    scale: list[float]
    weights: list[float]
    intercept: float

    def probability(self, features: np.ndarray) -> np.ndarray:
        z = (np.atleast_2d(features) - self.mean) / self.scale
        return 1 / (1 + np.exp(-(z @ np.asarray(self.weights) + self.intercept)))


def fit_logistic(features: np.ndarray, labels: np.ndarray, l2: float = 1.0, iterations: int = 50) -> LogisticModel:
    """Minimise sum of log-losses + l2/2 |w|^2 (intercept not penalised) on standardised features."""
    features = np.asarray(features, float)
    labels = np.asarray(labels, float)
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    design = np.hstack([(features - mean) / scale, np.ones((len(features), 1))])
    penalty = np.diag([l2] * features.shape[1] + [0.0])
    theta = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(design @ theta)))
        gradient = design.T @ (p - labels) + penalty @ theta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-10:
            break
    return LogisticModel(mean.tolist(), scale.tolist(), theta[:-1].tolist(), float(theta[-1]))
