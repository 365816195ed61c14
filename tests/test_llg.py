"""Stochastic LLG solver (devices/llg.py): thermal equilibrium, Neel-Brown escape, zero-T threshold,
determinism, fit recovery (devices/llg_fit.py), bitstream statistics and bad input."""
import dataclasses
import math

import numpy as np
import pytest
from conftest import assert_one_config_error

from devices import llg, llg_drive, llg_fit, mtj


def _stack(**over):
    return dataclasses.replace(llg.load_stack(), **over)


def test_boltzmann_histogram_of_my_at_zero_current():
    """Sampled m_y (easy axis) matches exp(-E(m)/kT) marginalised over the azimuth (Delta ~ 2: both wells)."""
    s = _stack(alpha=0.5)  # damping does not change the equilibrium; large alpha equilibrates quickly
    s = _stack(alpha=0.5, volume_scale=2.0 / s.delta)
    n, dt = 1000, 1e-12
    m0 = np.concatenate([llg.thermal_start(s, n // 2, 0, 1), llg.thermal_start(s, n // 2, 1, 2)], axis=1)
    res = llg.simulate(s, np.zeros((6000, 1)), dt, m0, seed=3, record_every=100)
    samples = res["my_trace"][20:].ravel()  # after 2 ns burn-in
    hx, hz = s.stiffness
    e = llg.MU0 * s.ms_t * s.volume / (2 * llg.KB * s.temp_k)
    edges = np.linspace(-1, 1, 21)
    u = np.linspace(-1, 1, 4001)
    phi = np.linspace(0, 2 * np.pi, 721)
    r2 = (1 - u[:, None] ** 2)
    w = np.exp(-e * r2 * (hx * np.cos(phi) ** 2 + hz * np.sin(phi) ** 2)).mean(axis=1)
    cdf = np.concatenate([[0], np.cumsum(0.5 * (w[1:] + w[:-1]) * np.diff(u))])
    expect = np.diff(np.interp(edges, u, cdf / cdf[-1]))
    got = np.histogram(samples, edges)[0] / samples.size
    assert np.max(np.abs(got - expect)) < 0.012, (got, expect)
    # the same statistic with a thermal field 30 % too strong must fail (the test can fail)
    w_hot = np.exp(-e / 1.3 * r2 * (hx * np.cos(phi) ** 2 + hz * np.sin(phi) ** 2)).mean(axis=1)
    cdf_hot = np.concatenate([[0], np.cumsum(0.5 * (w_hot[1:] + w_hot[:-1]) * np.diff(u))])
    assert np.max(np.abs(np.diff(np.interp(edges, u, cdf_hot / cdf_hot[-1])) - expect)) > 0.012


def test_neel_brown_dwell_time_matches_brown():
    """Axially symmetric free layer (H_z = H_x) at Delta = 8: mean well dwell time vs Brown's
    tau = tau_D sqrt(pi) Delta^-3/2 e^Delta, tau_D = mu0 Ms V (1 + alpha^2) / (2 alpha gamma' kT)."""
    base = _stack(alpha=1.0)
    s = _stack(alpha=1.0, mu0_meff=llg.MU0 * base.hk)
    s = _stack(alpha=1.0, mu0_meff=llg.MU0 * base.hk, volume_scale=8.0 / s.delta)
    hx, hz = s.stiffness
    assert abs(hz / hx - 1) < 1e-9 and abs(s.delta - 8.0) < 1e-9
    n, dt, steps = 250, 6e-12, 50_000
    res = llg.simulate(s, np.zeros((steps, 1)), dt, llg.thermal_start(s, n, 0, 4), seed=5, hysteresis=0.5)
    dwell = n * steps * dt / res["transitions"].sum()
    tau_d = llg.MU0 * s.ms_t * s.volume * (1 + s.alpha**2) / (2 * s.alpha * llg.GAMMA * llg.KB * s.temp_k)
    brown = tau_d * math.sqrt(math.pi) * s.delta**-1.5 * math.exp(s.delta)
    assert abs(s.brown_dwell_time() / brown - 1) < 1e-12  # the read-disturb law uses this function
    assert res["transitions"].sum() > 200
    print(f"dwell/brown = {dwell / brown:.3f} from {res['transitions'].sum()} transitions")
    assert abs(dwell / brown - 1) < 0.25, (dwell, brown)


def test_zero_temperature_threshold_is_the_analytic_critical_current():
    """T = 0, start 0.05 rad off the easy axis, 45 ns of constant current: no switching at 0.9 Ic0,
    switching at 1.1 Ic0 (Ic0 = alpha (H_x + H_z) / 2 / H_DL per ampere, type-y anti-damping)."""
    s = llg.load_stack()
    m0 = np.array([[math.sin(0.05)] * 2, [math.cos(0.05)] * 2, [0.0, 0.0]])
    cur = np.broadcast_to(np.array([0.9, 1.1]) * s.ic0, (45_000, 2))
    my = llg.simulate(s, cur, 1e-12, m0, seed=0, thermal=False)["m"][1]
    assert my[0] > 0.99 and my[1] < -0.9, my


def test_same_seed_same_switching_and_other_seed_differs():
    s = llg.load_stack()
    waves = {"set": np.full((1, 6000), 1.4 * s.ic0)}
    a = llg_drive.switching_points(s, waves, 200, 1e-12, seed=7)
    b = llg_drive.switching_points(s, waves, 200, 1e-12, seed=7)
    assert np.array_equal(a["k"], b["k"]) and 0 < a["k"][0] < 200
    m1 = llg.simulate(s, np.zeros((50, 1)), 1e-12, llg.thermal_start(s, 4, 0, 1), seed=7)["m"]
    m2 = llg.simulate(s, np.zeros((50, 1)), 1e-12, llg.thermal_start(s, 4, 0, 1), seed=8)["m"]
    assert not np.array_equal(m1, m2)


def test_vectorised_growth_equals_the_per_waveform_reflected_accumulator():
    """llg_fit.growth (all waveforms in one pass) equals mtj.accumulated per waveform on currents that cross
    Ic0 up and down, with waveforms of different lengths."""
    rng = np.random.default_rng(5)
    law = {"form": "precessional", "delta": 20.0, "ic0": 2e-4, "tau0": 1.5e-9}
    waves = []
    for n in (2, 7, 40, 200, 33):
        t = np.sort(rng.uniform(0, 10e-9, n))
        waves.append((t, law["ic0"] * (1 + 0.6 * np.sin(rng.uniform(1, 5) * t / 1e-9) + rng.normal(0, 0.1, n))))
    want = [mtj.accumulated(t, i, law) for t, i in waves]
    assert np.allclose(llg_fit.growth(waves, law["ic0"], law["tau0"]), want, rtol=1e-12, atol=1e-12)
    assert min(want) >= 0 and max(want) > 1


@pytest.mark.parametrize("form", llg_fit.FORMS)
def test_fit_recovers_known_parameters_from_binomial_counts(form):
    truth = {"delta": 45.0, "ic0": 200e-6, "tau0": 1e-9}
    rng = np.random.default_rng(0)
    waves = []
    for t_pulse in (100e-9, 10e-9, 1e-9):  # several widths separate Delta from tau0
        t = np.array([0.0, t_pulse])
        grid = [(t, np.full(2, x * truth["ic0"])) for x in np.linspace(0.05, 3.0, 1200)]
        pg = llg_fit.p_switch(grid, truth["delta"], truth["ic0"], truth["tau0"], form)
        for q in np.linspace(0.03, min(0.97, 0.97 * pg.max()), 8):
            waves.append(grid[int(np.searchsorted(pg, q))])
    p = llg_fit.p_switch(waves, truth["delta"], truth["ic0"], truth["tau0"], form)
    n = np.full(len(waves), 2000)
    k = rng.binomial(n, p)
    f = llg_fit.fit(waves, k, n, form, ic0_guess=150e-6)
    assert abs(f["delta"] / truth["delta"] - 1) < 0.15, f
    assert abs(f["ic0"] / truth["ic0"] - 1) < 0.05, f
    assert f["chi2"] < f["dof"] + 4 * math.sqrt(2 * f["dof"])


def test_bitstream_reset_failures_give_the_markov_autocorrelation():
    clean = llg_drive.bitstream(0.3, 0.0, 100_000, 1)
    assert not clean["lag1_outside_band"] and abs(clean["bias"]) < 3 * math.sqrt(0.21 / 1e5)
    stuck = llg_drive.bitstream(0.3, 0.2, 100_000, 1)
    assert stuck["lag1_outside_band"]
    assert abs(stuck["lag1"] - 0.2 * 0.7) < stuck["band"]
    assert abs(stuck["mean"] - stuck["mean_analytic"]) < 0.01


@pytest.mark.parametrize("over,word", [({"ms": -1.0e6}, "ms"), ({"alpha": 0.0}, "alpha"),
                                       ({"temp_c": 200.0}, "temperature")])
def test_bad_stack_parameters_raise_one_line(over, word):
    with pytest.raises(ValueError, match=word):
        _stack(**over)


def test_low_barrier_and_coarse_step_are_refused():
    s = _stack(volume_scale=0.02)
    with pytest.raises(ValueError, match="Delta"):
        llg.check_operable(s)
    s = llg.load_stack()
    with pytest.raises(ValueError, match=r"need dt <= "):
        llg.simulate(s, np.zeros((2, 1)), 5e-12, llg.thermal_start(s, 1, 0, 0), 0)


@pytest.mark.parametrize("override,prefix", [
    ("llg:\n  stack: {fl_thickness: 0.3e-9}\n", "config error: config.llg.stack: Delta = "),
    ("llg:\n  stack: {ms: -1.0e+6}\n", "config error: config.llg.stack.ms"),
    ("llg:\n  temperatures_c: [27, 200]\n", "config error: config.llg.temperatures_c"),
])
def test_workflow_stops_at_start_on_an_unphysical_stack(tmp_path, override, prefix):
    assert_one_config_error(tmp_path, override, prefix)
