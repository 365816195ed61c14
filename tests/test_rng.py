"""Spin-ScaleDrop cell: exact hazard vs node, inverted bias lands on target p, SA bitstream, config errors."""
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


@pytest.mark.parametrize("override, field", [
    ("rng:\n  sweep:\n    trials: -5\n", "config.rng.sweep.trials"),
    ("rng:\n  targets: [1.5]\n", "config.rng.targets.0"),
    ("rng:\n  design:\n    vbias: abc\n", "config.rng.design.vbias"),
    ("rng:\n  mtj:\n    bogus: 1\n", "config.rng.mtj"),
])
def test_bad_rng_config_is_one_line(tmp_path, override, field):
    assert_one_config_error(tmp_path, override, f"config error: {field}")
