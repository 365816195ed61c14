# CIM architecture model (cim/), end-to-end tables, claims and report (paper Sec. V-C, VI-D, VII-C).
# Layer shapes come from the NN models (built untrained), device costs from results/devices/*.json.
ARCH = config["arch"]
ARCH_DIR = f"{RES}/arch"
TABLES = f"{RES}/tables"
ARCH_WL = [w["name"] for w in ARCH["workloads"]]
ARCH_CFG = ("seed", "arch", "crossbar.model_adc_bits", "crossbar.model_rows")


rule arch_shapes:
    input:
        lib=LIB["cim"],
    output:
        shapes=f"{ARCH_DIR}/{{workload}}/shapes.json",
    wildcard_constraints:
        workload="|".join(ARCH_WL),
    params:
        cfg=cfg_sections("seed", "arch.workloads", "nn.first_binary", "nn.last_binary", "nn.scale_dropout",
                         "nn.baselines"),
    log:
        f"{LOGS}/arch_shapes/{{workload}}.log",
    benchmark:
        f"{BENCH}/arch_shapes/{{workload}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    script:
        "../scripts/arch_shapes.py"


rule arch_costs:
    input:
        shapes=f"{ARCH_DIR}/{{workload}}/shapes.json",
        rng=DEVICE_MODELS["rng"],
        crossbar=DEVICE_MODELS["crossbar"],
        periphery=DEVICE_MODELS["periphery"],
        lib=LIB["cim"],
    output:
        costs=f"{ARCH_DIR}/{{workload}}/costs.json",
        layers=report(f"{ARCH_DIR}/{{workload}}/layers.csv", caption="../report/arch_layers.rst",
                      category="Architecture", subcategory="{workload}"),
    wildcard_constraints:
        workload="|".join(ARCH_WL),
    params:
        cfg=cfg_sections(*ARCH_CFG),
    log:
        f"{LOGS}/arch_costs/{{workload}}.log",
    benchmark:
        f"{BENCH}/arch_costs/{{workload}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/arch_costs.py"


rule arch_tables:
    input:
        costs=expand(f"{ARCH_DIR}/{{workload}}/costs.json", workload=ARCH_WL),
        table7_shapes=f"{ARCH_DIR}/{ARCH['table7_workload']}/shapes.json",
        rng=DEVICE_MODELS["rng"],
        crossbar=DEVICE_MODELS["crossbar"],
        periphery=DEVICE_MODELS["periphery"],
        lib=LIB["cim"],
    output:
        table2=report(f"{TABLES}/table2_energy.csv", caption="../report/arch_table2.rst", category="Architecture"),
        table2_png=report(f"{TABLES}/table2_energy.png", caption="../report/arch_table2.rst", category="Architecture"),
        table7=report(f"{TABLES}/table7_dropout_modules.csv", caption="../report/arch_table7.rst",
                      category="Architecture"),
        table7_layers=report(f"{TABLES}/table7_layers.csv", caption="../report/arch_table7.rst",
                             category="Architecture"),
        table8=report(f"{TABLES}/table8_energy.csv", caption="../report/arch_table8.rst", category="Architecture"),
        table8_png=report(f"{TABLES}/table8_energy.png", caption="../report/arch_table8.rst", category="Architecture"),
        breakdown=report(f"{TABLES}/arch_breakdown.csv", caption="../report/arch_breakdown.rst",
                         category="Architecture"),
        energy_vs_t=report(f"{TABLES}/energy_vs_T.png", caption="../report/arch_energy_vs_T.rst",
                           category="Architecture"),
    params:
        cfg=cfg_sections(*ARCH_CFG),
    log:
        f"{LOGS}/arch_tables.log",
    benchmark:
        f"{BENCH}/arch_tables.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/arch_tables.py"


rule report_summary:
    input:
        rng=DEVICE_MODELS["rng"],
        costs=expand(f"{ARCH_DIR}/{{workload}}/costs.json", workload=ARCH_WL),
        table2=f"{TABLES}/table2_energy.csv",
        table7=f"{TABLES}/table7_dropout_modules.csv",
        table8=f"{TABLES}/table8_energy.csv",
        breakdown=f"{TABLES}/arch_breakdown.csv",
        nn=sorted({f for r in nn_runs() for f in r["files"].values()}),
        **({"ablation_finding": f"{TABLES}/ablation_finding.md"} if "ablation" in config else {}),
        lib=LIB["cim"],
    params:
        runs=nn_runs(),
        cfg=cfg_sections(*ARCH_CFG),
    output:
        claims=report(f"{TABLES}/claims.csv", caption="../report/arch_claims.rst", category="Claims"),
        md=report(f"{RES}/report.md", caption="../report/arch_summary.rst", category="Claims"),
    log:
        f"{LOGS}/report_summary.log",
    benchmark:
        f"{BENCH}/report_summary.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/report_summary.py"


TARGETS += [f"{TABLES}/claims.csv", f"{RES}/report.md", f"{TABLES}/table2_energy.png", f"{TABLES}/table8_energy.png",
            f"{TABLES}/energy_vs_T.png"]
