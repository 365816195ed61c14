"""Read noise in the popcount error model (devices/crossbar_adc.py + devices/noise.py)."""
import numpy as np
import pytest

from devices import crossbar_adc as xa
from devices import noise as nz


def _samples(R=64, n=40, seed=0):
    rng = np.random.default_rng(seed)
    p = np.repeat(np.arange(0, R + 1, 8), n)
    coef = [3.3e-6, 5e-8]
    i = coef[0] + coef[1] * p + rng.normal(0, 1e-8, len(p))
    return p, i, coef


def test_read_noise_adds_to_the_variance_and_to_errors():
    p, i, coef = _samples()
    base = xa.analyse(p, i, coef, 64, 6, "nominal")
    same = xa.analyse(p, i, coef, 64, 6, "nominal", read_variance=(0.0, 0.0))
    assert same["error_rate"] == base["error_rate"]
    rv = nz.variance_terms(coef, 0.1, 5e-9, 100e-15, 1e-3, 27.0)
    assert rv["total"][0] == pytest.approx(rv["cells"][0] + rv["ktc"][0] + rv["adc"][0])
    assert rv["cells"][1] / rv["cells"][0] == pytest.approx(coef[1] / coef[0])      # shot noise tracks I(p)
    noisy = xa.analyse(p, i, coef, 64, 6, "nominal", read_variance=rv["total"])
    assert noisy["error_rate"] > base["error_rate"] and noisy["sigma"] > base["sigma"]
    # a 4x longer window halves the cells' noise sigma (variance 1/t)
    rv4 = nz.variance_terms(coef, 0.1, 20e-9, 100e-15, 0.0, 27.0)
    assert rv4["cells"][0] == pytest.approx(rv["cells"][0] / 4)


def test_variation_fit_scales_per_row():
    fit = {"mean_offset": [2e-8, 1e-10], "variance": [4e-16, 1e-18]}
    s = xa.scale_noise(fit, 256, 64)
    assert s["variance"] == pytest.approx([1e-16, 1e-18]) and s["mean_offset"] == pytest.approx([5e-9, 1e-10])
    p, i, coef = _samples()
    cal = xa.analyse(p, i, coef, 64, 6, "calibrated", noise=s)
    assert cal["reference_coefficients"][0] == pytest.approx(coef[0] + 5e-9)   # calibrated = the mean curve
    assert cal["noise"]["mean_offset"] == [0.0, 0.0]
