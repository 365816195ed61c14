"""Run ngspice transients in-process through PySpice's shared-library binding.

One ngspice instance per process (the shared library is a singleton); after every run the plots and
the circuit are destroyed, which keeps long Monte Carlo loops from slowing down. A transient that does
not converge is retried with relaxed solver options and, if it still fails, raised as `SpiceError`
naming the circuit: never silently dropped.

PySpice's cffi callbacks swallow Python exceptions, so KeyboardInterrupt cannot stop a running transient. While
one runs, SIGINT and a wall-time alarm (`set_wall_timeout`, config `spice.timeout_s`) therefore end the process
at once (exit 130 / 1) after one line naming the deck; every output file is written atomically, so nothing
half-written is left. Every fetched vector must be finite, or the attempt counts as failed.
"""
from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import signal
import sys
import threading
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


from scaledrop.errors import SpiceError  # noqa: E402  (the project's one exceptions module)


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


def card_value(model: str, name: str, card: str = "ptm45hp.lib") -> float:
    """One parameter of a `.model` card in netlists/ (e.g. card_value("ptm45n", "vth0")), as published there."""
    text = (NETLIST_DIR / card).read_text()
    parts = text.split(f".model {model} ")
    if len(parts) < 2:
        raise ValueError(f"netlists/{card}: no .model {model}")
    block = " ".join(ln[1:] for ln in parts[1].split(".model")[0].splitlines() if ln.startswith("+"))
    hit = re.search(rf"(?<![\w]){re.escape(name)}=([-+0-9.eE]+)", block, re.IGNORECASE)
    if hit is None:
        raise ValueError(f"netlists/{card}: .model {model} has no {name}")
    return float(hit.group(1))


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
WALL_TIMEOUT_S = 600.0


def set_wall_timeout(seconds: float) -> None:
    """Wall-time bound of one transient attempt (config `spice.timeout_s`)."""
    global WALL_TIMEOUT_S
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < math.inf:
        raise ValueError(f"spice wall-time bound must be a positive number of seconds, got {seconds!r}")
    WALL_TIMEOUT_S = float(seconds)


def _abort(message: str, code: int):
    def handler(signum, frame):
        for h in logging.getLogger().handlers:  # the rule's log file, when running in the workflow
            if hasattr(h, "stream"):
                h.stream.write(message + "\n")
            h.flush()
        sys.__stderr__.write(message + "\n")
        sys.__stderr__.flush()
        os._exit(code)
    return handler


@contextlib.contextmanager
def _bounded(title: str):
    """SIGINT -> exit 130, SIGALRM after WALL_TIMEOUT_S -> exit 1, both with one line naming the deck."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old_int = signal.signal(signal.SIGINT, _abort(f"spice error: {title}: interrupted", 130))
    old_alrm = signal.signal(signal.SIGALRM, _abort(
        f"spice error: {title}: transient exceeded its wall-time bound of {WALL_TIMEOUT_S:g} s "
        f"(config spice.timeout_s)", 1))
    signal.setitimer(signal.ITIMER_REAL, WALL_TIMEOUT_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_alrm)
        signal.signal(signal.SIGINT, old_int)


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
            with _bounded(title):
                ng.run()
            plot = ng.last_plot
            if not plot.startswith("tran"):
                raise NgSpiceCommandError("no transient plot produced")
            names = [v.replace(f"{plot}.", "") for v in _all_vectors(ng, plot)] if vectors is None else vectors
            data = _fetch(ng, plot, names)
            bad = [k for k, v in data.items() if not np.isfinite(v).all()]
            if bad:
                raise SpiceError(f"non-finite values in {', '.join(bad[:3])}")
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
