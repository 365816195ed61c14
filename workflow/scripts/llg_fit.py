"""Rule llg_fit: fit paper Eq. 25 (Delta, Ic0, tau0) and the Neel-Brown law to the sLLG switch counts at
each temperature (binomial chi^2); derived vs fitted values; the model file the behavioural SPICE MTJ reads."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

import common  # noqa: E402
from devices import llg_fit  # noqa: E402
from devices.params import PARAM_DIR  # noqa: E402

TAU0_CONVENTION = 1e-9  # s, Neel-Brown attempt-time convention of devices/params/sot_mtj.yaml (plot only)


def _fits(sweep):
    pts = sweep["points"]
    waves = [(np.array(p["wave_t"]), np.array(p["wave_i"])) for p in pts]
    k = np.array([p["k"] for p in pts])
    n = np.array([p["n"] for p in pts])
    return waves, k, n, {f: llg_fit.fit(waves, k, n, f, sweep["stack"]["ic0"]) for f in llg_fit.FORMS}


def main(sm):
    cfg = sm.params.cfg
    t_op = float(cfg["spice"]["temperature_c"])
    sweeps = sorted((json.loads(open(f).read()) for f in sm.input), key=lambda s: s["temp_c"])
    rows, temps, main_fit = [], [], None
    for sw in sweeps:
        waves, k, n, fits = _fits(sw)
        for p, pe, pn in zip(sw["points"], fits["eq25"]["p_fit"], fits["neel_brown"]["p_fit"]):
            rows.append({"temp_c": sw["temp_c"], **{c: p[c] for c in ("bias_v", "t_set_s", "current_a", "k", "n",
                         "p_sw", "wilson_lo", "wilson_hi")}, "p_eq25": pe, "p_neel_brown": pn})
        e = fits["eq25"]
        temps.append({"t_c": sw["temp_c"], "delta": e["delta"], "ic0": e["ic0"], "tau0": e["tau0"],
                      "chi2": e["chi2"], "dof": e["dof"], "delta_derived": sw["stack"]["delta"],
                      "ic0_derived": sw["stack"]["ic0"], "neel_brown": {x: fits["neel_brown"][x] for x in
                                                                       ("delta", "ic0", "tau0", "chi2")},
                      "reset_wer": sw["reset"]["wer"], "reset_wer_wilson_hi": sw["reset"]["wilson_hi"]})
        if sw["temp_c"] == t_op:
            main_fit, main_sweep, main_waves = fits, sw, waves
    if main_fit is None:
        raise ValueError("config.llg.temperatures_c: no sweep at the operating temperature")
    e, nb = main_fit["eq25"], main_fit["neel_brown"]
    best = min(llg_fit.FORMS, key=lambda f: main_fit[f]["chi2"])
    meta = yaml.safe_load((PARAM_DIR / "sot_stack.yaml").read_text())
    out = {
        "schema_version": 1, "form": "eq25", "delta": e["delta"], "ic0": e["ic0"], "tau0": e["tau0"],
        "chi2": e["chi2"], "dof": e["dof"], "deviance": e["deviance"],
        "derived": {"delta": main_sweep["stack"]["delta"], "ic0": main_sweep["stack"]["ic0"]},
        "temp_c": t_op, "best_form": best,
        "forms": {f: {x: main_fit[f][x] for x in ("delta", "ic0", "tau0", "chi2", "dof", "deviance")}
                  for f in llg_fit.FORMS},
        "eq25_fits_badly": bool(e["chi2"] > e["dof"] + 3 * np.sqrt(2 * max(e["dof"], 1))),
        "reset": main_sweep["reset"], "driver_max_current_a": main_sweep["driver_max_current_a"],
        "track_resistance": main_sweep["stack"]["track_resistance"],
        "stack": {"name": meta["name"], "source": meta["source"]},
        "temperature": [{x: t[x] for x in ("t_c", "delta", "ic0", "tau0")} for t in temps],
        "provenance": common.provenance(cfg),
    }
    common.write_json(sm.output.fit, out)
    common.write_csv(sm.output.points, pd.DataFrame(rows))
    common.write_csv(sm.output.temperature, pd.DataFrame([{k: v for k, v in t.items() if k != "neel_brown"} |
                                                           {f"nb_{k}": v for k, v in t["neel_brown"].items()}
                                                           for t in temps]))

    fig, ax = plt.subplots(figsize=(7, 4.5))
    pts = main_sweep["points"]
    for scale in sorted({p["t_set_scale"] for p in pts}, reverse=True):
        sel = [j for j, p in enumerate(pts) if p["t_set_scale"] == scale]
        cur = np.array([pts[j]["current_a"] for j in sel])
        ps = np.array([pts[j]["p_sw"] for j in sel])
        err = np.array([[ps[q] - pts[j]["wilson_lo"], pts[j]["wilson_hi"] - ps[q]] for q, j in enumerate(sel)]).T
        mk = "o" if scale == 1.0 else "s"
        ax.errorbar(cur * 1e6, ps, yerr=err, fmt=mk, mfc="k" if scale == 1.0 else "none", color="k",
                    label=f"sLLG, t_set = {pts[sel[0]]['t_set_s'] * 1e9:.1f} ns")
        t_ref, i_ref = main_waves[sel[len(sel) // 2]]
        grid = np.linspace(cur.min() * 0.9, cur.max() * 1.05, 60)
        shape = i_ref / pts[sel[len(sel) // 2]]["current_a"]
        ws = [(t_ref, shape * g) for g in grid]
        for f, style in (("eq25", "-"), ("neel_brown", "--")):
            m = main_fit[f]
            ax.plot(grid * 1e6, llg_fit.p_switch(ws, m["delta"], m["ic0"], m["tau0"], f), style,
                    label=f"{f} fit ({scale:g}x): chi2/dof = {m['chi2']:.1f}/{m['dof']}" if scale == 1.0 else None)
        if scale == 1.0:
            d = main_sweep["stack"]
            ax.plot(grid * 1e6, llg_fit.p_switch(ws, d["delta"], d["ic0"], TAU0_CONVENTION, "eq25"), ":",
                    label=f"paper Eq. 25, derived Delta={d['delta']:.0f}, Ic0={d['ic0'] * 1e6:.0f} uA, tau0=1 ns")
    ax.set_xlabel("SET plateau track current [uA]")
    ax.set_ylabel("p_sw")
    ax.set_title(f"sLLG switching at {t_op:g} C: Eq. 25 fit Delta={e['delta']:.1f}, Ic0={e['ic0'] * 1e6:.0f} uA, "
                 f"tau0={e['tau0']:.2g} s", fontsize=9)
    ax.legend(fontsize=7)
    common.save_fig(sm.output.png, fig)


common.run_rule(snakemake, main)  # noqa: F821
