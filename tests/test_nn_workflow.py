"""train + mc_eval rules end to end on the smoke config (tiny MNIST subset, from the session's smoke run), data
errors as one line, and a bad nn config field."""
import json

import pandas as pd

from conftest import REPO

RUN = "results/nn/mnist_lenet5_scaledrop_s0"


def test_nn_rules_smoke(smoke_repo):
    run = smoke_repo / RUN
    m = json.loads((run / "metrics.json").read_text())
    assert m["first_binary"] is True and m["last_binary"] is True and m["n_train"] == 512
    assert m["test_acc_deterministic"] > 0.3  # 1 epoch on 512 images: well above chance
    ev = json.loads((run / "mc_eval.json").read_text())
    assert set(ev["mc"]) == {"T5"} and 0 <= ev["mc"]["T5"]["ece"] <= 1 and "first_binary" in ev
    acc = pd.read_csv(run / "acc_vs_T.csv")
    assert list(acc["T"]) == list(range(1, 11))
    ood = pd.read_csv(run / "ood.csv")
    assert set(ood["ood_set"]) == {"fashion_mnist", "gaussian", "uniform"}
    assert ood["auroc"].between(0, 1).all() and ood["eq26_detection_rate"].between(0, 1).all()
    assert not (run / "checkpoint.pt").exists()


def test_bad_nn_config_one_line(tmp_path, run_snakemake):
    bad = tmp_path / "bad.yaml"
    bad.write_text("nn:\n  train: {epochs: 0}\n")
    r = run_snakemake("-n", "-d", tmp_path, "--configfile", REPO / "config/smoke.yaml", bad)
    assert r.returncode != 0
    assert "config error: config.nn.train.epochs: 0 is less than the minimum of 1" in r.stderr + r.stdout


def test_missing_user_data_is_one_line_without_traceback(tmp_path, run_snakemake):
    """A CIFAR-10 run whose data_dir lacks the batches: the job's first error line names the rule and the file."""
    cfg = tmp_path / "cifar.yaml"
    cfg.write_text(f"data_dir: {tmp_path / 'data'}\nnn: {{datasets: [cifar10], n_train: 8, n_test: 8}}\n")
    (tmp_path / "data").mkdir()
    r = run_snakemake("results/nn/cifar10_lenet5_scaledrop_s0/metrics.json", "--cores", "1", "-d", tmp_path,
                      "--configfile", REPO / "config/smoke.yaml", cfg)
    out = r.stdout + r.stderr
    lines = [ln for ln in out.splitlines() if ln.startswith("data error: rule train")]
    assert r.returncode != 0 and len(lines) == 1 and "cifar-10-batches-py" in lines[0], out[-2000:]
    assert "Traceback" not in out
