"""Sweeps, per-trial runs and variation Monte Carlo of the Spin-ScaleDrop cell (paper Sec. V-A/B).

Exact shortcut: the write path (track) is separate from the read path, so one transient with a
never-reached threshold gives the SET hazard H and p = 1 - exp(-H) (Eq. 25a with the measured current).
Per-trial runs draw thresholds -ln(u), u ~ U(0,1), from a seeded numpy Generator and run many
RESET/SET/read cycles in one transient; the SA output gives the real bitstream.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import mtj, rng_cell
from .params import mtj_rp

MTJ_VARIED = ("ra", "tmr0", "delta", "ic0", "rtrack")  # relative Normal sigmas
TRANSISTOR_VARIED = rng_cell.TRANSISTORS  # H-bridge: Pelgrom dVth, W/L relative sigmas


def exact_point(p: dict, design, bias: float, var=None, retries: int = 3) -> dict:
    """Exact p_sw at write bias `bias`: one transient, hazard from the current waveform."""
    d = replace(design, vbias=float(bias))
    tr = rng_cell.simulate(p, d, (100.0,), var, retries, title=f"rng_cell vbias={bias:.4f}")
    out = rng_cell.set_hazard(tr, p, d, 0, var)
    return {"bias_v": float(bias), **out}


def trial_point(p: dict, design, bias: float, n: int, rng: np.random.Generator, retries: int = 3) -> dict:
    """n RESET/SET/read cycles in one transient with thresholds -ln(u) from `rng`: SA bit counts."""
    d = replace(design, vbias=float(bias))
    th = -np.log(rng.random(n))
    tr = rng_cell.simulate(p, d, th, None, retries, title=f"rng_cell trials vbias={bias:.4f}")
    bits = rng_cell.read_bits(tr, d, n)
    state = rng_cell.state_bits(tr, d, n)
    lo, hi = mtj.wilson(bits.sum(), n)
    return {"n_trials": n, "k_switch": int(bits.sum()), "p_trials": float(bits.mean()),
            "wilson_lo": float(lo), "wilson_hi": float(hi), "sa_errors": int((bits != state).sum()),
            "energy_per_bit_pj": rng_cell.energy_per_cycle(tr, d, n) * 1e12, "bits": "".join(map(str, bits))}


def pelgrom_sigma(a_vt: float, w: float, l_: float) -> float:
    """sigma(Vth) = A_VT / sqrt(W L) (Pelgrom et al., IEEE JSSC 24(5), 1989); A_VT in V*m."""
    return a_vt / np.sqrt(w * l_)


def draw_variation(p: dict, design, sigma: dict, seed: int, index: int) -> rng_cell.Variation:
    """Variation sample `index` (its own Generator seeded by (seed, index): chunk-independent).

    sigma: relative sigmas for MTJ_VARIED and `w`, `l`; `a_vt` [V*m] for the Pelgrom Vth mismatch."""
    g = np.random.default_rng([seed, 2, index])
    m = {k: p[k] * max(1e-3, 1 + sigma[k] * g.standard_normal()) for k in MTJ_VARIED}
    widths = {"mp1": design.w_p, "mn1": design.w_n, "mp2": design.w_p, "mn2": design.w_bias}
    lengths = {"mp1": design.l_min, "mn1": design.l_min, "mp2": design.l_min, "mn2": design.l_bias}
    dvth, wf, lf = {}, {}, {}
    for t in TRANSISTOR_VARIED:
        dvth[t] = pelgrom_sigma(sigma["a_vt"], widths[t], lengths[t]) * g.standard_normal()
        wf[t] = max(0.5, 1 + sigma["w"] * g.standard_normal())
        lf[t] = max(0.5, 1 + sigma["l"] * g.standard_normal())
    return rng_cell.Variation(mtj=m, dvth=dvth, wfac=wf, lfac=lf)


def variation_row(p: dict, design, bias: float, var: rng_cell.Variation, retries: int = 3) -> dict:
    """Realised p of one variation sample at `bias` (exact hazard with the sample's own MTJ)."""
    pt = exact_point(p, design, bias, var, retries)
    row = {"bias_v": bias, "p": pt["p_sw"], "h": pt["h"], "current_a": pt["current_a"],
           "rp_ohm": mtj_rp({**p, **var.mtj})}
    row.update({k: v for k, v in var.mtj.items() if k in MTJ_VARIED})
    row.update({f"dvth_{k}": v for k, v in var.dvth.items()})
    return row


def from_config(config: dict):
    """(MTJ params, Design, retries, variation sigmas) from the validated config (`spice`, `rng`)."""
    rng = config["rng"]
    p = rng_cell.nominal(rng.get("mtj", {}))
    over = {"vdd": config["spice"]["vdd"], "temperature_c": config["spice"]["temperature_c"],
            **rng.get("design", {})}
    design = rng_cell.Design.from_config(over)
    sigma = {k: float(v["value"]) for k, v in sources_variation().items()}
    sigma.update(rng["variation"].get("sigma", {}))
    return p, design, int(config["spice"]["max_retries"]), sigma


def sources_variation() -> dict:
    """The `variation` block of devices/params/sot_mtj.yaml (value, unit, source)."""
    import yaml

    from .params import PARAM_DIR

    return yaml.safe_load((PARAM_DIR / "sot_mtj.yaml").read_text())["variation"]
