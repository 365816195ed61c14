"""Rule periph_adc: one SAR resolution at transistor level (issue 12 item 1): closed-loop conversions (energy,
time, codes), CDAC code sweep (DNL/INL, monotonic), column-mux energy onto its sampling capacitance."""
import json

import numpy as np

import common
from devices.adc import convert, dac_levels, linearity, spec_from_config
from devices.params import load_params
from devices.periphery import mux
from devices.spice import set_wall_timeout, versions

NM, PS = 1e-9, 1e-12


def main(sm):
    cfg = sm.params.cfg
    set_wall_timeout(cfg["spice"]["timeout_s"])
    bits, a, retries = int(sm.wildcards.bits), cfg["periphery"]["adc"], cfg["spice"]["max_retries"]
    fe = json.loads(open(sm.input.frontend).read())["rows"][str(cfg["crossbar"]["model_rows"])]
    s = spec_from_config(cfg, bits, fe["v_range"])
    n = a["conversions"]
    vins = s.v_refn + (np.arange(n) + 0.37) / n * (s.v_refp - s.v_refn)
    conv = convert(s, vins, retries)
    lv = dac_levels(s, a["dac_hold_ps"] * PS, retries)
    lin = linearity(np.array(lv["levels_v"]))
    ideal = np.floor((vins - s.v_refn) / s.lsb).astype(int)
    code_in = (vins - s.v_refn) / s.lsb - 0.5                  # input in LSB, centred on the ideal code
    gain, offset = np.polyfit(code_in, conv["codes"], 1)
    resid = np.array(conv["codes"]) - (gain * code_in + offset)
    c_bus = 2 * s.c_unit * 2 ** bits + s.c_top_par
    m = cfg["periphery"]["mux"]
    mx = mux(cfg["periphery"]["mux_ratio"], c_bus, vins[:3], {"t_sel": m["t_sel_ps"] * PS, "t_edge": 20 * PS,
             "w_sw": m["w_sw_nm"] * NM, "t_step": m["t_step_ps"] * PS}, s.vdd, retries, s.temp_c)
    cm = load_params("cmos45")
    # comparator + buffers; 3 switches x (TG + 2 inverters) per cap; top, replica-top and replica-bottom switches
    n_dev = 12 + 4 + 8 * (bits + 1) * 3 + 8 * 3
    out = {"bits": bits, "v_refn": s.v_refn, "v_refp": s.v_refp, "lsb_v": s.lsb, "t_conv_s": conv["t_conv_s"],
           "energy_per_conversion_j": conv["energy_j"], "inputs_v": vins.tolist(), "codes": conv["codes"],
           "codes_ideal": ideal.tolist(), "code_error_lsb": (np.array(conv["codes"]) - ideal).tolist(),
           "closed_loop_gain": float(gain), "closed_loop_offset_lsb": float(offset),
           "closed_loop_residual_max_lsb": float(np.abs(resid).max()),
           "closed_loop_basis": "codes vs input (LSB) of the closed-loop conversions, straight-line fit: systematic "
                                "offset/gain (top-plate switch charge injection, residual settling) is what a per-ADC "
                                "reference trim removes; the error model uses trimmed thresholds",
           "dnl_max_lsb": lin["dnl_max"], "inl_max_lsb": lin["inl_max"], "monotonic": lin["monotonic"],
           "dnl_lsb": lin["dnl_lsb"], "inl_lsb": lin["inl_lsb"], "mux_energy_per_select_j": mx["energy_per_select_j"],
           "mux_ratio": mx["ratio"], "c_sample_f": c_bus,
           "area_m2": n_dev * cm["device_area"] + 2 * s.c_unit * 2 ** bits / cm["mom_density"],
           "attempts": {"conversion": conv["attempts"], "dac": lv["attempts"], "mux": mx["attempts"]},
           "provenance": common.provenance(cfg, **versions())}
    common.write_json(sm.output.json, out)
    with open(sm.log[0], "w") as fh:
        fh.write(f"bits={bits} E={conv['energy_j'] * 1e15:.1f} fJ DNL={lin['dnl_max']:.3f} INL={lin['inl_max']:.3f} "
                 f"codes={conv['codes']} ideal={ideal.tolist()}\n")


common.run_rule(snakemake, main)  # noqa: F821
