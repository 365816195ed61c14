# Rules for the crossbar section (see README "Devices: XNOR crossbar"). Each rule appends its final
# outputs to TARGETS. Wildcards: rows (column height), bits (ADC), var (variation level), chunk (MC).
XB = config["crossbar"]
XB_DIR = f"{RES}/crossbar"


def _lvl(v):
    return f"{float(v):g}"


XB_ROWS = XB["rows"] + ([XB["model_rows"]] if XB["model_rows"] not in XB["rows"] else [])
XB_VARS = [_lvl(v) for v in XB["variation"]["levels"]]
XB_VARS += [_lvl(XB["variation"]["model_level"])] if _lvl(XB["variation"]["model_level"]) not in XB_VARS else []
XB_BITS = sorted(set(XB["adc_bits"]) | {XB["model_adc_bits"]})

wildcard_constraints:
    rows=r"\d+",
    bits=r"\d+",
    var=r"[0-9.]+",
    chunk=r"\d+",


rule crossbar_transfer:
    output:
        csv=f"{XB_DIR}/transfer/r{{rows}}.csv",
        json=f"{XB_DIR}/transfer/r{{rows}}.json",
        png=report(f"{XB_DIR}/transfer/r{{rows}}.png", caption="../report/crossbar_transfer.rst",
                   category="Crossbar", subcategory="Transfer"),
    log:
        f"{XB_DIR}/logs/transfer_r{{rows}}.log",
    script:
        "../scripts/crossbar_transfer.py"


rule crossbar_mc:
    output:
        csv=f"{XB_DIR}/mc/r{{rows}}_v{{var}}_c{{chunk}}.csv",
    log:
        f"{XB_DIR}/logs/mc_r{{rows}}_v{{var}}_c{{chunk}}.log",
    script:
        "../scripts/crossbar_mc.py"


def _adc_samples(wc):
    if float(wc.var) == 0:  # nominal devices: the transfer sweep's samples
        return [f"{XB_DIR}/transfer/r{wc.rows}.csv"]
    return [f"{XB_DIR}/mc/r{wc.rows}_v{wc.var}_c{c}.csv" for c in range(XB["mc"]["chunks"])]


rule crossbar_adc:
    input:
        transfer=f"{XB_DIR}/transfer/r{{rows}}.json",
        samples=_adc_samples,
    output:
        json=f"{XB_DIR}/adc/r{{rows}}_b{{bits}}_v{{var}}.json",
        csv=f"{XB_DIR}/adc/r{{rows}}_b{{bits}}_v{{var}}_confusion.csv",
    script:
        "../scripts/crossbar_adc.py"


rule crossbar_energy:
    input:
        transfer=f"{XB_DIR}/transfer/r{{rows}}.json",
    output:
        json=f"{XB_DIR}/energy/r{{rows}}.json",
    log:
        f"{XB_DIR}/logs/energy_r{{rows}}.log",
    script:
        "../scripts/crossbar_energy.py"


rule crossbar_model:
    input:
        transfer=expand(f"{XB_DIR}/transfer/r{{rows}}.json", rows=XB_ROWS),
        adc=expand(f"{XB_DIR}/adc/r{{rows}}_b{{bits}}_v{{var}}.json", rows=XB_ROWS, bits=XB_BITS, var=XB_VARS),
        energy=expand(f"{XB_DIR}/energy/r{{rows}}.json", rows=XB_ROWS),
    output:
        model=f"{RES}/devices/crossbar_model.json",
        summary=f"{XB_DIR}/summary.csv",
        png_err=report(f"{XB_DIR}/adc_error.png", caption="../report/crossbar_adc.rst", category="Crossbar",
                       subcategory="ADC error"),
        png_energy=report(f"{XB_DIR}/energy.png", caption="../report/crossbar_energy.rst", category="Crossbar",
                          subcategory="Energy"),
    script:
        "../scripts/crossbar_model.py"


TARGETS.extend([f"{RES}/devices/crossbar_model.json", f"{XB_DIR}/summary.csv"]
               + expand(f"{XB_DIR}/transfer/r{{rows}}.png", rows=XB_ROWS))
