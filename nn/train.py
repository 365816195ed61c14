"""Training with Scale-Dropout (Sec. III-E, VI-B): Adam on the Eq. 17 objective, cosine learning rate, EDE schedule
per epoch, a checkpoint per epoch that a rerun resumes from (same final weights as an uninterrupted run).
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from tqdm import tqdm

from nn.binary import set_ede
from nn.data import load_dataset
from nn.data.loader import batches, subset
from nn.data.transforms import channel_stats, normalize, random_crop, random_hflip, random_resized_crop, to_float
from nn.baselines import Ensemble
from nn.binary import scaled_layers
from nn.loss import scaledrop_loss
from nn.models import build_model
from nn.scaledrop import dropout_layers


@dataclass
class Split:
    x: torch.Tensor  # float, normalised with the training split's statistics
    y: torch.Tensor


def load_splits(dataset: str, data_dir=None, n_train: int | None = None, n_test: int | None = None,
                seed: int = 0) -> tuple[Split, Split, dict]:
    """Normalised train/test splits (stats from the training split) and {mean, std, classes, in_ch, size}."""
    tr, te = load_dataset(dataset, "train", data_dir), load_dataset(dataset, "test", data_dir)
    if n_train:
        tr = subset(tr, n_train, seed)
    if n_test:
        te = subset(te, n_test, seed)
    mean, std = channel_stats(tr.x)
    info = {"mean": mean.tolist(), "std": std.tolist(), "classes": list(tr.classes), "in_ch": int(tr.x.shape[1]),
            "size": int(tr.x.shape[-1])}
    return (Split(normalize(to_float(tr.x), mean, std), tr.y), Split(normalize(to_float(te.x), mean, std), te.y),
            info)


def _epoch_seed(seed: int, epoch: int) -> int:
    return seed * 100_003 + epoch


def _augment(x: torch.Tensor, aug: dict, gen: torch.Generator) -> torch.Tensor:
    """Sec. VI-A-1 augmentation of a normalised batch: resized crop (min area fraction), padded crop, flip."""
    if aug.get("resized_crop_min_scale"):
        x = random_resized_crop(x, x.shape[-1], (aug["resized_crop_min_scale"], 1.0), gen=gen)
    if aug.get("crop_padding"):
        x = random_crop(x, x.shape[-1], aug["crop_padding"], gen)
    if aug.get("hflip"):
        x = random_hflip(x, gen)
    return x


def _save(obj, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _loss(model, logits, y, lam, phi):
    """Eq. 17 for binary models; CE + lambda * ||W||^2 for the full-precision baselines."""
    if scaled_layers(model):
        return scaledrop_loss(model, logits, y, lam, phi)
    ce = torch.nn.functional.cross_entropy(logits, y)
    l2 = sum(p.pow(2).sum() for n, p in model.named_parameters() if n.endswith("weight") and p.dim() > 1)
    return ce + lam * l2, {"ce": ce.item()}


def load_checkpoint(ckpt: Path | None, device=None) -> dict | None:
    """A resumable training state, or None. A checkpoint that cannot be read (truncated, foreign, or a pickle that
    `weights_only=True` refuses) is reported in one line, moved aside to `<name>.bad` and training starts fresh."""
    if not ckpt or not Path(ckpt).exists():
        return None
    try:
        state = torch.load(ckpt, map_location=device, weights_only=True)
        if not isinstance(state, dict) or "model" not in state:
            raise ValueError("not a training checkpoint")
        return state
    except Exception as e:  # noqa: BLE001  (any unreadable file: torch raises many types)
        bad = Path(ckpt).with_suffix(".bad")
        os.replace(ckpt, bad)
        logging.getLogger("scaledrop").warning("checkpoint %s unreadable (%s: %s); moved to %s, starting fresh",
                                               ckpt, type(e).__name__, str(e).splitlines()[0][:120], bad.name)
        return None


def fit(model: torch.nn.Module, train: Split, tcfg: dict, seed: int, ckpt: Path | None = None,
        progress: bool = True, device: str | None = None, ckpt_key: str = "") -> list[dict]:
    """Ensembles: each member trained independently with seed `seed * 1000 + i` (its own checkpoint)."""
    if isinstance(model, Ensemble):
        hist = []
        for i, m in enumerate(model.members):
            c = None if ckpt is None else Path(ckpt).with_name(f"{Path(ckpt).stem}_m{i}.pt")
            hist += [{**h, "member": i} for h in _fit(m, train, tcfg, seed * 1000 + i, c, progress, device, ckpt_key)]
        return hist
    return _fit(model, train, tcfg, seed, ckpt, progress, device, ckpt_key)


def _fit(model: torch.nn.Module, train: Split, tcfg: dict, seed: int, ckpt: Path | None = None,
         progress: bool = True, device: str | None = None, ckpt_key: str = "") -> list[dict]:
    """Train `model` in place; tcfg: epochs, batch_size, lr, lr_schedule, lambda, phi, augment. Returns history.

    With `ckpt`, the state after every epoch is saved there and an existing checkpoint with the same `ckpt_key`
    (e.g. a config hash) is resumed from its next epoch; one with another key is ignored."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device)
    epochs, bs = int(tcfg["epochs"]), int(tcfg["batch_size"])
    steps = epochs * -(-len(train.y) // bs)
    opt = torch.optim.Adam(model.parameters(), lr=float(tcfg["lr"]))
    sched = (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
             if tcfg.get("lr_schedule", "cosine") == "cosine" else torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1))
    start, history = 0, []
    state = load_checkpoint(ckpt, device)
    if state is not None and state.get("key", "") == ckpt_key:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        start, history = int(state["epoch"]) + 1, list(state["history"])
    for epoch in range(start, epochs):
        t0 = time.time()
        torch.manual_seed(_epoch_seed(seed, epoch))  # per-image dropout masks: reproducible per epoch
        gen = torch.Generator().manual_seed(_epoch_seed(seed, epoch))
        t, k = set_ede(model, epoch, epochs)
        model.train()
        tot = {"loss": 0.0, "ce": 0.0, "correct": 0, "n": 0}
        it = batches(train.x, train.y, bs, True, gen)
        for x, y in tqdm(it, total=-(-len(train.y) // bs), desc=f"epoch {epoch + 1}/{epochs}", disable=not progress,
                         leave=False):
            x, y = _augment(x, tcfg.get("augment") or {}, gen).to(device), y.to(device)
            logits = model(x)
            loss, terms = _loss(model, logits, y, tcfg.get("lambda", 1e-5), tcfg.get("phi", 1e-5))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot["loss"] += loss.item() * len(y)
            tot["ce"] += terms["ce"] * len(y)
            tot["correct"] += int((logits.argmax(1) == y).sum())
            tot["n"] += len(y)
        history.append({"epoch": epoch + 1, "loss": tot["loss"] / tot["n"], "ce": tot["ce"] / tot["n"],
                        "train_acc": tot["correct"] / tot["n"], "ede_t": t, "ede_k": k,
                        "lr": opt.param_groups[0]["lr"], "seconds": time.time() - t0})
        if ckpt is not None:
            _save({"key": ckpt_key, "epoch": epoch, "model": model.state_dict(), "opt": opt.state_dict(),
                   "sched": sched.state_dict(), "history": history}, Path(ckpt))
    return history


def run_cfg(cfg: dict, method: str) -> dict:
    """nn config of one run: `baseline_train` {methods, n_train, n_test, epochs} caps the budget of listed methods."""
    bt = cfg.get("baseline_train") or {}
    if method not in bt.get("methods", []):
        return cfg
    out = {**cfg, "train": {**cfg["train"], **({"epochs": bt["epochs"]} if bt.get("epochs") else {})}}
    for k in ("n_train", "n_test"):
        if bt.get(k):
            out[k] = bt[k] if not cfg.get(k) else min(bt[k], cfg[k])
    return out


def model_meta(name: str, mcfg: dict, info: dict, n_classes: int) -> dict:
    """Everything needed to rebuild a trained model (stored next to its weights)."""
    return {"model": name, "in_ch": info["in_ch"], "n_classes": n_classes, "model_cfg": mcfg,
            "mean": info["mean"], "std": info["std"], "size": info["size"]}


def load_model(path) -> tuple[torch.nn.Module, dict]:
    """Rebuild a model saved by the train rule: (model in eval mode, meta)."""
    obj = torch.load(path, map_location="cpu", weights_only=True)
    meta = obj["meta"]
    model = build_model(meta["model"], meta["in_ch"], meta["n_classes"], meta["model_cfg"])
    model.load_state_dict(obj["state_dict"])
    return model.eval(), meta


def layer_table(model: torch.nn.Module) -> list[dict]:
    """Per Scale-Dropout layer: index, p, mode (reported in metrics)."""
    return [{"index": d.index, "p": d.p, "mode": d.mode, "elementwise": d.elementwise} for d in dropout_layers(model)]
