"""Detection and localisation metrics with bootstrap confidence intervals.

AUC is the Mann-Whitney U statistic divided by n_pos * n_neg (ties count one half), which equals the area
under the empirical ROC curve (Hanley & McNeil, Radiology 143, 1982). Confidence intervals are percentile
bootstrap intervals (Efron & Tibshirani, "An Introduction to the Bootstrap", 1993), resampling positives
and negatives separately so every replicate keeps both classes; the generator is seeded, so intervals are
reproducible. A single proportion (k of n) gets the exact Clopper-Pearson interval (Clopper & Pearson,
Biometrika 26, 1934).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import betaincinv
from scipy.stats import rankdata

BOOTSTRAP_REPLICATES = 2000


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve; ``labels`` are 1 for positives (manipulated), 0 for negatives."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)  # average ranks for ties
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def rates_at(labels: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float, float]:
    """(true-positive rate, false-positive rate) when ``score >= threshold`` is called positive."""
    labels = np.asarray(labels, dtype=bool)
    called = np.asarray(scores, dtype=float) >= threshold
    tpr = float(called[labels].mean()) if labels.any() else float("nan")
    fpr = float(called[~labels].mean()) if (~labels).any() else float("nan")
    return tpr, fpr


def f1_mcc(truth: np.ndarray, predicted: np.ndarray) -> tuple[float, float]:
    """Pixel-level F1 and Matthews correlation of a binary map against a binary ground-truth mask."""
    truth = np.asarray(truth, dtype=bool).ravel()
    predicted = np.asarray(predicted, dtype=bool).ravel()
    tp = float(np.sum(truth & predicted))
    fp = float(np.sum(~truth & predicted))
    fn = float(np.sum(truth & ~predicted))
    tn = float(np.sum(~truth & ~predicted))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    denominator = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    mcc = (tp * tn - fp * fn) / denominator if denominator else 0.0
    return float(f1), float(mcc)


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float

    def __str__(self) -> str:
        if np.isnan(self.value):
            return "n/a"
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def bootstrap(statistic, labels: np.ndarray, scores: np.ndarray, replicates: int = BOOTSTRAP_REPLICATES,
              seed: int = 0, level: float = 0.95) -> Interval:
    """``statistic(labels, scores)`` with a percentile bootstrap interval, resampling within each class."""
    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    value = statistic(labels, scores)
    positives, negatives = np.flatnonzero(labels), np.flatnonzero(~labels)
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(replicates):
        index = np.concatenate([
            rng.choice(positives, positives.size) if positives.size else positives,
            rng.choice(negatives, negatives.size) if negatives.size else negatives,
        ])
        samples.append(statistic(labels[index], scores[index]))
    samples = np.asarray(samples, dtype=float)
    samples = samples[~np.isnan(samples)]
    if samples.size == 0:
        return Interval(value, float("nan"), float("nan"))
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Interval(float(value), float(low), float(high))


def clopper_pearson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) two-sided interval of a binomial proportion: the beta quantiles
    B(alpha/2; k, n - k + 1) and B(1 - alpha/2; k + 1, n - k), with 0 and 1 at the ends."""
    tail = (1 - confidence) / 2
    low = betaincinv(successes, trials - successes + 1, tail) if successes > 0 else 0.0
    high = betaincinv(successes + 1, trials - successes, 1 - tail) if successes < trials else 1.0
    return float(low), float(high)
