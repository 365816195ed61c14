"""SOT-MTJ subcircuit and Eq. 25 physics: resistance states, constant-current switching, fits."""
import numpy as np
import pytest

from devices import fit, mtj
from devices.params import load_params, mtj_rp
from devices.spice import include, num, run_transient

P = load_params("sot_mtj")


def _mtj_deck(v_read, state):
    return "\n".join([
        "mtj states", include("sot_mtj.lib"),
        f"Vt top 0 {num(v_read)}", "Vth th 0 100", "Vg t1 0 0", "Vg2 t2 0 0",
        "x1 t1 t2 top th m sot_mtj " + " ".join(f"{k}={num(v)}" for k, v in (
            ("rp", mtj_rp(P)), ("tmr0", P["tmr0"]), ("vh", P["vh"]), ("rtrack", P["rtrack"]))),
        f".ic v(m)={num(state)}", ".tran 1e-11 2e-10 uic", ".end"])


@pytest.mark.parametrize("state", [0, 1])
@pytest.mark.parametrize("v", [0.05, 0.3, 0.6])
def test_resistance_states_and_bias_dependent_tmr(state, v):
    tr = run_transient(_mtj_deck(v, state), ["time", "i(vt)"], title="mtj")
    i = -tr["i(vt)"][-1]
    # the read current also crosses half the track (rtrack / 2) before the grounded ends
    r_want = mtj.resistance(v, state, mtj_rp(P), P["tmr0"], P["vh"])
    r_meas = v / i - P["rtrack"] / 4  # two track halves in parallel to ground: rtrack/4
    assert r_meas == pytest.approx(float(r_want), rel=0.03)


def test_constant_current_switching_matches_eq25a():
    """N SET/RESET cycles of a constant SOT current in one transient, thresholds -ln(u) per cycle."""
    n, t_set, t_cyc, i_set = 200, 10e-9, 16e-9, 40e-6
    u = np.random.default_rng(7).random(n)
    th = -np.log(u)
    cur, thr = [(0.0, 0.0)], [(0.0, th[0])]
    for k in range(n):
        t0 = k * t_cyc + 0.5e-9
        cur += [(t0, 0), (t0 + 1e-11, i_set), (t0 + t_set, i_set), (t0 + t_set + 1e-11, 0),
                (t0 + 11e-9, 0), (t0 + 11e-9 + 1e-11, -200e-6), (t0 + 15e-9, -200e-6), (t0 + 15e-9 + 1e-11, 0)]
        if k:
            thr += [(t0 - 0.2e-9, th[k - 1]), (t0 - 0.19e-9, th[k])]
    pwl = lambda pts: "PWL(" + " ".join(f"{num(a)} {num(b)}" for a, b in pts) + ")"  # noqa: E731
    deck = "\n".join([
        "constant current", include("sot_mtj.lib"), f"I1 0 t1 {pwl(cur)}", "Vg t2 0 0", "Rtop top 0 1e9",
        f"Vth th 0 {pwl(thr)}", "x1 t1 t2 top th m sot_mtj " + " ".join(
            f"{k}={num(P[k])}" for k in ("tmr0", "vh", "rtrack", "delta", "ic0", "tau0", "tsw")),
        f".tran 1e-10 {num(n * t_cyc)}", ".end"])
    tr = run_transient(deck, ["time", "m"], title="const")
    ts = [k * t_cyc + 0.5e-9 + 10.5e-9 for k in range(n)]
    k_sw = int((np.interp(ts, tr.time, tr["m"]) > 0.5).sum())
    p = float(mtj.p_switch(i_set, t_set, P["delta"], P["ic0"], P["tau0"]))
    lo, hi = mtj.wilson(k_sw, n, z=3.0)
    assert 0.05 < p < 0.95 and lo <= p <= hi, (k_sw, p)
    assert k_sw == int((th < t_set * mtj.rate(i_set, P["delta"], P["ic0"], P["tau0"])).sum())


def test_eq25_fits_recover_known_parameters():
    t, true = 10e-9, (40.0, 100e-6, 1e-9)
    i = np.linspace(30e-6, 48e-6, 15)
    p = mtj.p_switch(i, t, *true)
    ex = fit.fit_exact(i, p, t)  # exact probabilities: all three parameters
    assert (ex["delta"], ex["ic0_a"], ex["tau0_s"]) == pytest.approx(true, rel=1e-3)
    g = np.random.default_rng(3)
    n = np.full(i.size, 2000)
    k = g.binomial(n, p)
    b = fit.fit_binomial(i, k, n, t, [30.0, 120e-6, 1e-9], fix_tau0=True)
    assert b["delta"] == pytest.approx(40.0, rel=0.05) and b["ic0_a"] == pytest.approx(100e-6, rel=0.02)


def test_inversion_stays_on_monotonic_branch():
    i = mtj.current_for_p(0.5, 10e-9, 40, 100e-6, 1e-9)
    assert i < np.pi / 4 * 100e-6
    assert float(mtj.p_switch(i, 10e-9, 40, 100e-6, 1e-9)) == pytest.approx(0.5, rel=1e-9)
    assert mtj.rate(2e-4, 40, 1e-4, 1e-9) == mtj.rate(np.pi / 4 * 1e-4, 40, 1e-4, 1e-9)  # saturates
    with pytest.raises(ValueError):
        mtj.current_for_p(1.0, 10e-9, 40, 100e-6, 1e-9)


def test_magnet_at_interpolates_the_llg_temperature_block(tmp_path):
    path = tmp_path / "llg_fit.json"
    path.write_text('{"delta": 40, "ic0": 1e-4, "tau0": 1e-9, "temperature": ['
                    '{"t_c": 0, "delta": 44, "ic0": 1.1e-4, "tau0": 1e-9}, '
                    '{"t_c": 100, "delta": 34, "ic0": 0.9e-4, "tau0": 4e-9}]}')
    llg = mtj.load_llg_fit(path)
    at = mtj.magnet_at(llg, 50.0)
    assert at["delta"] == pytest.approx(39.0) and at["ic0"] == pytest.approx(1.0e-4)
    assert at["tau0"] == pytest.approx(2e-9)  # geometric mean: linear in ln tau0
    with pytest.raises(ValueError, match="outside the fitted range"):
        mtj.magnet_at(llg, 120.0)
    path.write_text('{"delta": -1, "ic0": 1e-4, "tau0": 1e-9, "temperature": []}')
    with pytest.raises(ValueError, match=r"'delta' must be a positive number"):
        mtj.load_llg_fit(path)
