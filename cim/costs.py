"""Energy, latency and area of one binary model on the CIM architecture (paper Sec. VI-D, VII-C, Table II).

Every analog block is priced from a SPICE results file: crossbar read lines (results/devices/crossbar_model.json,
rule crossbar_model), word line + row decoder, column front end, SAR ADC and column mux
(results/devices/periphery_model.json, rule periph_model), RNG (results/devices/rng_model.json, rule rng_model).
Digital blocks take published 45 nm per-operation energies from `arch.periphery` (each entry cites its source):
adder/accumulator, sign comparator, MC averaging, scale SRAM. `ORIGIN` says where each line comes from.
Units: J, s, m^2.

Per forward pass and layer (counts from cim.mapping.map_layer):
  crossbar          = weight_reads * E_lines             (SPICE read lines per cell-pair read)
  wordline          = row_activations * E_wl_row          (SPICE driver chain + decoder, one row across the array)
  frontend          = adc_conversions * E_frontend        (SPICE: one integrate-and-reset per column read)
  adc               = adc_conversions * E_adc(bits)       (SPICE SAR conversion)
  mux               = adc_conversions * E_mux             (SPICE column selection onto the ADC)
  adder_accumulator = count(op) * E_add                   (cited; default one add per partial sum)
  comparator        = count(op) * E_cmp                   (cited; default one compare per output)
  scale_sram        = scale_reads * words_per_row * E_word   (cited)
  rng               = rng_samples * E_rng                 (SPICE; one Spin-ScaleDrop sample per layer)
Per MC inference of T passes: T * (pass + averaging of the output vector: n_out x E_avg), linear in T.
Latency per array read: word line + front-end read + mux_ratio conversions (the ADCs of an array run in
parallel, each serves mux_ratio columns) + adder tree + comparator; positions and bit planes in sequence,
all arrays of a layer in parallel, then the layer's mask sample; layers in sequence. Area: every layer has
its own arrays (weight-stationary); per array cols front ends and cols / mux_ratio ADCs.
"""
from __future__ import annotations

from cim.mapping import Crossbar, Layer, map_model, unmapped

PASS_COMPONENTS = ("crossbar", "wordline", "frontend", "adc", "mux", "adder_accumulator", "comparator", "scale_sram",
                   "rng")
ANALOG = ("crossbar", "wordline", "frontend", "adc", "mux", "rng")    # priced from SPICE results files only
PERIPHERY_KEYS = ("adder_accumulator", "comparator", "averaging", "sram_read")
OPS = {"array_read": "array_activations", "column_read": "adc_conversions", "output": "outputs"}
DEFAULT_OP = {"adder_accumulator": "column_read", "comparator": "output"}


def periphery(table: dict) -> dict:
    """Config table of the digital blocks {name: {energy_pj, latency_ns, area_um2, per, source}} -> SI units."""
    out = {}
    for name in table:
        if name not in PERIPHERY_KEYS:
            raise ValueError(f"arch.periphery.{name}: not a digital block ({', '.join(PERIPHERY_KEYS)}); analog "
                             f"blocks come from results/devices/periphery_model.json")
    for name in PERIPHERY_KEYS:
        if name not in table:
            raise ValueError(f"arch.periphery.{name} missing")
        e = table[name]
        if "op" in e and name not in DEFAULT_OP:
            raise ValueError(f"arch.periphery.{name}.op: not settable ({name} is counted per "
                             f"{'output value and MC pass' if name == 'averaging' else 'scale word'})")
        op = e.get("op", DEFAULT_OP.get(name))
        if op is not None and op not in OPS:
            raise ValueError(f"arch.periphery.{name}.op must be one of {sorted(OPS)}, got {op!r}")
        out[name] = {"energy_j": e["energy_pj"] * 1e-12, "latency_s": e["latency_ns"] * 1e-9,
                     "area_m2": e["area_um2"] * 1e-12, "per": e["per"], "op": op, "source": e["source"]}
    return out


def origins(dev: dict, per: dict) -> dict:
    """Where each energy line comes from: a SPICE results file (analog) or a cited constant (digital)."""
    p = dev["periphery"]
    o = {"crossbar": f"SPICE: {dev['crossbar']['file']} (rule crossbar_model)",
         "rng": f"SPICE: {dev['rng']['file']} (rule rng_model)"}
    for k, what in (("wordline", "word-line driver + decoder"), ("frontend", "front end"),
                    ("adc", f"{p['bits']}-bit SAR ADC"), ("mux", f"{p['mux_ratio']}:1 column mux")):
        o[k] = f"SPICE: {p['file']} {what} (rule periph_model)"
    for k, name in (("adder_accumulator", "adder_accumulator"), ("comparator", "comparator"),
                    ("scale_sram", "sram_read"), ("averaging", "averaging")):
        o[k] = f"cited: {per[name]['source']}"
    return o


def layer_costs(m: dict, dev: dict, per: dict, words_per_row: int) -> dict:
    x, r, p = dev["crossbar"], dev["rng"], dev["periphery"]
    conv = m["adc_conversions"]
    e = {
        "crossbar": m["weight_reads"] * x["energy_per_weight_j"],
        "wordline": m["row_activations"] * p["wordline_j"],
        "frontend": conv * p["frontend_j"],
        "adc": conv * p["adc_j"],
        "mux": conv * p["mux_j"],
        **{k: m[OPS[per[k]["op"]]] * per[k]["energy_j"] for k in DEFAULT_OP},
        "scale_sram": m["scale_reads"] * words_per_row * per["sram_read"]["energy_j"],
        "rng": m["rng_samples"] * r["energy_j"],
    }
    step = (p["t_wordline_s"] + p["t_read_s"] + p["mux_ratio"] * p["t_conv_s"]
            + m["adder_depth"] * per["adder_accumulator"]["latency_s"] + per["comparator"]["latency_s"])
    lat = (m["positions"] * m["input_bits"] * step + m["rng_samples"] * r["latency_s"]
           + m["scale_reads"] * per["sram_read"]["latency_s"])
    return {**m, **{f"energy_{k}_j": v for k, v in e.items()}, "energy_j": sum(e.values()), "latency_s": lat}


def area(maps: list[dict], dev: dict, per: dict, cell_area_m2: float, xbar: Crossbar, words_per_row: int,
         sram_bits: int) -> dict:
    arrays, p = sum(m["arrays"] for m in maps), dev["periphery"]
    a = {"crossbar_cells": arrays * xbar.cells * cell_area_m2, "rng": dev["rng"]["area_m2"],
         "frontend": arrays * xbar.weight_cols * p["frontend_area_m2"],
         "adc": arrays * xbar.weight_cols / p["mux_ratio"] * p["adc_area_m2"],
         "scale_sram": len(maps) * words_per_row * sram_bits * per["sram_read"]["area_m2"]}
    for name in ("adder_accumulator", "comparator", "averaging"):
        q = per[name]
        a[name] = q["area_m2"] * (arrays if q["per"] == "array" else 1)
    return a


def model_costs(layers: list[Layer], dev: dict, arch: dict, T: int, strategy: str | None = None,
                active_rows: int | None = None) -> dict:
    """Per-layer, per-pass and per-inference (T passes) energy, latency, area of `layers`.

    `active_rows`: rows driven per read (default: all arch.crossbar.rows); energy and latency count reads of
    that height, area the physical arrays."""
    if int(T) < 1:
        raise ValueError(f"arch.T must be >= 1, got {T!r}")
    xbar = Crossbar(**arch["crossbar"])
    if active_rows is not None and (active_rows < 1 or xbar.rows % active_rows):
        raise ValueError(f"active rows per read must divide arch.crossbar.rows = {xbar.rows}, got {active_rows!r}")
    per = periphery(arch["periphery"])
    strategy = strategy or arch["strategy"]
    maps = map_model(layers, xbar, strategy)
    reads = maps if active_rows in (None, xbar.rows) else map_model(
        layers, Crossbar(active_rows, xbar.cols, xbar.pair_along), strategy)
    words = max(m["c_out"] for m in maps)                 # scale memory: columns = widest layer
    rows = [layer_costs(m, dev, per, words) for m in reads]
    e_pass = {c: sum(r[f"energy_{c}_j"] for r in rows) for c in PASS_COMPONENTS}
    t_pass = sum(r["latency_s"] for r in rows)
    e_inf = {c: T * v for c, v in e_pass.items()}
    n_out = reads[-1]["c_out"]                           # the averaged output vector
    e_inf["averaging"] = T * n_out * per["averaging"]["energy_j"]
    cell = dev["crossbar"]["cell_area_m2"]
    cell_src = dev["crossbar"]["file"]
    if cell is None:
        cell, cell_src = arch["cell_area"]["area_um2"] * 1e-12, arch["cell_area"]["source"]
    ar = area(maps, dev, per, cell, xbar, words, arch["sram_bits"])
    counts = {k: sum(m[k] for m in reads) for k in ("arrays", "array_activations", "weight_reads", "row_activations",
                                                    "adc_conversions", "outputs", "rng_samples", "scale_reads")}
    return {
        "strategy": strategy, "T": int(T), "crossbar": vars(xbar), "scale_memory_words": words,
        "layers": rows, "counts_per_pass": counts, "unmapped_layers": unmapped(layers),
        "ops": {k: per[k]["op"] for k in DEFAULT_OP},
        "pass": {"energy_j": e_pass, "energy_total_j": sum(e_pass.values()), "latency_s": t_pass},
        "inference": {"energy_j": e_inf, "energy_total_j": sum(e_inf.values()),
                      "spice_share": sum(e_inf[k] for k in ANALOG) / sum(e_inf.values()),
                      "latency_s": T * (t_pass + per["averaging"]["latency_s"]),
                      "averaging_ops": int(T), "comparator_ops": int(T) * counts["outputs"]},
        "area_m2": ar, "area_total_m2": sum(ar.values()), "cell_area_source": cell_src,
        "sources": {k: v["source"] for k, v in per.items()}, "origin": origins(dev, per),
        "active_rows": active_rows or xbar.rows, "adc_bits": dev["periphery"]["bits"],
    }
