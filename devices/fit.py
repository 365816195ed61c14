"""Fit paper Eq. 25 (Delta, Ic0, tau0) to switching data and invert it to a write bias.

Parameters are fitted in log space (all positive). Only points on the monotonic branch of Eq. 25b
(I < pi/4 * Ic0, see devices/mtj.py) enter; the fit is re-run until that set is stable.
  * `fit_exact`: least squares on exact switching probabilities p = 1 - exp(-H) from the SPICE hazard,
    started from the closed-form quadratic fit of ln H = ln(t/tau0) - Delta*(1 - pi*I/Ic0 + 2(I/Ic0)^2).
  * `fit_binomial`: maximum binomial likelihood on switch counts k of n trials.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import least_squares, minimize

from . import mtj


def _quadratic_start(i, h, t):
    """Closed form from ln H = c0 + c1 I + c2 I^2: Delta = -2 c1^2 / (pi^2 c2), Ic0 = Delta*pi/c1."""
    c2, c1, c0 = np.polyfit(i, np.log(h), 2)
    if c2 >= 0 or c1 <= 0:
        raise ValueError("switching data are not concave in ln H vs I: cannot start an Eq. 25 fit")
    delta = -2 * c1**2 / (np.pi**2 * c2)
    ic0 = delta * np.pi / c1
    tau0 = t * np.exp(-c0 - delta)
    return np.array([delta, ic0, tau0])


def _unpack(z):
    return np.exp(z)


def fit_exact(current, p, t, p_range=(1e-6, 1 - 1e-9)) -> dict:
    """Least squares on p (Eq. 25a) for exact switching probabilities `p` at constant `current`."""
    i = np.asarray(current, float)
    p = np.asarray(p, float)
    use = (p > p_range[0]) & (p < p_range[1])
    if use.sum() < 4:
        raise ValueError(f"need >= 4 sweep points with {p_range[0]} < p < {p_range[1]}, got {use.sum()}")
    x0 = _quadratic_start(i[use], -np.log1p(-p[use]), t)
    for _ in range(5):
        sel = use & (i < np.pi / 4 * x0[1])

        def resid(z, sel=sel):
            d, ic, ta = _unpack(z)
            return mtj.p_switch(i[sel], t, d, ic, ta) - p[sel]

        sol = least_squares(resid, np.log(x0), x_scale=1.0, xtol=1e-14, ftol=1e-14, gtol=1e-14)
        x1 = _unpack(sol.x)
        if np.array_equal(sel, use & (i < np.pi / 4 * x1[1])):
            break
        x0 = x1
    d, ic, ta = x1
    pred = mtj.p_switch(i, t, d, ic, ta)
    ss_res = float(np.sum((pred[sel] - p[sel]) ** 2))
    ss_tot = float(np.sum((p[sel] - p[sel].mean()) ** 2))
    return {"delta": d, "ic0_a": ic, "tau0_s": ta, "n_points": int(sel.sum()),
            "rmse_p": float(np.sqrt(ss_res / sel.sum())), "r2": 1 - ss_res / ss_tot,
            "max_abs_err_p": float(np.max(np.abs(pred[sel] - p[sel]))), "start": x0.tolist()}


def fit_binomial(current, k, n, t, start, fix_tau0: bool = False) -> dict:
    """Maximum binomial likelihood of switch counts `k` out of `n` (Eq. 25) from `start` (Delta, Ic0, tau0).

    Counts resolve p only in about [1/n, 1 - 1/n], a narrow current window where the curvature that
    separates tau0 from Delta is weak: `fix_tau0=True` keeps tau0 at start[2] (the usual convention)."""
    i = np.asarray(current, float)
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    if np.any(i >= np.pi / 4 * start[1]):
        raise ValueError("binomial fit: a trial current is beyond the monotonic branch I < pi/4 * Ic0")

    def params(z):
        return (*_unpack(z[:2]), start[2]) if fix_tau0 else _unpack(z)

    def nll(z):
        d, ic, ta = params(z)
        pr = np.clip(mtj.p_switch(i, t, d, ic, ta), 1e-300, 1 - 1e-16)
        return -float(np.sum(k * np.log(pr) + (n - k) * np.log1p(-pr)))

    z0 = np.log(start[:2] if fix_tau0 else start)
    sol = minimize(nll, z0, method="Nelder-Mead",
                   options={"xatol": 1e-9, "fatol": 1e-10, "maxiter": 20000, "maxfev": 40000})
    d, ic, ta = params(sol.x)
    return {"delta": d, "ic0_a": ic, "tau0_s": ta, "tau0_fixed": fix_tau0, "nll": float(sol.fun), "converged": bool(sol.success)}


def bias_for_current(target_i, bias, current) -> float:
    """Write bias giving `target_i`, interpolated on the measured (monotonic) I(bias) curve."""
    order = np.argsort(bias)
    b = np.asarray(bias, float)[order]
    c = np.asarray(current, float)[order]
    if np.any(np.diff(c) <= 0):
        raise ValueError("measured track current is not monotonic in the write bias")
    if not c[0] <= target_i <= c[-1]:
        raise ValueError(f"current {target_i:.3e} A outside the swept range [{c[0]:.3e}, {c[-1]:.3e}] A")
    return float(np.interp(target_i, c, b))
