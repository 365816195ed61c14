"""nn.data: exact round trips of the on-disk formats, real MNIST/Fashion/foolbox data, errors, transforms."""
import gzip
import pickle
import struct

import numpy as np
import pytest
import torch

from nn.data import DataError, load_dataset
from nn.data import loader, ood, readers, transforms as T

torch.set_num_threads(1)


def write_idx(path, arr):
    """ubyte idx: magic 00 00 08 <ndim>, big-endian dims, raw data."""
    arr = np.asarray(arr, np.uint8)
    path.write_bytes(struct.pack(">BBBB", 0, 0, 0x08, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
                     + arr.tobytes())
    return path


def patterned(n, c, h, w, seed=0):
    """Distinct asymmetric uint8 images."""
    return np.random.default_rng(seed).integers(0, 256, (n, c, h, w), dtype=np.uint8)


def one_line(exc_info, *needles):
    msg = str(exc_info.value)
    assert "\n" not in msg
    for s in needles:
        assert str(s) in msg, msg
    return msg


# ---------------------------------------------------------------- idx / MNIST
def test_idx_roundtrip_through_load_dataset(tmp_path, monkeypatch):
    imgs, labs = patterned(3, 1, 5, 4)[:, 0], np.array([7, 0, 9], np.uint8)
    d = tmp_path / "mnist-data"
    d.mkdir()
    write_idx(d / "t10k-images-idx3-ubyte", imgs)
    write_idx(d / "t10k-labels-idx1-ubyte", labs)
    monkeypatch.setenv("SCALEDROP_CACHE", str(tmp_path))
    ds = load_dataset("mnist", "test")
    assert ds.x.dtype == torch.uint8 and ds.y.dtype == torch.int64
    assert ds.x.shape == (3, 1, 5, 4)
    assert np.array_equal(ds.x[:, 0].numpy(), imgs) and ds.y.tolist() == [7, 0, 9]


def test_gzipped_idx(tmp_path):
    arr = patterned(2, 1, 3, 6)[:, 0]
    p = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(p, "wb") as f:
        f.write(struct.pack(">BBBBIII", 0, 0, 8, 3, 2, 3, 6) + arr.tobytes())
    assert np.array_equal(readers.read_idx(p), arr)
    p.write_bytes(p.read_bytes()[:-12])  # cut the gzip stream
    with pytest.raises(DataError) as e:
        readers.read_idx(p)
    one_line(e, p)


def test_idx_errors(tmp_path):
    p = write_idx(tmp_path / "train-images-idx3-ubyte", patterned(4, 1, 28, 28)[:, 0])
    p.write_bytes(p.read_bytes()[:1000])
    with pytest.raises(DataError) as e:
        readers.read_idx(p)
    one_line(e, p, "truncated", "expected 3152 bytes, got 1000")
    p.write_bytes(b"\x00\x00\x99\x03" + bytes(100))
    with pytest.raises(DataError) as e:
        readers.read_idx(p)
    one_line(e, p, "magic")
    lab = write_idx(tmp_path / "labels", np.array([1, 2], np.uint8))
    img = write_idx(tmp_path / "images", patterned(3, 1, 2, 2)[:, 0])
    with pytest.raises(DataError) as e:
        readers.read_idx_pair(img, lab)
    one_line(e, "2 labels for 3 images")
    with pytest.raises(DataError) as e:
        readers.read_idx(tmp_path / "nope")
    one_line(e, tmp_path / "nope", "missing")


def test_real_mnist_test_split():
    ds = load_dataset("mnist", "test")
    assert ds.x.shape == (10000, 1, 28, 28) and ds.x.dtype == torch.uint8
    assert int(ds.y.min()) == 0 and int(ds.y.max()) == 9
    counts = torch.bincount(ds.y, minlength=10)
    assert counts.min() > 800 and counts.max() < 1200
    assert 20 < ds.x.float().mean() < 50  # mostly black background, white strokes


def test_real_fashion_mnist_and_samples():
    ds = load_dataset("fashion_mnist", "test")
    assert ds.x.shape == (10000, 1, 28, 28) and torch.bincount(ds.y).tolist() == [1000] * 10
    assert ds.classes[9] == "Ankle boot"
    s = load_dataset("cifar10_samples", "test")
    assert s.x.shape == (20, 3, 32, 32) and s.x.dtype == torch.uint8
    assert s.y[:3].tolist() == [3, 8, 8]  # cifar10_00_3.png, cifar10_01_8.png, cifar10_02_8.png
    assert s.x.float().std() > 20  # real photos, not blank


def test_digits_upscaled():
    ds = load_dataset("digits", "test")
    assert ds.x.shape[1:] == (1, 28, 28) and len(ds) == 360 and ds.x.max() > 200


# ---------------------------------------------------------------- CIFAR-10 pickles
def write_cifar(root, n_train=2, n_test=3):
    d = root / "cifar-10-batches-py"
    d.mkdir(parents=True)
    data = {}
    for k, name in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
        n = n_test if name == "test_batch" else n_train
        x = patterned(n, 3, 32, 32, seed=k).reshape(n, 3072)
        y = [(k + i) % 10 for i in range(n)]
        with open(d / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"data": x, b"labels": y,
                         b"filenames": [b"f%d.png" % i for i in range(n)]}, f, protocol=2)
        data[name] = (x, y)
    with open(d / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [b"c%d" % i for i in range(10)], b"num_vis": 3072}, f, protocol=2)
    return d, data


def test_cifar10_roundtrip(tmp_path):
    d, data = write_cifar(tmp_path)
    tr = load_dataset("cifar10", "train", data_dir=tmp_path)
    assert tr.x.shape == (10, 3, 32, 32) and tr.classes == [f"c{i}" for i in range(10)]
    x1, y1 = data["data_batch_2"]
    # CIFAR rows are 1024 R, then G, then B values, each row-major 32 x 32
    assert tr.x[2, 1, 5, 7] == x1[0, 1024 + 5 * 32 + 7] and tr.x[3, 2, 31, 0] == x1[1, 2048 + 31 * 32]
    assert tr.y[2:4].tolist() == y1
    te = load_dataset("cifar10", "test", data_dir=str(tmp_path))
    assert np.array_equal(te.x.reshape(3, 3072).numpy(), data["test_batch"][0])


def test_cifar10_corrupt_and_malicious_pickles(tmp_path):
    d, _ = write_cifar(tmp_path)
    (d / "test_batch").write_bytes(b"\x80\x02}q\x00(garbage")
    with pytest.raises(DataError) as e:
        load_dataset("cifar10", "test", data_dir=tmp_path)
    one_line(e, d / "test_batch", "corrupt pickle")

    class Evil:
        def __reduce__(self):
            return (eval, ("1+1",))

    (d / "test_batch").write_bytes(pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2))
    with pytest.raises(DataError) as e:
        load_dataset("cifar10", "test", data_dir=tmp_path)
    one_line(e, "disallowed global", "eval")


# ---------------------------------------------------------------- SVHN / STL-10
def test_svhn_roundtrip_label_10_is_zero(tmp_path):
    from scipy.io import savemat

    (tmp_path / "svhn").mkdir()
    imgs = patterned(4, 3, 32, 32)
    savemat(tmp_path / "svhn" / "test_32x32.mat",
            {"X": imgs.transpose(2, 3, 1, 0), "y": np.array([[10], [1], [5], [9]], np.uint8)})
    ds = load_dataset("svhn", "test", data_dir=tmp_path)
    assert ds.y.tolist() == [0, 1, 5, 9]
    assert np.array_equal(ds.x.numpy(), imgs)


def test_stl10_column_major_comes_back_upright(tmp_path):
    d = tmp_path / "stl10_binary"
    d.mkdir()
    small = patterned(2, 3, 32, 32)
    small[0, :, :4, :] = 255  # bright top rows: not symmetric under transposition
    small[0, :, 4:, :4] = 0
    big = np.kron(small, np.ones((1, 1, 3, 3), np.uint8))  # 96 x 96, constant 3x3 blocks
    # official format: per image, per channel, the 96 x 96 array in column-major (Fortran) order
    raw = b"".join(big[i, c].ravel(order="F").tobytes() for i in range(2) for c in range(3))
    (d / "test_X.bin").write_bytes(raw)
    (d / "test_y.bin").write_bytes(bytes([10, 1]))
    ds = load_dataset("stl10", "test", data_dir=tmp_path)
    assert ds.x.shape == (2, 3, 32, 32) and ds.y.tolist() == [9, 0]
    assert np.array_equal(ds.x.numpy(), small)
    assert (ds.x[0, :, :4] == 255).all() and not (ds.x[0, :, :, :4] == 255).all()
    (d / "test_X.bin").write_bytes(raw[:-5])
    with pytest.raises(DataError) as e:
        load_dataset("stl10", "test", data_dir=tmp_path)
    one_line(e, d / "test_X.bin", "truncated")


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("name,sub", [("cifar10", "cifar-10-batches-py"), ("svhn", "svhn"), ("stl10", "stl10_binary")])
def test_missing_data_dir(tmp_path, name, sub):
    with pytest.raises(DataError) as e:
        load_dataset(name, "test")
    one_line(e, f"{name} needs data_dir", sub)
    with pytest.raises(DataError) as e:
        load_dataset(name, "test", data_dir=tmp_path)
    one_line(e, tmp_path / sub)


def test_unknown_name_split_and_missing_file(tmp_path):
    with pytest.raises(DataError) as e:
        load_dataset("imagenet", "test")
    one_line(e, "'imagenet'", "mnist")
    with pytest.raises(DataError) as e:
        load_dataset("mnist", "val")
    one_line(e, "'val'")
    (tmp_path / "svhn").mkdir()
    with pytest.raises(DataError) as e:
        load_dataset("svhn", "train", data_dir=tmp_path)
    one_line(e, tmp_path / "svhn" / "train_32x32.mat", "missing")


# ---------------------------------------------------------------- transforms
def test_crop_and_flip():
    x = torch.from_numpy(patterned(16, 3, 8, 8))
    g = torch.Generator().manual_seed(1)
    c = T.random_crop(x, 8, 2, g)
    assert c.shape == x.shape and c.dtype == x.dtype
    padded = torch.nn.functional.pad(x, (2,) * 4)
    offsets = [next((i, j) for i in range(5) for j in range(5) if torch.equal(c[k], padded[k, :, i:i + 8, j:j + 8]))
               for k in range(16)]
    assert len(set(offsets)) > 3
    assert torch.equal(T.random_crop(x, 8, 2, torch.Generator().manual_seed(1)), c)  # deterministic
    assert torch.equal(T.random_crop(x, 8, 0, g), x)
    f = T.random_hflip(x, torch.Generator().manual_seed(3))
    flipped = [torch.equal(f[k], x[k].flip(-1)) for k in range(16)]
    assert all(flipped[k] or torch.equal(f[k], x[k]) for k in range(16)) and 0 < sum(flipped) < 16
    assert torch.equal(T.random_hflip(f, torch.Generator().manual_seed(3)), x)


def test_random_resized_crop():
    x = torch.from_numpy(patterned(6, 3, 16, 16))
    g = torch.Generator().manual_seed(0)
    out = T.random_resized_crop(x, 12, gen=g)
    assert out.shape == (6, 3, 12, 12) and out.dtype == torch.uint8
    assert torch.equal(T.random_resized_crop(x, 16, scale=(1, 1), ratio=(1, 1), gen=g), x)
    xf = T.to_float(x)
    assert T.random_resized_crop(xf, (8, 10), gen=g).shape == (6, 3, 8, 10)


def test_rotate():
    x = torch.arange(3 * 25, dtype=torch.float32).reshape(1, 3, 5, 5)
    assert torch.allclose(T.rotate(x, 0), x)
    assert torch.allclose(T.rotate(x, 90), torch.rot90(x, 1, dims=(-2, -1)), atol=1e-4)  # counter-clockwise
    assert not torch.allclose(T.rotate(x, 90), torch.rot90(x, -1, dims=(-2, -1)))
    u = torch.from_numpy(patterned(2, 1, 6, 6))
    r = T.rotate(u, torch.tensor([0.0, 180.0]))
    assert r.dtype == torch.uint8 and torch.equal(r[0], u[0]) and torch.equal(r[1], u[1].flip(-1, -2))


def test_channel_stats_and_normalize():
    x = torch.empty(4, 3, 5, 5, dtype=torch.uint8)
    x[:, 0], x[:, 1], x[:, 2] = 51, 102, 255
    mean, std = T.channel_stats(x)
    assert torch.allclose(mean, torch.tensor([0.2, 0.4, 1.0])) and torch.allclose(std, torch.zeros(3), atol=1e-6)
    r = torch.from_numpy(patterned(50, 3, 8, 8))
    mean, std = T.channel_stats(r, chunk=7)
    ref = T.to_float(r).transpose(0, 1).reshape(3, -1)
    assert torch.allclose(mean, ref.mean(1), atol=1e-6) and torch.allclose(std, ref.std(1, unbiased=False), atol=1e-6)
    z = T.normalize(T.to_float(r), mean, std).transpose(0, 1).reshape(3, -1)
    assert torch.allclose(z.mean(1), torch.zeros(3), atol=1e-5) and torch.allclose(z.std(1), torch.ones(3), atol=1e-3)


# ---------------------------------------------------------------- OOD and batching
def test_ood_sets():
    g = torch.Generator().manual_seed(0)
    d1, d2 = ood.gaussian_noise(100, (3, 8, 8), g), ood.uniform_noise(100, (3, 8, 8), g)
    assert d1.shape == d2.shape == (100, 3, 8, 8)
    assert abs(d1.mean()) < 0.05 and abs(d1.std() - 1) < 0.05 and d2.min() >= 0 and d2.max() < 1
    x = T.to_float(torch.from_numpy(patterned(10, 3, 8, 8)))
    assert torch.equal(ood.add_gaussian_noise(x, 0.0, g), x)
    d3, d4 = ood.add_gaussian_noise(x, 0.5, g), ood.add_uniform_noise(x, 0.1, g)
    assert d3.min() >= 0 and d3.max() <= 1 and (d3 - x).abs().max() > 0.3
    assert (d4 - x).abs().max() <= 0.1 + 1e-6 and (d4 - x).abs().mean() > 0.02
    shift = ood.add_uniform_noise(torch.full((1000,), 0.5), 0.1, g) - 0.5  # U(-0.1, 0.1): symmetric
    assert shift.min() < -0.09 and shift.max() > 0.09 and abs(shift.mean()) < 0.01
    c = ood.crops_ood(8, 32, 3, g)
    assert c.shape == (8, 3, 32, 32) and c.dtype == torch.uint8 and c.float().std() > 10
    assert ood.crops_ood(2, 16, 1, g).shape == (2, 1, 16, 16)


def test_batches_and_subset():
    x, y = torch.arange(10).view(10, 1).float(), torch.arange(10)
    seen = [b for b in loader.batches(x, y, 4, shuffle=True, gen=torch.Generator().manual_seed(0))]
    assert [len(b[1]) for b in seen] == [4, 4, 2]
    order = torch.cat([b[1] for b in seen])
    assert sorted(order.tolist()) == list(range(10)) and order.tolist() != list(range(10))
    assert all(torch.equal(bx[:, 0].long(), by) for bx, by in seen)
    plain = [b[1].tolist() for b in loader.batches(x, y, 4, shuffle=False, drop_last=True)]
    assert plain == [[0, 1, 2, 3], [4, 5, 6, 7]]
    with pytest.raises(ValueError):
        next(loader.batches(x, y, 4, shuffle=True))
    ds = load_dataset("cifar10_samples", "test")
    a, b, c = loader.subset(ds, 5, seed=1), loader.subset(ds, 5, seed=1), loader.subset(ds, 5, seed=2)
    assert len(a) == 5 and torch.equal(a.x, b.x) and not torch.equal(a.x, c.x)
    k = next(i for i in range(20) if torch.equal(ds.x[i], a.x[0]))
    assert a.y[0] == ds.y[k]
