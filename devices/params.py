"""Published device parameters (`devices/params/*.yaml`: value, unit, source for every entry)."""
from __future__ import annotations

import math
from pathlib import Path

import yaml

PARAM_DIR = Path(__file__).resolve().parent / "params"


def load_params(name: str, overrides: dict | None = None) -> dict[str, float]:
    """Values of `devices/params/<name>.yaml`, with numeric `overrides` (e.g. from config) applied."""
    entries = yaml.safe_load((PARAM_DIR / f"{name}.yaml").read_text())["params"]
    values = {k: float(v["value"]) for k, v in entries.items()}
    for key, val in (overrides or {}).items():
        if key not in values:
            raise ValueError(f"unknown {name} parameter {key!r} (known: {', '.join(values)})")
        if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val):
            raise ValueError(f"{name} parameter {key!r} must be a finite number, got {val!r}")
        values[key] = float(val)
    return values


def sources(name: str) -> dict[str, dict]:
    """Full entries (value, unit, source) for provenance in model files."""
    return yaml.safe_load((PARAM_DIR / f"{name}.yaml").read_text())["params"]


def mtj_rp(p: dict) -> float:
    """Parallel-state resistance R_P = RA / area (rectangular free layer)."""
    return p["ra"] / (p["length"] * p["width"])
