"""Bring your own model: convert an ordinary torch.nn.Module into its Scale-Dropout BNN (Eq. 2-9, Sec. III).

`to_scale_dropout_bnn(model)` replaces every `nn.Conv2d` / `nn.Linear` (exact types) by a `BinaryConv2d` /
`BinaryLinear` of nn.binary (IR-Net binarization, Eq. 12-16) with a learnable scale vector alpha (Eq. 2) and one
`ScaleDropout` (Eq. 5-7), copying weights and biases. The layers named in `full_precision` (default: the first and
the last Conv/Linear) stay as they are. Everything else (BatchNorm, pooling, residual adds, custom forwards) is kept.
In the BNN the sign of the next binary layer is the activation, so activation modules (ReLU, GELU, ...) become
`nn.Identity` unless `activations="keep"`; activations called functionally in a custom forward are not seen.

`float_model(name, in_ch, n_classes)` is the project's architecture (nn.models) built from plain torch layers: its
conversion with `full_precision=()` is the model of `build_model(name, ...)`.
"""
from __future__ import annotations

import copy
from typing import Iterable

from torch import nn

from nn.binary import BinaryConv2d, BinaryLinear
from nn.models import DEFAULT_DROPOUT, MODELS
from nn.scaledrop import MODES, Sampler, ScaleDropout, adaptive_p, make_sampler

ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU, nn.Mish,
               nn.Hardswish, nn.Hardtanh, nn.Tanh, nn.Sigmoid, nn.Softplus)


def _conv_args(name: str, m: nn.Conv2d) -> tuple[int, int, int]:
    """(kernel, stride, padding) of a Conv2d that BinaryConv2d can represent, else ValueError naming the layer."""
    def one(field, v):
        v = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
        if isinstance(v[0], str) or v[0] != v[1]:
            raise ValueError(f"convert: layer {name!r} (Conv2d): {field}={v} not supported by BinaryConv2d "
                             f"(square, numeric only); keep it full precision (full_precision=[{name!r}, ...])")
        return int(v[0])
    for field, ok in (("groups", m.groups == 1), ("dilation", tuple(m.dilation) == (1, 1)),
                      ("padding_mode", m.padding_mode == "zeros")):
        if not ok:
            raise ValueError(f"convert: layer {name!r} (Conv2d): {field}={getattr(m, field)!r} not supported by "
                             f"BinaryConv2d; keep it full precision (full_precision=[{name!r}, ...])")
    return one("kernel_size", m.kernel_size), one("stride", m.stride), one("padding", m.padding)


def _resolve(full_precision: Iterable[str], names: list[str]) -> set[str]:
    out = set()
    for n in full_precision:
        if n in ("first", "last"):
            out.add(names[0] if n == "first" else names[-1])
        elif n in names:
            out.add(n)
        else:
            raise ValueError(f"convert: full_precision entry {n!r} is not a Conv2d/Linear of the model "
                             f"(known: first, last, {', '.join(names)})")
    return out


def _replace(model: nn.Module, name: str, new: nn.Module) -> nn.Module:
    if not name:
        return new
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent), child, new)
    return model


def to_scale_dropout_bnn(model: nn.Module, p: float | str = "adaptive", mode: str = "unitary",
                         elementwise: bool = False, full_precision: Iterable[str] = ("first", "last"),
                         p_small: float = DEFAULT_DROPOUT["p_small"], p_large: float = DEFAULT_DROPOUT["p_large"],
                         param_threshold: int = DEFAULT_DROPOUT["param_threshold"],
                         rand_range: tuple[float, float] = tuple(DEFAULT_DROPOUT["rand_range"]),
                         sampler: Sampler | None = None, activations: str = "sign",
                         inplace: bool = False) -> nn.Module:
    """Scale-Dropout BNN of `model` (a copy unless `inplace`).

    p: dropout probability of every layer, or "adaptive" (Sec. III-D: p_small below `param_threshold` weights,
    else p_large). mode: unitary / average / random (Eq. 6; random draws from U(rand_range)). elementwise: one mask
    per channel instead of per layer. full_precision: Conv/Linear layers left as they are, by qualified name or
    "first" / "last" (registration order). The model's first Conv/Linear keeps a real-valued input (the image).
    sampler: mask sampler (nn.scaledrop.make_sampler; default Bernoulli). ScaleDropout indices follow the
    registration order, which is the forward order of the models this is meant for."""
    if mode not in MODES:
        raise ValueError(f"convert: unknown mode {mode!r} (known: {', '.join(MODES)})")
    if p != "adaptive" and not (isinstance(p, (int, float)) and 0.0 <= p <= 1.0):
        raise ValueError(f"convert: p must be 'adaptive' or a number in [0, 1], got {p!r}")
    if activations not in ("sign", "keep"):
        raise ValueError(f"convert: activations must be 'sign' or 'keep', got {activations!r}")
    model = model if inplace else copy.deepcopy(model)
    layers = [(n, m) for n, m in model.named_modules() if type(m) in (nn.Conv2d, nn.Linear)]
    if not layers:
        raise ValueError("convert: the model has no nn.Conv2d or nn.Linear layer")
    keep = _resolve(full_precision, [n for n, _ in layers])
    sampler = sampler or make_sampler("bernoulli")
    index = 0
    for i, (name, m) in enumerate(layers):
        if name in keep:
            continue
        w = m.weight
        lp = adaptive_p(w.numel(), p_small, p_large, param_threshold) if p == "adaptive" else float(p)
        drop = ScaleDropout(lp, mode, elementwise, w.shape[0], tuple(rand_range), sampler, index)
        index += 1
        if isinstance(m, nn.Conv2d):
            k, stride, padding = _conv_args(name, m)
            new = BinaryConv2d(m.in_channels, m.out_channels, k, stride, padding, bias=m.bias is not None,
                               binary_input=i > 0, dropout=drop)
        else:
            new = BinaryLinear(m.in_features, m.out_features, bias=m.bias is not None, binary_input=i > 0,
                               dropout=drop)
        new = new.to(w.device, w.dtype)
        new.weight.data.copy_(w.data)
        if m.bias is not None:
            new.bias.data.copy_(m.bias.data)
        model = _replace(model, name, new)
    if activations == "sign":
        for name, m in list(model.named_modules()):
            if type(m) in ACTIVATIONS:
                model = _replace(model, name, nn.Identity())
    return model


class _FloatFactory:
    """nn.models factory interface (conv / linear) returning plain torch layers."""

    def conv(self, cin, cout, k, stride=1, padding=0, first=False):
        return nn.Conv2d(cin, cout, k, stride, padding)

    def linear(self, fin, fout, last=False):
        return nn.Linear(fin, fout)

    def bn(self, norm):
        return norm


def float_model(name: str, in_ch: int, n_classes: int) -> nn.Module:
    """The project's architecture `name` (lenet5, vgg_small, resnet18, resnet20) with nn.Conv2d / nn.Linear."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r} (known: {', '.join(MODELS)})")
    return MODELS[name](_FloatFactory(), in_ch, n_classes)
