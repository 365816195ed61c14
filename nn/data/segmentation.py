"""Segmentation data: the real stardist nuclei image cut into spatially disjoint patches, and user
directories of image/mask pairs in the layouts of the paper's biomedical sets (Sec. VI-A-1).

Outputs: ``x`` float32 N x C x S x S in [0, 1] and ``y`` int64 N x S x S binary foreground (mask > 0).
"""
from __future__ import annotations

import glob
import re
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import readers
from .datasets import cache_root
from .errors import DataError

LAYOUT_CHANNELS = {"ph2": 3, "isic": 3, "busi": 1, "covid_ct": 1}
_IMAGE_SUFFIXES = (".png", ".tif", ".tiff")


def _unit(a: np.ndarray) -> np.ndarray:
    """Intensities to [0, 1]: uint8 / 255, anything else min-max per image."""
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255.0
    a = a.astype(np.float32)
    lo, hi = float(a.min()), float(a.max())
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def load_nuclei(patch: int = 64, seed: int = 0, split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """stardist 0.9.2 ``img2d.tif`` (512 x 512 fluorescence nuclei) with its instance mask as binary
    foreground. Train = left 3/4 of the columns (patches at stride patch/2, order shuffled by ``seed``),
    test = right 1/4 (non-overlapping patches): spatially disjoint. Intensities: 1st/99.8th percentile
    of the train region mapped to [0, 1], clipped."""
    if split not in ("train", "test"):
        raise DataError(f"nuclei: unknown split {split!r} (use 'train' or 'test')")
    folder = cache_root() / "stardist" / "images"
    img = readers.read_image(folder / "img2d.tif")[:, :, 0].astype(np.float32)
    mask = readers.read_image(folder / "mask2d.tif")[:, :, 0]
    if img.shape != mask.shape:
        raise DataError(f"{folder / 'mask2d.tif'}: shape {mask.shape} differs from img2d.tif {img.shape}")
    H, W = img.shape
    cut = 3 * W // 4
    if patch > min(H, W - cut):
        raise DataError(f"nuclei: patch {patch} larger than the {H} x {W - cut} test region")
    lo, hi = np.percentile(img[:, :cut], [1.0, 99.8])
    img = np.clip((img - lo) / max(hi - lo, 1e-6), 0.0, 1.0).astype(np.float32)
    c0, c1, stride = (0, cut, patch // 2) if split == "train" else (cut, W, patch)
    corners = [(i, j) for i in range(0, H - patch + 1, stride) for j in range(c0, c1 - patch + 1, stride)]
    x = torch.from_numpy(np.stack([img[i:i + patch, j:j + patch] for i, j in corners]))[:, None]
    y = torch.from_numpy(np.stack([mask[i:i + patch, j:j + patch] > 0 for i, j in corners])).to(torch.int64)
    if split == "train":
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
        x, y = x[order], y[order]
    return x.contiguous(), y.contiguous()


def _mask_of(paths: list[Path]) -> np.ndarray:
    """Union of the foreground of one or more mask files (JPEG masks thresholded at 128)."""
    fg = None
    for p in paths:
        m = readers.read_image(p).max(axis=2)
        m = m > 127 if p.suffix.lower() in (".jpg", ".jpeg") else m > 0
        if fg is not None and fg.shape != m.shape:
            raise DataError(f"{p}: mask shape {m.shape} differs from {paths[0].name} {fg.shape}")
        fg = m if fg is None else fg | m
    return fg


def find_pairs(root, layout: str) -> list[tuple[Path, list[Path]]]:
    """``(image, [mask files])`` pairs under ``root`` for ``layout`` in ``LAYOUT_CHANNELS``; an image
    without its mask raises :class:`DataError` naming the image."""
    root = Path(root)
    if layout not in LAYOUT_CHANNELS:
        raise DataError(f"unknown segmentation layout {layout!r} (known: {', '.join(LAYOUT_CHANNELS)})")
    if not root.is_dir():
        raise DataError(f"{root}: missing directory ({layout} data)")
    pairs: list[tuple[Path, list[Path]]] = []
    if layout == "ph2":  # <case>/<case>_Dermoscopic_Image/<case>.bmp + <case>/<case>_lesion/<case>_lesion.bmp
        for img in sorted(root.rglob("*_Dermoscopic_Image/*.bmp")):
            pairs.append((img, [img.parent.parent / f"{img.stem}_lesion" / f"{img.stem}_lesion.bmp"]))
    elif layout == "isic":  # ISIC_<id>.jpg anywhere, ISIC_<id>_segmentation.png anywhere
        masks = {p.name[:-len("_segmentation.png")]: p for p in root.rglob("ISIC_*_segmentation.png")}
        for img in sorted(root.rglob("ISIC_*.jpg")):
            pairs.append((img, [masks.get(img.stem, img.with_name(f"{img.stem}_segmentation.png"))]))
    elif layout == "busi":  # <class>/<name>.png + <name>_mask.png (+ <name>_mask_<k>.png)
        for img in sorted(p for p in root.rglob("*.png") if not re.search(r"_mask(_\d+)?$", p.stem)):
            ms = sorted(p for p in img.parent.glob(glob.escape(img.stem) + "_mask*.png")
                        if re.fullmatch(re.escape(img.stem) + r"_mask(_\d+)?", p.stem))
            pairs.append((img, ms or [img.with_name(f"{img.stem}_mask.png")]))
    else:  # covid_ct: images/<f> + masks/<f> (same name, or same stem with another image suffix)
        mdir = root / "masks"
        for img in sorted(p for p in (root / "images").glob("*") if p.suffix.lower() in _IMAGE_SUFFIXES):
            cands = [mdir / img.name] + [mdir / (img.stem + s) for s in _IMAGE_SUFFIXES]
            pairs.append((img, [next((c for c in cands if c.is_file()), mdir / img.name)]))
    for img, ms in pairs:
        if not all(m.is_file() for m in ms):
            raise DataError(f"{img}: image without mask (expected {ms[0]})")
    if not pairs:
        raise DataError(f"{root}: no {layout} image/mask pairs found")
    return pairs


def load_pairs(root, layout: str, size: int = 128, channels: int | None = None
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """All image/mask pairs of ``root`` (see :func:`find_pairs`), each resized to ``size`` x ``size``
    (antialiased bilinear; mask resampled the same way and thresholded at 1/2). ``channels`` defaults to
    3 for ph2/isic and 1 for busi/covid_ct. Returns x float32 N x C x S x S, y int64 N x S x S."""
    channels = channels or LAYOUT_CHANNELS.get(layout)
    pairs = find_pairs(root, layout)
    xs, ys = [], []
    for img, ms in pairs:
        a = _unit(readers.read_image(img, channels=channels))
        m = _mask_of(ms)
        if m.shape != a.shape[:2]:
            raise DataError(f"{ms[0]}: mask shape {m.shape} differs from image {img.name} {a.shape[:2]}")
        t = torch.from_numpy(np.ascontiguousarray(np.concatenate([a, m[:, :, None]], axis=2).transpose(2, 0, 1)))
        t = F.interpolate(t[None].float(), size=(size, size), mode="bilinear", antialias=True,
                          align_corners=False)[0]
        xs.append(t[:-1].clamp(0, 1))
        ys.append((t[-1] >= 0.5).to(torch.int64))
    return torch.stack(xs), torch.stack(ys)
