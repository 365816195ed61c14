"""Rule report_summary: claims table (results/tables/claims.csv) and results/report.md from the configured run's
outputs: the RNG cell's model file (rng_model.json: Eq. 25 against the sLLG solver, energy per bit), arch_tables' tables, and per NN run metrics.json, mc_eval.json, acc_vs_T.csv, variation.json and the
eval suite's rotation study, Table III and per-seed Table VI (table6_runs; when the run spec does not list it, the
file next to Table III, written by the same eval_suite job), plus the ablation's finding paragraph when the rule has
an `ablation_finding` input. A file a run does not produce makes its claims `not tested`, with the file named."""

import json
from pathlib import Path

import pandas as pd

import common
from scaledrop import model_files
from cim.claims import assess
from cim.report import build

READERS = {"metrics": lambda p: json.loads(p.read_text()), "mc_eval": lambda p: json.loads(p.read_text()),
           "variation": lambda p: json.loads(p.read_text()),
           "acc_vs_T": lambda p: list(pd.read_csv(p)[["T", "accuracy"]].itertuples(index=False, name=None)),
           "rotation": pd.read_csv, "table3": pd.read_csv, "table6_runs": pd.read_csv}
TABLE6_RUNS = ("_table3_accuracy.csv", "_table6_ood_runs.csv")  # eval_suite writes both in one job


def nn_runs(specs: list[dict]) -> list[dict]:
    """specs: {dir, dataset, model, method, seed, files: {key: path}} per configured NN run."""
    runs = []
    for spec in specs:
        run = {k: v for k, v in spec.items() if k != "files"}
        run.update(run=Path(spec["dir"]).name, missing={})
        files = dict(spec["files"])
        if str(files.get("table3", "")).endswith(TABLE6_RUNS[0]) and "table6_runs" not in files:
            files["table6_runs"] = str(files["table3"]).replace(*TABLE6_RUNS)
        for key, path in files.items():
            path = Path(path)
            if path.exists():
                run[key] = READERS[key](path)
            else:
                run[key] = None
                run["missing"][key] = str(path)
        runs.append(run)
    return runs


def main(sm) -> None:
    inp = sm.input
    costs = {}
    for f in inp.costs:
        c = model_files.read_costs(f)
        costs[c["workload"]] = c
    claims = assess(nn_runs(sm.params.runs), costs, sm.params.cfg["arch"]["claims"], model_files.read_rng_model(inp.rng))
    common.write_csv(sm.output.claims, claims)
    tables = {k: pd.read_csv(getattr(inp, k)) for k in ("table2", "table7", "table8", "breakdown")}
    md = build(tables, claims, costs, sm.params.cfg["arch"])
    finding = getattr(inp, "ablation_finding", None)
    if finding:
        md = md.rstrip("\n") + "\n\n" + Path(finding).read_text()
    with common.atomic_path(sm.output.md) as tmp:
        tmp.write_text(md)


if "snakemake" in globals():
    common.run_rule(snakemake, main)  # noqa: F821
