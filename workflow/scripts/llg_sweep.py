"""Rule llg_sweep: sLLG switch counts at >= 8 write biases driven by the cell's SPICE track current at one
temperature (SET at the circuit width and at shorter widths), and the RESET write-error rate (Eq. 25 data)."""
import common

from devices import llg, llg_drive, rng_cell


def main(sm):
    cfg = sm.params.cfg
    c = cfg["llg"]
    temp = float(sm.wildcards.temp)
    operating = temp == float(cfg["spice"]["temperature_c"])
    stack = llg.load_stack(c["stack"], temp, c.get("stack_file"))
    llg.check_operable(stack, 0.0)  # the delta_min check is the operating-temperature one (llg.smk)
    p = rng_cell.nominal({**cfg["rng"].get("mtj", {}), "rtrack": stack.track_resistance})
    base = rng_cell.Design.from_config({"vdd": cfg["spice"]["vdd"], **cfg["rng"].get("design", {})})
    design = llg_drive.design_for(base, temp)  # the rng cell's driver (rng.design): one physical cell
    retries = int(cfg["spice"]["max_retries"])
    dt, settle = c["dt_ps"] * 1e-12, c["settle_ns"] * 1e-9
    n = c["trials"] if operating else c["trials_temperature"]
    seed = int(cfg["seed"]) * 1000 + round(temp * 10) % 1000
    biases, i_max = llg_drive.bias_grid(stack, p, design, c["n_bias"], c["x_range"], retries)
    points, reset = [], None
    for s_idx, scale in enumerate(c["t_set_scales"]):
        d = llg_drive.design_for(design, temp, {"t_set": design.t_set * scale})
        waves = llg_drive.cell_waveforms(p, d, biases, dt, settle, retries)
        sp = llg_drive.switching_points(stack, waves, n, dt, seed + 17 * s_idx)
        for j, b in enumerate(biases):
            t, i = waves["fit_waves"][j]
            points.append({"bias_v": float(b), "t_set_s": d.t_set, "t_set_scale": scale,
                           "current_a": float(waves["plateau_a"][j]), "k": int(sp["k"][j]), "n": int(sp["n"][j]),
                           "p_sw": float(sp["p"][j]), "wilson_lo": float(sp["wilson_lo"][j]),
                           "wilson_hi": float(sp["wilson_hi"][j]), "wave_t": t.tolist(), "wave_i": i.tolist()})
        if scale == 1.0 or reset is None:
            n_reset = c["reset_trials"] if operating else c["trials_temperature"]
            reset = llg_drive.reset_error(stack, waves, n_reset, dt, seed + 999)
    common.write_json(sm.output[0], {
        "schema_version": 1, "temp_c": temp, "stack": {"delta": stack.delta, "ic0": stack.ic0,
                                                      "ms": stack.ms_t, "hk": stack.hk, "track_resistance": stack.track_resistance},
        "driver_max_current_a": i_max, "points": points, "reset": reset,
        "provenance": common.provenance(cfg)})


common.run_rule(snakemake, main)  # noqa: F821
