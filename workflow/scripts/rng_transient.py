"""Rule rng_transient: waveforms, energy per SET/RESET/read from the source currents, the measured read
path (MTJ current during the SA pre-charge, read current pulse, SA decision time) and the sample latency
RESET start -> SA decision, at the write bias of the target nearest p = 0.5."""
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import common  # noqa: E402
from devices import rng_cell, rng_mc  # noqa: E402
from devices.spice import versions  # noqa: E402

PAPER_ENERGY_PJ, PAPER_LATENCY_NS = 3.80, 15.0  # Table II (Spintronic RNG); Sec. V-B SET 10 ns + RESET 5 ns
READ_TSTEP = 10e-12  # s, resolves the ~0.1 ns SA decision


def main(config, out, targets_csv=None, llg_fit=None):
    p, d, retries, _ = rng_mc.from_config(config, llg_fit)
    if targets_csv is not None:
        tg = pd.read_csv(targets_csv)
        d = replace(d, vbias=float(tg.loc[(tg["p"] - 0.5).abs().idxmin(), "bias_v"]))
    d = replace(d, tstep=min(d.tstep, READ_TSTEP))
    th = [1e-3, 100.0]  # cycle 0 switches (P->AP, read 1), cycle 1 does not (read 0)
    tr = rng_cell.simulate(p, d, th, None, retries, title="rng_transient")
    bits = rng_cell.read_bits(tr, d, 2).tolist()
    state = rng_cell.state_bits(tr, d, 2).tolist()
    if bits != [1, 0] or state != [1, 0]:
        raise RuntimeError(f"rng_transient: expected state/SA bits [1, 0], got state {state}, SA {bits}")
    cycles = [rng_cell.phase_energy(tr, d, k) for k in range(2)]
    energy = {ph: float(np.mean([c[ph] for c in cycles])) for ph in ("reset", "set", "read")}
    reads = [rng_cell.read_path(tr, d, k) for k in range(2)]  # cycle 0 reads AP, cycle 1 reads P
    latency = max(r["decided_at_s"] - d.windows(k)["reset"][0] for k, r in enumerate(reads))
    if any(r["decided_at_s"] > d.windows(k)["read"][1] - d.t_edge for k, r in enumerate(reads)):
        raise RuntimeError("rng_transient: the SA decides after the read window closes; lengthen t_read")
    t = tr.time
    res = {
        "bias_v": d.vbias,
        "set_switching": rng_cell.set_switching(tr, p, d, 1),
        "energy_pj": {k: v * 1e12 for k, v in energy.items()},
        "energy_per_bit_pj": sum(energy.values()) * 1e12,
        "energy_per_cycle_pj": {"switched": sum(cycles[0].values()) * 1e12,
                                "not_switched": sum(cycles[1].values()) * 1e12},
        "latency_ns": latency * 1e9,
        "latency_basis": "measured: RESET start -> SA latch decision (|out - outb| = VDD/2), slower of AP/P reads",
        "sa_decision_ns": max(r["sa_decision_s"] for r in reads) * 1e9,
        "read_path": {"ap": {k: v for k, v in reads[0].items()}, "p": {k: v for k, v in reads[1].items()},
                      "precharge_i_max_a": max(r["precharge_i_max_a"] for r in reads),
                      "read_i_peak_a": max(r["read_i_peak_a"] for r in reads),
                      "read_t_eff_s": max(r["read_t_eff_s"] for r in reads),
                      "read_current_direction": "select -> MTJ top -> track (free layer side)",
                      "basis": "i(Vrdm) in series with the MTJ; t_eff = charge / peak current"},
        "cycle_period_ns": d.period * 1e9,
        "tstep_s": d.tstep,
        "paper_energy_pj": PAPER_ENERGY_PJ, "paper_latency_ns": PAPER_LATENCY_NS,
        "timing_ns": {"t_reset": d.t_reset * 1e9, "t_set": d.t_set * 1e9, "t_read": d.t_read * 1e9,
                      "t_precharge": d.t_precharge * 1e9, "t_gap": d.t_gap * 1e9},
        "provenance": common.provenance(config, **versions()),
    }
    common.write_json(out.json, res)

    fig, ax = plt.subplots(4, 1, figsize=(8, 8), sharex=True)
    ns = t * 1e9
    for n in ("gp1", "gn1", "gp2", "gn2"):
        ax[0].plot(ns, tr[n], label=n)
    ax[0].set_ylabel("H-bridge gates [V]")
    ax[0].legend(ncol=4, fontsize=7)
    ax[1].plot(ns, tr["i(vtrk)"] * 1e6, label="track (write)")
    ax[1].plot(ns, tr["i(vrdm)"] * 1e6, label="MTJ (read)")
    ax[1].set_ylabel("current [uA]")
    ax[1].legend(fontsize=7)
    ax[2].plot(ns, tr["m"], label="m (1 = AP)")
    ax[2].plot(ns, np.minimum(tr["xmtj.hs"], 2), label=f"accumulator hs, {p['form']} law (clipped 2)")
    ax[2].plot(ns, np.minimum(tr["th"], 2), "--", label="threshold (clipped 2)")
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
    main(common.start(snakemake), snakemake.output, targets_csv=snakemake.input.targets, llg_fit=snakemake.input.llg_fit)  # noqa: F821
