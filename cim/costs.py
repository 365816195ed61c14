"""Energy, latency and area of one binary model on the CIM architecture (paper Sec. VI-D, VII-C, Table II).

Crossbar read and RNG numbers come from the SPICE device models (cim.devices); the periphery from the
`arch.periphery` table of the config, every entry carrying its source. Units inside: J, s, m^2.

Per forward pass and layer (counts from cim.mapping.map_layer):
  crossbar          = weight_reads * E_weight            (SPICE, per cell-pair read)
  decoding_sensing  = array_activations * E_ds          (row decoding + sensing/ADC of one array read)
  adc               = adc_conversions * E_adc           (0 when the ADC is inside decoding/sensing)
  adder_accumulator = adder_ops * E_add                 (partial sums across row segments)
  comparator        = outputs * E_cmp                   (sign activation = threshold compare per output)
  scale_sram        = scale_reads * words_per_row * E_word   (one 32-bit SRAM row per layer)
  rng               = rng_samples * E_rng               (one Spin-ScaleDrop sample per layer, SPICE)
Per MC inference of T passes: T * (pass + one averaging-block op on the output vector), linear in T.
Latency: output positions run one after another, all arrays of a layer in parallel, then the layer's
mask sample; layers run in sequence. Area: every layer has its own arrays (weight-stationary).
"""
from __future__ import annotations

from cim.mapping import Crossbar, Layer, map_model

PASS_COMPONENTS = ("crossbar", "decoding_sensing", "adc", "adder_accumulator", "comparator", "scale_sram", "rng")
PERIPHERY_KEYS = ("decoding_sensing", "adc", "adder_accumulator", "comparator", "averaging", "sram_read")


def periphery(table: dict) -> dict:
    """Config table {name: {energy_pj, latency_ns, area_um2, per, source}} -> SI units, all names present."""
    out = {}
    for name in PERIPHERY_KEYS:
        if name not in table:
            raise ValueError(f"arch.periphery.{name} missing")
        e = table[name]
        out[name] = {"energy_j": e["energy_pj"] * 1e-12, "latency_s": e["latency_ns"] * 1e-9,
                     "area_m2": e["area_um2"] * 1e-12, "per": e["per"], "source": e["source"]}
    return out


def layer_costs(m: dict, dev: dict, per: dict, words_per_row: int) -> dict:
    x, r = dev["crossbar"], dev["rng"]
    e = {
        "crossbar": m["weight_reads"] * x["energy_per_weight_j"],
        "decoding_sensing": m["array_activations"] * per["decoding_sensing"]["energy_j"],
        "adc": m["adc_conversions"] * per["adc"]["energy_j"],
        "adder_accumulator": m["adder_ops"] * per["adder_accumulator"]["energy_j"],
        "comparator": m["outputs"] * per["comparator"]["energy_j"],
        "scale_sram": m["scale_reads"] * words_per_row * per["sram_read"]["energy_j"],
        "rng": m["rng_samples"] * r["energy_j"],
    }
    step = (x["latency_s"] + per["decoding_sensing"]["latency_s"] + per["adc"]["latency_s"]
            + m["adder_depth"] * per["adder_accumulator"]["latency_s"] + per["comparator"]["latency_s"])
    lat = m["positions"] * step + m["rng_samples"] * r["latency_s"] + m["scale_reads"] * per["sram_read"]["latency_s"]
    return {**m, **{f"energy_{k}_j": v for k, v in e.items()}, "energy_j": sum(e.values()), "latency_s": lat}


def area(maps: list[dict], dev: dict, per: dict, cell_area_m2: float, xbar: Crossbar, words_per_row: int,
         sram_bits: int) -> dict:
    arrays = sum(m["arrays"] for m in maps)
    a = {"crossbar_cells": arrays * xbar.cells * cell_area_m2, "rng": dev["rng"]["area_m2"],
         "scale_sram": len(maps) * words_per_row * sram_bits * per["sram_read"]["area_m2"]}
    for name in ("decoding_sensing", "adc", "adder_accumulator", "comparator", "averaging"):
        p = per[name]
        a[name] = p["area_m2"] * (arrays if p["per"] == "array" else 1)
    return a


def model_costs(layers: list[Layer], dev: dict, arch: dict, T: int, strategy: str | None = None) -> dict:
    """Per-layer, per-pass and per-inference (T passes) energy, latency, area of `layers`."""
    if int(T) < 1:
        raise ValueError(f"arch.T must be >= 1, got {T!r}")
    xbar = Crossbar(**arch["crossbar"])
    per = periphery(arch["periphery"])
    strategy = strategy or arch["strategy"]
    maps = map_model(layers, xbar, strategy)
    words = max(layer.c_out for layer in layers)          # scale memory: columns = widest layer
    rows = [layer_costs(m, dev, per, words) for m in maps]
    e_pass = {c: sum(r[f"energy_{c}_j"] for r in rows) for c in PASS_COMPONENTS}
    t_pass = sum(r["latency_s"] for r in rows)
    e_inf = {c: T * v for c, v in e_pass.items()}
    e_inf["averaging"] = T * per["averaging"]["energy_j"]
    cell = dev["crossbar"]["cell_area_m2"]
    cell_src = dev["crossbar"]["file"]
    if cell is None:
        cell, cell_src = arch["cell_area"]["area_um2"] * 1e-12, arch["cell_area"]["source"]
    ar = area(maps, dev, per, cell, xbar, words, arch["sram_bits"])
    counts = {k: sum(m[k] for m in maps) for k in ("arrays", "array_activations", "weight_reads", "adc_conversions",
                                                    "adder_ops", "outputs", "rng_samples", "scale_reads")}
    return {
        "strategy": strategy, "T": int(T), "crossbar": vars(xbar), "scale_memory_words": words,
        "layers": rows, "counts_per_pass": counts,
        "pass": {"energy_j": e_pass, "energy_total_j": sum(e_pass.values()), "latency_s": t_pass},
        "inference": {"energy_j": e_inf, "energy_total_j": sum(e_inf.values()),
                      "latency_s": T * (t_pass + per["averaging"]["latency_s"]),
                      "averaging_ops": int(T), "comparator_ops": int(T) * counts["outputs"]},
        "area_m2": ar, "area_total_m2": sum(ar.values()), "cell_area_source": cell_src,
        "sources": {k: v["source"] for k, v in per.items()},
    }
