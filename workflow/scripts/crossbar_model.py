"""Rule crossbar_model: ADC error models (every rows x bits x var x reference, Sec. V-C) with device variation AND
read noise (cells' shot/thermal noise over the integration window, kT/C, comparator noise + offset residual; from
results/devices/periphery_model.json via devices/noise.py) -> results/devices/crossbar_model.json (+ summary CSV,
confusion CSV, plots). Column heights without their own MC take the variation fit of model_rows scaled per row."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import common  # noqa: E402
from scaledrop import model_files  # noqa: E402
from devices import crossbar_adc as xa  # noqa: E402
from devices import noise as nz  # noqa: E402
from devices.params import load_params, mtj_rp  # noqa: E402
from devices.spice import versions  # noqa: E402

PAPER_CROSSBAR_ARRAY_PJ = 0.65      # Table II, "Crossbar array", one reading operation
PAPER_DECODING_SENSING_PJ = 4.76    # Table II, "Memory (Decoding/Sensing)"

cfg = common.start(snakemake)  # noqa: F821
c, inp = cfg["crossbar"], snakemake.input  # noqa: F821


def load(f):
    return json.loads(open(f).read())


tr = {d["rows"]: d for d in map(load, inp.transfer)}
en = {d["rows"]: d for d in map(load, inp.energy)}
sets = {(tr_d["rows"], 0.0): pd.read_csv(f) for tr_d, f in zip(map(load, inp.transfer), inp.samples)}
if inp.mc:
    mc = pd.concat([pd.read_csv(f) for f in inp.mc], ignore_index=True)
    sets.update({(int(r), float(v)): g for (r, v), g in mc.groupby(["rows", "variation_level"])})

per = model_files.read_periphery_model(inp.periphery)
sig_adc = per["comparator"]["input_referred_sigma_v"]
t_int = cfg["periphery"]["frontend"]["t_int_ns"] * 1e-9
read_var = {}
for R in tr:
    fe = per["frontend"].get(str(R))
    if fe is None:
        raise ValueError(f"{inp.periphery}: no front end for {R} rows; rerun rule periph_model")
    read_var[R] = {**nz.variance_terms(tr[R]["linear"], c["v_read"], t_int, fe["c_int_f"], sig_adc,
                                       cfg["spice"]["temperature_c"]), "c_int_f": fe["c_int_f"]}

# heights without their own MC: nominal samples of that height, variation fit of model_rows scaled per row
R0 = c["model_rows"]
scaled = {}
for (r0, lvl) in [k for k in sets if k[0] == R0 and k[1] > 0]:
    fit0 = xa.fit_noise(sets[r0, lvl].popcount, sets[r0, lvl].current_a, tr[R0]["coefficients"])
    for R in tr:
        if (R, lvl) not in sets:
            scaled[R, lvl] = xa.scale_noise(fit0, R0, R)
            sets[R, lvl] = sets[R, 0.0]

bits_all = sorted(set(c["adc_bits"]) | {c["model_adc_bits"]} | set(cfg.get("codesign", {}).get("adc_bits", [])))
res, summary, conf = {}, [], []
for (R, lvl), df in sorted(sets.items()):
    t, e = tr[R], en[R]
    for bits in bits_all:
        for ref in xa.REFERENCES:
            kw = {"noise": scaled.get((R, lvl))}
            a = res[R, lvl, bits, ref] = xa.analyse(df.popcount.to_numpy(), df.current_a.to_numpy(), t["coefficients"],
                                                    R, bits, ref, read_variance=read_var[R]["total"], **kw)
            a0 = xa.analyse(df.popcount.to_numpy(), df.current_a.to_numpy(), t["coefficients"], R, bits, ref, **kw)
            per_code = (R + 1) / min(2 ** bits, R + 1)        # popcounts per ADC code
            i_mid = np.polynomial.polynomial.polyval(R / 2, t["linear"])
            rv = read_var[R]["total"]
            summary.append({"rows": R, "adc_bits": bits, "variation_level": lvl, "adc_reference": ref,
                            "variation_source": "scaled" if (R, lvl) in scaled else ("mc" if lvl > 0 else "nominal"),
                            "error_rate": a["error_rate"], "error_mean": a["mean"], "error_sigma": a["sigma"],
                            "error_mean_adc_lsb": a["mean"] / per_code, "error_sigma_adc_lsb": a["sigma"] / per_code,
                            "error_rate_no_read_noise": a0["error_rate"], "error_sigma_no_read_noise": a0["sigma"],
                            "read_noise_sigma_popcount": float(np.sqrt(rv[0] + rv[1] * R / 2) / abs(t["lsb_a"])),
                            "shot_sigma_popcount": float(nz.column_sigma_i(
                                i_mid, c["v_read"], t_int, cfg["spice"]["temperature_c"]) / abs(t["lsb_a"])),
                            "empirical_error_rate": a["empirical_error_rate"], "empirical_mean": a["empirical_mean"],
                            "n_samples": len(df), "r2": t["r2"], "max_error_popcount": t["max_error_popcount"],
                            "ir_drop_max_error_popcount": t["ir_drop_max_error_popcount"],
                            "column_read_pj": e["column_read_pj"], "column_read_lines_pj": e["column_read_lines_pj"],
                            "latency_ns": e["latency_ns"]})
            conf += [{"rows": R, "adc_bits": bits, "variation_level": lvl, "adc_reference": ref, "popcount": p,
                      "offset": o, "prob": q}
                     for p, (offs, prs) in enumerate(zip(a["offsets"], a["probs"])) for o, q in zip(offs, prs)]
            if (R, lvl, bits, ref) == (c["model_rows"], float(c["variation"]["model_level"]), c["model_adc_bits"],
                                       c["adc_reference"]):
                res["no_read_noise"] = a0
summary = pd.DataFrame(summary)
common.write_csv(snakemake.output.summary, summary)  # noqa: F821
common.write_csv(snakemake.output.confusion, pd.DataFrame(conf))  # noqa: F821

R, bits, lvl, ref = c["model_rows"], c["model_adc_bits"], float(c["variation"]["model_level"]), c["adc_reference"]
m, t, e = res[R, lvl, bits, ref], tr[R], en[R]
arr = e["array"]
f_um = c["area"]["feature_nm"] * 1e-3
cell_um2 = c["area"]["cell_f2"] * f_um * f_um
pitch_um = float(np.sqrt(cell_um2))
p = load_params("sot_mtj", c["mtj"])
ERR_KEYS = ("offsets", "probs", "mean_per_popcount", "sigma_per_popcount", "error_rate_per_popcount", "mean",
            "sigma", "error_rate", "thresholds_a", "codes_popcount", "empirical_error_rate", "reference",
            "reference_coefficients")
model = {
    "schema_version": model_files.schema_version("crossbar_model"), "rows": R, "adc_bits": bits, "variation_level": lvl, "adc_reference": ref,
    "variation_sigmas": {k: v for k, v in c["variation"].items() if k.startswith("sigma")},
    "mtj": {"rp_ohm": mtj_rp(p), "tmr0": p["tmr0"], "rtrack_ohm": p["rtrack"]}, "v_read": c["v_read"],
    "transfer": {"form": "I(p) = sum_k coefficients[k] * p**k [A], p = popcount (XNOR matches)",
                 "coefficients": t["coefficients"], "linear": t["linear"], "lsb_a": t["lsb_a"], "r2": t["r2"],
                 "max_error_popcount": t["max_error_popcount"],
                 "ir_drop_max_error_popcount": t["ir_drop_max_error_popcount"]},
    "error_model": {"form": "P(p_hat = p + offsets[p][j] | p) = probs[p][j], p = 0..rows; ADC thresholds on the "
                            "`reference` curve I_ref(p) = sum_k reference_coefficients[k] p**k",
                    **{k: m[k] for k in ERR_KEYS}},
    "error_model_no_read_noise": {k: res["no_read_noise"][k] for k in ("mean", "sigma", "error_rate")},
    "read_noise": {"form": "variance [A^2] = s0 + s1 p added to the device-variation variance; per source",
                   "t_int_s": t_int, "c_int_f": read_var[R]["c_int_f"], "v_read": c["v_read"],
                   "adc_input_sigma_v": sig_adc,
                   **{k: read_var[R][k] for k in ("cells", "ktc", "adc", "total")},
                   "sources": "cells: 2qI coth(qV/2kT) over df = 1/(2 t_int); ktc: kT C_int / t_int^2; adc: "
                              "(comparator noise + offset residual) x C_int / t_int (devices/noise.py)",
                   "file": inp.periphery},
    "error_model_by_reference": {r: {k: res[R, lvl, bits, r][k] for k in ("mean", "sigma", "error_rate",
                                                                          "empirical_error_rate", "empirical_mean")}
                                 for r in xa.REFERENCES},
    "energy": {"column_read_pj": e["column_read_pj"], "column_read_pj_per_popcount": e["column_read_pj_per_popcount"],
               "column_read_lines_pj": e["column_read_lines_pj"], "column_wordline_pj": e["column_wordline_pj"],
               "t_read_ns": e["t_read_ns"], "cols": c["cols"],
               "array_mvm_read_lines_pj": arr["read_lines_pj"], "array_mvm_wordline_pj": arr["wordline_pj"],
               "wordline_per_row_activation_pj": arr["wordline_per_row_activation_pj"],
               "array_mvm_pj": arr["total_pj"],
               "paper_crossbar_array_pj": PAPER_CROSSBAR_ARRAY_PJ, "paper_decoding_sensing_pj": PAPER_DECODING_SENSING_PJ,
               "array_mvm_read_lines_over_paper": arr["read_lines_pj"] / PAPER_CROSSBAR_ARRAY_PJ,
               "array_mvm_over_paper": arr["total_pj"] / PAPER_CROSSBAR_ARRAY_PJ,
               "basis": "column_read_pj = one column read at p = rows/2 (read-line drivers + the column's own access "
                        "gates, no word-line wire); array_mvm_read_lines_pj = cols x column read lines (the array, "
                        "like paper Table II 'crossbar array'); array_mvm_wordline_pj = rows x one word-line "
                        "activation (cols x 2 access gates + 2 cols cell pitches of wire, charged once per MVM); "
                        "array_mvm_pj = sum. Architecture (cim): read lines from here; the word line is priced by its own SPICE "
                        "driver chain + decoder sized for this load (results/devices/periphery_model.json)."},
    "latency_ns": e["latency_ns"],
    "area": {"array_um2": 2 * R * c["cols"] * cell_um2, "cell_um2": cell_um2, "weight_um2": 2 * cell_um2,
             "basis": f"2 cells per weight x rows x cols x {c['area']['cell_f2']:g} F^2 per 2T-1MTJ SOT cell, "
                      f"F = {c['area']['feature_nm']:g} nm; source: {c['area']['source']}"},
    "wire": {"r_per_cell_ohm": c["r_wire_ohm"], "c_per_cell_ff": c["c_wire_ff"], "cell_pitch_um": pitch_um,
             "r_ohm_per_um": c["r_wire_ohm"] / pitch_um, "c_ff_per_um": c["c_wire_ff"] / pitch_um,
             "basis": f"per cell and line (read lines, source line, word line) over a cell pitch sqrt(cell_um2) = "
                      f"{pitch_um:.3f} um, i.e. {c['r_wire_ohm'] / pitch_um:.2f} Ohm/um and "
                      f"{c['c_wire_ff'] / pitch_um:.2f} fF/um; source: {c['wire_source']}"},
    "sweep": summary.to_dict(orient="records"),
    "provenance": common.provenance(cfg, **versions()),
}
model_files.write(snakemake.output.model, model, "crossbar_model")  # noqa: F821

fig, ax = plt.subplots(figsize=(5, 3.5))
for (r, v, rf), g in summary.groupby(["rows", "variation_level", "adc_reference"]):
    ax.semilogy(g.adc_bits, g.error_rate.clip(lower=1e-9), "o-" if rf == "calibrated" else "x--", ms=3,
                label=f"R={r}, var x{v:g}, {rf}")
ax.set(xlabel="ADC bits", ylabel="P(popcount error)")
ax.legend(fontsize=6)
common.save_fig(snakemake.output.png_err, fig)  # noqa: F821
fig, ax = plt.subplots(figsize=(5, 3.5))
rows = sorted(en)
ax.plot(rows, [en[r]["column_read_pj"] for r in rows], "o-", label="column read (p = R/2)")
ax.plot(rows, [en[r]["array"]["read_lines_pj"] for r in rows], "s-", label=f"array MVM read lines ({c['cols']} cols)")
ax.plot(rows, [en[r]["array"]["total_pj"] for r in rows], "^-", label="array MVM incl. word lines")
ax.axhline(PAPER_CROSSBAR_ARRAY_PJ, ls="--", c="k", lw=0.8, label="paper Table II crossbar array")
ax.set(xlabel="rows", ylabel="energy (pJ)", yscale="log")
ax.legend(fontsize=7)
common.save_fig(snakemake.output.png_energy, fig)  # noqa: F821
