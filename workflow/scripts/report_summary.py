"""Rule report_summary: claims table (results/tables/claims.csv) and results/report.md from whatever the
configured run produced (tables of arch_tables, results/nn/<run>/{metrics,mc_eval}.json, acc_vs_T.csv)."""

import json
from pathlib import Path

import pandas as pd

import common
from cim.claims import assess
from cim.report import build


def _json(path: Path):
    return json.loads(path.read_text()) if path.exists() else None


def nn_runs(specs: list[dict]) -> list[dict]:
    """specs: {dir, dataset, model, method, seed} of each configured NN run; missing files -> None."""
    runs = []
    for spec in specs:
        d = Path(spec["dir"])
        acc = d / "acc_vs_T.csv"
        runs.append({**spec, "run": d.name, "metrics": _json(d / "metrics.json"), "mc_eval": _json(d / "mc_eval.json"),
                     "variation": _json(d / "variation.json"),
                     "acc_vs_T": list(pd.read_csv(acc).itertuples(index=False, name=None)) if acc.exists() else None})
    return runs


def main(sm) -> None:
    inp = sm.input
    costs = {json.loads(open(f).read())["workload"]: json.loads(open(f).read()) for f in inp.costs}
    claims = assess(nn_runs(sm.params.runs), costs, sm.config["arch"]["claims"])
    common.write_csv(sm.output.claims, claims)
    md = build(*(pd.read_csv(getattr(inp, k)) for k in ("table2", "table7", "table8", "breakdown")), claims)
    with common.atomic_path(sm.output.md) as tmp:
        tmp.write_text(md)


if "snakemake" in globals():
    main(snakemake)  # noqa: F821
