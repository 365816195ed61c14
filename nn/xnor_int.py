"""Ideal crossbar in integers: bit-packed XNOR + popcount for the binary layers (Eq. 2, Eq. 16).

A binary layer with binary inputs and weights computes s = sum_k x_k w_k with x, w in {-1, +1}. Packing +1 -> bit 1,
-1 -> bit 0 into 64-bit words, the dot product over the K valid rows is
    s = 2 * popcount(XNOR(x, w) & valid) - popcount(valid),
where `valid` masks the zero padding of a convolution (a padded input is not driven and adds 0) and the tail bits of
the last word. The integer s is exact; it is converted to float and the bias is added after the dot product, as in
nn.binary, so `xnor_popcount(model)` is bit-equal (torch.equal) to the float path. Inference only (no gradient).
"""
from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F
from torch import nn

from nn.binary import BinaryConv2d, BinaryLinear, scaled_layers

WORD = 64
_M1, _M2, _M4, _H01 = 0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x0101010101010101
_SHIFTS = torch.arange(WORD, dtype=torch.int64)


def popcount(v: torch.Tensor) -> torch.Tensor:
    """Set bits of each int64 word (SWAR bit-twiddling; the masks drop the arithmetic shift's sign copies)."""
    v = v - ((v >> 1) & _M1)
    v = (v & _M2) + ((v >> 2) & _M2)
    v = (v + (v >> 4)) & _M4
    return (v * _H01) >> 56


def pack_bits(bits: torch.Tensor) -> torch.Tensor:
    """Bool (..., K) -> int64 (..., ceil(K / 64)): bit j of word i is element 64 i + j (zero-filled tail)."""
    k = bits.shape[-1]
    bits = F.pad(bits.to(torch.int64), (0, -k % WORD))
    return (bits.view(*bits.shape[:-1], -1, WORD) << _SHIFTS.to(bits.device)).sum(-1)


def xnor_dot(x: torch.Tensor, w: torch.Tensor, chunk: int = 1 << 22) -> torch.Tensor:
    """Integer dot products of x (M, K) in {-1, 0, +1} (0: padding, not driven) with w (C, K) in {-1, +1}:
    (M, C) int64 = 2 popcount(XNOR(x, w) & valid) - popcount(valid), in chunks of rows bounded by `chunk` words."""
    xp, valid, wp = pack_bits(x > 0), pack_bits(x != 0), pack_bits(w > 0)
    n_valid = popcount(valid).sum(-1, keepdim=True)
    rows = max(1, chunk // max(1, wp.numel()))
    out = []
    for a in range(0, xp.shape[0], rows):
        same = ~(xp[a:a + rows, None] ^ wp[None]) & valid[a:a + rows, None]   # XNOR on the driven rows
        out.append(2 * popcount(same).sum(-1) - n_valid[a:a + rows])
    return torch.cat(out)


def conv_dot(m: BinaryConv2d, x: torch.Tensor) -> torch.Tensor:
    """Integer XNOR-popcount convolution of layer m on input x: (N, C, Ho, Wo) int64 (before bias and scale)."""
    xs, w = m.effective_input(x), m.effective_weight()
    n, _, h, wd = xs.shape
    k = w.shape[-1]
    ho, wo = (h + 2 * m.padding - k) // m.stride + 1, (wd + 2 * m.padding - k) // m.stride + 1
    cols = F.unfold(xs, k, padding=m.padding, stride=m.stride).transpose(1, 2).reshape(n * ho * wo, -1)
    s = xnor_dot(cols, w.reshape(w.shape[0], -1))
    return s.view(n, ho, wo, -1).permute(0, 3, 1, 2).contiguous()


def linear_dot(m: BinaryLinear, x: torch.Tensor) -> torch.Tensor:
    """Integer XNOR-popcount matrix-vector products of layer m: (N, C) int64 (before bias and scale)."""
    return xnor_dot(m.effective_input(x), m.effective_weight())


def _forward(m, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        s = conv_dot(m, x) if isinstance(m, BinaryConv2d) else linear_dot(m, x)
        return m.scale(m.add_bias(s.to(x.dtype)))


@contextlib.contextmanager
def xnor_popcount(model: nn.Module):
    """Within the block, every binary layer with binary inputs and weights computes its dot product as integer
    XNOR + popcount (the ideal crossbar); layers with a real input or real weights keep the float path.
    Yields the hooked layers."""
    hooked = [m for m in scaled_layers(model) if m.binary_input and m.binary_weights]
    for m in hooked:
        m.forward = (lambda mm: (lambda x: _forward(mm, x)))(m)
    try:
        yield hooked
    finally:
        for m in hooked:
            del m.forward
