"""Rule ablation_table: the Scale-Dropout ablation (mean +- 95 % CI over seeds) and the one-paragraph finding."""
import json

import pandas as pd

import common
from nn.metrics import mean_ci


def table(runs: pd.DataFrame, ood_sets: list[str]) -> pd.DataFrame:
    cols = ["accuracy_det", "accuracy", "nll", "mean_mi", "label_change_share"]
    cols += [f"auroc_{n}" for n in ood_sets] + [f"auroc_gain_{n}" for n in ood_sets]
    rows = []
    for v, g in runs.groupby("variant", sort=False):
        row = {"variant": v, "n_seeds": len(g), "predictive": g.predictive.iloc[0],
               "alpha_range": f"[{g.alpha_min.min():.3g}, {g.alpha_max.max():.3g}]"}
        for c in cols:
            row[f"{c}_mean"], row[f"{c}_ci95"] = mean_ci(g[c])
        rows.append(row)
    return pd.DataFrame(rows)


def finding(t: pd.DataFrame, ood_sets: list[str]) -> str:
    """One paragraph, written from the numbers: where the posterior changes labels and beats the point estimate."""
    n = ood_sets[0]
    g, ci = f"auroc_gain_{n}_mean", f"auroc_gain_{n}_ci95"

    def say(r):
        return (f"{r.variant}: gain {r[g]:+.4f} +- {r[ci]:.4f}, labels change for "
                f"{100 * r.label_change_share_mean:.1f} % of images, accuracy {r.accuracy_mean:.2f} %")
    pos = t[t[g] - t[ci] > 0].variant.tolist()  # NaN CI (one seed) supports nothing
    neg = t[t[g] + t[ci] < 0].variant.tolist()
    zero = t[(t.mean_mi_mean < 1e-9) & (t.label_change_share_mean == 0)].variant.tolist()
    best = t.loc[t[g].idxmax()]
    base = t[t.variant == "base"]
    parts = [f"Ablation on {n} (AUROC of the predictive entropy minus the deterministic pass's, mean +- 95 % CI over "
             f"{int(t.n_seeds.min())}-{int(t.n_seeds.max())} seeds)."]
    if len(base):
        parts.append(f"The paper's setting ({say(base.iloc[0])}).")
    parts.append(f"Largest gain: {say(best)}.")
    parts.append("The CI supports a gain > 0 for " + (", ".join(pos) if pos else "no variant")
                 + "; a loss for " + (", ".join(neg) if neg else "no variant")
                 + ("" if t[ci].notna().all() else " (one seed: no CI, nothing is supported)") + ".")
    if zero:
        parts.append("No posterior spread at all (MI 0, no label changes) for " + ", ".join(zero) + ".")
    return " ".join(parts)


def main(sm):
    ab = sm.params.cfg["ablation"]
    runs = pd.DataFrame([row for f in sm.input.runs for row in json.loads(open(f).read())])
    t = table(runs, ab["ood_sets"])
    common.write_csv(sm.output.runs, runs)
    common.write_csv(sm.output.table, t)
    with common.atomic_path(sm.output.finding) as tmp:
        tmp.write_text("## Ablation: when does Scale-Dropout give uncertainty?\n\n" + finding(t, ab["ood_sets"]) + "\n")


if "snakemake" in globals():
    common.run_rule(snakemake, main)  # noqa: F821
