"""Spin-ScaleDrop cell: exact hazard vs node, inverted bias lands on target p, SA bitstream, one-time bias
trim (calibration), per-parameter sensitivity, read path (no MTJ current in pre-charge), temperature,
sLLG-fit input, plain decks, config errors."""
import json
import re
import subprocess
from dataclasses import replace

import numpy as np
import pytest

from devices import llg, llg_drive, mtj, rng_cell, rng_mc
from devices import rng_temperature as rt
from devices.spice import NETLIST_DIR
from conftest import assert_one_config_error

# sLLG fit stand-in (tests only), close to results/devices/llg_fit.json of the default run: the precessional
# law fitted to the stochastic LLG switching of devices/params/sot_stack.yaml (all SET widths); Delta and Ic0
# falling with temperature. p = 0.5 near 0.637 V with the default driver at 27 C. The MTJ pillar is the stack's
# (elliptical free layer, RA, TMR), as in the workflow.
LLG = {"form": "precessional", "delta": 20.2, "ic0": 2.33e-4, "tau0": 1.67e-9,
       "temperature": [{"t_c": 0, "delta": 20.1, "ic0": 2.45e-4, "tau0": 1.63e-9},
                       {"t_c": 27, "delta": 20.2, "ic0": 2.33e-4, "tau0": 1.67e-9},
                       {"t_c": 55, "delta": 14.6, "ic0": 2.19e-4, "tau0": 1.90e-9},
                       {"t_c": 85, "delta": 14.5, "ic0": 2.07e-4, "tau0": 1.85e-9}]}
P = rng_cell.nominal({**{k: LLG[k] for k in (*mtj.LLG_KEYS, "form")}, **llg.load_stack().pillar})
D = rng_cell.Design(tstep=100e-12)


@pytest.mark.parametrize("form", mtj.FORMS)
def test_law_accumulator_from_waveform_matches_subcircuit_node(form):
    """Each law's SPICE accumulator (hazard H or precessional G_max) equals the Python integral of the same
    measured SET waveform."""
    laws = {"eq25": (49.9, 4.93e-4, 2.7e-4), "precessional": (20.2, 2.33e-4, 1.67e-9)}
    p = rng_cell.nominal({"form": form, **dict(zip(mtj.LLG_KEYS, laws[form]))})
    pt = rng_mc.exact_point(p, D, 0.635)
    assert 0.01 < pt["p_sw"] < 0.99
    assert pt["a"] == pytest.approx(pt["a_node"], rel=0.01)


def test_inverted_bias_resimulated_lands_on_target():
    """Bisection for p = 0.5 on the exact p -> SET/RESET/read trials read by the SA hit 0.5."""
    bias = rng_mc.bias_for_p(P, D, 0.5, 0.622, 0.652)
    assert rng_mc.exact_point(P, D, bias)["p_sw"] == pytest.approx(0.5, abs=0.005)
    tri = rng_mc.trial_point(P, D, bias, 150, np.random.default_rng(11))
    assert tri["sa_errors"] == 0  # the sense amplifier reads the true magnetisation every cycle
    assert tri["wilson_lo"] <= 0.5 <= tri["wilson_hi"], tri


def test_multi_bias_transient_matches_single_points():
    pts = rng_mc.exact_points(P, D, [0.630, 0.640])
    for pt in pts:
        assert pt["p_sw"] == pytest.approx(rng_mc.exact_point(P, D, pt["bias_v"])["p_sw"], rel=1e-4)
    assert pts[0]["p_sw"] < pts[1]["p_sw"]


def test_calibration_recovers_target_on_nominal_cell():
    """Start 6 mV off the p = 0.5 bias; the trim lands within 3 counting sigmas plus one DAC step."""
    cal = {"n_cal": 2000, "dac_step": 0.5e-3, "trim_bits": 6}
    res = rng_mc.calibrate(P, D, [0.631], [0.5], None, cal, np.random.default_rng(1))[0]
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
        row = rng_mc.variation_rows(P, D, [0.637], [0.5], var, cal, np.random.default_rng(i))[0]
        raw.append(row["p"])
        trimmed.append(row["p_cal"])
    assert np.std(trimmed) < np.std(raw) and np.max(np.abs(np.subtract(trimmed, 0.5))) < 0.1, (raw, trimmed)


def test_ic0_sensitivity_matches_the_law_on_the_nominal_waveform():
    """Ic0 does not change the circuit: its SPICE sensitivity must equal the law with the shifted Ic0 on the
    nominal SET waveform, and move p the right way (a larger Ic0 switches less)."""
    sigma = {"ra": 0.0, "tmr0": 0.0, "delta": 0.0, "ic0": 0.03, "rtrack": 0.0, "w": 0.0, "l": 0.0, "a_vt": 0.0}
    name, sd, lo, hi = next(v for v in rng_mc.one_sigma_variations(P, D, sigma) if v[0] == "ic0")
    tr = rng_cell.simulate(P, D, (100.0,), biases=[0.635])
    pts = [rng_mc.exact_point(P, D, 0.635, var) for var in (lo, hi)]
    got = [pt["p_sw"] for pt in pts]
    for pt, s in zip(pts, (-1, 1)):
        want = rng_cell.set_switching(tr, {**P, "ic0": P["ic0"] * (1 + s * sd)}, D)["p_sw"]
        assert pt["p_sw"] == pytest.approx(want, rel=1e-3)
        assert pt["a"] == pytest.approx(pt["a_node"], rel=0.01)  # the varied Ic0 reached the netlist
    assert got[0] > rng_mc.exact_point(P, D, 0.635)["p_sw"] > got[1]


def test_one_cell_stack_track_and_shared_driver_reach_the_sllg_range():
    """The cell's track is the stack's (derived resistance), and its default H-bridge, the one the sLLG
    characterisation drives, reaches 1.5 x the derived Ic0(T) at 0 and 85 C (bias_grid raises otherwise)."""
    stack = llg.load_stack()
    assert P["rtrack"] == pytest.approx(stack.track_resistance, rel=1e-12)
    for t in (0.0, 85.0):
        d = replace(D, temperature_c=t)
        b, i_max = llg_drive.bias_grid(stack.at(t), P, d, 4, (1.0, 1.5), n_probe=5)
        assert len(b) == 4 and i_max > 1.5 * stack.at(t).ic0, (t, i_max)


CFG = {"rng": {"variation": {}}, "spice": {"vdd": 1.0, "temperature_c": 27.0, "max_retries": 3}}


@pytest.fixture
def llg_file(tmp_path):
    path = tmp_path / "llg_fit.json"
    path.write_text(json.dumps(LLG))
    return path


def test_precharge_draws_no_mtj_current_and_sa_reads_both_states():
    """The MTJ leg is open while the SA pre-charges (< 1 uA measured); the read current is a real pulse
    and the latch decides inside the read window; AP reads 1, P reads 0."""
    d = replace(D, tstep=10e-12)
    tr = rng_cell.simulate(P, d, [1e-3, 100.0])
    assert rng_cell.read_bits(tr, d, 2).tolist() == [1, 0] == rng_cell.state_bits(tr, d, 2).tolist()
    for k in range(2):
        r = rng_cell.read_path(tr, d, k)
        assert r["precharge_i_max_a"] < 1e-6, r
        assert r["read_i_peak_a"] > 5e-6 and 0 < r["sa_decision_s"] < d.t_read - d.t_precharge, r


def test_llg_fit_sets_the_law_and_missing_key_is_one_line(tmp_path, llg_file):
    p, *_ = rng_mc.from_config(CFG, llg_file)
    assert (p["form"], p["delta"], p["ic0"], p["tau0"]) == (LLG["form"], LLG["delta"], LLG["ic0"], LLG["tau0"])
    with_track = tmp_path / "track.json"
    with_track.write_text(json.dumps({**LLG, "track_resistance": 1234.5}))
    assert rng_mc.from_config(CFG, with_track)[0]["rtrack"] == 1234.5  # the stack the solver drove
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({k: v for k, v in LLG.items() if k != "ic0"}))
    with pytest.raises(ValueError, match=rf"^{re.escape(str(bad))}: missing key 'ic0'$"):
        rng_mc.from_config(CFG, bad)
    bad.write_text(json.dumps({**LLG, "form": "arrhenius"}))
    with pytest.raises(ValueError, match=r"'form' must be one of eq25, precessional"):
        rng_mc.from_config(CFG, bad)
    bad.write_text(json.dumps({**LLG, "temperature": [{"t_c": 0, "delta": 45.0, "ic0": 1e-4}] * 2}))
    with pytest.raises(ValueError, match=r"temperature\[0\]: missing key 'tau0'"):
        mtj.load_llg_fit(bad)


def test_sweep_spans_p_min_to_p_max():
    sw = {"bias_min": 0.45, "bias_max": 1.0, "p_min": 0.01, "p_max": 0.9, "n_points": 4}
    b = rng_mc.sweep_biases(P, D, sw)
    ends = rng_mc.exact_points(P, D, [b[0], b[-1]])
    assert ends[0]["p_sw"] == pytest.approx(0.01, rel=0.05) and ends[1]["p_sw"] == pytest.approx(0.9, abs=0.01)


def test_fixed_bias_magnet_heating_raises_p_transistor_heating_lowers_current(llg_file):
    """At a fixed write bias: with the transistors held at 27 C, the magnet's falling Delta(T), Ic0(T)
    raise p; with the magnet held, the transistors (.temp) lower the SET current (CTAT at this bias)."""
    llg = mtj.load_llg_fit(llg_file)
    temps = [0.0, 27.0, 55.0, 85.0]
    p_mag = [rng_mc.exact_point({**P, **mtj.magnet_at(llg, t)}, D, 0.630)["p_sw"] for t in temps]
    cur = [rng_mc.exact_point(P, replace(D, temperature_c=t), 0.630)["current_a"] for t in temps]
    assert np.all(np.diff(p_mag) > 0), p_mag
    assert np.all(np.diff(cur) < 0), cur


def test_trim_holds_at_27c_and_compensation_beats_it_elsewhere(llg_file):
    llg = mtj.load_llg_fit(llg_file)
    _, _, _, sigma = rng_mc.from_config(CFG)
    temps = [0.0, 27.0, 85.0]
    table, _ = rt.bias_table(P, D, llg, [0.5], temps, 27.0, (0.45, 1.0))
    cal = {"n_cal": 2000, "dac_step": 0.25e-3, "trim_bits": 9}
    var = rng_mc.draw_variation(P, D, sigma, 0, 1)
    rows = {r["t_c"]: r for r in rt.sample_rows(P, D, llg, table[:, 1], [0.5], temps, 27.0, table, temps, var,
                                                  cal, np.random.default_rng(3))}
    assert abs(rows[27.0]["p_trim"] - 0.5) < rng_mc.counting_halfwidth(0.5, cal["n_cal"]) + 0.02, rows[27.0]
    for t in (0.0, 85.0):
        assert abs(rows[t]["p_comp"] - 0.5) < abs(rows[t]["p_trim"] - 0.5), rows[t]


def _ngspice(deck):
    res = subprocess.run(["ngspice", "-b", str(NETLIST_DIR / deck)], capture_output=True, text=True, timeout=120)
    meas = {k: float(v) for k, v in re.findall(r"^(\w+)\s+=\s+([-+0-9.eE]+)", res.stdout, re.M)}
    return res.returncode, meas


def test_plain_decks_run_alone_and_print_results():
    shipped = (NETLIST_DIR / "rng_cell.cir").read_text()
    assert shipped == rng_cell.plain_deck(rng_cell.nominal(), rng_cell.Design()), \
        "regenerate netlists/rng_cell.cir (plain_deck)"
    rc, m = _ngspice("rng_cell.cir")
    assert rc == 0 and m["m_cycle0"] > 0.5 > m["m_cycle1"] and m["q_cycle0"] > 0.5 > m["q_cycle1"], m
    assert max(abs(m["iprecharge_cycle0"]), abs(m["iprecharge_cycle1"])) < 1e-6, m
    rc, m = _ngspice("crossbar_example.cir")
    assert rc == 0 and 0 < m["isense_popcount0"] < m["isense_popcount4"] < m["isense_popcount8"], m


@pytest.mark.parametrize("override, field", [
    ("rng:\n  sweep:\n    trials: -5\n", "config.rng.sweep.trials"),
    ("rng:\n  targets: [1.5]\n", "config.rng.targets.0"),
    ("rng:\n  design:\n    vbias: abc\n", "config.rng.design.vbias"),
    ("rng:\n  mtj:\n    bogus: 1\n", "config.rng.mtj"),
    ("rng:\n  sweep:\n    bias_min: 0.5\n    bias_max: 0.45\n", "config.rng.sweep.bias_max"),
    ("rng:\n  variation:\n    calibration:\n      trim_bits: 0\n", "config.rng.variation.calibration.trim_bits"),
    ("rng:\n  sweep:\n    p_min: 0.5\n    p_max: 0.5\n", "config.rng.sweep.p_max"),
    ("rng:\n  temperature:\n    t_c: [200, 27]\n", "config.rng.temperature.t_c.0"),
    ("rng:\n  temperature:\n    lut_t_c: [0, 85]\n", "config.rng.temperature.lut_t_c"),
])
def test_bad_rng_config_is_one_line(tmp_path, override, field):
    assert_one_config_error(tmp_path, override, f"config error: {field}")
