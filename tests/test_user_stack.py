"""Issue 16 item 3: your own SOT-MTJ stack file through `llg.stack_file` (format of devices/params/sot_stack.yaml):
validated at workflow start with one line naming the field, and run through the same rules (example c)."""
import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO, assert_one_config_error

SHIPPED = yaml.safe_load((REPO / "devices/params/sot_stack.yaml").read_text())


def _stack(tmp_path, edit) -> str:
    doc = yaml.safe_load((REPO / "devices/params/sot_stack.yaml").read_text())
    edit(doc)
    f = tmp_path / "stack.yaml"
    f.write_text(yaml.safe_dump(doc))
    return str(f)


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["params"].pop("alpha"), "params.alpha: missing"),
    (lambda d: d["params"]["ms"].update(value=-1.0e6), "stack parameter ms must be > 0"),
    (lambda d: d["params"]["theta_sh"].update(value="strong"), "params.theta_sh.value: must be a finite number"),
    (lambda d: d["params"]["rho_track"].pop("source"), "params.rho_track.source: missing"),
    (lambda d: d.pop("source"), "source: missing"),
])
def test_bad_user_stack_is_one_line_naming_the_field(tmp_path, edit, field):
    f = _stack(tmp_path, edit)
    assert_one_config_error(tmp_path, f"llg:\n  stack_file: {f}\n", f"config error: config.llg.stack_file: {f}")
    res = subprocess.run([_snakemake(), "-s", REPO / "Snakefile", "-n", "--cores", "1", "-d", tmp_path,
                          "--configfile", tmp_path / "bad.yaml"], capture_output=True, text=True)
    assert field in res.stderr + res.stdout


def _snakemake():
    from pathlib import Path
    return Path(sys.executable).with_name("snakemake")


def test_example_runs_the_device_rules_with_a_user_stack(tmp_path):
    res = subprocess.run([sys.executable, REPO / "examples/user_stack.py", "--smoke", "--thickness-nm", "1.9",
                          "--workdir", tmp_path], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    print(res.stdout)
    assert "with a 1.9 nm free layer" in res.stdout.splitlines()[0]
    derived = re.search(r"derived from the stack: Delta ([0-9.]+), Ic0 ([0-9]+) uA", res.stdout)
    shipped = re.search(r"Delta", res.stdout)
    assert derived and shipped
    # a thicker free layer than the shipped 1.8 nm raises the derived barrier (K_eff V / kT grows with volume)
    from devices.llg import load_stack
    assert float(derived.group(1)) > load_stack().delta
