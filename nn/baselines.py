"""Baselines of Tables III and VI in the same harness (method values of `build_model`):

fp (full precision, ReLU), mcdropout / mc_dropout (FP + dropout on the features before the classifier, the paper's
choice; activation `baselines.activation`, ReLU by default), mcdropout_htanh (the same with HTanh),
mcdropout_all (FP + dropout on the input of every layer but the first, Gal & Ghahramani's all-layer variant),
mcdropconnect (FP + DropConnect on every weight matrix), ensemble (Deep Ensemble of `ensemble_size` FP members),
bnn (= none, deterministic IR-Net BNN) and three Bayesian BNNs on the same binary network:

- spindrop [17]: dropout of the individual binary inputs of every crossbar layer (all layers with binary inputs,
  i.e. all but the first). Under mapping (1) a conv layer is a K*K*C_in-row crossbar fed one im2col patch per MVM;
  one module per row gates it, drawn anew per MVM, so the mask is (K*K*C_in, positions) per image.
- spatial_spindrop [16]: dropout of whole input feature maps, one module per input channel (C_in), drawn once per
  image and pass (a linear layer's inputs are C_in 1x1 maps).
  A dropped input is 0 at the crossbar input (the row is not driven) and kept inputs are not rescaled (nothing in a
  crossbar rescales them); the deterministic pass uses the weight-scaling rule (inputs x (1 - p), Srivastava 2014).
- spinbayes [14]: K binary weight sets per layer, stored in K crossbars; each pass picks one per layer (independently
  per image). Training rule followed here (Bayes by Backprop, Blundell et al. 2015, on the normalised latent
  weights of Eq. 15): q(w~) = N(m, sigma^2) with m = normalise(W) and sigma = softplus(rho) per weight, one
  reparameterised sample per forward pass, binarised by sign (EDE gradient), loss Eq. 17 + kl_weight * KL(q || N(0, 1)).
  After training the K crossbars are K fixed draws sign(m + sigma * eps_k) (seeded per layer); the deterministic
  pass uses sign(m).

Stochastic modules here carry an `mc` flag (active in eval mode for MC) and draw from `generator` when set
(nn.mc sets it for reproducible naive MC passes). `dropout_modules` counts each layer's random modules from the
model (Table VII).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from nn.binary import BinaryConv2d, BinaryLinear, _ScaledLayer, normalize_weight, sign_ede

ALIASES = {"mc_dropout": "mcdropout", "mc_dropconnect": "mcdropconnect", "bnn": "none"}
FP_METHODS = ("fp", "mcdropout", "mcdropout_htanh", "mcdropout_all", "mcdropconnect", "ensemble")
MC_DROPOUT = ("mcdropout", "mcdropout_htanh", "mcdropout_all")
FIXED_ACTIVATION = {"mcdropout_htanh": "htanh"}  # other FP methods use baselines.activation
BINARY_METHODS = ("none", "scaledrop", "spindrop", "spatial_spindrop", "spinbayes")
DEFAULT_BASELINES = {"activation": "relu", "p": {"mcdropout": 0.2, "mcdropconnect": 0.1, "spindrop": 0.1,
                                                 "spatial_spindrop": 0.1}, "ensemble_size": 5,
                     "spinbayes": {"crossbars": 4, "sigma_init": 0.05, "kl_weight": 1.0e-5}}


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
    """Inverted dropout (kept units x 1/(1-p)), one mask per image and unit: MC-Dropout's layer-input dropout."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self._keep(x.shape, x.device).to(x.dtype) / (1 - self.p) if self.active else x


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


class InputDropout(_Stochastic):
    """SpinDrop / Spatial-SpinDrop module of one crossbar layer: keep mask over the binary crossbar inputs."""

    def __init__(self, p: float, spatial: bool):
        super().__init__(p)
        self.spatial = spatial
        self.record = False       # tests: keep the last mask and crossbar input
        self.last_mask = self.last_input = None

    def gate(self, x: torch.Tensor, shape) -> torch.Tensor:
        """x (binary, +-1) with dropped entries set to 0 (mask of `shape`, broadcast), or x * (1 - p) when off."""
        if not self.active:
            return x * (1 - self.p) if self.p > 0 else x
        keep = self._keep(shape, x.device)
        out = x * keep.to(x.dtype)
        if self.record:
            self.last_mask, self.last_input = keep, out
        return out

    def extra_repr(self) -> str:
        return f"p={self.p}, spatial={self.spatial}"


class SpinDropConv2d(BinaryConv2d):
    """Binary conv with SpinDrop (per crossbar row and MVM, via im2col) or Spatial-SpinDrop (per input map)."""

    def __init__(self, *a, in_dropout: InputDropout, **kw):
        super().__init__(*a, **kw)
        self.in_dropout = in_dropout

    def forward(self, x):
        xb, d = self.effective_input(x), self.in_dropout
        if d.spatial or not d.active:
            xb = d.gate(xb, (xb.shape[0], xb.shape[1], 1, 1))
            return self.scale(F.conv2d(xb, self.effective_weight(), self.bias, self.stride, self.padding))
        k = self.weight.shape[-1]
        cols = F.unfold(xb, k, padding=self.padding, stride=self.stride)  # (N, K*K*C_in, positions)
        cols = d.gate(cols, cols.shape)
        ho = (x.shape[-2] + 2 * self.padding - k) // self.stride + 1
        s = self.effective_weight().reshape(self.weight.shape[0], -1) @ cols
        s = s.view(x.shape[0], -1, ho, cols.shape[-1] // ho)
        if self.bias is not None:
            s = s + self.bias.view(1, -1, 1, 1)
        return self.scale(s)


class SpinDropLinear(BinaryLinear):
    """Binary linear layer with input dropout (per input feature = crossbar row)."""

    def __init__(self, *a, in_dropout: InputDropout, **kw):
        super().__init__(*a, **kw)
        self.in_dropout = in_dropout

    def effective_input(self, x):
        xb = super().effective_input(x)
        return self.in_dropout.gate(xb, xb.shape)


class CrossbarSelector(_Stochastic):
    """SpinBayes' random choice of one of K crossbars per layer, pass and image."""

    def __init__(self, k: int):
        super().__init__(0.0)
        self.k = int(k)

    @property
    def active(self) -> bool:
        return self.mc and not self.training

    def pick(self, n: int) -> torch.Tensor:
        return torch.randint(self.k, (n,), generator=self.generator)


class _SpinBayes:
    """Mixin of SpinBayes layers: Gaussian posterior on the normalised latent weights, K crossbar draws."""

    def __init__(self, *a, spinbayes: dict | None = None, index: int = 0, **kw):
        super().__init__(*a, **kw)
        sb = {**DEFAULT_BASELINES["spinbayes"], **(spinbayes or {})}
        if int(sb["crossbars"]) < 1:
            raise ValueError(f"nn.baselines.spinbayes.crossbars must be >= 1, got {sb['crossbars']}")
        sig = float(sb["sigma_init"])
        self.rho = nn.Parameter(torch.full_like(self.weight, math.log(math.expm1(sig))))
        self.selector = CrossbarSelector(int(sb["crossbars"]))
        self.kl_weight, self.bank_seed = float(sb["kl_weight"]), 1_000_003 * (index + 1)

    def sigma(self) -> torch.Tensor:
        return F.softplus(self.rho)

    def kl(self) -> torch.Tensor:
        """KL(N(m, sigma^2) || N(0, 1)) summed over the weights."""
        m, s = normalize_weight(self.weight), self.sigma()
        return (0.5 * (s ** 2 + m ** 2 - 1) - torch.log(s)).sum()

    def crossbars(self) -> torch.Tensor:
        """(K, *weight.shape) binary weights of the K crossbars (fixed draws, seeded per layer; cached until the
        weights change)."""
        key = (self.weight._version, self.rho._version, self.weight.data_ptr(), self.rho.data_ptr())
        if getattr(self, "_bank_key", None) != key:
            g = torch.Generator().manual_seed(self.bank_seed)
            eps = torch.randn((self.selector.k, *self.weight.shape), generator=g).to(self.weight.device)
            with torch.no_grad():
                self._bank = torch.where(normalize_weight(self.weight) + self.sigma() * eps >= 0, 1.0, -1.0)
            self._bank_key = key
        return self._bank

    def effective_weight(self) -> torch.Tensor:
        m = normalize_weight(self.weight)
        if self.training:
            return sign_ede(m + self.sigma() * torch.randn_like(m), self.ede_t, self.ede_k)
        return sign_ede(m, self.ede_t, self.ede_k)

    def forward(self, x):
        """Inactive selector: the layer's own pass; else, per image, the output of the crossbar it picks
        (`_op` of the subclass: conv2d or linear with the crossbar's binary weights)."""
        if not self.selector.active:
            return super().forward(x)
        xb = self.effective_input(x)
        bank = self.crossbars()
        pick = self.selector.pick(x.shape[0]).to(x.device)
        out = None
        for k in range(len(bank)):
            sel = (pick == k).nonzero().squeeze(1)
            if len(sel):
                part = self._op(xb[sel], bank[k])
                out = part.new_empty((x.shape[0], *part.shape[1:])) if out is None else out
                out[sel] = part
        return self.scale(out)


class SpinBayesConv2d(_SpinBayes, BinaryConv2d):
    def _op(self, xb, w):
        return F.conv2d(xb, w, self.bias, self.stride, self.padding)


class SpinBayesLinear(_SpinBayes, BinaryLinear):
    def _op(self, xb, w):
        return F.linear(xb, w, self.bias)


def spinbayes_kl(model: nn.Module) -> torch.Tensor | float:
    """sum over SpinBayes layers of kl_weight * KL (0.0 without any)."""
    return sum((m.kl_weight * m.kl() for m in model.modules() if isinstance(m, _SpinBayes)), 0.0)


def dropout_modules(model: nn.Module) -> list[dict]:
    """Random modules per layer, from the model (Table VII, mapping (1)): SpinDrop K*K*C_in (one per crossbar row),
    Spatial-SpinDrop C_in, Scale-Dropout 1 (C_out element-wise), SpinBayes 1 (crossbar selector); binary layers
    without randomness 0; full-precision layers None."""
    rows = []
    for name, m in model.named_modules():
        if isinstance(m, _ScaledLayer):
            if isinstance(m, (SpinDropConv2d, SpinDropLinear)):
                n = m.weight.shape[1] if m.in_dropout.spatial else m.weight[0].numel()
                kind = "spatial_spindrop" if m.in_dropout.spatial else "spindrop"
            elif isinstance(m, _SpinBayes):
                n, kind = 1, "spinbayes"
            elif m.dropout is not None:
                n, kind = m.dropout.k, "scaledrop"
            else:
                n, kind = 0, "none"
        elif isinstance(m, _FPLayer):  # full precision: not a crossbar design, no module count
            kind = "mcdropout" if m.in_dropout is not None else ("mcdropconnect" if m.dropconnect else "none")
            n = None
        else:
            continue
        rows.append({"layer": name, "kind": kind, "modules": n, "c_in": int(m.weight.shape[1]),
                     "k": int(m.weight.shape[-1]) if m.weight.dim() == 4 else 1})
    return rows
