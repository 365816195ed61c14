# Scale-Dropout ablation (issue 13): learnable vs frozen alpha, p, mode, per-image vs per-batch training masks,
# alpha before vs after BatchNorm; one job per variant training one small LeNet-5 per seed (config `ablation`).

AB_DIR = f"{RES}/ablation"


rule ablation_run:
    output:
        result=f"{AB_DIR}/{{variant}}.json",
    input:
        lib=LIB["nn"],
    params:
        cfg=cfg_sections("data_dir", "nn", "ablation", drop=("nn.eval", "nn.methods", "nn.seeds", "nn.datasets",
                                                             "nn.models")),
    wildcard_constraints:
        variant="[a-z_]+|p[0-9.]+",
    log: f"{LOGS}/ablation_run_{{variant}}.log"
    benchmark: f"{BENCH}/ablation_run_{{variant}}.tsv"
    threads: 1
    resources: mem_mb=2000, runtime=30
    script: "../scripts/ablation_run.py"


rule ablation_table:
    input:
        runs=expand(f"{AB_DIR}/{{variant}}.json", variant=config["ablation"]["variants"]),
        lib=LIB["nn"],
    output:
        runs=f"{RES}/tables/ablation_runs.csv",
        table=report(f"{RES}/tables/ablation.csv", caption="../report/ablation.rst", category="Ablation"),
        finding=f"{RES}/tables/ablation_finding.md",
    params:
        cfg=cfg_sections("ablation"),
    log: f"{LOGS}/ablation_table.log"
    benchmark: f"{BENCH}/ablation_table.tsv"
    threads: 1
    resources: mem_mb=1000, runtime=5
    script: "../scripts/ablation_table.py"


if "ablation" in config:
    TARGETS += [f"{RES}/tables/ablation.csv", f"{RES}/tables/ablation_finding.md"]
