"""Dropout probability of the Spin-ScaleDrop cell vs temperature (paper Eq. 24-25, Sec. V-A/B).

Transistors follow the temperature through `.temp` (the PTM card's kt1/ute/at coefficients); the magnet's
switching-law parameters Delta(T), Ic0(T), tau0(T) come from the sLLG fit's temperature block
(devices.mtj.magnet_at). A chip runs in one of three modes:
  raw          the nominal target biases of the t_ref design, no trim;
  trimmed      the one-time write-bias trim done at t_ref (devices.rng_mc.calibrate), held at every T;
  compensated  temperature-tracking write bias through the existing trim DAC: an on-chip temperature
               sensor indexes a look-up table of DAC-code offsets, one per target and LUT temperature,
               equal to the nominal cell's bias shift b_j(T) - b_j(t_ref) that keeps p_j on target
               (linear interpolation between LUT temperatures, quantised to the DAC step, code
               clipped to the DAC range); the chip's own one-time trim code at t_ref is kept.
               The sensor is ideal (no error) and not simulated. For reference the linear
               (PTAT/CTAT) slope k_j of b_j(T), least squares through (t_ref, 0), is reported too.
Each variation sample (devices.rng_mc.draw_variation, the same chips as the variation Monte Carlo) keeps
its relative MTJ deviations at every temperature: param(T) = magnet_at(T) * (drawn / nominal).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import mtj, rng_mc
from .rng_cell import Variation


def cell_at(p: dict, design, llg: dict, t_c: float):
    """(MTJ params, Design) at temperature t_c: magnet from the LLG fit, transistors via .temp."""
    return {**p, **mtj.magnet_at(llg, t_c)}, replace(design, temperature_c=float(t_c))


def _var_at(var: Variation | None, p: dict, p_t: dict) -> Variation | None:
    """The sample's relative MTJ deviations applied to the parameters at temperature T."""
    if var is None:
        return None
    return replace(var, mtj={k: v / p[k] * p_t[k] for k, v in var.mtj.items()})


def bias_table(p: dict, design, llg: dict, targets, lut_temps, t_ref: float, bracket, retries: int = 3):
    """Nominal cell: bias giving each target p at each LUT temperature (array [target][temp]) and the
    linear tracking slope k_j [V/K] of each target (least squares through (t_ref, 0))."""
    bias = np.array([[rng_mc.bias_for_p(*cell_at(p, design, llg, t), tg, *bracket, None, retries)
                      for t in lut_temps] for tg in targets])
    dt = np.asarray(lut_temps, float) - t_ref
    ref = bias[:, list(lut_temps).index(t_ref)]
    slope = ((bias - ref[:, None]) @ dt) / (dt @ dt)
    return bias, slope


def lut_codes(table, lut_temps, t_ref: float, t_c: float, dac_step: float) -> np.ndarray:
    """DAC-code offsets at temperature t_c: the LUT's bias shift from t_ref, linearly interpolated in T,
    rounded to whole DAC steps."""
    j_ref = list(lut_temps).index(t_ref)
    shift = np.array([np.interp(t_c, lut_temps, row) - row[j_ref] for row in np.asarray(table)])
    return np.rint(shift / dac_step).astype(int)


def sample_rows(p: dict, design, llg: dict, biases, targets, temps, t_ref: float, table, lut_temps,
                var: Variation | None, cal: dict, rng: np.random.Generator, retries: int = 3) -> list[dict]:
    """One chip: trim once at t_ref, then p at every temperature for the raw, trimmed and compensated
    biases of every target (one transient per temperature, 3 x len(targets) cycles)."""
    biases = np.asarray(biases, float)
    step, mid = float(cal["dac_step"]), 1 << (int(cal["trim_bits"]) - 1)
    top = (1 << int(cal["trim_bits"])) - 1
    p_ref, d_ref = cell_at(p, design, llg, t_ref)
    trim = rng_mc.calibrate(p_ref, d_ref, biases, targets, _var_at(var, p, p_ref), cal, rng, retries)
    code = np.array([r["cal_code"] for r in trim])
    b_trim = biases + (code - mid) * step
    rows = []
    n = len(targets)
    for t in temps:
        p_t, d_t = cell_at(p, design, llg, t)
        want = code + lut_codes(table, lut_temps, t_ref, t, step)
        c_comp = np.clip(want, 0, top)
        b_comp = biases + (c_comp - mid) * step
        pts = rng_mc.exact_points(p_t, d_t, np.concatenate([biases, b_trim, b_comp]), _var_at(var, p, p_t),
                                  retries)
        for j, tg in enumerate(targets):
            rows.append({"t_c": float(t), "p_target": float(tg), "bias_v": float(biases[j]),
                         "bias_trim_v": float(b_trim[j]), "bias_comp_v": float(b_comp[j]),
                         "dac_clipped": bool(want[j] != c_comp[j]),
                         "p_raw": pts[j]["p_sw"], "p_trim": pts[n + j]["p_sw"], "p_comp": pts[2 * n + j]["p_sw"],
                         "current_raw_a": pts[j]["current_a"]})
    return rows


def summary(rows: list[dict], targets, temps) -> list[dict]:
    """Per target: mean and sigma over chips of p_raw / p_trim / p_comp at each temperature (lists in the
    order of `temps`)."""
    out = []
    for tg in targets:
        e = {"p": float(tg), "t_c": [float(t) for t in temps]}
        for mode, col in (("raw", "p_raw"), ("trimmed", "p_trim"), ("compensated", "p_comp")):
            vals = [np.array([r[col] for r in rows if r["p_target"] == tg and r["t_c"] == t]) for t in temps]
            e[mode] = {"p_mean": [float(v.mean()) for v in vals],
                       "p_sigma": [float(v.std(ddof=1)) if v.size > 1 else 0.0 for v in vals]}
        out.append(e)
    return out
