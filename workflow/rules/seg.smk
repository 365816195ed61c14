# Rules for the seg section (see README "Segmentation"). Each rule appends its final outputs to TARGETS.
# Wildcards: method (scaledrop, mcdropout, spindrop), seed. Topology, width, dataset: config `seg:`.

SEG = config["seg"]
SEG_RUN = f"{RES}/seg/{{method}}_s{{seed}}"
SEG_DIR = f"{RES}/seg"
SEG_WC = dict(method="scaledrop|mcdropout|spindrop", seed="[0-9]+")


rule seg_train:
    input:
        lib=LIB["seg"],
    output:
        model=f"{SEG_RUN}/model.pt",
        metrics=f"{SEG_RUN}/metrics.json",
    params:
        cfg=cfg_sections("data_dir", "seg", drop=("seg.methods", "seg.seeds", "seg.mc")),
    wildcard_constraints:
        **SEG_WC,
    log:
        f"{LOGS}/seg_train/{{method}}_s{{seed}}.log",
    benchmark:
        f"{BENCH}/seg_train/{{method}}_s{{seed}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=240,
    script:
        "../scripts/seg_train.py"


rule seg_eval:
    input:
        models=expand(f"{SEG_RUN}/model.pt", method=SEG["methods"], seed=SEG["seeds"]),
        lib=LIB["seg"],
    output:
        table=report(f"{SEG_DIR}/table_v.csv", caption="../report/seg_table_v.rst", category="Segmentation"),
        summary=f"{SEG_DIR}/eval.json",
        fig8=report(f"{SEG_DIR}/fig8.png", caption="../report/seg_fig8.rst", category="Segmentation"),
        fig8_methods=report(expand(f"{SEG_DIR}/fig8_{{method}}.png", method=SEG["methods"]),
                            caption="../report/seg_fig8.rst", category="Segmentation"),
    params:
        cfg=cfg_sections("data_dir", "seg"),
    log:
        f"{LOGS}/seg_eval.log",
    benchmark:
        f"{BENCH}/seg_eval.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/seg_eval.py"


TARGETS += expand(f"{SEG_RUN}/metrics.json", method=SEG["methods"], seed=SEG["seeds"])
TARGETS += [f"{SEG_DIR}/table_v.csv", f"{SEG_DIR}/eval.json", f"{SEG_DIR}/fig8.png"]
TARGETS += expand(f"{SEG_DIR}/fig8_{{method}}.png", method=SEG["methods"])
