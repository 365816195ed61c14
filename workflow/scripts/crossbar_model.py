"""Rule crossbar_model: results/devices/crossbar_model.json (+ summary CSV, plots) for the NN side."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import common  # noqa: E402
from devices.params import load_params, mtj_rp  # noqa: E402
from devices.spice import versions  # noqa: E402

SCHEMA_VERSION = 1
PAPER_CROSSBAR_ARRAY_PJ = 0.65      # Table II, "Crossbar array", one reading operation
PAPER_DECODING_SENSING_PJ = 4.76    # Table II, "Memory (Decoding/Sensing)"

cfg = snakemake.config  # noqa: F821
c, inp = cfg["crossbar"], snakemake.input  # noqa: F821
load = [json.loads(open(f).read()) for f in inp.transfer]
tr = {d["rows"]: d for d in load}
en = {d["rows"]: d for d in (json.loads(open(f).read()) for f in inp.energy)}
adc = [json.loads(open(f).read()) for f in inp.adc]
summary = pd.DataFrame([{"rows": a["rows"], "adc_bits": a["adc_bits"], "variation_level": a["variation_level"],
                         "error_rate": a["error_rate"], "error_mean": a["mean"], "error_sigma": a["sigma"],
                         "empirical_error_rate": a["empirical_error_rate"], "n_samples": a["n_samples"],
                         "r2": tr[a["rows"]]["r2"], "max_error_popcount": tr[a["rows"]]["max_error_popcount"],
                         "ir_drop_max_error_popcount": tr[a["rows"]]["ir_drop_max_error_popcount"],
                         "column_read_pj": en[a["rows"]]["column_read_pj"], "latency_ns": en[a["rows"]]["latency_ns"]}
                        for a in adc]).sort_values(["rows", "variation_level", "adc_bits"])
common.write_csv(snakemake.output.summary, summary)  # noqa: F821

R, bits, lvl = c["model_rows"], c["model_adc_bits"], float(c["variation"]["model_level"])
m = next(a for a in adc if a["rows"] == R and a["adc_bits"] == bits and a["variation_level"] == lvl)
t, e = tr[R], en[R]
f = c["area"]["feature_nm"] * 1e-3
cell_um2 = c["area"]["cell_f2"] * f * f
array_pj = e["column_read_pj"] * c["cols"]
p = load_params("sot_mtj", c["mtj"])
model = {
    "schema_version": SCHEMA_VERSION, "rows": R, "adc_bits": bits, "variation_level": lvl,
    "variation_sigmas": {k: v for k, v in c["variation"].items() if k.startswith("sigma")},
    "mtj": {"rp_ohm": mtj_rp(p), "tmr0": p["tmr0"], "rtrack_ohm": p["rtrack"]}, "v_read": c["v_read"],
    "transfer": {"form": "I(p) = sum_k coefficients[k] * p**k [A], p = popcount (XNOR matches)",
                 "coefficients": t["coefficients"], "linear": t["linear"], "lsb_a": t["lsb_a"], "r2": t["r2"],
                 "max_error_popcount": t["max_error_popcount"],
                 "ir_drop_max_error_popcount": t["ir_drop_max_error_popcount"]},
    "error_model": {"form": "P(p_hat = p + offsets[p][j] | p) = probs[p][j], p = 0..rows",
                    "offsets": m["offsets"], "probs": m["probs"], "mean_per_popcount": m["mean_per_popcount"],
                    "sigma_per_popcount": m["sigma_per_popcount"], "error_rate_per_popcount": m["error_rate_per_popcount"],
                    "mean": m["mean"], "sigma": m["sigma"], "error_rate": m["error_rate"],
                    "thresholds_a": m["thresholds_a"], "codes_popcount": m["codes_popcount"],
                    "empirical_error_rate": m["empirical_error_rate"]},
    "energy": {"column_read_pj": e["column_read_pj"], "column_read_pj_per_popcount": e["column_read_pj_per_popcount"],
               "column_read_lines_pj": e["column_read_lines_pj"], "column_wordline_pj": e["column_wordline_pj"],
               "t_read_ns": e["t_read_ns"], "cols": c["cols"], "array_mvm_pj": array_pj,
               "array_mvm_read_lines_pj": e["column_read_lines_pj"] * c["cols"],
               "paper_crossbar_array_pj": PAPER_CROSSBAR_ARRAY_PJ, "paper_decoding_sensing_pj": PAPER_DECODING_SENSING_PJ,
               "array_mvm_over_paper": array_pj / PAPER_CROSSBAR_ARRAY_PJ},
    "latency_ns": e["latency_ns"],
    "area": {"array_um2": 2 * R * c["cols"] * cell_um2, "cell_um2": cell_um2, "weight_um2": 2 * cell_um2,
             "basis": f"2 cells per weight x rows x cols x {c['area']['cell_f2']} F^2 per cell, "
                      f"F = {c['area']['feature_nm']} nm (assumed 2T-1MTJ SOT-MRAM cell)"},
    "sweep": summary.to_dict(orient="records"),
    "provenance": common.provenance(cfg, **versions()),
}
common.write_json(snakemake.output.model, model)  # noqa: F821

fig, ax = plt.subplots(figsize=(5, 3.5))
for (r, v), g in summary.groupby(["rows", "variation_level"]):
    ax.semilogy(g.adc_bits, g.error_rate.clip(lower=1e-9), "o-", ms=3, label=f"R={r}, var x{v:g}")
ax.set(xlabel="ADC bits", ylabel="P(popcount error)")
ax.legend(fontsize=6)
common.save_fig(snakemake.output.png_err, fig)  # noqa: F821
fig, ax = plt.subplots(figsize=(5, 3.5))
rows = sorted(en)
ax.plot(rows, [en[r]["column_read_pj"] for r in rows], "o-", label="column read (p = R/2)")
ax.plot(rows, [en[r]["column_read_pj"] * c["cols"] for r in rows], "s-", label=f"array MVM ({c['cols']} columns)")
ax.axhline(PAPER_CROSSBAR_ARRAY_PJ, ls="--", c="k", lw=0.8, label="paper Table II crossbar array")
ax.set(xlabel="rows", ylabel="energy (pJ)", yscale="log")
ax.legend(fontsize=7)
common.save_fig(snakemake.output.png_energy, fig)  # noqa: F821
