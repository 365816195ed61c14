# Spin-ScaleDrop random-number cell (paper Sec. V-A/B, Fig. 2, Eq. 24-25). Library: devices/rng_*.py.
# Chunks are wildcards so --cores runs them in parallel; every rule is rerunnable alone.
# benchmark: files record each job's wall and CPU seconds (results/benchmarks/).
# Every rule: params.cfg = the config it reads (a change reruns it), library sources as inputs, a log.
RNG = f"{RES}/devices"
LLG_FIT = f"{RES}/devices/llg_fit.json"  # switching law fitted to the sLLG solver (workflow/rules/llg.smk)
RNG_CFG = ("seed", "spice", "rng.mtj", "rng.design", "rng.variation.sigma")
RNG_SWEEP_CHUNKS = range(config["rng"]["sweep"]["n_chunks"])
RNG_VAR_CHUNKS = range(config["rng"]["variation"]["n_chunks"])


rule rng_transient:
    input:
        lib=LIB["devices"],
        targets=f"{RNG}/rng_targets.csv",
        llg_fit=LLG_FIT,
    output:
        json=f"{RNG}/rng_transient.json",
        png=report(f"{RNG}/rng_waveforms.png", caption="../report/rng_waveforms.rst", category="Devices: RNG cell"),
    params:
        cfg=cfg_sections(*RNG_CFG),
    log:
        f"{LOGS}/rng_transient.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    benchmark:
        f"{BENCH}/rng_transient.tsv"
    script:
        "../scripts/rng_transient.py"


rule rng_sweep_chunk:
    input:
        lib=LIB["devices"],
        llg_fit=LLG_FIT,
    output:
        f"{RNG}/rng_sweep/chunk_{{chunk}}.csv",
    wildcard_constraints:
        chunk=r"\d+",
    params:
        cfg=cfg_sections(*RNG_CFG, "rng.sweep"),
    log:
        f"{LOGS}/rng_sweep_chunk/{{chunk}}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    benchmark:
        f"{BENCH}/rng_sweep_chunk_{{chunk}}.tsv"
    script:
        "../scripts/rng_sweep.py"


rule rng_fit:
    input:
        lib=LIB["devices"],
        chunks=expand(f"{RNG}/rng_sweep/chunk_{{chunk}}.csv", chunk=RNG_SWEEP_CHUNKS),
        llg_fit=LLG_FIT,
    output:
        sweep=f"{RNG}/rng_sweep.csv",
        fit=f"{RNG}/rng_fit.json",
        targets=f"{RNG}/rng_targets.csv",
        sweep_png=report(f"{RNG}/rng_sweep.png", caption="../report/rng_sweep.rst", category="Devices: RNG cell"),
        fit_png=report(f"{RNG}/rng_fit.png", caption="../report/rng_fit.rst", category="Devices: RNG cell"),
    params:
        cfg=cfg_sections(*RNG_CFG, "rng.sweep", "rng.targets", "rng.verify_trials"),
    log:
        f"{LOGS}/rng_fit.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    benchmark:
        f"{BENCH}/rng_fit.tsv"
    script:
        "../scripts/rng_fit.py"


rule rng_variation_chunk:
    input:
        targets=f"{RNG}/rng_targets.csv",
        lib=LIB["devices"],
        llg_fit=LLG_FIT,
    output:
        f"{RNG}/rng_variation/chunk_{{chunk}}.csv",
    wildcard_constraints:
        chunk=r"\d+",
    params:
        cfg=cfg_sections(*RNG_CFG, "rng.variation"),
    log:
        f"{LOGS}/rng_variation_chunk/{{chunk}}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    benchmark:
        f"{BENCH}/rng_variation_chunk_{{chunk}}.tsv"
    script:
        "../scripts/rng_variation.py"


rule rng_sensitivity:
    input:
        targets=f"{RNG}/rng_targets.csv",
        lib=LIB["devices"],
        llg_fit=LLG_FIT,
    output:
        f"{RNG}/rng_sensitivity.csv",
    params:
        cfg=cfg_sections(*RNG_CFG, "rng.variation"),
    log:
        f"{LOGS}/rng_sensitivity.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=20,
    benchmark:
        f"{BENCH}/rng_sensitivity.tsv"
    script:
        "../scripts/rng_sensitivity.py"


rule rng_temperature:
    input:
        targets=f"{RNG}/rng_targets.csv",
        lib=LIB["devices"],
        llg_fit=LLG_FIT,
    output:
        json=f"{RNG}/rng_temperature.json",
        csv=f"{RNG}/rng_temperature.csv",
        png=report(f"{RNG}/rng_temperature.png", caption="../report/rng_temperature.rst", category="Devices: RNG cell"),
    params:
        cfg=cfg_sections("seed", "spice", "rng"),
    log:
        f"{LOGS}/rng_temperature.log",
    benchmark:
        f"{BENCH}/rng_temperature.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/rng_temperature.py"


rule rng_model:
    input:
        transient=f"{RNG}/rng_transient.json",
        temperature=f"{RNG}/rng_temperature.json",
        llg_fit=LLG_FIT,
        read_disturb=f"{RES}/devices/llg/llg_bitstream.json",
        sensitivity=f"{RNG}/rng_sensitivity.csv",
        fit=f"{RNG}/rng_fit.json",
        targets=f"{RNG}/rng_targets.csv",
        variation=expand(f"{RNG}/rng_variation/chunk_{{chunk}}.csv", chunk=RNG_VAR_CHUNKS),
        lib=LIB["devices"],
    output:
        model=f"{RNG}/rng_model.json",
        variation=f"{RNG}/rng_variation.csv",
        png=report(f"{RNG}/rng_variation.png", caption="../report/rng_variation.rst", category="Devices: RNG cell"),
    params:
        cfg=cfg_sections(*RNG_CFG, "rng.variation"),
    log:
        f"{LOGS}/rng_model.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    benchmark:
        f"{BENCH}/rng_model.tsv"
    script:
        "../scripts/rng_model.py"


TARGETS += [f"{RNG}/rng_model.json", f"{RNG}/rng_waveforms.png", f"{RNG}/rng_sweep.png",
            f"{RNG}/rng_fit.png", f"{RNG}/rng_variation.png", f"{RNG}/rng_temperature.png"]
