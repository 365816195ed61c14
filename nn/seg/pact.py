"""PACT activation quantization [54] for the 4-bit activations of the segmentation models (Sec. VI-B).

y = clip(x, 0, alpha); y_q = round(y * (2^k - 1) / alpha) * alpha / (2^k - 1): 2^k uniform levels in [0, alpha].
Backward (straight-through estimator, as in PACT): dy_q/dx = 1 for 0 <= x < alpha else 0,
dy_q/dalpha = 1 for x >= alpha else 0.
"""
from __future__ import annotations

import torch
from torch import nn


class _PactQuant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha, levels):
        ctx.save_for_backward(x, alpha)
        step = alpha / (levels - 1)
        y = torch.minimum(x.clamp_min(0), alpha)
        return torch.round(y / step) * step

    @staticmethod
    def backward(ctx, g):
        x, alpha = ctx.saved_tensors
        gx = g * ((x >= 0) & (x < alpha)).to(g.dtype)
        ga = (g * (x >= alpha).to(g.dtype)).sum().reshape(alpha.shape)
        return gx, ga, None


def pact_quantize(x: torch.Tensor, alpha: torch.Tensor, bits: int = 4) -> torch.Tensor:
    """2^bits uniform levels in [0, alpha] with PACT's straight-through gradients."""
    return _PactQuant.apply(x, alpha, 2 ** bits)


class PACT(nn.Module):
    """ReLU replacement: learnable clipping level `alpha` (one scalar per layer), `bits`-bit uniform output."""

    def __init__(self, bits: int = 4, init: float = 4.0):
        super().__init__()
        if bits < 1:
            raise ValueError(f"PACT bits must be >= 1, got {bits}")
        if init <= 0:
            raise ValueError(f"PACT clip init must be > 0, got {init}")
        self.bits = int(bits)
        self.alpha = nn.Parameter(torch.tensor(float(init)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return pact_quantize(x, self.alpha.abs().clamp_min(1e-3), self.bits)

    def extra_repr(self) -> str:
        return f"bits={self.bits}"
