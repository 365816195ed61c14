"""Mapping binary layers onto SOT-MRAM XNOR crossbars and counting operations (paper Sec. V-C, Fig. 3-4).

Cell-pair convention (Table I, Fig. 3): every binary weight occupies a complementary pair of cells driven
by the pair of read lines (x, not x) of one input. `rows x cols` (default 256 x 256, the paper's arrays)
counts *weights*: `rows` inputs per column, `cols` output neurons per array, as in devices/crossbar.py
and results/devices/crossbar_model.json. The array therefore has 2 * rows * cols cells, physically
(2 rows) x cols when the pair lies along the rows (`pair_along="rows"`) or rows x (2 cols) otherwise.

Strategies: (1) "unroll": each K*K*C_in kernel is one column, split into row segments of the array height;
(2) "kernel": K x K tiles of C_in x C_out arrays, one per kernel position. Linear layers are K = 1, so both
strategies coincide for them. One array activation = one read of one array (all its columns) for one
output position and one input bit plane: the unit of the paper's Table II ("one reading operation").

Inputs: every layer but the first sees binary (+-1) activations, one read line pair per input (Sec. V-C).
A layer whose input is not binary (the first layer sees the image) is fed bit-serially: `input_bits` bit
planes, each one array read, shifted and accumulated (counted by the adder-accumulator like row segments).
A layer without binary weights cannot sit on the XNOR crossbar: `map_model` leaves it out and says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

STRATEGIES = ("unroll", "kernel")


@dataclass(frozen=True)
class Crossbar:
    rows: int = 256
    cols: int = 256
    pair_along: str = "rows"

    def __post_init__(self):
        for name in ("rows", "cols"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"arch.crossbar.{name} must be an integer >= 1, got {v!r}")
        if self.pair_along not in ("rows", "cols"):
            raise ValueError(f"arch.crossbar.pair_along must be 'rows' or 'cols', got {self.pair_along!r}")

    @property
    def weight_rows(self) -> int:
        """Weights (inputs) per column."""
        return self.rows

    @property
    def weight_cols(self) -> int:
        """Output neurons per array."""
        return self.cols

    @property
    def cells(self) -> int:
        """MTJ cells per array (two per weight)."""
        return 2 * self.rows * self.cols

    @property
    def physical_shape(self) -> tuple[int, int]:
        return (2 * self.rows, self.cols) if self.pair_along == "rows" else (self.rows, 2 * self.cols)


@dataclass(frozen=True)
class Layer:
    """One binary layer: conv (k x k x c_in x c_out, `positions` output pixels) or linear (k = 1, positions = 1)."""

    name: str
    kind: str
    c_in: int
    c_out: int
    k: int = 1
    positions: int = 1
    dropout: bool = True
    input_bits: int = 1
    binary_weights: bool = True

    @property
    def fan_in(self) -> int:
        return self.k * self.k * self.c_in

    @property
    def weights(self) -> int:
        return self.fan_in * self.c_out

    @classmethod
    def from_dict(cls, d: dict, where: str = "layer", input_bits: int = 8) -> "Layer":
        """From a shapes-JSON entry {name, kind, c_in, c_out, k?, out_hw?, dropout?, binary_input?,
        binary_weights?}; a non-binary input is applied in `input_bits` bit planes."""
        for key in ("kind", "c_in", "c_out"):
            if key not in d:
                raise ValueError(f"{where}: missing key {key!r}")
        kind = d["kind"]
        if kind not in ("conv", "linear"):
            raise ValueError(f"{where}.kind must be 'conv' or 'linear', got {kind!r}")
        k = int(d.get("k", 1)) if kind == "conv" else 1
        if kind == "conv" and "out_hw" not in d:
            raise ValueError(f"{where}: conv layer needs 'out_hw' (output height, width)")
        pos = math.prod(d["out_hw"]) if kind == "conv" else 1
        for key, v in (("c_in", d["c_in"]), ("c_out", d["c_out"]), ("k", k), ("positions", pos)):
            if int(v) < 1:
                raise ValueError(f"{where}.{key} must be >= 1, got {v!r}")
        bits = 1 if d.get("binary_input", True) else int(input_bits)
        return cls(str(d.get("name", where)), kind, int(d["c_in"]), int(d["c_out"]), k, int(pos),
                   bool(d.get("dropout", True)), bits, bool(d.get("binary_weights", True)))


def map_layer(layer: Layer, xbar: Crossbar, strategy: str = "unroll") -> dict:
    """Arrays and per-forward-pass operation counts of one layer.

    Per output position and input bit plane, each of the `arrays` (row_segments x col_tiles) is read once
    (array_activations); each used column gives one ADC conversion, a partial sum that the adder-accumulator
    adds into the output register (adc_conversions = column accumulations; row_segments * input_bits of
    them per output neuron). row_activations: driven input rows summed over the arrays read; each word line
    spans the full array width, so the word-line energy scales with row_activations * cols (cim.costs).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"arch.strategy must be one of {STRATEGIES}, got {strategy!r}")
    col_tiles = math.ceil(layer.c_out / xbar.weight_cols)
    if strategy == "unroll" or layer.k == 1:
        segments = math.ceil(layer.fan_in / xbar.weight_rows)
    else:
        segments = layer.k * layer.k * math.ceil(layer.c_in / xbar.weight_rows)
    arrays = segments * col_tiles
    p, b = layer.positions, layer.input_bits
    parts = segments * b                                   # partial sums per output neuron
    return {
        "layer": layer.name, "kind": layer.kind, "strategy": strategy, "k": layer.k, "c_in": layer.c_in,
        "c_out": layer.c_out, "positions": p, "weights": layer.weights,
        "row_segments": segments, "col_tiles": col_tiles, "arrays": arrays,
        "utilization": layer.weights / (arrays * xbar.weight_rows * xbar.weight_cols),
        "input_bits": b, "array_activations": arrays * p * b,
        "weight_reads": layer.weights * p * b,             # cell-pair reads (read-line energy scales with them)
        "row_activations": layer.fan_in * col_tiles * p * b,
        "adc_conversions": parts * layer.c_out * p,
        "adder_depth": math.ceil(math.log2(segments)) if segments > 1 else 0,   # adder tree per read step
        "outputs": layer.c_out * p,                        # sign/threshold comparisons
        "rng_samples": 1 if layer.dropout else 0,          # one Scale-Dropout mask bit per layer and pass
        "scale_reads": 1,                                  # one scale-memory row per layer and pass
    }


def map_model(layers: list[Layer], xbar: Crossbar, strategy: str = "unroll") -> list[dict]:
    """Maps the layers with binary weights (the others are listed by `unmapped`)."""
    mapped = [layer for layer in layers if layer.binary_weights]
    if not mapped:
        raise ValueError("shapes: no layer with binary weights to map onto the crossbars")
    return [map_layer(layer, xbar, strategy) for layer in mapped]


def unmapped(layers: list[Layer]) -> list[str]:
    """Layers with full-precision weights: not on the XNOR crossbars, not in our costs."""
    return [layer.name for layer in layers if not layer.binary_weights]


def dropout_modules(layer: Layer, method: str) -> int:
    """Dropout (RNG) modules a layer needs (Table VII, layer-wise): SpinDrop K*K*C_in, Spatial C_in, ours 1."""
    return {"spindrop": layer.k * layer.k * layer.c_in, "spatial_spindrop": layer.c_in, "scaledrop": 1}[method]


def topology_modules(last_conv: Layer, method: str, avg_pool: bool) -> int:
    """Table VII topology-wise: dropout applied once to the feature output of the last conv layer."""
    if method == "scaledrop":
        return 1
    if method == "spindrop" and not avg_pool:
        return last_conv.k * last_conv.k * last_conv.c_out
    return last_conv.c_out
