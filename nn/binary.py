"""Binary layers (IR-Net binarization, Eq. 12-16) with a learnable scale vector (Eq. 2) and Scale-Dropout (Eq. 5-7).

Forward: sign; backward: IR-Net's error-decay estimator (EDE), grad = k*t*(1 - tanh(t*x)^2) with
t = Tmin*10^(e/E*log10(Tmax/Tmin)) and k = max(1/t, 1); the schedule is set per epoch by `set_ede`.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from nn.scaledrop import ScaleDropout

T_MIN, T_MAX = 0.1, 10.0


def ede_params(epoch: int, epochs: int, t_min: float = T_MIN, t_max: float = T_MAX) -> tuple[float, float]:
    """EDE (t, k) for epoch `epoch` (0-based) of `epochs`."""
    t = t_min * 10 ** (epoch / max(epochs, 1) * math.log10(t_max / t_min))
    return t, max(1.0 / t, 1.0)


class _SignEDE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, t, k):
        ctx.save_for_backward(x)
        ctx.t, ctx.k = t, k
        return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ctx.k * ctx.t * (1 - torch.tanh(ctx.t * x) ** 2), None, None


def sign_ede(x: torch.Tensor, t: float, k: float) -> torch.Tensor:
    """sign(x) (+1 for x >= 0, Eq. 16) with the EDE gradient."""
    return _SignEDE.apply(x, t, k)


def normalize_weight(w: torch.Tensor) -> torch.Tensor:
    """Channel-wise normalisation of the latent weights (Eq. 12-15): zero mean, unit std per output channel."""
    flat = w.reshape(w.shape[0], -1)
    centred = flat - flat.mean(1, keepdim=True)
    std = centred.pow(2).mean(1, keepdim=True).sqrt().clamp_min(1e-8)
    return (centred / std).view_as(w)


class _ScaledLayer(nn.Module):
    """Shared part: binarized weights/inputs, bias, scale vector alpha (C_out) and optional Scale-Dropout."""

    def __init__(self, weight_shape, bias: bool, binary_weights: bool, binary_input: bool,
                 dropout: ScaleDropout | None):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(weight_shape))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = nn.Parameter(torch.zeros(weight_shape[0])) if bias else None
        self.alpha = nn.Parameter(torch.ones(weight_shape[0]))
        self.binary_weights, self.binary_input = binary_weights, binary_input
        self.dropout = dropout
        self.ede_t, self.ede_k = ede_params(0, 1)

    def effective_weight(self) -> torch.Tensor:
        if not self.binary_weights:
            return self.weight
        return sign_ede(normalize_weight(self.weight), self.ede_t, self.ede_k)

    def effective_input(self, x: torch.Tensor) -> torch.Tensor:
        return sign_ede(x, self.ede_t, self.ede_k) if self.binary_input else x

    def add_bias(self, s: torch.Tensor) -> torch.Tensor:
        """Dot product + bias, added after the dot product (not folded into the GEMM), so the integer XNOR-popcount
        path (nn.xnor_int) and the crossbar model (nn.inject) give bit-equal results."""
        return s if self.bias is None else s + self.bias.view(1, -1, *([1] * (s.dim() - 2)))

    def scale(self, s: torch.Tensor) -> torch.Tensor:
        """(binary conv + bias) * alpha_hat (Eq. 2 / Eq. 7)."""
        if self.dropout is not None:
            return self.dropout(s, self.alpha)
        return s * self.alpha.view(1, -1, *([1] * (s.dim() - 2)))


class BinaryConv2d(_ScaledLayer):
    def __init__(self, in_ch, out_ch, kernel_size, stride=1, padding=0, bias=True,
                 binary_weights=True, binary_input=True, dropout=None):
        super().__init__((out_ch, in_ch, kernel_size, kernel_size), bias, binary_weights, binary_input, dropout)
        self.stride, self.padding = stride, padding

    def forward(self, x):
        s = F.conv2d(self.effective_input(x), self.effective_weight(), None, self.stride, self.padding)
        return self.scale(self.add_bias(s))


class BinaryLinear(_ScaledLayer):
    def __init__(self, in_features, out_features, bias=True, binary_weights=True, binary_input=True,
                 dropout=None):
        super().__init__((out_features, in_features), bias, binary_weights, binary_input, dropout)

    def forward(self, x):
        return self.scale(self.add_bias(F.linear(self.effective_input(x), self.effective_weight())))


def scaled_layers(model: nn.Module) -> list[_ScaledLayer]:
    return [m for m in model.modules() if isinstance(m, _ScaledLayer)]


def set_ede(model: nn.Module, epoch: int, epochs: int) -> tuple[float, float]:
    """Set the EDE schedule (t, k) of every binary layer for this epoch; returns (t, k)."""
    t, k = ede_params(epoch, epochs)
    for m in scaled_layers(model):
        m.ede_t, m.ede_k = t, k
    return t, k
