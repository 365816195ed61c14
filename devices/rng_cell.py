"""Spin-ScaleDrop random-number cell (paper Fig. 2, Sec. V-B) as a PTM 45 nm HP / SOT-MTJ SPICE netlist.

Circuit: the SOT track (netlists/sot_mtj.lib) sits in an H-bridge of four PTM transistors, MP1/MN1 on
side `a` (= t1), MP2/MN2 on side `b` (= t2). One sample is a cycle RESET -> SET -> read:
  RESET (t_reset, 8 ns): MP2 + MN1 on, strong current b->a (~2 Ic0) restores the parallel state (AP->P);
  SET   (t_set, 10 ns):  MP1 on, MN2 gate at the write bias `vbias` -> a current source a->b whose
                         value sets the P->AP switching probability (the fitted switching law);
  read  (t_read):        a pre-charge sense amplifier (PCSA, Zhao et al., IEEE TMAG 45(10) 2009) first
                         pre-charges its outputs for `t_precharge` with the MTJ leg OPEN: the select
                         transistors (MNS, MNSR) and the leg tails (MN2 for the MTJ through the half
                         track, MNR for the reference) are off, so no current flows through the MTJ
                         (measured by `read_path`). At the SA enable, select (gate `vread_bias`: a source
                         follower limiting the MTJ voltage) and tails turn on together with the
                         evaluation; the MTJ and a reference resistance between R_P and R_AP discharge
                         the two SA outputs, which latch; two inverters buffer q = 1 for AP (switched).
                         The read current flows only from the SA enable until the latch cuts its leg
                         off: it is an STT pulse through the MTJ whose amplitude and duration
                         `read_path` measures (the read-disturb probability follows from the LLG solver;
                         the read is not disturb-free by construction).
The track current is measured by the 0 V source Vtrk, the MTJ read current by Vrdm; the accumulator node
of the subcircuit (xmtj.hs) integrates the switching law exactly (hazard H or precessional amplification
G, devices/mtj.py), so one transient with a never-reached threshold gives p. Transistors: netlists/ptm45hp.lib (published PTM 45 nm HP card),
temperature through `.temp` (Design.temperature_c).
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from . import mtj
from .llg import load_stack
from .params import load_params, mtj_rp
from .spice import include, num, run_transient

TRANSISTORS = ("mp1", "mn1", "mp2", "mn2")  # H-bridge (write driver)


@dataclass
class Design:
    """Circuit design values (all numbers; config `rng.design` overrides any of them)."""

    vdd: float = 1.0
    vbias: float = 0.637        # V, MN2 gate during SET (the write-bias knob; the workflow searches the bias
                                # of each target p on the law fitted to the sLLG solver, rng_targets.csv)
    vread_bias: float = 0.65    # V, gate of the read select/clamp transistors (limits the read voltage)
    # H-bridge (write driver), shared with the sLLG characterisation (workflow/rules/llg.smk): sized so that
    # on the PTM 45 nm HP card, through the stack's track (devices/params/sot_stack.yaml, ~1.46 kOhm), the
    # SET plateau reaches llg.x_range[1] = 1.5 x the derived Ic0(T) at 0..85 C with ~25 % margin
    # (~570 / 530 / 455 uA at VDD at 0 / 27 / 85 C) and RESET drives ~2 Ic0 (sLLG RESET WER 0/8000 in 8 ns).
    w_p: float = 2.0e-6         # H-bridge PMOS width
    w_n: float = 1.5e-6         # MN1 width (RESET sink)
    w_bias: float = 2.5e-6      # MN2 width (SET current source; large W*L lowers Vth mismatch)
    l_bias: float = 90e-9
    l_min: float = 45e-9
    w_sa: float = 180e-9
    l_sa: float = 90e-9
    t_reset: float = 8e-9       # sLLG RESET WER at ~2 Ic0: ~1e-2 in 5 ns, ~5e-4 in 6 ns, 0/8000 in 8 ns
    t_set: float = 10e-9
    t_read: float = 1e-9
    t_gap: float = 0.2e-9
    t_precharge: float = 0.3e-9  # SA pre-charge at the start of the read window (MTJ leg open)
    t_edge: float = 50e-12
    tstep: float = 50e-12
    temperature_c: float = 27.0

    @classmethod
    def from_config(cls, overrides: dict | None = None) -> "Design":
        known = {f.name for f in fields(cls)}
        for key, val in (overrides or {}).items():
            if key not in known:
                raise ValueError(f"unknown rng.design field {key!r}")
            if isinstance(val, bool) or not isinstance(val, (int, float)):
                raise ValueError(f"rng.design.{key} must be a number, got {val!r}")
        return cls(**{k: float(v) for k, v in (overrides or {}).items()})

    @property
    def period(self) -> float:
        return self.t_reset + self.t_set + self.t_read + 3 * self.t_gap

    def windows(self, k: int = 0) -> dict[str, tuple[float, float]]:
        """(start, stop) of RESET, SET and read in cycle `k` (edges included in the phase)."""
        t0 = k * self.period + self.t_gap
        r = (t0, t0 + self.t_reset)
        s = (r[1] + self.t_gap, r[1] + self.t_gap + self.t_set)
        d = (s[1] + self.t_gap, s[1] + self.t_gap + self.t_read)
        return {"reset": r, "set": s, "read": d}


@dataclass
class Variation:
    """Per-sample deviations: MTJ parameter values and per-transistor dVth [V] and W/L factors."""

    mtj: dict = field(default_factory=dict)
    dvth: dict = field(default_factory=dict)
    wfac: dict = field(default_factory=dict)
    lfac: dict = field(default_factory=dict)


def _pwl(points) -> str:
    return "PWL(" + " ".join(f"{num(t)} {num(v)}" for t, v in points) + ")"


def _pulses(design: Design, n: int, phase_levels, idle: float, delay=0.0) -> str:
    """PWL that sits at `idle` and takes level `phase_levels[phase]` (a number, or one per cycle) during
    each listed phase of n cycles, starting `delay` after the phase start (a number for every phase, or
    a dict phase -> delay, 0 for phases not in it)."""
    e = design.t_edge
    pts = [(0.0, idle)]
    for k in range(n):
        w = design.windows(k)
        for phase, level in phase_levels.items():
            lv = level[k] if np.ndim(level) else level
            a, b = w[phase]
            a += delay.get(phase, 0.0) if isinstance(delay, dict) else delay
            pts += [(a, idle), (a + e, lv), (b - e, lv), (b, idle)]
    return _pwl(sorted(pts, key=lambda x: x[0]))


def reference_resistance(p: dict, design: Design) -> float:
    """Reference leg: midpoint of R_P and R_AP (zero-bias TMR) plus the half track the MTJ leg sees."""
    rp = mtj_rp(p)
    return rp * (1 + p["tmr0"] / 2) + p["rtrack"] / 2


def netlist(p: dict, design: Design, thresholds=(100.0,), var: Variation | None = None,
            title: str = "Spin-ScaleDrop RNG cell", biases=None) -> str:
    """Complete deck for len(thresholds) RESET/SET/read cycles. `thresholds[k]` = accumulator threshold of
    cycle k (mtj.node_threshold of an Exp(1) draw)
    (100 never switches: use it to read the exact accumulator from xmtj.hs); `biases[k]` = write bias of cycle
    k (default design.vbias in every cycle). All values pass through num()."""
    var = var or Variation()
    d = design
    n = len(thresholds)
    mp = {**p, **var.mtj}
    vdd, vrb = d.vdd, d.vread_bias
    vb = d.vbias if biases is None else [float(b) for b in biases]
    if biases is not None and len(vb) != n:
        raise ValueError(f"netlist: {len(vb)} biases for {n} cycles")

    def mos(name, dd, g, s, b, model, w, l_):
        w *= var.wfac.get(name, 1.0)
        l_ *= var.lfac.get(name, 1.0)
        dv = var.dvth.get(name, 0.0)
        dv = -dv if model == "ptm45p" else dv  # delvto shifts vth0 (negative for PMOS): + dvth = weaker
        return f"{name} {dd} {g} {s} {b} {model} W={num(w)} L={num(l_)} delvto={num(dv)}"

    # threshold: new value set 1 ns into each RESET (the accumulators are disarmed there)
    th = [(0.0, thresholds[0])]
    for k in range(1, n):
        t = d.windows(k)["reset"][0] + 1e-9
        th += [(t, thresholds[k - 1]), (t + d.t_edge, thresholds[k])]
    lines = [
        f"* {title}",
        include("ptm45hp.lib"),
        include("sot_mtj.lib"),
        f".temp {num(d.temperature_c)}",
        f"Vdd vdd 0 {num(vdd)}",
        f"Vddsa vddsa 0 {num(vdd)}",
        # H-bridge write driver (gates driven by the control sources below)
        mos("mp1", "a", "gp1", "vdd", "vdd", "ptm45p", d.w_p, d.l_min),
        mos("mn1", "a", "gn1", "0", "0", "ptm45n", d.w_n, d.l_min),
        mos("mp2", "b", "gp2", "vdd", "vdd", "ptm45p", d.w_p, d.l_min),
        mos("mn2", "b", "gn2", "0", "0", "ptm45n", d.w_bias, d.l_bias),
        "Vtrk a t1 0",
        "xmtj t1 b sm th m sot_mtj " + " ".join(
            f"{k}={num(v)}" for k, v in (("rp", mtj_rp(mp)), ("tmr0", mp["tmr0"]), ("vh", mp["vh"]),
                                         ("rtrack", mp["rtrack"]), ("form", mtj.FORM_CODE[mtj.form_of(mp)]),
                                         ("delta", mp["delta"]),
                                         ("ic0", mp["ic0"]), ("tau0", mp["tau0"]), ("tsw", mp["tsw"]))),
        f"Vth th 0 {_pwl(th)}",
        # read path: select transistors isolate MTJ / reference from the SA outside reads
        mos("mns", "n1", "rd", "smr", "0", "ptm45n", 2 * d.w_sa, d.l_min),
        "Vrdm smr sm 0",  # MTJ read current (select -> MTJ top)
        mos("mnsr", "n2", "rd", "sr", "0", "ptm45n", 2 * d.w_sa, d.l_min),
        f"Rref sr nref {num(reference_resistance(p, d))}",
        mos("mnr", "nref", "rde", "0", "0", "ptm45n", d.w_bias, d.l_bias),
        # pre-charge sense amplifier (Zhao et al., IEEE TMAG 45(10) 2009): out = 1 for AP (switched)
        mos("mpc1", "out", "sen", "vddsa", "vddsa", "ptm45p", d.w_sa, d.l_min),
        mos("mpc2", "outb", "sen", "vddsa", "vddsa", "ptm45p", d.w_sa, d.l_min),
        mos("mpl1", "out", "outb", "vddsa", "vddsa", "ptm45p", d.w_sa, d.l_sa),
        mos("mpl2", "outb", "out", "vddsa", "vddsa", "ptm45p", d.w_sa, d.l_sa),
        mos("mnl1", "out", "outb", "n1", "0", "ptm45n", d.w_sa, d.l_sa),
        mos("mnl2", "outb", "out", "n2", "0", "ptm45n", d.w_sa, d.l_sa),
        mos("mpi1", "o1", "out", "vddsa", "vddsa", "ptm45p", d.w_sa, d.l_min),
        mos("mni1", "o1", "out", "0", "0", "ptm45n", d.w_sa / 2, d.l_min),
        # dummy inverter on outb: both latch outputs see the same load (an unbalanced load decides the race)
        mos("mpd1", "o1d", "outb", "vddsa", "vddsa", "ptm45p", d.w_sa, d.l_min),
        mos("mnd1", "o1d", "outb", "0", "0", "ptm45n", d.w_sa / 2, d.l_min),
        mos("mpi2", "q", "o1", "vddsa", "vddsa", "ptm45p", d.w_sa, d.l_min),
        mos("mni2", "q", "o1", "0", "0", "ptm45n", d.w_sa / 2, d.l_min),
        # control: PMOS gates idle at VDD, NMOS gates idle at 0
        f"Vgp1 gp1 0 {_pulses(d, n, {'set': 0.0}, vdd)}",
        f"Vgn1 gn1 0 {_pulses(d, n, {'reset': vdd}, 0.0)}",
        f"Vgp2 gp2 0 {_pulses(d, n, {'reset': 0.0}, vdd)}",
        # leg tails (MN2 for the MTJ, MNR for the reference) turn on half a gap after SET, before the
        # pre-charge: the floating track is grounded first, then the select transistors connect the legs
        f"Vgn2 gn2 0 {_pulses(d, n, {'set': vb, 'read': vdd}, 0.0, {'read': -d.t_gap / 2})}",
        f"Vrde rde 0 {_pulses(d, n, {'read': vdd}, 0.0, -d.t_gap / 2)}",
        f"Vrd rd 0 {_pulses(d, n, {'read': vrb}, 0.0, d.t_precharge)}",
        f"Vsen sen 0 {_pulses(d, n, {'read': vdd}, 0.0, d.t_precharge)}",
        ".ic v(m)=0",  # start parallel: the bistable state node alone may settle at 1 in the op point
        # the write-path and read-leg nodes float between off transistors at t = 0: an initial guess lets
        # Newton find the operating point directly (no gmin stepping); the solution need not equal it
        ".nodeset v(a)=0 v(b)=0 v(t1)=0 v(sm)=0 v(smr)=0 v(n1)=0.7 v(n2)=0.7 v(sr)=0 v(nref)=0",
        ".options savecurrents=0",
        f".tran {num(d.tstep)} {num(n * d.period + d.t_gap)}",
        ".end",
    ]
    return "\n".join(lines)


SOURCES = ("vdd", "vddsa", "vgp1", "vgn1", "vgp2", "vgn2", "vrde", "vrd", "vsen")
VECTORS = ["time", "i(vtrk)", "i(vrdm)", "xmtj.hs", "xmtj.mid", "m", "q", "a", "b", "sm", "sr", "out", "outb", "th",
           "gp1", "gn1", "gp2", "gn2", "rde", "rd", "sen"] + [f"i({s})" for s in SOURCES]


def simulate(p: dict, design: Design, thresholds=(100.0,), var: Variation | None = None,
             retries: int = 3, title: str = "rng_cell", biases=None):
    """Run the cell; returns the Transient (vectors in VECTORS)."""
    return run_transient(netlist(p, design, thresholds, var, biases=biases), VECTORS, title=title,
                         retries=retries)


def set_switching(tr, p: dict, design: Design, k: int = 0, var: Variation | None = None) -> dict:
    """Exact switching probability of the SET pulse in cycle k: the switching law's accumulator (hazard H
    or precessional G_max, devices/mtj.py) from the current waveform, `a`, and the largest value of the
    subcircuit's accumulator node in the window, `a_node`; plus the plateau track current."""
    mp = {**p, **((var.mtj if var else {}) or {})}
    w = design.windows(k)["set"]
    t, i = tr.time, tr["i(vtrk)"]
    end = w[1] + design.t_gap / 2
    a_py = mtj.accumulated(t, i, mp, w[0], end)
    win = (t >= w[0]) & (t <= end)
    mid = (t > w[0] + 0.3 * design.t_set) & (t < w[1] - 0.3 * design.t_set)
    return {"a": a_py, "a_node": float(np.max(tr["xmtj.hs"][win])), "current_a": float(np.mean(i[mid])),
            "p_sw": float(mtj.p_from_accumulated(a_py, mp))}


def read_bits(tr, design: Design, n: int) -> np.ndarray:
    """SA output q sampled at the end of each read window (1 = antiparallel = switched)."""
    ts = [design.windows(k)["read"][1] - design.t_edge for k in range(n)]
    return (np.interp(ts, tr.time, tr["q"]) > design.vdd / 2).astype(int)


def state_bits(tr, design: Design, n: int) -> np.ndarray:
    """Magnetisation state at the end of each SET (ground truth for checking the SA)."""
    ts = [design.windows(k)["read"][0] for k in range(n)]
    return (np.interp(ts, tr.time, tr["m"]) > 0.5).astype(int)


def _crossing(t, y, level, t_from, t_to) -> float:
    """First time in [t_from, t_to] where y rises through `level` (linear interpolation); nan if none."""
    sel = np.nonzero((t >= t_from) & (t <= t_to))[0]
    above = np.nonzero(y[sel] > level)[0]
    if not above.size:
        return float("nan")
    j = sel[above[0]]
    if j == 0 or y[j - 1] > level:
        return float(t[j])
    return float(t[j - 1] + (level - y[j - 1]) * (t[j] - t[j - 1]) / (y[j] - y[j - 1]))


def read_path(tr, design: Design, k: int = 0) -> dict:
    """Measured read of cycle k: MTJ current during the SA pre-charge (must be ~0), the read current
    pulse through the MTJ (peak, charge, effective duration Q / I_peak, span above 10 % of the peak),
    the peak MTJ voltage, and the SA decision time from the SA enable (sen at VDD/2) to the latch
    outputs |out - outb| = VDD/2. Times in s, currents in A, charge in C."""
    t, i = tr.time, np.abs(tr["i(vrdm)"])
    a, b = design.windows(k)["read"]
    pre = (t >= a) & (t <= a + design.t_precharge)
    win = (t >= a) & (t <= b)
    i_pk = float(i[win].max())
    charge = float(np.trapezoid(i[win], t[win]))
    above = t[win][i[win] > 0.1 * i_pk]
    t_en = _crossing(t, tr["sen"], design.vdd / 2, a, b)
    t_dec = _crossing(t, np.abs(tr["out"] - tr["outb"]), design.vdd / 2, t_en, b)
    if not np.isfinite(t_dec):
        raise RuntimeError(f"read of cycle {k}: the sense amplifier did not decide within the read window")
    return {"precharge_i_max_a": float(i[pre].max()), "read_i_peak_a": i_pk, "read_charge_c": charge,
            "read_t_eff_s": charge / i_pk, "read_t_span_s": float(above[-1] - above[0]),
            "read_v_mtj_max": float(np.max(np.abs(tr["sm"][win] - tr["xmtj.mid"][win]))),
            "sa_enable_s": t_en, "sa_decision_s": t_dec - t_en, "decided_at_s": t_dec}


def _power(tr, design: Design) -> np.ndarray:
    """Power [W] delivered by all voltage sources (supplies and gate drivers)."""
    t = tr.time
    power = np.zeros_like(t)
    for s in SOURCES:
        v = np.full_like(t, design.vdd) if s in ("vdd", "vddsa") else tr[s[1:]]
        power += -v * tr[f"i({s})"]  # SPICE source current flows + -> - through the source
    return power


def energy_per_cycle(tr, design: Design, n: int) -> float:
    """Mean energy [J] per RESET/SET/read cycle over a run of n cycles."""
    return float(np.trapezoid(_power(tr, design), tr.time)) / n


def phase_energy(tr, design: Design, k: int = 0) -> dict[str, float]:
    """Energy [J] delivered by all voltage sources (supplies and gate drivers) in each phase of cycle k."""
    t = tr.time
    power = _power(tr, design)
    w = design.windows(k)
    out = {}
    edges = {"reset": (w["reset"][0] - design.t_gap / 2, w["reset"][1] + design.t_gap / 2),
             "set": (w["set"][0] - design.t_gap / 2, w["set"][1] + design.t_gap / 2),
             "read": (w["read"][0] - design.t_gap / 2, w["read"][1] + design.t_gap / 2)}
    for name, (a, b) in edges.items():
        sel = (t >= a) & (t <= b)
        out[name] = float(np.trapezoid(power[sel], t[sel]))
    return out


def nominal(overrides: dict | None = None) -> dict:
    """Nominal MTJ parameters (devices/params/sot_mtj.yaml) with config overrides; the track resistance is
    the one derived from the sLLG stack (devices/params/sot_stack.yaml, `llg.Stack.track_resistance`): the
    cell's track is the track the solver drives (an `rtrack` override still applies last). `form` (the
    switching law, devices/mtj.py FORMS) defaults to the stand-in's Eq. 25."""
    over = dict(overrides or {})
    form = over.pop("form", "eq25")
    p = load_params("sot_mtj", {"rtrack": load_stack().track_resistance, **over})
    p["form"] = form
    mtj.form_of(p)
    return p


def plain_deck(p: dict, design: Design, thresholds=(1e-3, 1e9)) -> str:
    """Stand-alone deck for `cd netlists && ngspice -b rng_cell.cir` (netlists/rng_cell.cir): includes by
    file name, and `.meas` lines that print per cycle the magnetisation after SET, the SA output q at
    the end of the read, and the largest MTJ current during the SA pre-charge."""
    head = ["* Spin-ScaleDrop random-number cell (Ahmed et al., Scale-Dropout, Sec. V-B, Fig. 2), nominal values.",
            "* Generated by devices/rng_cell.py plain_deck(nominal(), Design()); run: ngspice -b netlists/rng_cell.cir",
            "*   (two RESET 8 ns / SET 10 ns / read cycles; cycle 0 switches, cycle 1 does not: hazard thresholds",
            "*   1e-3 and 1e9). The magnet is the devices/params/sot_mtj.yaml stand-in (Eq. 25, form=0: Delta 40,",
            "*   Ic0 100 uA, tau0 1 ns), overdriven at this bias: the workflow replaces it by the switching law",
            "*   fitted to the sLLG solver (results/devices/llg_fit.json).",
            "* Prints v(m), v(q) and .meas results: m_cycleK (1 = AP after SET), q_cycleK (SA output, 1 = AP),",
            "* iprecharge_cycleK (largest MTJ current [A] during the SA pre-charge).",
            "* Nodes: a/b H-bridge outputs (SOT track ends), m magnetisation (1 = AP), q sense-amplifier output."]
    lines = head + netlist(p, design, thresholds, title="Spin-ScaleDrop RNG cell, nominal values").splitlines()
    lines = [f".include {ln.rsplit('/', 1)[-1]}" if ln.startswith(".include ") else ln for ln in lines[:-1]]
    for k in range(len(thresholds)):
        w = design.windows(k)
        lines += [f".meas tran m_cycle{k} FIND v(m) AT={num(w['read'][0])}",
                  f".meas tran q_cycle{k} FIND v(q) AT={num(w['read'][1] - design.t_edge)}",
                  (f".meas tran iprecharge_cycle{k} MAX i(vrdm) FROM={num(w['read'][0])} "
                   f"TO={num(w['read'][0] + design.t_precharge)}")]
    return "\n".join(lines + [".print tran v(m) v(q)", ".end"]) + "\n"
