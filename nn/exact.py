"""Exact predictive of MC-Scale-Dropout (Sec. IV-B, Eq. 18 and 21 without sampling noise).

With one Bernoulli bit per layer (Eq. 5, mode unitary or average, elementwise False) an L-layer network's
Scale-Dropout posterior is a mixture of at most 2^L networks, configuration c having probability
w_c = prod_l p_l^(1 - d_l) (1 - p_l)^(d_l). The predictive mean (Eq. 18 as T -> inf) is sum_c w_c softmax_c,
the variance (Eq. 21) sum_c w_c (softmax_c - mean)^2, and the mutual information H(mean) - sum_c w_c H(softmax_c).
All configurations are computed in one shared-prefix pass (nn.mc): layer l's convolution runs once per distinct
prefix (2^(l-1) per image), not once per configuration. For a plain nn.Sequential of binary layers, BatchNorm and
pooling (LeNet-5, VGG-Small) the split of layer l is deferred: eval-mode BatchNorm folds into the pending per-state
affine map and max-pooling commutes with it (all per-channel factors positive), so both run on the unsplit rows; the
rows are split just before the next layer that needs them.
"""
from __future__ import annotations

import itertools

import numpy as np
import torch
from torch import nn

from nn import metrics as M
from nn.baselines import needs_naive_mc
from nn.binary import _ScaledLayer
from nn.mc import _Ctx, _mc_mode, _set_ctx, mc_forward
from nn.scaledrop import dropout_layers

_COMMUTE = (nn.MaxPool2d, nn.AdaptiveMaxPool2d)
_PLAIN = (_ScaledLayer, nn.modules.batchnorm._BatchNorm, *_COMMUTE, nn.Flatten, nn.Identity)

DEFAULT_LIMIT = 1024


def _p_drop(layer) -> float:
    """Drop probability of a layer: its p, or the device sampler's per-layer p_hat (Eq. 24)."""
    p_hat = getattr(layer.sampler, "p_hat", None)
    if p_hat is None:
        return layer.p
    layer.sampler(1, layer.p, layer.index, None)  # fixes this chip's p_hat of the layer
    return p_hat[(layer.index, layer.p)]


def n_configurations(model: nn.Module) -> int | None:
    """Number of mask configurations with non-zero probability; None when not enumerable (mode random,
    element-wise masks or baseline randomness)."""
    layers = dropout_layers(model)
    if needs_naive_mc(model) or any(d.mode == "random" or d.k != 1 for d in layers):
        return None
    return int(np.prod([1 if _p_drop(d) in (0.0, 1.0) else 2 for d in layers]))


def configurations(model: nn.Module, limit: int = DEFAULT_LIMIT) -> tuple[dict, np.ndarray]:
    """(draws, weights): every configuration as shared draws {index: (keep (K, 1), None)} and its probability."""
    count = n_configurations(model)
    if count is None:
        raise ValueError("nn.mc.exact: the model's masks are not enumerable (mode random, elementwise masks or a "
                         "baseline's per-neuron dropout); use MC")
    if count > limit:
        raise ValueError(f"nn.mc.exact.limit: {count} mask configurations exceed the limit {limit}")
    layers = sorted(dropout_layers(model), key=lambda d: d.index)
    states = []
    for d in layers:
        p = _p_drop(d)
        states.append([(k, pk) for k, pk in ((True, 1 - p), (False, p)) if pk > 0])
    combos = list(itertools.product(*states)) if layers else [()]
    weights = np.array([np.prod([pk for _, pk in c]) for c in combos], float)
    draws = {d.index: (torch.tensor([[c[i][0]] for c in combos]), None) for i, d in enumerate(layers)}
    return draws, weights


class _Deferred(_Ctx):
    """Shared-prefix state whose split into scale vectors stays pending as an affine map x * A + B (A, B: (g, C))."""

    def __init__(self, draws: dict, n: int, T: int):
        super().__init__(draws, n, T)
        self.pending = None

    def apply(self, layer, s: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        ah, key, inv = self.split(layer, alpha, s.shape[0])
        g, rows = len(ah), s.shape[0]
        if len(key) != g * rows:  # not a full product (cannot happen for an enumeration): split now
            return super().apply(layer, s, alpha)
        self.assign = ((key % g) * rows + key // g)[inv].view(self.assign.shape)
        self.pending = (ah, torch.zeros_like(ah))
        return s

    def fold(self, bn: nn.Module) -> None:
        """Eval-mode BatchNorm into the pending map."""
        w = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        a, b = self.pending
        self.pending = (a * w, b * w + bn.bias - bn.running_mean * w)

    def materialize(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.pending
        self.pending, g, tail = None, len(a), [1] * (x.dim() - 2)
        out = x.unsqueeze(0) * a.view(g, 1, -1, *tail) + b.view(g, 1, -1, *tail)
        return out.reshape(g * x.shape[0], *x.shape[1:])


def _plain(model: nn.Module) -> bool:
    return isinstance(model, nn.Sequential) and all(isinstance(m, _PLAIN) for m in model) and not any(
        d.after_bn for d in dropout_layers(model))


@torch.no_grad()
def _deferred_forward(model: nn.Sequential, x: torch.Tensor, draws: dict, K: int) -> torch.Tensor:
    """Logits (K, N, C) of every configuration with deferred splits (see the module docstring)."""
    draws = {i: (k[:, None].expand(-1, x.shape[0], -1), u) for i, (k, u) in draws.items()}
    with _mc_mode(model):
        ctx = _Deferred(draws, x.shape[0], K)
        _set_ctx(model, ctx)
        for m in model:
            if ctx.pending is not None:
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    ctx.fold(m)
                    continue
                if isinstance(m, _COMMUTE) and bool((ctx.pending[0] > 0).all()):
                    x = m(x)
                    continue
                x = ctx.materialize(x)
            x = m(x)
        if ctx.pending is not None:
            x = ctx.materialize(x)
        return ctx.gather(x)


@torch.no_grad()
def exact_predict(model: nn.Module, x: torch.Tensor, limit: int = DEFAULT_LIMIT,
                  batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """(weights (K,), softmax (K, N, C)) of every mask configuration; ValueError above `limit` configurations."""
    draws, w = configurations(model, limit)
    device = next(model.parameters()).device
    fwd = _deferred_forward if _plain(model) else mc_forward
    out = [fwd(model, x[i:i + batch_size].to(device), draws, len(w)).float().softmax(-1).cpu()
           for i in range(0, x.shape[0], batch_size)]
    return w, torch.cat(out, 1).numpy()


def predictive(w: np.ndarray, probs: np.ndarray) -> dict:
    """Exact mean (N, C), variance (N, C), entropy of the mean, expected entropy and mutual information (N,; >= 0,
    rounding below 0 clipped)."""
    probs = np.asarray(probs, np.float64)
    mean = np.einsum("k,knc->nc", w, probs)
    var = np.einsum("k,knc->nc", w, (probs - mean) ** 2)
    h = M.entropy(mean)
    eh = np.einsum("k,kn->n", w, M.entropy(probs))
    return {"mean": mean, "variance": var, "entropy": h, "expected_entropy": eh, "mi": np.maximum(h - eh, 0.0)}


def summarize(w: np.ndarray, probs: np.ndarray, y: np.ndarray, n_bins: int = 15) -> dict:
    """The keys of nn.metrics.summarize, from the exact predictive."""
    pr = predictive(w, probs)
    p = pr["mean"]
    return {"accuracy": M.accuracy(p, y), "nll": M.nll(p, y), "ece": M.ece(p, y, n_bins), "brier": M.brier(p, y),
            "mean_entropy": float(pr["entropy"].mean()), "mean_mi": float(pr["mi"].mean()),
            "mean_variance": float(pr["variance"].sum(-1).mean())}


def label_change_share(w: np.ndarray, probs: np.ndarray) -> float:
    """Share of images whose predicted label differs between two configurations of non-zero probability (the
    T -> inf limit of 'the label changes across samples')."""
    lab = probs[w > 0].argmax(-1)
    return float((lab != lab[:1]).any(0).mean())
