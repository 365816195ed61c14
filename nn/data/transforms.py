"""Batch-wise torch augmentations (Sec. VI-A-1: RandomHorizontalFlip, RandomResizedCrop) and the
rotation shift of Fig. 6. All randomness comes from an explicit ``torch.Generator``; inputs are
N x C x H x W. Crop/flip keep the dtype; resampling ops (resized crop, rotate) round back for uint8.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _pair(size) -> tuple[int, int]:
    return (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))


def to_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float32 [0, 1]."""
    return x.to(torch.float32) / 255.0


def channel_stats(x: torch.Tensor, chunk: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and (population) std of uint8 images in [0, 1] units, accumulated in float64
    over chunks (compute on the training split only)."""
    s = torch.zeros(x.shape[1], dtype=torch.float64)
    s2 = torch.zeros_like(s)
    for i in range(0, len(x), chunk):
        xc = x[i:i + chunk].to(torch.float64) / 255.0
        s += xc.sum(dim=(0, 2, 3))
        s2 += (xc * xc).sum(dim=(0, 2, 3))
    n = x.shape[0] * x.shape[2] * x.shape[3]
    mean = s / n
    std = (s2 / n - mean * mean).clamp_min(0).sqrt()
    return mean.float(), std.float()


def normalize(x: torch.Tensor, mean, std, eps: float = 1e-8) -> torch.Tensor:
    """(x - mean) / std per channel; ``x`` float in [0, 1]; ``std`` is floored at ``eps``."""
    mean = torch.as_tensor(mean, dtype=x.dtype).view(1, -1, 1, 1)
    std = torch.as_tensor(std, dtype=x.dtype).view(1, -1, 1, 1).clamp_min(eps)
    return (x - mean) / std


def random_hflip(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Flip each image left-right with probability 1/2."""
    flip = torch.rand(len(x), generator=gen) < 0.5
    return torch.where(flip.view(-1, 1, 1, 1), x.flip(-1), x)


def random_crop(x: torch.Tensor, size, padding: int, gen: torch.Generator) -> torch.Tensor:
    """Zero-pad by ``padding`` then cut a ``size`` crop at an independent random offset per image."""
    (h, w), n = _pair(size), len(x)
    xp = F.pad(x, (padding,) * 4) if padding else x
    H, W = xp.shape[-2:]
    if h > H or w > W:
        raise ValueError(f"random_crop: size {(h, w)} larger than padded image {(H, W)}")
    i = torch.randint(0, H - h + 1, (n,), generator=gen)
    j = torch.randint(0, W - w + 1, (n,), generator=gen)
    rows = (i[:, None] + torch.arange(h))[:, :, None]
    cols = (j[:, None] + torch.arange(w))[:, None, :]
    return xp[torch.arange(n)[:, None, None], :, rows, cols].permute(0, 3, 1, 2).contiguous()


def _resample(x: torch.Tensor, theta: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear grid_sample with per-image affine ``theta`` (output -> input, normalised coords)."""
    xf = x if x.is_floating_point() else x.to(torch.float32)
    grid = F.affine_grid(theta.to(xf.dtype), [len(x), x.shape[1], *size], align_corners=False)
    out = F.grid_sample(xf, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if x.is_floating_point():
        return out
    info = torch.iinfo(x.dtype)
    return out.round_().clamp_(info.min, info.max).to(x.dtype)


def random_resized_crop(x: torch.Tensor, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3),
                        gen: torch.Generator | None = None, attempts: int = 10) -> torch.Tensor:
    """torchvision's RandomResizedCrop per image: area fraction ~ U(scale), log aspect ratio ~ U(log ratio);
    up to ``attempts`` draws, else the centre crop with the ratio clamped to ``ratio``."""
    out_hw, (n, H, W) = _pair(size), (len(x), *x.shape[-2:])
    area = H * W * (scale[0] + (scale[1] - scale[0]) * torch.rand(n, attempts, generator=gen, dtype=torch.float64))
    lr = math.log(ratio[0]) + (math.log(ratio[1]) - math.log(ratio[0])) * torch.rand(
        n, attempts, generator=gen, dtype=torch.float64)
    ar = lr.exp()
    w = (area * ar).sqrt().round()
    h = (area / ar).sqrt().round()
    ok = (w >= 1) & (w <= W) & (h >= 1) & (h <= H)
    first = torch.where(ok.any(1), ok.to(torch.int8).argmax(1), torch.full((n,), -1))
    # centre-crop fallback
    in_ratio = W / H
    fw, fh = (W, round(W / min(ratio))) if in_ratio < min(ratio) else \
        ((round(H * max(ratio)), H) if in_ratio > max(ratio) else (W, H))
    pick = first.clamp_min(0)[:, None]
    cw = torch.where(first >= 0, w.gather(1, pick)[:, 0], torch.full((n,), float(fw), dtype=torch.float64))
    ch = torch.where(first >= 0, h.gather(1, pick)[:, 0], torch.full((n,), float(fh), dtype=torch.float64))
    u = torch.rand(n, 2, generator=gen, dtype=torch.float64)
    top = torch.where(first >= 0, (u[:, 0] * (H - ch + 1)).floor(), ((H - ch) / 2).round())
    left = torch.where(first >= 0, (u[:, 1] * (W - cw + 1)).floor(), ((W - cw) / 2).round())
    theta = torch.zeros(n, 2, 3, dtype=torch.float64)
    theta[:, 0, 0], theta[:, 1, 1] = cw / W, ch / H
    theta[:, 0, 2] = (2 * left + cw) / W - 1
    theta[:, 1, 2] = (2 * top + ch) / H - 1
    return _resample(x, theta, out_hw)


def rotate(x: torch.Tensor, degrees) -> torch.Tensor:
    """Rotate counter-clockwise by ``degrees`` (scalar or one per image) about the centre, bilinear,
    zero fill (Fig. 6 distribution-shift study)."""
    n, (H, W) = len(x), x.shape[-2:]
    a = torch.deg2rad(torch.as_tensor(degrees, dtype=torch.float64).expand(n))
    c, s = torch.cos(a), torch.sin(a)
    theta = torch.zeros(n, 2, 3, dtype=torch.float64)
    # output -> input in normalised coords, corrected for non-square aspect
    theta[:, 0, 0], theta[:, 0, 1] = c, -s * H / W
    theta[:, 1, 0], theta[:, 1, 1] = s * W / H, c
    return _resample(x, theta, (H, W))
