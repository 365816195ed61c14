# Evaluation suite (README "Evaluation suite"): paper Tables III, IV, VI, IX and Figs. 6, 7, 9 per dataset/model,
# from the configured nn runs (all methods and seeds). Outputs in results/tables/eval_{dataset}_{model}_*.

EV_TAB = RES + "/tables/eval_{dataset}_{model}"


rule eval_suite:
    input:
        models=lambda wc: [f"{RES}/nn/{wc.dataset}_{wc.model}_{me}_s{s}/model.pt" for me in NN["methods"]
                           for s in nn_seeds(me)],
    output:
        table3=EV_TAB + "_table3_accuracy.csv",
        runs=EV_TAB + "_runs.csv",
        fig7=EV_TAB + "_fig7_acc_vs_T.csv",
        plateau=EV_TAB + "_fig7_plateau.csv",
        table6=EV_TAB + "_table6_ood.csv",
        table6_runs=EV_TAB + "_table6_ood_runs.csv",
        exact=EV_TAB + "_exact_vs_mc.csv",
        table9=EV_TAB + "_table9_accept_reject.csv",
        fig6=EV_TAB + "_fig6_rotation.csv",
        fig7_png=report(EV_TAB + "_fig7_acc_vs_T.png", caption="../report/eval_fig7.rst", category="Evaluation suite"),
        fig6_png=report(EV_TAB + "_fig6_rotation.png", caption="../report/eval_fig6.rst", category="Evaluation suite"),
        fig9_png=report(EV_TAB + "_fig9_posterior.png", caption="../report/eval_fig9.rst", category="Evaluation suite"),
    params:
        seeds=NN["seeds"],
        nn=NN,
        cfg=cfg_sections("nn", "data_dir"),
    wildcard_constraints:
        **{k: NN_WC[k] for k in ("dataset", "model")},
    threads: 1
    script:
        "../scripts/eval_suite.py"


rule eval_variation:
    input:
        rng_model=RES + "/devices/rng_model.json",
        model=RES + "/nn/{dataset}_{model}_scaledrop_s{seed}/model.pt",
    output:
        table4=EV_TAB + "_s{seed}_table4_variation.csv",
        table4_png=report(EV_TAB + "_s{seed}_table4_variation.png", caption="../report/eval_table4.rst",
                          category="Evaluation suite"),
        variation=RES + "/nn/{dataset}_{model}_scaledrop_s{seed}/variation.json",
    params:
        nn=NN,
    wildcard_constraints:
        **{k: NN_WC[k] for k in ("dataset", "model", "seed")},
    threads: 1
    script:
        "../scripts/eval_variation.py"


if "eval" in NN:
    TARGETS += expand(EV_TAB + "_{f}", dataset=NN["datasets"], model=NN["models"],
                      f=["table3_accuracy.csv", "fig7_plateau.csv", "table6_ood.csv", "table9_accept_reject.csv",
                         "fig6_rotation.png", "fig7_acc_vs_T.png", "fig9_posterior.png"])
    if "scaledrop" in NN["methods"]:
        TARGETS += expand(EV_TAB + "_s{seed}_table4_variation.csv", dataset=NN["datasets"], model=NN["models"],
                          seed=NN["seeds"][:1])  # first seed: Table IV trains its own models (budget)


def ev_shift_models(wc):
    """Scale-Dropout and the MC-Dropout variants among nn.methods (Fig. 5 contrast)."""
    ms = [m for m in NN["methods"] if m == "scaledrop" or m.replace("_", "").startswith("mcdropout")]
    return expand(f"{RES}/nn/{wc.dataset}_{wc.model}_{{method}}_s{min(NN['seeds'])}/model.pt", method=ms)


rule eval_shift:
    input:
        models=ev_shift_models,
    output:
        fig5=EV_TAB + "_fig5_noise_ci.csv",
        fig5_png=report(EV_TAB + "_fig5_noise_ci.png", caption="../report/eval_fig5.rst", category="Evaluation suite"),
        corruption=EV_TAB + "_table10_corruption_runs.csv",
        table10=EV_TAB + "_table10_corruption.csv",
        table10_png=report(EV_TAB + "_table10_corruption.png", caption="../report/eval_table10.rst",
                           category="Evaluation suite"),
    params:
        eval=NN.get("eval"),
        mc=NN["mc"],
    wildcard_constraints:
        **{k: NN_WC[k] for k in ("dataset", "model")},
    threads: 1
    script:
        "../scripts/eval_shift.py"


rule eval_crossbar:
    input:
        crossbar_model=RES + "/devices/crossbar_model.json",
        model=RES + "/nn/{dataset}_{model}_scaledrop_s{seed}/model.pt",
    output:
        table=EV_TAB + "_s{seed}_crossbar.csv",
    params:
        eval=NN.get("eval"),
    wildcard_constraints:
        **{k: NN_WC[k] for k in ("dataset", "model", "seed")},
    threads: 1
    script:
        "../scripts/eval_crossbar.py"


if "eval" in NN and "scaledrop" in NN["methods"]:
    TARGETS += expand(EV_TAB + "_{f}", dataset=NN["datasets"], model=NN["models"],
                      f=["fig5_noise_ci.png", "table10_corruption.csv"])
    if NN["eval"].get("crossbar", True):
        TARGETS += expand(EV_TAB + "_s{seed}_crossbar.csv", dataset=NN["datasets"], model=NN["models"],
                          seed=NN["seeds"][:1])
