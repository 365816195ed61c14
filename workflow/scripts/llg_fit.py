"""Rule llg_fit: fit the switching laws (paper Eq. 25, precessional; devices/mtj.py) to the sLLG
switch counts of all SET widths (binomial chi^2) at every temperature. The form that fits best at the
operating temperature becomes the cell's law: the behavioural SPICE MTJ (netlists/sot_mtj.lib) runs it with
the fitted parameters, per temperature. Eq. 25 fitted to the cell's SET width alone (the paper's use) and
the derived Delta, Ic0 of the stack are reported beside it."""
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import common
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from devices import llg, llg_fit
from devices.params import param_file

TAU0_CONVENTION = 1e-9  # s, attempt-time convention of devices/params/sot_mtj.yaml (plot of the paper's form only)
KEYS = ("delta", "ic0", "tau0", "chi2", "dof", "deviance")
TAU0_PROFILE = (1e-10, 1e-9, 1e-8, 1e-6)  # s: Eq. 25 refitted with tau0 held (is the free tau0 physical?)


def _fit(points, form, ic0, tau0=None):
    waves = [(np.array(p["wave_t"]), np.array(p["wave_i"])) for p in points]
    k, n = np.array([p["k"] for p in points]), np.array([p["n"] for p in points])
    return llg_fit.fit(waves, k, n, form, ic0, tau0)


def _badly(f):
    """chi^2 beyond its 3-sigma range (mean dof, variance 2 dof)."""
    return bool(f["chi2"] > f["dof"] + 3 * np.sqrt(2 * max(f["dof"], 1)))


def _summary(f):
    return {**{x: f[x] for x in KEYS}, "fits_badly": _badly(f)}


def main(sm):
    cfg = sm.params.cfg
    t_op = float(cfg["spice"]["temperature_c"])
    sweeps = sorted((json.loads(Path(f).read_text()) for f in sm.input.sweeps), key=lambda s: s["temp_c"])
    fits = {sw["temp_c"]: {f: _fit(sw["points"], f, sw["stack"]["ic0"]) for f in llg_fit.FORMS} for sw in sweeps}
    if t_op not in fits:
        raise ValueError("config.llg.temperatures_c: no sweep at the operating temperature")
    law = min(llg_fit.FORMS, key=lambda f: fits[t_op][f]["chi2"])  # the form the cell runs
    rows, temps = [], []
    for sw in sweeps:
        allf = fits[sw["temp_c"]]
        for j, p in enumerate(sw["points"]):
            rows.append({"temp_c": sw["temp_c"], **{c: p[c] for c in ("bias_v", "t_set_s", "current_a", "k", "n",
                         "p_sw", "wilson_lo", "wilson_hi")}, **{f"p_{f}": allf[f]["p_fit"][j] for f in llg_fit.FORMS}})
        temps.append({"t_c": sw["temp_c"], "form": law, **{x: allf[law][x] for x in ("delta", "ic0", "tau0", "chi2", "dof")},
                      "delta_derived": sw["stack"]["delta"], "ic0_derived": sw["stack"]["ic0"],
                      "reset_wer": sw["reset"]["wer"], "reset_wer_wilson_lo": sw["reset"]["wilson_lo"],
                      "reset_wer_wilson_hi": sw["reset"]["wilson_hi"],
                      **{f"{f}_{x}": allf[f][x] for f in llg_fit.FORMS for x in ("delta", "ic0", "tau0", "chi2", "dof")}})
    sw = next(s for s in sweeps if s["temp_c"] == t_op)
    best = fits[t_op][law]
    cell_pts = [p for p in sw["points"] if p["t_set_scale"] == 1.0]
    ic0_d = sw["stack"]["ic0"]
    eq25_cell = _fit(cell_pts, "eq25", ic0_d)
    profile = [{x: f[x] for x in KEYS} for f in (_fit(cell_pts, "eq25", ic0_d, t) for t in TAU0_PROFILE)]
    law_cell = [q for p, q in zip(sw["points"], best["p_fit"]) if p["t_set_scale"] == 1.0]  # fitted p, cell width
    meta = param_file("sot_stack", cfg["llg"].get("stack_file"))
    out = {
        "schema_version": 2, "form": law, "t_set_s": cell_pts[0]["t_set_s"],
        "delta": best["delta"], "ic0": best["ic0"], "tau0": best["tau0"],
        "chi2": best["chi2"], "dof": best["dof"], "deviance": best["deviance"], "fits_badly": _badly(best),
        "eq25_cell_width": {**_summary(eq25_cell), "tau0_profile": profile},
        "cell_points": [{"current_a": p["current_a"], "k": p["k"], "n": p["n"], "p_sw": p["p_sw"], "p_fit": float(q),
                         "p_eq25_cell_width": r} for p, q, r in zip(cell_pts, law_cell, eq25_cell["p_fit"])],
        "derived": {"delta": sw["stack"]["delta"], "ic0": ic0_d},
        "temp_c": t_op,
        "all_widths": {"t_set_s": sorted({p["t_set_s"] for p in sw["points"]}), "best_form": law,
                       "forms": {f: _summary(fits[t_op][f]) for f in llg_fit.FORMS}},
        "reset": sw["reset"], "driver_max_current_a": sw["driver_max_current_a"],
        "track_resistance": sw["stack"]["track_resistance"], "pillar": llg.load_stack(cfg["llg"]["stack"], t_op, cfg["llg"].get("stack_file")).pillar,
        "stack": {"name": meta["name"], "source": meta["source"]},
        "temperature": [{x: t[x] for x in ("t_c", "delta", "ic0", "tau0", "chi2", "dof")} for t in temps],
        "provenance": common.provenance(cfg),
    }
    common.write_json(sm.output.fit, out)
    common.write_csv(sm.output.points, pd.DataFrame(rows))
    common.write_csv(sm.output.temperature, pd.DataFrame(temps))
    _plot(sm.output.png, sw, eq25_cell, fits[t_op], law, t_op)


def _plot(path, sw, cell, allf, law, t_op):
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    pts = sw["points"]
    for scale in sorted({p["t_set_scale"] for p in pts}, reverse=True):
        sel = [p for p in pts if p["t_set_scale"] == scale]
        cur = np.array([p["current_a"] for p in sel])
        ps = np.array([p["p_sw"] for p in sel])
        err = np.clip([ps - [p["wilson_lo"] for p in sel], [p["wilson_hi"] for p in sel] - ps], 0, 1)
        ax.errorbar(cur * 1e6, ps, yerr=err, fmt="o" if scale == 1.0 else "s", color="k",
                    mfc="k" if scale == 1.0 else "none", label=f"sLLG, t_set = {sel[0]['t_set_s'] * 1e9:.1f} ns")
        ref = sel[len(sel) // 2]
        shape = np.array(ref["wave_i"]) / ref["current_a"]
        grid = np.linspace(cur.min() * 0.9, cur.max() * 1.05, 60)
        ws = [(np.array(ref["wave_t"]), shape * g) for g in grid]
        curves = [(f, allf[f], "-" if f == law else "--", f"C{j}", False) for j, f in enumerate(llg_fit.FORMS)]
        if scale == 1.0:
            curves.append(("eq25", cell, "-.", "C1", True))
        for form, m, style, color, width_only in curves:
            lab = None
            if scale == 1.0:
                lab = (f"Eq. 25 fit to {ref['t_set_s'] * 1e9:.0f} ns only" if width_only else
                       f"{form} fit, all widths" + (" (the cell's law)" if form == law else "")) + \
                    f": chi2/dof = {m['chi2']:.0f}/{m['dof']}"
            ax.plot(grid * 1e6, llg_fit.p_switch(ws, m["delta"], m["ic0"], m["tau0"], form), style, color=color,
                    label=lab)
        if scale == 1.0:
            d = sw["stack"]
            ax.plot(grid * 1e6, llg_fit.p_switch(ws, d["delta"], d["ic0"], TAU0_CONVENTION, "eq25"), ":", color="C3",
                    label=f"paper Eq. 25, derived Delta={d['delta']:.0f}, Ic0={d['ic0'] * 1e6:.0f} uA, tau0=1 ns")
    ax.set_xlabel("SET plateau track current [uA]")
    ax.set_ylabel("p_sw")
    b = allf[law]
    ax.set_title(f"sLLG switching at {t_op:g} C; cell law {law}: Delta={b['delta']:.1f}, "
                 f"Ic0={b['ic0'] * 1e6:.0f} uA, tau0={b['tau0']:.2g} s", fontsize=9)
    ax.legend(fontsize=7)
    common.save_fig(path, fig)


common.run_rule(snakemake, main)  # noqa: F821
