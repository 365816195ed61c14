"""SOT-MTJ subcircuit and its switching laws: resistance states, constant-current switching, accumulators."""
import numpy as np
import pytest

from devices import mtj
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


# (law, delta, ic0, tau0, SET current): p well inside (0.05, 0.95) in 10 ns for each form
LAWS = [("eq25", P["delta"], P["ic0"], P["tau0"], 40e-6), ("precessional", 20.0, 100e-6, 1e-9, 121e-6)]


@pytest.mark.parametrize("form,delta,ic0,tau0,i_set", LAWS)
def test_constant_current_switching_matches_the_law(form, delta, ic0, tau0, i_set):
    """N SET/RESET cycles of a constant SOT current in one transient, thresholds mtj.node_threshold(-ln u)
    per cycle: the switch count lies in the law's 3-sigma Wilson band and equals the count of draws whose
    threshold the closed-form accumulator exceeds."""
    law = {"form": form, "delta": delta, "ic0": ic0, "tau0": tau0}
    n, t_set, t_cyc = 200, 10e-9, 16e-9
    th = mtj.node_threshold(-np.log(np.random.default_rng(7).random(n)), law)
    cur, thr = [(0.0, 0.0)], [(0.0, th[0])]
    for k in range(n):
        t0 = k * t_cyc + 0.5e-9
        cur += [(t0, 0), (t0 + 1e-11, i_set), (t0 + t_set, i_set), (t0 + t_set + 1e-11, 0),
                (t0 + 11e-9, 0), (t0 + 11e-9 + 1e-11, -2 * ic0), (t0 + 15e-9, -2 * ic0), (t0 + 15e-9 + 1e-11, 0)]
        if k:
            thr += [(t0 - 0.2e-9, th[k - 1]), (t0 - 0.19e-9, th[k])]
    pwl = lambda pts: "PWL(" + " ".join(f"{num(a)} {num(b)}" for a, b in pts) + ")"  # noqa: E731
    params = {**{k: P[k] for k in ("tmr0", "vh", "rtrack", "tsw")}, **law, "form": mtj.FORM_CODE[form]}
    deck = "\n".join([
        "constant current", include("sot_mtj.lib"), f"I1 0 t1 {pwl(cur)}", "Vg t2 0 0", "Rtop top 0 1e9",
        f"Vth th 0 {pwl(thr)}", "x1 t1 t2 top th m sot_mtj " + " ".join(f"{k}={num(v)}" for k, v in params.items()),
        f".tran 1e-10 {num(n * t_cyc)}", ".end"])
    tr = run_transient(deck, ["time", "m"], title="const")
    ts = [k * t_cyc + 0.5e-9 + 10.5e-9 for k in range(n)]
    k_sw = int((np.interp(ts, tr.time, tr["m"]) > 0.5).sum())
    p = float(mtj.p_switch(i_set, t_set, delta, ic0, tau0, form))
    lo, hi = mtj.wilson(k_sw, n, z=3.0)
    assert 0.05 < p < 0.95 and lo <= p <= hi, (k_sw, p)
    a = mtj.accumulated([0.0, t_set], [i_set, i_set], law)
    assert abs(k_sw - int((th < a).sum())) <= 1, (k_sw, int((th < a).sum()))


def test_precessional_accumulator_closed_forms():
    """G_max of a step is 2 (x - 1) t / tau0; a sub-critical prefix does not lower it (the magnet
    re-thermalises: reflection at 0); a sub-critical current alone gives 0 and p = exp(-pi^2 Delta / 4)."""
    law = {"form": "precessional", "delta": 20.0, "ic0": 1e-4, "tau0": 1e-9}
    assert mtj.accumulated([0, 5e-9], [1.5e-4, 1.5e-4], law) == pytest.approx(5.0, rel=1e-12)
    pre = mtj.accumulated([0, 3e-9, 3e-9 + 1e-15, 8e-9], [0.5e-4, 0.5e-4, 1.5e-4, 1.5e-4], law)
    assert pre == pytest.approx(5.0, rel=1e-5)
    assert mtj.accumulated([0, 5e-9], [0.9e-4, 0.9e-4], law) == 0.0
    assert float(mtj.p_from_accumulated(0.0, law)) == pytest.approx(np.exp(-np.pi**2 * 5.0), rel=1e-12)
    e = np.array([0.01, 1.0, 3.0])  # threshold crossing <=> the law's p: P(G > th(E)) = exp(-pi^2 D/4 e^-G)
    g = mtj.node_threshold(e, law)
    assert np.allclose(mtj.p_from_accumulated(g, law), np.exp(-e))


def test_eq25_with_free_tau0_is_the_neel_brown_law():
    """1 - pi x + 2x^2 = 2 (x - pi/4)^2 + 1 - pi^2/8: Eq. 25 is exp(-D' (1 - I/I')^2)/t' with D' = D pi^2/8,
    I' = Ic0 pi/4, t' = tau0 exp(D (1 - pi^2/8)) below the clamp (why Neel-Brown is not a separate form)."""
    d, ic0, tau0 = 45.0, 2e-4, 1e-9
    i = np.linspace(0, np.pi / 4 * ic0, 50)
    d2, i2, t2 = d * np.pi**2 / 8, ic0 * np.pi / 4, tau0 * np.exp(d * (1 - np.pi**2 / 8))
    assert np.allclose(mtj.rate(i, d, ic0, tau0), np.exp(-d2 * (1 - i / i2) ** 2) / t2, rtol=1e-10)


def test_hazard_forms_saturate_and_precessional_does_not():
    assert mtj.rate(2e-4, 40, 1e-4, 1e-9) == mtj.rate(np.pi / 4 * 1e-4, 40, 1e-4, 1e-9)  # Eq. 25 held at pi/4
    sat = {"delta": 40.0, "ic0": 1e-4, "tau0": 1e-9}
    assert mtj.p_saturated(10e-9, {**sat, "form": "eq25"}) == pytest.approx(
        float(mtj.p_switch(1e-3, 10e-9, 40, 1e-4, 1e-9)))
    assert mtj.p_saturated(10e-9, {**sat, "form": "precessional"}) == 1.0
    with pytest.raises(ValueError, match="unknown"):
        mtj.form_of({"form": "arrhenius"})


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
