"""Rule crossbar_mc: device-variation Monte Carlo of one column height, level and chunk of columns."""
import numpy as np
import pandas as pd
from tqdm import tqdm

import common
from devices import crossbar as xb

cfg = common.start(snakemake)  # noqa: F821
c, wc = cfg["crossbar"], snakemake.wildcards  # noqa: F821
R, level, chunk = int(wc.rows), float(wc.var), int(wc.chunk)
spec = xb.spec_from_config(c, cfg["spice"], R)
pops = np.unique(np.round(np.linspace(0, R, min(c["mc"]["popcounts"], R + 1))).astype(int))
recs = []
for k in tqdm(range(c["mc"]["samples"]), desc=f"crossbar MC R={R} level={level:g} chunk={chunk}"):
    sample = chunk * c["mc"]["samples"] + k
    # devices drawn from a stream independent of the level: common random numbers across levels
    dev = np.random.default_rng(np.random.SeedSequence([cfg["seed"], R, 2, sample]))
    pat = np.random.default_rng(np.random.SeedSequence([cfg["seed"], R, 3, sample]))
    var = xb.variation_from_config(c, R, level, dev)
    w = pat.choice([-1, 1], R)
    x = xb.patterns_for(w, pops, pat)
    i = xb.column_currents(spec, w, x, var, retries=cfg["spice"]["max_retries"])
    recs += [{"rows": R, "variation_level": level, "sample": sample, "popcount": int(p), "current_a": a}
             for p, a in zip(pops, i)]
common.write_csv(snakemake.output.csv, pd.DataFrame(recs))  # noqa: F821
with open(snakemake.log[0], "w") as fh:  # noqa: F821
    fh.write(f"rows={R} level={level} chunk={chunk} samples={c['mc']['samples']}\n")
