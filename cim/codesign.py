"""Co-design sweep helpers (issue 12 item 6): crossbar costs at any simulated column height, Pareto front."""
from __future__ import annotations

import numpy as np

from cim.devices import NS, PJ, load_result, pick


def crossbar_at(energy_path, cell_area_m2: float | None) -> dict:
    """Crossbar read-line energy per weight [J] and read latency [s] of one column height, from the SPICE
    energy file of rule crossbar_column (results/crossbar/energy/r{rows}.json)."""
    m = load_result(energy_path, "crossbar_column")
    rows = pick(m, (("rows", 1.0),), energy_path, "crossbar_column")
    lines = pick(m, (("column_read_lines_pj", PJ),), energy_path, "crossbar_column")
    t = pick(m, (("latency_ns", NS),), energy_path, "crossbar_column")
    return {"energy_per_weight_j": lines / rows, "wordline_per_weight_j": 0.0, "split": True, "latency_s": t,
            "cell_area_m2": cell_area_m2, "column_read_j": lines, "rows": int(rows), "file": str(energy_path)}


def pareto(energy, accuracy) -> np.ndarray:
    """Non-dominated points (lower energy, higher accuracy): no other point is at least as good in both and
    strictly better in one."""
    e, a = np.asarray(energy, float), np.asarray(accuracy, float)
    dom = ((e[None, :] <= e[:, None]) & (a[None, :] >= a[:, None])
           & ((e[None, :] < e[:, None]) | (a[None, :] > a[:, None])))
    return ~dom.any(1)
