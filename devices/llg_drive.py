"""The sLLG free layer driven by the cell's SPICE track current; read disturb; RESET-failure bitstream.

The SOT write path does not depend on the free layer (the MTJ leg is isolated by the read select
transistors during RESET and SET), so the track current I(t) of one SPICE transient of the cell
(`devices/rng_cell.py`, a never-switching behavioural MTJ) drives the stochastic LLG exactly:
  * p_sw(bias): N macrospins start in P, see the last `settle` seconds of RESET, the SET pulse and the gap
    up to the sense-amplifier enable (read start + t_precharge); bit = 1 if m_y < 0 there (AP).
  * RESET write error: N macrospins start in AP and see RESET up to the start of SET; error if still AP.
Read disturb (`read_disturb_probability`): the read current flows through the MTJ (STT, polarisation
along the reference layer = easy axis) and then through half of the track to the SET-side driver (SOT,
on average half the current under the magnet). Both are anti-damping along y, so they add into an
equivalent track current I_eq = I_read (1/2 + H_STT/H_SOT per ampere), taken in the destabilising
direction (upper bound). The probability per read is the thermally activated escape over the solver's
barrier at I_eq (Brown's rate), plus a direct sLLG count at I_eq (resolves only p >~ 1/n).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import llg, llg_fit, rng_cell


def bias_grid(stack, p, design, n_bias: int, x_range, retries: int = 3, n_probe: int = 13):
    """Write biases whose SET plateau current spans x_range * Ic0 (derived): a coarse SPICE bias sweep,
    inverted by interpolation (monotonic I(bias)); biases beyond the driver's reach clip to VDD."""
    probe = np.linspace(0.2 * design.vdd, design.vdd, n_probe)
    tr = rng_cell.simulate(p, design, (100.0,) * n_probe, None, retries, biases=probe, title="llg bias probe")
    plateau = np.array([_plateau(tr, design, k) for k in range(n_probe)])
    target = np.linspace(x_range[0], x_range[1], n_bias) * stack.ic0
    if target[-1] > plateau.max():
        raise ValueError(f"config.rng.design: the H-bridge SET current reaches {plateau.max() * 1e6:.0f} uA, below "
                         f"x_range[1] * Ic0 = {target[-1] * 1e6:.0f} uA: widen w_p / w_bias or lower config.llg.x_range")
    order = np.argsort(plateau)
    b = np.interp(target, plateau[order], probe[order])
    return np.unique(np.round(b, 4)), float(plateau.max())


def _plateau(tr, design, k):
    w = design.windows(k)["set"]
    sel = (tr.time > w[0] + 0.3 * design.t_set) & (tr.time < w[1] - 0.3 * design.t_set)
    return float(np.mean(tr["i(vtrk)"][sel]))


def cell_waveforms(p, design, biases, dt: float, settle: float, retries: int = 3) -> dict:
    """Track current of cycle k (bias k) on the solver grid: `set` from `settle` before the RESET end to the
    SA decision, `reset` from RESET start to SET start; also the SET-window waveforms for the fits."""
    biases = [float(b) for b in biases]
    tr = rng_cell.simulate(p, design, (100.0,) * len(biases), None, retries, biases=biases, title="llg drive")
    t, i = tr.time, tr["i(vtrk)"]
    sets, fits, plateaus = [], [], []
    for k in range(len(biases)):
        w = design.windows(k)
        start = w["reset"][1] - settle
        grid = start + dt * np.arange(round((w["read"][0] + design.t_precharge - start) / dt))
        sets.append(np.interp(grid, t, i))
        win = (t >= w["set"][0] - design.t_gap / 2) & (t <= w["set"][1] + design.t_gap / 2)
        fits.append((t[win] - t[win][0], i[win]))
        plateaus.append(_plateau(tr, design, k))
    w0 = design.windows(0)
    rgrid = w0["reset"][0] + dt * np.arange(round((w0["set"][0] - w0["reset"][0]) / dt))
    return {"set": np.array(sets), "reset": np.interp(rgrid, t, i), "fit_waves": fits,
            "plateau_a": np.array(plateaus), "biases": np.array(biases)}


def switching_points(stack, waves: dict, n_trials: int, dt: float, seed: int) -> dict:
    """sLLG switch counts at each bias (all biases in one vectorised run; trials grouped by bias)."""
    nb = waves["set"].shape[0]
    cur = np.repeat(waves["set"].T, n_trials, axis=1)  # (steps, nb * n_trials)
    res = llg.simulate(stack, cur, dt, llg.thermal_start(stack, nb * n_trials, 0, seed + 1), seed)
    sw = (res["m"][1] < 0).reshape(nb, n_trials)
    k = sw.sum(axis=1)
    lo, hi = llg_fit.wilson(k, n_trials)
    return {"k": k, "n": np.full(nb, n_trials), "p": k / n_trials, "wilson_lo": lo, "wilson_hi": hi}


def reset_error(stack, waves: dict, n_trials: int, dt: float, seed: int) -> dict:
    """RESET write-error count: trials starting in AP that are still AP when SET begins."""
    cur = waves["reset"][:, None]
    res = llg.simulate(stack, np.broadcast_to(cur, (cur.shape[0], n_trials)), dt,
                       llg.thermal_start(stack, n_trials, 1, seed + 1), seed)
    k = int((res["m"][1] < 0).sum())
    lo, hi = llg_fit.wilson(k, n_trials)
    return {"k": k, "n": n_trials, "wer": k / n_trials, "wilson_lo": float(lo), "wilson_hi": float(hi),
            "i_reset_a": float(np.min(waves["reset"]))}


def equivalent_read_current(stack, i_read_a: float) -> float:
    """Track current with the same anti-damping field as a read current through MTJ + half track."""
    tmr = stack.tmr0
    pol = np.sqrt(tmr / (2 + tmr))  # Julliere: TMR = 2P^2 / (1 - P^2)
    eta = pol / (1 + pol * pol)      # Slonczewski MTJ efficiency, collinear (P) state
    h_stt = llg.HBAR * eta / (2 * llg.QE * llg.MU0 * stack.ms_t * stack.volume)
    return abs(i_read_a) * (0.5 + h_stt / stack.h_dl_per_amp)


def read_disturb_probability(i_read_A: float, t_read_s: float, temp_c: float, stack=None,
                             n_trials: int = 0, dt: float = 1e-12, seed: int = 0) -> dict:
    """Read-disturb probability per read at current i_read_A for t_read_s at temp_c.

    p_law: thermally activated escape over the solver's barrier Delta(T) reduced by the equivalent
    anti-damping current, Delta (1 - I_eq/Ic0(T))^2 (Koch et al. 2004), at Brown's rate
    (Stack.brown_dwell_time, checked against the solver at Delta = 8); the biaxial, low-damping rate of
    this magnet differs from Brown's axially symmetric prefactor by an O(1-10) factor, irrelevant next to
    the exponential. With n_trials > 0 also a direct sLLG count at I_eq (start P, I_eq for t_read_s, then
    0.5 ns relax), which bounds p only down to ~3/n_trials."""
    stack = (stack or llg.load_stack()).at(temp_c)
    llg.check_operable(stack)
    i_eq = equivalent_read_current(stack, i_read_A)
    x = i_eq / stack.ic0
    barrier = stack.delta * (1 - min(x, 1.0)) ** 2
    rate = 1.0 / stack.brown_dwell_time(max(barrier, 1.0)) if x < 1 else float("inf")
    out = {"i_read_a": float(i_read_A), "t_read_s": float(t_read_s), "temp_c": float(temp_c),
           "i_equivalent_a": float(i_eq), "x_equivalent": float(x), "barrier_kt": float(barrier),
           "p_law": float(-np.expm1(-t_read_s * rate))}
    if n_trials:
        steps_on, steps_off = round(t_read_s / dt), round(0.5e-9 / dt)
        cur = np.concatenate([np.full(steps_on, i_eq), np.zeros(steps_off)])[:, None]
        res = llg.simulate(stack, np.broadcast_to(cur, (cur.shape[0], n_trials)), dt,
                           llg.thermal_start(stack, n_trials, 0, seed + 1), seed)
        k = int((res["m"][1] < 0).sum())
        out.update({"k_sllg": k, "n_sllg": n_trials, "wilson_hi_sllg": float(llg_fit.wilson(k, n_trials)[1])})
    return out


def bitstream(p_set: float, wer: float, n_bits: int, seed: int) -> dict:
    """n_bits RESET/SET/read cycles: SET from P switches with p_set; from AP (a failed RESET, probability
    wer) the SET current (same direction) keeps AP, so the bit repeats 1. Mean, bias and lag-1
    autocorrelation with its +-3/sqrt(n) band; analytic stationary values for comparison."""
    rng = np.random.default_rng(seed)
    u_set, u_reset = rng.random(n_bits), rng.random(n_bits)
    bits = np.empty(n_bits, dtype=np.int8)
    prev = 0
    for k in range(n_bits):  # Markov chain: a loop keeps it exact and readable (1e5 steps ~ 0.05 s)
        stuck = prev == 1 and u_reset[k] < wer
        prev = 1 if stuck or u_set[k] < p_set else 0
        bits[k] = prev
    x = bits.astype(float)
    mean = float(x.mean())
    xc = x - mean
    r1 = float(np.dot(xc[:-1], xc[1:]) / np.dot(xc, xc)) if np.dot(xc, xc) > 0 else 0.0
    return {"n_bits": n_bits, "p_set": p_set, "wer": wer, "mean": mean, "bias": mean - p_set,
            "lag1": r1, "band": 3 / np.sqrt(n_bits), "lag1_outside_band": bool(abs(r1) > 3 / np.sqrt(n_bits)),
            "mean_analytic": p_set / (1 - wer * (1 - p_set)), "lag1_analytic": wer * (1 - p_set)}


def design_for(design, temp_c: float, overrides: dict | None = None):
    """The cell design at temp_c with numeric overrides (e.g. a shorter t_set)."""
    return replace(design, temperature_c=float(temp_c), **{k: float(v) for k, v in (overrides or {}).items()})
