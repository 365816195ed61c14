"""Rule seg_train: one binary (or full-precision MC-Dropout) segmentation model, resumable per epoch;
writes model.pt (weights + meta) and metrics.json (history, deterministic test scores)."""
import time
from pathlib import Path

import torch

import common
from nn.seg.data import load_seg_data
from nn.seg.metrics import nan_to_none, seg_scores
from nn.seg.models import bit_width, build_seg_model
from nn.seg.train import fit_seg, predict_fg


def main(sm):
    cfg, wc = sm.params.cfg["seg"], sm.wildcards
    seed = int(wc.seed)
    torch.set_num_threads(max(1, sm.threads))
    xtr, ytr, xte, yte, info = load_seg_data(cfg, sm.params.cfg["data_dir"], seed)
    torch.manual_seed(seed)
    model = build_seg_model(cfg["model"], wc.method, info["in_ch"], cfg)
    out = Path(sm.output.model)
    ckpt = out.with_name("checkpoint.pt")
    key = common.config_hash({"seg": cfg, "data_dir": sm.params.cfg["data_dir"], "wildcards": dict(wc)})
    t0 = time.time()
    history = fit_seg(model, xtr, ytr, cfg["train"], seed, ckpt=ckpt, ckpt_key=key)
    seconds = time.time() - t0
    meta = {"topology": cfg["model"], "method": wc.method, "seed": seed, "in_ch": info["in_ch"], "cfg": cfg,
            "data": info}
    with common.atomic_path(out) as tmp:
        torch.save({"state_dict": model.state_dict(), "meta": meta}, tmp)
    binary = wc.method != "mcdropout"
    common.write_json(sm.output.metrics, nan_to_none({
        "dataset": info["dataset"], "topology": cfg["model"], "method": wc.method, "seed": seed,
        "bit_width_hidden": bit_width(wc.method, cfg),
        "first_layer": "binary weights" if binary and cfg.get("first_binary") else "full-precision weights",
        "last_layer": "binary weights" if binary and cfg.get("last_binary") else "full-precision weights",
        "data": info, "n_params": sum(p.numel() for p in model.parameters()),
        "test_deterministic": seg_scores(predict_fg(model, xte), yte.numpy()),
        "train_seconds": sum(h["seconds"] for h in history), "train_seconds_this_run": seconds,
        "history": history, "provenance": common.provenance(sm.params.cfg, seed, torch=torch.__version__,
                                                            config_key=key)}))
    ckpt.unlink(missing_ok=True)  # finished: a forced rerun starts from scratch


common.run_rule(snakemake, main)  # noqa: F821  (a DataError becomes one line naming the file)
