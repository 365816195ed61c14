"""nn.data.segmentation: stardist nuclei patches (real + synthetic split check) and image/mask layouts."""
import numpy as np
import pytest
import tifffile
import torch
from PIL import Image

from nn.data import DataError
from nn.data.segmentation import find_pairs, load_nuclei, load_pairs

torch.set_num_threads(1)


def test_real_nuclei_patches():
    xtr, ytr = load_nuclei(patch=64, seed=0)
    xte, yte = load_nuclei(patch=64, split="test")
    assert xtr.shape == (165, 1, 64, 64) and ytr.shape == (165, 64, 64)  # 15 x 11 at stride 32 in 512 x 384
    assert xte.shape == (16, 1, 64, 64) and yte.dtype == torch.int64 and xte.dtype == torch.float32
    assert set(torch.unique(ytr).tolist()) == {0, 1}
    assert 0.05 < ytr.float().mean() < 0.5 and xtr.min() >= 0 and xtr.max() <= 1
    # nuclei are bright: foreground intensity above background
    assert xtr[:, 0][ytr == 1].mean() > xtr[:, 0][ytr == 0].mean() + 0.1
    x2, _ = load_nuclei(patch=64, seed=0)
    x3, _ = load_nuclei(patch=64, seed=1)
    assert torch.equal(xtr, x2) and not torch.equal(xtr, x3)


def test_nuclei_split_is_spatially_disjoint(tmp_path, monkeypatch):
    d = tmp_path / "stardist" / "images"
    d.mkdir(parents=True)
    img = np.random.default_rng(0).integers(0, 200, (64, 64)).astype(np.uint16)
    mask = np.zeros((64, 64), np.uint16)
    mask[:, 48:] = np.arange(1, 17)  # instance labels only in the right quarter
    tifffile.imwrite(d / "img2d.tif", img)
    tifffile.imwrite(d / "mask2d.tif", mask)
    monkeypatch.setenv("SCALEDROP_CACHE", str(tmp_path))
    xtr, ytr = load_nuclei(patch=16)
    xte, yte = load_nuclei(patch=16, split="test")
    assert len(xtr) == 7 * 5 and len(xte) == 4 * 1
    assert ytr.sum() == 0 and bool((yte == 1).all())


def save(path, arr):
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".tif":
        tifffile.imwrite(path, arr)
    else:
        Image.fromarray(arr).save(path)


def half_mask(h=20, w=30, value=255):
    m = np.zeros((h, w), np.uint8)
    m[:, : w // 2] = value
    return m


def rgb(h=20, w=30, color=(200, 100, 50)):
    return np.broadcast_to(np.array(color, np.uint8), (h, w, 3)).copy()


def make_layout(root, layout):
    """Two cases per layout; returns the path of one image, to delete its mask in the error test."""
    if layout == "ph2":
        for c in ("IMD002", "IMD003"):
            save(root / c / f"{c}_Dermoscopic_Image" / f"{c}.bmp", rgb())
            save(root / c / f"{c}_lesion" / f"{c}_lesion.bmp", half_mask())
        return root / "IMD003" / "IMD003_lesion" / "IMD003_lesion.bmp", "IMD003.bmp"
    if layout == "isic":
        for c in ("ISIC_0000000", "ISIC_0000001"):
            save(root / "ISIC2018_Task1-2_Training_Input" / f"{c}.jpg", rgb())
            save(root / "ISIC2018_Task1_Training_GroundTruth" / f"{c}_segmentation.png", half_mask())
        return root / "ISIC2018_Task1_Training_GroundTruth" / "ISIC_0000001_segmentation.png", "ISIC_0000001.jpg"
    if layout == "busi":
        save(root / "benign" / "benign (1).png", rgb()[:, :, 0])
        save(root / "benign" / "benign (1)_mask.png", half_mask())
        extra = np.zeros((20, 30), np.uint8)
        extra[:, 15:20] = 255  # a second lesion mask: union with the first
        save(root / "benign" / "benign (1)_mask_1.png", extra)
        save(root / "malignant" / "malignant (1).png", rgb()[:, :, 0])
        save(root / "malignant" / "malignant (1)_mask.png", half_mask())
        return root / "malignant" / "malignant (1)_mask.png", "malignant (1).png"
    for c in ("a.png", "b.tif"):  # covid_ct: PNG and TIFF, multi-class masks -> foreground
        save(root / "images" / c, rgb()[:, :, 0])
        save(root / "masks" / c, half_mask(value=2))
    return root / "masks" / "b.tif", "b.tif"


@pytest.mark.parametrize("layout,channels", [("ph2", 3), ("isic", 3), ("busi", 1), ("covid_ct", 1)])
def test_layout_roundtrip_and_missing_mask(tmp_path, layout, channels):
    mask_file, image_name = make_layout(tmp_path, layout)
    x, y = load_pairs(tmp_path, layout, size=16)
    assert x.shape == (2, channels, 16, 16) and x.dtype == torch.float32
    assert y.shape == (2, 16, 16) and y.dtype == torch.int64
    expect = torch.zeros(16, 16, dtype=torch.int64)
    expect[:, :8] = 1
    if layout == "busi":  # union with benign (1)_mask_1.png: columns 15..19 of 30 -> 8..10 of 16
        assert torch.equal(y[1], expect) and bool((y[0][:, :10] == 1).all()) and y[0][:, 11:].sum() == 0
    else:
        assert torch.equal(y[0], expect) and torch.equal(y[1], expect)
    ref = torch.tensor([200, 100, 50][:channels], dtype=torch.float32) / 255
    assert torch.allclose(x.mean(dim=(0, 2, 3)), ref, atol=0.02)  # constant colour (JPEG: lossy)
    mask_file.unlink()
    with pytest.raises(DataError) as e:
        load_pairs(tmp_path, layout, size=16)
    msg = str(e.value)
    assert image_name in msg and "without mask" in msg and "\n" not in msg


def test_layout_errors(tmp_path):
    with pytest.raises(DataError, match="unknown segmentation layout 'kvasir'"):
        find_pairs(tmp_path, "kvasir")
    with pytest.raises(DataError, match="no busi image/mask pairs"):
        find_pairs(tmp_path, "busi")
    with pytest.raises(DataError, match="missing directory"):
        find_pairs(tmp_path / "absent", "isic")


def test_sixteen_bit_ct_png_is_not_clipped(tmp_path):
    ramp = np.linspace(0, 60000, 16 * 16).astype(np.uint16).reshape(16, 16)
    save(tmp_path / "images" / "s.png", ramp)  # PIL mode I;16
    save(tmp_path / "masks" / "s.png", half_mask(16, 16))
    x, y = load_pairs(tmp_path, "covid_ct", size=16)
    assert x.shape == (1, 1, 16, 16) and abs(x.min()) < 1e-6 and abs(x.max() - 1) < 1e-6
    assert torch.allclose(x[0, 0].flatten(), torch.linspace(0, 1, 256), atol=1e-3)
