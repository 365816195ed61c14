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
import sys

import torch
import torch.nn.functional as F
from torch import nn

from nn.binary import BinaryConv2d, BinaryLinear, scaled_layers

WORD = 64
_M1, _M2, _M4, _H01 = 0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x0101010101010101
_BYTE_SHIFTS = torch.arange(8, dtype=torch.uint8)


def popcount_(v: torch.Tensor) -> torch.Tensor:
    """Set bits of each int64 word, in place (SWAR bit-twiddling; the masks drop the arithmetic shift's sign
    copies; the last multiply sums the byte counts into the top byte)."""
    v.sub_((v >> 1).bitwise_and_(_M1))
    t = (v >> 2).bitwise_and_(_M2)
    v.bitwise_and_(_M2).add_(t)
    v.add_(v >> 4).bitwise_and_(_M4)
    return v.mul_(_H01).bitwise_right_shift_(56)


def popcount(v: torch.Tensor) -> torch.Tensor:
    """Set bits of each int64 word."""
    return popcount_(v.clone())


def pack_bits(bits: torch.Tensor) -> torch.Tensor:
    """Bool (..., K) -> int64 (..., ceil(K / 64)): bit j of word i is element 64 i + j (zero-filled tail); packed
    into bytes, then read as little-endian 64-bit words."""
    if sys.byteorder != "little":
        raise RuntimeError("nn.xnor_int.pack_bits assumes a little-endian CPU")
    k = bits.shape[-1]
    b = F.pad(bits.to(torch.uint8), (0, -k % WORD)).view(*bits.shape[:-1], -1, 8)
    return (b << _BYTE_SHIFTS.to(b.device)).sum(-1, dtype=torch.uint8).contiguous().view(torch.int64)


def xnor_dot(x: torch.Tensor, w: torch.Tensor, chunk: int = 1 << 18) -> torch.Tensor:
    """Integer dot products of x (M, K) in {-1, 0, +1} (0: padding, not driven) with w (C, K) in {-1, +1}:
    (M, C) int64 = 2 popcount(XNOR(x, w) & valid) - popcount(valid), in chunks of rows bounded by `chunk` words."""
    xp, valid, wp = pack_bits(x > 0), pack_bits(x != 0), pack_bits(w > 0)
    n_valid = popcount(valid).sum(-1, keepdim=True)
    rows = max(1, chunk // max(1, wp.numel()))
    out = []
    for a in range(0, xp.shape[0], rows):
        same = (xp[a:a + rows, None] ^ wp[None]).bitwise_not_().bitwise_and_(valid[a:a + rows, None])  # XNOR
        out.append(2 * popcount_(same).sum(-1) - n_valid[a:a + rows])
    return torch.cat(out)


def conv_dot(m: BinaryConv2d, x: torch.Tensor) -> torch.Tensor:
    """Integer XNOR-popcount convolution of layer m on input x: (N, C, Ho, Wo) int64 (before bias and scale).
    im2col on int8 {-1, 0, +1} (0: zero padding), rows in the (C_in, kh, kw) order of the weight."""
    w = m.effective_weight()
    k, p, st = w.shape[-1], m.padding, m.stride
    xs = F.pad(m.effective_input(x).to(torch.int8), (p, p, p, p))
    n = xs.shape[0]
    cols = xs.unfold(2, k, st).unfold(3, k, st)                      # (N, C_in, Ho, Wo, k, k)
    ho, wo = cols.shape[2:4]
    s = xnor_dot(cols.permute(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, -1), w.reshape(w.shape[0], -1))
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
