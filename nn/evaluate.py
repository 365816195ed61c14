"""Evaluation suite helpers (Sec. VII-VIII): plateau T (Fig. 7), in-distribution accept / reject (Table IX),
rotation shift (Fig. 6), variation study (Table IV), and the paper's numbers for matching settings.
probs: T x N x C softmax (numpy)."""
from __future__ import annotations

import numpy as np
import torch

from nn import metrics as M
from nn.data.transforms import rotate
from nn.mc import mc_predict

# Table III / IV / IX (CIFAR-10 only; MNIST / LeNet-5 settings have no paper number)
PAPER_ACC = {("cifar10", "resnet18", "fp"): 93.0, ("cifar10", "resnet18", "none"): 91.5,
             ("cifar10", "resnet18", "mcdropout"): 90.56, ("cifar10", "resnet18", "spindrop"): 90.48,
             ("cifar10", "resnet18", "spatial_spindrop"): 91.34, ("cifar10", "resnet18", "scaledrop"): 91.52,
             ("cifar10", "resnet20", "fp"): 91.7, ("cifar10", "resnet20", "none"): 85.4,
             ("cifar10", "resnet20", "mcdropout"): 86.94, ("cifar10", "resnet20", "spatial_spindrop"): 84.71,
             ("cifar10", "resnet20", "scaledrop"): 86.04, ("cifar10", "vgg_small", "fp"): 91.7,
             ("cifar10", "vgg_small", "none"): 90.4, ("cifar10", "vgg_small", "mcdropconnect"): 91.36,
             ("cifar10", "vgg_small", "spindrop"): 91.95, ("cifar10", "vgg_small", "spatial_spindrop"): 90.34,
             ("cifar10", "vgg_small", "scaledrop"): 90.45}
PAPER_VARIATION = {("cifar10", "resnet18"): {"baseline": 91.52, "with": [91.78, 91.77, 91.71],
                                              "without": [91.65, 91.59, 91.58]},
                   ("cifar10", "vgg_small"): {"baseline": 90.45, "with": [90.52, 90.52, 90.55],
                                               "without": [90.28, 90.26, 90.30]}}
PAPER_IX = {("cifar10", "vgg_small"): (77.43, 22.57, 84.29, 81.67, 97.45),
            ("cifar10", "resnet18"): (77.48, 22.52, 84.00, 81.83, 97.67),
            ("cifar10", "resnet20"): (41.00, 58.98, 59.24, 95.83, 99.12)}


def plateau_t(acc: np.ndarray, tol_pct: float) -> int:
    """First T (1-based) whose running-mean accuracy is within tol_pct points of the best over T = 1..len(acc)."""
    return int(np.argmax(100 * acc >= 100 * acc.max() - tol_pct)) + 1


def running_accuracy(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Accuracy of the predictive mean of the first T samples, T = 1..len(probs) (Fig. 7)."""
    run = np.cumsum(probs, 0)
    return np.array([(r.argmax(-1) == y).mean() for r in run])


def accept_reject(probs: np.ndarray, y: np.ndarray, q: float, thr: float) -> dict:
    """Table IX with the Eq. 26 rule on in-distribution data (percent): accept / reject rates,
    TPR = P(accept | correct), TNR = P(reject | wrong), AR = P(correct | accept)."""
    acc = ~M.ood_flags(probs, q, thr)
    ok = M.predictive_mean(probs).argmax(-1) == y
    rate = lambda a, b: float(100 * (a & b).sum() / max(b.sum(), 1))  # noqa: E731
    return {"accept": 100 * float(acc.mean()), "reject": 100 * float(1 - acc.mean()), "tpr": rate(acc, ok),
            "tnr": rate(~acc, ~ok), "ar": rate(ok, acc), "accuracy": 100 * float(ok.mean())}


def rotation_study(model, x: torch.Tensor, y: np.ndarray, angles, T: int, gen, norm) -> list[dict]:
    """Fig. 6: accuracy and predictive entropy of the MC predictive mean vs rotation angle (degrees); x in [0, 1]
    (rotated with black fill), `norm` the model's input normalisation."""
    rows = []
    for a in angles:
        p = mc_predict(model, norm(rotate(x, float(a))), T, gen)[0].numpy()
        pm = M.predictive_mean(p)
        rows.append({"angle": float(a), "accuracy": M.accuracy(pm, y), "entropy": float(M.entropy(pm).mean())})
    return rows
