"""Device injection: RNG variation (Eq. 24 x multiplier) and crossbar popcount errors."""
import contextlib
import json

import numpy as np
import pytest
import torch

from conftest import crossbar_model_example, write_rng_model
from nn.binary import BinaryConv2d, scaled_layers
from nn.inject import CrossbarErrors, crossbar_errors, set_device_sampler
from nn.mc import mc_predict, predict
from nn.models import build_model

torch.set_num_threads(1)


def _rng_model(tmp_path, mu, sigma):
    return write_rng_model(tmp_path / "rng.json",
                           [{"p": p, "epsilon_mu": mu, "epsilon_sigma": sigma} for p in (0.1, 0.2, 0.5)])


def test_sigma0_and_ideal_crossbar_reproduce_plain_model(tmp_path):
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"method": "scaledrop"}).eval()
    x = torch.randn(16, 1, 28, 28)
    ref = predict(m, x)
    with crossbar_errors(m, CrossbarErrors.ideal(64)) as hooked:
        assert len(hooked) == 4
        assert torch.equal(predict(m, x), ref)
    a = mc_predict(m, x, 6, torch.Generator().manual_seed(3))[1]
    set_device_sampler(m, _rng_model(tmp_path, 0.0, 0.0), multiplier=3.0)
    b = mc_predict(m, x, 6, torch.Generator().manual_seed(3))[1]
    assert torch.equal(a, b)


def test_device_variation_mean_and_spread(tmp_path):
    f = _rng_model(tmp_path, 0.02, 0.03)
    for mult in (1.0, 2.0):
        ph = np.array([set_device_sampler(build_model("lenet5", 1, 10, {"method": "scaledrop"}), f, mult, seed=s)
                       [(0, 0.1)] for s in range(400)])
        se = 0.03 * mult / np.sqrt(len(ph))
        assert abs(ph.mean() - (0.1 + 0.02 * mult)) < 4 * se
        assert abs(ph.std() - 0.03 * mult) < 0.15 * 0.03 * mult
    shared = set_device_sampler(build_model("lenet5", 1, 10, {"method": "scaledrop"}), f, 1.0, seed=7)
    assert len(set(shared.values())) == 2  # one module: same draw for the layers sharing p (0.1 and 0.2 only)


def test_device_sampler_reads_the_raw_block(tmp_path):
    f = write_rng_model(tmp_path / "rng2.json", [{"p": p, "epsilon_mu": 0.0, "epsilon_sigma": 0.0,
                                                  "raw": {"epsilon_mu": 0.05, "epsilon_sigma": 0.0}} for p in (0.1, 0.5)])
    model = build_model("lenet5", 1, 10, {"method": "scaledrop"})
    assert set_device_sampler(model, f, 2.0)[(0, 0.1)] == pytest.approx(0.1)
    assert set_device_sampler(model, f, 2.0, source="raw")[(0, 0.1)] == pytest.approx(0.2)   # 0.1 + 2 x 0.05
    with pytest.raises(ValueError, match=r"rng2.json: targets\[\]\.calibrated: missing"):
        set_device_sampler(model, f, 1.0, source="calibrated")


def test_training_through_the_crossbar_model_straight_through():
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"method": "none"}).train()
    noisy = CrossbarErrors(64, [[-3, 0, 3]] * 65, [[0.3, 0.4, 0.3]] * 65)
    for layer in [mm for mm in scaled_layers(m) if mm.binary_input and mm.binary_weights]:
        conv = isinstance(layer, BinaryConv2d)
        x = torch.randn(4, layer.weight.shape[1], *((10, 10) if conv else ()), requires_grad=True)
        g = torch.randn_like(layer(x))

        def run(xb=None):
            layer.zero_grad()
            x.grad = None
            with (crossbar_errors(layer, xb) if xb else contextlib.nullcontext()):
                out = layer(x)
            (out * g).sum().backward()
            return out.detach(), layer.weight.grad.clone(), x.grad.clone()

        plain, ideal, errs = run(), run(CrossbarErrors.ideal(64)), run(noisy)
        for u, v in zip(plain, ideal):                      # exact read-out: same output and gradients
            assert torch.allclose(u, v, atol=1e-5)
        assert not torch.allclose(errs[0], plain[0])         # noisy forward ...
        assert all(torch.allclose(u, v, atol=1e-5) for u, v in zip(errs[1:], plain[1:]))  # ... straight-through grads


def test_crossbar_errors_reproduce_confusion_rates():
    rows = 8
    offs = [[-1, 0, 1]] * (rows + 1)
    probs = [[0.1, 0.7, 0.2]] * (rows + 1)
    xb = CrossbarErrors(rows, offs, probs)
    xb.generator = torch.Generator().manual_seed(0)
    p = torch.full((200_000,), 4.0)
    d = (xb.read(p, torch.full_like(p, rows)) - p).numpy()
    for o, q in zip((-1, 0, 1), (0.1, 0.7, 0.2)):
        assert abs((d == o).mean() - q) < 0.005
    assert xb.read(torch.zeros(1000), torch.full((1000,), 8.0)).min() >= 0  # clipped at 0


def test_tiles_add_partial_sums():
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"method": "none"}).eval()
    x = torch.randn(4, 1, 28, 28)
    ref = predict(m, x)
    with crossbar_errors(m, CrossbarErrors.ideal(7)):  # every layer split into many 7-row tiles
        assert torch.equal(predict(m, x), ref)


def test_crossbar_model_file_errors_change_mc_outputs_reproducibly(tmp_path):
    """The eval_crossbar path: a crossbar_model.json error model, seeded read errors, naive MC."""
    rows = 32
    f = tmp_path / "crossbar_model.json"
    f.write_text(json.dumps(crossbar_model_example(rows, error_model={
        "offsets": [[-1, 0, 1]] * (rows + 1), "probs": [[0.2, 0.6, 0.2]] * (rows + 1), "mean": 0.0, "sigma": 0.63,
        "error_rate": 0.4})))
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"method": "scaledrop"}).eval()
    x = torch.randn(8, 1, 28, 28)
    ideal = mc_predict(m, x, 4, torch.Generator().manual_seed(0))[1]
    outs = []
    for _ in range(2):
        xb = CrossbarErrors.load(f)
        xb.generator = torch.Generator().manual_seed(5)
        with crossbar_errors(m, xb):
            outs.append(mc_predict(m, x, 4, torch.Generator().manual_seed(0), naive=True)[1])
    assert torch.equal(outs[0], outs[1]) and not torch.allclose(outs[0], ideal)
    f.write_text(json.dumps(crossbar_model_example(rows, error_model={
        "offsets": [[0]] * rows, "probs": [[1.0]] * rows, "mean": 0.0, "sigma": 0.0, "error_rate": 0.0})))
    with pytest.raises(ValueError, match="crossbar_model.json: error_model: .*need rows \\+ 1"):
        CrossbarErrors.load(f)


def test_ideal_crossbar_bit_equal_with_biases_and_batchnorm_statistics():
    """Bias after the dot product and a contiguous read-out: no 1-ulp drift into BatchNorm (was 9.5e-7 off)."""
    torch.manual_seed(0)
    m = build_model("lenet5", 1, 10, {"method": "scaledrop"}).eval()
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                mod.running_mean.normal_()
                mod.running_var.uniform_(0.5, 2.0)
            elif hasattr(mod, "alpha"):
                mod.bias.normal_()
                mod.alpha.uniform_(0.5, 1.5)
    x = torch.randn(16, 1, 28, 28)
    ref = predict(m, x)
    with crossbar_errors(m, CrossbarErrors.ideal(64)):
        assert torch.equal(predict(m, x), ref)
