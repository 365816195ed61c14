"""SOT-MTJ physics used outside SPICE: paper Eq. 25 (switching), TMR bias dependence, hazard integrals.

Eq. 25b, tau = tau0 * exp(Delta * (1 - 2x(pi/2 - x))), x = I/Ic0, is monotonic (decreasing in x) only
for x < pi/4, where 1 - pi*x + 2x^2 has its minimum. Beyond pi/4 the formula would predict *slower*
switching at higher current, which is unphysical; like `netlists/sot_mtj.lib`, every function here holds
x at pi/4 there, i.e. the rate saturates at its maximum exp(Delta*(pi^2/8 - 1))/tau0. Fits and
inversions stay on the x < pi/4 branch.
The Eq. 25 parameters of the cell come from the fit to the stochastic LLG solver when its results file
is given (`load_llg_fit`, `magnet_at` for temperature), else from devices/params/sot_mtj.yaml.
"""
from __future__ import annotations

import numpy as np

X_MAX = np.pi / 4  # end of the monotonic branch of Eq. 25b


def barrier(x):
    """Reduced barrier 1 - 2x(pi/2 - x) of Eq. 25b, with x = |I|/Ic0 clamped to the monotonic branch."""
    x = np.minimum(np.abs(np.asarray(x, dtype=float)), X_MAX)
    return 1.0 - np.pi * x + 2.0 * x * x


def rate(i, delta, ic0, tau0):
    """Switching rate 1/tau(I) [1/s] of Eq. 25b (saturating beyond I = pi/4 * Ic0)."""
    return np.exp(-delta * barrier(np.asarray(i, dtype=float) / ic0)) / tau0


def p_switch(i, t, delta, ic0, tau0):
    """Eq. 25a for a constant current `i` applied for `t` seconds."""
    return -np.expm1(-t * rate(i, delta, ic0, tau0))


def hazard(time, current, delta, ic0, tau0, t_start=None, t_stop=None):
    """H = integral dt / tau(I(t)) over [t_start, t_stop] of a sampled current waveform (trapezoid on the
    rate, with the window edges interpolated). Only positive current (the SET direction) counts."""
    time = np.asarray(time, dtype=float)
    current = np.asarray(current, dtype=float)
    t0 = time[0] if t_start is None else t_start
    t1 = time[-1] if t_stop is None else t_stop
    inside = (time > t0) & (time < t1)
    tt = np.concatenate(([t0], time[inside], [t1]))
    ii = np.concatenate(([np.interp(t0, time, current)], current[inside], [np.interp(t1, time, current)]))
    r = np.where(ii > 0, rate(ii, delta, ic0, tau0), 0.0)
    return float(np.trapezoid(r, tt))


def p_from_hazard(h):
    """Switching probability of an exponential clock with integrated hazard H: 1 - exp(-H) (exact)."""
    return -np.expm1(-np.asarray(h, dtype=float))


def current_for_p(p, t, delta, ic0, tau0):
    """Invert Eq. 25 on the monotonic branch: the constant current giving switching probability `p`
    in a pulse of length `t`. Raises ValueError if `p` is not reachable below I = pi/4 * Ic0."""
    p = np.asarray(p, dtype=float)
    if np.any((p <= 0) | (p >= 1)):
        raise ValueError(f"target probability must lie in (0, 1), got {p}")
    b = np.log(t / (tau0 * -np.log1p(-p))) / delta  # required reduced barrier
    disc = np.pi**2 - 8.0 * (1.0 - b)
    if np.any(b > 1) or np.any(disc < 0):
        raise ValueError(f"p={p} not reachable on the monotonic branch (x < pi/4) for t={t} s")
    return ic0 * (np.pi - np.sqrt(disc)) / 4.0


def tmr(v, tmr0, vh):
    """Bias-dependent TMR(V) = TMR0 / (1 + (V/Vh)^2) (as in netlists/sot_mtj.lib)."""
    return tmr0 / (1.0 + (np.asarray(v, dtype=float) / vh) ** 2)


def resistance(v, state, rp, tmr0, vh):
    """MTJ resistance at bias `v`: R_P for state 0, R_P * (1 + TMR(V)) for state 1 (antiparallel)."""
    return rp * (1.0 + state * tmr(v, tmr0, vh))


def wilson(k, n, z=1.959963984540054):
    """Wilson score interval (default 95 %) for k successes in n trials."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    ph = k / n
    den = 1 + z * z / n
    centre = (ph + z * z / (2 * n)) / den
    half = z * np.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den
    return centre - half, centre + half


LLG_KEYS = ("delta", "ic0", "tau0")  # Eq. 25 parameters fitted to the stochastic LLG solver


def _positive(entry: dict, key: str, where: str) -> float:
    if key not in entry:
        raise ValueError(f"{where}: missing key {key!r}")
    val = entry[key]
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not np.isfinite(val) or val <= 0:
        raise ValueError(f"{where}: {key!r} must be a positive number, got {val!r}")
    return float(val)


def load_llg_fit(path) -> dict:
    """Eq. 25 parameters fitted to the sLLG solver (results/devices/llg_fit.json): `delta`, `ic0` [A],
    `tau0` [s] at the nominal temperature, and `temperature`: a list of {t_c, delta, ic0, tau0}.
    Raises ValueError naming the file and the key on any missing or non-positive value."""
    import json
    from pathlib import Path

    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the LLG fit ({exc.__class__.__name__})") from None
    out = {k: _positive(raw, k, str(path)) for k in LLG_KEYS}
    temps = raw.get("temperature")
    if not isinstance(temps, list) or len(temps) < 2:
        raise ValueError(f"{path}: missing key 'temperature' (a list of >= 2 {{t_c, delta, ic0, tau0}})")
    rows = []
    for j, e in enumerate(temps):
        where = f"{path}: temperature[{j}]"
        if not isinstance(e, dict) or "t_c" not in e or isinstance(e["t_c"], bool) \
                or not isinstance(e["t_c"], (int, float)):
            raise ValueError(f"{where}: missing key 't_c' (a number, deg C)")
        rows.append({"t_c": float(e["t_c"]), **{k: _positive(e, k, where) for k in LLG_KEYS}})
    rows.sort(key=lambda r: r["t_c"])
    if len({r["t_c"] for r in rows}) != len(rows):
        raise ValueError(f"{path}: temperature: repeated t_c")
    out["temperature"] = rows
    if "track_resistance" in raw:  # the stack's derived track resistance (the solver's track = the cell's)
        out["track"] = {"rtrack": _positive(raw, "track_resistance", str(path))}
    out["source"] = str(path)
    return out


def magnet_at(llg: dict, t_c: float) -> dict:
    """(delta, ic0, tau0) at temperature t_c from the fit's temperature block: linear in T for delta and
    ic0, linear in T for ln tau0; t_c must lie inside the block's range (no extrapolation)."""
    rows = llg["temperature"]
    ts = np.array([r["t_c"] for r in rows])
    if not ts[0] <= t_c <= ts[-1]:
        raise ValueError(f"{llg.get('source', 'llg fit')}: temperature {t_c} C outside the fitted range "
                         f"[{ts[0]}, {ts[-1]}] C")
    return {"delta": float(np.interp(t_c, ts, [r["delta"] for r in rows])),
            "ic0": float(np.interp(t_c, ts, [r["ic0"] for r in rows])),
            "tau0": float(np.exp(np.interp(t_c, ts, np.log([r["tau0"] for r in rows]))))}
