# Co-design sweep (issue 12 item 6): `snakemake codesign`. Active rows per read x ADC bits x variation ->
# popcount error model (crossbar_model, with read noise) -> MC accuracy and OOD AUROC of the trained model with
# those errors injected -> energy, latency, area per image from cim -> Pareto table + plot.
CD = config["codesign"]


rule codesign:
    input:
        lib=LIB["nn"],
        model=f"{RES}/nn/{CD['dataset']}_{CD['model']}_scaledrop_s{config['nn']['seeds'][0]}/model.pt",
        confusion=f"{RES}/crossbar/adc_confusion.csv",
        crossbar_model=f"{RES}/devices/crossbar_model.json",
        periphery=f"{RES}/devices/periphery_model.json",
        rng=f"{RES}/devices/rng_model.json",
        shapes=f"{RES}/arch/{CD['workload']}/shapes.json",
        energy=expand(f"{RES}/crossbar/energy/r{{rows}}.json", rows=CD["rows"]),
    output:
        csv=report(f"{RES}/tables/codesign_pareto.csv", caption="../report/codesign_pareto.rst", category="Co-design"),
        png=report(f"{RES}/tables/codesign_pareto.png", caption="../report/codesign_pareto.rst", category="Co-design"),
    params:
        cfg=cfg_sections("seed", "data_dir", "codesign", "crossbar", "arch"),
    log: f"{LOGS}/codesign.log"
    benchmark: f"{BENCH}/codesign.tsv"
    threads: 1
    resources: mem_mb=4000, runtime=15
    script: "../scripts/codesign.py"


TARGETS.extend([f"{RES}/tables/codesign_pareto.csv", f"{RES}/tables/codesign_pareto.png"])
