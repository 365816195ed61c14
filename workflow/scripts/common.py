"""Helpers shared by the workflow scripts: the one way to start a rule script (`start` / `run_rule`: log file,
warnings and progress routed there, one-line errors), config errors, provenance, atomic writes.

Every script begins with ``cfg = common.start(snakemake)`` (or ends with ``common.run_rule(snakemake, main)``) and
reads configuration only from ``snakemake.params.cfg`` (the sections its rule declares in ``params:``), so a
changed config value reruns exactly the rules that use it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import platform
import sys
import traceback
import warnings
from pathlib import Path

import yaml

from scaledrop.model_files import atomic_path  # noqa: F401  (the one atomic writer; scripts use common.atomic_path)

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"
RULE = {"name": "(outside the workflow)", "inputs": [], "log": None}
log = logging.getLogger("scaledrop")


def _short_inputs(inputs, n: int = 3) -> str:
    files = [str(f) for f in inputs if not os.path.isabs(str(f))]  # library sources (absolute) are inputs too
    more = f" (+{len(files) - n} more)" if len(files) > n else ""
    return ", ".join(files[:n]) + more if files else "none"


PREFIX = {"DataError": "data error", "ConfigError": "config error", "ModelFileError": "model file error",
          "SpiceError": "spice error", "CheckpointError": "checkpoint error"}


def _excepthook(kind, exc, tb):
    """First error line: the kind of error, the rule, its inputs and the cause (one line); the traceback goes to
    the rule's log only."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__stderr__.write(f"rule {RULE['name']}: interrupted\n")
        sys.exit(130)
    cause = str(exc).splitlines()[0] if str(exc) else kind.__name__
    prefix = next((PREFIX[c.__name__] for c in kind.__mro__ if c.__name__ in PREFIX), "error")
    if not _expected(exc):
        cause = f"{kind.__name__}: {cause}"
    line = f"{prefix}: rule {RULE['name']} (input: {_short_inputs(RULE['inputs'])}): {cause}"
    if RULE["log"]:
        with open(RULE["log"], "a") as fh:
            fh.write(line + "\n" + "".join(traceback.format_exception(kind, exc, tb)))
        line += "" if _expected(exc) else f" [traceback: {RULE['log']}]"
    sys.__stderr__.write(line + "\n")
    sys.__stderr__.flush()


def _expected(exc) -> bool:
    """Errors whose message is already a complete one-line diagnosis (bad input, not a bug)."""
    from scaledrop.errors import ScaledropError

    return isinstance(exc, (ScaledropError, FileNotFoundError))


def start(sm) -> dict:
    """Start a rule script: log file (`log:` of the rule) receives logging, warnings and tqdm progress; an
    uncaught error becomes one line naming the rule, the input and the cause. Returns the rule's config."""
    RULE.update(name=sm.rule, inputs=list(sm.input), log=str(sm.log[0]) if len(sm.log) else None)
    if RULE["log"]:
        Path(RULE["log"]).parent.mkdir(parents=True, exist_ok=True)
        stream = open(RULE["log"], "w", buffering=1)
        sys.stderr = stream  # tqdm, warnings and library chatter; the one-line error uses sys.__stderr__
        logging.basicConfig(stream=stream, level=logging.INFO, force=True,
                            format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.captureWarnings(True)
    warnings.simplefilter("default")
    sys.excepthook = _excepthook
    log.info("rule %s wildcards %s", sm.rule, dict(sm.wildcards))
    return sm.params.cfg if hasattr(sm.params, "cfg") else {}


def run_rule(sm, main) -> None:
    """`start(sm)`, then `main(sm)`."""
    start(sm)
    main(sm)


def _nonfinite_field(obj, path=("config",)):
    """Dotted name of the first NaN/inf number in a config mapping (JSON-Schema bounds let NaN through)."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return ".".join(map(str, path))
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        bad = _nonfinite_field(v, (*path, k))
        if bad:
            return bad
    return None


def _at(config, parts):
    """(dotted name, value) pairs at a limits.yaml path (`[]` expands list items); missing keys are skipped."""
    items = [("config", config)]
    for p in parts:
        nxt = []
        for name, v in items:
            if p == "[]" and isinstance(v, list):
                nxt += [(f"{name}[{i}]", x) for i, x in enumerate(v)]
            elif isinstance(v, dict) and v.get(p) is not None:
                nxt.append((f"{name}.{p}", v[p]))
        items = nxt
    return items


def _limit_errors(config: dict, limits: dict):
    """Bounds of workflow/schemas/limits.yaml (sizes a 24 GiB machine honours; physical lower bounds)."""
    for key, lim in limits.items():
        for name, v in _at(config, key.split(".")):
            if isinstance(v, list):
                if "max_items" in lim and len(v) > lim["max_items"]:
                    yield f"config error: {name}: {len(v)} items, at most {lim['max_items']} allowed"
                if lim.get("unique") and len({json.dumps(x, sort_keys=True) for x in v}) != len(v):
                    yield f"config error: {name}: has repeated items"
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                if "max" in lim and v > lim["max"]:
                    yield f"config error: {name}: {v!r} is greater than the maximum of {lim['max']!r}"
                if "min" in lim and v < lim["min"]:
                    yield f"config error: {name}: {v!r} is less than the minimum of {lim['min']!r}"


def _semantic_errors(config: dict):
    """Cross-field rules a JSON Schema cannot state."""
    rng = config.get("rng", {})
    sw = rng.get("sweep", {})
    if sw.get("bias_max", 1) <= sw.get("bias_min", 0):
        yield "config error: config.rng.sweep.bias_max: must exceed config.rng.sweep.bias_min"
    if sw.get("p_max", 1) <= sw.get("p_min", 0):
        yield "config error: config.rng.sweep.p_max: must exceed config.rng.sweep.p_min"
    t_op = config.get("spice", {}).get("temperature_c")
    for key in ("t_c", "lut_t_c"):
        if key in rng.get("temperature", {}) and t_op not in rng["temperature"][key]:
            yield (f"config error: config.rng.temperature.{key}: must contain config.spice.temperature_c ({t_op}), "
                   f"the trim temperature")
    arch = config.get("arch", {})
    names = [w["name"] for w in arch.get("workloads", [])]
    if arch.get("table7_workload") not in names:
        yield (f"config error: config.arch.table7_workload: {arch.get('table7_workload')!r} is not one of the "
               f"arch.workloads names ({', '.join(names)})")
    if len(set(names)) != len(names):
        yield "config error: config.arch.workloads: workload names must be unique"


def config_error(config: dict, schema_path: Path | None = None) -> str | None:
    """One-line description of the first config problem naming the field (e.g. `config.rng.n_trials`), or None:
    non-finite numbers, then the JSON Schema (types, ranges, sizes), then cross-field rules."""
    import jsonschema
    from referencing import Registry, Resource

    bad = _nonfinite_field(config)
    if bad:
        return f"config error: {bad}: not a finite number"
    schema_path = Path(schema_path or SCHEMA_DIR / "config.schema.yaml")

    def retrieve(uri: str):
        return Resource.from_contents(yaml.safe_load((schema_path.parent / Path(uri).name).read_text()))

    schema = yaml.safe_load(schema_path.read_text())
    validator = jsonschema.Draft202012Validator(schema, registry=Registry(retrieve=retrieve))
    err = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if err is not None:
        field = ".".join(["config", *map(str, err.absolute_path)])
        return f"config error: {field}: {err.message}"
    limits = yaml.safe_load((schema_path.parent / "limits.yaml").read_text())
    return next(_limit_errors(config, limits), None) or next(_semantic_errors(config), None)


def config_file_error(path) -> str | None:
    """One line naming the file (and line) when a config file is not a readable YAML mapping, else None.
    Snakemake reads --configfile before the workflow runs; `make run CONFIG=...` checks it here first."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return f"config error: {path}: file not found"
    except UnicodeDecodeError as e:
        return f"config error: {path}: not UTF-8 text (byte {e.start})"
    try:
        obj = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return f"config error: {path}:{where}: invalid YAML ({getattr(e, 'problem', None) or e})"
    if obj is None:
        return f"config error: {path}: empty file (expected a mapping of config sections)"
    if not isinstance(obj, dict):
        return f"config error: {path}: top level is a {type(obj).__name__}, expected a mapping of config sections"
    if obj.get("__use_yte__"):
        return f"config error: {path}: __use_yte__ (YTE templating runs Python) is not accepted"
    return None


def config_hash(config: dict) -> str:
    """Stable short hash of a (JSON-serialisable) config mapping, for provenance."""
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def provenance(config: dict, seed: int | None = None, **extra) -> dict:
    """Provenance block written into every model/result file."""
    out = {
        "rule": RULE["name"],
        "config_hash": config_hash(config),
        "seed": config.get("seed") if seed is None else seed,
        "python": platform.python_version(),
    }
    out.update(extra)
    return out


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


if __name__ == "__main__":  # python workflow/scripts/common.py CONFIG.yaml ...: check config files before Snakemake
    msgs = [m for m in map(config_file_error, sys.argv[1:]) if m]
    for m in msgs:
        print(m, file=sys.stderr)
    sys.exit(1 if msgs else 0)
