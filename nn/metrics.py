"""Uncertainty and calibration metrics of MC predictions (Sec. IV-B, VI-C). probs: T x N x C softmax (numpy)."""
from __future__ import annotations

import numpy as np
from scipy.stats import norm
from scipy.stats import t as student_t
from sklearn.metrics import average_precision_score, roc_auc_score

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


def predictive_interval_eq23(probs: np.ndarray, k: float = 95.0) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 23, a predictive interval: the (100-K)/2 and (100+K)/2 percentiles of the T samples themselves
    (where one pass's output falls); it does not shrink with T."""
    return np.percentile(probs, (100 - k) / 2, axis=0), np.percentile(probs, (100 + k) / 2, axis=0)


def mean_interval_eq22(probs: np.ndarray, k: float = 95.0) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 22, an interval of the MC estimate of the predictive MEAN: mean -/+ z_{eta/2} sigma / sqrt(T),
    eta = 1 - K/100, z the standard-normal quantile, sigma^2 Eq. 21; it shrinks as 1/sqrt(T)."""
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


# Kept as aliases: callers outside nn/ (evaluate_shift, seg) use the old names.
ci_percentile, ci_normal = predictive_interval_eq23, mean_interval_eq22


def fpr_at_tpr(score_neg: np.ndarray, score_pos: np.ndarray, tpr: float = 0.95) -> float:
    """Exact FPR at the first threshold reaching TPR >= tpr, ties included: flag `score >= thr`, thr the
    largest score value with at least ceil(tpr * n_pos) positives at or above it; FPR = share of negatives >= thr.
    Every image with a tied score is flagged together, so no threshold splits a tie (unlike a ROC curve thinned
    with drop_intermediate)."""
    pos = np.sort(np.asarray(score_pos, float))[::-1]
    need = int(np.ceil(tpr * len(pos) - 1e-9))
    if need <= 0:
        return 0.0
    thr = pos[need - 1]  # the need-th largest positive score: all ties of it are flagged with it
    return float((np.asarray(score_neg, float) >= thr).mean())


def ood_scores(score_id: np.ndarray, score_ood: np.ndarray) -> dict:
    """AUROC, AUPR (OOD positive) and FPR95 for an uncertainty score (higher = more OOD).
    `fpr_at_95tpr_ood`: OOD is the positive class (share of ID images flagged at the threshold that flags 95 %
    of the OOD images); `fpr_at_95tpr_id`: ID positive with -score (share of OOD images accepted at the threshold
    that accepts 95 % of the ID images), the convention of Hendrycks & Gimpel / Liang et al."""
    s = np.concatenate([score_id, score_ood])
    lab = np.concatenate([np.zeros(len(score_id)), np.ones(len(score_ood))])
    return {"auroc": float(roc_auc_score(lab, s)), "aupr_ood": float(average_precision_score(lab, s)),
            "fpr_at_95tpr_ood": fpr_at_tpr(score_id, score_ood),
            "fpr_at_95tpr_id": fpr_at_tpr(-np.asarray(score_ood), -np.asarray(score_id))}


def mean_ci(values, level: float = 95.0) -> tuple[float, float]:
    """Mean and the half-width of its Student-t `level` % confidence interval over repetitions (seeds);
    half-width NaN for fewer than 2 values."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return float("nan"), float("nan")
    if len(v) < 2:
        return float(v.mean()), float("nan")
    half = student_t.ppf(0.5 + level / 200, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return float(v.mean()), float(half)


def summarize(probs: np.ndarray, y: np.ndarray, n_bins: int = 15) -> dict:
    """Accuracy, NLL, ECE, Brier of the predictive mean plus mean entropy / MI / variance."""
    p = predictive_mean(probs)
    return {"accuracy": accuracy(p, y), "nll": nll(p, y), "ece": ece(p, y, n_bins), "brier": brier(p, y),
            "mean_entropy": float(entropy(p).mean()), "mean_mi": float(mutual_information(probs).mean()),
            "mean_variance": float(predictive_variance(probs).sum(-1).mean())}
