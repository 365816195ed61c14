"""Rule eval_variation (Table IV): Scale-Dropout models trained without / with dropout-module variation (device
sampler, 1x), evaluated with the fitted RNG-cell variation x 0..3 (`chips` module instances each); plus the
configured scaledrop run under the same variation -> its variation.json (accuracy change in points, for claims).
Each model is evaluated with the spread the RNG model file hands the NN side (`epsilon_source`, e.g. trimmed chips)
and, when the file has it, with the untrimmed (`raw`) spread."""

import numpy as np
import pandas as pd
import torch

import common
from scaledrop import model_files
from nn import metrics as M
from nn.data import load_dataset
from nn.data.loader import subset
from nn.data.transforms import normalize, to_float
from nn.evaluate import PAPER_VARIATION
from nn.inject import set_device_sampler
from nn.mc import mc_predict
from nn.models import build_model
from nn.train import fit, load_model, load_splits, run_cfg


def evaluate(model, x, y, mults, chips, T, rng_path, source=None):
    out = {}
    for m in mults:
        accs = []
        for c in range(chips):
            set_device_sampler(model, rng_path, m, seed=c, source=source)
            probs = mc_predict(model, x, T, torch.Generator().manual_seed(c))[0].numpy()
            accs.append(100 * M.accuracy(M.predictive_mean(probs), y))
        out[m] = (float(np.mean(accs)), float(np.std(accs)))
    return out


def sources(rng_path) -> list[tuple[str, str | None]]:
    """(label, source) pairs: the file's own epsilon, plus the untrimmed spread when it is a separate block."""
    d = model_files.read_rng_model(rng_path)
    own = d.get("epsilon_source", "file")
    return [(own, None)] + ([("raw", "raw")] if own != "raw" and all("raw" in t for t in d["targets"]) else [])


def main(sm):
    cfg, ev, wc = sm.params.cfg["nn"], sm.params.cfg["nn"]["eval"], sm.wildcards
    torch.set_num_threads(max(1, sm.threads))
    vt = ev.get("variation_train") or {}  # budget of the two Table IV models (null: the nn run's budget)
    bcfg = run_cfg({**cfg, "baseline_train": {**vt, "methods": ["scaledrop"]}}, "scaledrop")
    train, test, info = load_splits(wc.dataset, sm.params.cfg.get("data_dir"), bcfg.get("n_train"), int(ev["n_test"]), 0)
    y, T, chips, mults = test.y.numpy(), int(ev["T"]), int(ev["chips"]), [float(m) for m in ev["multipliers"]]
    rng = sm.input.rng_model
    rows, srcs = [], sources(rng)
    for trained in ("without", "with"):
        sd = {**cfg["scale_dropout"], "sampler": ({"kind": "device", "path": rng, "seed": 0} if trained == "with"
                                                 else {"kind": "bernoulli"})}
        torch.manual_seed(0)
        model = build_model(wc.model, info["in_ch"], len(info["classes"]), {"method": "scaledrop", "scale_dropout": sd})
        fit(model, train, bcfg["train"], 0, progress=False, device="cpu")
        model.eval()
        for label, src in srcs:
            for m, (a, s) in evaluate(model, test.x, y, mults, chips, T, rng, src).items():
                rows.append({"trained": f"{trained} variation", "epsilon_source": label, "n_train": len(train.y),
                             "epochs": bcfg["train"]["epochs"], "multiplier": m, "accuracy": a,
                             "accuracy_std_chips": s})
    main_model, meta = load_model(sm.input.model)
    te = subset(load_dataset(wc.dataset, "test", sm.params.cfg.get("data_dir")), int(ev["n_test"]), 0)
    xm = normalize(to_float(te.x), meta["mean"], meta["std"])
    res = {label: evaluate(main_model, xm, te.y.numpy(), mults, chips, T, rng, src) for label, src in srcs}
    for label, r in res.items():
        for m, (a, s) in r.items():
            rows.append({"trained": "without variation (configured run)", "epsilon_source": label, "n_train": None,
                         "epochs": None, "multiplier": m, "accuracy": a, "accuracy_std_chips": s})
    df = pd.DataFrame(rows)
    pv = PAPER_VARIATION.get((wc.dataset, wc.model))
    df["paper_accuracy"] = [
        (pv["baseline"] if r.multiplier == 0 else pv["with" if r.trained.startswith("with ") else "without"][int(r.multiplier) - 1])
        if pv and r.multiplier in (0, 1, 2, 3) else np.nan for r in df.itertuples()]
    common.write_csv(sm.output.table4, df)
    own = res[srcs[0][0]]  # claims: the spread the NN side uses
    base = own.get(0.0, next(iter(own.values())))[0]
    common.write_json(sm.output.variation, {f"{m:g}x": a - base for m, (a, _) in own.items() if m > 0})

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.2))
    for (t, src), g in df.groupby(["trained", "epsilon_source"], sort=False):
        ax.errorbar(g.multiplier, g.accuracy, g.accuracy_std_chips, marker="o", capsize=3, label=f"{t}, {src} spread",
                    ls="-" if src == srcs[0][0] else "--")
    ax.set(xlabel="dropout-module variation multiplier", ylabel=f"MC accuracy (%), T={T}")
    ax.legend(fontsize=7)
    common.save_fig(sm.output.table4_png, fig)


common.run_rule(snakemake, main)  # noqa: F821
