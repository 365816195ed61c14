"""Rule seg_eval: MC inference (T passes) of every trained segmentation model -> Table V scores with pixel-wise
uncertainty (results/seg/table_v.csv, eval.json) and the Fig. 8 panels (input, ground truth, prediction,
correctness, uncertainty) for MC-Dropout and MC-Scale-Dropout."""
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

import common  # noqa: E402
from nn.seg.data import load_seg_data  # noqa: E402
from nn.seg.metrics import nan_to_none, seg_scores, uncertainty_error_scores  # noqa: E402
from nn.seg.models import bit_width, build_seg_model  # noqa: E402
from nn.seg.paper import paper_row  # noqa: E402
from nn.seg.train import mc_uncertainty  # noqa: E402

LABELS = {"scaledrop": "MC-Scale-Dropout (1/4)", "mcdropout": "MC-Dropout (32/32)", "spindrop": "SpinDrop (1/4)"}


def _display(x: torch.Tensor, info: dict) -> np.ndarray:
    """Normalised C x H x W input back to [0, 1] H x W (x C)."""
    img = x.numpy() * np.array(info["std"])[:, None, None] + np.array(info["mean"])[:, None, None]
    img = np.clip(img, 0, 1)
    return img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)


def fig8(x, y, info, results: dict, idx, T: int) -> plt.Figure:
    """Rows: test images; columns: input, ground truth, then per method prediction, correctness, uncertainty
    (entropy normalised to [0, 1]); correct / certain = white, wrong / uncertain = black (paper's Fig. 8)."""
    cols = ["input", "ground truth"] + [f"{LABELS[m]}\n{c}" for m in results
                                          for c in ("prediction", "correctness", "uncertainty")]
    fig, axes = plt.subplots(len(idx), len(cols), figsize=(1.6 * len(cols), 1.7 * len(idx)), squeeze=False)
    for r, i in enumerate(idx):
        panels = [(_display(x[i], info), "gray"), (y[i], "gray")]
        for unc in results.values():
            pred = unc["mean"][i] >= 0.5
            u = unc["entropy"][i]
            panels += [(pred, "gray"), (pred == y[i].astype(bool), "gray"),
                       ((u - u.min()) / max(u.max() - u.min(), 1e-12), "gray_r")]
        for c, (img, cmap) in enumerate(panels):
            ax = axes[r, c]
            ax.imshow(img.astype(float) if img.ndim == 2 else img, cmap=cmap, vmin=0, vmax=1,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(cols[c], fontsize=6)
    fig.suptitle(f"{info['dataset']}: T = {T} MC samples, threshold 0.5; hidden layers W/A as labelled, "
                 "first/last conv full precision", fontsize=7)
    fig.tight_layout()
    return fig


def main(sm):
    cfg = sm.params.cfg["seg"]
    torch.set_num_threads(max(1, sm.threads))
    T, bs = int(cfg["mc"]["T"]), int(cfg["mc"].get("batch_size", 16))
    rows, per_method, details = [], {}, {}
    for path in sm.input.models:
        obj = torch.load(path, map_location="cpu", weights_only=True)
        meta = obj["meta"]
        method, seed = meta["method"], int(meta["seed"])
        _, _, xte, yte, info = load_seg_data(cfg, sm.params.cfg["data_dir"], seed)
        model = build_seg_model(meta["topology"], method, meta["in_ch"], meta["cfg"])
        model.load_state_dict(obj["state_dict"])
        t0 = time.time()
        unc = mc_uncertainty(model, xte, T, seed=seed, batch_size=bs)
        seconds = time.time() - t0
        gt = yte.numpy()
        scores, unc_scores = seg_scores(unc["mean"], gt), uncertainty_error_scores(unc, gt)
        rows.append({"dataset": info["dataset"], "topology": meta["topology"], "method": method, "seed": seed,
                     "bit_width": bit_width(method, meta["cfg"]), "first_last_layers": "full precision",
                     "T": T, "n_test_images": info["n_test"], **scores, **unc_scores, "mc_seconds": seconds,
                     **paper_row(info["dataset"], meta["topology"], method)})
        details[f"{method}_s{seed}"] = nan_to_none({**scores, **unc_scores})
        if seed == int(cfg["seeds"][0]):
            per_method[method] = (unc, xte, gt, info)
    table = pd.DataFrame(rows)
    common.write_csv(sm.output.table, table)
    any_run = next(iter(per_method.values()))
    _, xte, gt, info = any_run
    n_fig = min(int(cfg["mc"].get("n_fig", 3)), len(gt))
    idx = np.argsort(-gt.reshape(len(gt), -1).sum(1), kind="stable")[:n_fig]  # most foreground first
    shown = {m: per_method[m][0] for m in ("mcdropout", "scaledrop") if m in per_method} or \
        {m: v[0] for m, v in per_method.items()}
    common.save_fig(sm.output.fig8, fig8(xte, gt, info, shown, idx, T))
    for path in sm.output.fig8_methods:
        m = path.rsplit("fig8_", 1)[1][:-4]
        common.save_fig(path, fig8(xte, gt, info, {m: per_method[m][0]}, idx, T))
    common.write_json(sm.output.summary, nan_to_none({
        "T": T, "threshold": 0.5, "uncertainty_for_fig8": "entropy of the predictive mean (normalised per image)",
        "first_last_layers": "full-precision weights (hidden layers: binary weights, 4-bit PACT activations)",
        "fig8_images": idx.tolist(), "runs": details,
        "provenance": common.provenance(sm.params.cfg, int(cfg["seeds"][0]), torch=torch.__version__)}))


common.run_rule(snakemake, main)  # noqa: F821  (a DataError becomes one line naming the file)
