# Column readout at transistor level (issue 12): front end, SAR ADC per resolution, comparator offset MC,
# word-line driver + decoder, column mux -> results/devices/periphery_model.json (+ ADC energy vs the Murmann
# survey). Each SPICE job records its CPU seconds (benchmark:).
from cim.periphery import check_config as _periph_check

PER = config["periphery"]
PER_DIR = f"{RES}/periphery"
_msg = _periph_check(config)
if _msg:
    sys.exit(_msg)
PER_ROWS = sorted(set(config.get("codesign", {}).get("rows", [])) | set(config["crossbar"]["rows"])
                  | {config["crossbar"]["model_rows"]})

wildcard_constraints:
    bits=r"\d+",


rule periph_frontend:
    input:
        lib=LIB["devices"],
        transfer=expand(f"{RES}/crossbar/transfer/r{{rows}}.json", rows=PER_ROWS),
    output:
        json=f"{PER_DIR}/frontend.json",
        png=report(f"{PER_DIR}/frontend.png", caption="../report/periph_frontend.rst", category="Periphery"),
    params:
        cfg=cfg_sections("spice", "crossbar.v_read", "crossbar.c_wire_ff", "periphery.frontend"),
    log: f"{LOGS}/periph_frontend.log"
    benchmark: f"{BENCH}/periph_frontend.tsv"
    threads: 1
    resources: mem_mb=1000, runtime=5
    script: "../scripts/periph_frontend.py"


rule periph_adc:
    input:
        lib=LIB["devices"],
        frontend=f"{PER_DIR}/frontend.json",
    output:
        json=f"{PER_DIR}/adc_b{{bits}}.json",
    params:
        cfg=cfg_sections("spice", "crossbar.model_rows", "periphery.adc", "periphery.mux", "periphery.mux_ratio"),
    log: f"{LOGS}/periph_adc/b{{bits}}.log"
    benchmark: f"{BENCH}/periph_adc/b{{bits}}.tsv"
    threads: 1
    resources: mem_mb=1000, runtime=10
    script: "../scripts/periph_adc.py"


rule periph_comparator:
    input:
        lib=LIB["devices"],
    output:
        json=f"{PER_DIR}/comparator.json",
    params:
        cfg=cfg_sections("seed", "spice", "periphery.adc"),
    log: f"{LOGS}/periph_comparator.log"
    benchmark: f"{BENCH}/periph_comparator.tsv"
    threads: 1
    resources: mem_mb=1000, runtime=5
    script: "../scripts/periph_comparator.py"


rule periph_wordline:
    input:
        lib=LIB["devices"],
        energy=f"{RES}/crossbar/energy/r{config['crossbar']['model_rows']}.json",
    output:
        json=f"{PER_DIR}/wordline.json",
    params:
        cfg=cfg_sections("spice", "crossbar.cols", "crossbar.r_wire_ohm", "periphery.wordline"),
    log: f"{LOGS}/periph_wordline.log"
    benchmark: f"{BENCH}/periph_wordline.tsv"
    threads: 1
    resources: mem_mb=1000, runtime=5
    script: "../scripts/periph_wordline.py"


rule periph_model:
    input:
        lib=LIB["devices"],
        frontend=f"{PER_DIR}/frontend.json",
        adc=expand(f"{PER_DIR}/adc_b{{bits}}.json", bits=PER["adc_bits"]),
        comparator=f"{PER_DIR}/comparator.json",
        wordline=f"{PER_DIR}/wordline.json",
    output:
        model=f"{RES}/devices/periphery_model.json",
        table=f"{RES}/tables/periphery_adc.csv",
        png=report(f"{RES}/tables/periphery_adc_vs_survey.png", caption="../report/periph_adc_survey.rst",
                   category="Periphery"),
    params:
        cfg=cfg_sections("periphery.mux_ratio"),
    log: f"{LOGS}/periph_model.log"
    threads: 1
    resources: mem_mb=1000, runtime=5
    script: "../scripts/periph_model.py"


TARGETS.extend([f"{RES}/devices/periphery_model.json", f"{RES}/tables/periphery_adc_vs_survey.png"])
