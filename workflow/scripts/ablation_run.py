"""Rule ablation_run: train one Scale-Dropout variant (learnable vs frozen alpha, p, mode, per-image vs per-batch
training masks, alpha before vs after BatchNorm; Sec. III, Eq. 2-7) for every ablation seed (one job per variant:
the data and imports are loaded once) and measure what its posterior adds over the deterministic pass: accuracy,
OOD AUROC of the predictive entropy vs the deterministic pass's, label changes."""
import re

import numpy as np
import torch

import common
from mc_eval import ood_inputs
from nn import exact as X
from nn import metrics as M
from nn.data import load_dataset
from nn.data.loader import subset
from nn.mc import mc_predict, predict
from nn.models import build_model
from nn.train import fit, load_splits

FIXED = {"base": {}, "alpha_frozen": {"learn_alpha": False}, "average": {"mode": "average"},
         "random": {"mode": "random"}, "batch_masks": {"train_masks": "batch"},
         "after_bn": {"alpha_position": "after_bn"}}


def variant_cfg(name: str, ab: dict) -> dict:
    """scale_dropout overrides of variant `name`: a FIXED name or p<value> (uniform p in every layer, 0 < p < 1)."""
    if name in FIXED:
        return dict(FIXED[name])
    m = re.fullmatch(r"p(\d*\.?\d+)", name)
    if not m:
        raise ValueError(f"ablation.variants: unknown variant {name!r} (known: {', '.join(FIXED)}, p<value>)")
    p = float(m.group(1))
    if not 0 < p < 1:
        raise ValueError(f"ablation.variants: {name!r}: p = {p} out of range (0, 1)")
    return {"p_small": p, "p_large": p}


def posterior(model, x, ab, gen):
    """(probs of the predictive mean, MC or exact samples (weights, probs), source) of one input set."""
    if X.n_configurations(model) is not None:
        w, pk = X.exact_predict(model, x, int(ab["exact_limit"]))
        return w, pk, "exact"
    pk = mc_predict(model, x, int(ab["T"]), gen)[0].numpy()
    return np.full(len(pk), 1 / len(pk)), pk, f"mc T={ab['T']}"


def main(sm):
    cfg, ab = sm.params.cfg["nn"], sm.params.cfg["ablation"]
    torch.set_num_threads(max(1, sm.threads))
    rows = [one_seed(cfg, ab, sm.wildcards.variant, int(seed), sm.params.cfg.get("data_dir")) for seed in ab["seeds"]]
    common.write_json(sm.output.result, rows)


def one_seed(cfg: dict, ab: dict, variant: str, seed: int, data_dir) -> dict:
    torch.manual_seed(seed)
    sd = {**cfg["scale_dropout"], **variant_cfg(variant, ab)}
    train, test, info = load_splits(ab["dataset"], data_dir, ab["n_train"], ab["n_test"], seed)
    mcfg = {"method": "scaledrop", "scale_dropout": sd,
            **{k: cfg[k] for k in ("first_binary", "last_binary") if k in cfg}}
    model = build_model(ab["model"], info["in_ch"], len(info["classes"]), mcfg)
    fit(model, train, {**cfg["train"], "epochs": int(ab["epochs"])}, seed, progress=False, device="cpu")
    model.eval()
    y = test.y.numpy()
    gen = torch.Generator().manual_seed(seed)
    det = predict(model, test.x).softmax(-1).numpy()
    w, pk, source = posterior(model, test.x, ab, gen)
    pr = X.predictive(w, pk)
    row = {"variant": variant, "seed": seed, "predictive": source, "n_train": len(train.y), "n_test": len(y),
           "accuracy_det": 100 * M.accuracy(det, y), "accuracy": 100 * M.accuracy(pr["mean"], y),
           "nll": M.nll(pr["mean"], y), "mean_mi": float(pr["mi"].mean()),
           "label_change_share": X.label_change_share(w, pk),
           "alpha_min": float(min(p.min() for n, p in model.named_parameters() if n.endswith("alpha"))),
           "alpha_max": float(max(p.max() for n, p in model.named_parameters() if n.endswith("alpha")))}
    meta = {"in_ch": info["in_ch"], "size": info["size"], "mean": info["mean"], "std": info["std"], "seed": 0,
            "strength": 0.5}
    raw = subset(load_dataset(ab["dataset"], "test", data_dir), int(ab["n_test"]), seed)  # id_* sets
    for name in ab["ood_sets"]:
        xo = ood_inputs(name, int(ab["n_test"]), raw.x, meta, data_dir, torch.Generator().manual_seed(1))
        det_o = predict(model, xo).softmax(-1).numpy()
        wo, po, _ = posterior(model, xo, ab, gen)
        pro = X.predictive(wo, po)
        auroc_det = M.ood_scores(M.entropy(det), M.entropy(det_o))["auroc"]
        auroc = M.ood_scores(pr["entropy"], pro["entropy"])["auroc"]
        row[f"auroc_det_{name}"], row[f"auroc_{name}"] = auroc_det, auroc
        row[f"auroc_gain_{name}"] = auroc - auroc_det
        row[f"auroc_mi_{name}"] = M.ood_scores(pr["mi"], pro["mi"])["auroc"]
    return row


if "snakemake" in globals():  # tests import variant_cfg
    common.run_rule(snakemake, main)  # noqa: F821
