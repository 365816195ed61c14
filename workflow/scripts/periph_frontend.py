"""Rule periph_frontend: regulated-clamp integrating front end per column height (issue 12 item 1; Sec. V-C):
V_out vs popcount from SPICE (column = its SPICE transfer I(p) as a conductance), linearity R^2, energy per read."""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import common  # noqa: E402
from devices import crossbar_adc as xa  # noqa: E402
from devices.params import load_params  # noqa: E402
from devices.periphery import frontend  # noqa: E402
from devices.spice import set_wall_timeout, versions  # noqa: E402

NM, PS, NS = 1e-9, 1e-12, 1e-9


def design(f: dict) -> dict:
    return {"t_reset": f["t_reset_ns"] * NS, "t_int": f["t_int_ns"] * NS, "t_edge": 20 * PS, "v_bias_p": f["v_bias_p"],
            "w_tail": f["w_tail_nm"] * NM, "w_in": f["w_in_nm"] * NM, "w_mirror": f["w_mirror_nm"] * NM,
            "l_ota": f["l_ota_nm"] * NM, "w_clamp": f["w_clamp_nm"] * NM, "w_reset": f["w_reset_nm"] * NM,
            "v_swing": f["v_swing"], "t_step": f["t_step_ps"] * PS}


def main(sm):
    cfg = sm.params.cfg
    set_wall_timeout(cfg["spice"]["timeout_s"])
    xb, f, sp = cfg["crossbar"], cfg["periphery"]["frontend"], cfg["spice"]
    d = design(f)
    cm = load_params("cmos45")
    out, lines = {}, []
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for path in sm.input.transfer:
        tr = json.loads(open(path).read())
        R = int(tr["rows"])
        pops = np.unique(np.round(np.linspace(0, R, f["reads"])).astype(int))
        cur = xa.curve(tr["coefficients"], R)[pops]
        r = frontend(cur, d, sp["vdd"], xb["v_read"], 2 * R * xb["c_wire_ff"] * 1e-15, retries=sp["max_retries"],
                     temp_c=sp["temperature_c"])
        v = np.array(r["v_out"])
        fit = xa.fit_transfer(pops, v, 1)
        e = np.array(r["energy_per_read_j"][1:])          # first read starts from the DC operating point
        e_mid = float(np.polyval(np.polyfit(pops[1:], e, 1), R / 2))
        gain = float(np.polyfit(cur, v, 1)[0])             # dV_out / dI [Ohm]
        out[str(R)] = {"rows": R, "popcounts": pops.tolist(), "current_a": cur.tolist(), "v_out": r["v_out"],
                       "v_bl": r["v_bl"], "r2": fit["r2"], "max_error_popcount": fit["max_error_popcount"],
                       "lsb_v": fit["lsb_a"], "gain_v_per_a": gain, "c_int_f": r["c_int_f"],
                       "c_cap_f": r["c_cap_f"], "c_par_f": r["c_par_f"],
                       "v_range": [float(v.min()), float(v.max())], "energy_per_read_j": e_mid,
                       "energy_per_read_by_popcount_j": e.tolist(), "t_read_s": r["t_read_s"],
                       "t_int_s": d["t_int"], "area_m2": 7 * cm["device_area"] + r["c_cap_f"] / cm["mom_density"],
                       "attempts": r["attempts"]}
        lines.append(f"rows={R} r2={fit['r2']:.6f} C_int={r['c_int_f'] * 1e15:.1f} fF E={e_mid * 1e15:.1f} fJ")
        ax.plot(pops, v, "o-", ms=3, label=f"R={R}: R2={fit['r2']:.5f}")
    ax.set(xlabel="popcount", ylabel="V_out after t_int (V)")
    ax.legend(fontsize=7)
    common.save_fig(sm.output.png, fig)
    common.write_json(sm.output.json, {"rows": out, "design": f, "provenance": common.provenance(cfg, **versions())})
    with open(sm.log[0], "w") as fh:
        fh.write("\n".join(lines) + "\n")


common.run_rule(snakemake, main)  # noqa: F821
