# Shared definitions (no rules here): config validation, config/params helpers, library sources, logs,
# and the input functions of the rule files.
import copy
import sys
from pathlib import Path

REPO = Path(workflow.basedir)
sys.path.insert(0, str(REPO / "workflow" / "scripts"))
import common as _common  # noqa: E402  (workflow/scripts/common.py)

configfile: REPO / "config" / "config.yaml"

_err = _common.config_error(config, REPO / "workflow" / "schemas" / "config.schema.yaml")
if _err:
    sys.exit(_err)

RES = "results"
LOGS = f"{RES}/logs"
BENCH = f"{RES}/benchmarks"
TARGETS = []  # each rules file appends its final outputs


def all_targets():
    return TARGETS


def cfg_sections(*keys, drop=()):
    """The config a rule's script may read, as `params: cfg=...`: top-level sections or dotted sub-keys
    (`"nn.train"`), minus dotted `drop` keys. Snakemake reruns the rule when this value changes."""
    out = {}
    for key in keys:
        src, dst, parts = config, out, key.split(".")
        for p in parts[:-1]:
            src, dst = src[p], dst.setdefault(p, {})
        dst[parts[-1]] = copy.deepcopy(src.get(parts[-1]))
    for key in drop:
        d, parts = out, key.split(".")
        for p in parts[:-1]:
            d = d.get(p, {})
        if isinstance(d, dict):
            d.pop(parts[-1], None)
    return out


def _sources(*globs):
    """Library files a rule's results depend on, as inputs, so an edit there reruns the rule (mtime)."""
    return sorted({str(p) for g in globs for p in REPO.glob(g) if "__pycache__" not in p.parts})


_SEAM = ("scaledrop/*.py", "scaledrop/schemas/*.json", "workflow/scripts/common.py")
LIB = {
    "devices": _sources("devices/*.py", "devices/params/*.yaml", "netlists/*", *_SEAM),
    "nn": _sources("nn/*.py", "nn/data/*.py", *_SEAM),
    "seg": _sources("nn/*.py", "nn/data/*.py", "nn/seg/*.py", *_SEAM),
    "cim": _sources("cim/*.py", "nn/models.py", "nn/binary.py", "nn/scaledrop.py", *_SEAM),
}


# ---- input functions of nn.smk / eval.smk ----
def nn_seeds(method):
    """Seeds of one method: nn.seeds, or only the first for nn.single_seed_methods (run budget)."""
    nn = config["nn"]
    return nn["seeds"][:1] if method in nn.get("single_seed_methods", []) else nn["seeds"]



def nn_device_inputs(wildcards):
    """The fitted RNG-cell model when masks come from it (scale_dropout.sampler.kind: device)."""
    smp = config["nn"]["scale_dropout"].get("sampler", {})
    return {"rng_model": smp.get("path", f"{RES}/devices/rng_model.json")} if smp.get("kind") == "device" else {}


def nn_train_inputs(wildcards):
    """Device models of training: the RNG cell's (see above) and the crossbar's with nn.train.crossbar_errors."""
    xb = {"crossbar_model": f"{RES}/devices/crossbar_model.json"} if config["nn"]["train"].get("crossbar_errors") \
        else {}
    return {**nn_device_inputs(wildcards), **xb}


def ev_shift_models(wc):
    """Scale-Dropout and the MC-Dropout variants among nn.methods (Fig. 5 contrast)."""
    nn = config["nn"]
    ms = [m for m in nn["methods"] if m == "scaledrop" or m.replace("_", "").startswith("mcdropout")]
    return expand(f"{RES}/nn/{wc.dataset}_{wc.model}_{{method}}_s{min(nn['seeds'])}/model.pt", method=ms)


# ---- input functions of arch.smk ----
DEVICE_MODELS = {"rng": f"{RES}/devices/rng_model.json", "crossbar": f"{RES}/devices/crossbar_model.json",
                 "periphery": f"{RES}/devices/periphery_model.json"}


def nn_runs():
    """Configured NN runs and the files their claims read (variation and rotation only with nn.eval)."""
    nn, runs = config["nn"], []
    for d in nn["datasets"]:
        for m in nn["models"]:
            for me in nn["methods"]:
                for s in nn_seeds(me):
                    run = f"{RES}/nn/{d}_{m}_{me}_s{s}"
                    files = {"metrics": f"{run}/metrics.json"}
                    if me == "scaledrop":  # baselines are compared through the eval suite's tables
                        files.update(mc_eval=f"{run}/mc_eval.json", acc_vs_T=f"{run}/acc_vs_T.csv")
                    if "eval" in nn:
                        files["rotation"] = f"{RES}/tables/eval_{d}_{m}_fig6_rotation.csv"
                        files["table3"] = f"{RES}/tables/eval_{d}_{m}_table3_accuracy.csv"
                        files["table6_runs"] = f"{RES}/tables/eval_{d}_{m}_table6_ood_runs.csv"
                        if me == "scaledrop" and s == nn["seeds"][0]:  # Table IV: first seed only (budget)
                            files["variation"] = f"{run}/variation.json"
                    runs.append({"dir": run, "dataset": d, "model": m, "method": me, "seed": s, "files": files})
    return runs


# ---- checks and helpers of llg.smk ----
def llg_check(cfg):
    """Stop at workflow start on an unphysical stack (one line naming the field)."""
    from devices import llg as _llg

    c = cfg["llg"]
    if cfg["spice"]["temperature_c"] not in c["temperatures_c"]:
        sys.exit("config error: config.llg.temperatures_c: must contain the operating temperature config.spice.temperature_c")
    field = "stack_file" if c.get("stack_file") else "stack"
    try:
        for t in c["temperatures_c"]:
            _llg.load_stack(c["stack"], t, c.get("stack_file"))
        _llg.check_operable(_llg.load_stack(c["stack"], cfg["spice"]["temperature_c"], c.get("stack_file")),
                            c["delta_min"])
    except ValueError as err:
        where = f"{c['stack_file']}: " if c.get("stack_file") and not str(err).startswith(str(c["stack_file"])) else ""
        sys.exit(f"config error: config.llg.{field}: {where}{err}")


def llg_tkey(t):
    return f"{float(t):g}"
