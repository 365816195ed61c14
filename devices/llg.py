"""Stochastic LLG(S) macrospin solver for the SOT-MTJ free layer (physics behind paper Eq. 25).

Geometry: type-y in-plane SOT-MTJ. The current flows along x in the spin-Hall track, the elliptical free
layer lies on it with its long (easy) axis along y, so the spin polarisation sigma of the spin-Hall current
is collinear with the easy axis. Chosen because (i) it switches bipolarly with no bias field, exactly what
the cell's H-bridge does (SET and RESET are opposite track currents, `devices/rng_cell.py`), (ii) the stack
of devices/params/sot_stack.yaml is an in-plane 3-terminal device, and (iii) the read current's STT
(reference layer along y) acts on the same axis, so read disturb combines with SOT linearly (llg_drive.py).
Its zero-temperature threshold is the anti-damping instability (Sun, PRB 62, 570 (2000); Liu et al.,
Science 336, 555 (2012)): H_DL = alpha (H_x + H_z) / 2 / (1 + alpha*beta_FL), see `Stack.ic0`.

State: m = +y is P (bit 0), m = -y is AP (bit 1). A positive track current (SET, a->b) carries
sigma = -y and drives P->AP; a negative one (RESET) drives AP->P.

Equation (Gilbert form with every term as an effective field, solved in Landau-Lifshitz form):
    h = H_demag + H_perp + H_bias + H_th + beta_FL H_DL(I) sigma + H_DL(I) (m x sigma)
    dm/dt = -gamma' / (1 + alpha^2) [m x h + alpha m x (m x h)],   gamma' = gamma mu0
with H_DL = hbar theta_SH J_W / (2 e mu0 Ms t_F) and J_W the track current density in the W under the
magnet (parallel-resistor shunting by the free layer). The thermal field has independent Gaussian
components of variance 2 alpha kB T / (gamma' mu0 Ms V dt) (Brown 1963; Garcia-Palacios & Lazaro, PRB
58, 14937 (1998)).

Integrator: stochastic Heun (predictor-corrector; converges to the Stratonovich solution), the same
thermal field in predictor and corrector, |m| renormalised after each step. Step: `dt` must satisfy
omega_max * dt <= MAX_PHASE_STEP with omega_max = gamma' (|H_z stiffness| + |H_x| + |H_bias| + H_DL,max);
a coarser step raises ValueError naming the step needed.

Demagnetising factors: the elliptical cylinder (a x b x t) is replaced by the ellipsoid of equal volume
and axes ratio in-plane (semi-axes a/2, b/2, 3t/4; Osborn, Phys. Rev. 67, 351 (1945), integral form).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from scipy.integrate import quad

from .params import load_params

MU0 = 4e-7 * math.pi
HBAR = 1.054571817e-34
QE = 1.602176634e-19
KB = 1.380649e-23
GAMMA = 1.76085963e11 * MU0  # gamma' = gamma * mu0 [m / (A s)]
MAX_PHASE_STEP = 0.25        # rad of the fastest precession per step
T_REF_K = 300.15             # the stack's magnetic parameters are room-temperature values (27 C)


def demag_factors(a: float, b: float, c: float) -> tuple[float, float, float]:
    """Demagnetising factors of an ellipsoid with semi-axes a, b, c (Osborn 1945 integral; sum = 1)."""
    def n(ax):
        f = lambda s: 1.0 / ((ax * ax + s) * math.sqrt((a * a + s) * (b * b + s) * (c * c + s)))
        scale = max(a, b, c) ** 2
        return a * b * c / 2 * quad(lambda u: f(u * scale) * scale, 0, np.inf, limit=200)[0]
    return n(a), n(b), n(c)


@dataclass(frozen=True)
class Stack:
    """SOT-MTJ stack at temperature `temp_c` (values of devices/params/sot_stack.yaml scaled by Ms(T))."""

    fl_length: float
    fl_width: float
    fl_thickness: float
    rho_free: float
    track_length: float
    track_width: float
    track_thickness: float
    theta_sh: float
    rho_track: float
    ms: float
    mu0_meff: float
    alpha: float
    fl_ratio: float
    ra: float
    tmr0: float
    bloch_t_star: float
    n_perp: float
    temp_c: float = 27.0
    volume_scale: float = 1.0  # test hook: scales the free-layer volume (reduced-barrier checks)

    def __post_init__(self):
        for name in ("ms", "alpha", "fl_length", "fl_width", "fl_thickness", "track_width",
                     "track_thickness", "rho_track", "rho_free", "theta_sh", "bloch_t_star"):
            if not getattr(self, name) > 0:
                raise ValueError(f"stack parameter {name} must be > 0, got {getattr(self, name)}")
        if self.fl_length < self.fl_width:
            raise ValueError("stack parameter fl_length must be >= fl_width (easy axis = long axis y)")
        if not -40.0 <= self.temp_c <= 150.0:
            raise ValueError(f"temperature {self.temp_c} C outside -40..150 C")
        if self.temp_k >= self.bloch_t_star:
            raise ValueError(f"temperature {self.temp_c} C is above the Bloch T* of the stack")

    # -- temperature ---------------------------------------------------------------------------------
    @property
    def temp_k(self) -> float:
        return self.temp_c + 273.15

    def ms_ratio(self) -> float:
        """Ms(T)/Ms(27 C) from Bloch's T^(3/2) law."""
        f = lambda t: 1.0 - (t / self.bloch_t_star) ** 1.5
        return f(self.temp_k) / f(T_REF_K)

    def at(self, temp_c: float) -> Stack:
        return replace(self, temp_c=float(temp_c))

    # -- geometry and fields (all at temp_c) ---------------------------------------------------------
    @property
    def volume(self) -> float:
        return math.pi / 4 * self.fl_length * self.fl_width * self.fl_thickness * self.volume_scale

    @property
    def pillar(self) -> dict:
        """The MTJ pillar over this free layer as MTJ parameters of devices/params/sot_mtj.yaml: the
        elliptical free layer (area pi/4 L W: area_factor pi/4), the stack's RA and TMR."""
        return {"length": self.fl_length, "width": self.fl_width, "area_factor": math.pi / 4,
                "ra": self.ra, "tmr0": self.tmr0}

    @cached_property
    def demag(self) -> tuple[float, float, float]:
        """(N_x, N_y, N_z): x = short in-plane axis, y = long (easy) axis, z = film normal."""
        nx, ny, nz = demag_factors(self.fl_width / 2, self.fl_length / 2, 0.75 * self.fl_thickness)
        return nx, ny, nz

    @property
    def ms_t(self) -> float:
        return self.ms * self.ms_ratio()

    @property
    def h_perp(self) -> float:
        """Interface perpendicular anisotropy field [A/m] at temp_c: from mu0*Meff at 27 C, K ~ Ms^n_perp."""
        _, ny, nz = self.demag
        k_perp_ref = MU0 / 2 * self.ms * (self.ms * (nz - ny) - self.mu0_meff / MU0)
        k_perp = k_perp_ref * self.ms_ratio() ** self.n_perp
        return 2 * k_perp / (MU0 * self.ms_t)

    @property
    def stiffness(self) -> tuple[float, float]:
        """(H_x, H_z): restoring fields [A/m] of the in-plane hard and out-of-plane axes about m = +-y."""
        nx, ny, nz = self.demag
        return (nx - ny) * self.ms_t, (nz - ny) * self.ms_t - self.h_perp

    @property
    def hk(self) -> float:
        return self.stiffness[0]

    @property
    def delta(self) -> float:
        """Thermal stability E_b / kT = mu0 Ms H_k V / (2 kT) (barrier over the in-plane hard axis)."""
        return MU0 * self.ms_t * self.hk * self.volume / (2 * KB * self.temp_k)

    @property
    def shunt(self) -> float:
        """Fraction of the track current flowing in the spin-Hall metal under the free layer."""
        g_w = self.track_thickness / self.rho_track
        return g_w / (g_w + self.fl_thickness / self.rho_free)

    @property
    def h_dl_per_amp(self) -> float:
        """Damping-like field H_DL per ampere of track current [A/m / A]."""
        j_per_amp = self.shunt / (self.track_width * self.track_thickness)
        return HBAR * self.theta_sh * j_per_amp / (2 * QE * MU0 * self.ms_t * self.fl_thickness)

    @property
    def ic0(self) -> float:
        """Zero-temperature critical track current [A] of the anti-damping instability (type-y)."""
        hx, hz = self.stiffness
        return self.alpha * (hx + hz) / 2 / (1 + self.alpha * self.fl_ratio) / self.h_dl_per_amp

    @property
    def track_resistance(self) -> float:
        """Track resistance [Ohm] (W and free layer in parallel under the magnet, W alone elsewhere)."""
        l_fl = self.fl_width  # current along x crosses the short axis of the magnet
        r_w = lambda length: self.rho_track * length / (self.track_width * self.track_thickness)
        return r_w(self.track_length - l_fl) + r_w(l_fl) * self.shunt

    def brown_dwell_time(self, barrier_kt: float | None = None) -> float:
        """Mean dwell time in one well, Brown's high-barrier formula for an axially symmetric barrier
        (Brown, Phys. Rev. 130, 1677 (1963)): tau_D sqrt(pi) s^-3/2 e^s, s = barrier / kT (default Delta),
        tau_D = mu0 Ms V (1 + alpha^2) / (2 alpha gamma' kT). Tested against the solver (tests/test_llg.py)."""
        s = self.delta if barrier_kt is None else barrier_kt
        tau_d = MU0 * self.ms_t * self.volume * (1 + self.alpha**2) / (2 * self.alpha * GAMMA * KB * self.temp_k)
        return tau_d * math.sqrt(math.pi) * s**-1.5 * math.exp(s)

    def thermal_sigma(self, dt: float) -> float:
        return math.sqrt(2 * self.alpha * KB * self.temp_k / (GAMMA * MU0 * self.ms_t * self.volume * dt))

    def dt_max(self, i_max: float = 0.0, h_bias: float = 0.0) -> float:
        hx, hz = self.stiffness
        omega = GAMMA * (abs(hz) + abs(hx) + abs(h_bias) + self.h_dl_per_amp * abs(i_max) * (1 + self.fl_ratio))
        return MAX_PHASE_STEP / omega


def load_stack(overrides: dict | None = None, temp_c: float = 27.0, path=None) -> Stack:
    """Stack of devices/params/sot_stack.yaml (or a user stack file of that format, config `llg.stack_file`)
    with numeric `overrides` at `temp_c`."""
    return Stack(**load_params("sot_stack", overrides, path), temp_c=float(temp_c))


def check_operable(stack: Stack, delta_min: float = 5.0) -> None:
    """Refuse stacks that are not a memory at the operating temperature (barrier below delta_min kT)."""
    hx, hz = stack.stiffness
    if hx <= 0 or hz <= 0:
        raise ValueError(f"free layer not in-plane along y at {stack.temp_c} C (stiffness {hx:.3g}, {hz:.3g} A/m)")
    if stack.delta < delta_min:
        raise ValueError(f"Delta = {stack.delta:.2f} < {delta_min} at {stack.temp_c} C (not a stable bit)")


def _rhs(mx, my, mz, hx, hy, hz, g):
    """-g [m x h + alpha m x (m x h)] with g = (gamma'/(1+alpha^2), alpha) (component arrays)."""
    pref, alpha = g
    cx = my * hz - mz * hy
    cy = mz * hx - mx * hz
    cz = mx * hy - my * hx
    dx = my * cz - mz * cy
    dy = mz * cx - mx * cz
    dz = mx * cy - my * cx
    return -pref * (cx + alpha * dx), -pref * (cy + alpha * dy), -pref * (cz + alpha * dz)


def _field(mx, my, mz, current, th, c):
    """Effective field: anisotropy/demag, bias, thermal th = (tx, ty, tz), field-like and damping-like SOT.
    sigma = -y for positive current: FL field -beta a y, DL field a (m x sigma) = a (m_z, 0, -m_x)."""
    kx, ky, kz, hbx, hby, hbz, cdl, beta = c
    a = cdl * current
    return (-kx * mx + hbx + th[0] + a * mz,
            -ky * my + hby + th[1] - beta * a,
            -kz * mz + hbz + th[2] - a * mx)


def _constants(stack: Stack, h_bias):
    nx, ny, nz = stack.demag
    ms = stack.ms_t
    hb = np.zeros(3) if h_bias is None else np.asarray(h_bias, float)
    # demag -Ms N m plus the perpendicular anisotropy h_perp m_z, as diagonal stiffnesses (y is the reference)
    c = (nx * ms, ny * ms, nz * ms - stack.h_perp, hb[0], hb[1], hb[2], stack.h_dl_per_amp, stack.fl_ratio)
    return c, (GAMMA / (1 + stack.alpha**2), stack.alpha)


def heun_step(m, current, noise, c, g, sig, dt):
    """One stochastic Heun step for component arrays m = (mx, my, mz); noise ~ N(0,1) of shape (3, ...)."""
    th = (sig * noise[0], sig * noise[1], sig * noise[2])
    h = _field(*m, current, th, c)
    k1 = _rhs(*m, *h, g)
    mp = tuple(m[i] + dt * k1[i] for i in range(3))
    h2 = _field(*mp, current, th, c)
    k2 = _rhs(*mp, *h2, g)
    out = [m[i] + 0.5 * dt * (k1[i] + k2[i]) for i in range(3)]
    norm = 1.0 / np.sqrt(out[0] ** 2 + out[1] ** 2 + out[2] ** 2)
    return out[0] * norm, out[1] * norm, out[2] * norm


def simulate(stack: Stack, currents, dt: float, m0, seed: int, h_bias=None, thermal: bool = True,
             record_every: int = 0, hysteresis: float = 0.0):
    """Integrate N macrospins under track currents `currents` [A], shape (n_steps, N) (or (n_steps, 1) for
    one waveform shared by all). m0: (3,) or (3, N) start. Returns dict with the final m (3, N); if
    record_every > 0 the m_y trace every that many steps; if hysteresis > 0 the number of well-to-well
    transitions per trial (state flips when m_y crosses -hysteresis / +hysteresis). Same seed -> same result."""
    currents = np.asarray(currents, float)
    if currents.ndim != 2:
        raise ValueError("currents must have shape (n_steps, n_trials) or (n_steps, 1)")
    need = stack.dt_max(np.max(np.abs(currents)) if currents.size else 0.0,
                        0.0 if h_bias is None else float(np.linalg.norm(h_bias)))
    if dt > need:
        raise ValueError(f"llg step dt = {dt:.3g} s too coarse for the precession frequency: need dt <= {need:.3g} s")
    m0 = np.asarray(m0, float)
    n = m0.shape[1] if m0.ndim == 2 else currents.shape[1]
    m = tuple(np.broadcast_to(m0[i], (n,)).astype(float) for i in range(3))
    c, g = _constants(stack, h_bias)
    sig = stack.thermal_sigma(dt) if thermal else 0.0
    rng = np.random.default_rng(seed)
    trace = []
    zeros = np.zeros((3, n))
    state = m[1] < 0
    flips = np.zeros(n, dtype=np.int64)
    for k in range(currents.shape[0]):
        noise = rng.standard_normal((3, n)) if thermal else zeros
        m = heun_step(m, currents[k], noise, c, g, sig, dt)
        if record_every and k % record_every == 0:
            trace.append(m[1].copy())
        if hysteresis:
            new = np.where(state, m[1] < hysteresis, m[1] < -hysteresis)
            flips += new != state
            state = new
    out = {"m": np.stack(m), "transitions": flips}
    if record_every:
        out["my_trace"] = np.array(trace)
    return out


def thermal_start(stack: Stack, n: int, state: int, seed: int) -> np.ndarray:
    """n start vectors (3, n) in the well of `state` (0 = P = +y, 1 = AP = -y), Boltzmann-distributed to
    harmonic order: m_x ~ N(0, kT/(mu0 Ms V H_x)), m_z ~ N(0, kT/(mu0 Ms V H_z)), |m| = 1."""
    rng = np.random.default_rng(seed)
    hx, hz = stack.stiffness
    e = MU0 * stack.ms_t * stack.volume / (KB * stack.temp_k)
    mx = rng.standard_normal(n) / math.sqrt(e * hx)
    mz = rng.standard_normal(n) / math.sqrt(e * hz)
    my = np.sqrt(np.clip(1 - mx * mx - mz * mz, 0, 1)) * (1.0 if state == 0 else -1.0)
    return np.stack([mx, my, mz])
