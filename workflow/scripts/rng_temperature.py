"""Rule rng_temperature: dropout probability (Eq. 24-25) vs temperature, raw / after the one-time trim at
the design temperature / with the temperature-tracking (sensor + LUT) write bias (devices/rng_temperature.py)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from tqdm import tqdm  # noqa: E402

import common  # noqa: E402
from devices import mtj, rng_mc  # noqa: E402
from devices import rng_temperature as rt  # noqa: E402
from devices.spice import versions  # noqa: E402


def main(sm):
    cfg = sm.params.cfg
    tc = cfg["rng"]["temperature"]
    p, d, retries, sigma = rng_mc.from_config(cfg, sm.input.llg_fit)
    llg = mtj.load_llg_fit(sm.input.llg_fit)
    tg = pd.read_csv(sm.input.targets)
    targets, biases = tg["p"].tolist(), tg["bias_v"].to_numpy()
    t_ref = float(cfg["spice"]["temperature_c"])
    temps, lut = [float(t) for t in tc["t_c"]], [float(t) for t in tc["lut_t_c"]]
    bracket = (cfg["rng"]["sweep"]["bias_min"], cfg["rng"]["sweep"]["bias_max"])
    table, slope = rt.bias_table(p, d, llg, targets, lut, t_ref, bracket, retries)
    cal = cfg["rng"]["variation"]["calibration"]
    rows = []
    for i in tqdm(range(tc["n_samples"]), desc="rng temperature chips"):
        var = rng_mc.draw_variation(p, d, sigma, cfg["seed"], i)  # the variation MC's chip i
        g = np.random.default_rng([cfg["seed"], 6, i])
        rows += [{"sample": i, **r} for r in
                 rt.sample_rows(p, d, llg, biases, targets, temps, t_ref, table, lut, var, cal, g, retries)]
    nominal = rt.sample_rows(p, d, llg, biases, targets, temps, t_ref, table, lut, None,
                             {**cal, "n_cal": 10**7}, np.random.default_rng([cfg["seed"], 7]), retries)
    df = pd.DataFrame(rows)
    common.write_csv(sm.output.csv, df)
    summ = rt.summary(rows, targets, temps)
    for e in summ:
        e["p_nominal_fixed_bias"] = [r["p_raw"] for r in nominal if r["p_target"] == e["p"]]
        e["current_nominal_fixed_bias_a"] = [r["current_raw_a"] for r in nominal if r["p_target"] == e["p"]]
    out = {"t_ref_c": t_ref, "t_c": temps, "n_chips": int(tc["n_samples"]), "targets": summ,
           "magnet": [{"t_c": t, **mtj.magnet_at(llg, t)} for t in temps],
           "compensation": {
               "method": "temperature sensor + look-up table of trim-DAC code offsets (one per target and LUT "
                         "temperature, the nominal cell's bias shift from t_ref), linear in T between LUT "
                         "points, quantised to the DAC step, on top of the chip's one-time trim code",
               "lut_t_c": lut, "lut_bias_v": table.tolist(), "dac_step_v": float(cal["dac_step"]),
               "linear_tc_v_per_k": slope.tolist(),
               "dac_clipped_points": int(df["dac_clipped"].sum()),
               "sensor": "ideal (not simulated)"},
           "provenance": common.provenance(cfg, **versions())}
    common.write_json(sm.output.json, out)

    fig, ax = plt.subplots(1, len(summ), figsize=(4 * len(summ), 3.2), squeeze=False)
    for a, e in zip(ax[0], summ):
        for mode, style in (("raw", "o:"), ("trimmed", "s--"), ("compensated", "^-")):
            a.errorbar(temps, e[mode]["p_mean"], yerr=e[mode]["p_sigma"], fmt=style, capsize=3,
                       label=f"{mode} (mean +- sigma, {tc['n_samples']} chips)")
        a.axhline(e["p"], c="k", lw=0.8)
        a.set_title(f"target p = {e['p']}", fontsize=9)
        a.set_xlabel("temperature [C]")
        a.set_ylim(-0.02, 1.02)
    ax[0][0].set_ylabel("dropout probability p")
    ax[0][0].legend(fontsize=6)
    common.save_fig(sm.output.png, fig)


common.run_rule(snakemake, main)  # noqa: F821
