"""Model conversion (issue 16 item 1): ordinary torch.nn.Module -> Scale-Dropout BNN."""
import pytest
import torch
from torch import nn

from nn.binary import BinaryConv2d, BinaryLinear, scaled_layers
from nn.convert import float_model, to_scale_dropout_bnn
from nn.mc import mc_predict, predict
from nn.models import build_model
from nn.scaledrop import dropout_layers

torch.set_num_threads(1)


class UserBlock(nn.Module):
    """torchvision-style BasicBlock (bias-free convs, ReLU after the residual add)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + self.downsample(x))


def user_resnet():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), UserBlock(8, 16, 2),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def _randomize_state(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (BinaryConv2d, BinaryLinear)):
                m.alpha.copy_(0.5 + torch.rand(m.alpha.shape, generator=g))
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


def test_converted_lenet5_is_build_model_bit_equal():
    torch.manual_seed(0)
    src = float_model("lenet5", 1, 10)
    conv = to_scale_dropout_bnn(src, full_precision=())
    _randomize_state(conv, 1)
    built = build_model("lenet5", 1, 10, {"method": "scaledrop"})
    built.load_state_dict(conv.state_dict())                   # same keys and shapes: same structure
    assert torch.equal(conv[0].weight, src[0].weight) and conv[0].bias is not src[0].bias
    def table(m):
        return [(d.index, d.p, d.mode) for d in dropout_layers(m)]
    assert table(conv) == table(built)
    x = torch.randn(16, 1, 28, 28)
    assert torch.equal(predict(conv, x), predict(built, x))
    assert torch.equal(mc_predict(conv, x, 6, torch.Generator().manual_seed(2))[1],
                       mc_predict(built, x, 6, torch.Generator().manual_seed(2))[1])
    conv.train(), built.train()
    torch.manual_seed(3)
    a = conv(x)
    torch.manual_seed(3)
    assert torch.equal(a, built(x))                              # training pass: same masks, same output


@pytest.mark.parametrize("make,n_layers", [(lambda: float_model("lenet5", 1, 10), 5), (user_resnet, 5),
                                           (lambda: float_model("resnet20", 3, 10), 22)])
def test_module_counts(make, n_layers):
    src = make()
    assert sum(type(m) in (nn.Conv2d, nn.Linear) for m in src.modules()) == n_layers
    for fp, n_fp in (((), 0), (("first", "last"), 2)):
        conv = to_scale_dropout_bnn(src, full_precision=fp)
        assert len(scaled_layers(conv)) == len(dropout_layers(conv)) == n_layers - n_fp
        assert sum(type(m) in (nn.Conv2d, nn.Linear) for m in conv.modules()) == n_fp
        assert [d.index for d in dropout_layers(conv)] == list(range(n_layers - n_fp))
    assert sum(type(m) in (nn.Conv2d, nn.Linear) for m in src.modules()) == n_layers   # source untouched
    assert not any(isinstance(m, nn.ReLU) for m in to_scale_dropout_bnn(src).modules())


@pytest.mark.parametrize("make,naive", [(lambda: float_model("lenet5", 1, 10), False), (user_resnet, True)])
def test_p0_equals_the_deterministic_pass(make, naive):
    torch.manual_seed(0)
    conv = to_scale_dropout_bnn(make(), p=0.0, mode="random")
    _randomize_state(conv, 4)
    x = torch.randn(8, 1, 28, 28)
    ref = predict(conv, x)
    mc = mc_predict(conv, x, 5, torch.Generator().manual_seed(0), naive=naive)[1]
    assert all(torch.equal(mc[t], ref) for t in range(5))
    for d in dropout_layers(conv):                              # the check can fail: p > 0 changes the samples
        d.p = 0.5
    mc = mc_predict(conv, x, 5, torch.Generator().manual_seed(0), naive=naive)[1]
    assert sum(not torch.allclose(mc[t], ref) for t in range(5)) >= 3


def test_user_resnet_trains_and_keeps_its_structure():
    torch.manual_seed(0)
    conv = to_scale_dropout_bnn(user_resnet(), p=0.2)
    block = conv[3]
    assert isinstance(block, UserBlock) and isinstance(block.conv1, BinaryConv2d) and not block.conv1.bias
    assert isinstance(conv[0], nn.Conv2d) and isinstance(conv[-1], nn.Linear)      # first/last full precision
    assert isinstance(block.bn1, nn.BatchNorm2d) and isinstance(block.relu, nn.Identity)
    x, y = torch.randn(16, 1, 12, 12), torch.randint(0, 10, (16,))
    opt = torch.optim.Adam(conv.parameters(), 1e-2)
    losses = []
    for _ in range(15):
        loss = nn.functional.cross_entropy(conv(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert block.conv1.alpha.grad is not None and block.conv1.weight.grad.abs().sum() > 0
    assert losses[-1] < losses[0]


def test_bad_input_names_the_field():
    m = nn.Sequential(nn.Conv2d(4, 8, 3), nn.Conv2d(8, 8, 3, groups=2), nn.Flatten(), nn.Linear(8, 2))
    with pytest.raises(ValueError, match=r"layer '1' \(Conv2d\): groups=2"):
        to_scale_dropout_bnn(m)
    assert len(scaled_layers(to_scale_dropout_bnn(m, full_precision=["first", "1", "last"]))) == 0
    with pytest.raises(ValueError, match="full_precision entry 'fc'"):
        to_scale_dropout_bnn(m, full_precision=["fc"])
    with pytest.raises(ValueError, match="p must be"):
        to_scale_dropout_bnn(m, p=1.5)
    with pytest.raises(ValueError, match="unknown mode"):
        to_scale_dropout_bnn(m, mode="dropall")
    with pytest.raises(ValueError, match="no nn.Conv2d or nn.Linear"):
        to_scale_dropout_bnn(nn.Sequential(nn.ReLU()))
