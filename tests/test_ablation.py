"""When does Scale-Dropout give uncertainty? BN cancels alpha in training (Eq. 2-3), frozen alpha gives no MC
variance, and the ablation's configuration errors name their field."""
import numpy as np
import pytest
import torch

from nn import metrics as M
from nn.binary import scaled_layers
from nn.exact import exact_predict
from nn.loss import scaledrop_loss
from nn.mc import mc_predict
from nn.models import build_model
from nn.train import Split, fit

torch.set_num_threads(1)


def _alpha_grad(p, position):
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"scale_dropout": {"p_small": p, "p_large": p, "alpha_position": position}})
    for layer in scaled_layers(m):
        layer.alpha.data.uniform_(0.5, 1.5)
    m.train()
    x, y = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    loss, _ = scaledrop_loss(m, m(x), y, lam=0.0, phi=0.0)  # the data term only
    loss.backward()
    return max(float(layer.alpha.grad.abs().max()) for layer in scaled_layers(m))


def test_batchnorm_cancels_alpha_in_training_at_p0():
    assert _alpha_grad(0.0, "before_bn") < 1e-6  # Eq. 2-3: BN(alpha * s) = BN(s) with batch statistics
    assert _alpha_grad(0.0, "after_bn") > 1e-4   # the ablation's order keeps the gradient
    assert _alpha_grad(0.5, "before_bn") > 1e-4  # dropped scales break the cancellation


def test_frozen_alpha_gives_exactly_zero_mc_variance():
    torch.manual_seed(0)
    cfg = {"scale_dropout": {"p_small": 0.5, "p_large": 0.5, "learn_alpha": False}}
    m = build_model("lenet5", 1, 10, cfg)
    x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
    fit(m, Split(x, y), {"epochs": 1, "batch_size": 32, "lr": 0.01, "phi": 1.0}, 0, progress=False, device="cpu")
    assert all(torch.equal(layer.alpha, torch.ones_like(layer.alpha)) for layer in scaled_layers(m))
    probs = mc_predict(m, x[:16], 20, torch.Generator().manual_seed(0))[0].numpy()
    assert (probs == probs[:1]).all()  # bit-identical passes
    assert M.predictive_variance(probs.astype(np.float64)).max() == 0.0
    w, pe = exact_predict(m, x[:16])
    assert (pe == pe[:1]).all()
    learned = build_model("lenet5", 1, 10, {"scale_dropout": {"p_small": 0.5, "p_large": 0.5}})
    fit(learned, Split(x, y), {"epochs": 1, "batch_size": 32, "lr": 0.01}, 0, progress=False, device="cpu")
    assert np.var(mc_predict(learned.eval(), x[:16], 20, torch.Generator().manual_seed(0))[0].numpy(), 0).max() > 0


def test_per_batch_training_masks_draw_one_mask_per_call():
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"scale_dropout": {"p_small": 0.5, "p_large": 0.5, "train_masks": "batch",
                                                        "alpha_position": "after_bn"}}).train()
    for layer in scaled_layers(m):
        layer.alpha.data.uniform_(0.5, 1.5)
    x = torch.randn(1, 1, 28, 28).expand(8, -1, -1, -1)
    with torch.no_grad():
        out = m(x)
    assert torch.allclose(out, out[:1].expand_as(out), atol=1e-5)  # the same draw for every image of the batch


def test_ablation_config_errors_name_the_field():
    import ablation_run as A

    assert A.variant_cfg("p0.5", {}) == {"p_small": 0.5, "p_large": 0.5}
    with pytest.raises(ValueError, match="ablation.variants: unknown variant 'alpha_free'"):
        A.variant_cfg("alpha_free", {})
    with pytest.raises(ValueError, match=r"ablation.variants: 'p1.5': p = 1.5 out of range \(0, 1\)"):
        A.variant_cfg("p1.5", {})
    with pytest.raises(ValueError, match="nn.scale_dropout.alpha_position"):
        build_model("lenet5", 1, 10, {"scale_dropout": {"alpha_position": "middle"}})
    with pytest.raises(ValueError, match="nn.mc.masks"):
        mc_predict(build_model("lenet5", 1, 10, {}), torch.randn(2, 1, 28, 28), 2, masks="per_chunk")


@pytest.mark.parametrize("override,field", [
    ("nn: {methods: [scaledrop, spinbayez]}", "config error: config.nn.methods.1"),
    ("nn: {seeds: []}", "config error: config.nn.seeds"),
    ("ablation: {variants: [base, p1.5]}", "config error: config.ablation.variants.1"),
    ("ablation: {n_train: 0}", "config error: config.ablation.n_train"),
])
def test_bad_config_one_line_naming_the_field(tmp_path, override, field):
    from conftest import assert_one_config_error

    assert_one_config_error(tmp_path, override, field)
