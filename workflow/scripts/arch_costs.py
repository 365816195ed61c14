"""Rule arch_costs: energy/latency/area of one workload on the CIM architecture, both mapping strategies."""

import json

import pandas as pd

import common
from scaledrop import model_files
from cim.costs import model_costs
from cim.devices import crossbar_costs, rng_costs
from cim.mapping import Layer
from cim.periphery import periphery_costs


def load_layers(path, input_bits: int = 8) -> tuple[dict, list[Layer]]:
    d = json.loads(open(path).read())
    if "layers" not in d:
        raise ValueError(f"{path}: missing key 'layers' (rerun rule arch_shapes)")
    return d, [Layer.from_dict(x, f"{path}: layers[{i}]", input_bits) for i, x in enumerate(d["layers"])]


def device_models(inp, config: dict) -> dict:
    """SPICE-derived costs: RNG, crossbar read lines, readout periphery at the model's ADC bits and rows."""
    xb = config["crossbar"]
    return {"rng": rng_costs(inp.rng), "crossbar": crossbar_costs(inp.crossbar),
            "periphery": periphery_costs(inp.periphery, xb["model_adc_bits"], xb["model_rows"])}


def main(sm) -> None:
    arch = sm.params.cfg["arch"]
    shapes, layers = load_layers(sm.input.shapes, arch["input_bits"])
    dev = device_models(sm.input, sm.params.cfg)
    out = {"schema_version": model_files.schema_version("costs"), "workload": sm.wildcards.workload, "model": shapes.get("model"), "n_classes": shapes.get("n_classes"),
           "devices": dev, "strategies": {}, "energy_vs_T": {}}
    frames = []
    for strategy in ("unroll", "kernel"):
        c = model_costs(layers, dev, arch, arch["T"], strategy)
        out["strategies"][strategy] = c
        frames.append(pd.DataFrame(c["layers"]))
        out["energy_vs_T"][strategy] = {int(t): model_costs(layers, dev, arch, t, strategy)["inference"]["energy_total_j"]
                                        for t in arch["T_sweep"]}
    out["selected"] = arch["strategy"]
    out["provenance"] = common.provenance(sm.params.cfg)
    model_files.write(sm.output.costs, out, "costs")
    common.write_csv(sm.output.layers, pd.concat(frames, ignore_index=True))


if "snakemake" in globals():
    common.run_rule(snakemake, main)  # noqa: F821
