"""MC-Scale-Dropout inference (shared prefixes == naive T-loop) and uncertainty metrics vs hand computations."""
import math

import numpy as np
import pytest
import torch

from conftest import randomised_model
from nn import metrics as M
from nn.mc import draw_masks, mc_forward, mc_predict, predict

torch.set_num_threads(1)


CASES = [("lenet5", (1, 28, 28), {}),
         ("lenet5", (1, 28, 28), {"scale_dropout": {"mode": "random", "elementwise": True}}),
         ("lenet5", (1, 28, 28), {"scale_dropout": {"mode": "average"}, "first_binary": False}),
         ("vgg_small", (3, 8, 8), {}),
         ("resnet20", (3, 8, 8), {"scale_dropout": {"p_small": 0.3, "p_large": 0.5}})]


@pytest.mark.parametrize("name,shape,cfg", CASES)
def test_fast_mc_equals_naive_loop(name, shape, cfg):
    m = randomised_model(name, shape[0], {"scale_dropout": {"p_small": 0.4, "p_large": 0.5}, **cfg})
    x, T = torch.randn(3, *shape), 12
    draws = draw_masks(m, T, torch.Generator().manual_seed(1))
    fast = mc_forward(m, x, draws, T)
    naive = mc_forward(m, x, draws, T, naive=True)
    assert fast.shape == (T, 3, 10)
    assert torch.equal(fast, naive)
    assert fast.std(0).max() > 1e-3  # the draws do change the outputs
    assert m.training and not any(getattr(d, "mc", False) or getattr(d, "mc_ctx", None) for d in m.modules())
    ind = draw_masks(m, T, torch.Generator().manual_seed(2), n=3)  # independent per image and pass
    assert torch.equal(mc_forward(m, x, ind, T), mc_forward(m, x, ind, T, naive=True))


def test_p0_mc_equals_deterministic():
    m = randomised_model("lenet5", 1, {"scale_dropout": {"p_small": 0.0, "p_large": 0.0}})
    x = torch.randn(5, 1, 28, 28)
    probs, logits = mc_predict(m, x, 7, torch.Generator().manual_seed(0))
    det = predict(m, x)
    assert torch.equal(logits, det.expand(7, -1, -1))
    assert torch.allclose(probs, det.softmax(-1).expand(7, -1, -1))


def test_mc_predict_is_seeded_and_stochastic():
    m = randomised_model("lenet5", 1, {"scale_dropout": {"p_small": 0.5, "p_large": 0.5}})
    x = torch.randn(6, 1, 28, 28)
    a, _ = mc_predict(m, x, 20, torch.Generator().manual_seed(3), batch_size=4)
    b, _ = mc_predict(m, x, 20, torch.Generator().manual_seed(3), batch_size=4)
    assert torch.equal(a, b) and a.shape == (20, 6, 10)
    assert torch.allclose(a.sum(-1), torch.ones(20, 6))
    assert M.predictive_variance(a.numpy()).max() > 0


def test_entropy_mi_variance_by_hand():
    probs = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])  # two confident, disagreeing samples
    assert M.predictive_mean(probs)[0] == pytest.approx([0.5, 0.5])
    assert M.entropy(M.predictive_mean(probs))[0] == pytest.approx(math.log(2))
    assert M.mutual_information(probs)[0] == pytest.approx(math.log(2))
    assert M.predictive_variance(probs)[0] == pytest.approx([0.25, 0.25])
    same = np.array([[[0.5, 0.5]], [[0.5, 0.5]]])
    assert M.mutual_information(same)[0] == pytest.approx(0.0, abs=1e-9)


def test_ci_by_hand():
    probs = np.arange(1, 101, dtype=float).reshape(100, 1, 1) / 100
    lo, hi = M.ci_percentile(probs, 90)
    assert lo[0, 0] == pytest.approx(np.percentile(np.arange(1, 101) / 100, 5))
    assert hi[0, 0] == pytest.approx(np.percentile(np.arange(1, 101) / 100, 95))
    lo, hi = M.ci_normal(np.array([[[0.0]], [[1.0]]]), 95)  # mean .5, sigma .5, T 2
    assert hi[0, 0] - 0.5 == pytest.approx(1.959964 * 0.5 / math.sqrt(2), rel=1e-5)


def test_ood_rule_eq26():
    T = 10
    confident = np.tile([[0.97, 0.03]], (T, 1))[:, None]
    shaky = confident.copy()
    shaky[0, 0] = [0.6, 0.4]  # the 10th percentile drops below 0.95
    spread = np.tile([[0.5, 0.5]], (T, 1))[:, None]
    probs = np.concatenate([confident, shaky, spread], 1)
    assert M.ood_flags(probs, q=10, threshold=0.95).tolist() == [False, True, True]
    assert M.ood_flags(probs, q=0.0, threshold=0.5).tolist() == [False, False, False]
    flip = np.array([[[0.97, 0.03]], [[0.03, 0.97]]])  # confident, but in different classes
    assert M.ood_flags(flip, q=10, threshold=0.95).tolist() == [True]
    assert M.ood_flags(flip, q=10, threshold=0.95, max_first=True).tolist() == [False]


def test_ece_by_hand():
    p = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.45, 0.55]])
    y = np.array([0, 1, 1, 1])
    # bins of 1/15: conf .9 -> bin 13, .8 -> 12, .7 -> 10, .55 -> 8; one image each
    expect = (abs(1 - 0.9) + abs(0 - 0.8) + abs(1 - 0.7) + abs(1 - 0.55)) / 4
    assert M.ece(p, y, 15) == pytest.approx(expect)
    p2 = np.array([[0.9, 0.1], [0.92, 0.08]])  # same bin [0.8667, 0.9333)
    assert M.ece(p2, np.array([0, 1]), 15) == pytest.approx(abs(0.5 - 0.91))


def test_accuracy_nll_brier_and_ood_scores():
    p = np.array([[0.7, 0.3], [0.4, 0.6]])
    y = np.array([0, 0])
    assert M.accuracy(p, y) == 0.5
    assert M.nll(p, y) == pytest.approx(-(math.log(0.7) + math.log(0.4)) / 2)
    assert M.brier(p, y) == pytest.approx((0.09 + 0.09 + 0.36 + 0.36) / 2)
    r = M.ood_scores(np.array([0.1, 0.2, 0.3]), np.array([0.25, 0.4, 0.5]))
    assert r["auroc"] == pytest.approx(8 / 9)
    assert r["fpr_at_95tpr_ood"] == pytest.approx(1 / 3)  # threshold 0.25 catches all OOD, flags ID 0.3
    assert r["fpr_at_95tpr_id"] == pytest.approx(1 / 3)  # accepting all ID (score <= 0.3) accepts OOD 0.25


def _brute_fpr(neg, pos, tpr=0.95):
    """Scan every threshold (flag score >= thr); the lowest FPR among those reaching TPR >= tpr."""
    best = 1.0
    for thr in np.concatenate([neg, pos, [np.inf]]):
        if (pos >= thr).mean() >= tpr - 1e-12:
            best = min(best, (neg >= thr).mean())
    return best


def test_fpr95_equals_a_brute_force_threshold_scan_on_tied_scores():
    rng = np.random.default_rng(0)
    for _ in range(200):
        neg = rng.integers(0, 6, rng.integers(5, 40)).astype(float)  # heavy ties
        pos = rng.integers(2, 9, rng.integers(5, 40)).astype(float)
        r = M.ood_scores(neg, pos)
        assert r["fpr_at_95tpr_ood"] == pytest.approx(_brute_fpr(neg, pos))
        assert r["fpr_at_95tpr_id"] == pytest.approx(_brute_fpr(-pos, -neg))


def test_eq22_and_eq23_are_different_intervals():
    rng = np.random.default_rng(1)
    probs = rng.uniform(size=(400, 3, 2))
    lo22, hi22 = M.mean_interval_eq22(probs)
    lo23, hi23 = M.predictive_interval_eq23(probs)
    assert ((hi22 - lo22) < 0.2 * (hi23 - lo23)).all()  # the mean's interval shrinks with sqrt(T); Eq. 23 does not
