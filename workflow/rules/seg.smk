# Rules for the seg section (see README "Segmentation"). Each rule appends its final outputs to TARGETS.
# Wildcards: method (scaledrop, mcdropout, spindrop), seed. Topology, width, dataset: config `seg:`.

SEG = config["seg"]
SEG_RUN = RES + "/seg/{method}_s{seed}"
SEG_WC = dict(method="scaledrop|mcdropout|spindrop", seed="[0-9]+")


rule seg_train:
    output:
        model=SEG_RUN + "/model.pt",
        metrics=SEG_RUN + "/metrics.json",
    params:
        seg=SEG,
        data_dir=config.get("data_dir"),
    wildcard_constraints:
        **SEG_WC,
    threads: 1
    script:
        "../scripts/seg_train.py"


rule seg_eval:
    input:
        models=expand(SEG_RUN + "/model.pt", method=SEG["methods"], seed=SEG["seeds"]),
    output:
        table=report(RES + "/seg/table_v.csv", caption="../report/seg_table_v.rst", category="Segmentation"),
        summary=RES + "/seg/eval.json",
        fig8=report(RES + "/seg/fig8.png", caption="../report/seg_fig8.rst", category="Segmentation"),
        fig8_methods=report(expand(RES + "/seg/fig8_{method}.png", method=SEG["methods"]),
                            caption="../report/seg_fig8.rst", category="Segmentation"),
    params:
        seg=SEG,
        data_dir=config.get("data_dir"),
    threads: 1
    script:
        "../scripts/seg_eval.py"


TARGETS += expand(SEG_RUN + "/metrics.json", method=SEG["methods"], seed=SEG["seeds"])
TARGETS += [RES + "/seg/table_v.csv", RES + "/seg/eval.json", RES + "/seg/fig8.png"]
TARGETS += expand(RES + "/seg/fig8_{method}.png", method=SEG["methods"])
