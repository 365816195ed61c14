"""Evaluation-suite helpers: plateau T, Table IX accept / reject rates, rotation study shape."""
import numpy as np
import torch

from nn.evaluate import accept_reject, plateau_t, rotation_study, running_accuracy
from nn.models import build_model

torch.set_num_threads(1)


def test_plateau_first_t_within_tolerance():
    acc = np.array([0.90, 0.95, 0.97, 0.968, 0.975, 0.974])
    assert plateau_t(acc, 0.5) == 3
    assert plateau_t(acc, 0.0) == 5


def test_running_accuracy_uses_the_mean_of_first_t():
    y = np.array([0])
    probs = np.array([[[0.4, 0.6]], [[0.9, 0.1]]])
    assert list(running_accuracy(probs, y)) == [0.0, 1.0]


def test_accept_reject_rates():
    # 4 images, T = 2: confident correct, confident wrong, unsure correct, unsure wrong
    p = np.array([[0.99, 0.01], [0.01, 0.99], [0.6, 0.4], [0.4, 0.6]])
    r = accept_reject(np.stack([p, p]), np.array([0, 0, 0, 0]), 10, 0.95)
    assert r["accept"] == 50 and r["tpr"] == 50 and r["tnr"] == 50 and r["ar"] == 50
    r = accept_reject(np.stack([p, p]), np.array([0, 1, 0, 1]), 10, 0.95)
    assert r["tpr"] == 50 and r["tnr"] == 0 and r["ar"] == 100


def test_rotation_study_rows():
    m = build_model("lenet5", 1, 10, {"method": "scaledrop"}).eval()
    x = torch.rand(6, 1, 28, 28)
    rows = rotation_study(m, x, np.zeros(6, int), [0, 90], 3, torch.Generator().manual_seed(0), lambda v: v - 0.5)
    assert [r["angle"] for r in rows] == [0.0, 90.0] and all(r["entropy"] >= 0 for r in rows)
