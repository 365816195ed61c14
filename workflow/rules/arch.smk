# CIM architecture model (cim/), end-to-end tables, claims and report (paper Sec. V-C, VI-D, VII-C).
# Layer shapes come from the NN models (built untrained), device costs from results/devices/*.json.
ARCH = config["arch"]
ARCH_DIR = f"{RES}/arch"
TABLES = f"{RES}/tables"
ARCH_WL = [w["name"] for w in ARCH["workloads"]]
DEVICE_MODELS = {"rng": f"{RES}/devices/rng_model.json", "crossbar": f"{RES}/devices/crossbar_model.json",
                 "periphery": f"{RES}/devices/periphery_model.json"}

if ARCH["table7_workload"] not in ARCH_WL:
    sys.exit(f"config error: config.arch.table7_workload: {ARCH['table7_workload']!r} is not one of the "
             f"arch.workloads names ({', '.join(ARCH_WL)})")


def _device_model(kind):
    """Input function: the device model file, or one line naming the rule that makes it."""
    path = DEVICE_MODELS[kind]

    def fn(wildcards):
        makers = [r.name for r in workflow.rules if any(str(o) == path for o in r.output)]
        if not makers and not Path(path).exists():
            raise WorkflowError(f"{path} missing: run rule {'periph' if kind == 'periphery' else kind}_model (no rule in this workflow makes it yet)")
        return path
    return fn


def _nn_runs():
    """Configured NN runs and the files their claims read (variation and rotation only with nn.eval)."""
    nn, runs = config["nn"], []
    for d in nn["datasets"]:
        for m in nn["models"]:
            for me in nn["methods"]:
                for s in nn["seeds"]:
                    run = f"{RES}/nn/{d}_{m}_{me}_s{s}"
                    files = {"metrics": f"{run}/metrics.json"}
                    if me == "scaledrop":  # baselines are compared through the eval suite's tables
                        files.update(mc_eval=f"{run}/mc_eval.json", acc_vs_T=f"{run}/acc_vs_T.csv")
                    if "eval" in nn:
                        files["rotation"] = f"{RES}/tables/eval_{d}_{m}_fig6_rotation.csv"
                        files["table3"] = f"{RES}/tables/eval_{d}_{m}_table3_accuracy.csv"
                        if me == "scaledrop":
                            files["variation"] = f"{run}/variation.json"
                    runs.append({"dir": run, "dataset": d, "model": m, "method": me, "seed": s, "files": files})
    return runs


rule arch_shapes:
    output:
        shapes=f"{ARCH_DIR}/{{workload}}/shapes.json",
    wildcard_constraints:
        workload="|".join(ARCH_WL),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    script:
        "../scripts/arch_shapes.py"


rule arch_costs:
    input:
        shapes=f"{ARCH_DIR}/{{workload}}/shapes.json",
        rng=_device_model("rng"),
        crossbar=_device_model("crossbar"),
        periphery=_device_model("periphery"),
    output:
        costs=f"{ARCH_DIR}/{{workload}}/costs.json",
        layers=report(f"{ARCH_DIR}/{{workload}}/layers.csv", caption="../report/arch_layers.rst",
                      category="Architecture", subcategory="{workload}"),
    wildcard_constraints:
        workload="|".join(ARCH_WL),
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
        rng=_device_model("rng"),
        crossbar=_device_model("crossbar"),
        periphery=_device_model("periphery"),
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
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/arch_tables.py"


rule report_summary:
    input:
        costs=expand(f"{ARCH_DIR}/{{workload}}/costs.json", workload=ARCH_WL),
        table2=f"{TABLES}/table2_energy.csv",
        table7=f"{TABLES}/table7_dropout_modules.csv",
        table8=f"{TABLES}/table8_energy.csv",
        breakdown=f"{TABLES}/arch_breakdown.csv",
        nn=sorted({f for r in _nn_runs() for f in r["files"].values()}),
    params:
        runs=_nn_runs(),
    output:
        claims=report(f"{TABLES}/claims.csv", caption="../report/arch_claims.rst", category="Claims"),
        md=report(f"{RES}/report.md", caption="../report/arch_summary.rst", category="Claims"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/report_summary.py"


TARGETS += [f"{TABLES}/claims.csv", f"{RES}/report.md", f"{TABLES}/table2_energy.png", f"{TABLES}/table8_energy.png",
            f"{TABLES}/energy_vs_T.png"]
