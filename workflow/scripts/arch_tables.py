"""Rule arch_tables: Tables II, VII, VIII analogues (CSV + PNG) and the energy-vs-T plot in results/tables/."""


import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import common  # noqa: E402
from scaledrop import model_files  # noqa: E402
from arch_costs import device_models, load_layers  # noqa: E402
from cim.tables import breakdown, table2, table7, table8  # noqa: E402


def main(sm) -> None:
    arch, out = sm.params.cfg["arch"], sm.output
    costs = {c["workload"]: c for c in map(model_files.read_costs, sm.input.costs)}
    dev = device_models(sm.input, sm.params.cfg)
    t2 = table2(dev, arch)
    _, layers = load_layers(sm.input.table7_shapes, arch["input_bits"])
    t7, t7_layers = table7(layers, dev["rng"], arch["table7_workload"])
    t8, br = table8(costs), breakdown(costs)
    for path, df in ((out.table2, t2), (out.table7, t7), (out.table7_layers, t7_layers), (out.table8, t8),
                     (out.breakdown, br)):
        common.write_csv(path, df)

    fig, ax = plt.subplots(figsize=(6, 3.2))
    x = range(len(t2))
    ax.bar([i - 0.2 for i in x], t2.energy_pj, 0.4, label="ours")
    ax.bar([i + 0.2 for i in x], t2.paper_energy_pj.fillna(0), 0.4, label="paper Table II")
    ax.set_xticks(list(x), t2.component, rotation=30, ha="right")
    ax.set(ylabel="energy per operation (pJ)", yscale="log")
    ax.legend()
    common.save_fig(out.table2_png, fig)

    ours = t8[t8.energy_uj.notna()]
    ref = t8[t8.energy_uj.isna()]
    fig, ax = plt.subplots(figsize=(6, 3.6))
    labels = list(ref.work) + [f"{w} [paper]" for w in ours.work] + list(ours.work)
    vals = list(ref.paper_energy_uj) + list(ours.paper_energy_uj.fillna(0)) + list(ours.energy_uj)
    ax.barh(labels, vals, color=["0.6"] * len(ref) + ["C1"] * len(ours) + ["C0"] * len(ours))
    ax.set(xlabel=f"energy per image (uJ), T = {arch['T']}", xscale="log")
    ax.tick_params(axis="y", labelsize=7)
    common.save_fig(out.table8_png, fig)

    fig, ax = plt.subplots(figsize=(5, 3.2))
    for name, c in costs.items():
        for strategy, d in c["energy_vs_T"].items():
            ts = sorted(d, key=int)
            ax.plot([int(t) for t in ts], [d[t] * 1e6 for t in ts], "o-" if strategy == "unroll" else "s--",
                    ms=3, label=f"{name} ({strategy})")
    ax.set(xlabel="MC passes T", ylabel="energy per image (uJ)", xscale="log", yscale="log")
    ax.legend(fontsize=7)
    common.save_fig(out.energy_vs_t, fig)


if "snakemake" in globals():
    common.run_rule(snakemake, main)  # noqa: F821
