"""Evaluation-suite helpers: plateau T, Table IX accept / reject rates, rotation study, Fig. 5 CI, Table X."""
import numpy as np
import pytest
import torch

from nn.evaluate_shift import PAPER_X, corruption_study, corruption_summary, fig5_noise, preprocess
from nn.evaluate import accept_reject, plateau_t, rotation_study, running_accuracy
from nn.models import build_model

torch.set_num_threads(1)


def test_plateau_first_t_within_tolerance():
    acc = np.array([0.90, 0.95, 0.97, 0.968, 0.975, 0.974])
    assert plateau_t(acc, 0.5) == 3
    assert plateau_t(acc, 0.0) == 5


def test_running_accuracy_uses_the_mean_of_first_t():
    y = np.array([0])
    probs = np.array([[[0.4, 0.6]], [[0.9, 0.1]]])
    assert list(running_accuracy(probs, y)) == [0.0, 1.0]


def test_accept_reject_rates():
    # 4 images, T = 2: confident correct, confident wrong, unsure correct, unsure wrong
    p = np.array([[0.99, 0.01], [0.01, 0.99], [0.6, 0.4], [0.4, 0.6]])
    r = accept_reject(np.stack([p, p]), np.array([0, 0, 0, 0]), 10, 0.95)
    assert r["accept"] == 50 and r["tpr"] == 50 and r["tnr"] == 50 and r["ar"] == 50
    r = accept_reject(np.stack([p, p]), np.array([0, 1, 0, 1]), 10, 0.95)
    assert r["tpr"] == 50 and r["tnr"] == 0 and r["ar"] == 100


def test_rotation_study_rows():
    m = build_model("lenet5", 1, 10, {"method": "scaledrop"}).eval()
    x = torch.rand(6, 1, 28, 28)
    rows = rotation_study(m, x, np.zeros(6, int), [0, 90], 3, torch.Generator().manual_seed(0), lambda v: v - 0.5)
    assert [r["angle"] for r in rows] == [0.0, 90.0] and all(r["entropy"] >= 0 for r in rows)


def test_paper_table_x_mce_is_the_plain_mean_of_the_ces():
    """Protocol check: the paper's mCE / mOOD are unnormalised means over the 15 corruptions (no AlexNet CE)."""
    for v in PAPER_X.values():
        assert len(v["per"]) == 15
        assert abs(np.mean([ce for _, ce in v["per"].values()]) - v["mce"]) < 0.02
        assert abs(np.mean([o for o, _ in v["per"].values()]) - v["mood"]) < 0.02


def test_corruption_summary_means_over_severities_then_corruptions():
    rows = [{"preprocess": "none", "corruption": "clean", "severity": 0, "error": 5.0, "ood_rate": 1.0}]
    for c, errs in (("fog", (10.0, 30.0)), ("contrast", (40.0, 60.0))):
        rows += [{"preprocess": "none", "corruption": c, "severity": s, "error": e, "ood_rate": e / 2}
                 for s, e in zip((1, 5), errs)]
    out = {r["corruption"]: r for r in corruption_summary(rows, "mnist", "lenet5")}
    assert out["fog"]["ce"] == 20.0 and out["contrast"]["ce"] == 50.0 and out["fog"]["ood_rate"] == 10.0
    assert out["mean (mCE / mOOD)"]["ce"] == 35.0 and out["mean (mCE / mOOD)"]["clean_error"] == 5.0
    assert np.isnan(out["fog"]["paper_ce"])
    paper = corruption_summary([{**r, "preprocess": "channel"} for r in rows], "cifar10", "vgg_small")
    assert paper[-1]["paper_ce"] == PAPER_X[("vgg_small", "channel")]["mce"]


def test_preprocess_modes():
    x = torch.randint(0, 256, (20, 3, 8, 8), dtype=torch.uint8)
    assert torch.equal(preprocess(x, "none", None, None), x.float() / 255)
    c = preprocess(x, "channel", None, None)
    assert torch.allclose(c.mean((0, 2, 3)), torch.zeros(3), atol=1e-5)
    assert torch.allclose(c.std((0, 2, 3), unbiased=False), torch.ones(3), atol=1e-4)
    with pytest.raises(ValueError, match="nn.eval.corruption.preprocess"):
        preprocess(x, "histeq", None, None)


def test_fig5_ci_brackets_the_mean_and_collapses_without_dropout():
    torch.manual_seed(0)
    x = torch.rand(1, 1, 28, 28)
    gen = torch.Generator().manual_seed(0)
    sd = build_model("lenet5", 1, 10, {"method": "scaledrop", "scale_dropout": {"p_small": 0.5, "p_large": 0.5}})
    for n, p in sd.named_parameters():
        if n.endswith("alpha"):  # alpha = 1 at init: a dropped scale (-> 1) would change nothing
            p.data.uniform_(0.2, 3.0)
    rows = fig5_noise(sd.eval(), x, [0.0, 1.0], 30, lambda v: v - 0.5, 1, gen)
    assert len(rows) == 2 * 2 * 10
    tol = lambda r: 1e-5 * (1 + abs(r["mean"]))  # noqa: E731  (float32 logits)
    assert all(r["ci_lo_eq23"] - tol(r) <= r["mean"] <= r["ci_hi_eq23"] + tol(r) for r in rows)
    assert any(r["ci_hi_eq23"] - r["ci_lo_eq23"] > 1e-3 for r in rows)  # Scale-Dropout spreads the passes
    for s in (0.0, 1.0):
        assert abs(sum(r["mean"] for r in rows if r["quantity"] == "softmax" and r["strength"] == s) - 1) < 1e-5
    det = fig5_noise(build_model("lenet5", 1, 10, {"method": "none"}).eval(), x, [0.5], 5, lambda v: v, 1, gen)
    assert all(r["ci_hi_eq23"] - r["ci_lo_eq23"] < 1e-5 for r in det)


def test_corruption_study_rows():
    m = build_model("lenet5", 1, 10, {"method": "scaledrop"}).eval()
    x = torch.randint(0, 256, (6, 1, 28, 28), dtype=torch.uint8)
    meta = {"mean": [0.13], "std": [0.31]}
    rows = corruption_study(m, x, np.zeros(6, int), ["fog", "pixelate"], [1, 5], ["none", "channel"], 3, meta,
                            10, 0.95, 0)
    assert len(rows) == (1 + 2 * 2) * 2
    assert all(0 <= r["error"] <= 100 and 0 <= r["ood_rate"] <= 100 for r in rows)


def _t6(sd_auroc, bnn_auroc, sd_rate=(90.0, 91.0, 92.0), sp_rate=(99.0, 99.5, 100.0), gain=(0.01, 0.012, 0.011)):
    import pandas as pd
    rows = []
    for i, a in enumerate(sd_auroc):
        rows.append({"method": "scaledrop", "seed": i, "ood_set": "gaussian", "auroc": a, "predictive": "exact",
                     "eq26_detection_rate": sd_rate[i], "auroc_gain": gain[i]})
    for i, a in enumerate(bnn_auroc):
        rows.append({"method": "none", "seed": i, "ood_set": "gaussian", "auroc": a, "predictive": "deterministic",
                     "eq26_detection_rate": 50.0, "auroc_gain": 0.0})
    for i, r in enumerate(sp_rate):
        rows.append({"method": "spatial_spindrop", "seed": i, "ood_set": "gaussian", "auroc": 0.99,
                     "predictive": "mc T=20", "eq26_detection_rate": r, "auroc_gain": 0.0})
    return pd.DataFrame(rows)


def test_ood_claims_hold_only_where_the_ci_supports_them():
    from cim.claims import ood_claims
    run = {"dataset": "mnist", "model": "lenet5", "seed": 0}
    c = {r["claim"]: r for r in ood_claims({**run, "table6_runs": _t6([0.95, 0.951, 0.952], [0.90, 0.901, 0.902])})}
    assert c["MC-Scale-Dropout AUROC minus deterministic BNN AUROC"]["status"] == "holds"
    assert c["Eq. 26 rate minus Spatial-SpinDrop's (pts, paper: >= -14)"]["status"] == "holds"  # -8.5 pts
    assert c["Eq. 26 rate minus SpinBayes' (pts, paper: >= -14)"]["status"] == "not tested"      # not in methods
    assert c["MC-Scale-Dropout AUROC gain over its own deterministic pass"]["status"] == "holds"
    noisy = {r["claim"]: r for r in ood_claims({**run, "table6_runs": _t6([0.95, 0.80, 0.99], [0.90, 0.91, 0.89],
                                                                             sd_rate=(80.0, 85.0, 90.0),
                                                                             gain=(0.05, -0.04, 0.0))})}
    assert noisy["MC-Scale-Dropout AUROC minus deterministic BNN AUROC"]["status"] == "fails"  # mean > 0, CI spans 0
    assert noisy["Eq. 26 rate minus Spatial-SpinDrop's (pts, paper: >= -14)"]["status"] == "fails"  # -14.5 pts
    assert noisy["MC-Scale-Dropout AUROC gain over its own deterministic pass"]["status"] == "fails"
    one = {r["claim"]: r for r in ood_claims({**run, "table6_runs": _t6([0.95], [0.90], (90.0,), (99.0,), (0.01,))})}
    assert one["MC-Scale-Dropout AUROC minus deterministic BNN AUROC"]["status"] == "not tested"  # no CI
    worse = {r["claim"]: r for r in ood_claims({**run, "table6_runs": _t6([0.85], [0.90], (90.0,), (99.0,),
                                                                            (-0.01,))})}
    assert worse["MC-Scale-Dropout AUROC minus deterministic BNN AUROC"]["status"] == "fails"
