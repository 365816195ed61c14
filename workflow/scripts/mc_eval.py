"""Rule mc_eval: MC-Scale-Dropout inference (Eq. 18-23) on the ID test set and OOD sets (Eq. 26, AUROC/AUPR/FPR at
95 % TPR), masks independent per image and pass (nn.mc.masks), and the exact predictive (nn/exact.py) next to MC
where it applies (nn.mc.exact)."""
import numpy as np
import pandas as pd
import torch

import common
from nn import exact as X
from nn import metrics as M
from nn.data import load_dataset
from nn.data.datasets import resize_uint8
from nn.data.loader import subset
from nn.data.ood import add_gaussian_noise, add_uniform_noise, gaussian_noise, uniform_noise
from nn.data.transforms import normalize, to_float
from nn.mc import mc_predict, predict
from nn.train import load_model, run_cfg


def _match(x: torch.Tensor, ch: int, size: int) -> torch.Tensor:
    """uint8 images to the ID channel count (luminance / repeat) and size."""
    if x.shape[1] != ch:
        x = (x.float().mean(1, keepdim=True).round().to(torch.uint8) if ch == 1 else x[:, :1].repeat(1, ch, 1, 1))
    return resize_uint8(x, size) if x.shape[-1] != size else x


def ood_inputs(name, n, id_x_uint8, meta, data_dir, gen):
    """One OOD set in the normalised input space the model sees (Sec. VI-A-2)."""
    ch, size = meta["in_ch"], meta["size"]
    norm = lambda x: normalize(x, meta["mean"], meta["std"])  # noqa: E731
    if name == "gaussian":
        return gaussian_noise(n, (ch, size, size), gen)
    if name == "uniform":
        return uniform_noise(n, (ch, size, size), gen)
    if name in ("id_gaussian", "id_uniform"):
        noisy = add_gaussian_noise if name == "id_gaussian" else add_uniform_noise
        return norm(noisy(to_float(id_x_uint8[:n]), meta["strength"], gen))
    ds = subset(load_dataset(name, "test", data_dir), n, meta["seed"])
    return norm(to_float(_match(ds.x, ch, size)))


def main(sm):
    wc = sm.wildcards
    cfg = run_cfg(sm.params.cfg["nn"], wc.method)
    data_dir = sm.params.cfg.get("data_dir")
    mc = cfg["mc"]
    seed = int(wc.seed)
    torch.set_num_threads(max(1, sm.threads))
    model, meta = load_model(sm.input.model)
    if torch.cuda.is_available():
        model.cuda()
    test = load_dataset(wc.dataset, "test", data_dir)
    if cfg.get("n_test"):
        test = subset(test, cfg["n_test"], seed)
    x, y = normalize(to_float(test.x), meta["mean"], meta["std"]), test.y.numpy()
    t_list, ood_t = list(mc["T"]), int(mc["ood_T"])
    t_all = max(int(mc["T_max"]), *t_list, ood_t)
    gen = torch.Generator().manual_seed(seed)
    bs, bins, k = int(mc["batch_size"]), int(mc["ece_bins"]), float(mc["ci"])
    q, thr = float(mc["ood_percentile"]), float(mc["ood_threshold"])
    masks, ex = mc.get("masks", "independent"), mc.get("exact") or {}
    use_exact = bool(ex.get("enabled")) and X.n_configurations(model) is not None
    if use_exact and X.n_configurations(model) > int(ex["limit"]) and ex.get("fallback_mc"):
        use_exact = False

    det = predict(model, x, bs).softmax(-1).numpy()[None]
    probs = mc_predict(model, x, t_all, gen, bs, masks=masks)[0].numpy()
    mc_res = {}
    for t in t_list:
        p = probs[:t]
        lo, hi = M.predictive_interval_eq23(p, k)
        nlo, nhi = M.mean_interval_eq22(p, k)
        mc_res[f"T{t}"] = {**M.summarize(p, y, bins), "predictive_interval_width_eq23": float((hi - lo).mean()),
                           "mean_interval_width_eq22": float((nhi - nlo).mean()),
                           "eq26_id_flagged_rate": float(M.ood_flags(p, q, thr).mean())}
    running = np.cumsum(probs[: int(mc["T_max"])], 0)
    acc_t = pd.DataFrame({"T": np.arange(1, len(running) + 1),
                          "accuracy": [(r.argmax(-1) == y).mean() for r in running]})

    exact = None
    if use_exact:
        w, pk = X.exact_predict(model, x, int(ex["limit"]), bs)
        exact = {**X.summarize(w, pk, y, bins), "configurations": len(w), "label_change_share":
                 X.label_change_share(w, pk)}
        id_ex = X.predictive(w, pk)
    id_p = probs[:ood_t]
    id_scores = {"entropy": M.entropy(M.predictive_mean(id_p)), "mi": M.mutual_information(id_p)}
    if exact:
        id_scores.update(entropy_exact=id_ex["entropy"], mi_exact=id_ex["mi"])
    id_flag = float(M.ood_flags(id_p, q, thr).mean())
    rows, hists = [], {}
    ometa = {**meta, "seed": seed, "strength": float(mc.get("corrupt_strength", 0.5))}
    for name in mc["ood_sets"]:
        xo = ood_inputs(name, int(mc["n_ood"]), test.x, ometa, data_dir, gen)
        po = mc_predict(model, xo, ood_t, gen, bs, masks=masks)[0].numpy()
        scores = {"entropy": M.entropy(M.predictive_mean(po)), "mi": M.mutual_information(po)}
        if exact:
            pe = X.predictive(*X.exact_predict(model, xo, int(ex["limit"]), bs))
            scores.update(entropy_exact=pe["entropy"], mi_exact=pe["mi"])
        hists[name] = scores["entropy"]
        detect = float(M.ood_flags(po, q, thr).mean())
        for s, v in scores.items():
            rows.append({"ood_set": name, "n": len(xo), "T": "exact" if s.endswith("_exact") else ood_t, "score": s,
                         **M.ood_scores(id_scores[s], v),
                         "eq26_detection_rate": detect, "eq26_id_false_rate": id_flag})
    ood = pd.DataFrame(rows)

    common.write_csv(sm.output.acc_vs_t, acc_t)
    common.write_csv(sm.output.ood, ood)
    common.write_json(sm.output.summary, {
        "dataset": wc.dataset, "model": wc.model, "method": wc.method, "seed": seed,
        "first_binary": meta["model_cfg"].get("first_binary", True),
        "last_binary": meta["model_cfg"].get("last_binary", True),
        "n_test": len(y), "masks": masks, "deterministic": M.summarize(det, y, bins), "mc": mc_res, "exact": exact,
        "ood": {r["ood_set"] + "/" + r["score"]: {k2: r[k2] for k2 in ("auroc", "aupr_ood", "fpr_at_95tpr_id",
                                                                         "fpr_at_95tpr_ood", "eq26_detection_rate")}
                for r in rows},
        "eq26": {"percentile": q, "threshold": thr, "id_false_rate": id_flag, "T": ood_t},
        "provenance": common.provenance(sm.params.cfg, seed, torch=torch.__version__)})
    _plots(sm, acc_t, mc_res, det, y, id_scores["entropy"], hists, ood)


def _plots(sm, acc_t, mc_res, det, y, id_ent, hists, ood):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.plot(acc_t["T"], 100 * acc_t["accuracy"], label="MC-Scale-Dropout")
    ax.axhline(100 * M.accuracy(det[0], y), ls="--", c="k", lw=1, label="deterministic")
    ax.set(xlabel="MC samples T", ylabel="test accuracy (%)", xscale="log")
    ax.legend()
    common.save_fig(sm.output.acc_vs_t_png, fig)

    fig, ax = plt.subplots(figsize=(5, 3.2))
    bins = np.linspace(0, max(np.log(det.shape[-1]), 1e-3), 40)
    ax.hist(id_ent, bins=bins, density=True, alpha=0.6, label=f"ID {sm.wildcards.dataset}")
    ent = ood[ood.score == "entropy"].set_index("ood_set")
    for name, h in hists.items():
        ax.hist(h, bins=bins, density=True, histtype="step", lw=1.5,
                label=f"{name} (AUROC {ent.auroc[name]:.2f}, Eq.26 {100 * ent.eq26_detection_rate[name]:.0f}%)")
    ax.set(xlabel="predictive entropy (nats)", ylabel="density", yscale="log")
    ax.legend(fontsize=7)
    common.save_fig(sm.output.ood_png, fig)


if "snakemake" in globals():  # also imported by eval_suite for ood_inputs
    common.run_rule(snakemake, main)  # noqa: F821
