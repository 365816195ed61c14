"""Shared test fixtures: repo paths, a Snakemake runner, the smoke pipeline run once per session, and the
smallest valid model files."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "workflow" / "scripts"))
sys.path.append(str(REPO / "benchmarks"))  # random_state: shared with the NN benchmarks
SMOKE = REPO / "config" / "smoke.yaml"
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", ".cache", "results", ".snakemake", "__pycache__",
                                     ".pytest_cache", "*.egg-info", "build")


def snakemake(*args, cwd=REPO, timeout=600, snakefile=None):
    """Run the repo's Snakemake (from the venv next to this interpreter); return CompletedProcess."""
    exe = Path(sys.executable).with_name("snakemake")
    cmd = [str(exe), "-s", str(snakefile or REPO / "Snakefile"), *map(str, args)]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def planned_rules(res) -> dict[str, int]:
    """Rule -> job count of a dry run (`-n`), from its "Job stats" table; {} when nothing is to be done."""
    out = res.stdout + res.stderr
    if "Nothing to be done" in out:
        return {}
    table = out.split("Job stats:", 1)[1]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M) if m[1] != "total"}


@pytest.fixture(scope="session")
def smoke_repo(tmp_path_factory):
    """A copy of the repository (sources only) in which the whole smoke pipeline ran once from an empty
    results/ directory, plus its HTML report. Tests read its results and dry-run against it."""
    root = tmp_path_factory.mktemp("smoke") / "repo"
    shutil.copytree(REPO, root, ignore=COPY_IGNORE)
    (root / ".cache").symlink_to(REPO / ".cache")  # datasets filled by `make install`
    res = snakemake("--cores", "2", "--configfile", root / "config" / "smoke.yaml", cwd=root,
                    snakefile=root / "Snakefile", timeout=1800)
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
    rep = snakemake("--cores", "1", "--configfile", root / "config" / "smoke.yaml", "--report",
                    root / "results" / "report.html", cwd=root, snakefile=root / "Snakefile", timeout=600)
    assert rep.returncode == 0, (rep.stdout + rep.stderr)[-4000:]
    return root


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


def rng_model_example(**over) -> dict:
    """Smallest valid results/devices/rng_model.json (scaledrop/schemas/rng_model.schema.json)."""
    spread = {"epsilon_mu": 0.0, "epsilon_sigma": 0.01}
    q = lambda v, u: {"value": v, "unit": u}  # noqa: E731
    d = {"schema_version": 4, "switching_law": {"form": "precessional", "delta": q(20.0, "1"), "ic0": q(2.3e-4, "A"),
                                                "tau0": q(1.7e-9, "s")},
         "epsilon_source": "calibrated",
         "targets": [{"p": p, "bias_v": 0.45, **spread, "raw": dict(spread), "calibrated": dict(spread)}
                     for p in (0.1, 0.2, 0.5)],
         "energy_per_bit_pj": 3.0, "latency_ns": 15.0, "cycle_period_ns": 20.0, "area": {"um2": 30.0},
         "provenance": {"config_hash": "test", "rule": "rng_model"}}
    d.update(over)
    return d


def crossbar_model_example(rows: int = 4, **over) -> dict:
    """Smallest valid results/devices/crossbar_model.json (ideal reads)."""
    d = {"schema_version": 2, "rows": rows, "adc_bits": 8,
         "transfer": {"coefficients": [0.0, 1e-7], "lsb_a": 1e-7},
         "error_model": {"offsets": [[0]] * (rows + 1), "probs": [[1.0]] * (rows + 1), "mean": 0.0, "sigma": 0.0,
                         "error_rate": 0.0},
         "energy": {"column_read_pj": 2.56, "t_read_ns": 0.5}, "latency_ns": 1.5, "area": {"cell_um2": 0.12},
         "provenance": {"config_hash": "test", "rule": "crossbar_model"}}
    d.update(over)
    return d


def periphery_model_example(bits: int = 8, rows: int = 256, **over) -> dict:
    """Smallest valid results/devices/periphery_model.json (one ADC resolution, one front-end height)."""
    d = {"schema_version": 1, "mux_ratio": 8, "wordline": {"energy_per_row_activation_j": 3e-13, "delay_s": 1e-10},
         "adc": {str(bits): {"energy_per_conversion_j": 4e-13, "t_conv_s": 4.5e-9, "mux_energy_per_select_j": 2e-14,
                             "area_m2": 1e-10}},
         "frontend": {str(rows): {"energy_per_read_j": 1.5e-13, "t_read_s": 5.5e-9, "area_m2": 5e-12,
                                  "c_int_f": 2e-13}},
         "comparator": {"input_referred_sigma_v": 1e-3},
         "provenance": {"config_hash": "test", "rule": "periph_model"}}
    d.update(over)
    return d


def write_rng_model(path, targets) -> Path:
    """rng_model.json with the given targets (p, epsilon_mu, epsilon_sigma[, raw]); other fields minimal."""
    full = [{"bias_v": 0.45, "raw": {k: t[k] for k in ("epsilon_mu", "epsilon_sigma")}, **t} for t in targets]
    Path(path).write_text(__import__("json").dumps(rng_model_example(targets=full)))
    return Path(path)


def randomised_model(name: str = "lenet5", in_ch: int = 1, cfg: dict | None = None):
    """An untrained model (seed 0) with non-trivial inference state: random BatchNorm statistics and scales alpha
    away from 1, so every dropout draw / mask configuration changes the output."""
    import torch

    from random_state import randomize_inference_state
    from nn.models import build_model

    torch.manual_seed(0)
    return randomize_inference_state(build_model(name, in_ch, 10, cfg or {}))
