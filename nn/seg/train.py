"""Training and MC inference of the segmentation models (Sec. VI-B): Adam on pixel-wise cross-entropy plus the
Eq. 17 regularisers (lambda * ||W||^2 over all conv weights, phi * sum_l (1 - mean alpha_l)^2 over binary layers),
cosine learning rate, EDE schedule per epoch, D4 (flip / rot90) augmentation, one resumable checkpoint per epoch.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from nn.binary import scaled_layers, set_ede
from nn.train import load_checkpoint
from nn.seg.metrics import pixel_uncertainty
from nn.seg.models import set_mc


def seg_loss(model: nn.Module, logits: torch.Tensor, y: torch.Tensor, lam: float, phi: float) -> torch.Tensor:
    ce = F.cross_entropy(logits, y)
    weighted = [m for m in model.modules() if isinstance(m, nn.Conv2d)] + scaled_layers(model)
    l2 = sum(m.weight.pow(2).sum() for m in weighted)
    sc = sum((1 - m.alpha.mean()).pow(2) for m in scaled_layers(model))
    return ce + lam * l2 + phi * sc


def _d4(x: torch.Tensor, y: torch.Tensor, gen: torch.Generator):
    """One random element of the dihedral group D4 per batch (rot90 k times, optional flip)."""
    k, flip = int(torch.randint(4, (1,), generator=gen)), bool(torch.randint(2, (1,), generator=gen))
    x, y = torch.rot90(x, k, (-2, -1)), torch.rot90(y, k, (-2, -1))
    return (x.flip(-1), y.flip(-1)) if flip else (x, y)


def _epoch_seed(seed: int, epoch: int) -> int:
    return seed * 100_003 + epoch


def fit_seg(model: nn.Module, x: torch.Tensor, y: torch.Tensor, tcfg: dict, seed: int, ckpt: Path | None = None,
            ckpt_key: str = "", progress: bool = True) -> list[dict]:
    """Train in place; tcfg: epochs, batch_size, lr, lambda, phi, augment. With `ckpt`, the state after each
    epoch is saved and a checkpoint with the same `ckpt_key` is resumed (same result as an uninterrupted run)."""
    epochs, bs = int(tcfg["epochs"]), int(tcfg["batch_size"])
    n_batches = -(-len(x) // bs)
    opt = torch.optim.Adam(model.parameters(), lr=float(tcfg["lr"]))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * n_batches)
    start, history = 0, []
    state = load_checkpoint(ckpt, "cpu")
    if state is not None and state.get("key") == ckpt_key:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start, history = int(state["epoch"]) + 1, list(state["history"])
    bar = tqdm(range(start, epochs), desc="seg train", disable=not progress, initial=start, total=epochs)
    for epoch in bar:
        t0 = time.time()
        torch.manual_seed(_epoch_seed(seed, epoch))  # dropout masks
        gen = torch.Generator().manual_seed(_epoch_seed(seed, epoch))
        set_ede(model, epoch, epochs)
        model.train()
        tot, correct, n = 0.0, 0, 0
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), bs):
            xb, yb = x[order[i:i + bs]], y[order[i:i + bs]]
            if tcfg.get("augment", True):
                xb, yb = _d4(xb, yb, gen)
            logits = model(xb)
            loss = seg_loss(model, logits, yb, float(tcfg.get("lambda", 1e-5)), float(tcfg.get("phi", 1e-5)))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item() * len(yb)
            correct += int((logits.argmax(1) == yb).sum())
            n += yb.numel()
        history.append({"epoch": epoch + 1, "loss": tot / len(x), "train_pixel_acc": correct / n,
                        "lr": opt.param_groups[0]["lr"], "seconds": time.time() - t0})
        bar.set_postfix(loss=f"{history[-1]['loss']:.3f}", acc=f"{correct / n:.3f}")
        if ckpt is not None:
            tmp = Path(ckpt).with_suffix(".tmp")
            torch.save({"key": ckpt_key, "epoch": epoch, "model": model.state_dict(), "opt": opt.state_dict(),
                        "sched": sched.state_dict(), "history": history}, tmp)
            os.replace(tmp, ckpt)
    return history


@torch.no_grad()
def predict_fg(model: nn.Module, x: torch.Tensor, batch_size: int = 16) -> np.ndarray:
    """Deterministic foreground probability N x H x W (eval mode, all dropout off)."""
    was = model.training
    model.eval()
    out = torch.cat([model(x[i:i + batch_size]).softmax(1)[:, 1] for i in range(0, len(x), batch_size)])
    model.train(was)
    return out.numpy()


@torch.no_grad()
def mc_uncertainty(model: nn.Module, x: torch.Tensor, T: int, seed: int = 0, batch_size: int = 16) -> dict:
    """T stochastic passes (BatchNorm in eval mode, dropout active; fresh masks per image and pass), summarised
    per pixel by nn.seg.metrics.pixel_uncertainty (mean, variance, entropy, mi: N x H x W each)."""
    was = model.training
    model.eval()
    set_mc(model, True)
    torch.manual_seed(seed)
    parts = []
    try:
        for i in range(0, len(x), batch_size):
            xb = x[i:i + batch_size]
            parts.append(pixel_uncertainty(np.stack([model(xb).softmax(1)[:, 1].numpy() for _ in range(T)])))
    finally:
        set_mc(model, False)
        model.train(was)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
