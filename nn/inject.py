"""Device non-idealities injected into trained binary models at inference (Sec. VII-C, Table IV).

- Dropout-module variation: `set_device_sampler` swaps every Scale-Dropout layer's sampler for the fitted RNG-cell
  model (Eq. 24) with a variation multiplier (0x-3x), one shared module sampled layer by layer.
- Crossbar errors: `crossbar_errors(model, xb)` makes every binary layer (binary inputs and weights) compute its
  XNOR popcount per crossbar column tile: K inputs are split into row tiles of `xb.rows`, each tile's popcount
  p = (K_t + dot_t) / 2 is read as p_hat = p + offset with P(offset | p) from results/devices/crossbar_model.json
  (`error_model`), and the tiles' partial sums are added digitally before the bias and scale (Eq. 2). The bias is
  added after the dot product as in nn.binary and the read-out is made contiguous (the layout of the float path:
  BatchNorm's CPU kernel rounds differently on a strided tensor), so an ideal read-out is bit-equal to it.
"""
from __future__ import annotations

import contextlib

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nn.binary import BinaryConv2d, BinaryLinear, scaled_layers
from nn.scaledrop import dropout_layers, make_sampler
from scaledrop.errors import ModelFileError
from scaledrop.model_files import read_crossbar_model


def set_device_sampler(model: nn.Module, path, multiplier: float, seed: int = 0, source: str | None = None) -> dict:
    """Device masks (Eq. 24) with variation x multiplier for every Scale-Dropout layer; returns the p_hat table.
    `source`: which spread of the RNG model's targets (None: the file's `epsilon_source`; "raw": untrimmed)."""
    s = make_sampler("device", path=str(path), seed=seed, multiplier=multiplier, shared=True, source=source)
    for d in dropout_layers(model):
        d.sampler = s
        s(1, d.p, d.index)  # fixes p_hat of this layer
    return s.p_hat


class CrossbarErrors:
    """Popcount error model: P(p_hat = p + offsets[p][j] | p) = probs[p][j], p = 0..rows."""

    def __init__(self, rows: int, offsets: list[list[int]], probs: list[list[float]]):
        if len(offsets) != rows + 1 or len(probs) != rows + 1:
            raise ValueError(f"crossbar error model: offsets/probs need rows + 1 = {rows + 1} entries")
        j = max(len(o) for o in offsets)
        self.rows = int(rows)
        self.off = torch.zeros(rows + 1, j, dtype=torch.long)
        cdf = torch.ones(rows + 1, j, dtype=torch.float64)
        for p, (o, q) in enumerate(zip(offsets, probs)):
            q = np.asarray(q, float)
            if len(o) != len(q) or (q < 0).any() or abs(q.sum() - 1) > 1e-6:
                raise ValueError(f"crossbar error model: probs[{p}] must be a distribution over offsets[{p}]")
            self.off[p, :len(o)] = torch.as_tensor(o)
            cdf[p, :len(o)] = torch.as_tensor(np.cumsum(q) / q.sum())
        self.cdf = cdf
        self.generator = None

    @classmethod
    def load(cls, path) -> "CrossbarErrors":
        d = read_crossbar_model(path)
        try:
            return cls(int(d["rows"]), d["error_model"]["offsets"], d["error_model"]["probs"])
        except ValueError as e:
            raise ModelFileError(f"{path}: error_model: {e}; rerun rule crossbar_model") from None

    @classmethod
    def ideal(cls, rows: int) -> "CrossbarErrors":
        return cls(rows, [[0]] * (rows + 1), [[1.0]] * (rows + 1))

    def read(self, p: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """Noisy read-out of integer popcounts p (tiles with k active rows), clipped to [0, k]."""
        pi = p.detach().round().long().clamp(0, self.rows).cpu()
        u = torch.rand(pi.shape, generator=self.generator, dtype=torch.float64)
        j = (u.unsqueeze(-1) > self.cdf[pi]).sum(-1).clamp_max(self.off.shape[1] - 1)
        return torch.minimum((pi + self.off[pi, j]).clamp_min(0), k.detach().long().cpu()).to(p)


def _tiled_dot(xu: torch.Tensor, w: torch.Tensor, xb: CrossbarErrors) -> torch.Tensor:
    """xu (N, K, L) in {-1, 0, +1} (0 = padding), w (C, K) in {-1, +1}: sum over row tiles of 2 p_hat - K_t.
    Straight-through: the forward value is the noisy read-out, the gradient that of the exact dot product."""
    out = 0
    for a in range(0, w.shape[1], xb.rows):
        wt, xt = w[:, a:a + xb.rows], xu[:, a:a + xb.rows]
        dot = torch.einsum("ck,nkl->ncl", wt, xt)
        k = xt.abs().sum(1, keepdim=True).expand_as(dot)  # active rows (padding zeros are not driven)
        out = out + dot + (2 * xb.read((k + dot) / 2, k) - k - dot).detach()
    return out


def _conv_forward(m: BinaryConv2d, xb: CrossbarErrors, x: torch.Tensor) -> torch.Tensor:
    xs, w = m.effective_input(x), m.effective_weight()
    n, _, h, wd = xs.shape
    k = w.shape[-1]
    ho, wo = (h + 2 * m.padding - k) // m.stride + 1, (wd + 2 * m.padding - k) // m.stride + 1
    xu = F.unfold(xs, k, padding=m.padding, stride=m.stride)
    s = _tiled_dot(xu, w.reshape(w.shape[0], -1), xb).reshape(n, -1, ho, wo).contiguous()
    return m.scale(m.add_bias(s))


def _linear_forward(m: BinaryLinear, xb: CrossbarErrors, x: torch.Tensor) -> torch.Tensor:
    s = _tiled_dot(m.effective_input(x).unsqueeze(-1), m.effective_weight(), xb).squeeze(-1).contiguous()
    return m.scale(m.add_bias(s))


@contextlib.contextmanager
def crossbar_errors(model: nn.Module, xb: CrossbarErrors):
    """Within the block, binary layers with binary inputs and weights compute on the crossbar model, in inference
    and in training (straight-through gradients). MC passes must then be naive (nn.mc.mc_predict(..., naive=True)):
    every pass draws its own read errors."""
    hooked = [m for m in scaled_layers(model) if m.binary_input and m.binary_weights]
    for m in hooked:
        fn = _conv_forward if isinstance(m, BinaryConv2d) else _linear_forward
        m.forward = (lambda f, mm: (lambda x: f(mm, xb, x)))(fn, m)
    try:
        yield hooked
    finally:
        for m in hooked:
            del m.forward
