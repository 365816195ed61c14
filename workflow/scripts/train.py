"""Rule train: fit one binary model with Scale-Dropout (Eq. 17), resumable per epoch; writes model.pt + metrics.json."""
import contextlib
import time
from pathlib import Path

import torch

import common
from nn.inject import CrossbarErrors, crossbar_errors
from nn.mc import predict
from nn.models import build_model
from nn.train import fit, layer_table, load_splits, model_meta, run_cfg

MODEL_KEYS = ("first_binary", "last_binary", "scale_dropout", "baselines")


def main(sm):
    wc = sm.wildcards
    cfg = run_cfg(sm.params.cfg["nn"], wc.method)
    seed = int(wc.seed)
    torch.set_num_threads(max(1, sm.threads))
    torch.manual_seed(seed)
    train, test, info = load_splits(wc.dataset, sm.params.cfg.get("data_dir"), cfg.get("n_train"), cfg.get("n_test"), seed)
    n_classes = len(info["classes"])
    mcfg = {"method": wc.method, **{k: cfg[k] for k in MODEL_KEYS if k in cfg}}
    model = build_model(wc.model, info["in_ch"], n_classes, mcfg)
    out = Path(sm.output.model)
    ckpt = out.with_name("checkpoint.pt")
    key = common.config_hash({"cfg": sm.params.cfg, "wildcards": dict(wc)})
    t0 = time.time()
    with (crossbar_errors(model, CrossbarErrors.load(sm.input.crossbar_model)) if cfg["train"].get("crossbar_errors")
          else contextlib.nullcontext()):
        history = fit(model, train, cfg["train"], seed, ckpt=ckpt, ckpt_key=key)
    seconds = time.time() - t0
    model.cpu()
    acc = float((predict(model, test.x).argmax(1) == test.y).float().mean())
    meta = model_meta(wc.model, mcfg, info, n_classes)
    with common.atomic_path(out) as tmp:
        torch.save({"state_dict": model.state_dict(), "meta": meta}, tmp)
    common.write_json(sm.output.metrics, {
        "dataset": wc.dataset, "model": wc.model, "method": wc.method, "seed": seed,
        "first_binary": mcfg.get("first_binary", True), "last_binary": mcfg.get("last_binary", True),
        "n_train": len(train.y), "epochs": int(cfg["train"]["epochs"]), "n_test": len(test.y), "n_params": sum(p.numel() for p in model.parameters()),
        "scale_dropout_layers": layer_table(model), "test_acc_deterministic": acc,
        "crossbar_errors_in_training": bool(cfg["train"].get("crossbar_errors")),
        "train_seconds_this_run": seconds, "history": history,
        "provenance": common.provenance(sm.params.cfg, seed, torch=torch.__version__, config_key=key)})
    ckpt.unlink(missing_ok=True)  # finished: a forced rerun starts from scratch


common.run_rule(snakemake, main)  # noqa: F821
