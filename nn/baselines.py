"""Baselines of Table III in the same harness (method values of `build_model`):

fp (full precision, ReLU), mcdropout / mc_dropout (FP + dropout on the features before the classifier; activation
`baselines.activation`, ReLU by default), mcdropout_htanh (the same with HTanh, so both variants run side by side),
mcdropconnect (FP + DropConnect on every weight matrix), ensemble (Deep Ensemble of `ensemble_size` FP members),
bnn (= none, deterministic IR-Net BNN), spindrop (neuron-wise dropout in the BNN) and spatial_spindrop
(channel-wise dropout in the BNN). Stochastic modules here carry an `mc` flag (active in eval mode for MC) and
draw from `generator` when set (nn.mc sets it for reproducible naive MC passes).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

ALIASES = {"mc_dropout": "mcdropout", "mc_dropconnect": "mcdropconnect", "bnn": "none"}
FP_METHODS = ("fp", "mcdropout", "mcdropout_htanh", "mcdropconnect", "ensemble")
MC_DROPOUT = ("mcdropout", "mcdropout_htanh")
FIXED_ACTIVATION = {"mcdropout_htanh": "htanh"}  # other FP methods use baselines.activation
BINARY_METHODS = ("none", "scaledrop", "spindrop", "spatial_spindrop")
DEFAULT_BASELINES = {"activation": "relu", "p": {"mcdropout": 0.2, "mcdropconnect": 0.1, "spindrop": 0.1,
                                                 "spatial_spindrop": 0.1}, "ensemble_size": 5}


def canonical(method: str) -> str:
    return ALIASES.get(method, method)


def activation(method: str, bl: dict | None) -> str:
    """Activation of a full-precision baseline (canonical `method`, `bl` the baselines config)."""
    return FIXED_ACTIVATION.get(method, (bl or {}).get("activation", DEFAULT_BASELINES["activation"]))


def dropout_p(method: str, bl: dict | None) -> float:
    """Dropout / DropConnect p of `method` from baselines.p; MC-Dropout variants fall back to p['mcdropout']."""
    p = {**DEFAULT_BASELINES["p"], **((bl or {}).get("p") or {})}
    return float(p.get(method, p["mcdropout"] if method in MC_DROPOUT else 0.0))


class _Stochastic(nn.Module):
    """Base of the baseline noise modules: active in training or MC mode."""

    def __init__(self, p: float):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"baseline dropout p must be in [0, 1), got {p}")
        self.p, self.mc, self.generator = float(p), False, None

    @property
    def active(self) -> bool:
        return (self.training or self.mc) and self.p > 0

    def _keep(self, shape, device) -> torch.Tensor:
        return (torch.rand(shape, generator=self.generator) >= self.p).to(device)


class NeuronDropout(_Stochastic):
    """Inverted dropout on a layer's scaled output, one mask per image: per neuron (SpinDrop / MC-Dropout) or per
    channel, constant over the feature map (Spatial-SpinDrop). Call signature of a binary layer's dropout slot."""

    def __init__(self, p: float, spatial: bool = False):
        super().__init__(p)
        self.spatial = spatial
        self.last_mask = None

    def mask(self, x: torch.Tensor) -> torch.Tensor:
        shape = (x.shape[0], x.shape[1], *([1] * (x.dim() - 2))) if self.spatial else tuple(x.shape)
        keep = self._keep(shape, x.device)
        self.last_mask = keep
        return keep.to(x.dtype) / (1 - self.p)

    def forward(self, s: torch.Tensor, alpha: torch.Tensor | None = None) -> torch.Tensor:
        if alpha is not None:
            s = s * alpha.view(1, -1, *([1] * (s.dim() - 2)))
        return s * self.mask(s) if self.active else s

    def extra_repr(self) -> str:
        return f"p={self.p}, spatial={self.spatial}"


class _FPLayer(nn.Module):
    """Full-precision conv / linear with the activation on its input (pre-activation order of the binary models,
    where the sign sits in the next layer), optional dropout on its input and DropConnect on its weight."""

    def __init__(self, weight_shape, act: str | None, in_dropout: float = 0.0, dropconnect: float = 0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(weight_shape))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = nn.Parameter(torch.zeros(weight_shape[0]))
        self.act = act
        self.in_dropout = NeuronDropout(in_dropout) if in_dropout > 0 else None
        self.dropconnect = _DropConnect(dropconnect) if dropconnect > 0 else None

    def prepare(self, x):
        if self.act == "relu":
            x = F.relu(x)
        elif self.act == "htanh":
            x = F.hardtanh(x)
        if self.in_dropout is not None:
            x = self.in_dropout(x)
        w = self.weight if self.dropconnect is None else self.dropconnect(self.weight)
        return x, w


class _DropConnect(_Stochastic):
    """DropConnect: one Bernoulli mask over the weights per forward pass (shared by the batch)."""

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return w * self._keep(w.shape, w.device).to(w.dtype) / (1 - self.p) if self.active else w


class FPConv2d(_FPLayer):
    def __init__(self, cin, cout, k, stride=1, padding=0, act=None, **kw):
        super().__init__((cout, cin, k, k), act, **kw)
        self.stride, self.padding = stride, padding

    def forward(self, x):
        x, w = self.prepare(x)
        return F.conv2d(x, w, self.bias, self.stride, self.padding)


class FPLinear(_FPLayer):
    def __init__(self, fin, fout, act=None, **kw):
        super().__init__((fout, fin), act, **kw)

    def forward(self, x):
        x, w = self.prepare(x)
        return F.linear(x, w, self.bias)


class Ensemble(nn.Module):
    """Deep Ensemble: deterministic prediction = mean of the members' logits; MC sample t uses member t mod M."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.sample = None  # member index of the current MC pass (None: average)

    def forward(self, x):
        if self.sample is not None:
            return self.members[self.sample % len(self.members)](x)
        return torch.stack([m(x) for m in self.members]).mean(0)


def stochastic_modules(model: nn.Module) -> list[_Stochastic]:
    return [m for m in model.modules() if isinstance(m, _Stochastic)]


def needs_naive_mc(model: nn.Module) -> bool:
    """True for models whose randomness nn.mc's shared-prefix pass cannot handle (baselines, ensembles)."""
    return bool(stochastic_modules(model)) or any(isinstance(m, Ensemble) for m in model.modules())


def set_baseline_mc(model: nn.Module, on: bool, generator: torch.Generator | None = None) -> None:
    for m in stochastic_modules(model):
        m.mc, m.generator = on, (generator if on else None)
