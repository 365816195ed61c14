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


def test_default_and_smoke_configs_validate(run_snakemake, tmp_path):
    for cfg in ("config/config.yaml", "config/smoke.yaml", "config/paper.yaml"):
        res = run_snakemake("-n", "--cores", "1", "--configfile", cfg, "--directory", tmp_path)
        assert "config error" not in res.stderr, (cfg, res.stderr)


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
