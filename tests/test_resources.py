"""Every rule tells a scheduler what it needs (issue 15): mem_mb and runtime (minutes) declared in the rule itself,
not left to a profile's defaults, and `train` asks for GPUs exactly when config `cluster.train_gpus` does.

The rules are loaded through Snakemake's Python API (the workflow object `snakemake --list-rules` prints from), so
every rule counts, also those the smoke DAG never schedules.
"""
from pathlib import Path

import pytest
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, OutputSettings, Quietness, ResourceSettings

REPO = Path(__file__).resolve().parents[1]
REQUIRED = ("mem_mb", "runtime")


def load_rules(snakefile: Path, workdir: Path, configfiles=(), config=None) -> dict:
    """name -> snakemake Rule of every rule the Snakefile (and its includes) defines."""
    settings = ConfigSettings(configfiles=[Path(c) for c in configfiles], config=config or {})
    with SnakemakeApi(OutputSettings(quiet={Quietness.ALL})) as api:
        wf = api.workflow(resource_settings=ResourceSettings(), config_settings=settings,
                          snakefile=Path(snakefile), workdir=Path(workdir))
        return {r.name: r for r in wf._workflow.rules}


def undeclared(rules: dict) -> list[str]:
    """'rule: resource' for each rule that runs something and lacks a positive mem_mb or runtime of its own."""
    bad = []
    for name, rule in sorted(rules.items()):
        if rule.norun:  # target-only rules (`all`) run nothing, so no job is submitted for them
            continue
        for key in REQUIRED:
            res = rule.resources.get(key)  # Resource(name, None) when the rule does not declare it
            if not (res.is_evaluable() or (isinstance(res.value, int) and res.value > 0)):
                bad.append(f"{name}: {key}")
    return bad


def test_check_catches_a_rule_without_resources(tmp_path):
    snakefile = tmp_path / "Snakefile"
    snakefile.write_text(
        'rule sized:\n    output: "a"\n    resources: mem_mb=500, runtime=5\n    shell: "touch {output}"\n\n'
        'rule half:\n    output: "b"\n    resources: mem_mb=500\n    shell: "touch {output}"\n\n'
        'rule bare:\n    output: "c"\n    shell: "touch {output}"\n\n'
        'rule zero:\n    output: "d"\n    resources: mem_mb=0, runtime=5\n    shell: "touch {output}"\n\n'
        'rule computed:\n    output: "e"\n    resources: mem_mb=lambda wc, attempt: 500 * attempt, runtime=5\n'
        '    shell: "touch {output}"\n'
    )
    assert undeclared(load_rules(snakefile, tmp_path)) == [
        "bare: mem_mb", "bare: runtime", "half: runtime", "zero: mem_mb"]


def test_every_rule_declares_mem_mb_and_runtime(tmp_path):
    rules = load_rules(REPO / "Snakefile", tmp_path, [REPO / "config" / "smoke.yaml"])
    assert len(rules) > 10, sorted(rules)
    assert undeclared(rules) == []


@pytest.mark.parametrize("gpus", [0, 1, 2])
def test_train_requests_gpus_from_config(tmp_path, gpus):
    rules = load_rules(REPO / "Snakefile", tmp_path, [REPO / "config" / "smoke.yaml"],
                       config={"cluster": {"train_gpus": gpus}})
    assert (rules["train"].resources.get("gpu").value or 0) == gpus  # a constant: the profile has no wildcards
