"""Rule eval_crossbar: MC accuracy of the Scale-Dropout model with the crossbar read errors of
results/devices/crossbar_model.json on every binary layer's popcount (nn.inject.CrossbarErrors, row tiles of the
file's column height, partial sums added digitally) vs the ideal computation, at T = nn.eval.T."""
import json

import pandas as pd
import torch

import common
from nn import metrics as M
from nn.data import load_dataset
from nn.data.loader import subset
from nn.data.transforms import normalize, to_float
from nn.inject import CrossbarErrors, crossbar_errors
from nn.mc import mc_predict, predict
from nn.train import load_model


def main(sm):
    ev, mc, wc = sm.params.cfg["nn"]["eval"], sm.params.cfg["nn"]["mc"], sm.wildcards
    torch.set_num_threads(max(1, sm.threads))
    n, T = int(ev["crossbar_n"]), int(ev["T"])
    test = subset(load_dataset(wc.dataset, "test", sm.params.cfg.get("data_dir")), int(ev["n_test"]), 0)
    model, meta = load_model(sm.input.model)
    x, y = normalize(to_float(test.x[:n]), meta["mean"], meta["std"]), test.y[:n].numpy()
    xb = CrossbarErrors.load(sm.input.crossbar_model)
    info = json.loads(open(sm.input.crossbar_model).read())
    em = info["error_model"]
    rows = []
    for cond in ("ideal", "crossbar_model"):
        gen = torch.Generator().manual_seed(int(wc.seed))
        if cond == "ideal":
            probs = mc_predict(model, x, T, gen)[0].numpy()
            det = predict(model, x).softmax(-1).numpy()
            hooked = []
        else:
            xb.generator = torch.Generator().manual_seed(int(wc.seed))
            with crossbar_errors(model, xb) as hooked:
                probs = mc_predict(model, x, T, gen, naive=True)[0].numpy()
                det = predict(model, x).softmax(-1).numpy()
        rows.append({"condition": cond, "rows": info["rows"], "adc_bits": info["adc_bits"],
                     "variation_level": info["variation_level"], "adc_reference": info.get("adc_reference"),
                     "popcount_error_rate": em["error_rate"] if cond != "ideal" else 0.0,
                     "popcount_error_sigma": em["sigma"] if cond != "ideal" else 0.0,
                     "layers_on_crossbar": len(hooked), "n_images": len(y), "T": T,
                     "accuracy_mc": 100 * M.accuracy(M.predictive_mean(probs), y),
                     "accuracy_deterministic": 100 * M.accuracy(det, y),
                     "mean_entropy": float(M.entropy(M.predictive_mean(probs)).mean()),
                     "eq26_flagged_rate": 100 * float(M.ood_flags(probs, float(mc["ood_percentile"]),
                                                                  float(mc["ood_threshold"])).mean())})
    df = pd.DataFrame(rows)
    df["accuracy_change_pts"] = df.accuracy_mc - df.accuracy_mc.iloc[0]
    common.write_csv(sm.output.table, df)


common.run_rule(snakemake, main)  # noqa: F821
