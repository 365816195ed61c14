"""Rule rng_sweep_chunk: exact p_sw (the switching law's accumulator over the SPICE track current) per write
bias, plus per-trial SET/RESET/read runs (switch count, Wilson interval) where p is in the trial range. The
biases span the range where the exact p goes from sweep.p_min to sweep.p_max (law from the sLLG fit)."""
import numpy as np
import pandas as pd
from tqdm import tqdm

import common
from devices import rng_mc


def main(config, chunk, out, llg_fit=None):
    sw = config["rng"]["sweep"]
    p, d, retries, _ = rng_mc.from_config(config, llg_fit)
    all_b = rng_mc.sweep_biases(p, d, sw, retries)
    rows = []
    for j in tqdm(range(chunk, len(all_b), sw["n_chunks"]), desc=f"rng sweep chunk {chunk}"):
        row = {"point": j, **rng_mc.exact_point(p, d, all_b[j], None, retries)}
        if sw["trials"] > 0 and sw["trial_p_min"] <= row["p_sw"] <= sw["trial_p_max"]:
            g = np.random.default_rng([config["seed"], 1, j])
            row.update(rng_mc.trial_point(p, d, all_b[j], sw["trials"], g, retries))
        rows.append(row)
    common.write_csv(out[0], pd.DataFrame(rows))


if __name__ == "__main__":
    main(common.start(snakemake), int(snakemake.wildcards.chunk), snakemake.output, llg_fit=snakemake.input.llg_fit)  # noqa: F821
