"""devices/spice.py: transient against a closed form; non-convergence is retried then reported; num()."""
import numpy as np
import pytest

from devices import spice
from devices.spice import SpiceError, num, run_transient


def test_rc_step_matches_closed_form():
    r, c = 1e3, 1e-12  # tau = 1 ns
    deck = f"""rc step
V1 in 0 PWL(0 0 1e-12 1)
R1 in out {num(r)}
C1 out 0 {num(c)}
.tran 1e-11 5e-9
.end"""
    tr = run_transient(deck, ["time", "out"], title="rc")
    t = tr.time
    sel = t > 2e-11
    want = 1 - np.exp(-(t[sel] - 1e-12) / (r * c))
    assert np.max(np.abs(tr["out"][sel] - want)) < 5e-3


def test_nonconverging_netlist_is_retried_then_reported(monkeypatch):
    deck = """never settles
V1 a 0 PULSE(0 1 1n 1p 1p 1n 2n)
B1 b 0 V = v(b) > 0.5 ? 0 : 1
R1 a b 1k
C1 b 0 1p
.tran 1p 5n
.end"""
    loads = []
    ng = spice._ngspice()
    real = ng.load_circuit
    monkeypatch.setattr(ng, "load_circuit", lambda d: (loads.append(d), real(d))[1])
    with pytest.raises(SpiceError, match=r"never: transient did not converge after 4 attempts"):
        run_transient(deck, ["time", "b"], title="never", retries=3)
    assert len(loads) == 4 and "method=gear" in loads[-1]  # relaxed options were tried


@pytest.mark.parametrize("bad", ["1k", "0; shell rm -rf /", True, float("nan"), None])
def test_num_rejects_non_numbers(bad):
    with pytest.raises((TypeError, ValueError)):
        num(bad)
