"""Issue 14: the smoke pipeline runs end to end from an empty results/ (every rule script executed, each with
its log), and a changed config value reruns exactly the rules that read it: the dry-run plan after editing one
key equals the plan of forcing those rules (they and everything downstream), nothing more, nothing less."""
import json

import pytest
import yaml

from conftest import planned_rules, snakemake

# key edited (dotted) -> new value, rules whose params include it (the rules that read it)
RNG = ["rng_transient", "rng_sweep_chunk", "rng_fit", "rng_variation_chunk", "rng_sensitivity", "rng_model"]
LLG = ["llg_sweep", "llg_fit", "llg_bitstream"]
PERIPH = ["periph_frontend", "periph_adc", "periph_comparator", "periph_wordline", "periph_model"]
ARCH = ["arch_costs", "arch_tables", "report_summary"]
EDITS = {
    "seed": (1, [*RNG, "rng_temperature", *LLG, "crossbar_column", "crossbar_mc", "periph_comparator", "codesign",
                 "arch_shapes", *ARCH]),
    "data_dir": ("/nonexistent", ["train", "mc_eval", "eval_suite", "eval_variation", "eval_shift", "eval_crossbar",
                                  "seg_train", "seg_eval", "ablation_run", "codesign"]),
    "spice.vdd": (1.05, [*RNG, "rng_temperature", *LLG, "crossbar_column", "crossbar_mc",
                         *[r for r in PERIPH if r != "periph_model"]]),
    "rng.sweep.trials": (21, ["rng_sweep_chunk", "rng_fit", "rng_temperature"]),
    "rng.variation.n_samples": (5, ["rng_variation_chunk", "rng_sensitivity", "rng_model", "rng_temperature"]),
    "llg.trials": (41, LLG),
    "crossbar.mc.samples": (3, ["crossbar_mc", "crossbar_model", "codesign"]),
    "crossbar.adc_reference": ("nominal", ["crossbar_model", "codesign"]),
    "periphery.mux_ratio": (4, ["periph_adc", "periph_model"]),
    "nn.train.lr": (0.004, ["train", "mc_eval", "eval_suite", "eval_variation", "ablation_run"]),
    "nn.eval.T": (4, ["eval_suite", "eval_variation", "eval_shift", "eval_crossbar"]),
    "nn.mc.T_max": (9, ["mc_eval", "eval_suite", "eval_variation", "eval_shift", "eval_crossbar", "ablation_run"]),
    "seg.train.lr": (0.002, ["seg_train", "seg_eval"]),
    "seg.mc.T": (3, ["seg_eval"]),
    "ablation.T": (3, ["ablation_run", "ablation_table"]),
    "codesign.T": (3, ["codesign"]),
    "arch.T": (11, [*ARCH, "codesign"]),
}


def _nested(dotted: str, value) -> dict:
    out = value
    for part in reversed(dotted.split(".")):
        out = {part: out}
    return out


def _plan(root, *extra, configs=()):
    res = snakemake("-n", "--cores", "1", "--rerun-triggers", "params", "input", "code", "--configfile",
                    root / "config" / "smoke.yaml", *configs, *extra, cwd=root, snakefile=root / "Snakefile")
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    return planned_rules(res)


def test_smoke_pipeline_ran_every_rule_with_a_log(smoke_repo):
    res = snakemake("--list-rules", cwd=smoke_repo, snakefile=smoke_repo / "Snakefile")
    rules = {r.strip() for r in res.stdout.split() if r.strip()} - {"all"}
    logs = smoke_repo / "results" / "logs"
    names = [str(p.relative_to(logs)) for p in logs.rglob("*.log")]
    unlogged = {r for r in rules if not any(n == f"{r}.log" or n.startswith((f"{r}/", f"{r}_")) for n in names)}
    assert rules and not unlogged, unlogged
    assert (smoke_repo / "results" / "report.html").stat().st_size > 100_000
    costs = json.loads((smoke_repo / "results/arch/lenet5_mnist/costs.json").read_text())
    assert costs["provenance"]["rule"] == "arch_costs"


def test_nothing_to_do_after_the_run(smoke_repo):
    assert _plan(smoke_repo) == {}


@pytest.mark.parametrize("key", list(EDITS))
def test_changed_key_reruns_exactly_its_rules(smoke_repo, tmp_path, key):
    value, readers = EDITS[key]
    cfg = tmp_path / "edit.yaml"
    cfg.write_text(yaml.safe_dump(_nested(key, value)))
    got = _plan(smoke_repo, configs=[cfg])
    want = _plan(smoke_repo, "--forcerun", *readers)
    assert got == want, f"{key}: extra {set(got) - set(want)}, missing {set(want) - set(got)}"
    assert set(readers) <= set(got)


def test_library_edit_reruns_its_rules(smoke_repo):
    """Library sources are rule inputs: an edit of a devices/ file (its content, not only its mtime: Snakemake
    checks the checksum of small inputs) reruns the device rules, not the NN ones."""
    src = smoke_repo / "devices" / "crossbar.py"
    text = src.read_text()
    try:
        src.write_text(text + "\n# an edit\n")
        res = snakemake("-n", "--cores", "1", "--configfile", smoke_repo / "config" / "smoke.yaml",
                        cwd=smoke_repo, snakefile=smoke_repo / "Snakefile")
        got = planned_rules(res)
    finally:
        src.write_text(text)
    assert {"crossbar_column", "crossbar_mc", "rng_transient", "llg_sweep"} <= set(got)
    assert "train" not in got and "seg_train" not in got
