"""Rule codesign: active rows per read x ADC bits x variation multiplier -> popcount error model (crossbar_model's
confusion with read noise) -> MC accuracy and OOD AUROC of the trained model with those errors injected
(nn.inject) -> energy, latency, area per image from cim -> Pareto table and plot (issue 12 item 6)."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from tqdm import tqdm  # noqa: E402

import common  # noqa: E402
from arch_costs import load_layers  # noqa: E402
from cim.codesign import crossbar_at, pareto  # noqa: E402
from cim.costs import model_costs  # noqa: E402
from cim.devices import rng_costs  # noqa: E402
from cim.paper import PAPER_TABLE8_OURS_UJ  # noqa: E402
from cim.periphery import periphery_costs  # noqa: E402
from mc_eval import ood_inputs  # noqa: E402
from nn import metrics as M  # noqa: E402
from nn.data import load_dataset  # noqa: E402
from nn.data.loader import subset  # noqa: E402
from nn.data.transforms import normalize, to_float  # noqa: E402
from nn.inject import CrossbarErrors, crossbar_errors  # noqa: E402
from nn.mc import mc_predict  # noqa: E402
from nn.train import load_model  # noqa: E402


def errors_for(conf: pd.DataFrame, rows: int, bits: int, var: float, ref: str) -> CrossbarErrors:
    g = conf[(conf.rows == rows) & (conf.adc_bits == bits) & np.isclose(conf.variation_level, var)
             & (conf.adc_reference == ref)]
    if g.empty:
        raise ValueError(f"codesign: no error model for rows={rows}, bits={bits}, variation={var} in "
                         f"adc_confusion.csv; rerun rule crossbar_model")
    by = [g[g.popcount == p] for p in range(rows + 1)]
    return CrossbarErrors(rows, [d.offset.astype(int).tolist() for d in by], [d.prob.tolist() for d in by])


def evaluate(model, x, y, xo, T, seed, xb=None):
    gen = torch.Generator().manual_seed(seed)
    if xb is None:
        p, po = mc_predict(model, x, T, gen, 500)[0].numpy(), mc_predict(model, xo, T, gen, 500)[0].numpy()
    else:
        xb.generator = torch.Generator().manual_seed(seed)
        with crossbar_errors(model, xb):
            p = mc_predict(model, x, T, gen, 500, naive=True)[0].numpy()
            po = mc_predict(model, xo, T, gen, 500, naive=True)[0].numpy()
    ent = M.ood_scores(M.entropy(M.predictive_mean(p)), M.entropy(M.predictive_mean(po)))
    return 100 * M.accuracy(M.predictive_mean(p), y), ent["auroc"]


def main(sm):
    cfg = sm.params.cfg
    cd, xbc, arch = cfg["codesign"], cfg["crossbar"], cfg["arch"]
    torch.set_num_threads(max(1, sm.threads))
    seed = int(cfg["seed"])
    model, meta = load_model(sm.input.model)
    test = subset(load_dataset(cd["dataset"], "test", cfg.get("data_dir")), int(cd["n_test"]), seed)
    x, y = normalize(to_float(test.x), meta["mean"], meta["std"]), test.y.numpy()
    xo = ood_inputs(cd["ood_set"], int(cd["n_ood"]), test.x, {**meta, "seed": seed, "strength": 0.5},
                    cfg.get("data_dir"), torch.Generator().manual_seed(seed))
    conf = pd.read_csv(sm.input.confusion)
    _, layers = load_layers(sm.input.shapes, arch["input_bits"])
    xb_model = json.loads(open(sm.input.crossbar_model).read())
    cell = xb_model.get("area", {}).get("cell_um2")
    rng = rng_costs(sm.input.rng)
    energy = {int(json.loads(open(f).read())["rows"]): f for f in sm.input.energy}
    acc0, auc0 = evaluate(model, x, y, xo, int(cd["T"]), seed)
    recs = []
    grid = [(r, b, v) for r in cd["rows"] for b in cd["adc_bits"] for v in cd["variation"]]
    for r, b, v in tqdm(grid, desc="codesign"):
        acc, auc = evaluate(model, x, y, xo, int(cd["T"]), seed, errors_for(conf, r, b, float(v), xbc["adc_reference"]))
        dev = {"crossbar": crossbar_at(energy[r], cell * 1e-12 if cell else None), "rng": rng,
               "periphery": periphery_costs(sm.input.periphery, b, r)}
        c = model_costs(layers, dev, arch, arch["T"], arch["strategy"], active_rows=r)
        em = conf[(conf.rows == r) & (conf.adc_bits == b) & np.isclose(conf.variation_level, float(v))
                  & (conf.adc_reference == xbc["adc_reference"])]
        recs.append({"rows": r, "adc_bits": b, "variation": float(v),
                     "popcount_error_rate": float(1 - em[em.offset == 0].prob.sum() / (r + 1)),
                     "accuracy_mc": acc, "accuracy_drop_pts": acc0 - acc, "ood_auroc": auc, "ood_auroc_ideal": auc0,
                     "energy_uj": c["inference"]["energy_total_j"] * 1e6, "spice_share": c["inference"]["spice_share"],
                     "latency_us": c["inference"]["latency_s"] * 1e6, "area_mm2": c["area_total_m2"] * 1e6,
                     "n_test": len(y), "n_ood": len(xo), "T_mc": int(cd["T"]), "T_energy": arch["T"],
                     "paper_design_point": r == arch["crossbar"]["rows"] and b == xbc["model_adc_bits"]
                     and float(v) == float(xbc["variation"]["model_level"])})
    df = pd.DataFrame(recs)
    df["pareto"] = pareto(df.energy_uj, df.accuracy_mc)
    df = df.sort_values(["pareto", "energy_uj"], ascending=[False, True])
    common.write_csv(sm.output.csv, df)

    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.8), gridspec_kw={"width_ratios": [1, 1.3]})
    front = df[df.pareto].sort_values("energy_uj")
    pd_pt = df[df.paper_design_point]
    paper_e = PAPER_TABLE8_OURS_UJ.get(cd["model"])
    for k, ax in enumerate(axes):
        sc = ax.scatter(df.energy_uj, df.accuracy_mc, c=df.ood_auroc, cmap="viridis", s=18 + 4 * df.adc_bits,
                        vmin=df.ood_auroc.min(), vmax=max(df.ood_auroc.max(), auc0))
        ax.plot(front.energy_uj, front.accuracy_mc, "k-", lw=0.8, label="Pareto front")
        if len(pd_pt):
            ax.plot(pd_pt.energy_uj, pd_pt.accuracy_mc, "r*", ms=12, mfc="none", label="paper's configuration (ours)")
        ax.axhline(acc0, c="0.5", ls="--", lw=0.8, label="ideal readout")
        ax.set(xlabel=f"energy per image (uJ, T = {arch['T']})", ylabel="MC accuracy (%)")
        if k == 0:
            if paper_e is not None:
                ax.axvline(paper_e, c="r", ls=":", lw=0.8, label=f"paper Table VIII energy ({paper_e} uJ)")
            ax.set_xscale("log")
            ax.legend(fontsize=6, loc="lower left")
        else:                                  # zoom on the designs within 5 points of the ideal readout
            near = df[df.accuracy_mc >= acc0 - 5]
            ax.set_ylim(acc0 - 5, max(near.accuracy_mc.max(), acc0) + 0.5)
            ax.set_xlim(near.energy_uj.min() * 0.97, near.energy_uj.max() * 1.03)
            for rw in near.itertuples():
                ax.annotate(f"{rw.rows}r/{rw.adc_bits}b", (rw.energy_uj, rw.accuracy_mc), fontsize=6)
            ax.set_title("zoom: within 5 points of the ideal readout", fontsize=8)
    fig.colorbar(sc, ax=axes, label="OOD AUROC (entropy)")
    common.save_fig(sm.output.png, fig)
    with open(sm.log[0], "w") as fh:
        fh.write(df.to_string() + f"\nideal: acc {acc0:.2f} auroc {auc0:.4f}\n")


if "snakemake" in globals():  # also imported by tests/test_codesign.py
    common.run_rule(snakemake, main)  # noqa: F821
