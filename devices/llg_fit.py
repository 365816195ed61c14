"""Fits of switching laws to sLLG switch counts: paper Eq. 25 and the precessional law.

Each data point is a track-current waveform (t, I) applied for one SET phase and its switch count k of n.
The laws are those of devices/mtj.py (FORMS): Eq. 25 gives p = 1 - exp(-H), H = integral of the rate
exp(-Delta * b(I/Ic0)) / tau0 over the waveform (Eq. 25a with a time-varying current; with tau0 free it is
also the Neel-Brown (1 - I/Ic0)^2 law, reparametrised: devices/mtj.py); the precessional form gives p = exp(-(pi^2 Delta / 4) exp(-G)), G the largest reflected amplification
2 int (x - 1) dt / tau0 (there tau0 is the relaxation time 1 / (alpha gamma' H_eff)).
Fitting: maximum binomial likelihood over (ln Delta, ln Ic0, ln tau0) from a grid of starts; the fit
quality is Pearson's chi^2 = sum (k - n p)^2 / (n p (1 - p)) with the binomial variance of the fitted p
(dof = points - 3) and the deviance G^2.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from .mtj import FORMS, barrier, p_precessional


class Waves:
    """Waveforms (t, I) packed into flat arrays so the hazard of all of them is one vectorised pass."""

    def __init__(self, waves):
        self.n = len(waves)
        ts = [np.asarray(t, float) for t, _ in waves]
        cs = [np.asarray(i, float) for _, i in waves]
        self.i = np.concatenate(cs)
        t = np.concatenate(ts)
        seg = np.concatenate([np.full(len(x), j) for j, x in enumerate(ts)])
        same = seg[1:] == seg[:-1]
        self.dt = np.where(same, np.diff(t), 0.0)
        self.seg = seg[:-1]
        self.starts = np.concatenate([[0], np.cumsum([len(x) for x in ts])[:-1]])
        self.i_max = float(self.i.max())


def hazard(waves, delta, ic0, tau0) -> np.ndarray:
    """Integrated hazard (trapezoid) of each waveform (t, I); only positive (SET-direction) current counts."""
    w = waves if isinstance(waves, Waves) else Waves(waves)
    r = np.where(w.i > 0, np.exp(-delta * barrier(w.i / ic0)) / tau0, 0.0)
    return np.bincount(w.seg, weights=0.5 * (r[:-1] + r[1:]) * w.dt, minlength=w.n)


def growth(waves, ic0, tau0) -> np.ndarray:
    """G_max of each waveform: the largest value of 2 int (I/Ic0 - 1) dt / tau0 reflected at 0
    (mtj.reflected_max, vectorised over the packed waveforms)."""
    w = waves if isinstance(waves, Waves) else Waves(waves)
    x = np.maximum(w.i, 0.0) / ic0
    inc = np.concatenate([[0.0], (x[:-1] + x[1:] - 2.0) * w.dt / tau0])  # 2 * trapezoid of (x - 1)
    cum = np.cumsum(inc)
    lengths = np.diff(np.append(w.starts, cum.size))
    cum = cum - np.repeat(cum[w.starts], lengths)  # C = 0 at each waveform's start
    # running minimum per waveform in one pass: shift waveform j down by j * span, so that no earlier
    # waveform's values reach below the current one's
    span = 2.0 * float(np.max(np.abs(cum))) + 1.0
    shift = np.repeat(np.arange(w.n) * span, lengths)
    low = np.minimum.accumulate(np.minimum(cum, 0.0) - shift) + shift
    return np.maximum.reduceat(cum - low, w.starts)


def p_switch(waves, delta, ic0, tau0, form: str) -> np.ndarray:
    if form == "precessional":
        return p_precessional(growth(waves, ic0, tau0), delta)
    return -np.expm1(-hazard(waves, delta, ic0, tau0))


def _nll(z, waves, k, n, form, tau0=None):
    d, ic, ta = np.exp(z) if tau0 is None else (*np.exp(z), tau0)
    p = np.clip(p_switch(waves, d, ic, ta, form), 1e-300, 1 - 1e-16)
    return -float(np.sum(k * np.log(p) + (n - k) * np.log1p(-p)))


def fit(waves, k, n, form: str = "eq25", ic0_guess: float | None = None, tau0: float | None = None) -> dict:
    """Maximum-likelihood (Delta, Ic0, tau0) of `form` for switch counts k of n under `waves`
    (tau0 given: held fixed, two parameters)."""
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    if len(waves) != k.size or k.size < 4:
        raise ValueError(f"fit needs >= 4 points with one waveform each, got {k.size} counts, {len(waves)} waveforms")
    packed = Waves(waves)
    ic0_guess = ic0_guess or packed.i_max
    taus = np.geomspace(1e-12, 1e-7, 9) if tau0 is None else [tau0]
    grid = [np.log([d, ic0_guess * f, t])[: 3 if tau0 is None else 2] for d in np.geomspace(5, 300, 8)
            for f in np.geomspace(0.3, 3.0, 9) for t in taus]
    starts = sorted(grid, key=lambda z: _nll(z, packed, k, n, form, tau0))[:4]
    best = None
    for z0 in starts:
        res = minimize(_nll, z0, args=(packed, k, n, form, tau0), method="Nelder-Mead",
                       options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 6000, "maxfev": 12000})
        if best is None or res.fun < best.fun:
            best = res
    d, ic, ta = np.exp(best.x) if tau0 is None else (*np.exp(best.x), tau0)
    p = p_switch(packed, d, ic, ta, form)
    pc = np.clip(p, 0.5 / n, 1 - 0.5 / n)  # Pearson variance floor: one half-count
    chi2 = float(np.sum((k - n * p) ** 2 / (n * pc * (1 - pc))))
    ph = k / n
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(k > 0, k * np.log(ph / np.clip(p, 1e-300, 1)), 0.0) + \
            np.where(n - k > 0, (n - k) * np.log((1 - ph) / np.clip(1 - p, 1e-300, 1)), 0.0)
    return {"form": form, "delta": float(d), "ic0": float(ic), "tau0": float(ta), "chi2": chi2,
            "deviance": float(2 * np.sum(g)), "dof": int(k.size - (3 if tau0 is None else 2)), "p_fit": p.tolist(),
            "nll": float(best.fun)}


def wilson(k, n, z: float = 1.959963984540054):
    """Wilson score interval (default 95 %) for k successes of n."""
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    ph = k / n
    den = 1 + z * z / n
    centre = (ph + z * z / (2 * n)) / den
    half = z * np.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den
    return centre - half, centre + half
