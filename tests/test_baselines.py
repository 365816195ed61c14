"""Baselines of Tables III / VI: every method trains a step; SpinDrop gates crossbar rows, Spatial-SpinDrop
input maps, SpinBayes picks one of K crossbars; module counts vs Table VII."""
import pytest
import torch

from nn.baselines import InputDropout, SpinBayesConv2d, dropout_modules, set_baseline_mc, stochastic_modules
from nn.mc import mc_predict, predict
from nn.models import build_model
from nn.train import Split, fit

torch.set_num_threads(1)
METHODS = ["fp", "mcdropout", "mc_dropout", "mcdropout_htanh", "mcdropout_all", "mcdropconnect", "ensemble", "bnn",
           "none", "spindrop", "spatial_spindrop", "spinbayes", "scaledrop"]


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


def _recording(method, p):
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"method": method, "baselines": {"p": {method: p}}}).eval()
    mods = [d for d in m.modules() if isinstance(d, InputDropout)]
    for d in mods:
        d.record = True
    set_baseline_mc(m, True, torch.Generator().manual_seed(0))
    with torch.no_grad():
        m(torch.randn(400, 1, 28, 28))
    return m, mods


@pytest.mark.parametrize("method", ["spindrop", "spatial_spindrop"])
def test_dropped_inputs_are_zero_at_the_crossbar_and_a_fraction_p(method):
    m, mods = _recording(method, 0.3)
    assert len(mods) == 4  # every layer with binary inputs (all but the first)
    for d in mods:
        keep, xin = d.last_mask, d.last_input
        assert xin.shape[1] == keep.shape[1]
        full = keep.expand_as(xin)
        assert (xin[~full] == 0).all() and (xin[full].abs() == 1).all()  # dropped: exactly 0; kept: +-1, unscaled
    drop = 1 - torch.cat([d.last_mask.float().flatten() for d in mods]).mean()
    assert abs(float(drop) - 0.3) < 0.01
    if method == "spatial_spindrop":
        assert all(d.last_mask.shape[2:] in ((1, 1), ()) for d in mods)  # whole maps
    else:
        conv = mods[0].last_mask
        assert conv.shape[1:] == (150, 100)  # one module per crossbar row (K*K*C_in), drawn per MVM position


def test_module_counts_follow_table_vii():
    """K*K*C_in (SpinDrop, mapping 1), C_in (Spatial-SpinDrop), 1 (Scale-Dropout, SpinBayes), from the models."""
    for method, formula in [("spindrop", lambda r: r["k"] ** 2 * r["c_in"]), ("spatial_spindrop", lambda r: r["c_in"]),
                            ("scaledrop", lambda r: 1), ("spinbayes", lambda r: 1)]:
        rows = dropout_modules(build_model("lenet5", 1, 10, {"method": method}))
        bayes = [r for r in rows if r["kind"] == method]
        assert len(bayes) >= 4 and all(r["modules"] == formula(r) for r in bayes)
    _, mods = _recording("spindrop", 0.1)
    measured = [d.last_mask.shape[1] for d in mods]  # independent mask bits per MVM, as drawn
    expect = [r["modules"] for r in dropout_modules(build_model("lenet5", 1, 10, {"method": "spindrop"}))
              if r["kind"] == "spindrop"]
    assert measured == expect == [150, 400, 120, 84]


def test_spinbayes_passes_use_one_of_k_crossbars_per_layer():
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"method": "spinbayes", "baselines": {"spinbayes": {"crossbars": 3,
                                                                                         "sigma_init": 0.5}}}).eval()
    layer = next(x for x in m.modules() if isinstance(x, SpinBayesConv2d))
    bank = layer.crossbars()
    assert bank.shape == (3, *layer.weight.shape) and not torch.equal(bank[0], bank[1])
    assert torch.equal(bank, layer.crossbars())  # fixed crossbars
    x = torch.randn(6, 1, 28, 28)
    outs = [torch.nn.functional.conv2d(x, w, layer.bias, 1, 2) * layer.alpha.view(1, -1, 1, 1) for w in bank]
    layer.selector.mc, layer.selector.generator = True, torch.Generator().manual_seed(0)
    with torch.no_grad():
        got = layer(x)
    for i in range(6):
        assert any(torch.allclose(got[i], o[i]) for o in outs)
    probs, _ = mc_predict(m, x, 8, torch.Generator().manual_seed(1))
    assert probs.std(0).max() > 1e-3


def test_mcdropout_all_drops_every_layer_input_but_the_image():
    kinds = [r["kind"] for r in dropout_modules(build_model("lenet5", 1, 10, {"method": "mcdropout_all"}))]
    assert kinds == ["none", "mcdropout", "mcdropout", "mcdropout", "mcdropout"]
    mcd = build_model("lenet5", 1, 10, {"method": "mcdropout"})
    assert len(stochastic_modules(mcd)) == 1  # the paper's choice: only before the classifier


@pytest.mark.parametrize("method", ["mcdropout", "mcdropout_all", "mcdropconnect", "spindrop", "spatial_spindrop"])
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
