"""sLLG trials per second: the vectorised solver (devices/llg.py, all trials in one array) vs a per-trial
Python loop of the same stochastic Heun integrator with the same random numbers; the final magnetisations
are asserted equal. Usage: PYTHONPATH=. python benchmarks/llg_trials.py [--trials 4000 --steps 2000]."""
from __future__ import annotations

import argparse
import time

import numpy as np

from devices import llg


def per_trial_loop(stack, current, dt, m0, seed, steps):
    """Same integrator, one trial at a time; noise drawn exactly as the vectorised run draws it."""
    n = m0.shape[1]
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((steps, 3, n))  # the vectorised run draws (3, n) per step in this order
    c, g = llg._constants(stack, None)
    sig = stack.thermal_sigma(dt)
    out = np.empty_like(m0)
    for j in range(n):
        m = (m0[0, j:j + 1], m0[1, j:j + 1], m0[2, j:j + 1])
        for k in range(steps):
            m = llg.heun_step(m, current[j:j + 1], noise[k, :, j:j + 1], c, g, sig, dt)
        out[:, j] = [m[0][0], m[1][0], m[2][0]]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=4000)
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args()
    stack = llg.load_stack()
    dt, seed = 1e-12, 11
    current = np.full(args.trials, 1.3 * stack.ic0)
    m0 = llg.thermal_start(stack, args.trials, 0, 3)
    t0 = time.perf_counter()
    vec = llg.simulate(stack, np.broadcast_to(current, (args.steps, args.trials)), dt, m0, seed)["m"]
    t_vec = time.perf_counter() - t0
    n_loop = min(20, args.trials)  # the loop is slow: a subset, same seeds, same answers asserted
    sub = llg.simulate(stack, np.broadcast_to(current[:n_loop], (args.steps, n_loop)), dt, m0[:, :n_loop],
                       seed)["m"]
    t0 = time.perf_counter()
    loop = per_trial_loop(stack, current[:n_loop], dt, m0[:, :n_loop], seed, args.steps)
    t_loop = time.perf_counter() - t0
    assert np.array_equal(loop, sub), "per-trial loop and vectorised solver disagree"
    assert np.all(np.isfinite(vec))
    rate_vec = args.trials * args.steps / t_vec
    rate_loop = n_loop * args.steps / t_loop
    print(f"vectorised: {args.trials} trials x {args.steps} steps in {t_vec:.2f} s")
    print(f"per-trial loop: {n_loop} trials x {args.steps} steps in {t_loop:.2f} s (same seeds, equal m)")
    print(f"sLLG trials/s (10 ns SET at 1 ps): vectorised {rate_vec / 1e4:.1f}, per-trial loop "
          f"{rate_loop / 1e4:.2f}, speed-up {rate_vec / rate_loop:.0f}x")


if __name__ == "__main__":
    main()
