"""Out-of-distribution sets of Sec. VI-A-2 (D1..D4) plus a real-photo OOD set.

Spaces: D1 (``gaussian_noise``) and D2 (``uniform_noise``) are produced directly in the *normalised
input space* the network sees (the paper samples N(0,1) / U(0,1) pixels), so feed them to the model
without ``normalize``. D3/D4 (``add_*_noise``) act in *pixel space* [0, 1] (``to_float`` output) and
clip back to [0, 1]; normalise afterwards. ``crops_ood`` returns uint8 images like ``Dataset.x``.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

# photos and textures bundled inside the scikit-image wheel (no download needed)
SKIMAGE_IMAGES = ("astronaut", "brick", "camera", "chelsea", "coffee", "coins", "clock", "grass",
                  "gravel", "immunohistochemistry", "moon", "rocket", "hubble_deep_field", "cell")


def gaussian_noise(n: int, shape, gen: torch.Generator) -> torch.Tensor:
    """D1: ``n`` images of i.i.d. N(0, 1) pixels, ``shape`` = (C, H, W), normalised-input space."""
    return torch.randn((n, *shape), generator=gen)


def uniform_noise(n: int, shape, gen: torch.Generator) -> torch.Tensor:
    """D2: ``n`` images of i.i.d. U(0, 1) pixels, ``shape`` = (C, H, W), normalised-input space."""
    return torch.rand((n, *shape), generator=gen)


def add_gaussian_noise(x: torch.Tensor, sigma: float, gen: torch.Generator) -> torch.Tensor:
    """D3: ``x`` in pixel space [0, 1] plus N(0, sigma^2) per pixel, clipped to [0, 1]."""
    return (x + sigma * torch.randn(x.shape, generator=gen, dtype=x.dtype)).clamp_(0.0, 1.0)


def add_uniform_noise(x: torch.Tensor, strength: float, gen: torch.Generator) -> torch.Tensor:
    """D4 / Fig. 5: ``x`` in pixel space [0, 1] plus U(-strength, strength) per pixel, clipped to [0, 1]."""
    u = torch.rand(x.shape, generator=gen, dtype=x.dtype)
    return (x + strength * (2.0 * u - 1.0)).clamp_(0.0, 1.0)


@lru_cache(maxsize=None)
def _photo(name: str) -> torch.Tensor:
    import skimage.data

    a = np.asarray(getattr(skimage.data, name)())
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    return torch.from_numpy(np.ascontiguousarray(a[:, :, :3].transpose(2, 0, 1)))


def crops_ood(n: int, size: int, channels: int, gen: torch.Generator) -> torch.Tensor:
    """Real-image OOD set: ``n`` random square crops (side U[size, min(H, W)]) of the scikit-image
    sample photos/textures, area-resized to ``size`` x ``size``; uint8 n x channels x size x size
    (``channels`` 1 uses luminance 0.299 R + 0.587 G + 0.114 B)."""
    if channels not in (1, 3):
        raise ValueError(f"crops_ood: channels must be 1 or 3, got {channels}")
    which = torch.randint(0, len(SKIMAGE_IMAGES), (n,), generator=gen).tolist()
    u = torch.rand(n, 3, generator=gen).tolist()
    out = torch.empty((n, channels, size, size), dtype=torch.uint8)
    for k, (idx, (us, ui, uj)) in enumerate(zip(which, u)):
        img = _photo(SKIMAGE_IMAGES[idx])
        H, W = img.shape[1:]
        side = size + int(us * (min(H, W) - size + 1))
        i, j = int(ui * (H - side + 1)), int(uj * (W - side + 1))
        crop = img[None, :, i:i + side, j:j + side].to(torch.float32)
        crop = F.interpolate(crop, size=(size, size), mode="bilinear", antialias=True, align_corners=False)[0]
        if channels == 1:
            crop = (torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1) * crop).sum(0, keepdim=True)
        out[k] = crop.round_().clamp_(0, 255).to(torch.uint8)
    return out
