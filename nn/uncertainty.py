"""Uncertainty of a Scale-Dropout BNN for one batch in one call (Sec. IV-B).

`predict_uncertainty(model, x)` returns the predictive mean (Eq. 18), its entropy, the mutual information (epistemic
part), the normal interval of Eq. 22 and the percentile interval of Eq. 23 (named apart) and the OOD flag of Eq. 26.

method: "mc" draws T mask samples (nn.mc: shared prefixes when the model is a chain of nn.Sequential / project
blocks, else T plain passes, which any architecture supports); "exact" weighs every mask configuration by its
probability via nn.exact (issue 13: `exact_predict(model, x, limit, batch_size) -> (weights (M,), probs (M, N, C))`,
`n_configurations(model)`), which runs shared prefixes; "auto" takes "exact" when nn.exact is installed, the model
is shared-prefix safe and has at most `max_configs` configurations, else "mc". Mask sampler: the layers' own
(default), "bernoulli",
a callable (nn.scaledrop.Sampler) or the path of a fitted device file (results/devices/rng_model.json, Eq. 24, with
`multiplier` x its spread and chip `seed`); the model's samplers are restored afterwards.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from scipy.stats import norm
from torch import nn

from nn import metrics
from nn.binary import BinaryConv2d, BinaryLinear
from nn.inject import set_device_sampler
from nn.mc import mc_predict
from nn.models import BasicBlock
from nn.scaledrop import dropout_layers, make_sampler

METHODS = ("auto", "mc", "exact")


@dataclass
class Uncertainty:
    """Per image (N) and class (C) of one batch; `method` used and `n_samples` (T, or mask configurations)."""

    mean: np.ndarray                                  # (N, C) predictive mean, Eq. 18
    entropy: np.ndarray                               # (N,) entropy of the mean (nats)
    mutual_information: np.ndarray                    # (N,) entropy of the mean - mean entropy of the samples
    ci_eq22_normal: tuple[np.ndarray, np.ndarray]     # (N, C) lower, upper: mean -/+ z sigma / sqrt(T)
    ci_eq23_percentile: tuple[np.ndarray, np.ndarray]  # (N, C) lower, upper: (100 -/+ K) / 2 percentiles
    ood: np.ndarray                                   # (N,) bool, Eq. 26
    method: str
    n_samples: int

    @property
    def prediction(self) -> np.ndarray:
        return self.mean.argmax(-1)


def shared_prefix_safe(model: nn.Module) -> bool:
    """True when nn.mc's shared-prefix pass is valid: every container is an nn.Sequential or a project block
    (nn.models.BasicBlock merges its residual paths); a user container with its own forward may combine tensors
    of different mask groups, so it gets plain passes."""
    known = (BasicBlock, BinaryConv2d, BinaryLinear)
    return all(type(m) is nn.Sequential or isinstance(m, known) or not any(m.children()) for m in model.modules())


def _exact_module():
    """nn.exact if this checkout has it with exact_predict and n_configurations (issue 13), else None."""
    mod = importlib.import_module("nn.exact") if importlib.util.find_spec("nn.exact") else None
    return mod if all(hasattr(mod, f) for f in ("exact_predict", "n_configurations")) else None


@contextlib.contextmanager
def _samplers(model: nn.Module, sampler, multiplier: float, seed: int):
    layers = dropout_layers(model)
    old = [d.sampler for d in layers]
    try:
        if isinstance(sampler, (str, Path)) and str(sampler) != "bernoulli":
            set_device_sampler(model, sampler, multiplier, seed)
        elif sampler is not None:
            s = make_sampler("bernoulli") if str(sampler) == "bernoulli" else sampler
            for d in layers:
                d.sampler = s
        yield layers
    finally:
        for d, s in zip(layers, old):
            d.sampler = s


def weighted_percentile(probs: np.ndarray, weights: np.ndarray, q: float) -> np.ndarray:
    """q-th percentile over axis 0 of a finite mixture (inverted CDF: the smallest value whose cumulative weight
    reaches q %); equals np.percentile(..., method="inverted_cdf") for equal weights."""
    order = np.argsort(probs, axis=0, kind="stable")
    cw = np.cumsum(weights[order], axis=0)
    idx = (cw < q / 100 * cw[-1] * (1 - 1e-12)).sum(0)
    return np.take_along_axis(np.take_along_axis(probs, order, 0), idx[None], 0)[0]


def summarize_mixture(probs: np.ndarray, weights: np.ndarray, T: int, k: float, ood_q: float,
                      ood_threshold: float) -> dict:
    """Eq. 18-26 for softmax outputs probs (M, N, C) with probabilities weights (M,); Eq. 22 for T samples."""
    w = np.asarray(weights, float) / np.sum(weights)
    wb = w[:, None, None]
    mean = (wb * probs).sum(0)
    sd = np.sqrt((wb * (probs - mean) ** 2).sum(0))
    half = norm.ppf(1 - (1 - k / 100) / 2) * sd / np.sqrt(T)
    ent = metrics.entropy(mean)
    return {"mean": mean, "entropy": ent, "mutual_information": ent - (w[:, None] * metrics.entropy(probs)).sum(0),
            "ci_eq22_normal": (mean - half, mean + half),
            "ci_eq23_percentile": (weighted_percentile(probs, w, (100 - k) / 2),
                                   weighted_percentile(probs, w, (100 + k) / 2)),
            "ood": weighted_percentile(probs, w, ood_q).max(-1) < ood_threshold}


def summarize_mc(probs: np.ndarray, k: float, ood_q: float, ood_threshold: float) -> dict:
    """Eq. 18-26 for T equally likely samples probs (T, N, C), with nn.metrics (as the workflow's evaluation)."""
    mean = metrics.predictive_mean(probs)
    return {"mean": mean, "entropy": metrics.entropy(mean), "mutual_information": metrics.mutual_information(probs),
            "ci_eq22_normal": metrics.ci_normal(probs, k), "ci_eq23_percentile": metrics.ci_percentile(probs, k),
            "ood": metrics.ood_flags(probs, ood_q, ood_threshold)}


def predict_uncertainty(model: nn.Module, x: torch.Tensor, T: int = 20, method: str = "auto", sampler=None,
                        multiplier: float = 1.0, seed: int = 0, k: float = 95.0, ood_q: float = 10.0,
                        ood_threshold: float = 0.95, max_configs: int = 1024,
                        generator: torch.Generator | None = None, batch_size: int = 1000) -> Uncertainty:
    """Predictive mean, entropy, MI, Eq. 22 / Eq. 23 intervals (K %) and Eq. 26 OOD flags (q-th percentile,
    threshold) of model on the batch x, by MC (T samples) or by exact enumeration (see the module docstring)."""
    if method not in METHODS:
        raise ValueError(f"predict_uncertainty: unknown method {method!r} (known: {', '.join(METHODS)})")
    if T < 1 or not 0 < k < 100 or not 0 <= ood_q <= 100:
        raise ValueError(f"predict_uncertainty: need T >= 1, 0 < k < 100, 0 <= ood_q <= 100 (got {T}, {k}, {ood_q})")
    exact, safe = _exact_module(), shared_prefix_safe(model)
    with _samplers(model, sampler, multiplier, seed):
        if method == "auto":
            n_cfg = exact.n_configurations(model) if exact is not None and safe else None
            method = "exact" if n_cfg is not None and n_cfg <= max_configs else "mc"
        if method == "exact":
            if exact is None:
                raise NotImplementedError("predict_uncertainty: method='exact' needs nn.exact (exact_predict, "
                                          "n_configurations; issue 13), which this checkout does not have; "
                                          "use method='mc'")
            if not safe:
                raise ValueError("predict_uncertainty: method='exact' runs shared prefixes, which a container with "
                                 "its own forward does not support (see shared_prefix_safe); use method='mc'")
            weights, probs = exact.exact_predict(model, x, limit=max_configs, batch_size=batch_size)
            out = summarize_mixture(np.asarray(probs), np.asarray(weights), T, k, ood_q, ood_threshold)
            return Uncertainty(**out, method="exact", n_samples=len(weights))
        probs = mc_predict(model, x, T, generator, batch_size, naive=not safe)[0].numpy()
    return Uncertainty(**summarize_mc(probs, k, ood_q, ood_threshold), method="mc", n_samples=T)
