"""Transfer-curve fit and b-bit ADC popcount error model of an XNOR crossbar column (paper Sec. V-C).

The ADC converts the column current to one of L = min(2^b, R+1) codes. Code k covers popcounts with
centres in [k(R+1)/L - 1/2, (k+1)(R+1)/L - 1/2); its thresholds are those popcount boundaries mapped
through a reference transfer curve I_ref(p), and its output is the rounded mean popcount of the code.
With L = R+1 every popcount has its own code (thresholds halfway between neighbouring currents).
Reference (`crossbar.adc_reference`): `nominal` = the curve of nominal devices; `calibrated` = the mean
curve of the varied Monte Carlo columns (a per-array reference trim, done once after fabrication by
reading columns of known popcount), which removes the systematic shift that variation gives the mean
current (cell current ~ 1/R is convex in the spread) but not the column-to-column spread.

Error model: the current at popcount p is N(mu(p), sigma(p)^2) with mu = I(p) + d0 + d1 p and
sigma^2 = s0 + s1 p (cell currents add, so their variances add: R HRS-type terms plus p LRS-minus-HRS
terms), fitted to simulated samples; P(p_hat | p) follows from the thresholds.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

PROB_FLOOR = 1e-12  # confusion entries below this are dropped (and the row renormalised)


def fit_transfer(p: np.ndarray, i: np.ndarray, deg: int = 2) -> dict:
    """Polynomial fit I(p) (coefficients lowest order first), R^2 of the straight line, errors in LSB."""
    p, i = np.asarray(p, float), np.asarray(i, float)
    coef = np.polynomial.polynomial.polyfit(p, i, deg)
    lin = np.polynomial.polynomial.polyfit(p, i, 1)
    pred = np.polynomial.polynomial.polyval(p, lin)
    ss_tot = float(((i - i.mean()) ** 2).sum())
    r2 = 1.0 - float(((i - pred) ** 2).sum()) / ss_tot if ss_tot > 0 else 1.0
    lsb = float(lin[1])
    return {"coefficients": coef.tolist(), "linear": lin.tolist(), "lsb_a": lsb, "r2": r2,
            "max_error_popcount": float(np.abs(i - pred).max() / abs(lsb)) if lsb else math.inf}


def curve(coef, rows: int) -> np.ndarray:
    """Nominal current I(p) for p = 0..rows."""
    return np.polynomial.polynomial.polyval(np.arange(rows + 1, dtype=float), np.asarray(coef))


def adc(i_nom: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Thresholds (L-1,) [A] (increasing) and output popcount per code (L,) for an ADC of `bits`."""
    if isinstance(bits, bool) or int(bits) != bits or bits < 1:
        raise ValueError(f"crossbar.adc_bits must be an integer >= 1, got {bits!r}")
    rows = len(i_nom) - 1
    levels = min(2 ** int(bits), rows + 1)
    edges = np.arange(levels + 1) * (rows + 1) / levels - 0.5
    pop = np.arange(rows + 1)
    thr = np.interp(edges[1:-1], pop, i_nom)
    code = np.searchsorted(edges[1:-1], pop, side="right")  # code of each exact popcount
    recon = np.array([int(np.floor(pop[code == k].mean() + 0.5)) for k in range(levels)])
    return thr, recon


def convert(i: np.ndarray, thr: np.ndarray, recon: np.ndarray) -> np.ndarray:
    """ADC output popcount for currents i."""
    return recon[np.searchsorted(thr, np.asarray(i), side="right")]


def fit_noise(p: np.ndarray, i: np.ndarray, coef) -> dict:
    """Mean offset d0 + d1 p and variance s0 + s1 p of samples around the nominal curve."""
    p, i = np.asarray(p, float), np.asarray(i, float)
    res = i - np.polynomial.polynomial.polyval(p, np.asarray(coef))
    ups = np.unique(p)
    mean = np.array([res[p == u].mean() for u in ups])
    var = np.array([res[p == u].var(ddof=1) if (p == u).sum() > 1 else 0.0 for u in ups])
    d = np.polynomial.polynomial.polyfit(ups, mean, 1) if len(ups) > 1 else np.array([mean[0], 0.0])
    s = np.polynomial.polynomial.polyfit(ups, var, 1) if len(ups) > 1 else np.array([var[0], 0.0])
    return {"mean_offset": d.tolist(), "variance": s.tolist()}


REFERENCES = ("nominal", "calibrated")


def scale_noise(noise: dict, rows_from: int, rows_to: int) -> dict:
    """Device-variation fit of a `rows_from` column carried to `rows_to` rows: the popcount-independent terms
    (d0, s0: every row's HRS-type cell) scale with the row count, the per-popcount terms (d1, s1) stay."""
    f = rows_to / rows_from
    return {"mean_offset": [noise["mean_offset"][0] * f, noise["mean_offset"][1]],
            "variance": [noise["variance"][0] * f, noise["variance"][1]]}


def analyse(p: np.ndarray, i: np.ndarray, coef_nominal, rows: int, bits: int, reference: str,
            read_variance=(0.0, 0.0), noise: dict | None = None) -> dict:
    """Error model of samples (popcount p, current i) for ADC thresholds on the `reference` curve.

    `read_variance` (s0, s1) [A^2]: read noise (devices/noise.py) added to the device-variation variance.
    `noise`: a device-variation fit to use instead of fitting the samples (e.g. `scale_noise` of another height).
    Adds `reference`, `reference_coefficients`, `noise` and the ADC applied to the samples themselves
    (`empirical_error_rate`, `empirical_mean`, `empirical_sigma`; device variation only, no read noise).
    """
    if reference not in REFERENCES:
        raise ValueError(f"crossbar.adc_reference must be one of {', '.join(REFERENCES)}, got {reference!r}")
    p, i = np.asarray(p), np.asarray(i, float)
    coef = list(coef_nominal) if reference == "nominal" else fit_transfer(p, i, len(coef_nominal) - 1)["coefficients"]
    if noise is None:
        noise = fit_noise(p, i, coef)
    elif reference == "calibrated":          # given fit: its mean curve is the calibrated reference itself
        coef = (np.asarray(coef_nominal, float)
                + np.pad(noise["mean_offset"], (0, len(coef_nominal) - 2))).tolist()
        noise = {"mean_offset": [0.0, 0.0], "variance": noise["variance"]}
    total = {"mean_offset": noise["mean_offset"],
             "variance": [noise["variance"][0] + read_variance[0], noise["variance"][1] + read_variance[1]]}
    m = error_model(coef, total, rows, bits)
    emp = convert(i, np.array(m["thresholds_a"]), np.array(m["codes_popcount"])) - p
    return {"reference": reference, "reference_coefficients": coef, "noise": noise, **m,
            "empirical_error_rate": float((emp != 0).mean()), "empirical_mean": float(emp.mean()),
            "empirical_sigma": float(emp.std())}


def error_model(coef, noise: dict, rows: int, bits: int) -> dict:
    """Confusion P(p_hat | p) (offsets p_hat - p with probabilities per popcount), thresholds on curve `coef`."""
    i_nom = curve(coef, rows)
    thr, recon = adc(i_nom, bits)
    pop = np.arange(rows + 1, dtype=float)
    mu = i_nom + np.polynomial.polynomial.polyval(pop, noise["mean_offset"])
    sig = np.sqrt(np.clip(np.polynomial.polynomial.polyval(pop, noise["variance"]), 0.0, None))
    edges = np.concatenate([[-np.inf], thr, [np.inf]])
    offsets, probs, mean, sd = [], [], [], []
    for k in range(rows + 1):
        if sig[k] > 0:
            cdf = ndtr((edges - mu[k]) / sig[k])
            pc = np.diff(cdf)
        else:
            pc = np.zeros(len(recon))
            pc[np.searchsorted(thr, mu[k], side="right")] = 1.0
        err = recon - k
        keep = pc >= PROB_FLOOR
        e_u, inv = np.unique(err[keep], return_inverse=True)
        pr = np.bincount(inv, weights=pc[keep])
        pr /= pr.sum()
        offsets.append(e_u.astype(int).tolist())
        probs.append(pr.tolist())
        m = float((e_u * pr).sum())
        mean.append(m)
        sd.append(float(math.sqrt(max(((e_u - m) ** 2 * pr).sum(), 0.0))))
    p_err = [1.0 - sum(pr for o, pr in zip(off, prb) if o == 0) for off, prb in zip(offsets, probs)]
    all_e = np.concatenate([np.array(o) for o in offsets])
    all_p = np.concatenate([np.array(q) for q in probs]) / (rows + 1)
    m_all = float((all_e * all_p).sum())
    return {"thresholds_a": thr.tolist(), "codes_popcount": recon.tolist(),
            "offsets": offsets, "probs": probs, "mean_per_popcount": mean, "sigma_per_popcount": sd,
            "error_rate_per_popcount": p_err, "mean": m_all,
            "sigma": float(math.sqrt(((all_e - m_all) ** 2 * all_p).sum())),
            "error_rate": float(np.mean(p_err))}
