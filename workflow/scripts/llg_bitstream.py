"""Rule llg_bitstream: >= 1e5-bit streams with sLLG RESET failures (bias vs target p, lag-1 autocorrelation
with its +-3/sqrt(n) band) and the read-disturb probability per read from the solver (Sec. V-B cell): at
the configured read currents, and at the cell's measured read pulse (rng_transient.json: the larger peak
MTJ current of the P and AP reads held for the longer of their spans above 10 % of the peak: an upper
bound)."""
import json
from pathlib import Path

import common
import numpy as np
import pandas as pd

from devices import llg, llg_drive


def main(sm):
    cfg = sm.params.cfg
    c = cfg["llg"]
    sweep = json.loads(Path(sm.input.sweep).read_text())
    t_op = float(cfg["spice"]["temperature_c"])
    stack = llg.load_stack(c["stack"], t_op, c.get("stack_file"))
    wer = sweep["reset"]["wer"]
    pts = [p for p in sweep["points"] if p["t_set_scale"] == 1.0]
    bias = np.array([p["bias_v"] for p in pts])
    p_sw = np.array([p["p_sw"] for p in pts])
    rows = []
    for j, target in enumerate(c["bitstream"]["targets"]):
        # write bias for the target from the sLLG points (monotone in bias; linear interpolation)
        b = float(np.interp(target, np.maximum.accumulate(p_sw), bias))
        p_set = float(np.interp(b, bias, p_sw))
        bs = llg_drive.bitstream(p_set, wer, c["bitstream"]["n_bits"], int(cfg["seed"]) * 100 + j)
        rows.append({"target_p": target, "bias_v": b, **bs})
    common.write_csv(sm.output.bitstream, pd.DataFrame(rows))

    cell = json.loads(Path(sm.input.transient).read_text())["read_path"]
    i_cell, t_cell = (max(cell[s][k] for s in ("p", "ap")) for k in ("read_i_peak_a", "read_t_span_s"))
    pulses = [(i * 1e-6, c["read"]["t_read_ns"] * 1e-9, "config llg.read") for i in c["read"]["currents_ua"]]
    pulses.append((i_cell, t_cell, "measured: rng_transient.json read_path (larger peak, longer span)"))
    reads = [{**llg_drive.read_disturb_probability(i, t, t_op, stack, c["read"]["trials"], c["dt_ps"] * 1e-12,
                                                   int(cfg["seed"]) + q), "source": src}
             for q, (i, t, src) in enumerate(pulses)]
    common.write_csv(sm.output.read, pd.DataFrame(reads))
    cell_read = {**reads[-1], "p_disturb_upper95": max(reads[-1]["p_law"], reads[-1]["wilson_hi_sllg"])}
    common.write_json(sm.output.summary, {"schema_version": 2, "reset_wer": wer, "bitstream": rows,
                                          "read_disturb": reads, "read_disturb_cell": cell_read,
                                          "provenance": common.provenance(cfg)})


common.run_rule(snakemake, main)  # noqa: F821
