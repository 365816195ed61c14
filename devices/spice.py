"""Run ngspice transients in-process through PySpice's shared-library binding.

One ngspice instance per process (the shared library is a singleton); after every run the plots and
the circuit are destroyed, which keeps long Monte Carlo loops from slowing down. A transient that does
not converge is retried with relaxed solver options and, if it still fails, raised as `SpiceError`
naming the circuit: never silently dropped.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NETLIST_DIR = Path(__file__).resolve().parents[1] / "netlists"

# Solver options tried in order: nominal, then progressively more forgiving.
RETRY_OPTIONS = (
    "",
    ".options method=gear reltol=1e-3 gmin=1e-14 itl4=100",
    ".options method=gear reltol=3e-3 abstol=1e-11 gmin=1e-12 itl4=500 itl1=500",
    ".options method=gear reltol=1e-2 abstol=1e-10 vntol=1e-5 gmin=1e-10 itl4=1000 itl1=1000",
)


class SpiceError(RuntimeError):
    """A circuit failed to load or a transient failed to converge after all retries."""


def num(x) -> str:
    """Format a number for a netlist. Only real finite numbers pass: no config string reaches ngspice."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"netlist value must be a number, got {type(x).__name__}: {x!r}")
    if not math.isfinite(float(x)):
        raise ValueError(f"netlist value must be finite, got {x!r}")
    return repr(float(x))


def include(name: str) -> str:
    """`.include` line for a file shipped in netlists/ (fixed file names only)."""
    path = NETLIST_DIR / name
    if not re.fullmatch(r"[\w.-]+", name) or not path.is_file():
        raise FileNotFoundError(f"netlists/{name} not found")
    return f".include {path}"


@dataclass
class Transient:
    """Result vectors of one transient: `time` plus node voltages / branch currents by lower-case name."""

    vectors: dict[str, np.ndarray]
    attempts: int

    def __getitem__(self, name: str) -> np.ndarray:
        return self.vectors[name.lower()]

    @property
    def time(self) -> np.ndarray:
        return self.vectors["time"]


_NG = None


def _ngspice():
    global _NG
    if _NG is None:
        logging.getLogger("PySpice").setLevel(logging.CRITICAL)  # "Unsupported Ngspice version 39" is harmless
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared

        _NG = NgSpiceShared.new_instance()
        # ngspice's OpenMP BSIM4 load defaults to 2 threads; on a busy host they spin-wait on each other and a
        # transient costs 5-70x more CPU. One thread per process: parallelism comes from Snakemake jobs.
        _NG.exec_command("set num_threads=1")
    return _NG


def versions() -> dict:
    """ngspice and PySpice versions for provenance."""
    import PySpice

    return {"ngspice": int(_ngspice().ngspice_version), "pyspice": PySpice.__version__}


def _fetch(ng, plot: str, names) -> dict[str, np.ndarray]:
    from PySpice.Spice.NgSpice.Shared import ffi

    out = {}
    for name in names:
        info = ng._ngspice_shared.ngGet_Vec_Info(f"{plot}.{name}".encode())
        if info == ffi.NULL or info.v_realdata == ffi.NULL:
            raise SpiceError(f"vector {name!r} not found in transient results")
        n = info.v_length
        out[name.lower()] = np.frombuffer(ffi.buffer(info.v_realdata, n * 8), dtype=np.float64).copy()
    return out


def _all_vectors(ng, plot: str) -> list[str]:
    from PySpice.Spice.NgSpice.Shared import ffi

    vecs = ng._ngspice_shared.ngSpice_AllVecs(plot.encode())
    names, i = [], 0
    while vecs[i] != ffi.NULL:
        names.append(ffi.string(vecs[i]).decode())
        i += 1
    return names


def run_transient(netlist: str, vectors=None, *, title: str = "circuit", retries: int = 3) -> Transient:
    """Simulate `netlist` (a complete deck with its own `.tran` and `.end`) and return the vectors.

    `vectors`: names to fetch (e.g. ``["time", "v(out)", "i(vdd)"]``); all when None.
    Retries up to `retries` times with relaxed options on non-convergence, then raises SpiceError.
    """
    from PySpice.Spice.NgSpice.Shared import NgSpiceCommandError, NgSpiceCircuitError

    ng = _ngspice()
    lines = netlist.strip().splitlines()
    if not lines or lines[-1].strip().lower() != ".end":
        raise SpiceError(f"{title}: netlist must end with .end")
    last = ""
    for attempt in range(min(retries, len(RETRY_OPTIONS) - 1) + 1):
        deck = "\n".join(lines[:-1] + ([RETRY_OPTIONS[attempt]] if attempt else []) + [".end"])
        try:
            ng.load_circuit(deck)
        except NgSpiceCircuitError as exc:
            raise SpiceError(f"{title}: ngspice rejected the netlist: {_first_error(ng) or exc}") from None
        try:
            ng.run()
            plot = ng.last_plot
            if not plot.startswith("tran"):
                raise NgSpiceCommandError("no transient plot produced")
            names = [v.replace(f"{plot}.", "") for v in _all_vectors(ng, plot)] if vectors is None else vectors
            data = _fetch(ng, plot, names)
            return Transient(data, attempt + 1)
        except (NgSpiceCommandError, SpiceError) as exc:
            last = _first_error(ng) or str(exc)
        finally:
            ng.destroy()
            ng.remove_circuit()
    raise SpiceError(f"{title}: transient did not converge after {attempt + 1} attempts ({last})")


def _first_error(ng) -> str:
    text = (ng.stderr or "") + "\n" + (ng.stdout or "")
    for line in text.splitlines():
        low = line.lower()
        if "error" in low or "too small" in low or "singular" in low or "aborted" in low:
            return line.strip()
    return ""
