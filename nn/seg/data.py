"""Segmentation data for the `seg:` config section: the embedded nuclei patches (default) or a user directory
`<data_dir>/<dataset>` in one of the layouts of nn.data.segmentation (ph2, isic, busi, covid_ct).

Returns float32 N x C x S x S inputs normalised with the training split's per-channel mean/std and int64
N x S x S binary masks; user sets are split into train/test by a seeded permutation (`test_fraction`).
"""
from __future__ import annotations

from pathlib import Path

import torch

from nn.data.errors import DataError
from nn.data.segmentation import LAYOUT_CHANNELS, load_nuclei, load_pairs
from nn.data.transforms import normalize

DATASETS = ("nuclei", *LAYOUT_CHANNELS)


def _raw(cfg: dict, data_dir, seed: int):
    name = cfg.get("dataset", "nuclei")
    if name == "nuclei":
        patch = int(cfg.get("patch", 64))
        return load_nuclei(patch, seed, "train"), load_nuclei(patch, seed, "test")
    if name not in LAYOUT_CHANNELS:
        raise DataError(f"config.seg.dataset: unknown dataset {name!r} (known: {', '.join(DATASETS)})")
    if not data_dir:
        raise DataError(f"config.data_dir: must be set for seg.dataset {name!r} (expects <data_dir>/{name}/)")
    x, y = load_pairs(Path(data_dir) / name, name, int(cfg.get("size", 128)))
    frac = float(cfg.get("test_fraction", 0.2))
    n_test = max(1, int(round(frac * len(x))))
    if n_test >= len(x):
        raise DataError(f"config.seg.test_fraction: {frac} leaves no training images out of {len(x)}")
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    te, tr = order[:n_test].sort().values, order[n_test:]
    return (x[tr], y[tr]), (x[te], y[te])


def load_seg_data(cfg: dict, data_dir=None, seed: int = 0):
    """(x_train, y_train, x_test, y_test, info) for the `seg:` section; info: dataset, in_ch, mean, std, sizes."""
    (xtr, ytr), (xte, yte) = _raw(cfg, data_dir, seed)
    mean, std = xtr.double().mean((0, 2, 3)).float(), xtr.double().std((0, 2, 3), unbiased=False).float()
    info = {"dataset": cfg.get("dataset", "nuclei"), "in_ch": int(xtr.shape[1]), "mean": mean.tolist(),
            "std": std.tolist(), "n_train": len(xtr), "n_test": len(xte), "size": list(xtr.shape[-2:]),
            "fg_fraction_test": float(yte.float().mean())}
    return normalize(xtr, mean, std), ytr, normalize(xte, mean, std), yte, info
