"""Foundation: config validation gives one clear line; atomic writes leave nothing half-written."""
import pytest

import common
from conftest import assert_one_config_error


@pytest.mark.parametrize(
    "override, field",
    [
        ("spice:\n  vdd: -1.0\n", "config.spice.vdd"),
        ("spice:\n  bogus: 1\n", "config.spice"),
        ("seed: abc\n", "config.seed"),
        ("extra_section: 1\n", "config"),
    ],
)
def test_bad_config_is_one_line_naming_field(tmp_path, override, field):
    assert_one_config_error(tmp_path, override, f"config error: {field}")


def test_default_smoke_and_paper_configs_plan(run_snakemake, tmp_path):
    """Each shipped config validates and its whole DAG resolves from an empty directory (every input made by a
    rule): a dry run that exits 0 with a job plan, not only the absence of a config error."""
    for cfg in ("config/config.yaml", "config/smoke.yaml", "config/paper.yaml"):
        res = run_snakemake("-n", "--cores", "1", "--configfile", cfg, "--directory", tmp_path)
        out = res.stdout + res.stderr
        assert res.returncode == 0 and "Job stats:" in out and "MissingInputException" not in out, (cfg, out[-2000:])


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError):
        with common.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    common.write_json(target, {"a": 1})
    assert target.read_text().strip().startswith("{")
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_config_hash_stable_and_sensitive():
    a = {"seed": 0, "rng": {"x": 1}}
    assert common.config_hash(a) == common.config_hash({"rng": {"x": 1}, "seed": 0})
    assert common.config_hash(a) != common.config_hash({"seed": 1, "rng": {"x": 1}})
