"""Rule rng_fit: merge the sweep, check the per-trial counts against the exact p, find the write bias of each
target p by bisection on the exact SPICE p (bracketed by the sweep) and re-simulate it; plot the cell's
p(I) beside its switching law (the form fitted to the sLLG solver, results/devices/llg_fit.json)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import common  # noqa: E402
from devices import mtj, rng_mc  # noqa: E402
from devices.spice import versions  # noqa: E402


BIAS_TOL_V = 2e-5  # bisection end: |p - target| <~ 1e-3 at the steepest dp/dV (~40 / V)


def bracket(sw: pd.DataFrame, target: float) -> tuple[float, float]:
    """Adjacent sweep biases whose exact p brackets `target` (the sweep spans p_min..p_max)."""
    b, p = sw["bias_v"].to_numpy(), sw["p_sw"].to_numpy()
    j = int(np.searchsorted(p, target))
    if not 0 < j < len(p):
        raise ValueError(f"config.rng.targets: p = {target} outside the swept range [{p[0]:.3g}, {p[-1]:.3g}] "
                         "(config.rng.sweep.p_min/p_max)")
    return float(b[j - 1]), float(b[j])


def main(config, inputs, out, llg_fit=None):
    p, d, retries, _ = rng_mc.from_config(config, llg_fit)
    sw = pd.concat([pd.read_csv(f) for f in inputs]).sort_values("bias_v").reset_index(drop=True)
    if "n_trials" not in sw:
        sw["n_trials"] = np.nan
    tr_rows = sw.dropna(subset=["n_trials"])
    sw["in_wilson"] = np.where(sw["n_trials"].notna(),
                               (sw["p_sw"] >= sw.get("wilson_lo", np.nan)) & (sw["p_sw"] <= sw.get("wilson_hi", np.nan)),
                               np.nan)
    common.write_csv(out.sweep, sw.drop(columns=["bits"], errors="ignore"))

    targets = []
    for k, pt in enumerate(config["rng"]["targets"]):
        b_t = rng_mc.bias_for_p(p, d, pt, *bracket(sw, pt), None, retries, tol=BIAS_TOL_V)
        chk = rng_mc.exact_point(p, d, b_t, None, retries)
        row = {"p": pt, "bias_v": b_t, "current_a": chk["current_a"], "p_exact_resim": chk["p_sw"]}
        if config["rng"]["verify_trials"] > 0:
            g = np.random.default_rng([config["seed"], 3, k])
            tri = rng_mc.trial_point(p, d, b_t, config["rng"]["verify_trials"], g, retries)
            row.update({k2: tri[k2] for k2 in ("n_trials", "k_switch", "p_trials", "wilson_lo", "wilson_hi",
                                                "sa_errors", "energy_per_bit_pj")})
            row["target_in_wilson"] = bool(tri["wilson_lo"] <= pt <= tri["wilson_hi"])
        targets.append(row)
    tg = pd.DataFrame(targets)
    common.write_csv(out.targets, tg)

    law = {"form": mtj.form_of(p), "delta": p["delta"], "ic0_a": p["ic0"], "tau0_s": p["tau0"],
           "source": str(llg_fit) if llg_fit else "devices/params/sot_mtj.yaml"}
    common.write_json(out.fit, {
        "pulse_s": d.t_set, "switching_law": law, "trial_points": int(len(tr_rows)),
        "trial_points_p_exact_in_wilson": int(np.nansum(sw["in_wilson"].astype(float))),
        "targets": targets, "provenance": common.provenance(config, **versions()),
    })

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].plot(sw["bias_v"], sw["current_a"] * 1e6, "o-")
    for r in targets:
        ax[0].axvline(r["bias_v"], ls=":", c="gray")
    ax[0].set_xlabel("write bias (MN2 gate) [V]")
    ax[0].set_ylabel("SET track current [uA]")
    ax[1].plot(sw["bias_v"], sw["p_sw"], "o-", label="exact p (law accumulator)")
    if len(tr_rows):
        lo = np.clip(tr_rows["p_trials"] - tr_rows["wilson_lo"], 0, None)  # Wilson bounds are rounded at k = 0, n
        hi = np.clip(tr_rows["wilson_hi"] - tr_rows["p_trials"], 0, None)
        ax[1].errorbar(tr_rows["bias_v"], tr_rows["p_trials"], yerr=[lo, hi], fmt="s", capsize=3,
                       label="SA bitstream (Wilson 95 %)")
    ax[1].plot(tg["bias_v"], tg["p"], "k*", ms=10, label="targets")
    ax[1].set_xlabel("write bias [V]")
    ax[1].set_ylabel("switching probability")
    ax[1].legend(fontsize=8)
    common.save_fig(out.sweep_png, fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    ii = np.linspace(sw["current_a"].min(), sw["current_a"].max(), 300)
    ax.semilogy(sw["current_a"] * 1e6, sw["p_sw"], "o", label="SPICE exact (measured SET waveform)")
    ax.semilogy(ii * 1e6, mtj.p_switch(ii, d.t_set, p["delta"], p["ic0"], p["tau0"], law["form"]), "-",
                label=f"{law['form']} law, constant current: Delta={p['delta']:.1f}, Ic0={p['ic0'] * 1e6:.1f} uA, "
                      f"tau0={p['tau0']:.2g} s")
    ax.set_ylim(1e-8, 2)
    ax.set_xlabel("SET plateau track current [uA]")
    ax.set_ylabel(f"p_sw ({d.t_set * 1e9:g} ns)")
    ax.legend(fontsize=8)
    common.save_fig(out.fit_png, fig)


if __name__ == "__main__":
    main(common.start(snakemake), list(snakemake.input.chunks), snakemake.output, llg_fit=snakemake.input.llg_fit)  # noqa: F821
