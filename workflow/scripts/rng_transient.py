"""Rule rng_transient: waveforms, energy per SET/RESET/read from the source currents, sample latency."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import common  # noqa: E402
from devices import rng_cell, rng_mc  # noqa: E402
from devices.spice import versions  # noqa: E402

PAPER_ENERGY_PJ, PAPER_LATENCY_NS = 3.80, 15.0  # Table II (Spintronic RNG); Sec. V-B SET 10 ns + RESET 5 ns


def main(config, out):
    p, d, retries, _ = rng_mc.from_config(config)
    th = [1e-3, 100.0]  # cycle 0 switches (P->AP, read 1), cycle 1 does not (read 0)
    tr = rng_cell.simulate(p, d, th, None, retries, title="rng_transient")
    bits = rng_cell.read_bits(tr, d, 2).tolist()
    state = rng_cell.state_bits(tr, d, 2).tolist()
    if bits != [1, 0] or state != [1, 0]:
        raise RuntimeError(f"rng_transient: expected state/SA bits [1, 0], got state {state}, SA {bits}")
    cycles = [rng_cell.phase_energy(tr, d, k) for k in range(2)]
    energy = {ph: float(np.mean([c[ph] for c in cycles])) for ph in ("reset", "set", "read")}
    # SA decision time: from the SA enable to q crossing VDD/2 in the switched cycle
    w = d.windows(0)
    t, q = tr.time, tr["q"]
    sen = w["read"][0] + d.t_sense_delay
    after = np.nonzero((t > sen) & (q > d.vdd / 2))[0]
    t_q = float(t[after[0]]) if after.size else float("nan")
    latency = t_q - w["reset"][0]
    res = {
        "bias_v": d.vbias,
        "set_hazard": rng_cell.set_hazard(tr, p, d, 1),
        "energy_pj": {k: v * 1e12 for k, v in energy.items()},
        "energy_per_bit_pj": sum(energy.values()) * 1e12,
        "energy_per_cycle_pj": {"switched": sum(cycles[0].values()) * 1e12,
                                "not_switched": sum(cycles[1].values()) * 1e12},
        "latency_ns": latency * 1e9,
        "sa_decision_ns": (t_q - sen) * 1e9,
        "cycle_period_ns": d.period * 1e9,
        "paper_energy_pj": PAPER_ENERGY_PJ, "paper_latency_ns": PAPER_LATENCY_NS,
        "timing_ns": {"t_reset": d.t_reset * 1e9, "t_set": d.t_set * 1e9, "t_read": d.t_read * 1e9,
                      "t_gap": d.t_gap * 1e9},
        "provenance": common.provenance(config, **versions()),
    }
    common.write_json(out.json, res)

    fig, ax = plt.subplots(4, 1, figsize=(8, 8), sharex=True)
    ns = t * 1e9
    for n in ("gp1", "gn1", "gp2", "gn2"):
        ax[0].plot(ns, tr[n], label=n)
    ax[0].set_ylabel("H-bridge gates [V]")
    ax[0].legend(ncol=4, fontsize=7)
    ax[1].plot(ns, tr["i(vtrk)"] * 1e6)
    ax[1].set_ylabel("track current [uA]")
    ax[2].plot(ns, tr["m"], label="m (1 = AP)")
    ax[2].plot(ns, np.minimum(tr["xmtj.hs"], 2), label="hazard hs (clipped 2)")
    ax[2].plot(ns, np.minimum(tr["th"], 2), "--", label="threshold -ln u (clipped 2)")
    ax[2].legend(fontsize=7)
    for n in ("sen", "out", "outb", "q"):
        ax[3].plot(ns, tr[n], label=n)
    ax[3].set_ylabel("sense amp [V]")
    ax[3].legend(ncol=4, fontsize=7)
    ax[3].set_xlabel("time [ns]")
    fig.suptitle(f"RESET/SET/read x2 at vbias={d.vbias:.3f} V: {res['energy_per_bit_pj']:.2f} pJ/bit "
                 f"(paper {PAPER_ENERGY_PJ}), latency {res['latency_ns']:.1f} ns (paper {PAPER_LATENCY_NS})")
    common.save_fig(out.png, fig)


if __name__ == "__main__":
    main(common.start(snakemake), snakemake.output)  # noqa: F821
