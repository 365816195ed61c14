"""Arch workflow scripts end to end on fixture device models (no SPICE, no training): shapes -> costs ->
tables -> claims + report.md; and the report renders offline (plain Markdown, no network)."""
import json
from types import SimpleNamespace as NS

import pandas as pd
import pytest
import torch
import yaml

from conftest import REPO, crossbar_model_example, periphery_model_example, rng_model_example

CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
ARCH = {**CONFIG["arch"], "workloads": [w for w in CONFIG["arch"]["workloads"] if w["model"] == "lenet5"],
        "table7_workload": "lenet5_mnist", "T_sweep": [1, 10]}


def _devices(tmp):
    xb, rng = tmp / "crossbar_model.json", tmp / "rng_model.json"
    xb.write_text(json.dumps(crossbar_model_example(256, latency_ns=2.0, energy={
        "column_read_pj": 0.5, "column_read_lines_pj": 0.1, "column_wordline_pj": 0.4, "t_read_ns": 0.5})))
    sllg = {"form": "eq25", "chi2": 14.0, "dof": 13, "derived": {"delta": 112.0, "ic0": 2.66e-4},
            "eq25_cell_width": {"delta": 50.0, "ic0": 4.9e-4, "tau0": 2.7e-4, "chi2": 76.5, "dof": 5, "fits_badly": True},
            "all_widths": {"eq25": {"chi2": 14.0, "dof": 13, "fits_badly": False},
                           "precessional": {"chi2": 40.0, "dof": 13, "fits_badly": True}}}
    rng.write_text(json.dumps(rng_model_example(latency_ns=16.0, cycle_period_ns=17.0, sllg_fit=sllg,
                                                paper_energy_pj=3.8, energy_per_bit_pj=7.5)))
    per = tmp / "periphery_model.json"
    b, r = CONFIG["crossbar"]["model_adc_bits"], CONFIG["crossbar"]["model_rows"]
    per.write_text(json.dumps(periphery_model_example(b, r)))
    return xb, rng, per


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import arch_costs
    import arch_shapes
    import arch_tables
    import report_summary

    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp("arch")
    cfg = {**CONFIG, "arch": ARCH}
    xb, rng, per = _devices(tmp)
    shapes, costs = tmp / "shapes.json", tmp / "costs.json"
    arch_shapes.main(NS(params=NS(cfg=cfg), threads=1, wildcards=NS(workload="lenet5_mnist"), output=NS(shapes=shapes)))
    arch_costs.main(NS(params=NS(cfg=cfg), wildcards=NS(workload="lenet5_mnist"),
                       input=NS(shapes=shapes, rng=rng, crossbar=xb, periphery=per),
                       output=NS(costs=costs, layers=tmp / "l.csv")))
    t = {k: tmp / f"{k}.csv" for k in ("table2", "table7", "table7_layers", "table8", "breakdown")}
    pngs = {k: tmp / f"{k}.png" for k in ("table2_png", "table8_png", "energy_vs_t")}
    arch_tables.main(NS(params=NS(cfg=cfg), input=NS(costs=[costs], table7_shapes=shapes, rng=rng, crossbar=xb, periphery=per),
                        output=NS(**t, **pngs)))
    run = tmp / "nn" / "mnist_lenet5_scaledrop_s0"
    run.mkdir(parents=True)
    (run / "mc_eval.json").write_text(json.dumps({
        "deterministic": {"accuracy": 0.95}, "mc": {"T1": {"accuracy": 0.94, "mean_entropy": 0.2},
                                                    "T20": {"accuracy": 0.96, "mean_entropy": 0.3}},
        "ood": {"gaussian/entropy": {"eq26_detection_rate": 0.99}, "uniform/entropy": {"eq26_detection_rate": 0.5}}}))
    pd.DataFrame({"T": [1, 2, 3, 4], "accuracy": [0.90, 0.95, 0.96, 0.96]}).to_csv(run / "acc_vs_T.csv", index=False)
    rot = tmp / "rotation.csv"
    pd.DataFrame({"method": ["scaledrop"] * 2 + ["mc_dropout"] * 2, "angle": [0, 45] * 2,
                  "entropy": [0.1, 0.9, 0.05, 0.7]}).to_csv(rot, index=False)
    t3 = tmp / "table3.csv"
    pd.DataFrame({"method": ["scaledrop", "none"], "T": [20, 1], "n_train": [60000, 10000], "epochs": [3, 2],
                  "accuracy_mean": [96.0, 97.0], "accuracy_det_mean": [95.0, 97.5]}).to_csv(t3, index=False)
    files = {k: run / f for k, f in (("metrics", "metrics.json"), ("mc_eval", "mc_eval.json"),
                                     ("acc_vs_T", "acc_vs_T.csv"), ("variation", "variation.json"))}
    spec = {"dir": str(run), "dataset": "mnist", "model": "lenet5", "method": "scaledrop", "seed": 0,
            "files": {**files, "rotation": rot, "table3": t3}}
    out = NS(claims=tmp / "claims.csv", md=tmp / "report.md")
    report_summary.main(NS(params=NS(cfg=cfg, runs=[spec]), input=NS(rng=rng, costs=[costs], **t), output=out))
    return {"costs": json.loads(costs.read_text()), "claims": pd.read_csv(out.claims), "md": out.md.read_text(),
            "t7": pd.read_csv(t["table7"]), "t8": pd.read_csv(t["table8"]), "pngs": pngs}


def test_lenet5_shapes_mapped(built):
    s = built["costs"]["strategies"]["unroll"]
    # LeNet-5 on 256 x 256: conv1 (25 x 6) 1 array, conv2 (150 x 16) 1, fc 400x120 2, 120x84 1, 84x10 1
    assert [r["arrays"] for r in s["layers"]] == [1, 1, 2, 1, 1]
    assert s["layers"][0]["positions"] == 28 * 28 and s["layers"][1]["positions"] == 10 * 10
    assert built["costs"]["strategies"]["kernel"]["layers"][1]["arrays"] == 25


def test_claims_are_judged_or_not_tested(built):
    c = built["claims"].set_index("claim")
    assert c.loc["MC sampling gain over one deterministic pass (pts)", "status"] == "holds"   # 96 - 95 = +1
    ood = c.loc["OOD detection rate, Eq. 26 (worst set, %)"]
    assert ood["status"] == "fails" and ood["ours"] == pytest.approx(50.0)
    assert c.loc["MC accuracy plateaus by T (<= paper)", "ours"] == 3
    ent = c.loc["entropy under rotation shift minus MC-Dropout's (nats)"]            # rotated rows only: 0.9 - 0.7
    assert ent["status"] == "holds" and ent["ours"] == pytest.approx(0.2)
    bnn = c.loc["accuracy loss vs point-estimate BNN (pts)"]                         # Table III: 97.5 - 96.0
    assert bnn["status"] == "fails" and bnn["ours"] == pytest.approx(1.5) and "n_train 10000" in bnn["note"]
    for name in ("accuracy change under dropout-module variation (worst, pts)", "dropout modules for the whole network"):
        assert c.loc[name, "status"] == "not tested" and c.loc[name, "note"].endswith(".json missing")
    assert c.loc["energy per image at T=10 (uJ)", "status"] in ("holds", "fails")
    # the RNG cell against the sLLG solver (llg_fit's fits_badly flags: 76.5 / 5 dof bad, 14 / 13 dof good)
    assert c.loc["Eq. 25 describes the SOT-MTJ switching at the cell's SET width (chi2/dof)", "status"] == "fails"
    assert c.loc["Eq. 25 describes the SOT-MTJ switching across SET widths (chi2/dof)", "status"] == "holds"
    e = c.loc["RNG energy per bit (pJ)"]  # 7.5 within 3.8 / 3 .. 3.8 * 3
    assert e["status"] == "holds" and float(e["ours"]) == pytest.approx(7.5) and float(e["paper_value"]) == pytest.approx(3.8)


def test_tables_have_paper_columns(built):
    t7 = built["t7"]
    sd = t7[(t7.method == "scaledrop")]
    assert (sd.modules == 1).all() and sd.area_um2.iloc[0] == pytest.approx(30.0)
    spin = t7[(t7.method == "spindrop") & (t7.scope == "layer-wise")]
    assert int(spin.modules.iloc[0]) == 150 and "paper_area_um2" in t7      # conv2: K*K*C_in = 5*5*6
    ours = built["t8"][built["t8"].energy_uj.notna()]
    assert ours.paper_energy_uj.iloc[0] == 0.18 and ours.paper_area_mm2.iloc[0] == 0.401
    assert ours.energy_uj.iloc[0] == pytest.approx(built["costs"]["strategies"]["unroll"]["inference"]["energy_total_j"] * 1e6)


def test_report_md_renders_offline(built):
    md = built["md"]
    assert md.startswith("# scaledrop: end-to-end summary")
    assert "| claim | scope | ours | paper_value |" in md and "not tested" in md and "http" not in md
    s = built["costs"]["strategies"]["unroll"]
    assert f"{s['inference']['energy_total_j'] * 1e6:.3g} uJ per image" in md        # headline from costs.json
    assert "| lenet5_mnist | wordline |" in md and "| wordline |" in md                # own line, Table II too
    assert "SPICE-predicted share of the total" in md and "| counted_per | origin |" in md
    lines = [ln for ln in md.splitlines() if ln.startswith("| lenet5_mnist | ")]
    assert lines and all("SPICE: " in ln or "cited: " in ln for ln in lines if ln.count("|") == 7)
    assert all(p.stat().st_size > 1000 for p in built["pngs"].values())
