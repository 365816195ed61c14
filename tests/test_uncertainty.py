"""Uncertainty in one call (issue 16 item 2): MC path, exact slot, mask samplers."""
import itertools
import json
import types

import numpy as np
import pytest
import torch
from torch import nn

import nn.uncertainty as U
from conftest import write_rng_model
from nn import metrics
from nn.convert import to_scale_dropout_bnn
from nn.inject import set_device_sampler
from nn.mc import mc_forward, mc_predict
from nn.models import build_model
from nn.scaledrop import dropout_layers

torch.set_num_threads(1)


def _lenet(p=None):
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"method": "scaledrop"}).eval()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for layer in m.modules():
            if hasattr(layer, "alpha"):
                layer.alpha.copy_(0.3 + 1.5 * torch.rand(layer.alpha.shape, generator=g))
            if isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):       # BN shifts make the scale matter
                layer.running_mean.copy_(3 * torch.randn(layer.running_mean.shape, generator=g))
        m[-1].weight.fill_(0.1)                                           # logits of order 1
    for d in dropout_layers(m):
        d.p = d.p if p is None else p
    return m


def _fake_exact_predict(model, x, limit=1024, batch_size=1000):
    """Enumeration of every mask configuration through nn.mc, with the interface of nn.exact (issue 13)."""
    layers = dropout_layers(model)
    cfgs = torch.tensor(list(itertools.product([False, True], repeat=len(layers))))
    draws = {d.index: (cfgs[:, i:i + 1], None) for i, d in enumerate(layers)}
    w = torch.stack([torch.where(cfgs[:, i], 1 - d.p, d.p) for i, d in enumerate(layers)], 1).prod(1)
    return w.numpy(), mc_forward(model, x, draws, len(cfgs)).softmax(-1).numpy()


def _fake_n_configurations(model):
    layers = dropout_layers(model)
    return None if any(d.mode == "random" for d in layers) else 2 ** len(layers)


FAKE_EXACT = types.SimpleNamespace(exact_predict=_fake_exact_predict, n_configurations=_fake_n_configurations)


def test_mc_path_is_nn_metrics_of_mc_predict(monkeypatch):
    monkeypatch.setattr(U, "_exact_module", lambda: None)
    m, x = _lenet(), torch.randn(12, 1, 28, 28)
    u = U.predict_uncertainty(m, x, T=16, generator=torch.Generator().manual_seed(5))
    assert u.method == "mc" and u.n_samples == 16
    probs = mc_predict(m, x, 16, torch.Generator().manual_seed(5))[0].numpy()
    assert np.array_equal(u.mean, metrics.predictive_mean(probs))
    assert np.array_equal(u.mutual_information, metrics.mutual_information(probs))
    refs = metrics.ci_normal(probs) + metrics.ci_percentile(probs)
    assert all(np.array_equal(got, ref) for got, ref in zip(u.ci_eq22_normal + u.ci_eq23_percentile, refs))
    assert np.array_equal(u.ood, metrics.ood_flags(probs)) and u.ood.dtype == bool
    assert (u.ci_eq23_percentile[0] <= u.mean + 1e-6).all() and (u.mean <= u.ci_eq23_percentile[1] + 1e-6).all()
    assert (u.mutual_information > 1e-3).any()


def test_p0_has_no_epistemic_uncertainty(monkeypatch):
    monkeypatch.setattr(U, "_exact_module", lambda: None)
    u = U.predict_uncertainty(_lenet(p=0.0), torch.randn(6, 1, 28, 28), T=8)
    assert np.abs(u.mutual_information).max() < 1e-5
    assert np.abs(u.ci_eq22_normal[1] - u.ci_eq22_normal[0]).max() < 1e-5


class UserRes(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(4, 4), nn.Linear(4, 4)

    def forward(self, x):
        return self.b(self.a(x)) + x


def test_user_containers_get_plain_passes(monkeypatch):
    monkeypatch.setattr(U, "_exact_module", lambda: None)
    model = to_scale_dropout_bnn(nn.Sequential(nn.Linear(4, 4), UserRes(), nn.Linear(4, 3)), p=0.5).eval()
    assert not U.shared_prefix_safe(model) and U.shared_prefix_safe(_lenet())
    x = torch.randn(5, 4)
    u = U.predict_uncertainty(model, x, T=6, generator=torch.Generator().manual_seed(0))
    ref = mc_predict(model, x, 6, torch.Generator().manual_seed(0), naive=True)[0].numpy()
    assert np.array_equal(u.mean, ref.mean(0))


def test_exact_slot(monkeypatch):
    m, x = _lenet(), torch.randn(10, 1, 28, 28)
    monkeypatch.setattr(U, "_exact_module", lambda: None)
    with pytest.raises(NotImplementedError, match="needs nn.exact"):
        U.predict_uncertainty(m, x, method="exact")
    monkeypatch.setattr(U, "_exact_module", lambda: FAKE_EXACT)
    u = U.predict_uncertainty(m, x, T=20)                               # auto: 32 <= 1024 configurations
    assert u.method == "exact" and u.n_samples == 32
    assert U.predict_uncertainty(m, x, max_configs=16).method == "mc"
    mc = U.predict_uncertainty(m, x, T=3000, method="mc", generator=torch.Generator().manual_seed(0))
    assert np.abs(u.mean - mc.mean).max() < 0.01                       # exact mean = MC mean as T grows
    assert np.abs(u.mutual_information - mc.mutual_information).max() < 0.01
    rand = to_scale_dropout_bnn(nn.Sequential(nn.Linear(3, 2)), mode="random", full_precision=())
    assert U.predict_uncertainty(rand, torch.randn(2, 3)).method == "mc"        # not enumerable
    user = to_scale_dropout_bnn(nn.Sequential(nn.Linear(3, 4), UserRes(), nn.Linear(4, 2)), full_precision=())
    assert U.predict_uncertainty(user, torch.randn(2, 3)).method == "mc"        # no shared prefixes
    with pytest.raises(ValueError, match="container with its own forward"):
        U.predict_uncertainty(user, torch.randn(2, 3), method="exact")


def test_real_nn_exact_agrees_with_mc():
    pytest.importorskip("nn.exact")
    m, x = _lenet(), torch.randn(10, 1, 28, 28)
    u = U.predict_uncertainty(m, x)
    mc = U.predict_uncertainty(m, x, T=3000, method="mc", generator=torch.Generator().manual_seed(0))
    assert u.method == "exact" and np.abs(u.mean - mc.mean).max() < 0.01


def test_mixture_summary_with_equal_weights_is_the_mc_summary():
    probs = torch.randn(40, 7, 5, generator=torch.Generator().manual_seed(0)).softmax(-1).numpy().astype(float)
    w = np.full(40, 1 / 40)
    a, b = U.summarize_mixture(probs, w, 40, 90.0, 10.0, 0.6), U.summarize_mc(probs, 90.0, 10.0, 0.6)
    for key in ("mean", "entropy", "mutual_information"):
        assert np.allclose(a[key], b[key], atol=1e-12)
    assert np.allclose(a["ci_eq22_normal"], b["ci_eq22_normal"], atol=1e-12)
    for q in (0.0, 2.5, 10.0, 50.0, 97.5, 100.0):
        assert np.array_equal(U.weighted_percentile(probs, w, q), np.percentile(probs, q, 0, method="inverted_cdf"))
    w2 = np.arange(1.0, 41.0)                                          # unequal weights: repeat sample i i times
    rep = np.repeat(probs, np.arange(1, 41), 0)
    assert np.array_equal(U.weighted_percentile(probs, w2, 10.0), np.percentile(rep, 10.0, 0, method="inverted_cdf"))


def test_device_sampler_file(tmp_path, monkeypatch):
    monkeypatch.setattr(U, "_exact_module", lambda: None)
    f = write_rng_model(tmp_path / "rng_model.json",
                        [{"p": p, "epsilon_mu": 0.3, "epsilon_sigma": 0.0} for p in (0.1, 0.2, 0.5)])
    m, x = _lenet(), torch.randn(6, 1, 28, 28)
    before = [d.sampler for d in dropout_layers(m)]
    u = U.predict_uncertainty(m, x, T=10, sampler=f, multiplier=2.0, generator=torch.Generator().manual_seed(1))
    assert u.method == "mc"
    assert [d.sampler for d in dropout_layers(m)] == before            # the model's samplers are restored
    ref_model = _lenet()
    p_hat = set_device_sampler(ref_model, f, 2.0)
    assert sorted(set(p_hat.values())) == pytest.approx([0.7, 0.8])    # p + 2 x 0.3
    ref = mc_predict(ref_model, x, 10, torch.Generator().manual_seed(1))[0].numpy()
    assert np.array_equal(u.mean, ref.mean(0))
    with pytest.raises(ValueError, match="missing: run rule rng_model"):
        U.predict_uncertainty(m, x, sampler=tmp_path / "none.json")
    with pytest.raises(ValueError, match="unknown method 'bayes'"):
        U.predict_uncertainty(m, x, method="bayes")
