"""Benchmark: one 256-row XNOR crossbar column transient (17 popcount patterns) and variation-MC runs/s,
through devices.crossbar (in-process shared ngspice) vs a plain `ngspice -b` batch of the same netlist."""
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from devices import crossbar as xb

ROWS, PATTERNS, MC = int(sys.argv[1]) if len(sys.argv) > 1 else 256, 17, 3
VAR = {"variation": {"sigma_ra": 0.05, "sigma_tmr": 0.03, "sigma_rtrack": 0.05, "sigma_vth_mv": 30}}
spec = xb.ColumnSpec(rows=ROWS, mtj={"ra": 2e-9})


def case(seed):
    rng = np.random.default_rng(seed)
    w = rng.choice([-1, 1], ROWS)
    return w, xb.patterns_for(w, np.linspace(0, ROWS, PATTERNS).astype(int), rng), \
        xb.variation_from_config(VAR, ROWS, 1.0, rng)


def ours(seed):
    w, x, var = case(seed)
    return xb.column_currents(spec, w, x, var)


def batch(seed, tmp):
    w, x, var = case(seed)
    deck, out = Path(tmp) / f"c{seed}.cir", Path(tmp) / f"o{seed}.txt"
    net = xb.netlist(spec, w, x, var).rsplit(".end", 1)[0]
    deck.write_text(net + f".control\nrun\nwrdata {out} i(vsense)\n.endc\n.end\n")
    subprocess.run(["ngspice", "-b", str(deck)], capture_output=True)  # rc 1 on harmless model warnings
    t, i = np.loadtxt(out, usecols=(0, 1), unpack=True)
    return np.interp(xb.sample_times(spec, len(x)), t, i)


ours(99)  # load the shared library once (not timed: a pipeline pays it once per process)
with tempfile.TemporaryDirectory() as tmp:
    t0 = time.perf_counter(); a = ours(0); t_ours = time.perf_counter() - t0
    t0 = time.perf_counter(); b = batch(0, tmp); t_batch = time.perf_counter() - t0
    assert np.allclose(a, b, rtol=1e-4), "ours and ngspice -b disagree"
    t0 = time.perf_counter(); [ours(s) for s in range(1, MC + 1)]; mc_ours = MC / (time.perf_counter() - t0)
    t0 = time.perf_counter(); [batch(s, tmp) for s in range(1, MC + 1)]; mc_batch = MC / (time.perf_counter() - t0)
print(f"{'':24s}{'ours':>12s}{'ngspice -b':>12s}{'ratio':>8s}")
print(f"{'one column transient s':24s}{t_ours:12.2f}{t_batch:12.2f}{t_batch / t_ours:8.2f}")
print(f"{'MC columns / s':24s}{mc_ours:12.3f}{mc_batch:12.3f}{mc_ours / mc_batch:8.2f}")
print(f"crossbar_column R={ROWS} x {PATTERNS} patterns: {t_batch / t_ours:.2f}x "
      f"(ours {t_ours:.2f} s vs ngspice -b {t_batch:.2f} s; MC {mc_ours:.3f} vs {mc_batch:.3f} columns/s)")
