"""Segmentation (issue 7): PACT quantizer, U-Net/SegNet shapes, MC with p = 0, metric formulas, data errors,
and a short real training on the nuclei patches."""
import numpy as np
import pytest
import torch

from nn.data.errors import DataError
from nn.seg.data import load_seg_data
from nn.seg.metrics import confusion, seg_scores, uncertainty_error_scores, pixel_uncertainty
from nn.seg.models import METHODS, build_seg_model
from nn.seg.pact import PACT, pact_quantize
from nn.seg.train import fit_seg, mc_uncertainty, predict_fg

torch.set_num_threads(1)
TINY = {"width": 4, "depth": 2}


def test_pact_has_16_levels_in_0_clip_and_clip_gradient():
    x = torch.linspace(-1.0, 3.0, 10001, requires_grad=True)
    clip = torch.tensor(2.0, requires_grad=True)
    y = pact_quantize(x, clip, 4)
    levels = torch.unique(y.detach())
    assert len(levels) == 16
    assert torch.allclose(levels, torch.linspace(0, 2.0, 16), atol=1e-6)
    y.sum().backward()
    # STE: d/dx = 1 inside [0, clip), 0 outside; d/dclip = number of inputs >= clip
    inside = (x.detach() >= 0) & (x.detach() < 2.0)
    assert torch.equal(x.grad, inside.float())
    assert clip.grad.item() == pytest.approx(float((x.detach() >= 2.0).sum()))
    act = PACT(bits=4, init=1.5)
    act(torch.randn(4, 3, 5, 5) * 3).sum().backward()
    assert act.alpha.grad is not None and act.alpha.grad.item() > 0


@pytest.mark.parametrize("topology", ["unet", "segnet"])
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("size", [(32, 32), (21, 30)])
def test_output_shape_equals_input_shape(topology, method, size):
    net = build_seg_model(topology, method, 3, TINY).eval()
    out = net(torch.rand(2, 3, *size))
    assert out.shape == (2, 2, *size)


def test_binary_models_use_binary_weights_and_4bit_activations():
    net = build_seg_model("unet", "scaledrop", 1, TINY)
    acts = []
    for m in net.modules():
        if isinstance(m, PACT):
            m.register_forward_hook(lambda mod, i, o: acts.append((o.detach(), mod.alpha.detach())))
    net(torch.randn(2, 1, 16, 16))
    for o, a in acts:
        q = o / (a / 15)
        assert torch.allclose(q, q.round(), atol=1e-4) and o.min() >= 0 and o.max() <= a + 1e-6
    from nn.binary import scaled_layers
    hidden = [m for m in scaled_layers(net) if m.binary_weights]
    assert len(hidden) == len(scaled_layers(net)) - 2  # first and last layers full precision
    assert sum(m.dropout is not None for m in scaled_layers(net)) > 0


@pytest.mark.parametrize("method", METHODS)
def test_mc_with_p0_equals_deterministic(method):
    cfg = {**TINY, "scale_dropout": {"p": 0.0}, "spindrop": {"p": 0.0}, "mcdropout": {"p": 0.0}}
    torch.manual_seed(0)
    net = build_seg_model("unet", method, 1, cfg)
    net.train()
    net(torch.randn(4, 1, 16, 16))  # non-trivial BatchNorm running stats
    x = torch.randn(3, 1, 16, 16)
    unc = mc_uncertainty(net, x, T=4)
    assert np.allclose(unc["mean"], predict_fg(net, x), atol=1e-6)
    assert np.abs(unc["variance"]).max() < 1e-10
    # and with the default p the MC samples do differ
    net = build_seg_model("unet", method, 1, TINY)
    for m in net.modules():  # trained-like scales (alpha = 1 makes the unitary replacement a no-op)
        if hasattr(m, "alpha") and m.alpha.dim() == 1:
            m.alpha.data.uniform_(0.5, 2.0)
    assert mc_uncertainty(net, x, T=4)["variance"].max() > 1e-8


def test_metric_formulas_on_hand_made_masks():
    gt = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    prob = np.zeros((4, 4))
    prob[0, :3] = 0.9          # TP (0,0),(0,1); FP (0,2)
    prob[1, 0] = 0.6           # TP (1,0); FN (1,1)
    prob[3, 3] = 0.4           # below threshold: TN
    assert confusion(prob >= 0.5, gt) == {"tp": 3, "fp": 1, "tn": 11, "fn": 1}
    s = seg_scores(prob, gt)
    assert s["pixel_acc"] == pytest.approx(14 / 16)
    assert s["iou"] == pytest.approx(3 / 5)
    assert s["f1"] == pytest.approx(6 / 8)
    assert s["sensitivity"] == pytest.approx(3 / 4)
    assert s["specificity"] == pytest.approx(11 / 12)
    assert s["precision"] == pytest.approx(3 / 4)
    # AUC: positives {0.9, 0.9, 0.6, 0}, negatives {0.9, 0.4, 0 x 10}: pairs won + ties/2 over 4 * 12
    pos, neg = np.array([0.9, 0.9, 0.6, 0.0]), np.array([0.9, 0.4] + [0.0] * 10)
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    assert s["auc"] == pytest.approx(wins / 48)
    empty = seg_scores(np.zeros((4, 4)), gt)  # all-background prediction
    assert empty["iou"] == 0 and np.isnan(empty["precision"]) and empty["pixel_acc"] == pytest.approx(12 / 16)


def test_uncertainty_scores_rank_wrong_pixels():
    gt = np.array([[1, 0, 0, 1]])
    samples = np.array([[[0.9, 0.1, 0.2, 0.1]], [[0.8, 0.2, 0.3, 0.6]], [[0.95, 0.1, 0.1, 0.2]]])  # T=3
    unc = pixel_uncertainty(samples)
    assert np.allclose(unc["mean"], samples.mean(0))
    m = samples.mean(0)
    assert np.allclose(unc["variance"], 2 * samples.var(0))  # Eq. 21 summed over the two classes
    assert np.allclose(unc["entropy"], -(m * np.log(m) + (1 - m) * np.log(1 - m)))
    e = uncertainty_error_scores(unc, gt)  # wrong pixel: the last (mean 0.3 vs gt 1)
    assert e["error_rate"] == pytest.approx(0.25)
    assert e["unc_auroc_entropy"] == pytest.approx(1.0)
    e_bad = uncertainty_error_scores({**unc, "entropy": -unc["entropy"]}, gt)
    assert e_bad["unc_auroc_entropy"] == pytest.approx(0.0)


def test_short_training_on_nuclei_beats_all_background():
    xtr, ytr, xte, yte, info = load_seg_data({"dataset": "nuclei", "patch": 32}, None, 0)
    torch.manual_seed(0)
    net = build_seg_model("unet", "scaledrop", 1, {"width": 8, "depth": 2})
    fit_seg(net, xtr, ytr, {"epochs": 3, "batch_size": 32, "lr": 3e-3}, 0, progress=False)
    unc = mc_uncertainty(net, xte, T=5)
    s = seg_scores(unc["mean"], yte.numpy())
    background = seg_scores(np.zeros(yte.shape), yte.numpy())
    assert background["iou"] == 0.0
    assert s["iou"] > 0.5, s
    assert s["pixel_acc"] > background["pixel_acc"] + 0.05, (s, background)


def test_checkpoint_resume_gives_same_weights(tmp_path, monkeypatch):
    import os
    import types

    import nn.seg.train as T

    xtr, ytr, *_ = load_seg_data({"dataset": "nuclei", "patch": 32}, None, 0)
    xtr, ytr = xtr[:16], ytr[:16]
    tcfg = {"epochs": 2, "batch_size": 8, "lr": 1e-3}

    def fresh():
        torch.manual_seed(0)
        return build_seg_model("unet", "scaledrop", 1, TINY)

    full = fresh()
    fit_seg(full, xtr, ytr, tcfg, 0, progress=False)

    def interrupt(src, dst):  # write the epoch-1 checkpoint, then die
        os.replace(src, dst)
        raise KeyboardInterrupt

    ck = tmp_path / "ck.pt"
    monkeypatch.setattr(T, "os", types.SimpleNamespace(replace=interrupt))
    with pytest.raises(KeyboardInterrupt):
        fit_seg(fresh(), xtr, ytr, tcfg, 0, ckpt=ck, ckpt_key="k", progress=False)
    monkeypatch.undo()
    assert torch.load(ck, weights_only=True)["epoch"] == 0
    resumed = fresh()
    hist = fit_seg(resumed, xtr, ytr, tcfg, 0, ckpt=ck, ckpt_key="k", progress=False)
    assert [h["epoch"] for h in hist] == [1, 2]
    a, b = full.state_dict(), resumed.state_dict()
    assert all(torch.allclose(a[k].float(), b[k].float()) for k in a)


def test_user_layout_without_mask_is_rejected_with_clear_error(tmp_path):
    from PIL import Image

    d = tmp_path / "busi" / "benign"
    d.mkdir(parents=True)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(d / "a.png")
    Image.fromarray(np.full((8, 8), 255, np.uint8)).save(d / "a_mask.png")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(d / "b.png")  # no b_mask.png
    with pytest.raises(DataError, match=r"b\.png: image without mask"):
        load_seg_data({"dataset": "busi", "size": 8}, tmp_path, 0)
    with pytest.raises(DataError, match="config.data_dir"):
        load_seg_data({"dataset": "busi"}, None, 0)
