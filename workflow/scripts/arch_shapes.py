"""Rule arch_shapes: layer shapes of one workload for the CIM model (the only torch-side step of arch).

`layer_shapes` walks a torch model with forward hooks on its binary conv/linear layers and returns the
shapes JSON that cim.mapping.Layer.from_dict reads; the NN side may write the same format directly.
"""

import torch

import common
from nn.binary import BinaryConv2d, BinaryLinear
from nn.models import build_model


def layer_shapes(model: torch.nn.Module, in_ch: int, size: int) -> list[dict]:
    """One dict per binary layer in forward order: kind, k, c_in, c_out, stride, padding, in_hw, out_hw."""
    rows, hooks = [], []

    def hook(mod, inp, out):
        x = inp[0]
        d = {"name": names[mod], "kind": "conv" if isinstance(mod, BinaryConv2d) else "linear",
             "binary_weights": bool(mod.binary_weights), "binary_input": bool(mod.binary_input),
             "dropout": mod.dropout is not None}
        if d["kind"] == "conv":
            c_out, c_in, k, _ = mod.weight.shape
            d.update(k=int(k), c_in=int(c_in), c_out=int(c_out), stride=int(mod.stride), padding=int(mod.padding),
                     in_hw=list(x.shape[-2:]), out_hw=list(out.shape[-2:]))
        else:
            c_out, c_in = mod.weight.shape
            d.update(c_in=int(c_in), c_out=int(c_out))
        rows.append(d)

    names = {m: n for n, m in model.named_modules() if isinstance(m, (BinaryConv2d, BinaryLinear))}
    for m in names:
        hooks.append(m.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, in_ch, size, size))
    finally:
        for h in hooks:
            h.remove()
    return rows


def main(sm) -> None:
    torch.set_num_threads(sm.threads)
    wl = next(w for w in sm.params.cfg["arch"]["workloads"] if w["name"] == sm.wildcards.workload)
    nn = sm.params.cfg.get("nn", {})
    prec = {k: bool(wl.get(k, nn.get(k, True))) for k in ("first_binary", "last_binary")}
    model = build_model(wl["model"], wl["in_ch"], wl["n_classes"], {"method": "scaledrop", **prec})
    common.write_json(sm.output.shapes, {**wl, **prec, "layers": layer_shapes(model, wl["in_ch"], wl["size"]),
                                         "source": "nn.models.build_model (untrained; shapes only)",
                                         "provenance": common.provenance(sm.params.cfg, torch=torch.__version__)})


if "snakemake" in globals():
    common.run_rule(snakemake, main)  # noqa: F821
