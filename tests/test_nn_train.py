"""Training: a short MNIST run beats chance widely; checkpoint resume; one-line errors."""
import time

import pytest
import torch

import nn.train as tr
from nn.data import DataError
from nn.mc import predict
from nn.models import build_model

torch.set_num_threads(1)
TCFG = {"epochs": 2, "batch_size": 32, "lr": 0.01, "lr_schedule": "cosine", "lambda": 1e-5, "phi": 1e-5}


def test_short_mnist_training_beats_chance():
    t0 = time.time()
    train, test, info = tr.load_splits("mnist", n_train=6000, n_test=1000, seed=0)
    assert info["in_ch"] == 1 and len(info["mean"]) == 1 and train.x.dtype == torch.float32
    m = build_model("lenet5", 1, 10, {})
    hist = tr.fit(m, train, {**TCFG, "epochs": 3, "batch_size": 64}, seed=0, progress=False, device="cpu")
    acc = (predict(m, test.x).argmax(1) == test.y).float().mean().item()
    assert len(hist) == 3 and hist[-1]["train_acc"] > hist[0]["train_acc"] - 0.02
    assert acc > 0.85, acc
    assert time.time() - t0 < 60


def _synthetic(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    x = torch.randn(n, 1, 12, 12, generator=g) + y.view(-1, 1, 1, 1).float()
    return tr.Split(x, y)


def test_checkpoint_resume_matches_uninterrupted(tmp_path, monkeypatch):
    data = _synthetic()
    torch.manual_seed(0)
    full = build_model("lenet5", 1, 3, {})
    init = {k: v.clone() for k, v in full.state_dict().items()}
    tr.fit(full, data, TCFG, seed=1, ckpt=tmp_path / "a.pt", progress=False, device="cpu")

    real = tr.set_ede

    def crash_on_second_epoch(model, epoch, epochs):
        if epoch == 1:
            raise KeyboardInterrupt
        return real(model, epoch, epochs)
    part = build_model("lenet5", 1, 3, {})
    part.load_state_dict(init)
    monkeypatch.setattr(tr, "set_ede", crash_on_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        tr.fit(part, data, TCFG, seed=1, ckpt=tmp_path / "b.pt", progress=False, device="cpu")
    assert torch.load(tmp_path / "b.pt", weights_only=True)["epoch"] == 0
    monkeypatch.setattr(tr, "set_ede", real)
    seen = []
    monkeypatch.setattr(tr, "set_ede", lambda m, e, E: seen.append(e) or real(m, e, E))
    resumed = build_model("lenet5", 1, 3, {})  # fresh weights: everything must come from the checkpoint
    hist = tr.fit(resumed, data, TCFG, seed=1, ckpt=tmp_path / "b.pt", progress=False, device="cpu")
    assert seen == [1] and [h["epoch"] for h in hist] == [1, 2]
    a, b = full.state_dict(), resumed.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    seen.clear()  # a checkpoint written under another config key is not resumed
    tr.fit(build_model("lenet5", 1, 3, {}), data, TCFG, seed=1, ckpt=tmp_path / "a.pt", progress=False,
           device="cpu", ckpt_key="other-config")
    assert seen == [0, 1]


def test_unknown_dataset_one_line():
    with pytest.raises(DataError) as e:
        tr.load_splits("imagenet")
    assert "imagenet" in str(e.value) and "\n" not in str(e.value)


def test_saved_model_roundtrip(tmp_path):
    info = {"in_ch": 1, "mean": [0.1], "std": [0.3], "size": 12}
    m = build_model("lenet5", 1, 3, {"first_binary": False}).eval()
    torch.save({"state_dict": m.state_dict(), "meta": tr.model_meta("lenet5", {"first_binary": False}, info, 3)},
               tmp_path / "m.pt")
    m2, meta = tr.load_model(tmp_path / "m.pt")
    x = torch.randn(4, 1, 12, 12)
    assert torch.equal(m(x), m2(x)) and meta["mean"] == [0.1]


def test_augment_options_change_batches_deterministically():
    x = torch.randn(8, 3, 16, 16)
    for aug in ({"crop_padding": 4}, {"hflip": True}, {"resized_crop_min_scale": 0.5}):
        a = tr._augment(x, aug, torch.Generator().manual_seed(0))
        b = tr._augment(x, aug, torch.Generator().manual_seed(0))
        assert a.shape == x.shape and torch.equal(a, b) and not torch.equal(a, x)
    assert torch.equal(tr._augment(x, {}, torch.Generator()), x)
