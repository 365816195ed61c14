"""results/report.md: the end-to-end summary a person reads first (Markdown tables, no extra dependencies)."""
from __future__ import annotations

import math

import pandas as pd

from cim.costs import PASS_COMPONENTS


_UNIT = {"crossbar": "weight (cell-pair) read", "wordline": "driven row (whole array width)",
         "scale_sram": "32-bit word",
         "rng": "sample (1 per layer)", "averaging": "output value x MC pass", "frontend": "column read",
         "adc": "column conversion", "mux": "column selection"}


def _fmt(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v).replace("|", "/")


def md_table(df: pd.DataFrame, digits: int = 3) -> str:
    head = "| " + " | ".join(df.columns) + " |\n|" + "---|" * len(df.columns) + "\n"
    return head + "".join("| " + " | ".join(_fmt(v, digits) for v in row) + " |\n"
                          for row in df.itertuples(index=False))


def headline(costs: dict[str, dict]) -> list[str]:
    """One bullet per workload: energy per image, per pass, area, arrays, the largest energy components."""
    out = []
    for name, c in costs.items():
        s = c["strategies"][c["selected"]]
        e = s["inference"]["energy_j"]
        total = s["inference"]["energy_total_j"]
        top = sorted(e, key=e.get, reverse=True)[:3]
        share = ", ".join(f"{k} {100 * e[k] / total:.0f}%" for k in top)
        share += f"; SPICE-predicted share of the total: {100 * s['inference']['spice_share']:.1f}%"
        n = s["counts_per_pass"]
        skipped = f"; full-precision layers not on crossbars: {', '.join(s['unmapped_layers'])}" \
            if s["unmapped_layers"] else ""
        out.append(f"- **{name}** ({s['strategy']} mapping, T = {s['T']}): {total * 1e6:.3g} uJ per image "
                   f"({s['pass']['energy_total_j'] * 1e9:.3g} nJ per pass), "
                   f"latency {s['inference']['latency_s'] * 1e6:.3g} us, "
                   f"area {s['area_total_m2'] * 1e6:.3g} mm^2 with {n['arrays']} arrays of "
                   f"{s['crossbar']['rows']} x {s['crossbar']['cols']} weights; {n['array_activations']} array "
                   f"reads per pass; largest shares: {share}{skipped}.")
    return out


def breakdown_table(costs: dict[str, dict]) -> pd.DataFrame:
    """Energy per image by component [uJ] and share, selected strategy; the other strategy's total beside."""
    rows = []
    for name, c in costs.items():
        s = c["strategies"][c["selected"]]
        e, total = s["inference"]["energy_j"], s["inference"]["energy_total_j"]
        for k in (*PASS_COMPONENTS, "averaging"):
            rows.append({"workload": name, "component": k, "energy_uj": e[k] * 1e6,
                         "share_pct": 100 * e[k] / total, "counted_per": s["ops"].get(k, _UNIT.get(k, "")),
                         "origin": s["origin"][k]})
    return pd.DataFrame(rows)


def build(tables: dict[str, pd.DataFrame], claims: pd.DataFrame, costs: dict[str, dict], arch: dict) -> str:
    t2, t7, t8, br = tables["table2"], tables["table7"], tables["table8"], tables["breakdown"]
    counts = claims.status.value_counts().to_dict()
    ours8 = t8[t8.energy_uj.notna()].drop(columns=["bits"])
    ref8 = t8[t8.energy_uj.isna()][["work", "technology", "topology", "bits", "paper_energy_uj"]]
    t7s = t7[t7.scope == "layer-wise"][["method", "modules", "area_um2", "power_mw", "sampling_latency_ns",
                                        "paper_modules", "paper_area_um2", "paper_power_mw"]]
    parts = [
        "# scaledrop: end-to-end summary\n",
        "Every number in an unprefixed column is computed by this workflow (SPICE device models -> CIM "
        "architecture model -> trained networks); `paper_*` columns hold the paper's values for comparison. "
        "Energies are per image (one Bayesian inference of T forward passes).\n",
        "## Headline\n", *headline(costs),
        f"- **Claims:** {counts.get('holds', 0)} hold, {counts.get('fails', 0)} fail, "
        f"{counts.get('not tested', 0)} not tested by the configured run (table below; `note` says why).\n",
        "## Claims\n", md_table(claims),
        f"\n## Energy per image (Table VIII analogue, T = {arch['T']})\n", md_table(ours8),
        "\nRelated works as cited by the paper (reference only):\n", md_table(ref8),
        "\n## Where the energy goes\n",
        "`origin` says where each line comes from: a SPICE results file (and the rule that makes it) or a cited "
        "published constant; no number of the paper enters a computation. `counted_per` says what each line is "
        "multiplied by.\n",
        md_table(breakdown_table(costs)),
        "\nBoth mapping strategies ((1) unroll K*K*C_in into a column, (2) K x K tiles of C_in x C_out):\n",
        md_table(br[["workload", "strategy", "T", "arrays", "energy_total_uj", "energy_per_pass_uj", "latency_us",
                     "area_total_mm2"]]),
        f"\n## Dropout modules (Table VII analogue, {arch['table7_workload']}, layer-wise)\n", md_table(t7s),
        "\nTopology-wise rows and the per-layer counts: `results/tables/table7_dropout_modules.csv`, "
        "`table7_layers.csv`.\n",
        "\n## Component energies (Table II analogue)\n", md_table(t2.drop(columns=["source"])),
        "\nSources of each value: `source` column of `results/tables/table2_energy.csv`.\n",
    ]
    return "\n".join(parts)
