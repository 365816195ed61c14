# Scale-Dropout ablation (issue 13): learnable vs frozen alpha, p, mode, per-image vs per-batch training masks,
# alpha before vs after BatchNorm; one job per variant training one small LeNet-5 per seed (config `ablation`).

AB_DIR = RES + "/ablation"


rule ablation_run:
    output:
        result=AB_DIR + "/{variant}.json",
    params:
        cfg=cfg_sections("nn", "ablation"),
        data_dir=config.get("data_dir"),
    wildcard_constraints:
        variant="[a-z_]+|p[0-9.]+",
    log: f"{RES}/logs/ablation_run_{{variant}}.log"
    benchmark: f"{RES}/benchmarks/ablation_run_{{variant}}.tsv"
    threads: 1
    resources: mem_mb=2000, runtime=30
    script: "../scripts/ablation_run.py"


rule ablation_table:
    input:
        runs=expand(AB_DIR + "/{variant}.json", variant=config["ablation"]["variants"]),
    output:
        runs=f"{RES}/tables/ablation_runs.csv",
        table=report(f"{RES}/tables/ablation.csv", caption="../report/ablation.rst", category="Ablation"),
        finding=f"{RES}/tables/ablation_finding.md",
    params:
        cfg=cfg_sections("ablation"),
    log: f"{RES}/logs/ablation_table.log"
    benchmark: f"{RES}/benchmarks/ablation_table.tsv"
    threads: 1
    resources: mem_mb=1000, runtime=5
    script: "../scripts/ablation_table.py"


if "ablation" in config:
    TARGETS += [f"{RES}/tables/ablation.csv", f"{RES}/tables/ablation_finding.md"]
