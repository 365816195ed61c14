"""Shared test fixtures: repo paths and a Snakemake runner."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow" / "scripts"))


def snakemake(*args, cwd=REPO, timeout=600):
    """Run the repo's Snakemake (from the venv next to this interpreter); return CompletedProcess."""
    exe = Path(sys.executable).with_name("snakemake")
    cmd = [str(exe), "-s", str(REPO / "Snakefile"), *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def run_snakemake():
    return snakemake


def assert_one_config_error(tmp_path, override: str, prefix: str) -> None:
    """A config with `override` stops `snakemake -n` with exactly one line starting with `prefix`, no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(override)
    res = snakemake("-n", "--cores", "1", "--configfile", bad, "--directory", tmp_path)
    assert res.returncode != 0
    lines = [ln for ln in (res.stderr + res.stdout).splitlines() if ln.startswith("config error:")]
    assert len(lines) == 1 and lines[0].startswith(prefix), res.stderr[-500:]
    assert "Traceback" not in res.stderr
