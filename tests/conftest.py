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
