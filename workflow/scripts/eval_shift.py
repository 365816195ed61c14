"""Rule eval_shift: Fig. 5 (uniform noise of growing strength on one test image, 95 % CI of logits and softmax over
T passes, Eq. 21-23) for Scale-Dropout and MC-Dropout, and Table X (15 corruptions x 5 severities, CE / mCE and
Eq. 26 OOD rate, with and without channel-wise normalisation) for Scale-Dropout."""
import numpy as np
import pandas as pd
import torch

import common
from nn import evaluate_shift as S
from nn.baselines import canonical
from nn.data import load_dataset
from nn.data.loader import subset
from nn.data.transforms import normalize, to_float
from nn.train import load_model


def main(sm):
    ev, mc, wc = sm.params.cfg["nn"]["eval"], sm.params.cfg["nn"]["mc"], sm.wildcards
    f5, cx = ev["fig5"], ev["corruption"]
    torch.set_num_threads(max(1, sm.threads))
    test = subset(load_dataset(wc.dataset, "test", sm.params.cfg.get("data_dir")), int(ev["n_test"]), 0)
    q, thr, k = float(mc["ood_percentile"]), float(mc["ood_threshold"]), float(mc["ci"])
    i = int(f5["index"])
    if i >= len(test.y):
        raise ValueError(f"nn.eval.fig5.index: {i} >= nn.eval.n_test ({len(test.y)})")
    fig5, rows = [], []
    for path in sm.input.models:
        model, meta = load_model(path)
        method = common.json.loads(open(path.replace("model.pt", "metrics.json")).read())["method"]
        norm = lambda x: normalize(x, meta["mean"], meta["std"])  # noqa: E731
        f5_rows = S.fig5_noise(model, to_float(test.x[i:i + 1]), f5["strengths"], int(f5["T"]), norm, 1,
                               torch.Generator().manual_seed(0), k)
        fig5 += [{"method": method, "image": i, "label": int(test.y[i]), "T": int(f5["T"]), **r} for r in f5_rows]
        if canonical(method) == "scaledrop":
            n = int(cx["n_images"])
            rows = S.corruption_study(model, test.x[:n], test.y[:n].numpy(), cx["corruptions"], cx["severities"],
                                      cx["preprocess"], int(cx["T"]), meta, q, thr, 0)
    fig5 = pd.DataFrame(fig5)
    table = pd.DataFrame(rows)
    summary = pd.DataFrame(S.corruption_summary(rows, wc.dataset, wc.model))
    out = sm.output
    common.write_csv(out.fig5, fig5)
    common.write_csv(out.corruption, table)
    common.write_csv(out.table10, summary)
    _plots(out, fig5, summary)


def _plots(out, fig5, summary):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    methods = list(dict.fromkeys(fig5.method))
    fig, axs = plt.subplots(len(methods), 2, figsize=(9, 3 * len(methods)), squeeze=False)
    for r, m in enumerate(methods):
        for c, qn in enumerate(("logit", "softmax")):
            ax = axs[r, c]
            for cls, g in fig5[(fig5.method == m) & (fig5.quantity == qn)].groupby("class"):
                ax.plot(g.strength, g["mean"], lw=1, label=str(cls))
                ax.fill_between(g.strength, g.ci_lo_eq23, g.ci_hi_eq23, alpha=0.15)
            g0 = fig5[fig5.method == m].iloc[0]
            ax.set(xlabel="uniform noise strength", ylabel=f"{qn} (mean, 95 % CI)",
                   title=f"{m}: image {g0.image} (label {g0.label}), T={g0['T']}")
        axs[r, 1].legend(fontsize=6, ncol=2, title="class", title_fontsize=6)
    fig.tight_layout()
    common.save_fig(out.fig5_png, fig)
    s = summary[summary.corruption != "mean (mCE / mOOD)"]
    fig, axs = plt.subplots(1, 2, figsize=(10, 3.4))
    names = list(dict.fromkeys(s.corruption))
    w = 0.8 / max(1, s.preprocess.nunique())
    for j, (pp, g) in enumerate(s.groupby("preprocess", sort=False)):
        g = g.set_index("corruption").loc[names]
        axs[0].bar(np.arange(len(names)) + j * w, g.ce, w, label=f"PP {pp}")
        axs[1].bar(np.arange(len(names)) + j * w, g.ood_rate, w, label=f"PP {pp}")
    for ax, lab in zip(axs, ("corruption error (%)", "Eq. 26 OOD rate (%)")):
        ax.set_xticks(np.arange(len(names)) + 0.4 - w / 2, names, rotation=70, fontsize=6)
        ax.set_ylabel(lab)
    axs[1].legend(fontsize=7)
    fig.tight_layout()
    common.save_fig(out.table10_png, fig)


common.run_rule(snakemake, main)  # noqa: F821
