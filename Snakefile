# scaledrop: SPICE-backed device-to-system co-design of Bayesian binary NNs (Scale-Dropout).
# Usage: snakemake --cores all [--configfile config/paper.yaml]; results land in results/.

report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/rng.smk"
include: "workflow/rules/crossbar.smk"
include: "workflow/rules/nn.smk"
include: "workflow/rules/seg.smk"
include: "workflow/rules/eval.smk"
include: "workflow/rules/periphery.smk"
include: "workflow/rules/arch.smk"
include: "workflow/rules/llg.smk"
include: "workflow/rules/ablation.smk"
include: "workflow/rules/codesign.smk"


rule all:
    input:
        all_targets(),
    default_target: True
