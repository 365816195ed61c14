"""Column front end, word-line driver + row decoder and column mux at transistor level (PTM 45 nm HP).

Front end (regulated clamp + integrating capacitor with reset): the column's sense line `bl` is held at
v_read by an NMOS clamp whose gate is driven by a 5-transistor OTA (PMOS input pair, reference v_read); the
driven read lines sit at 0 V and the undriven ones at v_read, the mirror of devices/crossbar.py's polarity
(same |V| across every cell). The column current flows from the integration node `out` (reset to vdd by a
PMOS) through the clamp, so after t_int: V_out = vdd - I t_int / C_int (paper Sec. V-C: a current-to-voltage
front end before the ADC). The column is its Norton conductance G(p) = I(p) / v_read from the crossbar SPICE
transfer, plus its wire capacitance on bl. C_int is derived: the largest column current fills v_swing.
Energy per read: vdd x charge drawn from vdd (reset recharge = the column's charge, OTA bias, reset drive).

Word line: NAND2 row decoder (group select x enable) -> a chain of inverters tapered by `fanout` up to the
word-line load C_wl (the access gates of all columns + wire, from the crossbar model's SPICE word-line
energy: C_wl = E_row / vdd^2), driven as a distributed RC line (r_wire per cell pitch). Energy per row
activation (rise and fall), delay to 90 % at the far end.

Mux: `ratio` transmission gates onto one ADC input bus loaded by the ADC's sampling capacitance; energy per
selection change (gate drive through an inverter pair and bus charge), from vdd.
"""
from __future__ import annotations

import math

import numpy as np

from devices.adc import run_refined
from devices.spice import include, num


def _e_drawn(res, src: str, v: float, t_a: float = 0.0, t_b: float = math.inf) -> float:
    t = res.time
    m = (t >= t_a) & (t <= t_b)
    return v * float(np.trapezoid(np.clip(-res[f"i({src})"][m], 0, None), t[m]))


def _pwl(points) -> str:
    return "PWL(" + " ".join(f"{num(t)} {num(v)}" for t, v in points) + ")"


def frontend_deck(currents, c_int: float, c_bl: float, d: dict, vdd: float, v_read: float,
                  temp_c: float = 27.0) -> str:
    """One read per current (column conductance stepped between reads): reset t_reset, integrate t_int."""
    t_rs, t_int, e = d["t_reset"], d["t_int"], d["t_edge"]
    slot = t_rs + t_int
    g_pts, rst_pts = [], []
    for k, i in enumerate(currents):
        r = v_read / i
        t0 = k * slot
        g_pts += [(t0 + e, r), (t0 + slot, r)] if k else [(0.0, r), (slot, r)]
        rst_pts += [(t0, 0.0), (t0 + t_rs, 0.0), (t0 + t_rs + e, vdd), (t0 + slot - e, vdd)]
    L = ["* column front end: regulated clamp + integrating capacitor", include("ptm45hp.lib"),
         f".temp {num(temp_c)}", f"Vdd vdd 0 {num(vdd)}", f"Vref ref 0 {num(v_read)}", f"Vbp bp 0 {num(d['v_bias_p'])}",
         f"Vrst rst 0 {_pwl(rst_pts)}",
         # column: Norton conductance to the 0 V drivers; resistance stepped per read (behavioural R)
         f"Vr rr 0 {_pwl(g_pts)}", "Bcol bl 0 I = v(bl) / v(rr)", f"Cbl bl 0 {num(c_bl)}",
         f"Mt tail bp vdd vdd ptm45p W={num(d['w_tail'])} L={num(d['l_ota'])}",
         f"M1 o1 ref tail vdd ptm45p W={num(d['w_in'])} L={num(d['l_ota'])}",
         f"M2 vg bl tail vdd ptm45p W={num(d['w_in'])} L={num(d['l_ota'])}",
         f"M3 o1 o1 0 0 ptm45n W={num(d['w_mirror'])} L={num(d['l_ota'])}",
         f"M4 vg o1 0 0 ptm45n W={num(d['w_mirror'])} L={num(d['l_ota'])}",
         f"Mc out vg bl 0 ptm45n W={num(d['w_clamp'])} L=45e-9",
         f"Cint out 0 {num(c_int)}",
         f"Mr out rst vdd vdd ptm45p W={num(d['w_reset'])} L=45e-9",
         f".tran {num(d['t_step'])} {num(len(currents) * slot)} 0 {num(d['t_step'])}", ".end"]
    return "\n".join(L)


def frontend(currents, d: dict, vdd: float, v_read: float, c_bl: float, retries: int = 3,
             temp_c: float = 27.0) -> dict:
    """V_out at the end of each integration, bl voltage, C_int, energy per read [J] (mean over reads 2..n).

    The out node's integrating capacitance is the capacitor plus the clamp and reset drains. It is derived so
    that the largest current fills v_swing: C_total = I_max t_int / v_swing. A first transient with the capacitor
    alone gives the node's parasitic (t_int / |dV/dI| - capacitor); the capacitor is then reduced by it. Without
    this, short columns (small C_total) lose up to ~1/3 of the swing. Their ADC references then sit in the
    transmission-gate dead zone at mid-rail, where the switches are weak."""
    currents = np.asarray(currents, float)
    if not (currents > 0).all():
        raise ValueError("front end: column currents must be > 0")
    c_total = currents.max() * d["t_int"] / d["v_swing"]
    slot = d["t_reset"] + d["t_int"]
    ends = (np.arange(len(currents)) + 1) * slot - 2 * d["t_edge"]

    def run(c_cap):
        res = run_refined(lambda h: frontend_deck(currents, c_cap, c_bl, {**d, "t_step": h}, vdd, v_read, temp_c),
                          d["t_step"], ["time", "v(out)", "v(bl)", "i(vdd)"], "frontend", retries)
        return res, np.interp(ends, res.time, res["v(out)"])

    _, v0 = run(c_total)
    c_par = d["t_int"] / -np.polyfit(currents, v0, 1)[0] - c_total
    c_cap = c_total - max(c_par, 0.0)
    if c_cap < 0.2 * c_total:
        raise ValueError(f"front end: out-node parasitic {c_par * 1e15:.1f} fF leaves no room for C_int "
                         f"({c_total * 1e15:.1f} fF); lengthen periphery.frontend.t_int_ns or lower v_swing")
    res, v_out = run(c_cap)
    v_bl = np.interp(ends, res.time, res["v(bl)"])
    e = [_e_drawn(res, "vdd", vdd, k * slot, (k + 1) * slot) for k in range(len(currents))]
    return {"v_out": v_out.tolist(), "v_bl": v_bl.tolist(), "c_int_f": c_total, "c_cap_f": c_cap,
            "c_par_f": float(c_par), "energy_per_read_j": e, "t_read_s": slot, "attempts": res.attempts}


def driver_chain(c_load: float, c_in_min: float, fanout: float) -> list[float]:
    """Inverter size multipliers (unit = minimum inverter) of a chain tapered by `fanout` to drive c_load;
    an odd count so that NAND2 + chain is non-inverting (active-high word line)."""
    n = max(1, round(math.log(max(c_load / c_in_min, 1.0)) / math.log(fanout)))
    n += 1 - n % 2
    f = (c_load / c_in_min) ** (1.0 / (n + 1))
    return [f ** (k + 1) for k in range(n)]


def wordline_deck(c_wl: float, r_wl: float, d: dict, vdd: float, segments: int = 8,
                  temp_c: float = 27.0) -> tuple[str, list, str]:
    sizes = driver_chain(c_wl, d["c_in_min"], d["fanout"])
    t_on, e = d["t_on"], d["t_edge"]
    L = ["* row decoder NAND2 + word-line driver chain + distributed RC word line", include("ptm45hp.lib"),
         include("periphery.lib"), f".temp {num(temp_c)}", f"Vdd vdd 0 {num(vdd)}", f"Vdec vdec 0 {num(vdd)}",
         f"Vsel sel 0 {_pwl([(0, 0), (e, 0), (2 * e, vdd), (t_on, vdd), (t_on + e, 0)])}",
         "Xnand sel en n0 vdec nand2", f"Ven en 0 {num(vdd)}"]
    for k, m in enumerate(sizes):
        L.append(f"Xd{k} n{k} n{k + 1} vdd inv wn={num(90e-9 * m)} wp={num(180e-9 * m)}")
    node = f"n{len(sizes)}"
    for s in range(segments):
        L += [f"Rw{s} {node if s == 0 else f'w{s}'} w{s + 1} {num(r_wl / segments)}",
              f"Cw{s} w{s + 1} 0 {num(c_wl / segments)}"]
    L += [f".tran {num(d['t_step'])} {num(2 * t_on)} 0 {num(d['t_step'])}", ".end"]
    return "\n".join(L), sizes, f"w{segments}"


def wordline(c_wl: float, r_wl: float, d: dict, vdd: float, retries: int = 3, temp_c: float = 27.0) -> dict:
    """Energy per row activation (driver chain from vdd + decoder NAND from its own rail) and far-end delay."""
    _, sizes, far = wordline_deck(c_wl, r_wl, d, vdd, temp_c=temp_c)
    res = run_refined(lambda h: wordline_deck(c_wl, r_wl, {**d, "t_step": h}, vdd, temp_c=temp_c)[0], d["t_step"],
                      ["time", "i(vdd)", "i(vdec)", f"v({far})"], "wordline", retries)
    v = res[f"v({far})"]
    hit = np.flatnonzero(v > 0.9 * vdd)
    delay = float(res.time[hit[0]] - d["t_edge"]) if len(hit) else float("nan")
    return {"energy_driver_j": _e_drawn(res, "vdd", vdd), "energy_decoder_j": _e_drawn(res, "vdec", vdd),
            "delay_s": delay, "stages": len(sizes), "sizes": sizes, "c_wl_f": c_wl, "r_wl_ohm": r_wl,
            "attempts": res.attempts}


def mux_deck(ratio: int, c_bus: float, v_in, d: dict, vdd: float, temp_c: float = 27.0) -> str:
    """`ratio` column outputs (held voltages v_in) onto one bus; each TG selected in turn for t_sel."""
    t_sel, e = d["t_sel"], d["t_edge"]
    L = ["* column mux", include("ptm45hp.lib"), include("periphery.lib"), f".temp {num(temp_c)}",
         f"Vdd vdd 0 {num(vdd)}",
         f"Cbus bus 0 {num(c_bus)}"]
    for k in range(ratio):
        a = k * t_sel
        pts = [(0, 0), (a, 0), (a + e, vdd), (a + t_sel - e, vdd), (a + t_sel, 0)] if k else \
            [(0, vdd), (t_sel - e, vdd), (t_sel, 0)]
        L += [f"Vc{k} c{k} 0 {_pwl(pts)}", f"Vi{k} in{k} 0 {num(v_in[k % len(v_in)])}",
              f"Xa{k} c{k} cb{k} vdd inv wn={num(d['w_sw'] / 2)} wp={num(d['w_sw'])}",
              f"Xb{k} cb{k} cg{k} vdd inv wn={num(d['w_sw'] / 2)} wp={num(d['w_sw'])}",
              f"Xt{k} in{k} bus cg{k} cb{k} vdd tg wn={num(d['w_sw'])} wp={num(d['w_sw'])}"]
    L += [f".tran {num(d['t_step'])} {num(ratio * t_sel)} 0 {num(d['t_step'])}", ".end"]
    return "\n".join(L)


def mux(ratio: int, c_bus: float, v_in, d: dict, vdd: float, retries: int = 3, temp_c: float = 27.0) -> dict:
    """Energy per column selection [J]: vdd-rail (select drivers) + charge drawn by the inputs, per select."""
    res = run_refined(lambda h: mux_deck(ratio, c_bus, v_in, {**d, "t_step": h}, vdd, temp_c), d["t_step"],
                      ["time", "i(vdd)"] + [f"i(vi{k})" for k in range(ratio)], f"mux_{ratio}", retries)
    e = _e_drawn(res, "vdd", vdd) + sum(_e_drawn(res, f"vi{k}", vdd) for k in range(ratio))
    return {"energy_per_select_j": e / ratio, "ratio": ratio, "attempts": res.attempts}
