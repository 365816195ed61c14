"""Rule crossbar_column: nominal column of `rows` rows. Transfer: current vs popcount with and without wire
parasitics, linearity (Sec. V-C). Energy: one read at popcounts 0, R/2, R from the ngspice supplies."""
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import common  # noqa: E402
from devices import crossbar as xb  # noqa: E402
from devices import crossbar_adc as xa  # noqa: E402
from devices.spice import versions  # noqa: E402

cfg = common.start(snakemake)  # noqa: F821
c, R = cfg["crossbar"], int(snakemake.wildcards.rows)  # noqa: F821
spec = xb.spec_from_config(c, cfg["spice"], R)
flat = replace(spec, r_wire=0.0, c_wire=0.0)
rng = np.random.default_rng(np.random.SeedSequence([cfg["seed"], R, 1]))
pops = np.unique(np.round(np.linspace(0, R, min(c["transfer"]["popcounts"], R + 1))).astype(int))
recs = []
for s in range(c["transfer"]["pattern_sets"]):
    w = rng.choice([-1, 1], R)
    x = xb.patterns_for(w, pops, rng)
    i_w = xb.column_currents(spec, w, x, retries=cfg["spice"]["max_retries"])
    i_0 = xb.column_currents(flat, w, x, retries=cfg["spice"]["max_retries"])
    recs += [{"set": s, "popcount": int(p), "current_a": a, "current_no_wire_a": b} for p, a, b in zip(pops, i_w, i_0)]
df = pd.DataFrame(recs)
fit = xa.fit_transfer(df.popcount, df.current_a)
fit0 = xa.fit_transfer(df.popcount, df.current_no_wire_a)
ir = (df.current_a - df.current_no_wire_a).abs().max() / abs(fit0["lsb_a"])
out = {"rows": R, **fit, "no_wire": fit0, "ir_drop_max_error_popcount": float(ir),
       "ir_drop_gain_loss": 1.0 - fit["lsb_a"] / fit0["lsb_a"],
       "provenance": common.provenance(cfg, **versions())}
common.write_csv(snakemake.output.csv, df)  # noqa: F821
common.write_json(snakemake.output.json, out)  # noqa: F821

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(df.popcount, df.current_a * 1e6, ".", label="with wire R/C")
ax.plot(df.popcount, df.current_no_wire_a * 1e6, "x", ms=4, label="no wire parasitics")
pp = np.arange(R + 1)
ax.plot(pp, np.polynomial.polynomial.polyval(pp, fit["linear"]) * 1e6, "-", lw=0.8, label="linear fit")
ax.set(xlabel="popcount (XNOR matches)", ylabel="sense current (uA)",
       title=f"R={R}: R2={fit['r2']:.6f}, max err {fit['max_error_popcount']:.3f} LSB, IR {ir:.2f} LSB")
ax.title.set_fontsize(8)
ax.legend(fontsize=7)
common.save_fig(snakemake.output.png, fig)  # noqa: F821

e = c["energy"]
espec = replace(spec, t_slot=e["t_read_ps"] * 1e-12, t_step=e["t_step_ps"] * 1e-12)
rng = np.random.default_rng(np.random.SeedSequence([cfg["seed"], R, 4]))
w = rng.choice([-1, 1], R)
epops = sorted({0, R // 2, R})
reads = [{"popcount": int(p), **xb.read_energy(espec, w, xi, fit["lsb_a"], retries=cfg["spice"]["max_retries"])}
         for p, xi in zip(epops, xb.patterns_for(w, epops, rng))]
mid = next(r for r in reads if r["popcount"] == R // 2)
energy = {"rows": R, "t_read_ns": espec.t_slot * 1e9, "reads": reads, "column_read_pj": mid["energy_j"] * 1e12,
          "column_read_lines_pj": mid["energy_read_lines_j"] * 1e12,
          "column_wordline_pj": mid["energy_wordline_j"] * 1e12,
          "column_read_pj_per_popcount": float(np.polyfit([r["popcount"] for r in reads],
                                                          [r["energy_j"] * 1e12 for r in reads], 1)[0]),
          "array": {k[:-2] + "_pj": v * 1e12 for k, v in xb.array_energy(mid, espec, c["cols"]).items()},
          "latency_ns": max(r["latency_s"] for r in reads) * 1e9, "provenance": out["provenance"]}
common.write_json(snakemake.output.energy, energy)  # noqa: F821
with open(snakemake.log[0], "w") as fh:  # noqa: F821
    fh.write(f"rows={R} r2={fit['r2']} max_err={fit['max_error_popcount']} ir_drop={ir}\n"
             f"energy reads: {reads}\n")
