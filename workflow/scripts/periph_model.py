"""Rule periph_model: results/devices/periphery_model.json (front end per rows, SAR ADC per resolution, mux,
comparator offset/noise, word line) and the ADC energy per conversion vs the Walden-FoM trend of published SAR
ADCs (Murmann ADC survey, devices/params/adc_survey_sar.csv; issue 12 item 5)."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import common  # noqa: E402
from scaledrop import model_files  # noqa: E402
from devices.params import PARAM_DIR  # noqa: E402
from scaledrop import model_files  # noqa: E402

SURVEY = PARAM_DIR / "adc_survey_sar.csv"
SURVEY_SOURCE = ("B. Murmann, 'ADC Performance Survey 1997-2025' (github.com/bmurmann/ADC-survey, "
                 "xls/ADCsurvey_rev20250609.xlsx, ISSCC + VLSI sheets): single-channel SAR, ENOB <= 9.5, "
                 "1 MS/s <= fs_nyq <= 2 GS/s, nodes <= 130 nm; energy = P / fs_nyq, ENOB = (SNDR - 1.76) / 6.02, "
                 "Walden FoM = energy / 2^ENOB")


def load(f):
    return json.loads(open(f).read())


def main(sm):
    cfg = sm.params.cfg
    fe, cmp_, wl = load(sm.input.frontend), load(sm.input.comparator), load(sm.input.wordline)
    adcs = {str(d["bits"]): d for d in map(load, sm.input.adc)}
    for d in adcs.values():
        d.pop("provenance", None)
    sv = pd.read_csv(SURVEY)
    fom_med, fom_p10 = float(sv.fomw_fj.median()), float(sv.fomw_fj.quantile(0.1))
    rows = []
    for b, d in sorted(adcs.items(), key=lambda kv: int(kv[0])):
        e = d["energy_per_conversion_j"]
        rows.append({"bits": int(b), "energy_per_conversion_pj": e * 1e12, "t_conv_ns": d["t_conv_s"] * 1e9,
                     "walden_fom_fj": e * 1e15 / 2 ** int(b), "survey_median_line_pj": fom_med * 2 ** int(b) * 1e-3,
                     "over_survey_median": e * 1e15 / (fom_med * 2 ** int(b)),
                     "dnl_max_lsb": d["dnl_max_lsb"], "inl_max_lsb": d["inl_max_lsb"], "monotonic": d["monotonic"],
                     "mux_energy_per_select_pj": d["mux_energy_per_select_j"] * 1e12, "area_um2": d["area_m2"] * 1e12})
    table = pd.DataFrame(rows)
    common.write_csv(sm.output.table, table)
    model = {
        "schema_version": model_files.schema_version("periphery_model"), "mux_ratio": cfg["periphery"]["mux_ratio"],
        "frontend": fe["rows"], "adc": adcs, "comparator": {k: v for k, v in cmp_.items() if k != "provenance"},
        "wordline": {k: v for k, v in wl.items() if k != "provenance"},
        "survey": {"source": SURVEY_SOURCE, "n": int(len(sv)), "walden_fom_median_fj": fom_med,
                   "walden_fom_p10_fj": fom_p10, "file": "devices/params/adc_survey_sar.csv"},
        "basis": "energies: vdd x charge drawn from every supply/reference rail in the SPICE transient (buffers fed "
                 "from vdd); front end per column read at p = rows/2; ADC per conversion (mean over closed-loop "
                 "conversions); mux per column selection; word line per row activation incl. decoder NAND",
        "provenance": common.provenance(cfg),
    }
    model_files.write(sm.output.model, model, "periphery_model")

    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    ax.semilogy(sv.enob, sv.energy_pj, ".", c="0.6", label=f"published SAR (Murmann survey, n={len(sv)})")
    bb = np.linspace(2.5, 9.5, 20)
    ax.semilogy(bb, fom_med * 2 ** bb * 1e-3, "k--", lw=0.8, label=f"Walden FoM median {fom_med:.0f} fJ/step")
    ax.semilogy(bb, fom_p10 * 2 ** bb * 1e-3, "k:", lw=0.8, label=f"10th percentile {fom_p10:.0f} fJ/step")
    ax.semilogy(table.bits, table.energy_per_conversion_pj, "o-", c="C3", label="ours (SPICE, per conversion)")
    ax.set(xlabel="bits (survey: ENOB)", ylabel="energy per conversion (pJ)")
    ax.legend(fontsize=7)
    common.save_fig(sm.output.png, fig)
    with open(sm.log[0], "w") as fh:
        fh.write(table.to_string() + "\n")


common.run_rule(snakemake, main)  # noqa: F821
