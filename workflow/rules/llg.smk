# Stochastic LLG (sLLG) physics of the SOT-MTJ (issue 11): switching driven by the cell's SPICE track
# current, fit of paper Eq. 25 to it, temperature, RESET errors, read disturb, bitstream. Library:
# devices/llg.py, devices/llg_drive.py, devices/llg_fit.py; stack devices/params/sot_stack.yaml.
LLG = f"{RES}/devices/llg"


def _llg_check(cfg):
    """Stop at workflow start on an unphysical stack (one line naming the field)."""
    from devices import llg as _llg

    c = cfg["llg"]
    if cfg["spice"]["temperature_c"] not in c["temperatures_c"]:
        sys.exit("config error: config.llg.temperatures_c: must contain the operating temperature config.spice.temperature_c")
    try:
        for t in c["temperatures_c"]:
            _llg.load_stack(c["stack"], t)
        _llg.check_operable(_llg.load_stack(c["stack"], cfg["spice"]["temperature_c"]), c["delta_min"])
    except ValueError as err:
        sys.exit(f"config error: config.llg.stack: {err}")


def _tkey(t):
    return f"{float(t):g}"


_llg_check(config)
LLG_TEMPS = [_tkey(t) for t in config["llg"]["temperatures_c"]]


rule llg_sweep:
    input:
        stack=str(REPO / "devices" / "params" / "sot_stack.yaml"),
    output:
        f"{LLG}/sweep_{{temp}}.json",
    wildcard_constraints:
        temp=r"-?\d+(\.\d+)?",
    params:
        cfg=cfg_sections("seed", "spice", "rng", "llg"),
    log:
        f"{RES}/logs/llg_sweep_{{temp}}.log",
    benchmark:
        f"{RES}/benchmarks/llg_sweep_{{temp}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/llg_sweep.py"


rule llg_fit:
    input:
        expand(f"{LLG}/sweep_{{temp}}.json", temp=LLG_TEMPS),
    output:
        fit=f"{RES}/devices/llg_fit.json",
        points=f"{LLG}/llg_points.csv",
        temperature=f"{LLG}/llg_temperature.csv",
        png=report(f"{LLG}/llg_fit.png", caption="../report/llg_fit.rst", category="Devices: sLLG"),
    params:
        cfg=cfg_sections("seed", "spice", "llg"),
    log:
        f"{RES}/logs/llg_fit.log",
    benchmark:
        f"{RES}/benchmarks/llg_fit.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/llg_fit.py"


rule llg_bitstream:
    input:
        sweep=f"{LLG}/sweep_{_tkey(config['spice']['temperature_c'])}.json",
    output:
        bitstream=f"{LLG}/llg_bitstream.csv",
        read=f"{LLG}/llg_read_disturb.csv",
        summary=f"{LLG}/llg_bitstream.json",
    params:
        cfg=cfg_sections("seed", "spice", "llg"),
    log:
        f"{RES}/logs/llg_bitstream.log",
    benchmark:
        f"{RES}/benchmarks/llg_bitstream.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/llg_bitstream.py"


TARGETS += [f"{RES}/devices/llg_fit.json", f"{LLG}/llg_fit.png", f"{LLG}/llg_bitstream.csv",
            f"{LLG}/llg_read_disturb.csv"]
