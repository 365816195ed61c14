"""train + mc_eval rules end to end on the smoke config (tiny MNIST subset), and a bad nn config field."""
import json

import pandas as pd

from conftest import REPO

RUN = "results/nn/mnist_lenet5_scaledrop_s0"


def test_nn_rules_smoke(tmp_path, run_snakemake):
    targets = [f"{RUN}/{f}" for f in ("metrics.json", "mc_eval.json", "acc_vs_T.csv", "ood.csv", "ood_hist.png")]
    r = run_snakemake("--cores", "1", "-d", tmp_path, *targets, "--configfile", REPO / "config/smoke.yaml",
                      timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    m = json.loads((tmp_path / RUN / "metrics.json").read_text())
    assert m["first_binary"] is True and m["last_binary"] is True and m["n_train"] == 512
    assert m["test_acc_deterministic"] > 0.3  # 1 epoch on 512 images: well above chance
    ev = json.loads((tmp_path / RUN / "mc_eval.json").read_text())
    assert set(ev["mc"]) == {"T5"} and 0 <= ev["mc"]["T5"]["ece"] <= 1 and "first_binary" in ev
    acc = pd.read_csv(tmp_path / RUN / "acc_vs_T.csv")
    assert list(acc["T"]) == list(range(1, 11))
    ood = pd.read_csv(tmp_path / RUN / "ood.csv")
    assert set(ood["ood_set"]) == {"fashion_mnist", "gaussian", "uniform"}
    assert ood["auroc"].between(0, 1).all() and ood["eq26_detection_rate"].between(0, 1).all()
    assert not (tmp_path / RUN / "checkpoint.pt").exists()


def test_bad_nn_config_one_line(tmp_path, run_snakemake):
    bad = tmp_path / "bad.yaml"
    bad.write_text("nn:\n  train: {epochs: 0}\n")
    r = run_snakemake("-n", "-d", tmp_path, "--configfile", REPO / "config/smoke.yaml", bad)
    assert r.returncode != 0
    assert "config error: config.nn.train.epochs: 0 is less than the minimum of 1" in r.stderr + r.stdout
