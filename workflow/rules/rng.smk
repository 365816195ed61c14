# Spin-ScaleDrop random-number cell (paper Sec. V-A/B, Fig. 2, Eq. 24-25). Library: devices/rng_*.py.
# Chunks are wildcards so --cores runs them in parallel; every rule is rerunnable alone.
# benchmark: files record each job's wall and CPU seconds (results/devices/benchmarks/).
RNG = f"{RES}/devices"
LLG_FIT = f"{RES}/devices/llg_fit.json"  # Eq. 25 fitted to the sLLG solver (workflow/rules/llg.smk)
if config["rng"]["sweep"]["bias_max"] <= config["rng"]["sweep"]["bias_min"]:
    sys.exit("config error: config.rng.sweep.bias_max: must exceed config.rng.sweep.bias_min")
if config["rng"]["sweep"]["p_max"] <= config["rng"]["sweep"]["p_min"]:
    sys.exit("config error: config.rng.sweep.p_max: must exceed config.rng.sweep.p_min")
for _key in ("t_c", "lut_t_c"):
    if config["spice"]["temperature_c"] not in config["rng"]["temperature"][_key]:
        sys.exit(f"config error: config.rng.temperature.{_key}: must contain config.spice.temperature_c "
                 f"({config['spice']['temperature_c']}), the trim temperature")
RNG_SWEEP_CHUNKS = range(config["rng"]["sweep"]["n_chunks"])
RNG_VAR_CHUNKS = range(config["rng"]["variation"]["n_chunks"])


rule rng_transient:
    input:
        targets=f"{RNG}/rng_targets.csv",
        llg_fit=LLG_FIT,
    output:
        json=f"{RNG}/rng_transient.json",
        png=report(f"{RNG}/rng_waveforms.png", caption="../report/rng_waveforms.rst", category="Devices: RNG cell"),
    benchmark:
        f"{RNG}/benchmarks/rng_transient.tsv"
    script:
        "../scripts/rng_transient.py"


rule rng_sweep_chunk:
    input:
        llg_fit=LLG_FIT,
    output:
        f"{RNG}/rng_sweep/chunk_{{chunk}}.csv",
    wildcard_constraints:
        chunk=r"\d+",
    benchmark:
        f"{RNG}/benchmarks/rng_sweep_chunk_{{chunk}}.tsv"
    script:
        "../scripts/rng_sweep.py"


rule rng_fit:
    input:
        chunks=expand(f"{RNG}/rng_sweep/chunk_{{chunk}}.csv", chunk=RNG_SWEEP_CHUNKS),
        llg_fit=LLG_FIT,
    output:
        sweep=f"{RNG}/rng_sweep.csv",
        fit=f"{RNG}/rng_fit.json",
        targets=f"{RNG}/rng_targets.csv",
        sweep_png=report(f"{RNG}/rng_sweep.png", caption="../report/rng_sweep.rst", category="Devices: RNG cell"),
        fit_png=report(f"{RNG}/rng_fit.png", caption="../report/rng_fit.rst", category="Devices: RNG cell"),
    benchmark:
        f"{RNG}/benchmarks/rng_fit.tsv"
    script:
        "../scripts/rng_fit.py"


rule rng_variation_chunk:
    input:
        targets=f"{RNG}/rng_targets.csv",
        llg_fit=LLG_FIT,
    output:
        f"{RNG}/rng_variation/chunk_{{chunk}}.csv",
    wildcard_constraints:
        chunk=r"\d+",
    benchmark:
        f"{RNG}/benchmarks/rng_variation_chunk_{{chunk}}.tsv"
    script:
        "../scripts/rng_variation.py"


rule rng_sensitivity:
    input:
        targets=f"{RNG}/rng_targets.csv",
        llg_fit=LLG_FIT,
    output:
        f"{RNG}/rng_sensitivity.csv",
    benchmark:
        f"{RNG}/benchmarks/rng_sensitivity.tsv"
    script:
        "../scripts/rng_sensitivity.py"


rule rng_temperature:
    input:
        targets=f"{RNG}/rng_targets.csv",
        llg_fit=LLG_FIT,
    output:
        json=f"{RNG}/rng_temperature.json",
        csv=f"{RNG}/rng_temperature.csv",
        png=report(f"{RNG}/rng_temperature.png", caption="../report/rng_temperature.rst", category="Devices: RNG cell"),
    params:
        cfg=cfg_sections("seed", "spice", "rng"),
    log:
        f"{RES}/logs/rng_temperature.log",
    benchmark:
        f"{RNG}/benchmarks/rng_temperature.tsv"
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
        sensitivity=f"{RNG}/rng_sensitivity.csv",
        fit=f"{RNG}/rng_fit.json",
        targets=f"{RNG}/rng_targets.csv",
        variation=expand(f"{RNG}/rng_variation/chunk_{{chunk}}.csv", chunk=RNG_VAR_CHUNKS),
    output:
        model=f"{RNG}/rng_model.json",
        variation=f"{RNG}/rng_variation.csv",
        png=report(f"{RNG}/rng_variation.png", caption="../report/rng_variation.rst", category="Devices: RNG cell"),
    benchmark:
        f"{RNG}/benchmarks/rng_model.tsv"
    script:
        "../scripts/rng_model.py"


TARGETS += [f"{RNG}/rng_model.json", f"{RNG}/rng_waveforms.png", f"{RNG}/rng_sweep.png",
            f"{RNG}/rng_fit.png", f"{RNG}/rng_variation.png", f"{RNG}/rng_temperature.png"]
