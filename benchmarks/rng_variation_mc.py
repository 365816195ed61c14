"""Variation Monte Carlo of the Spin-ScaleDrop cell (paper Sec. V-A, Eq. 24): our code vs plain ngspice.

The same N variation samples (devices.rng_mc.draw_variation) at one write bias, one RESET/SET/read cycle
each, three ways: (1) ours, devices.rng_mc.exact_point in one process (PySpice shared ngspice, hazard from
the track-current waveform); (2) ours on 2 processes; (3) baseline: one `ngspice -b` whose `.control`
loop sets the sample's values with `alterparam`, `reset`s, runs the transient and `meas`ures the
subcircuit's hazard node. Both use one ngspice thread (`set num_threads=1`). Same samples -> same p: the
largest |p_ours - p_ngspice| is printed as the agreement check. Last line: the headline.

    .venv/bin/python benchmarks/rng_variation_mc.py [--n 100] [--bias 0.47]
"""
import argparse
import multiprocessing as mp
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from devices import rng_cell, rng_mc
from devices.spice import num

VARIED = {"xmtj": ("rp", "tmr0", "rtrack", "delta", "ic0"), **{t: ("W", "L", "delvto") for t in rng_cell.TRANSISTORS}}


def _setup(bias: float):
    p = rng_cell.nominal()
    d = rng_cell.Design(vbias=bias)
    sigma = {k: float(v["value"]) for k, v in rng_mc.sources_variation().items()}
    return p, d, sigma


def _ours(args) -> list[float]:
    """p of samples `idx` through devices.rng_mc (one PySpice ngspice per process)."""
    bias, seed, idx = args
    p, d, sigma = _setup(bias)
    return [rng_mc.exact_point(p, d, bias, rng_mc.draw_variation(p, d, sigma, seed, i))["p_sw"] for i in idx]


def _values(deck: str) -> dict[str, str]:
    """The varied instance values of one generated deck, as `.param` name -> number text."""
    out = {}
    for line in deck.splitlines():
        name = line.split(" ", 1)[0]
        for key in VARIED.get(name, ()):
            out[f"{name}_{key}".lower()] = re.search(rf" {key}=(\S+)", line).group(1)
    return out


def _param_deck(deck: str) -> str:
    """The nominal deck with every varied instance value replaced by a `.param` reference."""
    lines = []
    for line in deck.splitlines():
        name = line.split(" ", 1)[0]
        for key in VARIED.get(name, ()):
            line = re.sub(rf" {key}=\S+", f" {key}={{{name}_{key}}}".lower().replace(key.lower() + "=", key + "="),
                          line)
        lines.append(line)
    return "\n".join(lines)


def _baseline(p, d, sigma, bias, seed, n) -> tuple[float, float, list[float]]:
    """(wall s, CPU s, p per sample) of one `ngspice -b` running the samples in a `.control` loop."""
    nominal = rng_cell.netlist(p, d, (100.0,))
    t_meas = d.windows(0)["set"][1] - d.t_edge / 2  # before the disarming edge: the Eq. 25 hazard is at its maximum
    ctl = [".control"]
    for i in range(n):
        vals = _values(rng_cell.netlist(p, d, (100.0,), rng_mc.draw_variation(p, d, sigma, seed, i)))
        ctl += [f"alterparam {k}={v}" for k, v in vals.items()]
        ctl += ["reset", "run", f"meas tran h find v(xmtj.hs) at={num(t_meas)}", "echo HAZARD $&h", "destroy all"]
    ctl += ["quit", ".endc"]
    body = _param_deck(nominal).splitlines()
    params = [f".param {k}={v}" for k, v in _values(nominal).items()]
    deck = "\n".join(body[:1] + params + body[1:-1] + ctl + [".end"])
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / ".spiceinit").write_text("set num_threads=1\n")
        (Path(tmp) / "mc.cir").write_text(deck)
        t0, c0 = time.perf_counter(), _child_cpu()
        res = subprocess.run([shutil.which("ngspice"), "-b", "mc.cir"], cwd=tmp, capture_output=True, text=True)
        wall, cpu = time.perf_counter() - t0, _child_cpu() - c0
    h = [float(m) for m in re.findall(r"^HAZARD\s+(\S+)", res.stdout, re.M)]
    if len(h) != n:
        raise RuntimeError(f"ngspice baseline returned {len(h)} of {n} hazards: {res.stderr[-400:]}")
    return wall, cpu, list(-np.expm1(-np.array(h)))


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100, help="variation samples")
    ap.add_argument("--bias", type=float, default=rng_cell.Design().vbias, help="write bias [V]")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    p, d, sigma = _setup(a.bias)
    _ours((a.bias, a.seed, [0]))  # load ngspice and the model cards once before timing

    t0, c0 = time.perf_counter(), time.process_time()
    ours = _ours((a.bias, a.seed, list(range(a.n))))
    t_ours, c_ours = time.perf_counter() - t0, time.process_time() - c0

    ctx = mp.get_context("spawn")  # a fresh ngspice per worker
    with ctx.Pool(2) as pool:
        pool.map(_ours, [(a.bias, a.seed, [0])] * 2)  # warm both workers
        t0 = time.perf_counter()
        parts = pool.map(_ours, [(a.bias, a.seed, list(range(k, a.n, 2))) for k in range(2)])
        t_two = time.perf_counter() - t0
    two = np.empty(a.n)
    for k, part in enumerate(parts):
        two[k::2] = part

    t_ng, c_ng, ng = _baseline(p, d, sigma, a.bias, a.seed, a.n)
    diff = float(np.max(np.abs(np.subtract(ours, ng))))
    print(f"samples {a.n} at bias {a.bias:.4f} V: p mean {np.mean(ours):.3f}, sigma {np.std(ours, ddof=1):.3f}")
    print(f"ours 1 proc  {t_ours:7.2f} s wall {c_ours:7.2f} s CPU  {a.n / t_ours:6.2f} samples/s")
    print(f"ours 2 proc  {t_two:7.2f} s wall {'':15}  {a.n / t_two:6.2f} samples/s  "
          f"(same p: {np.array_equal(two, ours)})")
    print(f"ngspice -b   {t_ng:7.2f} s wall {c_ng:7.2f} s CPU  {a.n / t_ng:6.2f} samples/s  "
          f"(.control alterparam/reset loop)")
    print(f"per CPU second: ours {a.n / c_ours:.2f} vs ngspice {a.n / c_ng:.2f} samples (ratio "
          f"{c_ng / c_ours:.2f}x; robust on a busy host)")
    print(f"max |p_ours - p_ngspice| = {diff:.2e} (hazard from waveform vs from the subcircuit node)")
    print(f"rng_variation_mc N={a.n}: {t_ng / t_ours:.2f}x (ours {a.n / t_ours:.2f} samples/s vs ngspice .control "
          f"{a.n / t_ng:.2f} samples/s; 2 proc {a.n / t_two:.2f}/s, {t_ours / t_two:.2f}x)")


if __name__ == "__main__":
    main()
