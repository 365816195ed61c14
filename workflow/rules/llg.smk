# Stochastic LLG (sLLG) physics of the SOT-MTJ (issue 11): switching driven by the cell's SPICE track
# current, fits of paper Eq. 25 and the precessional law to it (the better one is the cell's law),
# temperature, RESET errors, read disturb, bitstream. Library:
# devices/llg.py, devices/llg_drive.py, devices/llg_fit.py; stack devices/params/sot_stack.yaml.
LLG = f"{RES}/devices/llg"
LLG_STACK = [config["llg"]["stack_file"]] if config["llg"].get("stack_file") else []  # a user stack is an input


llg_check(config)
LLG_TEMPS = [llg_tkey(t) for t in config["llg"]["temperatures_c"]]


rule llg_sweep:
    input:
        lib=LIB["devices"],
        stack=LLG_STACK,
    output:
        f"{LLG}/sweep_{{temp}}.json",
    wildcard_constraints:
        temp=r"-?\d+(\.\d+)?",
    params:
        cfg=cfg_sections("seed", "spice", "rng.mtj", "rng.design", "llg"),  # the rng cell's MTJ and driver
    log:
        f"{LOGS}/llg_sweep_{{temp}}.log",
    benchmark:
        f"{BENCH}/llg_sweep_{{temp}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/llg_sweep.py"


rule llg_fit:
    input:
        sweeps=expand(f"{LLG}/sweep_{{temp}}.json", temp=LLG_TEMPS),
        lib=LIB["devices"],
        stack=LLG_STACK,
    output:
        fit=f"{RES}/devices/llg_fit.json",
        points=f"{LLG}/llg_points.csv",
        temperature=f"{LLG}/llg_temperature.csv",
        png=report(f"{LLG}/llg_fit.png", caption="../report/llg_fit.rst", category="Devices: sLLG"),
    params:
        cfg=cfg_sections("seed", "spice", "llg"),
    log:
        f"{LOGS}/llg_fit.log",
    benchmark:
        f"{BENCH}/llg_fit.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/llg_fit.py"


rule llg_bitstream:
    input:
        sweep=f"{LLG}/sweep_{llg_tkey(config['spice']['temperature_c'])}.json",
        transient=f"{RES}/devices/rng_transient.json",  # the cell's measured read pulse
        lib=LIB["devices"],
        stack=LLG_STACK,
    output:
        bitstream=f"{LLG}/llg_bitstream.csv",
        read=f"{LLG}/llg_read_disturb.csv",
        summary=f"{LLG}/llg_bitstream.json",
    params:
        cfg=cfg_sections("seed", "spice", "llg"),
    log:
        f"{LOGS}/llg_bitstream.log",
    benchmark:
        f"{BENCH}/llg_bitstream.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/llg_bitstream.py"


TARGETS += [f"{RES}/devices/llg_fit.json", f"{LLG}/llg_fit.png", f"{LLG}/llg_bitstream.csv",
            f"{LLG}/llg_read_disturb.csv"]
