"""Sweeps, per-trial runs and variation Monte Carlo of the Spin-ScaleDrop cell (paper Sec. V-A/B).

Exact shortcut: the write path (track) is separate from the read path, so one transient with a
never-reached threshold gives the switching law's accumulator over the measured SET current and p from it
(devices/mtj.py). Per-trial runs draw E = -ln(u), u ~ U(0,1), from a seeded numpy Generator, map them to
accumulator thresholds (mtj.node_threshold) and run
RESET/SET/read cycles in transients of at most TRIAL_BATCH cycles; the SA output gives the bitstream.
Calibration (`calibrate`): the chip has one dropout module, so its die-level offset is trimmed once by a
successive-approximation search of the write-bias trim DAC on the sample's own SPICE cell.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import mtj, rng_cell
from .params import mtj_rp
from .spice import set_wall_timeout

MTJ_VARIED = ("ra", "tmr0", "delta", "ic0", "rtrack")  # relative Normal sigmas
TRANSISTOR_VARIED = rng_cell.TRANSISTORS  # H-bridge: Pelgrom dVth, W/L relative sigmas


TRIAL_BATCH = 50  # cycles per transient: ngspice's per-step cost grows with the PWL length


def exact_points(p: dict, design, biases, var=None, retries: int = 3) -> list[dict]:
    """Exact p_sw at each write bias: one transient with one never-switching cycle per bias."""
    biases = [float(b) for b in biases]
    tr = rng_cell.simulate(p, design, (100.0,) * len(biases), var, retries, biases=biases,
                           title=f"rng_cell vbias={biases[0]:.4f}..")
    return [{"bias_v": b, **rng_cell.set_switching(tr, p, design, k, var)} for k, b in enumerate(biases)]


def exact_point(p: dict, design, bias: float, var=None, retries: int = 3) -> dict:
    """Exact p_sw at write bias `bias`: one transient, the law's accumulator from the current waveform."""
    return exact_points(p, design, [bias], var, retries)[0]


def trial_point(p: dict, design, bias: float, n: int, rng: np.random.Generator, retries: int = 3) -> dict:
    """n RESET/SET/read cycles (transients of <= TRIAL_BATCH cycles) with thresholds from E = -ln(u), `rng`:
    SA bit counts, Wilson interval, SA errors against the magnetisation, energy per cycle."""
    d = replace(design, vbias=float(bias))
    th = mtj.node_threshold(-np.log(rng.random(n)), p)
    bits, state, energy = [], [], 0.0
    for a in range(0, n, TRIAL_BATCH):
        part = th[a:a + TRIAL_BATCH]
        tr = rng_cell.simulate(p, d, part, None, retries, title=f"rng_cell trials vbias={bias:.4f}")
        bits.append(rng_cell.read_bits(tr, d, part.size))
        state.append(rng_cell.state_bits(tr, d, part.size))
        energy += rng_cell.energy_per_cycle(tr, d, part.size) * part.size
    bits, state = np.concatenate(bits), np.concatenate(state)
    lo, hi = mtj.wilson(bits.sum(), n)
    return {"n_trials": n, "k_switch": int(bits.sum()), "p_trials": float(bits.mean()),
            "wilson_lo": float(lo), "wilson_hi": float(hi), "sa_errors": int((bits != state).sum()),
            "energy_per_bit_pj": energy / n * 1e12, "bits": "".join(map(str, bits))}


def calibrate(p: dict, design, biases, targets, var, cal: dict, rng: np.random.Generator,
              retries: int = 3) -> list[dict]:
    """One-time trim of the write bias of each target (successive approximation, MSB first).

    The trim DAC adds (code - 2^(bits-1)) * dac_step to the nominal bias `biases[j]` (mid code = nominal).
    Each step sets the next bit, measures the bit frequency k/n_cal of n_cal reads (k ~ Binomial(n_cal,
    p_exact), the validated exact shortcut) and clears the bit if k/n_cal > target. All targets
    are trimmed in parallel, one transient per step. Returns per target: `raw` (exact point at the
    nominal bias = mid code), final code, trimmed bias and the exact p there (re-simulated)."""
    bits, step, n_cal = int(cal["trim_bits"]), float(cal["dac_step"]), int(cal["n_cal"])
    mid = 1 << (bits - 1)
    code = np.zeros(len(biases), dtype=int)
    raw = None
    for b in range(bits - 1, -1, -1):
        trial = code | (1 << b)
        pts = exact_points(p, design, np.asarray(biases) + (trial - mid) * step, var, retries)
        ps = np.array([pt["p_sw"] for pt in pts])
        raw = pts if raw is None else raw  # first step is the mid code = the nominal bias
        freq = rng.binomial(n_cal, ps) / n_cal
        code = np.where(freq > np.asarray(targets), code, trial)
    final = np.asarray(biases) + (code - mid) * step
    pts = exact_points(p, design, final, var, retries)
    return [{"raw": raw[j], "cal_code": int(code[j]), "bias_cal_v": float(final[j]), "p_cal": pts[j]["p_sw"]}
            for j in range(len(biases))]


def counting_halfwidth(p: float, n_cal: int, z: float = 3.0) -> float:
    """z-sigma binomial counting error of a frequency measured over n_cal reads: z sqrt(p(1-p)/n_cal)."""
    return z * float(np.sqrt(p * (1 - p) / n_cal))


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


def one_sigma_variations(p: dict, design, sigma: dict):
    """(name, sigma, Variation at -1 sigma, Variation at +1 sigma) for each varied parameter alone."""
    widths = {"mp1": design.w_p, "mn1": design.w_n, "mp2": design.w_p, "mn2": design.w_bias}
    lengths = {"mp1": design.l_min, "mn1": design.l_min, "mp2": design.l_min, "mn2": design.l_bias}
    for k in MTJ_VARIED:
        yield k, sigma[k], *(rng_cell.Variation(mtj={k: p[k] * (1 + s * sigma[k])}) for s in (-1, 1))
    for t in TRANSISTOR_VARIED:
        sv = pelgrom_sigma(sigma["a_vt"], widths[t], lengths[t])
        yield f"dvth_{t}", sv, *(rng_cell.Variation(dvth={t: s * sv}) for s in (-1, 1))
        yield f"w_{t}", sigma["w"], *(rng_cell.Variation(wfac={t: 1 + s * sigma["w"]}) for s in (-1, 1))
        yield f"l_{t}", sigma["l"], *(rng_cell.Variation(lfac={t: 1 + s * sigma["l"]}) for s in (-1, 1))


def sensitivity(p: dict, design, biases, targets, sigma: dict, retries: int = 3) -> list[dict]:
    """Per-parameter sensitivity: p at -1 and +1 sigma of each parameter alone, at every target bias
    (one transient per perturbation); dp_per_sigma = (p(+1) - p(-1)) / 2."""
    rows = []
    for name, sd, lo, hi in one_sigma_variations(p, design, sigma):
        pl, ph = (exact_points(p, design, biases, v, retries) for v in (lo, hi))
        for j, tg in enumerate(targets):
            rows.append({"param": name, "sigma": sd, "p_target": tg, "p_minus": pl[j]["p_sw"],
                         "p_plus": ph[j]["p_sw"], "dp_per_sigma": (ph[j]["p_sw"] - pl[j]["p_sw"]) / 2})
    return rows


def variation_rows(p: dict, design, biases, targets, var: rng_cell.Variation, cal: dict | None,
                   rng: np.random.Generator, retries: int = 3) -> list[dict]:
    """Realised p of one variation sample at each target's nominal bias (raw) and, with `cal`, after the
    one-time trim (`calibrate`); plus the sample's parameter draws."""
    if cal:
        res = calibrate(p, design, biases, targets, var, cal, rng, retries)
        pts = [r.pop("raw") for r in res]
    else:
        pts, res = exact_points(p, design, biases, var, retries), [{} for _ in biases]
    draws = {k: v for k, v in var.mtj.items() if k in MTJ_VARIED}
    draws.update({f"dvth_{k}": v for k, v in var.dvth.items()})
    return [{"p_target": tg, "bias_v": pt["bias_v"], "p": pt["p_sw"], "a": pt["a"], "current_a": pt["current_a"],
             **r, "rp_ohm": mtj_rp({**p, **var.mtj}), **draws} for tg, pt, r in zip(targets, pts, res)]


def from_config(config: dict, llg_fit=None):
    """(MTJ params, Design, retries, variation sigmas) from the validated config (`spice`, `rng`).

    `llg_fit`: path of results/devices/llg_fit.json (the switching law fitted to the sLLG solver): its
    form, delta, ic0 and tau0 replace the Eq. 25 stand-in of devices/params/sot_mtj.yaml, its
    `track_resistance` (the stack's, derived) is the cell's rtrack and its `pillar` (the stack's free-layer
    ellipse, RA, TMR) the cell's MTJ; config `rng.mtj` overrides apply last."""
    rng = config["rng"]
    set_wall_timeout(config["spice"].get("timeout_s", 600.0))
    over = dict(rng.get("mtj", {}))
    if llg_fit is not None:
        fit_ = mtj.load_llg_fit(llg_fit)
        over = {**{k: fit_[k] for k in (*mtj.LLG_KEYS, "form")}, **fit_.get("track", {}), **fit_.get("pillar", {}),
                **over}
    p = rng_cell.nominal(over)
    over = {"vdd": config["spice"]["vdd"], "temperature_c": config["spice"]["temperature_c"],
            **rng.get("design", {})}
    design = rng_cell.Design.from_config(over)
    sigma = {k: float(v["value"]) for k, v in sources_variation().items()}
    sigma.update((rng.get("variation") or {}).get("sigma") or {})
    return p, design, int(config["spice"]["max_retries"]), sigma


def bias_for_p(p: dict, design, target: float, lo: float, hi: float, var=None, retries: int = 3,
               tol: float = 1e-4) -> float:
    """Write bias in [lo, hi] whose exact p_sw equals `target` (bisection on the monotonic p(bias), one
    single-cycle transient per step, to `tol` V). Raises ValueError if [lo, hi] does not bracket it."""
    p_lo, p_hi = (exact_point(p, design, b, var, retries)["p_sw"] for b in (lo, hi))
    if not p_lo <= target <= p_hi:
        raise ValueError(f"no write bias in [{lo}, {hi}] V gives p = {target} (p from {p_lo:.3g} to "
                         f"{p_hi:.3g}): widen config.rng.sweep.bias_min/bias_max")
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if exact_point(p, design, mid, var, retries)["p_sw"] < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def sweep_biases(p: dict, design, sweep: dict, retries: int = 3) -> np.ndarray:
    """n_points write biases, evenly spaced between those where the exact p_sw equals sweep.p_min and
    sweep.p_max, searched inside [bias_min, bias_max]: the sweep follows the card and the MTJ fit. The
    Eq. 25 law saturates (devices/mtj.py), so there p_max must lie below the fitted magnet's largest p."""
    p_sat = float(mtj.p_saturated(design.t_set, p))
    if sweep["p_max"] >= p_sat:
        raise ValueError(f"config.rng.sweep.p_max: {sweep['p_max']} is not below {p_sat:.4f}, the largest p of "
                         f"the {mtj.form_of(p)} law for this magnet (Delta {p['delta']:.3g}, tau0 "
                         f"{p['tau0']:.3g} s) in a {design.t_set * 1e9:g} ns SET")
    ends = [bias_for_p(p, design, sweep[k], sweep["bias_min"], sweep["bias_max"], None, retries)
            for k in ("p_min", "p_max")]
    return np.linspace(ends[0], ends[1], sweep["n_points"])


def sources_variation() -> dict:
    """The `variation` block of devices/params/sot_mtj.yaml (value, unit, source)."""
    import yaml

    from .params import PARAM_DIR

    return yaml.safe_load((PARAM_DIR / "sot_mtj.yaml").read_text())["variation"]
