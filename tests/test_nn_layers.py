"""Binary layers, EDE, Scale-Dropout modes and the Eq. 17 loss."""
import math

import pytest
import torch
import torch.nn.functional as F

from conftest import write_rng_model
from nn.binary import BinaryConv2d, BinaryLinear, ede_params, normalize_weight, set_ede, sign_ede
from nn.loss import scale_reg, scaledrop_loss, weight_l2
from nn.models import build_model
from nn.scaledrop import ScaleDropout, adaptive_p, make_sampler

torch.set_num_threads(1)


def test_ede_schedule_and_gradient():
    assert ede_params(0, 10) == pytest.approx((0.1, 10.0))
    assert ede_params(5, 10) == pytest.approx((1.0, 1.0))
    t, k = ede_params(9, 10)
    assert t == pytest.approx(0.1 * 10 ** (0.9 * 2)) and k == 1.0
    x = torch.tensor([-2.0, -0.3, 0.0, 0.5, 3.0], requires_grad=True)
    y = sign_ede(x, 2.0, 1.5)
    assert y.tolist() == [-1.0, -1.0, 1.0, 1.0, 1.0]
    g = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    y.backward(g)
    expect = g * 1.5 * 2.0 * (1 - torch.tanh(2.0 * x.detach()) ** 2)
    assert x.grad.shape == x.shape and torch.allclose(x.grad, expect)


def test_set_ede_reaches_all_layers():
    m = build_model("lenet5", 1, 10, {})
    t, k = set_ede(m, 3, 10)
    layers = [l for l in m.modules() if isinstance(l, (BinaryConv2d, BinaryLinear))]
    assert len(layers) == 5 and all((l.ede_t, l.ede_k) == (t, k) for l in layers)


def test_weight_normalisation_is_channelwise():
    w = torch.randn(4, 3, 5, 5) * torch.tensor([1.0, 2.0, 3.0, 4.0]).view(4, 1, 1, 1) + 7
    wn = normalize_weight(w).reshape(4, -1)
    assert torch.allclose(wn.mean(1), torch.zeros(4), atol=1e-5)
    assert torch.allclose(wn.pow(2).mean(1), torch.ones(4), atol=1e-4)


def test_binary_linear_forward_is_sign_times_alpha():
    lay = BinaryLinear(6, 3)
    lay.alpha.data = torch.tensor([0.5, 2.0, -1.0])
    lay.bias.data = torch.tensor([0.1, 0.2, 0.3])
    x = torch.randn(4, 6)
    wb = torch.where(normalize_weight(lay.weight) >= 0, 1.0, -1.0)
    xb = torch.where(x >= 0, 1.0, -1.0)
    assert torch.equal(lay(x), (xb @ wb.T + lay.bias) * lay.alpha)


def test_gradients_reach_alpha_and_latent_weights():
    m = build_model("lenet5", 1, 10, {"first_binary": True, "last_binary": True})
    m.train()
    loss, _ = scaledrop_loss(m, m(torch.randn(8, 1, 28, 28)), torch.arange(8) % 10)
    loss.backward()
    for lay in [l for l in m.modules() if isinstance(l, (BinaryConv2d, BinaryLinear))]:
        assert lay.weight.grad is not None and lay.weight.grad.abs().sum() > 0
        assert lay.alpha.grad is not None and lay.alpha.grad.abs().sum() > 0


@pytest.mark.parametrize("mode", ["unitary", "average", "random"])
def test_dropped_scale_replacement(mode):
    alpha = torch.tensor([0.5, 2.0, 3.5])
    s = torch.randn(64, 3, 2, 2)
    dropped = ScaleDropout(1.0, mode, rand_range=(0.2, 0.4)).train()(s, alpha)
    kept = ScaleDropout(0.0, mode).train()(s, alpha)
    assert torch.equal(kept, s * alpha.view(1, 3, 1, 1))
    if mode == "unitary":
        assert torch.equal(dropped, s)  # alpha -> 1 exactly
    elif mode == "average":
        assert torch.allclose(dropped, s * alpha.mean())
    else:
        ratio = dropped / s
        assert ((ratio > 0.2 - 1e-6) & (ratio < 0.4 + 1e-6)).all()
        assert torch.allclose(ratio, ratio[:, :1, :1, :1].expand_as(ratio))  # one scalar per image


def test_dropout_is_per_image_and_has_rate_p():
    torch.manual_seed(0)
    d = ScaleDropout(0.3).train()
    out = d(torch.ones(20000, 2), torch.tensor([2.0, 2.0]))
    assert (out[:, 0] == out[:, 1]).all()  # one scalar per layer and image
    assert abs((out[:, 0] == 1.0).float().mean().item() - 0.3) < 0.015
    el = ScaleDropout(0.3, elementwise=True, channels=2).train()
    out = el(torch.ones(20000, 2), torch.tensor([2.0, 2.0]))
    assert (out[:, 0] != out[:, 1]).any()
    d.eval()
    assert torch.equal(d(torch.ones(5, 2), torch.tensor([2.0, 3.0])), torch.tensor([[2.0, 3.0]] * 5))


def test_layer_adaptive_p_and_sampler():
    assert adaptive_p(150, 0.1, 0.5, 10000) == 0.1 and adaptive_p(48000, 0.1, 0.5, 10000) == 0.5
    m = build_model("lenet5", 1, 10, {"scale_dropout": {"p_small": 0.1, "p_large": 0.5, "param_threshold": 10000}})
    ps = [d.p for d in m.modules() if isinstance(d, ScaleDropout)]
    assert ps == [0.1, 0.1, 0.5, 0.5, 0.1]  # 150, 2400, 48000, 10080, 840 weights
    calls = []
    s = make_sampler("bernoulli")
    keep = s(1000, 0.25, 0, torch.Generator().manual_seed(0))
    assert keep.dtype == torch.bool and abs((~keep).float().mean().item() - 0.25) < 0.05

    def custom(n, p, idx, gen):
        calls.append(idx)
        return torch.zeros(n, dtype=torch.bool)
    d = ScaleDropout(0.5, sampler=custom, index=3).train()
    assert torch.equal(d(torch.ones(4, 2), torch.tensor([5.0, 5.0])), torch.ones(4, 2)) and calls == [3]
    with pytest.raises(ValueError, match="unknown mask sampler 'spin'"):
        make_sampler("spin")


def test_eq17_terms_by_hand():
    m = torch.nn.Sequential(BinaryLinear(2, 2, dropout=None), BinaryLinear(2, 2, dropout=None)).eval()
    m[0].weight.data = torch.tensor([[1.0, -2.0], [0.5, 3.0]])
    m[1].weight.data = torch.tensor([[-1.0, 1.0], [2.0, 0.0]])
    m[0].alpha.data = torch.tensor([0.5, 1.0])  # mean 0.75
    m[1].alpha.data = torch.tensor([2.0, 1.0])  # mean 1.5
    assert weight_l2(m).item() == pytest.approx(1 + 4 + 0.25 + 9 + 1 + 1 + 4)
    assert scale_reg(m).item() == pytest.approx(0.25 ** 2 + 0.5 ** 2)
    logits, y = torch.tensor([[2.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 0])
    ce = (-math.log(math.exp(2) / (math.exp(2) + 1)) - math.log(1 / (1 + math.e))) / 2
    loss, terms = scaledrop_loss(m, logits, y, lam=0.1, phi=2.0)
    assert terms["ce"] == pytest.approx(ce, rel=1e-5)
    assert loss.item() == pytest.approx(ce + 0.1 * 20.25 + 2.0 * 0.3125, rel=1e-5)


def test_unknown_model_and_mode_one_line():
    with pytest.raises(ValueError, match=r"^unknown model 'alexnet' \(known: lenet5") as e:
        build_model("alexnet", 1, 10, {})
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match="unknown scale-dropout mode 'zero'"):
        build_model("lenet5", 1, 10, {"scale_dropout": {"mode": "zero"}})
    with pytest.raises(ValueError, match="unknown method 'gaussian_dropout'"):
        build_model("lenet5", 1, 10, {"method": "gaussian_dropout"})


@pytest.mark.parametrize("name,shape", [("lenet5", (1, 28, 28)), ("vgg_small", (3, 16, 16)),
                                        ("resnet20", (3, 16, 16)), ("resnet18", (3, 8, 8))])
def test_models_build_and_run(name, shape):
    m = build_model(name, shape[0], 7, {}).eval()
    assert m(torch.randn(2, *shape)).shape == (2, 7)
    F.cross_entropy(m.train()(torch.randn(2, *shape)), torch.tensor([0, 1])).backward()


def test_device_sampler_eq24(tmp_path):
    f = write_rng_model(tmp_path / "rng_model.json", [{"p": 0.1, "epsilon_mu": 0.0, "epsilon_sigma": 0.0},
                                                      {"p": 0.5, "epsilon_mu": 0.2, "epsilon_sigma": 0.0}])
    s = make_sampler("device", path=str(f), seed=1)
    keep = s(40000, 0.3, 2, torch.Generator().manual_seed(0))  # mu interpolated: 0.1 -> p_hat = 0.4
    assert abs((~keep).float().mean().item() - 0.4) < 0.01
    write_rng_model(f, [{"p": 0.1, "epsilon_mu": 0.0, "epsilon_sigma": 0.05}])
    s = make_sampler("device", path=str(f), seed=1)
    s(1, 0.1, 0), s(1, 0.1, 1)
    p0 = dict(s.p_hat)
    assert p0[(0, 0.1)] != p0[(1, 0.1)]  # one variation draw per layer
    s2 = make_sampler("device", path=str(f), seed=1)
    s2(1, 0.1, 1), s2(1, 0.1, 0)
    assert s2.p_hat == p0  # seeded, independent of call order
    with pytest.raises(ValueError, match="missing: run rule rng_model$"):
        make_sampler("device", path=str(tmp_path / "nope.json"))
    (tmp_path / "bad.json").write_text('{"targets": [{"p": 0.1}]}')
    with pytest.raises(ValueError, match="bad.json: schema_version"):
        make_sampler("device", path=str(tmp_path / "bad.json"))
    m = build_model("lenet5", 1, 10, {"scale_dropout": {"sampler": {"kind": "device", "path": str(f), "seed": 0}}})
    assert m.train()(torch.randn(3, 1, 28, 28)).shape == (3, 10)
