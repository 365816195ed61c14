"""Benchmark: one 256-row XNOR crossbar column transient (17 popcount patterns) and variation-MC runs/s,
through devices.crossbar (in-process shared ngspice) vs a plain `ngspice -b` batch of the same netlist.
Wall and CPU seconds (CPU: this process for ours, the ngspice children for the batch; robust on a busy host)."""
import resource
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
    deck.write_text(net + f".control\nset num_threads=1\nrun\nwrdata {out} i(vsense)\n.endc\n.end\n")  # as ours
    subprocess.run(["ngspice", "-b", str(deck)], capture_output=True)  # rc 1 on harmless model warnings
    t, i = np.loadtxt(out, usecols=(0, 1), unpack=True)
    return np.interp(xb.sample_times(spec, len(x)), t, i)


def clock(fn, seeds, child=False):
    """(wall s, CPU s) of fn over seeds; CPU of this process, or of finished children if `child`."""
    def cpu():
        r = resource.getrusage(resource.RUSAGE_CHILDREN if child else resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime
    w0, c0 = time.perf_counter(), cpu()
    out = [fn(s) for s in seeds]
    return time.perf_counter() - w0, cpu() - c0, out


ours(99)  # load the shared library once (not timed: a pipeline pays it once per process)
with tempfile.TemporaryDirectory() as tmp:
    w_ours, c_ours, (a,) = clock(ours, [0])
    w_batch, c_batch, (b,) = clock(lambda s: batch(s, tmp), [0], child=True)
    assert np.allclose(a, b, rtol=1e-4), "ours and ngspice -b disagree"
    mw_ours, mc_ours, _ = clock(ours, range(1, MC + 1))
    mw_batch, mc_batch, _ = clock(lambda s: batch(s, tmp), range(1, MC + 1), child=True)
print(f"{'':26s}{'ours':>10s}{'ngspice -b':>12s}{'ratio':>8s}")
print(f"{'one column transient wall s':26s}{w_ours:10.2f}{w_batch:12.2f}{w_batch / w_ours:8.2f}")
print(f"{'one column transient CPU s':26s}{c_ours:10.2f}{c_batch:12.2f}{c_batch / c_ours:8.2f}")
print(f"{'MC columns / wall s':26s}{MC / mw_ours:10.3f}{MC / mw_batch:12.3f}{mw_batch / mw_ours:8.2f}")
print(f"{'MC columns / CPU s':26s}{MC / mc_ours:10.3f}{MC / mc_batch:12.3f}{mc_batch / mc_ours:8.2f}")
print(f"crossbar_column R={ROWS} x {PATTERNS} patterns: {c_batch / c_ours:.2f}x CPU, {w_batch / w_ours:.2f}x wall "
      f"(ours {c_ours:.2f} CPU s / {w_ours:.2f} s vs ngspice -b {c_batch:.2f} CPU s / {w_batch:.2f} s; "
      f"MC {MC / mc_ours:.3f} vs {MC / mc_batch:.3f} columns per CPU s)")
