"""Segmentation metrics (Sec. VI-C, Table V) and pixel-wise uncertainty (Sec. VII-B-c, Fig. 8).

All scores pool the pixels of the whole test set (micro average). A ratio with a zero denominator is NaN
(e.g. precision of an all-background prediction). Uncertainty follows Eq. 18/21 and the entropy of the predictive
mean (nn.metrics), computed per pixel from T MC samples of the 2-class softmax.
"""
from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from nn import metrics as M

SCORES = ("pixel_acc", "iou", "auc", "f1", "sensitivity", "specificity", "precision")


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else float("nan")


def confusion(pred: np.ndarray, gt: np.ndarray) -> dict:
    """TP/FP/TN/FN pixel counts of binary masks (any shape, nonzero = foreground)."""
    p, g = np.asarray(pred).astype(bool).ravel(), np.asarray(gt).astype(bool).ravel()
    if p.shape != g.shape:
        raise ValueError(f"prediction has {p.size} pixels, ground truth {g.size}")
    return {"tp": int((p & g).sum()), "fp": int((p & ~g).sum()), "tn": int((~p & ~g).sum()),
            "fn": int((~p & g).sum())}


def auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve of `scores` for binary `labels`; NaN when only one class is present."""
    lab = np.asarray(labels).astype(bool).ravel()
    if lab.all() or not lab.any():
        return float("nan")
    return float(roc_auc_score(lab, np.asarray(scores, dtype=np.float64).ravel()))


def seg_scores(prob_fg: np.ndarray, gt: np.ndarray, threshold: float = 0.5) -> dict:
    """Table V scores: pixel accuracy, IoU, AUC (of the foreground probability), F1 (Dice), sensitivity
    (recall), specificity, precision; prediction = prob_fg >= threshold."""
    c = confusion(np.asarray(prob_fg) >= threshold, gt)
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
    return {"pixel_acc": _ratio(tp + tn, tp + fp + tn + fn), "iou": _ratio(tp, tp + fp + fn),
            "auc": auroc(gt, prob_fg), "f1": _ratio(2 * tp, 2 * tp + fp + fn), "sensitivity": _ratio(tp, tp + fn),
            "specificity": _ratio(tn, tn + fp), "precision": _ratio(tp, tp + fp)}


def pixel_uncertainty(probs_fg: np.ndarray) -> dict:
    """Per-pixel summaries of T MC samples of the foreground probability (T x ...): predictive mean (Eq. 18),
    predictive variance summed over the two classes (Eq. 21), entropy of the mean and mutual information."""
    p = np.asarray(probs_fg, dtype=np.float64)
    two = np.stack([1 - p, p], -1)
    return {"mean": M.predictive_mean(p), "variance": M.predictive_variance(two).sum(-1),
            "entropy": M.entropy(two.mean(0)), "mi": M.mutual_information(two)}


def uncertainty_error_scores(unc: dict, gt: np.ndarray, threshold: float = 0.5) -> dict:
    """'Uncertainty is high where the model is wrong': AUROC of each per-pixel uncertainty for detecting the
    misclassified pixels, and its mean on correct / wrong pixels."""
    wrong = (unc["mean"] >= threshold) != np.asarray(gt).astype(bool)
    out = {"error_rate": float(wrong.mean())}
    for k in ("entropy", "variance", "mi"):
        u = unc[k]
        out[f"unc_auroc_{k}"] = auroc(wrong, u)
        out[f"{k}_correct"] = float(u[~wrong].mean()) if (~wrong).any() else float("nan")
        out[f"{k}_wrong"] = float(u[wrong].mean()) if wrong.any() else float("nan")
    return out


def nan_to_none(obj):
    """Recursively replace NaN floats by None (strict JSON / empty CSV cells)."""
    if isinstance(obj, dict):
        return {k: nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [nan_to_none(v) for v in obj]
    if isinstance(obj, float) and obj != obj:
        return None
    return obj
