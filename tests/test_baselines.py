"""Baselines of Table III: every method trains a step; SpinDrop masks neurons, Spatial-SpinDrop channels."""
import pytest
import torch

from nn.baselines import NeuronDropout, stochastic_modules
from nn.mc import mc_predict, predict
from nn.models import build_model
from nn.train import Split, fit

torch.set_num_threads(1)
METHODS = ["fp", "mcdropout", "mc_dropout", "mcdropout_htanh", "mcdropconnect", "ensemble", "bnn", "none", "spindrop",
           "spatial_spindrop", "scaledrop"]


@pytest.mark.parametrize("method", METHODS)
def test_each_baseline_trains_a_step(method):
    torch.manual_seed(0)
    x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    m = build_model("lenet5", 1, 10, {"method": method, "baselines": {"ensemble_size": 2}})
    before = [p.detach().clone() for p in m.parameters()]
    h = fit(m, Split(x, y), {"epochs": 1, "batch_size": 32, "lr": 0.01}, 0, progress=False, device="cpu")
    assert all(torch.isfinite(torch.tensor(r["loss"])) for r in h)
    assert any(not torch.equal(a, b) for a, b in zip(before, m.parameters()))
    probs, _ = mc_predict(m, x[:8], 3, torch.Generator().manual_seed(0))
    assert probs.shape == (3, 8, 10)


def test_unknown_method_names_the_known_ones():
    with pytest.raises(ValueError, match="spatial_spindrop"):
        build_model("lenet5", 1, 10, {"method": "mcdrop"})


def test_spindrop_masks_neurons_spatial_masks_channels():
    torch.manual_seed(0)
    s = torch.ones(16, 8, 6, 6)
    d = NeuronDropout(0.3).train()
    d(s)
    m = d.last_mask
    assert m.shape == s.shape and not (m == m[..., :1, :1]).all()  # varies inside a feature map
    sp = NeuronDropout(0.3, spatial=True).train()
    out = sp(s)
    assert sp.last_mask.shape == (16, 8, 1, 1)
    assert ((out == 0).all((2, 3)) | (out != 0).all((2, 3))).all()  # whole channels dropped
    assert 0.15 < 1 - sp.last_mask.float().mean() < 0.45


def test_models_place_the_dropout_kinds():
    sd = build_model("lenet5", 1, 10, {"method": "spatial_spindrop"})
    mods = [m for m in sd.modules() if isinstance(m, NeuronDropout)]
    assert len(mods) == 4 and all(m.spatial for m in mods)  # all binary layers but the classifier
    mcd = build_model("lenet5", 1, 10, {"method": "mcdropout"})
    assert len(stochastic_modules(mcd)) == 1  # only before the classifier


@pytest.mark.parametrize("method", ["mcdropout", "mcdropconnect", "spindrop", "spatial_spindrop"])
def test_mc_with_p0_equals_deterministic(method):
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"method": method, "baselines": {"p": {method: 0.0}}}).eval()
    x = torch.randn(8, 1, 28, 28)
    _, logits = mc_predict(m, x, 4, torch.Generator().manual_seed(1))
    assert torch.equal(logits, predict(m, x)[None].expand(4, -1, -1))


def test_mcdropout_relu_and_htanh_variants():
    relu = build_model("lenet5", 1, 10, {"method": "mc_dropout", "baselines": {"p": {"mcdropout": 0.3}}})
    ht = build_model("lenet5", 1, 10, {"method": "mcdropout_htanh", "baselines": {"p": {"mcdropout": 0.3}}})
    acts = lambda m: {x.act for x in m.modules() if hasattr(x, "act")} - {None}  # noqa: E731
    assert acts(relu) == {"relu"} and acts(ht) == {"htanh"}
    assert [d.p for d in stochastic_modules(ht)] == [0.3] == [d.p for d in stochastic_modules(relu)]
    ht.load_state_dict(relu.state_dict())
    x = 3 * torch.randn(4, 1, 28, 28)
    assert not torch.allclose(predict(relu.eval(), x), predict(ht.eval(), x))  # same weights, other activation
