"""Rule eval_suite: Table III (accuracy per method, mean +- 95 % CI over seeds), Fig. 7 (accuracy vs T, plateau),
Table VI (OOD: Eq. 26 rate, AUROC of the predictive entropy and MI, FPR at 95 % TPR, and the gain over the model's
own deterministic pass, per seed and as mean +- CI), Table IX (ID accept / reject), Fig. 6 (rotation), Fig. 9
(posterior histograms), and Scale-Dropout's exact predictive next to MC (nn/exact.py) for one dataset/model.
Masks are drawn independently per image and pass (nn.mc.masks)."""
import numpy as np
import pandas as pd
import torch

import common
from mc_eval import ood_inputs
from nn import evaluate as E
from nn import exact as X
from nn import metrics as M
from nn.baselines import canonical, dropout_modules
from nn.data import load_dataset
from nn.data.loader import subset
from nn.data.transforms import normalize, to_float
from nn.mc import mc_predict, predict
from nn.train import load_model

STOCHASTIC = ("scaledrop", "mcdropout", "mcdropout_htanh", "mcdropout_all", "mcdropconnect", "ensemble", "spindrop",
              "spatial_spindrop", "spinbayes")


def posterior(model, method: str, x, T: int, gen, mc: dict) -> dict:
    """Predictive of one input set: mean, entropy, MI, the T MC samples (Eq. 26 needs samples) and its source.
    Scale-Dropout uses the exact predictive where nn.mc.exact applies; over its limit: MC if fallback_mc, else the
    one-line error; other methods: MC (T samples; deterministic models: one pass)."""
    ex = mc.get("exact") or {}
    samples = mc_predict(model, x, T, gen, masks=mc.get("masks", "independent"))[0].numpy()
    if method == "scaledrop" and ex.get("enabled") and X.n_configurations(model) is not None:
        try:
            w, pk = X.exact_predict(model, x, int(ex["limit"]))
        except ValueError:
            if not ex.get("fallback_mc"):
                raise
        else:
            pr = X.predictive(w, pk)
            return {**pr, "samples": samples, "source": f"exact ({len(w)} configurations)", "weights": w, "pk": pk}
    mean = M.predictive_mean(samples)
    return {"mean": mean, "entropy": M.entropy(mean), "mi": M.mutual_information(samples), "samples": samples,
            "source": f"mc T={T}" if T > 1 else "deterministic"}


def _agg(df: pd.DataFrame, by: list[str], cols: list[str]) -> pd.DataFrame:
    rows = []
    for key, g in df.groupby(by, sort=False):
        row = dict(zip(by, key if isinstance(key, tuple) else (key,)))
        row["n_seeds"] = g.seed.nunique()
        for c in cols:
            row[f"{c}_mean"], row[f"{c}_ci95"] = M.mean_ci(g[c])
        rows.append(row)
    return pd.DataFrame(rows)


def main(sm):
    cfg = sm.params.cfg["nn"]
    ev, mc, wc, data_dir = cfg["eval"], cfg["mc"], sm.wildcards, sm.params.cfg.get("data_dir")
    torch.set_num_threads(max(1, sm.threads))
    test = subset(load_dataset(wc.dataset, "test", data_dir), int(ev["n_test"]), 0)
    y = test.y.numpy()
    T, q, thr = int(ev["T"]), float(mc["ood_percentile"]), float(mc["ood_threshold"])
    first = min(cfg["seeds"])
    rows, curves, ood_rows, ix_rows, rot_rows, ex_rows, hists = [], {}, [], [], [], [], {}
    for path in sm.input.models:
        model, meta = load_model(path)
        run = common.json.loads(open(path.replace("model.pt", "metrics.json")).read())
        method, seed = canonical(run["method"]), run["seed"]
        norm = lambda x: normalize(x, meta["mean"], meta["std"])  # noqa: E731
        x = norm(to_float(test.x))
        gen = torch.Generator().manual_seed(seed)
        stoch = method in STOCHASTIC
        det = predict(model, x).softmax(-1).numpy()
        post = posterior(model, method, x, T if stoch else 1, gen, mc)
        s = {"accuracy": M.accuracy(post["mean"], y), "nll": M.nll(post["mean"], y), "ece": M.ece(post["mean"], y)}
        mods = [r["modules"] for r in dropout_modules(model.members[0] if hasattr(model, "members") else model)]
        rows.append({"method": run["method"], "seed": seed, "n_train": run["n_train"], "epochs": run.get("epochs"),
                     "bayesian": stoch, "predictive": post["source"],
                     "random_modules_per_layer": " ".join("-" if m is None else str(m) for m in mods),
                     "accuracy_det": 100 * M.accuracy(det, y),
                     "accuracy": 100 * s["accuracy"], "nll": s["nll"], "ece": s["ece"],
                     "mean_entropy": float(post["entropy"].mean()), "mean_mi": float(post["mi"].mean())})
        if "weights" in post:  # exact next to MC at the configured T
            smp = post["samples"]
            ex_rows.append({"method": run["method"], "seed": seed, "configurations": len(post["weights"]), "T": T,
                            "nll_exact": s["nll"], "nll_mc": M.nll(M.predictive_mean(smp), y),
                            "accuracy_exact": 100 * s["accuracy"],
                            "accuracy_mc": 100 * M.accuracy(M.predictive_mean(smp), y),
                            "mean_entropy_exact": float(post["entropy"].mean()),
                            "mean_entropy_mc": float(M.entropy(M.predictive_mean(smp)).mean()),
                            "mean_mi_exact": float(post["mi"].mean()),
                            "mean_mi_mc": float(M.mutual_information(smp).mean()),
                            "label_change_share": X.label_change_share(post["weights"], post["pk"])})
        if stoch and seed == first:
            curves[run["method"]] = E.running_accuracy(
                mc_predict(model, x, int(ev["T_max"]), gen, masks=mc.get("masks", "independent"))[0].numpy(), y)
        det_ent = M.entropy(det)
        ometa = {**meta, "seed": 0, "strength": float(mc.get("corrupt_strength", 0.5))}
        for name in mc["ood_sets"]:
            xo = ood_inputs(name, int(ev["n_test"]), test.x, ometa, data_dir, torch.Generator().manual_seed(1))
            po = posterior(model, method, xo, T if stoch else 1, gen, mc)
            sc = M.ood_scores(post["entropy"], po["entropy"])
            auroc_det = M.ood_scores(det_ent, M.entropy(predict(model, xo).softmax(-1).numpy()))["auroc"]
            ood_rows.append({"method": run["method"], "seed": seed, "ood_set": name, "predictive": po["source"],
                             "auroc": sc["auroc"], "auroc_mi": M.ood_scores(post["mi"], po["mi"])["auroc"]
                             if stoch else np.nan, "auroc_det": auroc_det, "auroc_gain": sc["auroc"] - auroc_det,
                             "aupr_ood": sc["aupr_ood"], "fpr_at_95tpr_id": sc["fpr_at_95tpr_id"],
                             "fpr_at_95tpr_ood": sc["fpr_at_95tpr_ood"],
                             "eq26_detection_rate": 100 * float(M.ood_flags(po["samples"], q, thr).mean()),
                             "eq26_id_false_rate": 100 * float(M.ood_flags(post["samples"], q, thr).mean())})
        if seed != first:
            continue
        ix_rows.append({"method": run["method"], **E.accept_reject(post["samples"], y, q, thr)})
        if method in ("none", "mcdropout", "mcdropout_htanh", "ensemble", "scaledrop", "fp"):
            xr = to_float(test.x[: int(ev["n_rotate"])])
            for r in E.rotation_study(model, xr, y[: len(xr)], ev["rotations"], T if stoch else 1, gen, norm):
                rot_rows.append({"method": run["method"], **r})
        if method == "scaledrop":
            hists = mc_predict(model, x[:2], int(ev["hist_T"]), gen)[0].numpy()
    acc = pd.DataFrame(rows)
    key = lambda m: (wc.dataset, wc.model, canonical(m))  # noqa: E731
    t3 = _agg(acc, ["method"], ["accuracy", "accuracy_det", "nll", "ece", "mean_entropy", "mean_mi"])
    first_rows = acc.groupby("method", sort=False).first()
    for c in ("n_train", "epochs", "predictive", "random_modules_per_layer"):
        t3[c] = [first_rows.loc[m, c] for m in t3.method]
    t3["paper_accuracy"] = [E.PAPER_ACC.get(key(m), np.nan) for m in t3.method]
    ood = pd.DataFrame(ood_rows)
    t6 = _agg(ood, ["method", "ood_set"], ["auroc", "auroc_mi", "auroc_det", "auroc_gain", "fpr_at_95tpr_id",
                                           "fpr_at_95tpr_ood", "eq26_detection_rate"])
    fig7 = pd.DataFrame({"T": np.arange(1, int(ev["T_max"]) + 1), **{m: 100 * c for m, c in curves.items()}})
    plat = pd.DataFrame([{"method": m, "plateau_T": E.plateau_t(c, float(ev["plateau_tol_pct"])),
                          "best_accuracy": 100 * c.max(), "paper_plateau_T": np.nan} for m, c in curves.items()])
    ix = pd.DataFrame(ix_rows)
    pix = E.PAPER_IX.get((wc.dataset, wc.model))
    for i, k in enumerate(("accept", "reject", "tpr", "tnr", "ar")):
        ix[f"paper_{k}"] = [pix[i] if pix and canonical(m) == "scaledrop" else np.nan for m in ix.method]
    out = sm.output
    common.write_csv(out.table3, t3)
    common.write_csv(out.runs, acc)
    common.write_csv(out.fig7, fig7)
    common.write_csv(out.plateau, plat)
    common.write_csv(out.table6, t6)
    common.write_csv(out.table6_runs, ood)
    common.write_csv(out.exact, pd.DataFrame(ex_rows))
    common.write_csv(out.table9, ix)
    common.write_csv(out.fig6, pd.DataFrame(rot_rows))
    _plots(out, fig7, pd.DataFrame(rot_rows), hists, plat)
def _plots(out, fig7, rot, hists, plat):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for m in fig7.columns[1:]:
        t = plat.set_index("method").plateau_T[m]
        ax.plot(fig7["T"], fig7[m], label=f"{m} (plateau T={t})")
    ax.set(xlabel="MC samples T", ylabel="accuracy (%)", xscale="log")
    ax.legend(fontsize=7)
    common.save_fig(out.fig7_png, fig)
    fig, axs = plt.subplots(1, 2, figsize=(8, 3.2))
    for m, g in rot.groupby("method"):
        axs[0].plot(g.angle, 100 * g.accuracy, marker="o", label=m)
        axs[1].plot(g.angle, g.entropy, marker="o", label=m)
    axs[0].set(xlabel="rotation (deg)", ylabel="accuracy (%)")
    axs[1].set(xlabel="rotation (deg)", ylabel="predictive entropy (nats)")
    axs[1].legend(fontsize=7)
    common.save_fig(out.fig6_png, fig)
    fig, axs = plt.subplots(1, 2, figsize=(8, 3.2))
    for i, ax in enumerate(axs):
        if len(hists):
            c = hists[:, i].mean(0).argmax()
            ax.hist(hists[:, i, c], bins=40, range=(0, 1))
            ax.set(xlabel=f"softmax of class {c} (image {i}, T={len(hists)})", ylabel="count")
    common.save_fig(out.fig9_png, fig)


common.run_rule(snakemake, main)  # noqa: F821
