"""Scale-Dropout (Eq. 5-7): one Bernoulli mask per layer (or per element) and per image; a dropped scale vector
is replaced by 1 (unitary), its mean (average) or U(a, b) (random). Active in training and MC mode only.

A mask sampler is `sampler(n, p, layer_index, generator) -> bool tensor (n,)`, True = keep (d = 1), False = drop
(probability p). `make_sampler("bernoulli")` is torch's Bernoulli; `make_sampler("device", path=...)` uses the
fitted Spin-ScaleDrop model (results/devices/rng_model.json, Eq. 24).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from torch import nn

from scaledrop.errors import ModelFileError
from scaledrop.model_files import read_rng_model

MODES = ("unitary", "average", "random")
Sampler = Callable[[int, float, int, "torch.Generator | None"], torch.Tensor]


def _bernoulli(n: int, p: float, layer_index: int, generator=None) -> torch.Tensor:
    return torch.rand(n, generator=generator) >= p


def _device(path: str, seed: int = 0, multiplier: float = 1.0,
            shared: bool = False, source: str | None = None) -> Sampler:
    """Eq. 24: layer l drops with p_hat_l = p_l + m * eps_l, eps_l ~ N(mu(p), sigma(p)^2) from the fitted RNG-cell
    model (its `targets`: p, epsilon_mu, epsilon_sigma; interpolated in p, clamped at the ends), m the variation
    multiplier (Table IV: 0x-3x). eps_l is fixed per layer for one (seeded) chip instance; shared=True: one module
    serves all layers sequentially, so one standard-normal draw z per chip gives eps_l = mu(p_l) + sigma(p_l) z.
    `source`: a per-target block of the file (e.g. "raw": untrimmed chips) instead of its top-level epsilon."""
    tg = sorted(read_rng_model(path)["targets"], key=lambda t: t["p"])
    if source and any(source not in t for t in tg):
        raise ModelFileError(f"{path}: targets[].{source}: missing (epsilon source {source!r}); rerun rule rng_model")
    eps = [t[source] if source else t for t in tg]
    ps = np.array([t["p"] for t in tg], float)
    mu, sd = (np.array([e[k] for e in eps], float) for k in ("epsilon_mu", "epsilon_sigma"))
    p_hat: dict[tuple[int, float], float] = {}

    def sampler(n: int, p: float, layer_index: int, generator=None) -> torch.Tensor:
        key = (layer_index, p)
        if key not in p_hat:
            z = np.random.default_rng([seed] if shared else [seed, layer_index]).standard_normal()
            eps = np.interp(p, ps, mu) + np.interp(p, ps, sd) * z
            p_hat[key] = float(np.clip(p + multiplier * eps, 0.0, 1.0))
        return torch.rand(n, generator=generator) >= p_hat[key]
    sampler.p_hat = p_hat
    return sampler


_SAMPLERS = {"bernoulli": lambda: _bernoulli, "device": _device}


def make_sampler(kind: str = "bernoulli", **params) -> Sampler:
    """Mask sampler factory; kinds: bernoulli (default), device (path, seed, multiplier, shared)."""
    if kind not in _SAMPLERS:
        raise ValueError(f"unknown mask sampler {kind!r} (known: {', '.join(_SAMPLERS)})")
    return _SAMPLERS[kind](**params)


def adaptive_p(n_params: int, p_small: float, p_large: float, threshold: int) -> float:
    """Layer-dependent dropout probability (Sec. III-D): p_small below `threshold` parameters, else p_large."""
    return p_small if n_params < threshold else p_large


class ScaleDropout(nn.Module):
    """Drops the scale vector alpha of one layer. `forward(s, alpha)` returns s * alpha_hat (Eq. 6-7)."""

    def __init__(self, p: float, mode: str = "unitary", elementwise: bool = False, channels: int = 1,
                 rand_range: tuple[float, float] = (0.0, 2.0), sampler: Sampler | None = None, index: int = 0,
                 after_bn: bool = False, batch_masks: bool = False):
        super().__init__()
        self.batch_masks = batch_masks  # ablation: one draw per forward call (batch) outside nn.mc, not per image
        self.after_bn = after_bn  # ablation: the layer passes s through; ScaleAfterBN scales BN's output
        if mode not in MODES:
            raise ValueError(f"unknown scale-dropout mode {mode!r} (known: {', '.join(MODES)})")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"scale-dropout p must be in [0, 1], got {p}")
        self.p, self.mode, self.elementwise = float(p), mode, elementwise
        self.k = channels if elementwise else 1
        self.rand_range = tuple(rand_range)
        self.sampler = sampler or _bernoulli
        self.index = index
        self.mc = False       # MC mode: active although the model is in eval mode
        self.mc_ctx = None    # set by nn.mc while a shared-prefix MC pass runs

    @property
    def active(self) -> bool:
        return self.training or self.mc

    def draw(self, n: int, generator=None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """n mask draws: keep (n, k) bool, and for random mode the uniforms (n, k) giving the replacements."""
        keep = self.sampler(n * self.k, self.p, self.index, generator).reshape(n, self.k).bool()
        u = torch.rand(n, self.k, generator=generator) if self.mode == "random" else None
        return keep, u

    def alpha_hat(self, alpha: torch.Tensor, keep: torch.Tensor, u: torch.Tensor | None) -> torch.Tensor:
        """(n, C) scale vectors: alpha where kept, the mode's replacement where dropped (Eq. 6)."""
        if self.mode == "unitary":
            repl = torch.ones((), dtype=alpha.dtype, device=alpha.device)
        elif self.mode == "average":
            repl = alpha.mean()
        else:
            a, b = self.rand_range
            repl = (a + (b - a) * u).to(alpha)
        return torch.where(keep.to(alpha.device), alpha.view(1, -1), repl)

    def forward(self, s: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        return s if self.after_bn else self.scaled(s, alpha)

    def scaled(self, s: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """s * alpha_hat (Eq. 6-7)."""
        tail = [1] * (s.dim() - 2)
        if not self.active:
            return s * alpha.view(1, -1, *tail)
        if self.mc_ctx is not None:
            return self.mc_ctx.apply(self, s, alpha)
        keep, u = self.draw(1 if self.batch_masks else s.shape[0])
        if u is not None:
            u = u.to(s.device)
        return s * self.alpha_hat(alpha, keep, u).view(keep.shape[0], -1, *tail)

    def extra_repr(self) -> str:
        return (f"p={self.p}, mode={self.mode}, elementwise={self.elementwise}, index={self.index}, "
                f"after_bn={self.after_bn}")


class ScaleAfterBN(nn.Module):
    """Ablation of Eq. 2-3's order: alpha_hat multiplies BatchNorm's output (BN(s) * alpha_hat) instead of its input,
    so BN no longer cancels alpha in training. Holds an unregistered reference to the binary layer."""

    def __init__(self, layer: nn.Module):
        super().__init__()
        object.__setattr__(self, "_layer", layer)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self._layer.dropout.scaled(z, self._layer.alpha)


def dropout_layers(model: nn.Module) -> list[ScaleDropout]:
    return [m for m in model.modules() if isinstance(m, ScaleDropout)]


def set_mc(model: nn.Module, on: bool = True) -> None:
    """MC mode: Scale-Dropout stays active with the model in eval mode (BatchNorm uses running stats)."""
    for m in dropout_layers(model):
        m.mc = on
