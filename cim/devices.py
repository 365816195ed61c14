"""Adapters from the device model files (results/devices/*.json) to the few numbers the architecture needs.

Each adapter reads the first present key of a short list (dotted paths into the JSON, with the unit
factor to SI); a missing file or key stops with one line naming the file, the key and the rule that
makes it, e.g. `results/devices/rng_model.json missing: run rule rng_model`.
"""
from __future__ import annotations

import json
from pathlib import Path

PRODUCERS = {"rng": "rng_model", "crossbar": "crossbar_model", "periphery": "periph_model"}
PJ, NS, UM2 = 1e-12, 1e-9, 1e-12


from scaledrop.errors import ModelFileError as DeviceModelError  # noqa: E402
from scaledrop.model_files import read as read_model_file  # noqa: E402


def _get(d: dict, dotted: str):
    for part in dotted.split("."):
        if not isinstance(d, dict) or part not in d:
            raise KeyError(dotted)
        d = d[part]
    return d


def pick(model: dict, keys: tuple[tuple[str, float], ...], path, rule: str, required: bool = True):
    """First present (key, unit factor) of `keys` as SI float; else None or a DeviceModelError."""
    for key, unit in keys:
        try:
            return float(_get(model, key)) * unit
        except KeyError:
            continue
    if not required:
        return None
    names = [k for k, _ in keys]
    raise DeviceModelError(f"{path}: missing key {names[0]!r} (also tried {', '.join(names[1:]) or '-'}); "
                           f"rerun rule {rule}")


def load_json(path, kind: str, rule: str | None = None) -> dict:
    """The validated model file (scaledrop.model_files: schema, version, finite numbers)."""
    return read_model_file(Path(path), f"{kind}_model")


def load_result(path, rule: str) -> dict:
    """A plain JSON result of `rule` (not a model file: no schema), e.g. results/crossbar/energy/r64.json."""
    path = Path(path)
    if not path.is_file():
        raise DeviceModelError(f"{path} missing: run rule {rule}")
    try:
        obj = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DeviceModelError(f"{path}: not valid JSON ({e}); rerun rule {rule}") from None
    if not isinstance(obj, dict):
        raise DeviceModelError(f"{path}: expected a JSON object; rerun rule {rule}")
    return obj


def rng_costs(path, rule: str | None = None) -> dict:
    """Spin-ScaleDrop cell: energy [J] and latency [s] of one sample, cycle period [s], area [m^2], power [W].

    Power = sample energy / cycle period (RESET + SET + read, back to back) unless the file gives one.
    """
    m, rule = load_json(path, "rng", rule), rule or PRODUCERS["rng"]
    e = pick(m, (("energy_per_bit_pj", PJ), ("energy.sample_pj", PJ), ("energy.per_sample_pj", PJ),
                 ("energy_per_sample_pj", PJ), ("energy_per_sample_j", 1.0), ("energy.total_pj", PJ)), path, rule)
    t = pick(m, (("latency_ns", NS), ("timing.latency_ns", NS), ("timing.period_ns", NS), ("period_ns", NS)),
             path, rule)
    period = pick(m, (("cycle_period_ns", NS), ("timing.period_ns", NS), ("period_ns", NS)), path, rule,
                  required=False) or t
    area = pick(m, (("area.um2", UM2), ("area.cell_um2", UM2), ("area.total_um2", UM2), ("area_um2", UM2),
                    ("area_m2", 1.0)), path, rule)
    power = pick(m, (("power_mw", 1e-3), ("energy.power_mw", 1e-3), ("power_w", 1.0)), path, rule, required=False)
    return {"energy_j": e, "latency_s": t, "period_s": period, "area_m2": area,
            "power_w": e / period if power is None else power, "file": str(path)}


def crossbar_costs(path, rule: str | None = None) -> dict:
    """XNOR crossbar: read-line and word-line energy per weight (cell pair), read latency [s], cell area [m^2].

    The model gives one column read of `rows` weights. When it splits that energy into the read lines
    (`energy.column_read_lines_pj`: current through the cells, the array proper) and the word-line gates
    (`energy.column_wordline_pj`: access transistors of the column's cells), both are kept apart: the
    read lines scale with the weights read, the word lines with the driven rows times the full array
    width. An older file with only `energy.column_read_pj` counts it all as read lines (`split` False).
    """
    m, rule = load_json(path, "crossbar", rule), rule or PRODUCERS["crossbar"]
    rows = pick(m, (("rows", 1.0), ("energy.rows", 1.0)), path, rule)
    e_col = pick(m, (("energy.column_read_pj", PJ), ("column_read_pj", PJ), ("energy_per_column_read_j", 1.0)),
                 path, rule)
    lines = pick(m, (("energy.column_read_lines_pj", PJ),), path, rule, required=False)
    wl = pick(m, (("energy.column_wordline_pj", PJ),), path, rule, required=False)
    split = lines is not None and wl is not None
    if not split:
        lines, wl = e_col, 0.0
    row = pick(m, (("energy.wordline_per_row_activation_pj", PJ),), path, rule, required=False)
    cols = pick(m, (("energy.cols", 1.0),), path, rule, required=False)
    if split and row is not None and cols:
        wl = row / cols * rows              # one word line across the model's array width, wire included
    t = pick(m, (("latency_ns", NS), ("energy.t_read_ns", NS), ("read_latency_s", 1.0)), path, rule)
    area = pick(m, (("area.cell_um2", UM2), ("cell_area_um2", UM2), ("cell_area_m2", 1.0)), path, rule,
                required=False)
    return {"energy_per_weight_j": lines / rows, "wordline_per_weight_j": wl / rows, "split": split,
            "column_read_j": e_col, "rows": int(rows), "latency_s": t, "cell_area_m2": area, "file": str(path)}
