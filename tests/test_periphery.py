"""Column readout at transistor level (devices/adc.py, periphery.py, noise.py) and the periphery config checks."""
import copy
import math

import numpy as np
import pytest
import yaml

from cim.periphery import check_config
from conftest import REPO
from devices import noise as nz
from devices.adc import SarSpec, comparator_offsets, convert, dac_levels, linearity
from devices.periphery import driver_chain, frontend, wordline

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
CMP = (("win", 2e-6), ("lin", 90e-9))


def _sar(bits):
    return SarSpec(bits=bits, v_refn=0.4, v_refp=0.7, t_clk=0.5e-9, comparator=CMP)


@pytest.mark.parametrize("bits", [3, 4, 5])
def test_cdac_dnl_inl_within_half_lsb(bits):
    lin = linearity(np.array(dac_levels(_sar(bits))["levels_v"]))
    assert lin["monotonic"] and lin["dnl_max"] < 0.5 and lin["inl_max"] < 0.5


def test_linearity_detects_a_missing_code():
    lv = np.arange(8.0)
    lv[4] = lv[3]                               # a stuck level: DNL = -1 there
    lin = linearity(lv)
    assert not lin["monotonic"] and lin["dnl_max"] > 0.9


def test_sar_transfer_monotonic_and_energy_rises_with_bits():
    s3 = _sar(3)
    vin = s3.v_refn + (np.arange(16) + 0.5) / 16 * (s3.v_refp - s3.v_refn)
    r3 = convert(s3, vin)
    assert np.all(np.diff(r3["codes"]) >= 0) and r3["codes"][0] <= 1 and r3["codes"][-1] >= 6
    r5 = convert(_sar(5), vin[::4])
    assert r5["energy_j"] > r3["energy_j"] > 0 and r5["t_conv_s"] > r3["t_conv_s"]


def test_comparator_offset_recovers_a_known_input_shift():
    """A +dV threshold shift on the inp device needs +dV more input: the MC offset finder must return it."""
    base = _sar(1)
    shifts = np.zeros((2, 6))
    shifts[1, 0] = 0.010
    r = comparator_offsets(base, shifts, 0.06, 30)
    res = r["resolution_v"]
    assert abs(r["offsets_v"][0]) <= 1.5 * res
    assert r["offsets_v"][1] - r["offsets_v"][0] == pytest.approx(0.010, abs=1.5 * res)
    assert r["energy_per_comparison_j"] > 0


def test_frontend_linear_in_popcount():
    d = dict(t_reset=0.5e-9, t_int=5e-9, t_edge=20e-12, v_bias_p=0.5, w_tail=1e-6, w_in=1e-6, w_mirror=0.5e-6,
             l_ota=90e-9, w_clamp=4e-6, w_reset=1e-6, v_swing=0.6, t_step=20e-12)
    p = np.linspace(0, 64, 7)
    i = 3.3e-6 + p * 0.05e-6                       # 64-row column: HRS floor + LRS step per match
    r = frontend(i, d, 1.0, 0.1, 64 * 2e-16)
    v = np.array(r["v_out"])
    fit = np.polyfit(p, v, 1)
    r2 = 1 - ((v - np.polyval(fit, p)) ** 2).sum() / ((v - v.mean()) ** 2).sum()
    assert r2 > 0.999 and fit[0] < 0                # output falls as the column current rises
    assert np.ptp(r["v_bl"]) < 0.01                 # the clamp holds the bit line within 10 mV
    # integrator closed form: dV/dI = t_int / C_int, C_int = capacitor + the out node's parasitic (measured in a
    # first transient); within 5 % (the clamp's finite regulation, the drains' voltage-dependent capacitance)
    assert -np.polyfit(i, v, 1)[0] == pytest.approx(d["t_int"] / r["c_int_f"], rel=0.05)
    assert 0 < r["c_par_f"] < r["c_int_f"] / 2 and r["c_cap_f"] == pytest.approx(r["c_int_f"] - r["c_par_f"])
    assert v.min() == pytest.approx(1.0 - d["v_swing"], abs=0.05)   # the largest current fills v_swing


def test_wordline_chain_sized_for_its_load():
    sizes = driver_chain(140e-15, 0.4e-15, 4.0)
    assert len(sizes) % 2 == 1 and 3 <= len(sizes) <= 6
    w = wordline(140e-15, 512.0, dict(c_in_min=0.4e-15, fanout=4, t_on=1e-9, t_edge=20e-12, t_step=5e-12), 1.0)
    assert w["energy_driver_j"] > 140e-15 * 1.0 ** 2   # at least C V^2 to charge the line once
    assert 0 < w["delay_s"] < 0.5e-9


def test_shot_noise_matches_sqrt_2qI_df():
    """qV >> kT: tunnel noise -> 2qI; the window average of white noise has bandwidth 1/(2 t_int)."""
    i, t = 20e-6, 0.5e-9
    closed = math.sqrt(2 * nz.Q_E * i * nz.window_bandwidth(t))
    assert nz.column_sigma_i(i, 1.0, t, 27.0) == pytest.approx(closed, rel=1e-6)
    sim = nz.simulate_integrated_noise(nz.tunnel_psd(i, 1.0, 27.0), t, 4000, np.random.default_rng(0))
    assert sim == pytest.approx(closed, rel=0.05)
    # thermal limit qV << kT: 4kTG with G = I / V
    v = 1e-5
    assert nz.tunnel_psd(i, v, 27.0) == pytest.approx(4 * nz.K_B * 300.15 * i / v, rel=1e-3)
    # the figure: ~1.6 LSB of shot noise at 256 rows (~20 uA, LSB ~50 nA) in 0.5 ns
    assert 1.2 < nz.column_sigma_i(20e-6, 0.1, 0.5e-9, 27.0) / 50e-9 < 2.0


def test_bad_periphery_config_is_one_line():
    assert check_config(CONFIG) is None
    cases = [(("crossbar", "model_adc_bits"), 9, "config.crossbar.model_adc_bits: 9 is not simulated"),
             (("codesign", "adc_bits"), [3, 11], "config.codesign.adc_bits: 11 is not simulated"),
             (("codesign", "rows"), [96], "config.codesign.rows: 96 does not divide the array"),
             (("periphery", "mux_ratio"), 3, "config.periphery.mux_ratio: 3 does not divide crossbar.cols"),
             (("codesign", "variation"), [7], "config.codesign.variation: 7 has no crossbar Monte Carlo")]
    for (sec, key), val, msg in cases:
        bad = copy.deepcopy(CONFIG)
        bad[sec][key] = val
        out = check_config(bad)
        assert out.startswith("config error: " + msg) and "\n" not in out


def test_non_converging_deck_retried_then_named(monkeypatch):
    import devices.adc as adc
    from devices.spice import SpiceError
    steps = []

    def fail(deck, names, title, retries):
        steps.append(title)
        raise SpiceError(f"{title}: transient did not converge")
    monkeypatch.setattr(adc, "run_transient", fail)
    with pytest.raises(SpiceError, match=r"^sar_cdac_b3: no convergence at t_step 5e-12 s nor 1.25e-12 s"):
        dac_levels(_sar(3))
    assert steps == ["sar_cdac_b3", "sar_cdac_b3 (t_step/4)"]


def test_card_value_reads_the_published_card():
    from devices.spice import card_value
    assert card_value("ptm45n", "vth0") == 0.46893 and card_value("ptm45p", "vth0") == -0.49158
    with pytest.raises(ValueError, match="has no nosuch"):
        card_value("ptm45n", "nosuch")
