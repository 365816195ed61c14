# Rules for the nn section (see README). Each rule appends its final outputs to TARGETS.
# Wildcards: dataset, model, method (scaledrop; baselines plug in as further methods), seed.

NN = config["nn"]
NN_RUN = RES + "/nn/{dataset}_{model}_{method}_s{seed}"

def nn_device_inputs(wildcards):
    """The fitted RNG-cell model when masks come from it (scale_dropout.sampler.kind: device)."""
    smp = NN["scale_dropout"].get("sampler", {})
    return {"rng_model": smp.get("path", f"{RES}/devices/rng_model.json")} if smp.get("kind") == "device" else {}


def nn_train_inputs(wildcards):
    """Device models of training: the RNG cell's (see above) and the crossbar's with nn.train.crossbar_errors."""
    xb = {"crossbar_model": f"{RES}/devices/crossbar_model.json"} if NN["train"].get("crossbar_errors") else {}
    return {**nn_device_inputs(wildcards), **xb}


def nn_seeds(method):
    """Seeds of one method: nn.seeds, or only the first for nn.single_seed_methods (run budget)."""
    return NN["seeds"][:1] if method in NN.get("single_seed_methods", []) else NN["seeds"]


NN_WC = dict(dataset="[a-z0-9_]+?", model="lenet5|vgg_small|resnet18|resnet20", method="[a-z_]+", seed="[0-9]+")


rule train:
    input:
        unpack(nn_train_inputs),
    output:
        model=NN_RUN + "/model.pt",
        metrics=NN_RUN + "/metrics.json",
    params:
        nn={k: v for k, v in NN.items() if k not in ("mc", "eval")},  # a training-config change reruns it
        data_dir=config.get("data_dir"),
    wildcard_constraints:
        **NN_WC,
    threads: 1
    script:
        "../scripts/train.py"


rule mc_eval:
    input:
        unpack(nn_device_inputs),
        model=NN_RUN + "/model.pt",
    wildcard_constraints:
        **NN_WC,
    output:
        summary=NN_RUN + "/mc_eval.json",
        acc_vs_t=NN_RUN + "/acc_vs_T.csv",
        acc_vs_t_png=report(NN_RUN + "/acc_vs_T.png", caption="../report/nn_acc_vs_T.rst", category="Neural networks",
                            subcategory="{dataset} {model} {method} s{seed}"),
        ood=NN_RUN + "/ood.csv",
        ood_png=report(NN_RUN + "/ood_hist.png", caption="../report/nn_ood.rst", category="Neural networks",
                       subcategory="{dataset} {model} {method} s{seed}"),
    params:
        nn=NN,
        data_dir=config.get("data_dir"),
        cfg=cfg_sections("nn", "data_dir"),
    threads: 1
    script:
        "../scripts/mc_eval.py"


# Every method is trained; the full MC evaluation (mc_eval) is targeted for Scale-Dropout runs, while the
# baselines are compared with it in the evaluation suite (eval.smk). `mc_eval` of a baseline: ask for its path.
TARGETS += [f for me in NN["methods"] for f in expand(NN_RUN + "/metrics.json", dataset=NN["datasets"],
                                                     model=NN["models"], method=me, seed=nn_seeds(me))]
TARGETS += expand(NN_RUN + "/{f}", dataset=NN["datasets"], model=NN["models"],
                  method=[m for m in NN["methods"] if m == "scaledrop"], seed=NN["seeds"],
                  f=["mc_eval.json", "acc_vs_T.png", "ood.csv", "ood_hist.png"])
