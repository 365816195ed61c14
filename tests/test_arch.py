"""CIM architecture model (cim/): hand-checked mapping counts, sums, linearity in T, device-file errors."""
import json
import math

import pytest
import yaml

from cim.costs import ANALOG, PASS_COMPONENTS, PERIPHERY_KEYS, model_costs
from cim.devices import DeviceModelError, crossbar_costs, rng_costs
from conftest import crossbar_model_example, rng_model_example
from cim.mapping import Crossbar, Layer, dropout_modules, map_layer, map_model, topology_modules, unmapped
from cim.tables import table2
from conftest import REPO

ARCH = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["arch"]
DEV = {"crossbar": {"energy_per_weight_j": 2e-15, "wordline_per_weight_j": 5e-16, "split": True, "latency_s": 1e-9,
                    "cell_area_m2": 1e-13, "file": "x"},
       "rng": {"energy_j": 4e-12, "latency_s": 16e-9, "area_m2": 30e-12, "power_w": 2.5e-4, "file": "r"},
       "periphery": {"frontend_j": 1e-13, "t_read_s": 5.5e-9, "adc_j": 4e-13, "t_conv_s": 4.5e-9, "mux_j": 2e-14,
                     "mux_ratio": 8, "wordline_j": 3e-13, "t_wordline_s": 1.3e-10, "adc_area_m2": 100e-12,
                     "frontend_area_m2": 5e-12, "bits": 8, "rows": 256, "file": "p"}}
CONV = Layer("c", "conv", c_in=20, c_out=10, k=3, positions=16)   # 4 x 4 output
SMALL = Crossbar(rows=32, cols=8)                                   # 32 weights per column, 8 neurons


def test_unroll_counts_by_hand():
    m = map_layer(CONV, SMALL, "unroll")
    # fan-in 3*3*20 = 180 -> ceil(180/32) = 6 row segments; 10 outputs -> ceil(10/8) = 2 column tiles
    assert (m["row_segments"], m["col_tiles"], m["arrays"]) == (6, 2, 12)
    assert m["array_activations"] == 12 * 16
    assert m["adc_conversions"] == 6 * 10 * 16          # one per segment, neuron, position
    assert m["weight_reads"] == 1800 * 16
    assert m["row_activations"] == 180 * 2 * 16         # every row of the fan-in, in both column tiles
    assert m["adder_depth"] == 3
    assert m["utilization"] == pytest.approx(1800 / (12 * 32 * 8))


def test_kernel_tile_counts_by_hand():
    m = map_layer(CONV, SMALL, "kernel")
    # 9 kernel positions x ceil(20/32) = 1 tile of C_in x C_out -> 9 segments, x 2 column tiles
    assert (m["row_segments"], m["arrays"]) == (9, 18)
    assert m["adc_conversions"] == 9 * 10 * 16 and m["row_activations"] == 180 * 2 * 16
    lin = Layer("f", "linear", c_in=100, c_out=8)
    assert map_layer(lin, SMALL, "kernel") == {**map_layer(lin, SMALL, "unroll"), "strategy": "kernel"}


def test_image_input_bit_serial_and_fp_layers_unmapped():
    first = Layer.from_dict({"kind": "conv", "c_in": 1, "c_out": 6, "k": 5, "out_hw": [4, 4], "binary_input": False},
                            "l0", input_bits=8)
    m = map_layer(first, SMALL, "unroll")
    # fan-in 25 -> 1 segment, 1 column tile; 16 positions x 8 bit planes, 8 partial sums per output neuron
    assert (m["input_bits"], m["array_activations"], m["adc_conversions"]) == (8, 16 * 8, 8 * 6 * 16)
    fp = Layer.from_dict({"kind": "linear", "c_in": 8, "c_out": 2, "binary_weights": False}, "l1")
    assert [x["layer"] for x in map_model([first, fp], SMALL)] == ["l0"] and unmapped([first, fp]) == ["l1"]


def test_crossbar_counts_cell_pairs():
    x = Crossbar(256, 256, "rows")
    assert x.cells == 2 * 256 * 256 and x.physical_shape == (512, 256)
    assert Crossbar(256, 256, "cols").physical_shape == (256, 512)


def test_dropout_module_counts():
    assert [dropout_modules(CONV, m) for m in ("spindrop", "spatial_spindrop", "scaledrop")] == [180, 20, 1]
    assert topology_modules(CONV, "spindrop", avg_pool=False) == 90
    assert topology_modules(CONV, "spatial_spindrop", avg_pool=False) == 10


def _costs(T=10, strategy="unroll"):
    layers = [CONV, Layer("f", "linear", c_in=160, c_out=10, dropout=False)]
    arch = {**ARCH, "crossbar": {"rows": 32, "cols": 8, "pair_along": "rows"}}
    return model_costs(layers, DEV, arch, T, strategy)


@pytest.mark.parametrize("strategy", ["unroll", "kernel"])
def test_totals_are_sums_of_parts(strategy):
    c = _costs(strategy=strategy)
    rows = c["layers"]
    assert c["pass"]["energy_total_j"] == pytest.approx(sum(r["energy_j"] for r in rows))
    assert c["pass"]["energy_total_j"] == pytest.approx(sum(c["pass"]["energy_j"].values()))
    assert c["pass"]["latency_s"] == pytest.approx(sum(r["latency_s"] for r in rows))
    for comp in PASS_COMPONENTS:
        assert c["pass"]["energy_j"][comp] == pytest.approx(sum(r[f"energy_{comp}_j"] for r in rows))
    assert c["inference"]["energy_total_j"] == pytest.approx(sum(c["inference"]["energy_j"].values()))
    assert c["area_total_m2"] == pytest.approx(sum(c["area_m2"].values()))
    assert c["counts_per_pass"]["rng_samples"] == 1          # the linear layer has no dropout
    # hand check of one component: crossbar energy = weight reads x energy per weight read
    assert c["pass"]["energy_j"]["crossbar"] == pytest.approx((1800 * 16 + 1600) * 2e-15)
    assert c["pass"]["energy_j"]["rng"] == pytest.approx(4e-12)
    # one SPICE row activation per driven row and array read: 180 rows x 2 tiles x 16 positions + 160 rows x 2 tiles
    assert c["pass"]["energy_j"]["wordline"] == pytest.approx((180 * 2 * 16 + 160 * 2) * 3e-13)
    # front end, ADC, mux: one per column conversion (unroll: 6 segments x 10 outputs x 16 positions + 5 x 10)
    conv = c["counts_per_pass"]["adc_conversions"]
    assert conv == {"unroll": 6 * 10 * 16 + 5 * 10, "kernel": 9 * 10 * 16 + 5 * 10}[strategy]
    for comp, e in (("frontend", 1e-13), ("adc", 4e-13), ("mux", 2e-14)):
        assert c["pass"]["energy_j"][comp] == pytest.approx(conv * e)
    spice = sum(c["inference"]["energy_j"][k] for k in ANALOG)
    assert c["inference"]["spice_share"] == pytest.approx(spice / c["inference"]["energy_total_j"])


def test_op_units_of_periphery():
    """The adder counts one add per partial sum by default; `op: array_read` charges one per array read instead."""
    per_col = _costs(T=1)
    e_add = ARCH["periphery"]["adder_accumulator"]["energy_pj"] * 1e-12
    n = per_col["counts_per_pass"]
    assert per_col["pass"]["energy_j"]["adder_accumulator"] == pytest.approx(n["adc_conversions"] * e_add)
    arch = {**ARCH, "crossbar": {"rows": 32, "cols": 8, "pair_along": "rows"},
            "periphery": {**ARCH["periphery"], "adder_accumulator": {**ARCH["periphery"]["adder_accumulator"],
                                                                     "op": "array_read"}}}
    per_arr = model_costs([CONV, Layer("f", "linear", c_in=160, c_out=10)], DEV, arch, 1, "unroll")
    assert per_arr["pass"]["energy_j"]["adder_accumulator"] == pytest.approx(n["array_activations"] * e_add)
    bad = {**arch, "periphery": {**arch["periphery"], "averaging": {**ARCH["periphery"]["averaging"], "op": "output"}}}
    with pytest.raises(ValueError, match=r"^arch.periphery.averaging.op: not settable"):
        model_costs([CONV], DEV, bad, 1)


def test_no_analog_line_is_a_config_constant():
    """Analog lines follow the SPICE results (dev) and nothing else; the config may hold digital blocks only."""
    assert set(ARCH["periphery"]) == set(PERIPHERY_KEYS)
    c0 = _costs(T=1)
    for comp in ANALOG:
        assert c0["origin"][comp].startswith("SPICE: ")
    for comp in set(c0["origin"]) - set(ANALOG):
        assert c0["origin"][comp].startswith("cited: ")
    scaled = {k: ({**v, **{q: 2 * x for q, x in v.items() if q.endswith("_j")}} if isinstance(v, dict) else v)
              for k, v in DEV.items()}
    c1 = model_costs([CONV, Layer("f", "linear", c_in=160, c_out=10, dropout=False)], scaled,
                     {**ARCH, "crossbar": {"rows": 32, "cols": 8, "pair_along": "rows"}}, 1, "unroll")
    for comp in ANALOG:
        assert c1["inference"]["energy_j"][comp] == pytest.approx(2 * c0["inference"]["energy_j"][comp])
        assert c0["inference"]["energy_j"][comp] > 0
    for comp in set(c0["inference"]["energy_j"]) - set(ANALOG):
        assert c1["inference"]["energy_j"][comp] == pytest.approx(c0["inference"]["energy_j"][comp])
    bad = {**ARCH, "periphery": {**ARCH["periphery"], "adc": dict(ARCH["periphery"]["comparator"])}}
    with pytest.raises(ValueError, match=r"^arch.periphery.adc: not a digital block"):
        model_costs([CONV], DEV, bad, 1)


def test_active_rows_split_reads_not_arrays():
    arch = {**ARCH, "crossbar": {"rows": 32, "cols": 8, "pair_along": "rows"}}
    full, half = (model_costs([CONV], DEV, arch, 1, "unroll", r) for r in (None, 16))
    assert half["counts_per_pass"]["adc_conversions"] == 12 * 10 * 16 and full["area_total_m2"] == half["area_total_m2"]
    with pytest.raises(ValueError, match="must divide arch.crossbar.rows = 32"):
        model_costs([CONV], DEV, arch, 1, "unroll", 12)


def test_energy_and_latency_linear_in_T():
    e = [_costs(T)["inference"]["energy_total_j"] for T in (1, 2, 5)]
    t = [_costs(T)["inference"]["latency_s"] for T in (1, 2, 5)]
    assert e[1] == pytest.approx(2 * e[0]) and e[2] == pytest.approx(5 * e[0])
    assert t[2] == pytest.approx(5 * t[0])
    per_pass = _costs(1)
    assert e[0] == pytest.approx(per_pass["pass"]["energy_total_j"]
                                 + 10 * ARCH["periphery"]["averaging"]["energy_pj"] * 1e-12)   # 10 output values


def test_missing_device_model_names_rule(tmp_path):
    with pytest.raises(DeviceModelError, match=r"rng_model\.json missing: run rule rng_model$"):
        rng_costs(tmp_path / "rng_model.json")
    with pytest.raises(DeviceModelError, match=r"crossbar_model\.json missing: run rule crossbar_model$"):
        crossbar_costs(tmp_path / "crossbar_model.json")


def test_device_model_adapters(tmp_path):
    xb = tmp_path / "crossbar_model.json"
    xb.write_text(json.dumps(crossbar_model_example(256, latency_ns=1.5)))
    c = crossbar_costs(xb)
    assert c["energy_per_weight_j"] == pytest.approx(1e-14) and c["latency_s"] == pytest.approx(1.5e-9)
    assert c["cell_area_m2"] == pytest.approx(0.12e-12) and not c["split"] and c["wordline_per_weight_j"] == 0
    split = {"column_read_pj": 2.56, "column_read_lines_pj": 0.512, "column_wordline_pj": 2.048, "t_read_ns": 0.5}
    xb.write_text(json.dumps(crossbar_model_example(256, energy=split)))
    c = crossbar_costs(xb)
    assert c["split"] and c["energy_per_weight_j"] == pytest.approx(2e-15)
    assert c["wordline_per_weight_j"] == pytest.approx(8e-15)
    t2 = table2({"crossbar": c, "rng": DEV["rng"], "periphery": DEV["periphery"]}, ARCH).set_index("component")
    assert t2.loc["crossbar", "energy_pj"] == pytest.approx(0.512 * 256)        # 256 columns, read lines only
    assert t2.loc["wordline", "energy_pj"] == pytest.approx(0.3 * 256)          # SPICE row activation x rows
    assert t2.loc["readout", "energy_pj"] == pytest.approx(t2.loc[["wordline", "frontend", "adc", "mux"],
                                                                  "energy_pj"].sum())
    assert t2.loc["crossbar", "paper_energy_pj"] == 0.65 and math.isnan(t2.loc["wordline", "paper_energy_pj"])
    xb.write_text(json.dumps(crossbar_model_example(256, energy={**split, "cols": 128,
                                                                  "wordline_per_row_activation_pj": 1.28})))
    assert crossbar_costs(xb)["wordline_per_weight_j"] == pytest.approx(1e-14)   # one row across 128 columns
    rng = tmp_path / "rng_model.json"
    bad = rng_model_example()
    del bad["area"]
    rng.write_text(json.dumps(bad))
    with pytest.raises(DeviceModelError, match="'area' is a required property; rerun rule rng_model"):
        rng_costs(rng)
    # the rng_model.json layout: sampling latency, back-to-back cycle period (for power), area.um2
    rng.write_text(json.dumps(rng_model_example()))
    r = rng_costs(rng)
    assert r["power_w"] == pytest.approx(3e-12 / 20e-9) and r["latency_s"] == pytest.approx(15e-9)
    assert math.isclose(r["area_m2"], 30e-12)


def test_bad_layer_is_one_clear_error():
    with pytest.raises(ValueError, match="layers\\[0\\]: conv layer needs 'out_hw'"):
        Layer.from_dict({"kind": "conv", "c_in": 1, "c_out": 2, "k": 3}, "layers[0]")
