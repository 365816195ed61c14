"""The examples/ scripts (issue 16 item 4) run on tiny data and print what they promise."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import rng_model_example

REPO = Path(__file__).resolve().parents[1]


def run_example(name, *args, cwd):
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, str(REPO / "examples" / name), *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_convert_mlp_mnist_prints_ood_auroc(tmp_path):
    res = run_example("convert_mlp_mnist.py", "--n-train", 2000, "--n-test", 300, "--T", 10, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    out = res.stdout
    print(out)
    assert "1 -> Linear" in out and "4 -> BinaryLinear" in out and "10 -> Linear" in out
    acc = float(re.search(r"MNIST accuracy ([0-9.]+)", out).group(1))
    auroc = [float(v) for v in re.findall(r"OOD AUROC MNIST vs Fashion-MNIST \(\w+\): ([0-9.]+)", out)]
    assert acc > 0.5 and len(auroc) == 2 and all(0 <= a <= 1 for a in auroc)


def _rng_model(path, eps_mu):
    """A small rng_model.json in the format of workflow/scripts/rng_model.py (schema_version 2)."""
    targets = [{"p": p, "bias_v": 0.3, "current_a": 1e-4, "n_samples": 8,
                "raw": {"epsilon_mu": 2 * eps_mu, "epsilon_sigma": 0.0},
                "calibrated": {"epsilon_mu": eps_mu, "epsilon_sigma": 0.0},
                "epsilon_mu": eps_mu, "epsilon_sigma": 0.0} for p in (0.1, 0.2, 0.5)]
    path.write_text(json.dumps(rng_model_example(targets=targets)))
    return path


def test_device_sampler_eval(tmp_path):
    f = _rng_model(tmp_path / "rng_model.json", 0.01)
    res = run_example("device_sampler_eval.py", "--rng-model", f, "--n-train", 1000, "--n-test", 200, "--T", 8,
                      cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    print(res.stdout)
    lines = {ln.split("  ")[0].strip(): ln for ln in res.stdout.splitlines() if "accuracy" in ln}
    assert list(lines) == ["bernoulli", "device 0x", "device 1x", "device 3x"]
    metrics = [ln.split("accuracy")[1].split("  p_hat")[0] for ln in lines.values()]
    assert metrics[1] == metrics[0]                                              # 0x: the Bernoulli masks
    for mult in (0, 1, 3):
        p_hat = [float(v) for v in lines[f"device {mult}x"].split("p_hat per layer:")[1].split()]
        assert p_hat and set(p_hat) <= {round(p + 0.01 * mult, 3) for p in (0.1, 0.2)}   # Eq. 24, sigma 0
    (tmp_path / "bad.json").write_text(json.dumps({"schema_version": 4, "targets": [{"p": 0.1}]}))
    res = run_example("device_sampler_eval.py", "--rng-model", tmp_path / "bad.json", "--n-train", 200,
                      "--n-test", 50, "--T", 2, cwd=tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith("error: ") and "bad.json: (top level): 'switching_law' is a required" in res.stderr
