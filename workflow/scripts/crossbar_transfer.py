"""Rule crossbar_transfer: column current vs popcount (with and without wire parasitics), linearity."""
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

cfg = snakemake.config  # noqa: F821
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
with open(snakemake.log[0], "w") as fh:  # noqa: F821
    fh.write(f"rows={R} r2={fit['r2']} max_err={fit['max_error_popcount']} ir_drop={ir}\n")
