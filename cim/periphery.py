"""Column-readout periphery priced from the SPICE results file results/devices/periphery_model.json.

Every analog line of the architecture model (front end, ADC, mux, word line + decoder) comes from this file
(rule periph_model); `check_config` stops a workflow at start with one line naming a bad field.
"""
from __future__ import annotations

from cim.devices import DeviceModelError, load_json

PERIPH_RULE = "periph_model"


def check_config(config: dict) -> str | None:
    """First inconsistency between periphery/codesign/crossbar/arch settings, as one line; None if fine."""
    p, xb, arch = config["periphery"], config["crossbar"], config["arch"]
    sim = set(p["adc_bits"])
    if xb["model_adc_bits"] not in sim:
        return (f"config error: config.crossbar.model_adc_bits: {xb['model_adc_bits']} is not simulated "
                f"(periphery.adc_bits: {sorted(sim)})")
    cd = config.get("codesign")
    if cd:
        for b in cd["adc_bits"]:
            if b not in sim:
                return (f"config error: config.codesign.adc_bits: {b} is not simulated "
                        f"(periphery.adc_bits: {sorted(sim)})")
        levels = {float(v) for v in xb["variation"]["levels"]} | {float(xb["variation"]["model_level"])}
        for v in cd["variation"]:
            if float(v) not in levels:
                return (f"config error: config.codesign.variation: {v} has no crossbar Monte Carlo "
                        f"(crossbar.variation.levels: {sorted(levels)})")
        for r in cd["rows"]:
            if arch["crossbar"]["rows"] % r:
                return (f"config error: config.codesign.rows: {r} does not divide the array "
                        f"(arch.crossbar.rows = {arch['crossbar']['rows']})")
    for where, cols in (("crossbar.cols", xb["cols"]), ("arch.crossbar.cols", arch["crossbar"]["cols"])):
        if cols % p["mux_ratio"]:
            return f"config error: config.periphery.mux_ratio: {p['mux_ratio']} does not divide {where} = {cols}"
    return None


def periphery_costs(path, bits: int, rows: int, rule: str | None = None) -> dict:
    """Energy [J] / latency [s] per operation of the readout at `bits` and `rows` active rows."""
    m, rule = load_json(path, "periphery", rule or PERIPH_RULE), rule or PERIPH_RULE
    adc, fe = m.get("adc", {}).get(str(bits)), m.get("frontend", {}).get(str(rows))
    if adc is None:
        raise DeviceModelError(f"{path}: no ADC of {bits} bits (simulated: {', '.join(m.get('adc', {}))}); "
                               f"add it to periphery.adc_bits and rerun rule {rule}")
    if fe is None:
        raise DeviceModelError(f"{path}: no front end for {rows} rows (simulated: {', '.join(m.get('frontend', {}))}); "
                               f"rerun rule {rule}")
    wl = m["wordline"]
    return {"frontend_j": fe["energy_per_read_j"], "t_read_s": fe["t_read_s"],
            "adc_j": adc["energy_per_conversion_j"], "t_conv_s": adc["t_conv_s"],
            "mux_j": adc["mux_energy_per_select_j"], "mux_ratio": int(m["mux_ratio"]),
            "wordline_j": wl["energy_per_row_activation_j"], "t_wordline_s": wl["delay_s"],
            "adc_area_m2": adc["area_m2"], "frontend_area_m2": fe["area_m2"], "bits": int(bits), "rows": int(rows),
            "file": str(path)}
