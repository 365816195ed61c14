# Rules for the crossbar section (see README "Devices: XNOR crossbar"). Each rule appends its final
# outputs to TARGETS. Wildcards: rows (column height), var (variation level), chunk (MC). The ADC error
# models (every rows x bits x var x reference) are cheap numerics done inside crossbar_model.
XB = config["crossbar"]
XB_DIR = f"{RES}/crossbar"
XB_SPEC = ("seed", "spice", *(f"crossbar.{k}" for k in ("access_w_nm", "access_l_nm", "r_wire_ohm", "c_wire_ff",
                                                         "t_slot_ps", "t_edge_ps", "v_read", "mtj", "variation")))
XB_ROWS = sorted(set(XB["rows"]) | {XB["model_rows"]} | set(config.get("codesign", {}).get("rows", [])))
XB_MC_ROWS = sorted(set(XB["mc"].get("rows", [])) | {XB["model_rows"]})
XB_VARS = sorted({f"{float(v):g}" for v in XB["variation"]["levels"] if float(v) > 0}
                 | {f"{float(XB['variation']['model_level']):g}"} - {"0"}, key=float)

wildcard_constraints:
    rows=r"\d+",
    var=r"[0-9.]+",
    chunk=r"\d+",


rule crossbar_column:
    input:
        lib=LIB["devices"],
    output:
        csv=f"{XB_DIR}/transfer/r{{rows}}.csv",
        json=f"{XB_DIR}/transfer/r{{rows}}.json",
        png=report(f"{XB_DIR}/transfer/r{{rows}}.png", caption="../report/crossbar_transfer.rst",
                   category="Crossbar", subcategory="Transfer"),
        energy=f"{XB_DIR}/energy/r{{rows}}.json",
    params:
        cfg=cfg_sections(*XB_SPEC, "crossbar.cols", "crossbar.energy", "crossbar.transfer"),
    log:
        f"{LOGS}/crossbar_column/r{{rows}}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    benchmark:
        f"{BENCH}/crossbar_column_r{{rows}}.tsv"
    script:
        "../scripts/crossbar_column.py"


rule crossbar_mc:
    input:
        lib=LIB["devices"],
    output:
        csv=f"{XB_DIR}/mc/r{{rows}}_v{{var}}_c{{chunk}}.csv",
    params:
        cfg=cfg_sections(*XB_SPEC, "crossbar.mc"),
    log:
        f"{LOGS}/crossbar_mc/r{{rows}}_v{{var}}_c{{chunk}}.log",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    benchmark:
        f"{BENCH}/crossbar_mc_r{{rows}}_v{{var}}_c{{chunk}}.tsv"
    script:
        "../scripts/crossbar_mc.py"


rule crossbar_model:
    input:
        transfer=expand(f"{XB_DIR}/transfer/r{{rows}}.json", rows=XB_ROWS),
        samples=expand(f"{XB_DIR}/transfer/r{{rows}}.csv", rows=XB_ROWS),
        energy=expand(f"{XB_DIR}/energy/r{{rows}}.json", rows=XB_ROWS),
        mc=expand(f"{XB_DIR}/mc/r{{rows}}_v{{var}}_c{{chunk}}.csv", rows=XB_MC_ROWS, var=XB_VARS,
                  chunk=range(XB["mc"]["chunks"])),
        lib=LIB["devices"],
        periphery=f"{RES}/devices/periphery_model.json",
    output:
        model=f"{RES}/devices/crossbar_model.json",
        summary=f"{XB_DIR}/summary.csv",
        confusion=f"{XB_DIR}/adc_confusion.csv",
        png_err=report(f"{XB_DIR}/adc_error.png", caption="../report/crossbar_adc.rst", category="Crossbar",
                       subcategory="ADC error"),
        png_energy=report(f"{XB_DIR}/energy.png", caption="../report/crossbar_energy.rst", category="Crossbar",
                          subcategory="Energy"),
    params:
        cfg=cfg_sections("crossbar", "periphery.frontend.t_int_ns", "spice.temperature_c", "codesign.adc_bits"),
    log:
        f"{LOGS}/crossbar_model.log",
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    benchmark:
        f"{BENCH}/crossbar_model.tsv"
    script:
        "../scripts/crossbar_model.py"


TARGETS.extend([f"{RES}/devices/crossbar_model.json", f"{XB_DIR}/summary.csv"]
               + expand(f"{XB_DIR}/transfer/r{{rows}}.png", rows=XB_ROWS))
