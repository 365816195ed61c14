"""Rule periph_comparator: StrongARM input offset from a Pelgrom Monte Carlo (sigma_Vth = A_VT / sqrt(W L) per
device, all six latch/input devices), energy per comparison; closed-form thermal noise (devices/noise.py) with
V_THN = the NMOS card's vth0 (netlists/ptm45hp.lib)."""
import numpy as np

import common
from devices.adc import comparator_offsets, spec_from_config
from devices.noise import comparator_sigma_v
from devices.params import load_params, sources
from devices.spice import card_value, set_wall_timeout, versions

NM = 1e-9


def main(sm):
    cfg = sm.params.cfg
    set_wall_timeout(cfg["spice"]["timeout_s"])
    a = cfg["periphery"]["adc"]
    c, mc, nz = a["comparator"], a["offset_mc"], a["noise"]
    s = spec_from_config(cfg, 1, (0.0, cfg["spice"]["vdd"]))
    a_vt = load_params("cmos45")["a_vt"]
    areas = np.array([c["win_nm"] * c["lin_nm"]] * 2 + [c["wl_nm"] * 45.0] * 4) * NM * NM
    sig = a_vt / np.sqrt(areas)
    rng = np.random.default_rng(np.random.SeedSequence([cfg["seed"], 12, 1]))
    shifts = rng.standard_normal((mc["samples"], 6)) * sig
    r = comparator_offsets(s, shifts, mc["span_mv"] * 1e-3, mc["cycles"], cfg["spice"]["max_retries"])
    off = np.array(r["offsets_v"])
    if np.isnan(off).any():
        raise ValueError(f"periphery.adc.offset_mc.span_mv: {int(np.isnan(off).sum())} comparators did not flip "
                         f"within +-{mc['span_mv'] / 2} mV; widen the span")
    sigma_off = float(off.std(ddof=1))
    trim = a["offset_trim_mv"] * 1e-3
    resid = trim / np.sqrt(12) if trim > 0 else sigma_off
    v_thn = card_value("ptm45n", "vth0")
    noise = comparator_sigma_v(nz["gm_over_id"], v_thn, nz["c_x_ff"] * 1e-15, nz["gamma"],
                               cfg["spice"]["temperature_c"])
    common.write_json(sm.output.json, {
        "offsets_v": off.tolist(), "offset_sigma_v": sigma_off, "offset_mean_v": float(off.mean()),
        "offset_resolution_v": r["resolution_v"], "offset_residual_sigma_v": float(resid),
        "offset_basis": ("untrimmed MC sigma" if trim <= 0
                         else f"uniform residual of a {a['offset_trim_mv']} mV trim step"),
        "device_sigma_vth_v": sig.tolist(), "a_vt": sources("cmos45")["a_vt"],
        "noise_sigma_v": noise,
        "noise_inputs": {**nz, "v_thn": v_thn, "v_thn_source": "netlists/ptm45hp.lib, .model ptm45n vth0"},
        "input_referred_sigma_v": float(np.hypot(noise, resid)),
        "energy_per_comparison_j": r["energy_per_comparison_j"], "provenance": common.provenance(cfg, **versions())})
    with open(sm.log[0], "w") as fh:
        fh.write(f"offset sigma {sigma_off * 1e3:.2f} mV (n={len(off)}), noise {noise * 1e3:.2f} mV\n")


common.run_rule(snakemake, main)  # noqa: F821
