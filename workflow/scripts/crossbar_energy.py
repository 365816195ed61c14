"""Rule crossbar_energy: energy and latency of one column read at popcounts 0, R/2, R (ngspice supplies)."""
import json
from dataclasses import replace

import numpy as np

import common
from devices import crossbar as xb
from devices.spice import versions

cfg = snakemake.config  # noqa: F821
c, R = cfg["crossbar"], int(snakemake.wildcards.rows)  # noqa: F821
tr = json.loads(open(snakemake.input.transfer).read())  # noqa: F821
e = c["energy"]
spec = replace(xb.spec_from_config(c, cfg["spice"], R), t_slot=e["t_read_ps"] * 1e-12, t_step=e["t_step_ps"] * 1e-12)
rng = np.random.default_rng(np.random.SeedSequence([cfg["seed"], R, 4]))
w = rng.choice([-1, 1], R)
pops = sorted({0, R // 2, R})
x = xb.patterns_for(w, pops, rng)
reads = [{"popcount": int(p), **xb.read_energy(spec, w, xi, tr["lsb_a"], retries=cfg["spice"]["max_retries"])}
         for p, xi in zip(pops, x)]
mid = next(r for r in reads if r["popcount"] == R // 2)
out = {"rows": R, "t_read_ns": spec.t_slot * 1e9, "reads": reads,
       "column_read_pj": mid["energy_j"] * 1e12,
       "column_read_lines_pj": mid["energy_read_lines_j"] * 1e12, "column_wordline_pj": mid["energy_wordline_j"] * 1e12,
       "column_read_pj_per_popcount": float(np.polyfit([r["popcount"] for r in reads],
                                                       [r["energy_j"] * 1e12 for r in reads], 1)[0]),
       "latency_ns": max(r["latency_s"] for r in reads) * 1e9,
       "provenance": common.provenance(cfg, **versions())}
common.write_json(snakemake.output.json, out)  # noqa: F821
with open(snakemake.log[0], "w") as fh:  # noqa: F821
    fh.write(json.dumps(out["reads"]) + "\n")
