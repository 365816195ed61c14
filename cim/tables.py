"""End-to-end tables (paper Tables II, VII, VIII analogues): ours beside the paper's `paper_*` values."""
from __future__ import annotations

import pandas as pd

from cim.mapping import Layer, dropout_modules, topology_modules
from cim.paper import (PAPER_LENET5_AREA_MM2, PAPER_T, PAPER_TABLE2_PJ, PAPER_TABLE7, PAPER_TABLE7_LATENCY_NS,
                       PAPER_TABLE8_OURS_UJ, PAPER_TABLE8_RELATED)

METHODS = ("spindrop", "spatial_spindrop", "scaledrop")


def table2(dev: dict, arch: dict) -> pd.DataFrame:
    """Energy of one reading operation (one rows x cols array activation, all columns) per component.

    Analog lines from SPICE results files: `crossbar` (read lines, as the paper's "Crossbar array"), `wordline`
    (rows x one row activation), `frontend`, `adc`, `mux` (cols x one column read / conversion / selection);
    `readout` = their sum, beside the paper's "decoding/sensing". Digital lines: cited per-op constants.
    """
    xb, x, p = arch["crossbar"], dev["crossbar"], dev["periphery"]
    n, cols = xb["rows"] * xb["cols"], xb["cols"]
    what = f"{xb['rows']} x {xb['cols']} weights, all columns read"
    src = f"SPICE: {p['file']}"
    ours = {"crossbar": (x["energy_per_weight_j"] * n, f"SPICE: {x['file']} read lines ({what})"),
            "wordline": (xb["rows"] * p["wordline_j"], f"{src} driver chain + decoder x {xb['rows']} rows"),
            "frontend": (cols * p["frontend_j"], f"{src} front end x {cols} columns"),
            "adc": (cols * p["adc_j"], f"{src} {p['bits']}-bit SAR x {cols} conversions"),
            "mux": (cols * p["mux_j"], f"{src} mux x {cols} selections")}
    ours["readout"] = (sum(ours[k][0] for k in ("wordline", "frontend", "adc", "mux")),
                       "sum of wordline, frontend, adc, mux (compare: paper decoding/sensing)")
    ours["rng"] = (dev["rng"]["energy_j"], f"SPICE: {dev['rng']['file']} (one sample)")
    for name in ("adder_accumulator", "comparator", "averaging", "sram_read"):
        q = arch["periphery"][name]
        ours[name] = (q["energy_pj"] * 1e-12, f"cited: {q['source']}")
    paper = {**PAPER_TABLE2_PJ, "readout": PAPER_TABLE2_PJ["decoding_sensing"]}
    return pd.DataFrame([{"component": k, "energy_pj": v * 1e12, "paper_energy_pj": paper.get(k),
                          "ratio_to_paper": v * 1e12 / paper[k] if k in paper else None,
                          "source": s} for k, (v, s) in ours.items()])


def table7(layers: list[Layer], rng: dict, workload: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dropout modules, area, power, sampling latency: layer-wise (max over conv layers) and topology-wise."""
    a_um2, p_mw, t_ns = rng["area_m2"] * 1e12, rng["power_w"] * 1e3, rng["latency_s"] * 1e9
    per_layer = pd.DataFrame([{"workload": workload, "layer": layer.name, "k": layer.k, "c_in": layer.c_in,
                               "c_out": layer.c_out, **{f"modules_{m}": dropout_modules(layer, m) for m in METHODS}}
                              for layer in layers])
    convs = [layer for layer in layers if layer.kind == "conv"]
    last = convs[-1] if convs else layers[-1]
    scoped = per_layer[per_layer.layer.isin([c.name for c in convs])] if convs else per_layer
    rows = []
    for scope, cases in (("layer-wise", [("max over conv layers", None)]),
                         ("topology-wise", [("avg pool used", True), ("avg pool not used", False)])):
        for case, pool in cases:
            key = "layer" if pool is None else ("topology_avgpool" if pool else "topology_no_avgpool")
            for m in METHODS:
                n = int(scoped[f"modules_{m}"].max()) if pool is None else topology_modules(last, m, pool)
                pa, pp = PAPER_TABLE7[key][m]
                rows.append({"workload": workload, "scope": scope, "case": case, "method": m, "modules": n,
                             "area_um2": n * a_um2, "power_mw": n * p_mw, "sampling_latency_ns": t_ns,
                             "paper_modules": round(pa / PAPER_TABLE7[key]["scaledrop"][0]) if m != "scaledrop" else 1,
                             "paper_area_um2": pa, "paper_power_mw": pp, "paper_sampling_latency_ns": PAPER_TABLE7_LATENCY_NS})
    return pd.DataFrame(rows), per_layer


def table8(costs: dict[str, dict]) -> pd.DataFrame:
    """Energy per image (T passes) of our workloads, with the related works as cited reference rows."""
    rows = [{"work": w, "technology": t, "topology": top, "bits": b, "energy_uj": None, "paper_energy_uj": e,
             "area_mm2": None, "paper_area_mm2": None, "T": None} for w, t, top, b, e in PAPER_TABLE8_RELATED]
    for name, c in costs.items():
        s = c["strategies"][c["selected"]]
        model = c["model"]
        rows.append({"work": f"ours: {name} ({s['strategy']} mapping)", "technology": "SOT-MRAM (SPICE)",
                     "topology": model, "bits": "1-bit", "energy_uj": s["inference"]["energy_total_j"] * 1e6,
                     "paper_energy_uj": PAPER_TABLE8_OURS_UJ.get(model) if s["T"] == PAPER_T else None,
                     "area_mm2": s["area_total_m2"] * 1e6,
                     "paper_area_mm2": PAPER_LENET5_AREA_MM2 if model == "lenet5" else None, "T": s["T"]})
    return pd.DataFrame(rows)


def breakdown(costs: dict[str, dict]) -> pd.DataFrame:
    """Per workload and strategy: energy per inference by component [uJ], latency [us], area [mm^2], arrays."""
    rows = []
    for name, c in costs.items():
        for strategy, s in c["strategies"].items():
            rows.append({"workload": name, "strategy": strategy, "T": s["T"], "arrays": s["counts_per_pass"]["arrays"],
                         **{f"energy_{k}_uj": v * 1e6 for k, v in s["inference"]["energy_j"].items()},
                         "energy_total_uj": s["inference"]["energy_total_j"] * 1e6,
                         "energy_per_pass_uj": s["pass"]["energy_total_j"] * 1e6,
                         "latency_us": s["inference"]["latency_s"] * 1e6,
                         **{f"area_{k}_mm2": v * 1e6 for k, v in s["area_m2"].items()},
                         "area_total_mm2": s["area_total_m2"] * 1e6})
    return pd.DataFrame(rows)
