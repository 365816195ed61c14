# Evaluation suite (README "Evaluation suite"): paper Tables III, IV, VI, IX and Figs. 6, 7, 9 per dataset/model,
# from the configured nn runs (all methods and seeds). Outputs in results/tables/eval_{dataset}_{model}_*.

EV_TAB = f"{RES}/tables/eval_{{dataset}}_{{model}}"
EV_RUN = f"{RES}/nn/{{dataset}}_{{model}}"


rule eval_suite:
    input:
        models=lambda wc: [f"{RES}/nn/{wc.dataset}_{wc.model}_{me}_s{s}/model.pt" for me in NN["methods"]
                           for s in nn_seeds(me)],
        lib=LIB["nn"],
    output:
        table3=f"{EV_TAB}_table3_accuracy.csv",
        runs=f"{EV_TAB}_runs.csv",
        fig7=f"{EV_TAB}_fig7_acc_vs_T.csv",
        plateau=f"{EV_TAB}_fig7_plateau.csv",
        table6=f"{EV_TAB}_table6_ood.csv",
        table6_runs=f"{EV_TAB}_table6_ood_runs.csv",
        exact=f"{EV_TAB}_exact_vs_mc.csv",
        table9=f"{EV_TAB}_table9_accept_reject.csv",
        fig6=f"{EV_TAB}_fig6_rotation.csv",
        fig7_png=report(f"{EV_TAB}_fig7_acc_vs_T.png", caption="../report/eval_fig7.rst", category="Evaluation suite"),
        fig6_png=report(f"{EV_TAB}_fig6_rotation.png", caption="../report/eval_fig6.rst", category="Evaluation suite"),
        fig9_png=report(f"{EV_TAB}_fig9_posterior.png", caption="../report/eval_fig9.rst", category="Evaluation suite"),
    params:
        cfg=cfg_sections("data_dir", "nn", drop=("nn.datasets", "nn.models")),
    wildcard_constraints:
        **{k: NN_WC[k] for k in ("dataset", "model")},
    log:
        f"{LOGS}/eval_suite/{{dataset}}_{{model}}.log",
    benchmark:
        f"{BENCH}/eval_suite/{{dataset}}_{{model}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/eval_suite.py"


rule eval_variation:
    input:
        rng_model=DEVICE_MODELS["rng"],
        model=f"{EV_RUN}_scaledrop_s{{seed}}/model.pt",
        lib=LIB["nn"],
    output:
        table4=f"{EV_TAB}_s{{seed}}_table4_variation.csv",
        table4_png=report(f"{EV_TAB}_s{{seed}}_table4_variation.png", caption="../report/eval_table4.rst",
                          category="Evaluation suite"),
        variation=f"{EV_RUN}_scaledrop_s{{seed}}/variation.json",
    params:
        cfg=cfg_sections("data_dir", "nn", drop=NN_RUN_ONLY[1:]),
    wildcard_constraints:
        **{k: NN_WC[k] for k in ("dataset", "model", "seed")},
    log:
        f"{LOGS}/eval_variation/{{dataset}}_{{model}}_s{{seed}}.log",
    benchmark:
        f"{BENCH}/eval_variation/{{dataset}}_{{model}}_s{{seed}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/eval_variation.py"


if "eval" in NN:
    TARGETS += expand(f"{EV_TAB}_{{f}}", dataset=NN["datasets"], model=NN["models"],
                      f=["table3_accuracy.csv", "fig7_plateau.csv", "table6_ood.csv", "table9_accept_reject.csv",
                         "fig6_rotation.png", "fig7_acc_vs_T.png", "fig9_posterior.png"])
    if "scaledrop" in NN["methods"]:
        TARGETS += expand(f"{EV_TAB}_s{{seed}}_table4_variation.csv", dataset=NN["datasets"], model=NN["models"],
                          seed=NN["seeds"][:1])  # first seed: Table IV trains its own models (budget)


rule eval_shift:
    input:
        models=ev_shift_models,
        lib=LIB["nn"],
    output:
        fig5=f"{EV_TAB}_fig5_noise_ci.csv",
        fig5_png=report(f"{EV_TAB}_fig5_noise_ci.png", caption="../report/eval_fig5.rst", category="Evaluation suite"),
        corruption=f"{EV_TAB}_table10_corruption_runs.csv",
        table10=f"{EV_TAB}_table10_corruption.csv",
        table10_png=report(f"{EV_TAB}_table10_corruption.png", caption="../report/eval_table10.rst",
                           category="Evaluation suite"),
    params:
        cfg=cfg_sections("data_dir", "nn.eval", "nn.mc"),
    wildcard_constraints:
        **{k: NN_WC[k] for k in ("dataset", "model")},
    log:
        f"{LOGS}/eval_shift/{{dataset}}_{{model}}.log",
    benchmark:
        f"{BENCH}/eval_shift/{{dataset}}_{{model}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/eval_shift.py"


rule eval_crossbar:
    input:
        crossbar_model=DEVICE_MODELS["crossbar"],
        model=f"{EV_RUN}_scaledrop_s{{seed}}/model.pt",
        lib=LIB["nn"],
    output:
        table=f"{EV_TAB}_s{{seed}}_crossbar.csv",
    params:
        cfg=cfg_sections("data_dir", "nn.eval", "nn.mc"),
    wildcard_constraints:
        **{k: NN_WC[k] for k in ("dataset", "model", "seed")},
    log:
        f"{LOGS}/eval_crossbar/{{dataset}}_{{model}}_s{{seed}}.log",
    benchmark:
        f"{BENCH}/eval_crossbar/{{dataset}}_{{model}}_s{{seed}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/eval_crossbar.py"


if "eval" in NN and "scaledrop" in NN["methods"]:
    TARGETS += expand(f"{EV_TAB}_{{f}}", dataset=NN["datasets"], model=NN["models"],
                      f=["fig5_noise_ci.png", "table10_corruption.csv"])
    if NN["eval"].get("crossbar", True):
        TARGETS += expand(f"{EV_TAB}_s{{seed}}_crossbar.csv", dataset=NN["datasets"], model=NN["models"],
                          seed=NN["seeds"][:1])
