"""SAR ADC of the column readout at transistor level (PTM 45 nm HP): StrongARM comparator + binary CDAC.

Why SAR: a b-bit SAR makes b comparisons per conversion with one comparator and a 2^b C_u capacitor array,
so its energy grows ~linearly in b plus the CDAC's 2^b term, while a flash needs 2^b - 1 comparators that all
fire every conversion (exponential energy and area). Shared by `mux_ratio` columns (NeuroSim-style), one SAR
per group of columns is what CIM macros at 3-8 bits use.

CDAC (bottom-plate sampling): during sampling the top plate sits at v_cm and every bottom plate at the input;
then bit i's bottom plate goes to v_refp (d_i = 1) or v_refn (d_i = 0), the terminating unit cap to v_refn, so
V_top - v_cm = a (v_refn + (v_refp - v_refn) D / 2^b - v_in), a = C_array / (C_array + C_parasitic). The
comparator (inp = a replica top plate `topr`: C_array to v_refn through one switch as wide as all the array's
bottom-plate switches together, plus the same top parasitic and top switch, sampled at v_cm, so the latch's ~0.1 V
kickback sees the same impedance on both inputs and is common mode; inn = top) keeps bit k when v_in is above the
trial level. The top-plate switches are sized for the whole top-plate capacitance. SAR register: behavioural
(B sources latching the comparator decision at the end of each cycle); every switch gate is driven through two
transistor inverters from vdd, so switch drive is in the simulated energy; the register's flip-flops are not.
Energy per conversion: vdd x the charge drawn from vdd, v_refp, v_refn, v_cm (buffers fed from vdd), averaged
over the simulated conversions; the input's sampling charge belongs to the front end (periphery.py).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from devices.spice import SpiceError, include, num, run_transient

RAILS = ("vdd", "vrefp", "vrefn", "vcm")
L_TOP = 90e-9   # top-plate switches: 2x minimum length (subthreshold leakage of the floating top plate)


@dataclass(frozen=True)
class SarSpec:
    """Design of one SAR ADC (SI units); v_refn..v_refp is the input range."""

    bits: int
    v_refn: float
    v_refp: float
    v_cm: float = 0.8             # top-plate switches conduct through the PMOS (|V_GS| 0.8 V >> |V_TH,p| 0.49 V) and
                                  # the StrongARM NMOS pair has 0.33 V overdrive; at 0.6 V both TG devices sit at
                                  # threshold on the PTM HP card (R_on 2.1 vs 0.6 kOhm um) and sampling does not settle
    vdd: float = 1.0
    c_unit: float = 1e-15
    c_top_par: float = 2e-15       # top-plate wiring to the comparator (plus the comparator gate, simulated)
    w_sw_per_f: float = 60e-9 / 1e-15  # switch width per farad of the cap it drives: R_on C fixed. TG R_on peaks
                                  # at mid-range, 3.2 kOhm um at 0.55 V (PTM HP card, both devices near threshold),
                                  # so tau = 53 ps and 8-bit settling, ln(2^10) tau = 0.37 ns, fits the sampling phase
    w_sw_min: float = 120e-9
    t_clk: float = 0.5e-9
    t_edge: float = 20e-12
    t_step: float = 5e-12
    comparator: tuple = ()         # (name, value) pairs passed to the strongarm subckt (sizes, Vth shifts)
    temp_c: float = 27.0

    def __post_init__(self):
        if isinstance(self.bits, bool) or int(self.bits) != self.bits or not 1 <= self.bits <= 12:
            raise ValueError(f"periphery.adc.bits must be an integer in 1..12, got {self.bits!r}")
        if not 0 <= self.v_refn < self.v_refp <= self.vdd:
            raise ValueError(f"ADC range must satisfy 0 <= v_refn < v_refp <= vdd, got {self.v_refn}, {self.v_refp}")
        for k in ("c_unit", "t_clk", "t_edge", "t_step", "v_cm"):
            if not getattr(self, k) > 0:
                raise ValueError(f"periphery.adc.{k} must be > 0, got {getattr(self, k)!r}")

    @property
    def t_conv(self) -> float:
        """One conversion: a sampling cycle plus one cycle per bit."""
        return (self.bits + 1) * self.t_clk

    @property
    def lsb(self) -> float:
        return (self.v_refp - self.v_refn) / 2 ** self.bits


def run_refined(deck_of, step: float, names, title: str, retries: int):
    """Transient of deck_of(t_step); a deck that does not converge (after the driver's relaxed-option retries) is
    retried once at t_step / 4, then reported by name."""
    try:
        return run_transient(deck_of(step), names, title=title, retries=retries)
    except SpiceError:
        try:
            return run_transient(deck_of(step / 4), names, title=f"{title} (t_step/4)", retries=retries)
        except SpiceError as e:
            raise SpiceError(f"{title}: no convergence at t_step {step:g} s nor {step / 4:g} s ({e})") from None


def _pwl(points) -> str:
    return "PWL(" + " ".join(f"{num(t)} {num(v)}" for t, v in points) + ")"


def _pulses(starts, width: float, edge: float, high: float) -> str:
    """PWL of rectangular pulses starting at `starts`, each `width` long."""
    pts = [(0.0, 0.0)]
    for s in sorted(starts):
        if width > edge:
            pts += [(s, 0.0), (s + edge, high), (s + width, high), (s + width + edge, 0.0)]
    return _pwl(pts) if len(pts) > 1 else "0"


def _header(s: SarSpec, title: str) -> list[str]:
    return [f"* {title}", include("ptm45hp.lib"), include("periphery.lib"), f".temp {num(s.temp_c)}",
            f"Vdd vdd 0 {num(s.vdd)}", f"Vrefp vrefp 0 {num(s.v_refp)}", f"Vrefn vrefn 0 {num(s.v_refn)}",
            f"Vcm vcm 0 {num(s.v_cm)}", ".model swl sw vt=0.5 vh=0.1 ron=100 roff=1e12"]


def _switch(name: str, a: str, b: str, ctl: str, c_drive: float, s: SarSpec, length: float = 45e-9) -> list[str]:
    """Transmission gate a-b enabled by behavioural control node `ctl` (0..vdd), gate drive by 2 inverters."""
    w = max(s.w_sw_min, s.w_sw_per_f * c_drive * length / 45e-9)
    return [f"X{name}i1 {ctl} {name}gb vdd inv wn={num(max(90e-9, w / 4))} wp={num(max(180e-9, w / 2))}",
            f"X{name}i2 {name}gb {name}g vdd inv wn={num(max(90e-9, w / 4))} wp={num(max(180e-9, w / 2))}",
            f"X{name} {a} {b} {name}g {name}gb vdd tg wn={num(w)} wp={num(w)} l={num(length)}"]


def _cdac(s: SarSpec, vin: str, d_expr) -> list[str]:
    """Capacitor array, top plate `top`; d_expr(i) = B-source expression of bit i's DAC value (0..1)."""
    c_arr = s.c_unit * 2 ** s.bits
    c_top = c_arr + s.c_top_par
    L = [f"Ctpar top 0 {num(s.c_top_par)}", *_switch("swt", "top", "vcm", "smpt", c_top, s, L_TOP),
         f"Crpar topr 0 {num(s.c_top_par)}", f"Crarr topr br {num(c_arr)}",
         *_switch("srb", "br", "vrefn", "vdd", c_arr, s), *_switch("swr", "topr", "vcm", "smpt", c_top, s, L_TOP)]
    caps = [(f"b{i}", s.c_unit * 2 ** i, d_expr(i)) for i in range(s.bits)] + [("bd", s.c_unit, "0")]
    for name, c, d in caps:
        L += [f"C{name} {name} top {num(c)}",
              f"B{name}p {name}cp 0 V = {num(s.vdd)} * v(conv) * ({d})",
              f"B{name}n {name}cn 0 V = {num(s.vdd)} * v(conv) * (1 - ({d}))",
              *_switch(f"s{name}i", name, vin, "smpb", c, s), *_switch(f"s{name}p", name, "vrefp", f"{name}cp", c, s),
              *_switch(f"s{name}n", name, "vrefn", f"{name}cn", c, s)]
    return L


def _comparator(s: SarSpec) -> list[str]:
    extra = " ".join(f"{k}={num(v)}" for k, v in s.comparator)
    return [f"Xcmp topr top clk outp outn vdd strongarm {extra}".rstrip(),
            "Xbo1 outp ob1 vdd inv", "Xbo2 outn ob2 vdd inv"]


def conversion_deck(s: SarSpec, vins) -> str:
    """Closed-loop SAR conversions of the input levels `vins`, back to back."""
    n, T, e, b = len(vins), s.t_clk, s.t_edge, s.bits
    t0 = np.arange(n) * s.t_conv
    vin_pts = [(0.0, vins[0])]
    for k in range(1, n):
        vin_pts += [(t0[k] - 2 * e, vins[k - 1]), (t0[k] - e, vins[k])]
    L = _header(s, f"SAR ADC {b} bits, {n} conversions") + [f"Vin vin 0 {_pwl(vin_pts)}"]
    L += [f"Vsmpt smpt 0 {_pulses(t0, T - 3 * e, e, s.vdd)}", f"Vsmpb smpb 0 {_pulses(t0, T - e, e, s.vdd)}",
          f"Vconv conv 0 {_pulses(t0 + T, b * T - 2 * e, e, 1.0)}",
          f"Vclk clk 0 {_pulses(np.concatenate([t0 + T + k * T + T / 2 for k in range(b)]), T / 2 - 2 * e, e, s.vdd)}",
          "Bdec dec 0 V = 0.5 * (1 + tanh(20 * (v(outp) - v(outn))))"]
    for k in range(b):
        i = b - 1 - k                                   # bit i decided in cycle k (MSB first)
        L += [f"Vtr{i} tr{i} 0 {_pulses(t0 + T + k * T, (b - k) * T - 2 * e, e, 1.0)}",
              f"Vla{i} la{i} 0 {_pulses(t0 + T + (k + 1) * T - e, (b - k - 1) * T, e, 1.0)}",
              f"Vlt{i} lt{i} 0 {_pulses(t0 + T + (k + 1) * T - 0.3 * T, 0.2 * T, e, 1.0)}",
              f"Sq{i} q{i} dec lt{i} 0 swl", f"Cq{i} q{i} 0 10f"]
    L += _cdac(s, "vin", lambda i: f"v(tr{i}) * (1 - v(la{i})) + v(la{i}) * v(q{i})")
    L += _comparator(s)
    L += [f".tran {num(s.t_step)} {num(n * s.t_conv)} 0 {num(s.t_step)}", ".end"]
    return "\n".join(L)


def _energy(res, s: SarSpec, t_a: float, t_b: float) -> float:
    t = res.time
    m = (t >= t_a) & (t <= t_b)
    return s.vdd * sum(np.trapezoid(np.clip(-res[f"i({r})"][m], 0, None), t[m]) for r in RAILS)


def convert(s: SarSpec, vins, retries: int = 3) -> dict:
    """Codes of `vins` from the closed-loop SAR transient, energy per conversion [J] (all but the first
    conversion, which starts from the DC operating point), conversion time [s]."""
    vins = [float(v) for v in vins]
    names = ["time", *(f"i({r})" for r in RAILS), *(f"v(q{i})" for i in range(s.bits))]
    res = run_refined(lambda h: conversion_deck(replace(s, t_step=h), vins), s.t_step, names, f"sar_adc_b{s.bits}",
                      retries)
    ends = (np.arange(len(vins)) + 1) * s.t_conv - 2 * s.t_edge
    bits = np.array([[np.interp(te, res.time, res[f"v(q{i})"]) > 0.5 for i in range(s.bits)] for te in ends])
    codes = (bits * (2 ** np.arange(s.bits))).sum(1).astype(int)
    n = len(vins)
    e = _energy(res, s, s.t_conv, n * s.t_conv) / (n - 1) if n > 1 else _energy(res, s, 0, s.t_conv)
    return {"codes": codes.tolist(), "energy_j": float(e), "t_conv_s": s.t_conv, "attempts": res.attempts}


def dac_sweep_deck(s: SarSpec, t_hold: float) -> str:
    """Every code D = 0..2^b - 1 in its own slot: sample v_in = v_refn (one t_clk), then hold code D for t_hold
    (each level is read t_hold after its own sampling: the floating top plate's leakage does not accumulate).
    A first slot at code 0 settles the array from the DC operating point and is not read."""
    b, T, e = s.bits, s.t_clk, s.t_edge
    codes = [0] + list(range(2 ** b))
    slot = s.t_clk + t_hold
    t0 = np.arange(len(codes)) * slot
    L = _header(s, f"SAR CDAC sweep {b} bits") + [f"Vin vin 0 {num(s.v_refn)}", "Vclk clk 0 0"]
    L += [f"Vsmpt smpt 0 {_pulses(t0, T - 3 * e, e, s.vdd)}", f"Vsmpb smpb 0 {_pulses(t0, T - e, e, s.vdd)}",
          f"Vconv conv 0 {_pulses(t0 + T, t_hold - 2 * e, e, 1.0)}"]
    for i in range(b):
        lv = [(D >> i) & 1 for D in codes]
        pts = [(0.0, float(lv[0]))]
        for k in range(1, len(codes)):
            if lv[k] != lv[k - 1]:
                pts += [(t0[k], float(lv[k - 1])), (t0[k] + e, float(lv[k]))]
        L.append(f"Vd{i} d{i} 0 {_pwl(pts)}")
    L += _cdac(s, "vin", lambda i: f"v(d{i})")
    L += _comparator(s)
    L += [f".tran {num(s.t_step)} {num(len(codes) * slot)} 0 {num(s.t_step)}", ".end"]
    return "\n".join(L)


def dac_levels(s: SarSpec, t_hold: float | None = None, retries: int = 3) -> dict:
    """Top-plate voltage (2^b,) at the end of each code's hold, from SPICE."""
    t_hold = t_hold or s.t_clk / 2
    res = run_refined(lambda h: dac_sweep_deck(replace(s, t_step=h), t_hold), s.t_step, ["time", "v(top)"],
                      f"sar_cdac_b{s.bits}", retries)
    ts = (np.arange(2 ** s.bits) + 2) * (s.t_clk + t_hold) - 3 * s.t_edge
    return {"levels_v": np.interp(ts, res.time, res["v(top)"]).tolist(), "attempts": res.attempts}


def linearity(levels: np.ndarray) -> dict:
    """Code thresholds from DAC levels (SAR: transition D-1 -> D where the input crosses level D): DNL and INL
    in LSB against the endpoint line, and monotonicity.."""
    thr = np.asarray(levels) - levels[0]             # top plate rises with D: thresholds increase
    steps = np.diff(thr)
    lsb = (thr[-1] - thr[0]) / (len(thr) - 1)
    dnl = steps / lsb - 1.0
    inl = (thr - thr[0]) / lsb - np.arange(len(thr))
    return {"lsb_top_v": float(lsb), "dnl_lsb": dnl.tolist(), "inl_lsb": inl.tolist(),
            "dnl_max": float(np.abs(dnl).max()), "inl_max": float(np.abs(inl).max()),
            "monotonic": bool((steps > 0).all())}


def offset_deck(base: SarSpec, shifts: np.ndarray, v_span: float, cycles: int) -> str:
    """`len(shifts)` comparators with their own Vth shifts, inn = v_cm, inp ramped over +-v_span/2 in `cycles`."""
    T, e = base.t_clk, base.t_edge
    L = _header(base, f"StrongARM offset MC, {len(shifts)} comparators")
    L += [f"Vramp inp 0 {_pwl([(0.0, base.v_cm - v_span / 2), (cycles * T, base.v_cm + v_span / 2)])}",
          f"Vclk clk 0 {_pulses(np.arange(cycles) * T + T / 2, T / 2 - 2 * e, e, base.vdd)}"]
    keys = ("din1", "din2", "dln1", "dln2", "dlp1", "dlp2")
    extra = " ".join(f"{k}={num(v)}" for k, v in base.comparator if k not in keys)
    for j, sh in enumerate(shifts):
        dv = " ".join(f"{k}={num(v)}" for k, v in zip(keys, sh))
        L += [f"Xc{j} inp vcm clk op{j} on{j} vdd strongarm {extra} {dv}", f"Xa{j} op{j} oa{j} vdd inv",
              f"Xb{j} on{j} ob{j} vdd inv"]
    L += [f".tran {num(base.t_step)} {num(cycles * T)} 0 {num(base.t_step)}", ".end"]
    return "\n".join(L)


def comparator_offsets(base: SarSpec, shifts: np.ndarray, v_span: float, cycles: int, retries: int = 3) -> dict:
    """Input offset [V] of each comparator: the ramp value at its first `inp > inn` decision (resolution
    v_span / cycles); energy per comparison [J] and decision delay at the largest overdrive."""
    n = len(shifts)
    names = ["time", "v(inp)", "v(clk)", "i(vdd)"] + [f"v(op{j})" for j in range(n)] + [f"v(on{j})" for j in range(n)]
    res = run_refined(lambda h: offset_deck(replace(base, t_step=h), shifts, v_span, cycles), base.t_step, names,
                      "strongarm_offset_mc", retries)
    T, t = base.t_clk, res.time
    te = np.arange(cycles) * T + T - 2 * base.t_edge
    vin = np.interp(te - T / 2, t, res["v(inp)"]) - base.v_cm
    off = []
    for j in range(n):
        d = np.interp(te, t, res[f"v(op{j})"]) > np.interp(te, t, res[f"v(on{j})"])
        first = np.flatnonzero(d)
        off.append(float(vin[first[0]]) if len(first) else float("nan"))
    e_cmp = base.vdd * np.trapezoid(np.clip(-res["i(vdd)"], 0, None), t) / (cycles * n)
    return {"offsets_v": off, "energy_per_comparison_j": float(e_cmp), "resolution_v": v_span / cycles}


def spec_from_config(cfg: dict, bits: int, v_range) -> SarSpec:
    """SarSpec from the `periphery.adc` and `spice` config sections (units as in config.yaml)."""
    a, sp = cfg["periphery"]["adc"], cfg["spice"]
    c = a["comparator"]
    nm = 1e-9
    return SarSpec(bits=bits, v_refn=v_range[0], v_refp=v_range[1], v_cm=a["v_cm"], vdd=sp["vdd"],
                   c_unit=a["c_unit_ff"] * 1e-15, c_top_par=a["c_top_par_ff"] * 1e-15, t_clk=a["t_clk_ps"] * 1e-12,
                   t_step=a["t_step_ps"] * 1e-12, temp_c=sp["temperature_c"],
                   comparator=(("win", c["win_nm"] * nm), ("lin", c["lin_nm"] * nm), ("wt", c["wt_nm"] * nm),
                               ("wl", c["wl_nm"] * nm), ("wr", c["wr_nm"] * nm)))
