# Rules for the nn section (see README). Each rule appends its final outputs to TARGETS.
# Wildcards: dataset, model, method (scaledrop; baselines plug in as further methods), seed.

# params.cfg leaves out the lists that only choose which runs exist (they are wildcards), so adding a method
# or seed trains only the new runs; input functions: workflow/rules/common.smk.
NN = config["nn"]
NN_RUN = f"{RES}/nn/{{dataset}}_{{model}}_{{method}}_s{{seed}}"
NN_RUN_ONLY = ("nn.eval", "nn.datasets", "nn.models", "nn.methods", "nn.seeds", "nn.single_seed_methods")


NN_WC = dict(dataset="[a-z0-9_]+?", model="lenet5|vgg_small|resnet18|resnet20", method="[a-z_]+", seed="[0-9]+")


rule train:
    input:
        unpack(nn_train_inputs),
        lib=LIB["nn"],
    output:
        model=f"{NN_RUN}/model.pt",
        metrics=f"{NN_RUN}/metrics.json",
    params:
        cfg=cfg_sections("data_dir", "nn", drop=(*NN_RUN_ONLY, "nn.mc")),
    wildcard_constraints:
        **NN_WC,
    log:
        f"{LOGS}/train/{{dataset}}_{{model}}_{{method}}_s{{seed}}.log",
    benchmark:
        f"{BENCH}/train/{{dataset}}_{{model}}_{{method}}_s{{seed}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=240,
        gpu=config["cluster"]["train_gpus"],
    script:
        "../scripts/train.py"


rule mc_eval:
    input:
        unpack(nn_device_inputs),
        model=f"{NN_RUN}/model.pt",
        lib=LIB["nn"],
    wildcard_constraints:
        **NN_WC,
    output:
        summary=f"{NN_RUN}/mc_eval.json",
        acc_vs_t=f"{NN_RUN}/acc_vs_T.csv",
        acc_vs_t_png=report(f"{NN_RUN}/acc_vs_T.png", caption="../report/nn_acc_vs_T.rst", category="Neural networks",
                            subcategory="{dataset} {model} {method} s{seed}"),
        ood=f"{NN_RUN}/ood.csv",
        ood_png=report(f"{NN_RUN}/ood_hist.png", caption="../report/nn_ood.rst", category="Neural networks",
                       subcategory="{dataset} {model} {method} s{seed}"),
    params:
        cfg=cfg_sections("data_dir", "nn", drop=NN_RUN_ONLY),
    log:
        f"{LOGS}/mc_eval/{{dataset}}_{{model}}_{{method}}_s{{seed}}.log",
    benchmark:
        f"{BENCH}/mc_eval/{{dataset}}_{{model}}_{{method}}_s{{seed}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    script:
        "../scripts/mc_eval.py"


# Every method is trained; the full MC evaluation (mc_eval) is targeted for Scale-Dropout runs, while the
# baselines are compared with it in the evaluation suite (eval.smk). `mc_eval` of a baseline: ask for its path.
TARGETS += [f for me in NN["methods"] for f in expand(f"{NN_RUN}/metrics.json", dataset=NN["datasets"],
                                                     model=NN["models"], method=me, seed=nn_seeds(me))]
TARGETS += expand(f"{NN_RUN}/{{f}}", dataset=NN["datasets"], model=NN["models"],
                  method=[m for m in NN["methods"] if m == "scaledrop"], seed=NN["seeds"],
                  f=["mc_eval.json", "acc_vs_T.png", "ood.csv", "ood_hist.png"])
