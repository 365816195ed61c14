"""MC-Scale-Dropout inference (Sec. IV-B): T stochastic passes, computed with shared prefixes.

A layer's binary conv does not depend on its own dropout draw, so images whose earlier masks agree share that
layer's input. Activations are kept as R rows (one per distinct (image, mask prefix)); `assign` (T, N) maps each
sample t of image n to its row, and each Scale-Dropout layer splits rows by their own draw. Masks are drawn
independently per image and pass by default (`masks="independent"`); `masks="shared"` uses one mask sequence per
chunk of images (common random numbers: each image's T samples stay i.i.d., images are correlated), for speed
studies only.

Group bound: with one Bernoulli bit per layer (mode unitary or average, elementwise False) layer l's input takes at
most min(T, 2^(l-1)) distinct values per image, so the shared-prefix pass costs at most that many convolutions of
layer l per image (instead of T). It does NOT hold for mode random (a continuous replacement per draw) or elementwise
masks (2^C_out states per layer): there every draw is its own row and the pass costs as much as the naive loop.
"""
from __future__ import annotations

import contextlib

import torch
from torch import nn

from nn.baselines import Ensemble, needs_naive_mc, set_baseline_mc
from nn.scaledrop import dropout_layers, set_mc

MASKS = ("independent", "shared")


def _first(inv: torch.Tensor, n_groups: int) -> torch.Tensor:
    """Index of the first element of each group of an inverse map."""
    idx = torch.arange(len(inv), dtype=torch.long)
    return torch.full((n_groups,), len(inv), dtype=torch.long).scatter_reduce_(0, inv, idx, "amin")


class _Ctx:
    """Shared-prefix state of one chunk of N images. `t=None`: grouped (fast); `t=i`: naive pass i.
    draws: {layer index: (keep, u)}, keep (T, N, k) bool, u (T, N, k) or None."""

    def __init__(self, draws: dict, n: int, T: int, t: int | None = None):
        self.draws, self.n, self.t = draws, n, t
        self.assign = torch.arange(n).expand(T, n).clone()  # (T, N) -> row

    def apply(self, layer, s: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        keep, u = self.draws[layer.index]
        tail = [1] * (s.dim() - 2)
        if self.t is not None:
            uu = None if u is None else u[self.t].to(s.device)
            return s * layer.alpha_hat(alpha, keep[self.t], uu).view(s.shape[0], -1, *tail)
        ah, key, inv = self.split(layer, alpha, s.shape[0])
        g, rows = len(ah), s.shape[0]
        if len(key) == g * rows:  # every row meets every scale vector (e.g. exact enumeration): broadcast
            self.assign = ((key % g) * rows + key // g)[inv].view(self.assign.shape)
            return (s.unsqueeze(0) * ah.view(g, 1, -1, *tail)).reshape(g * rows, *s.shape[1:])
        self.assign = inv.view(self.assign.shape)
        src, grp = key // g, key % g
        return s[src.to(s.device)] * ah[grp.to(ah.device)].view(len(key), -1, *tail)

    def split(self, layer, alpha: torch.Tensor, rows: int):
        """Distinct scale vectors ah (g, C) this layer's draws give, and the new rows: key = row * g + group
        (sorted, unique) and each sample's index into key."""
        keep, u = self.draws[layer.index]
        T, n, k = keep.shape
        flat_keep = keep.reshape(T * n, k)
        if k == 1 and u is None:  # one bit per layer: states drop / keep
            st_keep, st_u, sinv = torch.tensor([[False], [True]]), None, flat_keep[:, 0].long()
        else:
            parts = [flat_keep.double()] + ([] if u is None else [u.reshape(T * n, k).double()])
            st, sinv = torch.unique(torch.cat(parts, 1), dim=0, return_inverse=True)
            st_keep, st_u = st[:, :k] > 0.5, (None if u is None else st[:, k:].float().to(alpha.device))
        # rows split by the scale vector a draw gives, not by the draw: equal alpha_hat -> one row (alpha = 1)
        ah, ainv = torch.unique(layer.alpha_hat(alpha, st_keep, st_u), dim=0, return_inverse=True)
        key, inv = torch.unique(self.assign.reshape(-1) * len(ah) + ainv.cpu()[sinv], return_inverse=True)
        return ah, key, inv

    def residual(self, x: torch.Tensor, branch: nn.Module, shortcut: nn.Module) -> torch.Tensor:
        """branch(x) + shortcut(x) with both paths refined by their own draws and merged."""
        if self.t is not None:
            return branch(x) + shortcut(x)
        start = self.assign
        a = branch(x)
        assign_a, self.assign = self.assign, start
        b = shortcut(x)
        assign_b = self.assign
        _, inv = torch.unique(torch.stack([assign_a.reshape(-1), assign_b.reshape(-1)], 1), dim=0,
                              return_inverse=True)
        first = _first(inv, int(inv.max()) + 1)
        self.assign = inv.view(assign_a.shape)
        return a[assign_a.reshape(-1)[first].to(a.device)] + b[assign_b.reshape(-1)[first].to(b.device)]

    def gather(self, out: torch.Tensor) -> torch.Tensor:
        """(R, C) -> (T, N, C)."""
        return out[self.assign.to(out.device)]


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


def draw_masks(model: nn.Module, T: int, generator: torch.Generator | None = None, n: int | None = None) -> dict:
    """Mask draws per Scale-Dropout layer: {layer index: (keep, u or None)}; keep (T, n, k) independent per image
    and pass, or (T, k) shared by all images of a chunk when n is None (common random numbers)."""
    out = {}
    for m in dropout_layers(model):
        keep, u = m.draw(T * (n or 1), generator)
        shape = (T, n, m.k) if n else (T, m.k)
        out[m.index] = (keep.reshape(shape), None if u is None else u.reshape(shape))
    return out


def _per_image(draws: dict, n: int) -> dict:
    """Draws expanded to (T, n, k)."""
    return {i: tuple(None if a is None else (a if a.dim() == 3 else a[:, None].expand(-1, n, -1)) for a in d)
            for i, d in draws.items()}


@torch.no_grad()
def mc_forward(model: nn.Module, x: torch.Tensor, draws: dict, T: int, naive: bool = False) -> torch.Tensor:
    """Logits (T, N, C) of one chunk x for given draws (see draw_masks): shared-prefix (default) or the naive
    T-loop (the same draws, one full forward pass per sample)."""
    draws = _per_image(draws, x.shape[0])
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
               batch_size: int = 1000, naive: bool = False, masks: str = "independent"
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """MC-Scale-Dropout: (softmax, logits), each T x N x C (float32, CPU). `masks`: independent per image and pass
    (default), or shared by the images of a chunk of `batch_size` (common random numbers). Baselines always draw
    independently per image (their modules sample per image in every pass)."""
    if masks not in MASKS:
        raise ValueError(f"nn.mc.masks: unknown mask scheme {masks!r} (known: {', '.join(MASKS)})")
    device = next(model.parameters()).device
    logits = []
    for i in range(0, x.shape[0], batch_size):
        if needs_naive_mc(model):
            logits.append(mc_naive(model, x[i:i + batch_size].to(device), T, generator).float().cpu())
            continue
        n = min(batch_size, x.shape[0] - i)
        draws = draw_masks(model, T, generator, n if masks == "independent" else None)
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
