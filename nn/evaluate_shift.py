"""Distribution-shift evaluations (Sec. VIII): Fig. 5 (uniform noise of growing strength on one image, 95 % CI of
logits and softmax, Eq. 21-23) and Table X (15 corruptions x 5 severities: corruption error and Eq. 26 OOD rate,
with and without channel-wise normalisation pre-processing).

Table X protocol as the paper's numbers imply: CE_c = mean over the 5 severities of the top-1 error (no AlexNet
normalisation as in Hendrycks & Dietterich: the paper's mCE equals the plain mean of its 15 CEs, see PAPER_X),
mCE = mean over corruptions; OOD rate = share of images flagged by Eq. 26, mOOD its mean. Pre-processing modes:
`none` = pixels in [0, 1] as loaded (paper "PP: No"), `channel` = each corrupted set standardised channel-wise to
zero mean / unit std, the distribution the model saw in training (paper "PP: Yes"), `train` = the training split's
statistics (the usual harness).
"""
from __future__ import annotations

import numpy as np
import torch

from nn import metrics as M
from nn.corruptions import CORRUPTIONS, corrupt
from nn.data.ood import add_uniform_noise
from nn.data.transforms import normalize, to_float
from nn.mc import mc_predict

PREPROCESS = ("none", "channel", "train")
# Table X (CIFAR-10, Scale-Dropout): {(model, pp): (clean error, mCE, mOOD, [OOD rate, CE] per corruption in the
# order of CORRUPTIONS = the table's columns)}
_X = {
    ("vgg_small", "none"): (9.55, 82.84, 87.06, [80.57, 86.85, 80.08, 86.27, 71.6, 61.07, 91.41, 86.91, 89.99, 86.41,
                                                 88.95, 86.03, 95.24, 86.45, 76.38, 82.33, 87.52, 85.51, 97.42, 88.43,
                                                 86.23, 70.71, 84.98, 90.16, 95.26, 82.59, 87.47, 81.12, 92.85, 81.83]),
    ("vgg_small", "channel"): (None, 49.95, 58.48, [68.39, 70.45, 67.96, 66.54, 78.78, 87.85, 62.75, 50.72, 59.96,
                                                    50.8, 55.78, 43.25, 58.97, 46.06, 47.0, 34.86, 56.7, 46.96, 58.09,
                                                    41.78, 29.53, 16.44, 89.84, 78.31, 48.13, 30.07, 47.38, 55.28,
                                                    47.95, 29.93]),
    ("resnet18", "none"): (8.48, 79.49, 86.10, [84.38, 83.52, 83.57, 82.03, 82.66, 84.26, 95.89, 82.13, 89.60, 83.06,
                                                93.37, 79.46, 94.48, 81.61, 80.01, 72.81, 89.97, 80.81, 98.64, 82.34,
                                                73.90, 61.02, 82.66, 84.26, 86.98, 78.20, 74.18, 81.28, 81.25, 75.56]),
    ("resnet18", "channel"): (None, 47.32, 56.21, [66.33, 66.71, 60.42, 65.96, 73.73, 59.13, 62.75, 50.72, 58.90,
                                                   49.82, 59.54, 44.34, 61.11, 47.05, 47.7, 32.58, 53.78, 59.25, 58.09,
                                                   41.78, 28.79, 14.61, 65.71, 74.63, 47.98, 26.66, 55.15, 53.48,
                                                   42.98, 23.02]),
    ("resnet20", "none"): (13.96, 74.38, 97.64, [99.57, 85.75, 99.44, 84.97, 84.38, 16.48, 100.0, 83.23, 99.96, 85.86,
                                                 100.0, 82.70, 100.0, 83.13, 82.66, 15.74, 99.98, 84.45, 100.0, 87.63,
                                                 99.73, 73.72, 100.0, 85.62, 100.0, 83.22, 99.05, 82.67, 99.88, 80.53]),
    ("resnet20", "channel"): (None, 55.61, 87.73, [77.74, 84.34, 81.80, 82.06, 88.09, 76.32, 96.03, 57.51, 88.46,
                                                   61.83, 94.31, 50.03, 94.50, 50.95, 85.51, 41.36, 89.11, 53.56, 93.78,
                                                   47.58, 69.94, 20.31, 99.95, 78.39, 90.30, 36.82, 83.92, 60.79,
                                                   82.46, 32.16]),
}
PAPER_X = {k: {"clean_error": e, "mce": mce, "mood": mood,
               "per": {c: (v[2 * i], v[2 * i + 1]) for i, c in enumerate(CORRUPTIONS)}}
           for k, (e, mce, mood, v) in _X.items()}


def fig5_noise(model, x: torch.Tensor, strengths, T: int, norm, noise_seed: int, gen: torch.Generator,
               k: float = 95.0) -> list[dict]:
    """Fig. 5: one image x (1 x C x H x W in [0, 1]) plus U(-s, s) noise (the same draw scaled by each strength s);
    per strength and class the predictive mean and the K % CI of Eq. 23 (percentiles over T) and Eq. 22 (normal)
    of the logits and of the softmax."""
    rows = []
    for s in strengths:
        xn = add_uniform_noise(x, float(s), torch.Generator().manual_seed(noise_seed))
        probs, logits = mc_predict(model, norm(xn), T, gen)
        for name, v in (("logit", logits[:, 0].numpy()), ("softmax", probs[:, 0].numpy())):
            lo, hi = M.ci_percentile(v, k)
            nlo, nhi = M.ci_normal(v, k)
            for c in range(v.shape[1]):
                rows.append({"strength": float(s), "quantity": name, "class": c, "mean": float(v[:, c].mean()),
                             "ci_lo_eq23": float(lo[c]), "ci_hi_eq23": float(hi[c]), "ci_lo_eq22": float(nlo[c]),
                             "ci_hi_eq22": float(nhi[c]), "std_eq21": float(v[:, c].std()),
                             "predicted": int(probs[:, 0].mean(0).argmax())})
    return rows


def preprocess(x_uint8: torch.Tensor, mode: str, train_mean, train_std) -> torch.Tensor:
    """Model input of a (corrupted) uint8 set under pre-processing `mode` (module docstring)."""
    x = to_float(x_uint8)
    if mode == "none":
        return x
    if mode == "channel":
        return normalize(x, x.mean((0, 2, 3)), x.std((0, 2, 3), unbiased=False))
    if mode == "train":
        return normalize(x, train_mean, train_std)
    raise ValueError(f"nn.eval.corruption.preprocess: unknown mode {mode!r} (known: {', '.join(PREPROCESS)})")


def corruption_study(model, x_uint8: torch.Tensor, y: np.ndarray, names, severities, modes, T: int, meta: dict,
                     q: float, thr: float, seed: int, batch_size: int = 1000) -> list[dict]:
    """Table X rows per (pre-processing, corruption, severity): MC top-1 error and Eq. 26 OOD rate (percent);
    corruption 'clean' (severity 0) is the uncorrupted set."""
    rows = []
    sets = [("clean", 0, x_uint8)] + [(c, s, torch.from_numpy(corrupt(x_uint8.numpy(), c, s, seed)))
                                      for c in names for s in severities]
    for c, s, xc in sets:
        for mode in modes:
            gen = torch.Generator().manual_seed(seed)
            p = mc_predict(model, preprocess(xc, mode, meta["mean"], meta["std"]), T, gen, batch_size)[0].numpy()
            rows.append({"preprocess": mode, "corruption": c, "severity": s, "T": T,
                         "error": 100 * (1 - M.accuracy(M.predictive_mean(p), y)),
                         "ood_rate": 100 * float(M.ood_flags(p, q, thr).mean())})
    return rows


def corruption_summary(rows: list[dict], dataset: str, model: str) -> list[dict]:
    """Per pre-processing: clean error, CE and OOD rate per corruption (mean over severities), mCE and mOOD, with the
    paper's Table X numbers (CIFAR-10 models) in paper_* columns."""
    out = []
    for mode in dict.fromkeys(r["preprocess"] for r in rows):
        rs = [r for r in rows if r["preprocess"] == mode]
        paper = PAPER_X.get((model, mode)) if dataset == "cifar10" else None
        clean = next(r["error"] for r in rs if r["corruption"] == "clean")
        per = {}
        for r in rs:
            if r["corruption"] != "clean":
                per.setdefault(r["corruption"], []).append((r["error"], r["ood_rate"]))
        for c, v in per.items():
            pp = paper["per"][c] if paper else (np.nan, np.nan)
            out.append({"preprocess": mode, "corruption": c, "ce": float(np.mean([e for e, _ in v])),
                        "ood_rate": float(np.mean([o for _, o in v])), "clean_error": clean,
                        "paper_ce": pp[1], "paper_ood_rate": pp[0]})
        out.append({"preprocess": mode, "corruption": "mean (mCE / mOOD)",
                    "ce": float(np.mean([np.mean([e for e, _ in v]) for v in per.values()])),
                    "ood_rate": float(np.mean([np.mean([o for _, o in v]) for v in per.values()])),
                    "clean_error": clean, "paper_ce": paper["mce"] if paper else np.nan,
                    "paper_ood_rate": paper["mood"] if paper else np.nan})
    return out
