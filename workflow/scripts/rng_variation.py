"""Rule rng_variation_chunk: variation Monte Carlo at each target bias (paper Sec. V-A, Eq. 24).
Sample i (i = chunk mod n_chunks) draws MTJ (RA, TMR, Delta, Ic0, track R) and H-bridge transistor
(Pelgrom dVth, W, L) deviations once and is simulated at every target bias (common random numbers):
raw p at the nominal bias and, with rng.variation.calibrate, p after the one-time bias trim."""
import numpy as np
import pandas as pd
from tqdm import tqdm

import common
from devices import rng_mc


def main(config, chunk, targets_csv, out, llg_fit=None):
    p, d, retries, sigma = rng_mc.from_config(config, llg_fit)
    v = config["rng"]["variation"]
    cal = v["calibration"] if v["calibrate"] else None
    tg = pd.read_csv(targets_csv)
    rows = []
    for i in tqdm(range(chunk, v["n_samples"], v["n_chunks"]), desc=f"rng variation chunk {chunk}"):
        var = rng_mc.draw_variation(p, d, sigma, config["seed"], i)
        g = np.random.default_rng([config["seed"], 4, i])  # calibration counts of this sample
        for row in rng_mc.variation_rows(p, d, tg["bias_v"], tg["p"].tolist(), var, cal, g, retries):
            rows.append({"sample": i, **row})
    common.write_csv(out[0], pd.DataFrame(rows))


if __name__ == "__main__":
    main(common.start(snakemake), int(snakemake.wildcards.chunk), snakemake.input.targets, snakemake.output, llg_fit=snakemake.input.llg_fit)  # noqa: F821
