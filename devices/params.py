"""Published device parameters (`devices/params/*.yaml`: value, unit, source for every entry)."""
from __future__ import annotations

import math
from pathlib import Path

import yaml

PARAM_DIR = Path(__file__).resolve().parent / "params"


def param_file(name: str, path=None) -> dict:
    """The parameter document `devices/params/<name>.yaml`, or a user's file of the same format at `path`
    (`schema_version`, `name`, `source`, and `params: {key: {value, unit, source}}` with every key of the shipped
    file). A missing or malformed entry stops with one line naming the file and the field."""
    shipped = yaml.safe_load((PARAM_DIR / f"{name}.yaml").read_text())
    if path is None:
        return shipped
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: file not found")
    try:
        doc = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: not valid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("params"), dict):
        raise ValueError(f"{path}: params: missing (expected the format of devices/params/{name}.yaml)")
    for key in ("name", "source"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise ValueError(f"{path}: {key}: missing (a user stack names itself and its published source)")
    for key in shipped["params"]:
        e = doc["params"].get(key)
        if not isinstance(e, dict) or "value" not in e:
            raise ValueError(f"{path}: params.{key}: missing")
        v = e["value"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{path}: params.{key}.value: must be a finite number, got {v!r}")
        if not isinstance(e.get("source"), str) or not e["source"].strip():
            raise ValueError(f"{path}: params.{key}.source: missing (every value needs its citation)")
    extra = set(doc["params"]) - set(shipped["params"])
    if extra:
        raise ValueError(f"{path}: params.{sorted(extra)[0]}: unknown parameter")
    return doc


def load_params(name: str, overrides: dict | None = None, path=None) -> dict[str, float]:
    """Values of `devices/params/<name>.yaml` (or the user file `path`, see `param_file`), with numeric
    `overrides` (e.g. from config) applied."""
    entries = param_file(name, path)["params"]
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
    """Parallel-state resistance R_P = RA / area, area = area_factor * length * width (1: rectangle,
    pi/4: ellipse)."""
    return p["ra"] / (p["length"] * p["width"] * p["area_factor"])
