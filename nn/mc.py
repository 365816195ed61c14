"""MC-Scale-Dropout inference (Sec. IV-B): T stochastic passes, computed with shared prefixes.

A layer's binary conv does not depend on its own dropout draw, so with the T mask sequences shared by the images of
a chunk (common random numbers; each image's T samples stay i.i.d.) layer l sees at most min(T, 2^(l-1)) distinct
inputs. Activations are kept as (G*N, ...) with G distinct mask prefixes; each Scale-Dropout layer expands G to the
distinct (prefix, own draw) pairs, and `assign` maps each of the T samples to its group.
"""
from __future__ import annotations

import contextlib

import torch
from torch import nn

from nn.baselines import Ensemble, needs_naive_mc, set_baseline_mc
from nn.scaledrop import dropout_layers, set_mc


class _Ctx:
    """Shared-prefix state of one chunk of N images. `t=None`: grouped (fast); `t=i`: naive pass i."""

    def __init__(self, draws: dict, n: int, T: int, t: int | None = None):
        self.draws, self.n, self.t = draws, n, t
        self.assign = torch.zeros(T, dtype=torch.long)

    def _regroup(self, x: torch.Tensor, parent: torch.Tensor) -> torch.Tensor:
        g = x.shape[0] // self.n
        return x.reshape(g, self.n, *x.shape[1:])[parent.to(x.device)].reshape(-1, *x.shape[1:])

    def apply(self, layer, s: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        keep, u = self.draws[layer.index]
        tail = [1] * (s.dim() - 2)
        if self.t is not None:
            uu = None if u is None else u[self.t:self.t + 1].to(s.device)
            return s * layer.alpha_hat(alpha, keep[self.t:self.t + 1], uu).view(1, -1, *tail)
        parts = [self.assign[:, None].double(), keep.double()] + ([] if u is None else [u.double()])
        uniq, inv = torch.unique(torch.cat(parts, 1), dim=0, return_inverse=True)
        k = keep.shape[1]
        ug = None if u is None else uniq[:, 1 + k:].float().to(s.device)
        ah = layer.alpha_hat(alpha, uniq[:, 1:1 + k] > 0.5, ug)  # (G', C)
        s = self._regroup(s, uniq[:, 0].long())
        self.assign = inv
        g = ah.shape[0]
        return (s.reshape(g, self.n, *s.shape[1:]) * ah.view(g, 1, -1, *tail)).reshape(s.shape)

    def _align(self, x: torch.Tensor, old: torch.Tensor, new: torch.Tensor) -> torch.Tensor:
        """Re-index x (grouped by `old`) to the groups of `new`, a refinement of `old`."""
        first = torch.full((int(new.max()) + 1,), -1, dtype=torch.long)
        first.scatter_(0, new.flip(0), torch.arange(len(new) - 1, -1, -1))  # any sample of each new group
        return self._regroup(x, old[first])

    def residual(self, x: torch.Tensor, branch: nn.Module, shortcut: nn.Module) -> torch.Tensor:
        """branch(x) + shortcut(x) with both paths refined by their own draws and merged."""
        if self.t is not None:
            return branch(x) + shortcut(x)
        start = self.assign
        a = branch(x)
        assign_a, self.assign = self.assign, start
        b = shortcut(x)
        assign_b = self.assign
        _, merged = torch.unique(torch.stack([assign_a, assign_b], 1), dim=0, return_inverse=True)
        self.assign = merged
        return self._align(a, assign_a, merged) + self._align(b, assign_b, merged)

    def gather(self, out: torch.Tensor) -> torch.Tensor:
        """(G*N, C) -> (T, N, C)."""
        return out.reshape(-1, self.n, *out.shape[1:])[self.assign.to(out.device)]


def _set_ctx(model: nn.Module, ctx) -> None:
    for m in model.modules():
        if hasattr(m, "mc_ctx"):
            m.mc_ctx = ctx


@contextlib.contextmanager
def _mc_mode(model: nn.Module):
    """Eval mode (BatchNorm running stats) with Scale-Dropout active; restores the model afterwards."""
    was_training = model.training
    model.eval()
    set_mc(model, True)
    try:
        yield
    finally:
        set_mc(model, False)
        _set_ctx(model, None)
        model.train(was_training)


def draw_masks(model: nn.Module, T: int, generator: torch.Generator | None = None) -> dict:
    """T mask draws per Scale-Dropout layer: {layer index: (keep (T, k), u or None)}."""
    return {m.index: m.draw(T, generator) for m in dropout_layers(model)}


@torch.no_grad()
def mc_forward(model: nn.Module, x: torch.Tensor, draws: dict, T: int, naive: bool = False) -> torch.Tensor:
    """Logits (T, N, C) of one chunk x for given draws: shared-prefix (default) or the naive T-loop."""
    with _mc_mode(model):
        if naive:
            outs = []
            for t in range(T):
                _set_ctx(model, _Ctx(draws, x.shape[0], T, t))
                outs.append(model(x))
            return torch.stack(outs)
        ctx = _Ctx(draws, x.shape[0], T)
        _set_ctx(model, ctx)
        return ctx.gather(model(x))


@torch.no_grad()
def mc_naive(model: nn.Module, x: torch.Tensor, T: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Logits (T, N, C): T plain stochastic passes (baselines: dropout / DropConnect masks from `generator`, ensemble
    member t mod M; Scale-Dropout layers draw their own masks per pass)."""
    ens = [m for m in model.modules() if isinstance(m, Ensemble)]
    outs = []
    with _mc_mode(model):
        set_baseline_mc(model, True, generator)
        try:
            for t in range(T):
                for e in ens:
                    e.sample = t
                outs.append(model(x))
        finally:
            set_baseline_mc(model, False)
            for e in ens:
                e.sample = None
    return torch.stack(outs)


@torch.no_grad()
def mc_predict(model: nn.Module, x: torch.Tensor, T: int, generator: torch.Generator | None = None,
               batch_size: int = 1000, naive: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """MC-Scale-Dropout: (softmax, logits), each T x N x C (float32, CPU). Fresh masks per chunk of images."""
    device = next(model.parameters()).device
    logits = []
    for i in range(0, x.shape[0], batch_size):
        if needs_naive_mc(model):
            logits.append(mc_naive(model, x[i:i + batch_size].to(device), T, generator).float().cpu())
            continue
        draws = draw_masks(model, T, generator)
        logits.append(mc_forward(model, x[i:i + batch_size].to(device), draws, T, naive).float().cpu())
    logits = torch.cat(logits, 1)
    return logits.softmax(-1), logits


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Deterministic (point-estimate) logits N x C: eval mode, Scale-Dropout off."""
    was = model.training
    model.eval()
    device = next(model.parameters()).device
    out = torch.cat([model(x[i:i + batch_size].to(device)).float().cpu() for i in range(0, x.shape[0], batch_size)])
    model.train(was)
    return out
