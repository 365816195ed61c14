"""Segmentation topologies of Sec. VI-B: U-Net [52] and Bayesian SegNet [53], in three variants (`method`):

- scaledrop: binary weights (IR-Net, nn.binary) with 4-bit PACT activations, Scale-Dropout on the scale vector of
  every binary conv of the central blocks (Eq. 5-7);
- spindrop: the same binary/4-bit network with element-wise Bernoulli dropout on the activations of the central
  blocks (SpinDrop [17]);
- mcdropout: full-precision weights, ReLU, dropout p = 0.5 after every central block (MC-Dropout [10]).

Central blocks (as in Bayesian SegNet) are all encoder/decoder blocks except the outermost encoder and decoder
blocks. The first conv (image input) and the last 1x1 conv (2-class logits) keep full-precision weights unless
`first_binary` / `last_binary`. Any input size works: inputs are padded (replicate) to a multiple of 2^depth and
the logits cropped back, so output H x W == input H x W.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from nn.binary import BinaryConv2d
from nn.scaledrop import ScaleDropout, make_sampler
from nn.seg.pact import PACT

METHODS = ("scaledrop", "spindrop", "mcdropout")
TOPOLOGIES = ("unet", "segnet")


class MCDropout(nn.Module):
    """Element-wise (inverted) Bernoulli dropout, active in training and in MC mode (`mc = True`)."""

    def __init__(self, p: float):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout p must be in [0, 1), got {p}")
        self.p, self.mc = float(p), False

    def forward(self, x):
        return F.dropout(x, self.p, training=self.training or self.mc)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class _Factory:
    """Layers of one model for one method; numbers the Scale-Dropout modules in forward order."""

    def __init__(self, method: str, cfg: dict):
        if method not in METHODS:
            raise ValueError(f"unknown segmentation method {method!r} (known: {', '.join(METHODS)})")
        self.method, self.cfg = method, cfg
        self.binary = method != "mcdropout"
        self.index = 0
        sd = cfg.get("scale_dropout") or {}
        self.sd_p, self.sd_mode = float(sd.get("p", 0.2)), sd.get("mode", "unitary")
        self.sampler = make_sampler("bernoulli")

    def p(self) -> float:
        """Activation-dropout probability of the method (config `seg.<method>.p`; paper: 0.5 for MC-Dropout)."""
        return float((self.cfg.get(self.method) or {}).get("p", 0.5 if self.method == "mcdropout" else 0.2))

    def conv(self, cin: int, cout: int, k: int = 3, stochastic: bool = False, first: bool = False,
             last: bool = False) -> nn.Module:
        pad = k // 2
        if not self.binary:
            return nn.Conv2d(cin, cout, k, padding=pad, bias=last)
        full = (first and not self.cfg.get("first_binary", False)) or (last and not self.cfg.get("last_binary", False))
        drop = None
        if stochastic and self.method == "scaledrop":
            drop = ScaleDropout(self.sd_p, self.sd_mode, False, cout, sampler=self.sampler, index=self.index)
            self.index += 1
        # 4-bit inputs (PACT) feed the binary crossbar directly: binary_input=False
        return BinaryConv2d(cin, cout, k, padding=pad, bias=last, binary_weights=not full, binary_input=False,
                            dropout=drop)

    def act(self) -> nn.Module:
        if not self.binary:
            return nn.ReLU(inplace=True)
        return PACT(int(self.cfg.get("bits", 4)), float(self.cfg.get("pact_init", 4.0)))

    def block(self, cin: int, cout: int, stochastic: bool, first: bool = False) -> nn.Sequential:
        """[conv3x3 -> BN -> act] x 2 (+ the method's activation dropout when stochastic)."""
        layers = []
        for i, (a, b) in enumerate([(cin, cout), (cout, cout)]):
            layers += [self.conv(a, b, 3, stochastic, first=first and i == 0), nn.BatchNorm2d(b), self.act()]
            if stochastic and self.method == "spindrop":
                layers.append(MCDropout(self.p()))
        if stochastic and self.method == "mcdropout":
            layers.append(MCDropout(self.p()))
        return nn.Sequential(*layers)


class _SegNetBase(nn.Module):
    def __init__(self, depth: int):
        super().__init__()
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self.depth = depth

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        m = 2 ** self.depth
        ph, pw = -h % m, -w % m
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        return self.body(x)[..., :h, :w]


class UNet(_SegNetBase):
    """U-Net: encoder blocks (width * 2^i) with max-pool, bottleneck, nearest upsampling + skip concatenation."""

    def __init__(self, f: _Factory, in_ch: int, n_classes: int = 2, width: int = 16, depth: int = 3):
        super().__init__(depth)
        ws = [width * 2 ** i for i in range(depth + 1)]
        self.enc = nn.ModuleList([f.block(in_ch if i == 0 else ws[i - 1], ws[i], i > 0, first=i == 0)
                                  for i in range(depth)])
        self.mid = f.block(ws[depth - 1], ws[depth], True)
        self.dec = nn.ModuleList([f.block(ws[i + 1] + ws[i], ws[i], i > 0) for i in reversed(range(depth))])
        self.head = f.conv(ws[0], n_classes, 1, last=True)

    def body(self, x):
        skips = []
        for blk in self.enc:
            x = blk(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.mid(x)
        for blk in self.dec:
            x = blk(torch.cat([F.interpolate(x, scale_factor=2, mode="nearest"), skips.pop()], 1))
        return self.head(x)


class SegNet(_SegNetBase):
    """Bayesian SegNet: encoder blocks with max-pool indices, decoder with max-unpooling (no skip features)."""

    def __init__(self, f: _Factory, in_ch: int, n_classes: int = 2, width: int = 16, depth: int = 3):
        super().__init__(depth)
        ws = [width * 2 ** i for i in range(depth)]
        self.enc = nn.ModuleList([f.block(in_ch if i == 0 else ws[i - 1], ws[i], i > 0, first=i == 0)
                                  for i in range(depth)])
        self.dec = nn.ModuleList([f.block(ws[i], ws[max(i - 1, 0)], i > 0) for i in reversed(range(depth))])
        self.head = f.conv(ws[0], n_classes, 1, last=True)

    def body(self, x):
        idx = []
        for blk in self.enc:
            x, i = F.max_pool2d(blk(x), 2, return_indices=True)
            idx.append(i)
        for blk in self.dec:
            i = idx.pop()
            x = blk(F.max_unpool2d(x, i, 2, output_size=(x.shape[-2] * 2, x.shape[-1] * 2)))
        return self.head(x)


def build_seg_model(topology: str, method: str, in_ch: int, cfg: dict | None = None) -> nn.Module:
    """`topology` in TOPOLOGIES for `method` in METHODS; cfg: the `seg:` config section (width, depth, bits, ...)."""
    cfg = cfg or {}
    if topology not in TOPOLOGIES:
        raise ValueError(f"unknown segmentation topology {topology!r} (known: {', '.join(TOPOLOGIES)})")
    cls = UNet if topology == "unet" else SegNet
    return cls(_Factory(method, cfg), in_ch, 2, int(cfg.get("width", 16)), int(cfg.get("depth", 3)))


def set_mc(model: nn.Module, on: bool = True) -> None:
    """MC mode for every stochastic module (Scale-Dropout and activation dropout) with BatchNorm in eval mode."""
    for m in model.modules():
        if isinstance(m, (ScaleDropout, MCDropout)):
            m.mc = on
            if hasattr(m, "mc_ctx"):
                m.mc_ctx = None


def bit_width(method: str, cfg: dict | None = None) -> str:
    """'W/A' of the hidden layers as in Table V."""
    return "32/32" if method == "mcdropout" else f"1/{int((cfg or {}).get('bits', 4))}"
