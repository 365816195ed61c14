"""Spin-ScaleDrop cell: exact hazard vs node, inverted bias lands on target p, SA bitstream, one-time bias
trim (calibration), per-parameter sensitivity, config errors."""
import numpy as np
import pytest

from devices import fit, mtj, rng_cell, rng_mc
from conftest import assert_one_config_error

P = rng_cell.nominal()
D = rng_cell.Design(tstep=100e-12)


def test_hazard_from_waveform_matches_subcircuit_node():
    pt = rng_mc.exact_point(P, D, 0.465)
    assert 0.01 < pt["p_sw"] < 0.99
    assert pt["h"] == pytest.approx(pt["h_node"], rel=0.01)


def test_inverted_bias_resimulated_lands_on_target():
    """Sweep -> Eq. 25 fit -> invert p=0.5 -> SET/RESET/read trials read by the SA hit 0.5."""
    rows = [rng_mc.exact_point(P, D, b) for b in np.linspace(0.43, 0.49, 7)]
    cur = np.array([r["current_a"] for r in rows])
    ex = fit.fit_exact(cur, [r["p_sw"] for r in rows], D.t_set)
    i_t = float(mtj.current_for_p(0.5, D.t_set, ex["delta"], ex["ic0_a"], ex["tau0_s"]))
    bias = fit.bias_for_current(i_t, [r["bias_v"] for r in rows], cur)
    assert rng_mc.exact_point(P, D, bias)["p_sw"] == pytest.approx(0.5, abs=0.02)
    tri = rng_mc.trial_point(P, D, bias, 150, np.random.default_rng(11))
    assert tri["sa_errors"] == 0  # the sense amplifier reads the true magnetisation every cycle
    assert tri["wilson_lo"] <= 0.5 <= tri["wilson_hi"], tri


def test_multi_bias_transient_matches_single_points():
    pts = rng_mc.exact_points(P, D, [0.462, 0.472])
    for pt in pts:
        assert pt["p_sw"] == pytest.approx(rng_mc.exact_point(P, D, pt["bias_v"])["p_sw"], rel=1e-4)
    assert pts[0]["p_sw"] < pts[1]["p_sw"]


def test_calibration_recovers_target_on_nominal_cell():
    """Start 6 mV off the p = 0.5 bias; the trim lands within 3 counting sigmas plus one DAC step."""
    cal = {"n_cal": 2000, "dac_step": 0.5e-3, "trim_bits": 6}
    res = rng_mc.calibrate(P, D, [0.464], [0.5], None, cal, np.random.default_rng(1))[0]
    assert res["raw"]["p_sw"] < 0.3 and res["cal_code"] != 32  # raw is off target, the trim moved
    lsb = rng_mc.exact_point(P, D, res["bias_cal_v"] + cal["dac_step"])["p_sw"] - res["p_cal"]
    assert abs(res["p_cal"] - 0.5) <= rng_mc.counting_halfwidth(0.5, cal["n_cal"]) + lsb, (res, lsb)


def test_calibrated_spread_smaller_than_raw():
    _, _, _, sigma = rng_mc.from_config({"rng": {"variation": {}},
                                         "spice": {"vdd": 1.0, "temperature_c": 27.0, "max_retries": 3}})
    cal = {"n_cal": 1000, "dac_step": 0.5e-3, "trim_bits": 7}
    raw, trimmed = [], []
    for i in range(3):
        var = rng_mc.draw_variation(P, D, sigma, 0, i)
        row = rng_mc.variation_rows(P, D, [0.469], [0.5], var, cal, np.random.default_rng(i))[0]
        raw.append(row["p"])
        trimmed.append(row["p_cal"])
    assert np.std(trimmed) < np.std(raw) and np.max(np.abs(np.subtract(trimmed, 0.5))) < 0.1, (raw, trimmed)


def test_ic0_sensitivity_matches_eq25_at_the_measured_current():
    """Ic0 does not change the circuit: its SPICE sensitivity must equal Eq. 25 at the nominal current."""
    sigma = {"ra": 0.0, "tmr0": 0.0, "delta": 0.0, "ic0": 0.03, "rtrack": 0.0, "w": 0.0, "l": 0.0, "a_vt": 0.0}
    name, sd, lo, hi = next(v for v in rng_mc.one_sigma_variations(P, D, sigma) if v[0] == "ic0")
    cur = rng_mc.exact_point(P, D, 0.467)["current_a"]
    for var, s in ((lo, -1), (hi, 1)):
        want = mtj.p_switch(cur, D.t_set, P["delta"], P["ic0"] * (1 + s * sd), P["tau0"])
        assert rng_mc.exact_point(P, D, 0.467, var)["p_sw"] == pytest.approx(float(want), rel=0.02)


@pytest.mark.parametrize("override, field", [
    ("rng:\n  sweep:\n    trials: -5\n", "config.rng.sweep.trials"),
    ("rng:\n  targets: [1.5]\n", "config.rng.targets.0"),
    ("rng:\n  design:\n    vbias: abc\n", "config.rng.design.vbias"),
    ("rng:\n  mtj:\n    bogus: 1\n", "config.rng.mtj"),
    ("rng:\n  sweep:\n    bias_min: 0.5\n    bias_max: 0.45\n", "config.rng.sweep.bias_max"),
    ("rng:\n  variation:\n    calibration:\n      trim_bits: 0\n", "config.rng.variation.calibration.trim_bits"),
])
def test_bad_rng_config_is_one_line(tmp_path, override, field):
    assert_one_config_error(tmp_path, override, f"config error: {field}")
