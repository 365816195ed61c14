"""Rule rng_sensitivity: p at -1/+1 sigma of each varied parameter alone, at every target bias
(which variation source moves the dropout probability of Eq. 24 how much)."""
import pandas as pd

import common
from devices import rng_mc


def main(config, targets_csv, out, llg_fit=None):
    p, d, retries, sigma = rng_mc.from_config(config, llg_fit)
    tg = pd.read_csv(targets_csv)
    rows = rng_mc.sensitivity(p, d, tg["bias_v"], tg["p"].tolist(), sigma, retries)
    common.write_csv(out[0], pd.DataFrame(rows))


if __name__ == "__main__":
    main(common.start(snakemake), snakemake.input.targets, snakemake.output, llg_fit=snakemake.input.llg_fit)  # noqa: F821
