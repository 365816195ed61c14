"""Rule periph_wordline: row decoder (NAND2) + tapered driver chain + distributed RC word line, sized for the
word-line load of the crossbar model (C_wl = SPICE word-line energy per row activation / vdd^2, wire R = 2 cols
cell pitches of r_wire): energy per row activation and far-end delay (issue 12 item 2)."""
import json

import common
from devices.periphery import wordline
from devices.spice import set_wall_timeout, versions

PS = 1e-12


def main(sm):
    cfg = sm.params.cfg
    set_wall_timeout(cfg["spice"]["timeout_s"])
    xb, w, vdd = cfg["crossbar"], cfg["periphery"]["wordline"], cfg["spice"]["vdd"]
    e = json.loads(open(sm.input.energy).read())
    c_wl = e["array"]["wordline_per_row_activation_pj"] * 1e-12 / vdd ** 2
    r_wl = 2 * xb["cols"] * xb["r_wire_ohm"]
    r = wordline(c_wl, r_wl, {"c_in_min": w["c_in_min_ff"] * 1e-15, "fanout": w["fanout"], "t_on": w["t_on_ps"] * PS,
                              "t_edge": 20 * PS, "t_step": w["t_step_ps"] * PS}, vdd, cfg["spice"]["max_retries"],
                 temp_c=cfg["spice"]["temperature_c"])
    out = {**r, "energy_per_row_activation_j": r["energy_driver_j"] + r["energy_decoder_j"], "cols": xb["cols"],
           "load_basis": f"{e['array']['wordline_per_row_activation_pj']:.4g} pJ per row activation "
                         f"({sm.input.energy}) / vdd^2", "provenance": common.provenance(cfg, **versions())}
    common.write_json(sm.output.json, out)
    with open(sm.log[0], "w") as fh:
        fh.write(f"C_wl={c_wl * 1e15:.1f} fF stages={r['stages']} E={out['energy_per_row_activation_j'] * 1e12:.4f} pJ "
                 f"delay={r['delay_s'] * 1e12:.0f} ps\n")


common.run_rule(snakemake, main)  # noqa: F821
