"""Rule rng_model: variation summary (Normal fit of epsilon, Eq. 24; raw and after the one-time bias
trim), per-parameter sensitivity, p vs temperature, the measured read path, and
results/devices/rng_model.json."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

import common  # noqa: E402
from scaledrop import model_files  # noqa: E402
from devices import rng_cell, rng_mc  # noqa: E402
from devices.params import sources  # noqa: E402
from devices.spice import versions  # noqa: E402

PAPER_P_VARIATION = "3-10 %"  # Sec. V-A


def area_estimate(d: rng_cell.Design) -> dict:
    """Layout-rule estimate: each transistor (W + 0.2 um) x (L + 0.3 um) (contacted diffusion + poly
    pitch, FreePDK45-class rules); reference resistor 0.5 um^2; the SOT-MTJ sits above the H-bridge."""
    dev = [(d.w_p, d.l_min)] * 2 + [(d.w_n, d.l_min), (d.w_bias, d.l_bias), (d.w_bias, d.l_bias)]
    dev += [(2 * d.w_sa, d.l_min)] * 2 + [(d.w_sa, d.l_min)] * 2 + [(d.w_sa, d.l_sa)] * 4
    dev += [(d.w_sa, d.l_min), (d.w_sa / 2, d.l_min)] * 3  # two output inverters + the balancing dummy
    um2 = sum((w * 1e6 + 0.2) * (l_ * 1e6 + 0.3) for w, l_ in dev) + 0.5
    return {"um2": um2, "transistors": len(dev),
            "basis": "sum over transistors of (W + 0.2 um)(L + 0.3 um) + 0.5 um^2 reference resistor; "
                     "MTJ/track above the H-bridge (no extra area); not a drawn layout"}


def spread(ps: np.ndarray, target: float) -> dict:
    """Moments of realised p and the Normal fit of epsilon = p - target (Eq. 24)."""
    mu, sd = stats.norm.fit(ps - target)
    return {"p_mean": float(ps.mean()), "p_sigma": float(ps.std(ddof=1)),
            "p_q05": float(np.quantile(ps, 0.05)), "p_q95": float(np.quantile(ps, 0.95)),
            "epsilon_mu": float(mu), "epsilon_sigma": float(sd)}


def sensitivity_table(sens: pd.DataFrame, pt: float) -> dict:
    """Per parameter dp per +1 sigma at target pt, and their root-sum-square (linear estimate of sigma(p))."""
    s = sens[sens["p_target"] == pt].sort_values("dp_per_sigma", key=np.abs, ascending=False)
    return {"dp_per_sigma": {r["param"]: float(r["dp_per_sigma"]) for _, r in s.iterrows()},
            "sigma_p_linear": float(np.sqrt(np.sum(s["dp_per_sigma"] ** 2)))}


def temperature_block(temp: dict, energy_per_bit_pj: float, cal: dict) -> dict:
    """The model file's `temperature` block: p(T) per target and mode (raw, trimmed, compensated; mean
    and sigma over chips) for the NN side to inject p at a chosen temperature, plus the cost of the
    alternative to compensation, a periodic re-trim: energy per re-trim and the temperature drift after
    which the trimmed p leaves its counting band (z = 1) at each target."""
    t = np.asarray(temp["t_c"])
    j = int(np.argmin(np.abs(t - temp["t_ref_c"])))
    retrim = []
    for e in temp["targets"]:
        pm = np.asarray(e["trimmed"]["p_mean"])
        k = [i for i in (j - 1, j + 1) if 0 <= i < len(t)]
        slope = max(abs((pm[i] - pm[j]) / (t[i] - t[j])) for i in k)  # steeper neighbour, per K
        band = rng_mc.counting_halfwidth(e["p"], cal["n_cal"], z=1.0)
        retrim.append({"p": e["p"], "dp_dt_per_k": float(slope), "retrim_every_dt_k": float(band / slope) if slope > 0 else None})
    reads = cal["trim_bits"] * cal["n_cal"]
    return {"t_ref_c": temp["t_ref_c"], "t_c": temp["t_c"], "n_chips": temp["n_chips"],
            "targets": temp["targets"], "magnet": temp["magnet"], "compensation": temp["compensation"],
            "retrim": {"reads_per_retrim": reads, "energy_per_retrim_pj": reads * energy_per_bit_pj,
                       "per_target": retrim},
            "inject": "p_hat(T) = linear interpolation over t_c of targets[j].<mode>.p_mean, "
                      "eps ~ N(0, <mode>.p_sigma(T)^2); mode = raw | trimmed | compensated"}


def _sllg_p_at(points, current_a: float) -> float:
    """sLLG switching probability at a SET plateau current: logit-linear interpolation between the sLLG points."""
    cur = np.array([q["current_a"] for q in points])
    ps = np.clip([q["p_sw"] for q in points], 1e-4, 1 - 1e-4)
    order = np.argsort(cur)
    z = float(np.interp(current_a, cur[order], np.log(ps / (1 - ps))[order]))
    return 1 / (1 + np.exp(-z))


def sllg_quality(llg_fit, targets) -> dict | None:
    """How well the cell's switching law describes the sLLG switching it was fitted to (and how well the
    paper's Eq. 25 would), and the sLLG p at each target's SET current (what the physics gives where the
    cell's law gives the target)."""
    if llg_fit is None:
        return None
    f = json.loads(open(llg_fit).read())
    at = [{"p": t["p"], "current_a": t["current_a"], "p_sllg_interp": _sllg_p_at(f["cell_points"], t["current_a"])}
          for t in targets] if f.get("cell_points") else None
    return {"targets": at, "form": f["form"], "delta": f["delta"], "ic0_a": f["ic0"], "tau0_s": f["tau0"], "chi2": f["chi2"],
            "dof": f["dof"], "fits_badly": f["fits_badly"], "derived": f["derived"],
            "eq25_cell_width": {k: v for k, v in f["eq25_cell_width"].items() if k != "tau0_profile"},
            "all_widths": {k: {x: v[x] for x in ("chi2", "dof", "fits_badly")} for k, v in f["all_widths"]["forms"].items()},
            "reset_wer": f["reset"]["wer"], "track_resistance_ohm": f["track_resistance"]}


def read_disturb(path) -> dict:
    """STT read-disturb probability per read at the cell's measured read pulse (rule llg_bitstream)."""
    r = json.loads(open(path).read())["read_disturb_cell"]
    return {k: r[k] for k in ("p_disturb_upper95", "p_law", "i_read_a", "t_read_s", "i_equivalent_a", "barrier_kt",
                              "k_sllg", "n_sllg", "source")} | {"rule": "llg_bitstream"}


def main(config, inp, out, llg_fit=None):
    p, d, _, sigma = rng_mc.from_config(config, llg_fit)
    vcfg = config["rng"]["variation"]
    var = pd.concat([pd.read_csv(f) for f in inp.variation]).sort_values(["p_target", "sample"])
    common.write_csv(out.variation, var)
    fitj = json.loads(open(inp.fit).read())
    trans = json.loads(open(inp.transient).read())
    temp = json.loads(open(inp.temperature).read())
    sens = pd.read_csv(inp.sensitivity)
    tg = pd.read_csv(inp.targets)
    use = "calibrated" if vcfg["calibrate"] else "raw"
    targets = []
    for _, r in tg.iterrows():
        sel = var[var["p_target"] == r["p"]]
        raw = spread(sel["p"].to_numpy(), r["p"])
        entry = {"p": float(r["p"]), "bias_v": float(r["bias_v"]), "current_a": float(r["current_a"]),
                 "p_nominal_resim": float(r["p_exact_resim"]), "n_samples": int(len(sel)), "raw": raw}
        if vcfg["calibrate"]:
            n_cal = vcfg["calibration"]["n_cal"]
            entry["calibrated"] = {**spread(sel["p_cal"].to_numpy(), r["p"]),
                                   "bias_cal_sigma_v": float(sel["bias_cal_v"].std(ddof=1)),
                                   "trim_code_range": [int(sel["cal_code"].min()), int(sel["cal_code"].max())],
                                   "counting_sigma": rng_mc.counting_halfwidth(r["p"], n_cal, z=1.0)}
        entry.update({k: entry[use][k] for k in raw})  # the values the NN side uses (epsilon_source)
        entry["sensitivity"] = sensitivity_table(sens, r["p"])
        if "p_trials" in r and not pd.isna(r.get("p_trials")):
            entry.update({"p_trials": float(r["p_trials"]), "n_trials": int(r["n_trials"]),
                          "wilson": [float(r["wilson_lo"]), float(r["wilson_hi"])],
                          "energy_per_bit_pj": float(r["energy_per_bit_pj"])})
        targets.append(entry)
    law = fitj["switching_law"]
    model = {
        "schema_version": model_files.schema_version("rng_model"),
        "description": "Spin-ScaleDrop RNG cell (paper Fig. 2, Eq. 24-25): SPICE cell running the switching law "
                       "fitted to the stochastic LLG solver, and dropout-probability variation; "
                       "p_hat = p + eps, eps ~ N(epsilon_mu, epsilon_sigma^2)",
        "switching_law": {"form": law["form"],
                          "delta": {"value": law["delta"], "unit": "1"},
                          "ic0": {"value": law["ic0_a"], "unit": "A"},
                          "tau0": {"value": law["tau0_s"], "unit": "s"},
                          "pulse": {"value": fitj["pulse_s"], "unit": "s"}, "source": law["source"]},
        "epsilon_source": use,
        "calibration": {**vcfg["calibration"], "enabled": vcfg["calibrate"],
                        "method": "one-time successive-approximation trim of the write bias per chip: "
                                  "bit frequency over n_cal reads (Binomial on the exact hazard p), "
                                  "trim DAC of trim_bits bits and dac_step V around the nominal bias"},
        "targets": targets,
        "energy_per_bit_pj": trans["energy_per_bit_pj"],
        "energy_breakdown_pj": trans["energy_pj"],
        "latency_ns": trans["latency_ns"],
        "latency_basis": trans["latency_basis"],
        "read_path": trans["read_path"],
        "read_disturb": read_disturb(inp.read_disturb),
        "temperature": temperature_block(temp, trans["energy_per_bit_pj"], vcfg["calibration"]),
        "mtj_params_source": str(llg_fit) if llg_fit else "devices/params/sot_mtj.yaml",
        "sllg_fit": sllg_quality(llg_fit, targets),
        "cycle_period_ns": trans["cycle_period_ns"],
        "paper_energy_pj": trans["paper_energy_pj"], "paper_latency_ns": trans["paper_latency_ns"],
        "paper_p_variation": PAPER_P_VARIATION,
        "area": area_estimate(d),
        "variation_sigma": sigma,
        "device_params": sources("sot_mtj"),
        "provenance": common.provenance(config, **versions()),
    }
    model_files.write(out.model, model, "rng_model")

    fig, ax = plt.subplots(1, len(targets), figsize=(4 * len(targets), 3.2), squeeze=False)
    bins = np.linspace(0, 1, 41)
    for a, e in zip(ax[0], targets):
        sel = var[var["p_target"] == e["p"]]
        a.hist(sel["p"], bins=bins, alpha=0.5, label=f"raw: sigma {e['raw']['p_sigma']:.3f}")
        if "calibrated" in e:
            a.hist(sel["p_cal"], bins=bins, alpha=0.7,
                   label=f"trimmed: sigma {e['calibrated']['p_sigma']:.3f}")
        a.axvline(e["p"], c="k", ls=":")
        a.set_title(f"target p={e['p']} ({len(sel)} samples)", fontsize=9)
        a.set_xlabel("realised p under variation")
        a.legend(fontsize=7)
    common.save_fig(out.png, fig)


if __name__ == "__main__":
    main(common.start(snakemake), snakemake.input, snakemake.output, llg_fit=snakemake.input.llg_fit)  # noqa: F821
