"""Read noise of a column, referred to the column current over the integration window (integrate-and-dump).

- Cells (tunnel junctions at bias V): S_I = 2 q I coth(qV / 2kT) (one-sided, A^2/Hz): shot noise 2qI for
  qV >> kT, thermal 4kTG for qV << kT (Blanter & Buttiker, Phys. Rep. 336, 2000, Eq. 59). Summed over the
  column's cells at the same V: S_I = 2 q I_column coth(qV / 2kT).
- Integrate-and-dump over t: noise bandwidth df = 1 / (2 t), so sigma_I^2 = S_I df = S_I / (2 t)
  (sigma_I = sqrt(2 q I df) in the shot limit).
- Reset of the integration capacitor: kT/C on C_int, sigma_I = sqrt(kT C) / t.
- Comparator (StrongARM, input pair integrating on the P/Q nodes until they fall by V_THN): per input device
  sigma_v^2 = 2 k T gamma / (g_m t_a) with g_m t_a = (g_m / I_D) V_THN C_x; two devices:
  sigma_v^2 = 4 k T gamma / ((g_m / I_D) V_THN C_x) (Razavi, IEEE SSC Magazine 7(2), 2015, Sec. "Noise").
- Voltage at the front-end output -> current: sigma_I = sigma_v C_int / t (V_out = vdd - I t / C_int).
All variances are affine in the popcount p (I(p) ~ a + b p), so they add to the crossbar error model's
variance polynomial s0 + s1 p (devices/crossbar_adc.py).
"""
from __future__ import annotations

import math

import numpy as np

K_B = 1.380649e-23   # J/K (SI exact)
Q_E = 1.602176634e-19  # C (SI exact)


def kelvin(temp_c: float) -> float:
    return temp_c + 273.15


def tunnel_psd(i: float, v: float, temp_c: float) -> float:
    """One-sided current noise PSD [A^2/Hz] of junctions carrying total current i at bias v."""
    x = Q_E * v / (2 * K_B * kelvin(temp_c))
    return 2 * Q_E * i / math.tanh(x) if x > 0 else 4 * K_B * kelvin(temp_c) * i / max(v, 1e-30)


def window_bandwidth(t_int: float) -> float:
    """Noise bandwidth [Hz] of integrate-and-dump over t_int."""
    return 1.0 / (2.0 * t_int)


def column_sigma_i(i: float, v: float, t_int: float, temp_c: float) -> float:
    """Std of the window-averaged column current [A] from the cells' shot/thermal noise."""
    return math.sqrt(tunnel_psd(i, v, temp_c) * window_bandwidth(t_int))


def ktc_sigma_i(c_int: float, t_int: float, temp_c: float) -> float:
    return math.sqrt(K_B * kelvin(temp_c) * c_int) / t_int


def comparator_sigma_v(gm_over_id: float, v_thn: float, c_x: float, gamma: float, temp_c: float) -> float:
    return math.sqrt(4 * K_B * kelvin(temp_c) * gamma / (gm_over_id * v_thn * c_x))


def variance_terms(coef, v_read: float, t_int: float, c_int: float, sigma_v_adc: float, temp_c: float) -> dict:
    """Read-noise variance [A^2] as s0 + s1 p for transfer I(p) = coef[0] + coef[1] p + ...: per source."""
    a, b = float(coef[0]), float(coef[1])
    shot = tunnel_psd(1.0, v_read, temp_c) * window_bandwidth(t_int)   # per ampere of column current
    ktc = ktc_sigma_i(c_int, t_int, temp_c) ** 2
    adc = (sigma_v_adc * c_int / t_int) ** 2
    return {"cells": [shot * a, shot * b], "ktc": [ktc, 0.0], "adc": [adc, 0.0],
            "total": [shot * a + ktc + adc, shot * b]}


def simulate_integrated_noise(psd: float, t_int: float, n: int, rng: np.random.Generator, steps: int = 200) -> float:
    """Std of the window average of white noise with one-sided PSD `psd`, sampled at t_int/steps (check of
    window_bandwidth: discrete white noise of variance psd / (2 dt) per sample)."""
    dt = t_int / steps
    x = rng.standard_normal((n, steps)) * math.sqrt(psd / (2 * dt))
    return float(x.mean(1).std())
