"""Minimal in-memory batching over tensors (no DataLoader workers) and deterministic subsets."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import torch

from .datasets import Dataset


def batches(ds_x: torch.Tensor, ds_y: torch.Tensor, batch_size: int, shuffle: bool,
            gen: torch.Generator | None = None, drop_last: bool = False
            ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(x, y)`` mini-batches; ``shuffle`` draws one permutation per call from ``gen``."""
    if len(ds_x) != len(ds_y):
        raise ValueError(f"batches: {len(ds_x)} inputs but {len(ds_y)} targets")
    if batch_size < 1:
        raise ValueError(f"batches: batch_size must be >= 1, got {batch_size}")
    if shuffle and gen is None:
        raise ValueError("batches: shuffle=True needs an explicit torch.Generator (determinism)")
    n = len(ds_x)
    order = torch.randperm(n, generator=gen) if shuffle else None
    stop = n - n % batch_size if drop_last else n
    for i in range(0, stop, batch_size):
        if order is None:
            yield ds_x[i:i + batch_size], ds_y[i:i + batch_size]
        else:
            idx = order[i:i + batch_size]
            yield ds_x[idx], ds_y[idx]


def subset(dataset: Dataset, n: int, seed: int) -> Dataset:
    """``n`` images drawn without replacement (seeded), kept in their original order; all if n >= len."""
    if n >= len(dataset):
        return dataset
    gen = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(dataset), generator=gen)[:n].sort().values
    return dataclasses.replace(dataset, x=dataset.x[idx], y=dataset.y[idx])
