"""The 15 Hendrycks & Dietterich corruptions (nn/corruptions.py): shape/dtype/range, identities, severity trend."""
import numpy as np
import pytest
import torch

from nn.corruptions import CORRUPTIONS, corrupt
from nn.data import load_dataset

torch.set_num_threads(1)
MNIST = load_dataset("mnist", "test", None).x[:24].numpy()
RGB = np.random.default_rng(0).integers(0, 256, (4, 3, 32, 32), dtype=np.uint8)
# Reference (CIFAR-10-C) parameters that are not monotone in mean |x - c(x)|: glass_blur severities 1-3 differ only by
# a sub-pixel blur (the second shuffle pass comes at 4-5); elastic_transform's affine jitter shrinks with severity.
NON_MONOTONE = ("glass_blur", "elastic_transform")


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_shape_dtype_range_and_seed(name):
    for x in (MNIST[:6], RGB):
        c = corrupt(x, name, 3, seed=1)
        assert c.shape == x.shape and c.dtype == np.uint8
        assert np.array_equal(c, corrupt(x, name, 3, seed=1))  # seeded
    assert len(CORRUPTIONS) == 15


@pytest.mark.parametrize("name", [n for n in CORRUPTIONS if n not in NON_MONOTONE])
def test_distortion_grows_with_severity(name):
    d = [np.abs(corrupt(MNIST, name, s).astype(float) - MNIST).mean() for s in range(1, 6)]
    assert np.all(np.diff(d) > 0), d


def test_non_monotone_reference_schedules():
    d = {n: [np.abs(corrupt(MNIST, n, s).astype(float) - MNIST).mean() for s in range(1, 6)] for n in NON_MONOTONE}
    g = d["glass_blur"]
    assert min(g[3:]) > max(g[:3]) > 1  # two shuffle passes distort more than one
    e = d["elastic_transform"]
    assert min(e) > 1 and e[0] > e[-1]  # affine jitter 0.08 S at severity 1 vs 0.03 S at 5


@pytest.mark.parametrize("name", ["defocus_blur", "glass_blur", "motion_blur", "zoom_blur", "contrast",
                                  "elastic_transform", "pixelate", "jpeg_compression"])
def test_constant_images_are_fixed_points(name):
    for ch in (1, 3):
        x = np.full((3, ch, 28, 28), 117, np.uint8)
        c = corrupt(x, name, 5)
        assert np.abs(c.astype(int) - 117).max() <= (1 if name == "jpeg_compression" else 0)


def test_noise_statistics_and_brightness_shift():
    x = np.full((50, 1, 32, 32), 128, np.uint8)
    g = corrupt(x, "gaussian_noise", 5).astype(float) / 255  # sigma 0.10 at severity 5
    assert abs(g.std() - 0.10) < 0.005 and abs(g.mean() - 128 / 255) < 0.005
    imp = corrupt(x, "impulse_noise", 5)
    assert abs(np.isin(imp, (0, 255)).mean() - 0.07) < 0.01  # s&p amount 0.07
    b = corrupt(x, "brightness", 5).astype(int)
    assert np.all(b == 128 + round(0.3 * 255))


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match="unknown corruption 'blur'"):
        corrupt(RGB, "blur", 1)
    with pytest.raises(ValueError, match="severity"):
        corrupt(RGB, "fog", 6)
    with pytest.raises(ValueError, match="uint8"):
        corrupt(RGB.astype(float), "fog", 1)
