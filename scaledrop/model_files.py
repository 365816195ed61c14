"""The model files that cross the devices/ -> nn/, cim/ seam: one JSON Schema each (`scaledrop/schemas/`),
checked by the writer before the atomic rename and by every reader.

| kind             | file                                   | written by rule | read by                          |
|------------------|----------------------------------------|-----------------|----------------------------------|
| `rng_model`      | results/devices/rng_model.json         | rng_model       | nn.scaledrop (device sampler), cim.devices |
| `crossbar_model` | results/devices/crossbar_model.json    | crossbar_model  | nn.inject (CrossbarErrors), cim.devices    |
| `periphery_model`| results/devices/periphery_model.json   | periph_model    | cim.periphery (front end, ADC, mux, word line) |
| `costs`          | results/arch/<workload>/costs.json     | arch_costs      | arch_tables, report_summary                |

A reader given a missing, old or malformed file stops with one line naming the file, the field and the rule
to rerun, e.g. ``results/devices/rng_model.json: schema_version: 1 (file) != 2 (this code); rerun rule
rng_model (snakemake --forcerun rng_model)``. Numbers must be finite everywhere (JSON Schema bounds let NaN
through, so this module checks it itself).
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from .errors import ModelFileError

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
RULES = {"rng_model": "rng_model", "crossbar_model": "crossbar_model", "periphery_model": "periph_model",
         "costs": "arch_costs"}


@lru_cache(maxsize=None)
def schema(kind: str) -> dict:
    """The JSON Schema of one model-file kind."""
    if kind not in RULES:
        raise ValueError(f"unknown model-file kind {kind!r} (known: {', '.join(RULES)})")
    return json.loads((SCHEMA_DIR / f"{kind}.schema.json").read_text())


def schema_version(kind: str) -> int:
    """The version this code writes and reads (the schema's `schema_version` const)."""
    return int(schema(kind)["properties"]["schema_version"]["const"])


def _nonfinite(obj, path=()):
    """Path of the first NaN/inf number in `obj`, else None."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return path
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return None
    for k, v in items:
        bad = _nonfinite(v, (*path, k))
        if bad is not None:
            return bad
    return None


def _field(path) -> str:
    return ".".join(map(str, path)) or "(top level)"


def validate(obj, kind: str, path) -> dict:
    """Raise ModelFileError (file, field, rule) unless `obj` is a valid `kind` model file of this version."""
    import jsonschema

    rule = RULES[kind]
    hint = f"rerun rule {rule} (snakemake --forcerun {rule})"
    if not isinstance(obj, dict):
        raise ModelFileError(f"{path}: expected a JSON object, got {type(obj).__name__}; {hint}")
    want = schema_version(kind)
    if obj.get("schema_version") != want:
        raise ModelFileError(f"{path}: schema_version: {obj.get('schema_version')!r} (file) != {want} (this code); "
                             f"{hint}")
    bad = _nonfinite(obj)
    if bad is not None:
        raise ModelFileError(f"{path}: {_field(bad)}: not a finite number; {hint}")
    err = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema(kind)).iter_errors(obj))
    if err is not None:
        raise ModelFileError(f"{path}: {_field(err.absolute_path)}: {err.message}; {hint}")
    return obj


def read(path, kind: str) -> dict:
    """Load and validate a model file."""
    path = Path(path)
    rule = RULES.get(kind, kind)
    if not path.is_file():
        raise ModelFileError(f"{path} missing: run rule {rule}")
    try:
        obj = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ModelFileError(f"{path}: not valid JSON ({e}); rerun rule {rule} (snakemake --forcerun {rule})") \
            from None
    return validate(obj, kind, path)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a path with the final file name inside a fresh temporary directory next to `path`; move it onto
    `path` only if the block succeeds. (The same name matters: torch.save records it inside model.pt, so same
    config + seed -> byte-identical files.) Every writer of results/ goes through this."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        yield tmpdir / path.name
        os.replace(tmpdir / path.name, path)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def write(path, obj: dict, kind: str) -> None:
    """Validate, then write atomically (`atomic_path`)."""
    path = Path(path)
    validate(obj, kind, path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, allow_nan=False, default=float) + "\n")


def read_rng_model(path) -> dict:
    """results/devices/rng_model.json: the Spin-ScaleDrop cell (Eq. 24-25 fit, epsilon per target p, costs)."""
    return read(path, "rng_model")


def read_crossbar_model(path) -> dict:
    """results/devices/crossbar_model.json: popcount error model, transfer, energy, latency, area."""
    return read(path, "crossbar_model")


def read_periphery_model(path) -> dict:
    """results/devices/periphery_model.json: front end, ADC per resolution, mux, word line (SPICE)."""
    return read(path, "periphery_model")


def read_costs(path) -> dict:
    """results/arch/<workload>/costs.json: per-layer and per-inference costs of one workload."""
    return read(path, "costs")
