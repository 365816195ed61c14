"""SOT-MRAM XNOR crossbar column (paper Sec. V-C, Fig. 3, Table I) as an ngspice netlist.

One column of R rows. Row i holds weight w_i in a complementary pair of SOT-MTJ cells (A, B):
w=+1 -> (LRS, HRS), w=-1 -> (HRS, LRS) (Table I). Input x_i drives the pair's read lines with
(v_read, 0) for x=+1 and (0, v_read) for x=-1, so the driven cell is LRS exactly when x_i == w_i
(XNOR = +1) and the column current is affine in the popcount p = #{i: x_i == w_i}.

Cell read path: read line -> wire segment -> MTJ top -> MTJ -> SOT track half (t1) -> NMOS access
transistor (PTM 45 nm HP, gate = word line) -> source-line node. Source-line nodes are chained by
per-cell wire R/C; the last one is the sense node, held at virtual ground by a 0 V source whose
current is the column output. Several input patterns are applied in one transient as consecutive
time slots (PWL), so one netlist serves a whole pattern set; the current is sampled at slot ends.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from devices.params import load_params, mtj_rp
from devices.spice import include, num, run_transient, set_wall_timeout

MTJ_KEYS = ("ra", "tmr0", "vh", "rtrack")


@dataclass(frozen=True)
class ColumnSpec:
    """Electrical settings of one column (all SI units)."""

    rows: int
    v_read: float = 0.1
    vdd: float = 1.0
    w_access: float = 180e-9
    l_access: float = 45e-9
    r_wire: float = 1.0          # per cell, source line and read line segment
    c_wire: float = 0.1e-15      # per cell, each wire node to ground
    r_access: float | None = None  # if set, the access transistor is replaced by this resistor
    mtj: dict = field(default_factory=dict)  # sot_mtj parameter overrides (ra, tmr0, vh, rtrack)
    t_slot: float = 0.2e-9
    t_step: float = 0.2e-9
    t_edge: float = 10e-12
    temp_c: float = 27.0

    def __post_init__(self):
        check_spec(self)

    def mtj_params(self) -> dict:
        return load_params("sot_mtj", self.mtj)


def check_spec(s: ColumnSpec) -> None:
    """One-line ValueError naming the first bad field."""
    if isinstance(s.rows, bool) or not isinstance(s.rows, (int, np.integer)) or s.rows < 1:
        raise ValueError(f"crossbar.rows must be an integer >= 1, got {s.rows!r}")
    for name in ("v_read", "vdd", "w_access", "l_access", "t_slot", "t_step", "t_edge"):
        if not getattr(s, name) > 0:
            raise ValueError(f"crossbar.{name} must be > 0, got {getattr(s, name)!r}")
    for name in ("r_wire", "c_wire"):
        if not getattr(s, name) >= 0:
            raise ValueError(f"crossbar.{name} must be >= 0 (no negative resistance/capacitance), "
                             f"got {getattr(s, name)!r}")
    if s.r_access is not None and not s.r_access > 0:
        raise ValueError(f"crossbar.r_access must be > 0, got {s.r_access!r}")
    for k, v in s.mtj.items():
        if k not in MTJ_KEYS:
            raise ValueError(f"crossbar.mtj.{k}: unknown (allowed: {', '.join(MTJ_KEYS)})")
        if not v > 0:
            raise ValueError(f"crossbar.mtj.{k} must be > 0, got {v!r}")


@dataclass
class Variation:
    """Per-cell device draws (relative factors / absolute vth shift), shape (rows, 2)."""

    ra: np.ndarray
    tmr: np.ndarray
    rtrack: np.ndarray
    dvth: np.ndarray

    @classmethod
    def none(cls, rows: int) -> "Variation":
        one = np.ones((rows, 2))
        return cls(one, one.copy(), one.copy(), np.zeros((rows, 2)))

    @classmethod
    def draw(cls, rows: int, rng: np.random.Generator, sigma_ra=0.0, sigma_tmr=0.0, sigma_rtrack=0.0,
             sigma_vth=0.0) -> "Variation":
        """Lognormal relative spreads for RA/TMR/track (always positive), Gaussian vth shift [V]."""
        def ln(s):
            return np.exp(s * rng.standard_normal((rows, 2)) - 0.5 * s * s)
        return cls(ln(sigma_ra), ln(sigma_tmr), ln(sigma_rtrack), sigma_vth * rng.standard_normal((rows, 2)))


def popcount(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Number of XNOR matches per pattern; x: (n, R) or (R,), w: (R,) in {-1, +1}."""
    return (np.atleast_2d(x) == w).sum(axis=-1)


def patterns_for(w: np.ndarray, pops, rng: np.random.Generator) -> np.ndarray:
    """Inputs x (len(pops), R) with exactly pops[k] matches, at random rows."""
    R = len(w)
    x = np.empty((len(pops), R), dtype=int)
    for k, p in enumerate(pops):
        match = np.zeros(R, bool)
        match[rng.permutation(R)[:p]] = True
        x[k] = np.where(match, w, -w)
    return x


def _pwl(levels: np.ndarray, spec: ColumnSpec, v_on: float) -> str:
    """Source text: level k (0/1) held over slot k with edges of t_edge (DC if constant)."""
    if (levels == levels[0]).all():
        return num(levels[0] * v_on)
    pts = [(0.0, levels[0] * v_on)]
    for k in range(1, len(levels)):
        if levels[k] != levels[k - 1]:
            t = k * spec.t_slot
            pts += [(t, levels[k - 1] * v_on), (t + spec.t_edge, levels[k] * v_on)]
    return "PWL(" + " ".join(f"{num(t)} {num(v)}" for t, v in pts) + ")"


def netlist(spec: ColumnSpec, w: np.ndarray, x: np.ndarray, var: Variation | None = None,
            title: str = "xnor crossbar column") -> str:
    """Deck for weights w (R,) in {-1,+1} and inputs x (n, R), one pattern per time slot.

    x in {-1, 0, +1}: 0 leaves both read lines of that row at 0 V (idle); the word line is on in every
    slot with at least one driven row.
    """
    R = spec.rows
    w, x = np.asarray(w), np.atleast_2d(x)
    if w.shape != (R,) or x.shape[1] != R or not np.isin(w, (-1, 1)).all() or not np.isin(x, (-1, 0, 1)).all():
        raise ValueError(f"weights must be ({R},) in {{-1,+1}} and inputs (n, {R}) in {{-1,0,+1}}")
    var = var or Variation.none(R)
    p = spec.mtj_params()
    rp0, rseg = mtj_rp(p), max(spec.r_wire, 1e-3)
    n = len(x)
    L = [f"* {title}: {R} rows, {n} patterns", include("crossbar.lib")]
    if spec.r_access is None:
        L.append(include("ptm45hp.lib"))
    L += [f".temp {num(spec.temp_c)}", f"VWL wl 0 {_pwl((x != 0).any(axis=1).astype(int), spec, spec.vdd)}",
          f"VSENSE sl{R} 0 0"]
    for i in range(R):
        for c, tag in enumerate("ab"):
            cell, ap = f"{tag}{i}", int((w[i] < 0) if c == 0 else (w[i] > 0))  # Table I encoding
            drive = (x[:, i] > 0) if c == 0 else (x[:, i] < 0)
            L.append(f"V{cell} in{cell} 0 {_pwl(drive.astype(int), spec, spec.v_read)}")
            L.append(f"RR{cell} in{cell} top{cell} {num(rseg)}")
            L.append(f"X{cell} top{cell} t{cell} sot_mtj_read rp={num(rp0 * var.ra[i, c])} "
                     f"tmr0={num(p['tmr0'] * var.tmr[i, c])} vh={num(p['vh'])} "
                     f"rtrack={num(p['rtrack'] * var.rtrack[i, c])} ap={ap}")
            if spec.r_access is None:
                L.append(f"M{cell} t{cell} wl sl{i} 0 ptm45n W={num(spec.w_access)} L={num(spec.l_access)} "
                         f"delvto={num(var.dvth[i, c])}")
            else:
                L.append(f"RA{cell} t{cell} sl{i} {num(spec.r_access)}")
            if spec.c_wire > 0:
                L.append(f"C{cell} top{cell} 0 {num(spec.c_wire)}")
        L.append(f"RS{i} sl{i} sl{i + 1} {num(rseg)}")
        if spec.c_wire > 0:
            L.append(f"CS{i} sl{i} 0 {num(spec.c_wire)}")
    L += [".options method=gear", f".tran {num(spec.t_step)} {num(n * spec.t_slot)} 0 {num(spec.t_step)}", ".end"]
    return "\n".join(L)


def sample_times(spec: ColumnSpec, n: int) -> np.ndarray:
    """Sampling instants: end of each slot (just before the next edge)."""
    return (np.arange(n) + 1) * spec.t_slot - 0.5 * spec.t_edge


def column_currents(spec: ColumnSpec, w, x, var: Variation | None = None, retries: int = 3) -> np.ndarray:
    """Sense-line current [A] at the end of each pattern's slot (positive into the sense node)."""
    x = np.atleast_2d(x)
    res = run_transient(netlist(spec, w, x, var), ["time", "i(vsense)"], title=f"crossbar R={spec.rows}",
                        retries=retries)
    return np.interp(sample_times(spec, len(x)), res.time, res["i(vsense)"])


def ideal(spec: ColumnSpec, r_access: float = 1e3) -> ColumnSpec:
    """Same column with resistive access devices and no wire parasitics."""
    return replace(spec, r_access=r_access, r_wire=0.0, c_wire=0.0)


def spec_from_config(cfg: dict, spice_cfg: dict, rows: int, **changes) -> ColumnSpec:
    """ColumnSpec from the `crossbar:` and `spice:` config sections (units as in config.yaml)."""
    c = cfg
    set_wall_timeout(spice_cfg.get("timeout_s", 600.0))
    spec = ColumnSpec(rows=rows, v_read=c["v_read"], vdd=spice_cfg["vdd"], w_access=c["access_w_nm"] * 1e-9,
                      l_access=c["access_l_nm"] * 1e-9, r_wire=c["r_wire_ohm"], c_wire=c["c_wire_ff"] * 1e-15,
                      mtj=dict(c.get("mtj", {})), t_slot=c["t_slot_ps"] * 1e-12, t_step=c["t_slot_ps"] * 1e-12,
                      t_edge=c["t_edge_ps"] * 1e-12, temp_c=spice_cfg["temperature_c"])
    return replace(spec, **changes)


def variation_from_config(cfg: dict, rows: int, level: float, rng: np.random.Generator) -> Variation:
    """Device draw with all sigmas of `crossbar.variation` scaled by `level` (0 = nominal devices)."""
    v = cfg["variation"]
    return Variation.draw(rows, rng, level * v["sigma_ra"], level * v["sigma_tmr"], level * v["sigma_rtrack"],
                          level * v["sigma_vth_mv"] * 1e-3)


def read_energy(spec: ColumnSpec, w, x, lsb: float, var: Variation | None = None, retries: int = 3) -> dict:
    """One column read (idle, read slot of t_slot, idle): energy drawn from every source and latency.

    Energy = sum over drivers of V_on * (charge drawn from the driver, integral of max(-i, 0)): what a
    CMOS driver fed from a V_on rail dissipates (C V^2 per gate charge/discharge cycle plus the static
    read current). Latency = time from the input edge until the sense current stays within lsb/2 of
    its value at the end of the read slot.
    """
    R = spec.rows
    xs = np.vstack([np.zeros(R, int), np.asarray(x), np.zeros(R, int)])
    cells = [f"{t}{i}" for i in range(R) for t in "ab"]
    names = ["time", "i(vsense)", "i(vwl)"] + [f"i(v{c})" for c in cells]
    res = run_transient(netlist(spec, w, xs, var, title="crossbar read energy"), names,
                        title=f"crossbar energy R={R}", retries=retries)
    t = res.time

    def drawn(i):
        return np.trapezoid(np.clip(-i, 0.0, None), t)
    e_lines = spec.v_read * sum(drawn(res[f"i(v{c})"]) for c in cells)
    e_wl = spec.vdd * drawn(res["i(vwl)"])
    i_s, t0, t1 = res["i(vsense)"], spec.t_slot, 2 * spec.t_slot
    final = np.interp(t1 - 0.5 * spec.t_edge, t, i_s)
    win = (t >= t0) & (t <= t1 - 0.5 * spec.t_edge)
    bad = np.flatnonzero(np.abs(i_s[win] - final) > 0.5 * abs(lsb))
    settle = (t[win][bad[-1] + 1] - t0) if len(bad) else 0.0
    return {"energy_j": e_lines + e_wl, "energy_read_lines_j": e_lines, "energy_wordline_j": e_wl,
            "latency_s": settle, "current_a": final}


def array_energy(read: dict, spec: ColumnSpec, cols: int) -> dict:
    """Energy [J] of one MVM of a rows x cols array from one simulated column read (`read_energy` output).

    Read lines: every column draws its own read current, so cols x the column's read-line energy (the
    array itself, what paper Table II's "crossbar array" counts). Word lines: word line i runs across
    all cols columns and gates the 2 cells of row i in each, so it is charged once per MVM (one row
    activation): its gate charge is cols x the column's per-row share (column word-line energy / rows;
    the simulated column has no word-line wire) plus its wire, 2 cells x cols pitches of c_wire, at vdd.
    Summed over the rows this counts every access gate exactly once.
    """
    per_row = (read["energy_wordline_j"] / spec.rows * cols + 2 * cols * spec.c_wire * spec.vdd ** 2)
    lines = read["energy_read_lines_j"] * cols
    return {"read_lines_j": lines, "wordline_per_row_activation_j": per_row, "wordline_j": per_row * spec.rows,
            "total_j": lines + per_row * spec.rows}
