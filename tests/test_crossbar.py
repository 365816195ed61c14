"""XNOR crossbar column (devices/crossbar.py, crossbar_adc.py): SPICE vs numpy nodal analysis, ADC error
model, calibrated ADC reference, variation monotonicity, energy scaling and array energy, config errors.
Small columns (8-32 rows) only."""
from dataclasses import replace

import numpy as np
import pytest

from devices import crossbar as xb
from devices import crossbar_adc as xa
from devices.params import mtj_rp
from devices.spice import run_transient, include, num
from conftest import assert_one_config_error

LOW_RA = {"ra": 5e-12}  # ~2.5 kOhm cells: wires and access devices matter, so the comparison is sharp


def nodal_current(spec: xb.ColumnSpec, w, x) -> float:
    """Independent DC solution of the resistive column (access = resistor) by nodal analysis in numpy.

    Each cell is a series chain read wire + MTJ (bias-dependent TMR, solved by fixed point) + track
    half + access resistor from its read line to source-line node i; nodes are chained by r_wire.
    """
    p = spec.mtj_params()
    R, rseg, rp = spec.rows, max(spec.r_wire, 1e-3), mtj_rp(p)
    vin = np.stack([(x > 0), (x < 0)], 1) * spec.v_read                       # (R, 2)
    ap = np.stack([(w < 0), (w > 0)], 1).astype(float)
    rser = rseg + p["rtrack"] / 2 + spec.r_access
    vm = np.zeros((R, 2))
    for _ in range(200):
        rm = rp * (1 + ap * p["tmr0"] / (1 + (vm / p["vh"]) ** 2))
        g = 1.0 / (rser + rm)
        G = np.zeros((R, R))
        for i in range(R):
            G[i, i] += g[i].sum() + 1 / rseg
            if i > 0:
                G[i, i] += 1 / rseg
                G[i, i - 1] = G[i - 1, i] = -1 / rseg
        v = np.linalg.solve(G, (g * vin).sum(1))
        i_cell = g * (vin - v[:, None])
        vm_new = i_cell * rm
        if np.abs(vm_new - vm).max() < 1e-15:
            break
        vm = vm_new
    return v[R - 1] / rseg


def test_spice_column_equals_numpy_nodal_analysis():
    R = 8
    spec = xb.ColumnSpec(rows=R, r_access=3e3, r_wire=20.0, c_wire=0.0, mtj=LOW_RA)
    rng = np.random.default_rng(1)
    w = rng.choice([-1, 1], R)
    x = xb.patterns_for(w, [0, 3, 5, 8], rng)
    got = xb.column_currents(spec, w, x)
    want = np.array([nodal_current(spec, w, xi) for xi in x])
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got[-1] > got[0] * 1.2  # the match count moves the current


def test_ideal_column_is_linear_in_popcount():
    R = 8
    spec = xb.ideal(xb.ColumnSpec(rows=R), r_access=2e3)
    rng = np.random.default_rng(2)
    w = rng.choice([-1, 1], R)
    pops = np.arange(R + 1)
    x = xb.patterns_for(w, pops, rng)
    fit = xa.fit_transfer(pops, xb.column_currents(spec, w, x))
    assert fit["lsb_a"] > 0 and fit["r2"] > 1 - 1e-9 and fit["max_error_popcount"] < 1e-3


def test_read_view_matches_sot_mtj_subcircuit():
    """crossbar.lib's fixed-state read model gives the same read current as the owner's sot_mtj.lib."""
    for ap in (0, 1):
        a = run_transient("\n".join([
            "* full", include("sot_mtj.lib"), "V1 top 0 0.1", "VTH th 0 100", "VS t1 0 0",
            "X1 t1 t2 top th m sot_mtj rp=1e5", f".ic v(m)={ap}", ".tran 1e-10 1e-9 0 1e-10 uic", ".end"]),
            ["time", "i(vs)"])["i(vs)"][-1]
        b = run_transient("\n".join([
            "* read view", include("crossbar.lib"), "V1 top 0 0.1", "VS t1 0 0",
            f"X1 top t1 sot_mtj_read rp=1e5 ap={num(ap)}", ".tran 1e-10 1e-9 0 1e-10", ".end"]),
            ["time", "i(vs)"])["i(vs)"][-1]
        assert a == pytest.approx(b, rel=1e-6) and abs(b) > 1e-7


def _samples(R, level, n_samples, pops):
    spec = xb.ColumnSpec(rows=R)
    cfg = {"variation": {"sigma_ra": 0.05, "sigma_tmr": 0.03, "sigma_rtrack": 0.05, "sigma_vth_mv": 30}}
    p_all, i_all = [], []
    for s in range(n_samples):
        var = xb.variation_from_config(cfg, R, level, np.random.default_rng(100 + s))
        prng = np.random.default_rng(200 + s)
        w = prng.choice([-1, 1], R)
        x = xb.patterns_for(w, pops, prng)
        p_all.append(np.asarray(pops))
        i_all.append(xb.column_currents(spec, w, x, var))
    return np.concatenate(p_all), np.concatenate(i_all)


def test_full_resolution_adc_without_variation_is_exact():
    R = 8
    p, i = _samples(R, 0.0, 2, np.arange(R + 1))
    coef = xa.fit_transfer(p, i)["coefficients"]
    noise = xa.fit_noise(p, i, coef)
    bits = int(np.ceil(np.log2(R + 1)))
    m = xa.error_model(coef, noise, R, bits)
    assert m["error_rate"] == 0.0 and m["mean"] == 0.0 and m["sigma"] == 0.0
    thr, recon = np.array(m["thresholds_a"]), np.array(m["codes_popcount"])
    assert (xa.convert(i, thr, recon) == p).all()
    coarse = xa.error_model(coef, noise, R, bits - 2)  # fewer codes than popcounts: quantisation error
    assert coarse["error_rate"] > 0.5


def test_popcount_error_grows_with_variation():
    R, pops = 8, np.array([0, 2, 4, 6, 8])
    coef = xa.fit_transfer(*_samples(R, 0.0, 1, pops))["coefficients"]
    sig = []
    for level in (0.0, 1.0, 3.0):
        p, i = _samples(R, level, 3, pops)
        sig.append(xa.error_model(coef, xa.fit_noise(p, i, coef), R, 5)["sigma"])
    assert sig[0] < sig[1] < sig[2], sig


def test_calibrated_reference_removes_mean_bias():
    """Variation shifts the mean column current (here +2 %, plus 0.2 LSB spread around the simulated nominal
    curve): thresholds on the nominal curve read a biased popcount, thresholds on the MC-mean curve do not."""
    R = 16
    pops = np.arange(R + 1)
    p0, i0 = _samples(R, 0.0, 1, pops)
    fit = xa.fit_transfer(p0, i0)
    rng = np.random.default_rng(5)
    p = np.repeat(pops, 40)
    i = np.repeat(i0, 40) * 1.02 + 0.2 * fit["lsb_a"] * rng.standard_normal(len(p))
    nom, cal = (xa.analyse(p, i, fit["coefficients"], R, 5, ref) for ref in ("nominal", "calibrated"))
    assert nom["mean"] > 0.3 and nom["empirical_mean"] > 0.3, (nom["mean"], nom["empirical_mean"])
    assert abs(cal["mean"]) < 0.05 and abs(cal["empirical_mean"]) < 0.05, (cal["mean"], cal["empirical_mean"])
    assert cal["error_rate"] < nom["error_rate"]
    with pytest.raises(ValueError, match="crossbar.adc_reference"):
        xa.analyse(p, i, fit["coefficients"], R, 5, "measured")


def test_array_energy_counts_each_word_line_once_per_mvm():
    spec = xb.ColumnSpec(rows=4, c_wire=0.0)
    read = {"energy_read_lines_j": 2e-15, "energy_wordline_j": 8e-15}
    a = xb.array_energy(read, spec, cols=256)
    assert a["read_lines_j"] == pytest.approx(256 * 2e-15)
    # each of the 4 word lines gates its row in all 256 columns: 256 x (8 fJ / 4 rows) once per MVM
    assert a["wordline_per_row_activation_j"] == pytest.approx(256 * 2e-15)
    assert a["wordline_j"] == pytest.approx(256 * 8e-15) and a["total_j"] == pytest.approx(256 * 10e-15)
    wired = xb.array_energy(read, replace(spec, c_wire=0.1e-15), cols=256)
    assert wired["wordline_j"] - a["wordline_j"] == pytest.approx(4 * 2 * 256 * 0.1e-15 * spec.vdd ** 2)


def test_read_energy_positive_and_linear_in_rows():
    e = {}
    for R in (8, 16, 32):
        spec = replace(xb.ColumnSpec(rows=R), t_slot=0.5e-9, t_step=10e-12)
        rng = np.random.default_rng(3)
        w = rng.choice([-1, 1], R)
        x = xb.patterns_for(w, [R // 2], rng)[0]
        out = xb.read_energy(spec, w, x, lsb=5e-8)
        assert out["energy_read_lines_j"] > 0 and out["energy_wordline_j"] > 0 and out["latency_s"] < 0.5e-9
        e[R] = out["energy_j"]
    assert 1.7 < e[16] / e[8] < 2.3 and 1.7 < e[32] / e[16] < 2.3, e


@pytest.mark.parametrize("bad, field", [
    ("crossbar:\n  rows: [0]\n", "config.crossbar.rows.0"),
    ("crossbar:\n  adc_bits: [0]\n", "config.crossbar.adc_bits.0"),
    ("crossbar:\n  r_wire_ohm: -1.0\n", "config.crossbar.r_wire_ohm"),
    ("crossbar:\n  adc_reference: measured\n", "config.crossbar.adc_reference"),
])
def test_bad_config_one_line(tmp_path, bad, field):
    assert_one_config_error(tmp_path, bad, f"config error: {field}:")


def test_bad_values_in_library_calls_are_one_line_errors():
    with pytest.raises(ValueError, match="crossbar.rows"):
        xb.ColumnSpec(rows=0)
    with pytest.raises(ValueError, match="crossbar.r_wire"):
        xb.ColumnSpec(rows=4, r_wire=-1.0)
    with pytest.raises(ValueError, match="crossbar.adc_bits"):
        xa.adc(np.arange(5.0), 0)
