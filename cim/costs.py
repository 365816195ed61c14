"""Energy, latency and area of one binary model on the CIM architecture (paper Sec. VI-D, VII-C, Table II).

Crossbar read and RNG numbers come from the SPICE device models (cim.devices); the periphery from the
`arch.periphery` table of the config, every entry carrying its source and the operation one `energy_pj`
pays for (`op`). Table II gives the energy "for one reading operation", i.e. one array activation, so
decoding/sensing (NVSim array read with multi-bit ADCs for all columns) and the adder-accumulator
(the digital block that adds an array's partial-sum vector into the output registers) default to
`op: array_read`; `op: column_read` charges one per ADC conversion instead (a per-add energy). Units: J, s, m^2.

Per forward pass and layer (counts from cim.mapping.map_layer):
  crossbar          = weight_reads * E_lines          (SPICE read lines, per cell-pair read: array only)
  wordline          = row_activations * cols * E_wl   (SPICE word line spanning all columns; added only with
                      arch.count_wordlines: NVSim's decoding/sensing already holds the word-line drivers)
  decoding_sensing  = count(op) * E_ds                (default: array activations)
  adc               = count(op) * E_adc               (default: column conversions; 0 = inside decoding/sensing)
  adder_accumulator = count(op) * E_add               (default: array activations)
  comparator        = count(op) * E_cmp               (default: outputs, the sign activation)
  scale_sram        = scale_reads * words_per_row * E_word   (one 32-bit SRAM row per layer)
  rng               = rng_samples * E_rng             (one Spin-ScaleDrop sample per layer, SPICE)
Per MC inference of T passes: T * (pass + one averaging-block op on the output vector), linear in T.
Latency: output positions and bit planes run one after another, all arrays of a layer in parallel, then
the layer's mask sample; layers run in sequence. Area: every layer has its own arrays (weight-stationary).
"""
from __future__ import annotations

from cim.mapping import Crossbar, Layer, map_model, unmapped

PASS_COMPONENTS = ("crossbar", "wordline", "decoding_sensing", "adc", "adder_accumulator", "comparator", "scale_sram",
                   "rng")
PERIPHERY_KEYS = ("decoding_sensing", "adc", "adder_accumulator", "comparator", "averaging", "sram_read")
OPS = {"array_read": "array_activations", "column_read": "adc_conversions", "output": "outputs"}
DEFAULT_OP = {"decoding_sensing": "array_read", "adc": "column_read", "adder_accumulator": "array_read",
              "comparator": "output"}


def periphery(table: dict) -> dict:
    """Config table {name: {energy_pj, latency_ns, area_um2, per, source}} -> SI units, all names present."""
    out = {}
    for name in PERIPHERY_KEYS:
        if name not in table:
            raise ValueError(f"arch.periphery.{name} missing")
        e = table[name]
        if "op" in e and name not in DEFAULT_OP:
            raise ValueError(f"arch.periphery.{name}.op: not settable ({name} is counted per "
                             f"{'MC pass' if name == 'averaging' else 'scale word'})")
        op = e.get("op", DEFAULT_OP.get(name))
        if op is not None and op not in OPS:
            raise ValueError(f"arch.periphery.{name}.op must be one of {sorted(OPS)}, got {op!r}")
        out[name] = {"energy_j": e["energy_pj"] * 1e-12, "latency_s": e["latency_ns"] * 1e-9,
                     "area_m2": e["area_um2"] * 1e-12, "per": e["per"], "op": op, "source": e["source"]}
    return out


def layer_costs(m: dict, dev: dict, per: dict, words_per_row: int, cols: int, wordlines: bool) -> dict:
    x, r = dev["crossbar"], dev["rng"]
    e = {
        "crossbar": m["weight_reads"] * x["energy_per_weight_j"],
        "wordline": m["row_activations"] * cols * x["wordline_per_weight_j"] if wordlines else 0.0,
        **{k: m[OPS[per[k]["op"]]] * per[k]["energy_j"] for k in DEFAULT_OP},
        "scale_sram": m["scale_reads"] * words_per_row * per["sram_read"]["energy_j"],
        "rng": m["rng_samples"] * r["energy_j"],
    }
    step = (x["latency_s"] + per["decoding_sensing"]["latency_s"] + per["adc"]["latency_s"]
            + m["adder_depth"] * per["adder_accumulator"]["latency_s"] + per["comparator"]["latency_s"])
    lat = (m["positions"] * m["input_bits"] * step + m["rng_samples"] * r["latency_s"]
           + m["scale_reads"] * per["sram_read"]["latency_s"])
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
    words = max(m["c_out"] for m in maps)                 # scale memory: columns = widest layer
    rows = [layer_costs(m, dev, per, words, xbar.weight_cols, arch["count_wordlines"]) for m in maps]
    e_pass = {c: sum(r[f"energy_{c}_j"] for r in rows) for c in PASS_COMPONENTS}
    t_pass = sum(r["latency_s"] for r in rows)
    e_inf = {c: T * v for c, v in e_pass.items()}
    e_inf["averaging"] = T * per["averaging"]["energy_j"]
    cell = dev["crossbar"]["cell_area_m2"]
    cell_src = dev["crossbar"]["file"]
    if cell is None:
        cell, cell_src = arch["cell_area"]["area_um2"] * 1e-12, arch["cell_area"]["source"]
    ar = area(maps, dev, per, cell, xbar, words, arch["sram_bits"])
    counts = {k: sum(m[k] for m in maps) for k in ("arrays", "array_activations", "weight_reads", "row_activations",
                                                    "adc_conversions", "outputs", "rng_samples", "scale_reads")}
    return {
        "strategy": strategy, "T": int(T), "crossbar": vars(xbar), "scale_memory_words": words,
        "layers": rows, "counts_per_pass": counts, "unmapped_layers": unmapped(layers),
        "ops": {k: per[k]["op"] for k in DEFAULT_OP},
        "pass": {"energy_j": e_pass, "energy_total_j": sum(e_pass.values()), "latency_s": t_pass},
        "inference": {"energy_j": e_inf, "energy_total_j": sum(e_inf.values()),
                      "latency_s": T * (t_pass + per["averaging"]["latency_s"]),
                      "averaging_ops": int(T), "comparator_ops": int(T) * counts["outputs"]},
        "area_m2": ar, "area_total_m2": sum(ar.values()), "cell_area_source": cell_src,
        "sources": {k: v["source"] for k, v in per.items()},
    }
