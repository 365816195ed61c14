"""Segmentation rules end to end on the smoke config (seconds), and a user layout with a missing mask through the
config path (`seg.dataset` + `data_dir`) stopping with one line naming the image."""
import json

import numpy as np
import pandas as pd
from PIL import Image

from nn.seg.metrics import SCORES

REPO_CFG = "config/smoke.yaml"


def test_seg_rules_smoke(smoke_repo):
    tmp_path = smoke_repo
    table = pd.read_csv(tmp_path / "results/seg/table_v.csv")
    assert sorted(table["method"]) == ["mcdropout", "scaledrop"]
    assert set(table.loc[table.method == "scaledrop", "bit_width"]) == {"1/4"}
    for s in SCORES:
        assert f"paper_{s}" in table and table[f"paper_{s}"].isna().all()  # nuclei: no paper numbers
    assert table[["pixel_acc", "auc"]].apply(lambda c: c.between(0, 1)).all().all()
    assert (tmp_path / "results/seg/fig8.png").stat().st_size > 10_000
    assert (tmp_path / "results/seg/fig8_scaledrop.png").exists()
    m = json.loads((tmp_path / "results/seg/scaledrop_s0/metrics.json").read_text())
    assert len(m["history"]) == 1 and m["first_layer"] == "full-precision weights"
    assert not (tmp_path / "results/seg/scaledrop_s0/checkpoint.pt").exists()


def test_missing_mask_through_config_is_one_clear_line(tmp_path, run_snakemake):
    d = tmp_path / "data" / "busi" / "benign"
    d.mkdir(parents=True)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(d / "a.png")
    Image.fromarray(np.full((8, 8), 255, np.uint8)).save(d / "a_mask.png")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(d / "b.png")
    cfg = tmp_path / "busi.yaml"
    cfg.write_text(f"data_dir: {tmp_path / 'data'}\nseg:\n  dataset: busi\n  size: 16\n  methods: [scaledrop]\n")
    res = run_snakemake("--cores", "1", "--configfile", REPO_CFG, cfg, "--directory", tmp_path,
                        "results/seg/scaledrop_s0/metrics.json")
    assert res.returncode != 0
    out = res.stdout + res.stderr
    lines = [ln for ln in out.splitlines() if ln.startswith("data error: rule seg_train")]
    assert len(lines) == 1 and "b.png: image without mask" in lines[0], out[-3000:]
    assert "Traceback" not in out
