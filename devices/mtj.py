"""SOT-MTJ physics used outside SPICE: the cell's switching law, TMR bias dependence, accumulator integrals.

The cell runs one of two switching laws (`FORMS`, selected by the MTJ parameter `form`; the workflow
takes the form that fits the stochastic LLG solver best, results/devices/llg_fit.json):
  * "eq25": paper Eq. 25, rate 1/tau(I) = exp(-Delta * (1 - 2x(pi/2 - x))) / tau0, x = |I|/Ic0. Eq. 25b is
    monotonic only for x < pi/4 (minimum of 1 - pi*x + 2x^2); beyond it, like netlists/sot_mtj.lib, x is
    held at pi/4 (rate saturates at exp(Delta*(pi^2/8 - 1))/tau0 instead of decreasing). With tau0 free
    it is also the thermally activated spin-torque law exp(-Delta' (1 - I/Ic0')^2) / tau0' (Koch, Katine &
    Sun, PRL 92, 088302 (2004)), not a separate form: 1 - pi x + 2x^2 = 2(x - pi/4)^2 + 1 - pi^2/8, so
    Delta' = Delta pi^2/8, Ic0' = Ic0 pi/4, tau0' = tau0 exp(Delta (1 - pi^2/8)), clamp at the vertex;
  * "precessional": above Ic0 the anti-damping torque amplifies the thermal angle, theta^2 grows as
    exp(2 int (x - 1) dt / tau0) (Sun, PRB 62, 570 (2000)); below Ic0 the magnet re-thermalises, so the
    amplification G(t) is the reflected integral dG = 2 (x - 1) dt / tau0 held at G >= 0, and with the
    thermal P(theta0^2 > s) = exp(-Delta s) a pulse switches with p = exp(-(pi^2 Delta / 4) exp(-G_max))
    (Butler et al., IEEE Trans. Magn. 48, 4684 (2012)).
Note: the precessional Delta sets the spread of the thermal initial angle seen along the growing mode; it
is a fit parameter, not the thermal stability of the barrier (the stack's derived Delta).
For Eq. 25 the SPICE accumulator integrates the rate (H) and the state flips when H exceeds
an Exp(1) draw E; for the precessional form it integrates G and flips when G exceeds ln(pi^2 Delta / (4 E)):
`node_threshold` maps the same draws E to either, so both are exact for any waveform.
"""
from __future__ import annotations

import numpy as np

X_MAX = np.pi / 4  # end of the monotonic branch of Eq. 25b
FORMS = ("eq25", "precessional")
FORM_CODE = {f: k for k, f in enumerate(FORMS)}  # the `form` parameter of netlists/sot_mtj.lib
TH_MIN = 1e-9  # smallest precessional node threshold: E >= pi^2 Delta / 4 (p < exp(-12) for Delta >= 5)


def p_precessional(g, delta):
    """p = exp(-(pi^2 Delta / 4) exp(-G)) of the precessional law for an amplification G."""
    return np.exp(-(np.pi**2 * delta / 4) * np.exp(-np.asarray(g, dtype=float)))


def form_of(p: dict) -> str:
    form = p.get("form", "eq25")
    if form not in FORMS:
        raise ValueError(f"MTJ form {form!r} unknown (known: {', '.join(FORMS)})")
    return form


def barrier(x):
    """Reduced barrier 1 - 2x(pi/2 - x) of Eq. 25b at x = |I|/Ic0, clamped to its monotonic branch."""
    x = np.minimum(np.abs(np.asarray(x, dtype=float)), X_MAX)
    return 1.0 - np.pi * x + 2.0 * x * x


def rate(i, delta, ic0, tau0):
    """Switching rate 1/tau(I) [1/s] of Eq. 25b (saturating beyond I = pi/4 * Ic0)."""
    return np.exp(-delta * barrier(np.asarray(i, dtype=float) / ic0)) / tau0


def p_switch(i, t, delta, ic0, tau0, form: str = "eq25"):
    """p of a constant current `i` applied for `t` seconds (Eq. 25a, or the precessional law)."""
    if form == "precessional":
        return p_precessional(np.maximum(2.0 * (np.abs(np.asarray(i, dtype=float)) / ic0 - 1.0) * t / tau0, 0.0),
                              delta)
    return -np.expm1(-t * rate(i, delta, ic0, tau0))


def p_saturated(t, p: dict) -> float:
    """Largest p of a constant-current pulse of `t` seconds: Eq. 25 saturates at x = pi/4; the precessional
    law reaches 1."""
    if form_of(p) == "precessional":
        return 1.0
    return float(p_switch(X_MAX * p["ic0"], t, p["delta"], p["ic0"], p["tau0"]))


def accumulated(time, current, p: dict, t_start=None, t_stop=None) -> float:
    """What the subcircuit's accumulator reaches over [t_start, t_stop] of a sampled current waveform:
    H = integral of the rate (Eq. 25) or G_max, the largest reflected amplification (precessional);
    trapezoid, window edges interpolated. Only positive current (the SET direction) counts."""
    time = np.asarray(time, dtype=float)
    current = np.asarray(current, dtype=float)
    t0 = time[0] if t_start is None else t_start
    t1 = time[-1] if t_stop is None else t_stop
    inside = (time > t0) & (time < t1)
    tt = np.concatenate(([t0], time[inside], [t1]))
    ii = np.maximum(np.concatenate(([np.interp(t0, time, current)], current[inside],
                                    [np.interp(t1, time, current)])), 0.0)
    form = form_of(p)
    if form == "precessional":
        return float(reflected_max(np.concatenate(([0.0], np.cumsum(
            (ii[:-1] + ii[1:] - 2 * p["ic0"]) / p["ic0"] * np.diff(tt) / p["tau0"])))))
    r = np.where(ii > 0, rate(ii, p["delta"], p["ic0"], p["tau0"]), 0.0)
    return float(np.trapezoid(r, tt))


def reflected_max(cum) -> float:
    """max_t (C(t) - min_{s<=t} C(s)) of a cumulative integral starting at C = 0: the largest value of
    the integral reflected at 0 (the precessional accumulator)."""
    cum = np.asarray(cum, dtype=float)
    return float(np.max(cum - np.minimum.accumulate(np.minimum(cum, 0.0))))


def p_from_accumulated(a, p: dict):
    """Switching probability from the accumulator value: 1 - exp(-H), or exp(-(pi^2 Delta/4) e^-G)."""
    a = np.asarray(a, dtype=float)
    if form_of(p) == "precessional":
        return p_precessional(a, p["delta"])
    return -np.expm1(-a)


def node_threshold(e, p: dict):
    """Accumulator threshold of each Exp(1) draw `e`: e itself (Eq. 25) or ln(pi^2 Delta / (4 e))
    (precessional, at least TH_MIN), so that P(accumulator > threshold) = p_from_accumulated."""
    e = np.asarray(e, dtype=float)
    if form_of(p) == "precessional":
        return np.maximum(np.log(np.pi**2 * p["delta"] / 4) - np.log(e), TH_MIN)
    return e


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


LLG_KEYS = ("delta", "ic0", "tau0")  # switching-law parameters fitted to the stochastic LLG solver


def _positive(entry: dict, key: str, where: str) -> float:
    if key not in entry:
        raise ValueError(f"{where}: missing key {key!r}")
    val = entry[key]
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not np.isfinite(val) or val <= 0:
        raise ValueError(f"{where}: {key!r} must be a positive number, got {val!r}")
    return float(val)


def load_llg_fit(path) -> dict:
    """The switching law fitted to the sLLG solver (results/devices/llg_fit.json): `form` (one of FORMS,
    default eq25), `delta`, `ic0` [A], `tau0` [s] at the nominal temperature, and `temperature`: a list of
    {t_c, delta, ic0, tau0}. Raises ValueError naming the file and the key on any missing or bad value."""
    import json
    from pathlib import Path

    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the LLG fit ({exc.__class__.__name__})") from None
    out = {k: _positive(raw, k, str(path)) for k in LLG_KEYS}
    out["form"] = raw.get("form", "eq25")
    if out["form"] not in FORMS:
        raise ValueError(f"{path}: 'form' must be one of {', '.join(FORMS)}, got {out['form']!r}")
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
    if "pillar" in raw:  # the stack's MTJ pillar (free-layer ellipse, RA, TMR): the cell's MTJ
        pil = raw["pillar"]
        if not isinstance(pil, dict):
            raise ValueError(f"{path}: 'pillar' must be an object")
        out["pillar"] = {k: _positive(pil, k, f"{path}: pillar") for k in ("length", "width", "area_factor", "ra", "tmr0")}
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
