"""Exact predictive of MC-Scale-Dropout (nn/exact.py) against MC with many samples and closed forms."""
import numpy as np
import pytest
import torch

from conftest import randomised_model
from nn import exact as X
from nn import metrics as M
from nn.mc import mc_predict, predict

torch.set_num_threads(1)


def _randomised(cfg):
    return randomised_model("lenet5", 1, cfg).eval()


def test_exact_nll_matches_mc_at_T_1e4():
    m = _randomised({"scale_dropout": {"p_small": 0.3, "p_large": 0.5}})
    x = torch.randn(200, 1, 28, 28)
    w, probs = X.exact_predict(m, x)
    assert len(w) == 32 and w.sum() == pytest.approx(1.0)
    y = np.random.default_rng(0).integers(0, 10, 200)
    mc = mc_predict(m, x, 10_000, torch.Generator().manual_seed(0))[0].numpy()
    ex = X.summarize(w, probs, y)
    nll_mc = M.nll(M.predictive_mean(mc), y)
    assert abs(ex["nll"] - nll_mc) < 1e-3
    assert ex["mean_mi"] > 1e-3  # the configurations do disagree
    assert abs(ex["mean_mi"] - M.mutual_information(mc).mean()) < 2e-3


def test_exact_variance_and_mi_by_hand():
    w = np.array([0.25, 0.75])
    probs = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    pr = X.predictive(w, probs)
    assert pr["mean"][0] == pytest.approx([0.25, 0.75])
    assert pr["variance"][0] == pytest.approx([0.1875, 0.1875])
    assert pr["mi"][0] == pytest.approx(-(0.25 * np.log(0.25) + 0.75 * np.log(0.75)), abs=1e-9)
    assert X.label_change_share(w, probs) == 1.0


def test_p0_gives_the_deterministic_network():
    m = _randomised({"scale_dropout": {"p_small": 0.0, "p_large": 0.0}})
    x = torch.randn(5, 1, 28, 28)
    w, probs = X.exact_predict(m, x)
    assert w.tolist() == [1.0]
    assert np.allclose(probs[0], predict(m, x).softmax(-1).numpy(), atol=1e-6)


def test_over_the_limit_and_random_mode_are_one_line_errors():
    m = _randomised({})
    with pytest.raises(ValueError, match=r"nn.mc.exact.limit: 32 mask configurations exceed the limit 16"):
        X.exact_predict(m, torch.randn(2, 1, 28, 28), limit=16)
    r = _randomised({"scale_dropout": {"mode": "random"}})
    assert X.n_configurations(r) is None
    with pytest.raises(ValueError, match="not enumerable"):
        X.configurations(r)


@pytest.mark.parametrize("cfg", [{}, {"scale_dropout": {"mode": "average"}}, {"negative_gamma": True}])
def test_deferred_split_equals_the_generic_shared_prefix_pass(cfg):
    from nn.exact import _deferred_forward, _plain, configurations
    from nn.mc import mc_forward

    neg = cfg.pop("negative_gamma", False)
    m = _randomised({"scale_dropout": {"p_small": 0.3, "p_large": 0.5}, **cfg})
    if neg:  # a negative BN scale: max-pooling no longer commutes, the split must happen before it
        m[1].weight.data[0] = -1.0
    assert _plain(m)
    x = torch.randn(7, 1, 28, 28)
    draws, w = configurations(m)
    fast, ref = _deferred_forward(m, x, draws, len(w)), mc_forward(m, x, draws, len(w))
    assert torch.allclose(fast, ref, atol=1e-4, rtol=1e-4)
    assert ref.std(0).max() > 1e-2
