"""Rule rng_variation_chunk: variation Monte Carlo at each target bias (paper Sec. V-A, Eq. 24).
Sample i (i = chunk mod n_chunks) draws MTJ (RA, TMR, Delta, Ic0, track R) and H-bridge transistor
(Pelgrom dVth, W, L) deviations once and is simulated at every target bias (common random numbers)."""
import pandas as pd
from tqdm import tqdm

import common
from devices import rng_mc


def main(config, chunk, targets_csv, out):
    p, d, retries, sigma = rng_mc.from_config(config)
    v = config["rng"]["variation"]
    targets = pd.read_csv(targets_csv)
    rows = []
    for i in tqdm(range(chunk, v["n_samples"], v["n_chunks"]), desc=f"rng variation chunk {chunk}"):
        var = rng_mc.draw_variation(p, d, sigma, config["seed"], i)
        for _, tg in targets.iterrows():
            row = rng_mc.variation_row(p, d, float(tg["bias_v"]), var, retries)
            rows.append({"sample": i, "p_target": tg["p"], **row})
    common.write_csv(out[0], pd.DataFrame(rows))


if __name__ == "__main__":
    main(snakemake.config, int(snakemake.wildcards.chunk), snakemake.input.targets, snakemake.output)  # noqa: F821
