"""Uncertainty and calibration metrics of MC predictions (Sec. IV-B, VI-C). probs: T x N x C softmax (numpy)."""
from __future__ import annotations

import numpy as np
from scipy.stats import norm
from sklearn.metrics import average_precision_score, roc_auc_score, roc_curve

_EPS = 1e-12


def predictive_mean(probs: np.ndarray) -> np.ndarray:
    """Eq. 18: (1/T) sum_t y_t."""
    return probs.mean(0)


def predictive_variance(probs: np.ndarray) -> np.ndarray:
    """Eq. 21: (1/T) sum_t (y_t - mean)^2, per image and class."""
    return ((probs - probs.mean(0)) ** 2).mean(0)


def entropy(p: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) over the last axis."""
    return -(p * np.log(p + _EPS)).sum(-1)


def mutual_information(probs: np.ndarray) -> np.ndarray:
    """Epistemic part: H(mean_t y_t) - mean_t H(y_t)."""
    return entropy(probs.mean(0)) - entropy(probs).mean(0)


def ci_percentile(probs: np.ndarray, k: float = 95.0) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 23: the (100-K)/2 and (100+K)/2 percentiles over the T samples."""
    return np.percentile(probs, (100 - k) / 2, axis=0), np.percentile(probs, (100 + k) / 2, axis=0)


def ci_normal(probs: np.ndarray, k: float = 95.0) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 22: mean -/+ z_{eta/2} sigma / sqrt(T), eta = 1 - K/100, z the standard-normal quantile, sigma^2 Eq. 21."""
    z = norm.ppf(1 - (1 - k / 100) / 2)
    half = z * np.sqrt(predictive_variance(probs)) / np.sqrt(probs.shape[0])
    mu = predictive_mean(probs)
    return mu - half, mu + half


def ood_flags(probs: np.ndarray, q: float = 10.0, threshold: float = 0.95, max_first: bool = False) -> np.ndarray:
    """Eq. 26: OOD where max over classes of the q-th percentile (over T) of the softmax is < threshold.
    max_first=True reads it the other way round: the q-th percentile over T of the max softmax."""
    if max_first:
        return np.percentile(probs.max(-1), q, axis=0) < threshold
    return np.percentile(probs, q, axis=0).max(-1) < threshold


def accuracy(p: np.ndarray, y: np.ndarray) -> float:
    return float((p.argmax(-1) == y).mean())


def nll(p: np.ndarray, y: np.ndarray) -> float:
    return float(-np.log(p[np.arange(len(y)), y] + _EPS).mean())


def brier(p: np.ndarray, y: np.ndarray) -> float:
    """Multi-class Brier score: mean over images of sum_c (p_c - onehot_c)^2."""
    onehot = np.eye(p.shape[-1])[y]
    return float(((p - onehot) ** 2).sum(-1).mean())


def ece(p: np.ndarray, y: np.ndarray, n_bins: int = 15) -> float:
    """Expected calibration error, torchmetrics' L1 definition: bins [b_i, b_i+1) of max-prob confidence."""
    conf, correct = p.max(-1), (p.argmax(-1) == y).astype(float)
    bins = np.searchsorted(np.linspace(0, 1, n_bins + 1), conf, side="right") - 1
    total = 0.0
    for b in np.unique(bins):
        sel = bins == b
        total += abs(correct[sel].mean() - conf[sel].mean()) * sel.mean()
    return float(total)


def ood_scores(score_id: np.ndarray, score_ood: np.ndarray) -> dict:
    """AUROC, AUPR and FPR95 for an uncertainty score (higher = more OOD); OOD is the positive class.
    FPR95: fraction of ID images flagged at the threshold that detects 95% of the OOD images."""
    s = np.concatenate([score_id, score_ood])
    lab = np.concatenate([np.zeros(len(score_id)), np.ones(len(score_ood))])
    fpr, tpr, _ = roc_curve(lab, s)
    return {"auroc": float(roc_auc_score(lab, s)), "aupr": float(average_precision_score(lab, s)),
            "fpr95": float(fpr[np.searchsorted(tpr, 0.95, side="left")])}


def summarize(probs: np.ndarray, y: np.ndarray, n_bins: int = 15) -> dict:
    """Accuracy, NLL, ECE, Brier of the predictive mean plus mean entropy / MI / variance."""
    p = predictive_mean(probs)
    return {"accuracy": accuracy(p, y), "nll": nll(p, y), "ece": ece(p, y, n_bins), "brier": brier(p, y),
            "mean_entropy": float(entropy(p).mean()), "mean_mi": float(mutual_information(probs).mean()),
            "mean_variance": float(predictive_variance(probs).sum(-1).mean())}
