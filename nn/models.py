"""Binary models (Eq. 2-9): every layer is (binary conv + b) * alpha_hat -> BatchNorm, sign activations feeding the
next layer. Registry: `build_model(name, in_ch, n_classes, cfg)`.

cfg keys (the `nn:` config section or a subset): method ("scaledrop", "none" or a baseline of nn.baselines: fp,
mcdropout, mcdropout_htanh, mcdropout_all, mcdropconnect, ensemble, bnn, spindrop, spatial_spindrop, spinbayes),
first_binary, last_binary, scale_dropout {mode, elementwise, p_small, p_large, param_threshold, rand_range,
learn_alpha, alpha_position, train_masks, sampler {kind, ...}} and baselines {activation, p {method: p},
ensemble_size, spinbayes}.
"""
from __future__ import annotations

from torch import nn

from nn import baselines as B
from nn.binary import BinaryConv2d, BinaryLinear
from nn.scaledrop import ScaleAfterBN, ScaleDropout, adaptive_p, make_sampler

METHODS = B.BINARY_METHODS + B.FP_METHODS
DEFAULT_DROPOUT = {"mode": "unitary", "elementwise": False, "p_small": 0.1, "p_large": 0.2,
                   "param_threshold": 10000, "rand_range": [0.0, 2.0], "sampler": {"kind": "bernoulli"},
                   "learn_alpha": True, "alpha_position": "before_bn", "train_masks": "image"}
ALPHA_POSITIONS = ("before_bn", "after_bn")


class _Factory:
    """Builds the binary layers of one model, numbering their Scale-Dropout modules in forward order."""

    def __init__(self, cfg: dict):
        cfg = cfg or {}
        self.method = B.canonical(cfg.get("method", "scaledrop"))
        if self.method not in METHODS:
            known = ", ".join(METHODS + tuple(B.ALIASES))
            raise ValueError(f"unknown method {cfg.get('method')!r} (known: {known})")
        bl = self.bl = cfg.get("baselines") or {}
        self.act, self.p = B.activation(self.method, bl), B.dropout_p(self.method, bl)
        self.fp = self.method in B.FP_METHODS
        self.first_binary = bool(cfg.get("first_binary", True))
        self.last_binary = bool(cfg.get("last_binary", True))
        self.sd = {**DEFAULT_DROPOUT, **(cfg.get("scale_dropout") or {})}
        sampler_cfg = dict(self.sd["sampler"])
        self.sampler = make_sampler(sampler_cfg.pop("kind", "bernoulli"), **sampler_cfg)
        if self.sd["alpha_position"] not in ALPHA_POSITIONS:
            raise ValueError(f"nn.scale_dropout.alpha_position: unknown {self.sd['alpha_position']!r} "
                             f"(known: {', '.join(ALPHA_POSITIONS)})")
        if self.sd["train_masks"] not in ("image", "batch"):
            raise ValueError(f"nn.scale_dropout.train_masks: unknown {self.sd['train_masks']!r} (known: image, batch)")
        self.after_bn = self.sd["alpha_position"] == "after_bn" and self.method == "scaledrop"
        self.index, self.last = 0, None

    def _binary(self, cls, args, kw, n_params: int, channels: int, binary_input: bool):
        """A binary layer of this method: SpinDrop variants gate binary inputs, SpinBayes holds K crossbars."""
        if self.method in ("spindrop", "spatial_spindrop") and binary_input:
            sub = B.SpinDropConv2d if cls is BinaryConv2d else B.SpinDropLinear
            return sub(*args, **kw, in_dropout=B.InputDropout(self.p, self.method == "spatial_spindrop"))
        if self.method == "spinbayes":
            sub = B.SpinBayesConv2d if cls is BinaryConv2d else B.SpinBayesLinear
            self.index += 1
            return sub(*args, **kw, spinbayes=self.bl.get("spinbayes"), index=self.index - 1)
        layer = cls(*args, **kw, dropout=self._dropout(n_params, channels))
        if not self.sd["learn_alpha"]:  # ablation: alpha frozen at 1
            layer.alpha.requires_grad_(False)
        self.last = layer
        return layer

    def bn(self, norm: nn.Module) -> nn.Module:
        """The BatchNorm after the last binary layer, followed by its scale when alpha_position is after_bn."""
        if self.after_bn and self.last is not None and self.last.dropout is not None:
            return nn.Sequential(norm, ScaleAfterBN(self.last))
        return norm

    def _dropout(self, n_params: int, channels: int):
        if self.method != "scaledrop":
            return None
        p = adaptive_p(n_params, self.sd["p_small"], self.sd["p_large"], self.sd["param_threshold"])
        d = ScaleDropout(p, self.sd["mode"], self.sd["elementwise"], channels, tuple(self.sd["rand_range"]),
                         self.sampler, self.index, self.after_bn, self.sd["train_masks"] == "batch")
        self.index += 1
        return d

    def conv(self, cin, cout, k, stride=1, padding=0, first=False):
        if self.fp:
            return B.FPConv2d(cin, cout, k, stride, padding, act=None if first else self.act,
                              in_dropout=self.p if self.method == "mcdropout_all" and not first else 0.0,
                              dropconnect=self.p if self.method == "mcdropconnect" else 0.0)
        bw = self.first_binary if first else True
        return self._binary(BinaryConv2d, (cin, cout, k, stride, padding),
                            {"binary_weights": bw, "binary_input": not first}, cin * cout * k * k, cout, not first)

    def linear(self, fin, fout, last=False):
        if self.fp:
            drop = (last and self.method in B.MC_DROPOUT) or self.method == "mcdropout_all"
            return B.FPLinear(fin, fout, act=self.act, in_dropout=self.p if drop else 0.0,
                              dropconnect=self.p if self.method == "mcdropconnect" else 0.0)
        bw = self.last_binary if last else True
        return self._binary(BinaryLinear, (fin, fout), {"binary_weights": bw, "binary_input": True}, fin * fout, fout,
                            True)


def lenet5(f: _Factory, in_ch: int, n_classes: int) -> nn.Module:
    return nn.Sequential(
        f.conv(in_ch, 6, 5, padding=2, first=True), f.bn(nn.BatchNorm2d(6)), nn.MaxPool2d(2),
        f.conv(6, 16, 5), f.bn(nn.BatchNorm2d(16)), nn.MaxPool2d(2), nn.AdaptiveMaxPool2d(5), nn.Flatten(),
        f.linear(400, 120), f.bn(nn.BatchNorm1d(120)),
        f.linear(120, 84), f.bn(nn.BatchNorm1d(84)),
        f.linear(84, n_classes, last=True), f.bn(nn.BatchNorm1d(n_classes)))


def vgg_small(f: _Factory, in_ch: int, n_classes: int) -> nn.Module:
    """VGG-Small of the BNN literature: 128-128-M-256-256-M-512-512-M-FC."""
    layers, c = [], in_ch
    for i, (w, pool) in enumerate([(128, False), (128, True), (256, False), (256, True), (512, False), (512, True)]):
        layers.append(f.conv(c, w, 3, padding=1, first=i == 0))
        layers += [nn.MaxPool2d(2)] if pool else []
        layers.append(nn.BatchNorm2d(w))
        c = w
    layers += [nn.AdaptiveAvgPool2d(4), nn.Flatten(), f.linear(512 * 16, n_classes, last=True),
               nn.BatchNorm1d(n_classes)]
    return nn.Sequential(*layers)


class BasicBlock(nn.Module):
    """Binary residual block; in MC mode the two paths are merged by the shared-prefix context (nn.mc)."""

    def __init__(self, f: _Factory, cin: int, cout: int, stride: int):
        super().__init__()
        self.branch = nn.Sequential(f.conv(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout),
                                    f.conv(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout))
        self.shortcut = (nn.Sequential(f.conv(cin, cout, 1, stride), nn.BatchNorm2d(cout))
                         if stride != 1 or cin != cout else nn.Identity())
        self.mc_ctx = None

    def forward(self, x):
        if self.mc_ctx is None:
            return self.branch(x) + self.shortcut(x)
        return self.mc_ctx.residual(x, self.branch, self.shortcut)


def _resnet(f: _Factory, in_ch: int, n_classes: int, widths, blocks) -> nn.Module:
    layers, c = [f.conv(in_ch, widths[0], 3, 1, 1, first=True), nn.BatchNorm2d(widths[0])], widths[0]
    for i, (w, n) in enumerate(zip(widths, blocks)):
        for j in range(n):
            layers.append(BasicBlock(f, c, w, 2 if (i > 0 and j == 0) else 1))
            c = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), f.linear(c, n_classes, last=True), nn.BatchNorm1d(n_classes)]
    return nn.Sequential(*layers)


def resnet18(f, in_ch, n_classes):
    return _resnet(f, in_ch, n_classes, (64, 128, 256, 512), (2, 2, 2, 2))


def resnet20(f, in_ch, n_classes):
    return _resnet(f, in_ch, n_classes, (16, 32, 64), (3, 3, 3))


MODELS = {"lenet5": lenet5, "vgg_small": vgg_small, "resnet18": resnet18, "resnet20": resnet20}


def build_model(name: str, in_ch: int, n_classes: int, cfg: dict | None = None) -> nn.Module:
    """Model `name` (lenet5, vgg_small, resnet18, resnet20) built from binary layers + BatchNorm."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r} (known: {', '.join(MODELS)})")
    cfg = cfg or {}
    if name != "lenet5" and (cfg.get("scale_dropout") or {}).get("alpha_position", "before_bn") != "before_bn":
        raise ValueError("nn.scale_dropout.alpha_position: after_bn is implemented for lenet5 only")
    if B.canonical(cfg.get("method", "scaledrop")) == "ensemble":
        n = int((cfg.get("baselines") or {}).get("ensemble_size", B.DEFAULT_BASELINES["ensemble_size"]))
        return B.Ensemble([MODELS[name](_Factory(cfg), in_ch, n_classes) for _ in range(n)])
    return MODELS[name](_Factory(cfg), in_ch, n_classes)
