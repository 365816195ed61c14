"""Integer XNOR-popcount path (issue 12 item 7): bit-equal to the float path of nn.binary on every model."""
import pytest
import torch
import torch.nn.functional as F

from nn.binary import BinaryConv2d, BinaryLinear
from nn.inject import CrossbarErrors, crossbar_errors
from nn.mc import mc_predict, predict
from nn.models import build_model
from nn.xnor_int import conv_dot, linear_dot, pack_bits, popcount, xnor_popcount

torch.set_num_threads(1)


def _randomize(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """Random biases, scales and BatchNorm statistics, so that no term of the float path is trivially 0 or 1."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (BinaryConv2d, BinaryLinear)):
                m.weight.copy_(torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(torch.randn(m.bias.shape, generator=g))
                m.alpha.copy_(0.5 + torch.rand(m.alpha.shape, generator=g))
            elif isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
                for t in (m.weight, m.bias, m.running_mean):
                    t.copy_(torch.randn(t.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
    return model.eval()


def test_popcount_and_packing_match_python():
    g = torch.Generator().manual_seed(0)
    v = torch.randint(-2 ** 62, 2 ** 62, (2000,), generator=g) * 2 + torch.randint(0, 2, (2000,), generator=g)
    v[:3] = torch.tensor([-1, 0, torch.iinfo(torch.int64).min])
    assert torch.equal(popcount(v), torch.tensor([bin(int(a) & (2 ** 64 - 1)).count("1") for a in v]))
    bits = torch.rand(3, 130, generator=g) > 0.5
    words = pack_bits(bits)
    assert words.shape == (3, 3)
    back = torch.stack([(words[:, i // 64] >> (i % 64)) & 1 for i in range(130)], 1).bool()
    assert torch.equal(back, bits)
    assert torch.equal(popcount(words).sum(1), bits.sum(1))


@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1)])
def test_integer_dot_equals_float_conv_and_linear(stride, padding):
    torch.manual_seed(1)
    conv = BinaryConv2d(7, 5, 3, stride, padding)
    x = torch.randn(3, 7, 9, 9)
    ref = F.conv2d(conv.effective_input(x), conv.effective_weight(), None, stride, padding)
    s = conv_dot(conv, x)
    assert s.dtype == torch.int64 and torch.equal(s.float(), ref)
    lin = BinaryLinear(150, 11)
    x = torch.randn(4, 150)
    assert torch.equal(linear_dot(lin, x).float(), F.linear(lin.effective_input(x), lin.effective_weight()))


@pytest.mark.parametrize("name,shape,seed", [("lenet5", (1, 28, 28), 0), ("vgg_small", (3, 32, 32), 1),
                                             ("resnet20", (3, 32, 32), 2)])
def test_integer_path_bit_equal_to_float_path(name, shape, seed):
    torch.manual_seed(seed)
    model = _randomize(build_model(name, shape[0], 10, {"method": "scaledrop"}), seed)
    x = torch.randn(3, *shape, generator=torch.Generator().manual_seed(seed))
    ref = predict(model, x)
    n_binary = sum(m.binary_input and m.binary_weights for m in model.modules()
                   if isinstance(m, (BinaryConv2d, BinaryLinear)))
    with xnor_popcount(model) as hooked:
        assert len(hooked) == n_binary > 0
        out = predict(model, x)
    assert torch.equal(out, ref)
    with crossbar_errors(model, CrossbarErrors.ideal(64)):       # the float crossbar model agrees too
        assert torch.equal(predict(model, x), ref)


def test_integer_path_in_mc_mode():
    model = _randomize(build_model("lenet5", 1, 10, {"method": "scaledrop"}), 3)
    x = torch.randn(5, 1, 28, 28)
    ref = mc_predict(model, x, 8, torch.Generator().manual_seed(4))[1]
    with xnor_popcount(model):
        out = mc_predict(model, x, 8, torch.Generator().manual_seed(4))[1]
    assert torch.equal(out, ref)
