"""Rule crossbar_adc: b-bit ADC on the nominal transfer curve -> popcount error model (confusion)."""
import json

import numpy as np
import pandas as pd

import common
from devices import crossbar_adc as xa

cfg = snakemake.config  # noqa: F821
wc = snakemake.wildcards  # noqa: F821
R, bits, level = int(wc.rows), int(wc.bits), float(wc.var)
tr = json.loads(open(snakemake.input.transfer).read())  # noqa: F821
df = pd.concat([pd.read_csv(f) for f in snakemake.input.samples], ignore_index=True)  # noqa: F821
coef = tr["coefficients"]
noise = xa.fit_noise(df.popcount.to_numpy(), df.current_a.to_numpy(), coef)
model = xa.error_model(coef, noise, R, bits)
thr, recon = np.array(model["thresholds_a"]), np.array(model["codes_popcount"])
emp = xa.convert(df.current_a.to_numpy(), thr, recon) - df.popcount.to_numpy()
out = {"rows": R, "adc_bits": bits, "variation_level": level, "transfer_coefficients": coef, "noise": noise,
       "n_samples": int(len(df)), "empirical_error_rate": float((emp != 0).mean()),
       "empirical_mean": float(emp.mean()), "empirical_sigma": float(emp.std()), **model,
       "provenance": common.provenance(cfg)}
common.write_json(snakemake.output.json, out)  # noqa: F821
conf = [{"popcount": p, "offset": o, "prob": q} for p, (offs, prs) in enumerate(zip(model["offsets"], model["probs"]))
        for o, q in zip(offs, prs)]
common.write_csv(snakemake.output.csv, pd.DataFrame(conf))  # noqa: F821
