"""Rule eval_suite: Table III (accuracy per method), Fig. 7 (accuracy vs T, plateau), Table VI (OOD, Eq. 26 +
AUROC/FPR95), Table IX (ID accept / reject), Fig. 6 (rotation), Fig. 9 (posterior histograms) for one dataset/model."""
import numpy as np
import pandas as pd
import torch

import common
from mc_eval import ood_inputs
from nn import evaluate as E
from nn import metrics as M
from nn.baselines import canonical
from nn.data import load_dataset
from nn.data.loader import subset
from nn.data.transforms import normalize, to_float
from nn.mc import mc_predict, predict
from nn.train import load_model

STOCHASTIC = ("scaledrop", "mcdropout", "mcdropout_htanh", "mcdropconnect", "ensemble", "spindrop", "spatial_spindrop")


def main(sm):
    cfg, ev, mc, wc = sm.params.cfg["nn"], sm.params.cfg["nn"]["eval"], sm.params.cfg["nn"]["mc"], sm.wildcards
    torch.set_num_threads(max(1, sm.threads))
    test = subset(load_dataset(wc.dataset, "test", sm.params.cfg.get("data_dir")), int(ev["n_test"]), 0)
    y = test.y.numpy()
    T, q, thr = int(ev["T"]), float(mc["ood_percentile"]), float(mc["ood_threshold"])
    rows, curves, ood_rows, ix_rows, rot_rows, hists = [], {}, [], [], [], {}
    for path in sm.input.models:
        model, meta = load_model(path)
        run = common.json.loads(open(path.replace("model.pt", "metrics.json")).read())
        method, seed = canonical(run["method"]), run["seed"]
        norm = lambda x: normalize(x, meta["mean"], meta["std"])  # noqa: E731
        x = norm(to_float(test.x))
        gen = torch.Generator().manual_seed(seed)
        stoch = method in STOCHASTIC
        det = predict(model, x).softmax(-1).numpy()[None]
        probs = mc_predict(model, x, max(T, int(ev["T_max"])) if stoch else 1, gen)[0].numpy() if stoch else det
        pt = probs[:T]
        s = M.summarize(pt, y)
        rows.append({"method": run["method"], "seed": seed, "n_train": run["n_train"], "epochs": run.get("epochs"),
                     "bayesian": stoch, "T": T if stoch else 1, "accuracy_det": 100 * M.accuracy(det[0], y),
                     "accuracy": 100 * s["accuracy"], "nll": s["nll"], "ece": s["ece"],
                     "mean_entropy": s["mean_entropy"]})
        if stoch and seed == min(sm.params.cfg["nn"]["seeds"]):
            curves[run["method"]] = E.running_accuracy(probs[: int(ev["T_max"])], y)
        if seed != min(sm.params.cfg["nn"]["seeds"]):
            continue
        ix_rows.append({"method": run["method"], **E.accept_reject(pt, y, q, thr)})
        id_ent = M.entropy(M.predictive_mean(pt))
        ometa = {**meta, "seed": 0, "strength": float(mc.get("corrupt_strength", 0.5))}
        for name in mc["ood_sets"]:
            xo = ood_inputs(name, int(ev["n_test"]), test.x, ometa, sm.params.cfg.get("data_dir"), torch.Generator().manual_seed(1))
            po = mc_predict(model, xo, T if stoch else 1, gen)[0].numpy()
            ood_rows.append({"method": run["method"], "ood_set": name, "T": T if stoch else 1,
                             "eq26_detection_rate": 100 * float(M.ood_flags(po, q, thr).mean()),
                             "eq26_id_false_rate": 100 * float(M.ood_flags(pt, q, thr).mean()),
                             **M.ood_scores(id_ent, M.entropy(M.predictive_mean(po)))})
        if method in ("none", "mcdropout", "mcdropout_htanh", "ensemble", "scaledrop", "fp"):
            xr = to_float(test.x[: int(ev["n_rotate"])])
            for r in E.rotation_study(model, xr, y[: len(xr)], ev["rotations"], T if stoch else 1, gen, norm):
                rot_rows.append({"method": run["method"], **r})
        if method == "scaledrop":
            hists = mc_predict(model, x[:2], int(ev["hist_T"]), gen)[0].numpy()
    acc = pd.DataFrame(rows)
    key = lambda m: (wc.dataset, wc.model, canonical(m))  # noqa: E731
    t3 = (acc.groupby("method", sort=False).agg(n_seeds=("seed", "size"), n_train=("n_train", "first"),
                                                 epochs=("epochs", "first"), T=("T", "first"),
                                                 accuracy_mean=("accuracy", "mean"), accuracy_std=("accuracy", "std"),
                                                 accuracy_det_mean=("accuracy_det", "mean"),
                                                 mean_entropy=("mean_entropy", "mean"), ece=("ece", "mean"))
          .reset_index())
    t3["paper_accuracy"] = [E.PAPER_ACC.get(key(m), np.nan) for m in t3.method]
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
    common.write_csv(out.table6, pd.DataFrame(ood_rows))
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
