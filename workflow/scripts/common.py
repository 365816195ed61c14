"""Helpers shared by the workflow scripts: config errors, provenance, atomic writes."""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import tempfile
from pathlib import Path

import yaml

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"


def config_error(config: dict, schema_path: Path | None = None) -> str:
    """One-line description of the first schema violation, naming the field (e.g. `config.rng.n_trials`)."""
    import jsonschema
    from referencing import Registry, Resource

    schema_path = Path(schema_path or SCHEMA_DIR / "config.schema.yaml")

    def retrieve(uri: str):
        return Resource.from_contents(yaml.safe_load((schema_path.parent / Path(uri).name).read_text()))

    schema = yaml.safe_load(schema_path.read_text())
    validator = jsonschema.Draft202012Validator(schema, registry=Registry(retrieve=retrieve))
    err = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if err is None:
        return "config error: invalid configuration"
    field = ".".join(["config", *map(str, err.absolute_path)])
    return f"config error: {field}: {err.message}"


def config_hash(config: dict) -> str:
    """Stable short hash of a (JSON-serialisable) config mapping, for provenance."""
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def provenance(config: dict, seed: int | None = None, **extra) -> dict:
    """Provenance block written into every model/result file."""
    out = {
        "config_hash": config_hash(config),
        "seed": config.get("seed") if seed is None else seed,
        "python": platform.python_version(),
    }
    out.update(extra)
    return out


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path next to `path`; rename onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json(path, obj) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, default=float) + "\n")


def write_csv(path, frame) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def save_fig(path, fig) -> None:
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=130, bbox_inches="tight", format="png")
    plt.close(fig)


def run_rule(sm, main) -> None:
    """stand-in for the lead's helper (issue 14): known errors become one line."""
    try:
        main(sm)
    except ValueError as e:
        raise SystemExit(f"error: {e}") from None
