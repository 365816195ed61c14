"""Paper claims the configured run can test: our value, the paper's, the tolerance, holds / fails / not tested.

`runs`: one dict per configured NN run {run, dataset, model, method, seed, metrics, mc_eval, acc_vs_T}
(missing files as None); `costs`: arch_costs outputs by workload. Nothing is invented: a claim whose
inputs the configured run does not produce is `not tested`, with the reason.
"""
from __future__ import annotations

import pandas as pd

from cim import paper as P


def _row(claim, scope, ours, paper, tol, holds, reason=""):
    status = "not tested" if holds is None else ("holds" if holds else "fails")
    return {"claim": claim, "scope": scope, "ours": ours, "paper_value": paper, "tolerance": tol,
            "status": status, "note": reason}


def _mc_acc(mc: dict) -> tuple[int, float]:
    t = max(int(k[1:]) for k in mc["mc"])
    return t, 100 * mc["mc"][f"T{t}"]["accuracy"]


def accuracy_claims(runs: list[dict], tol: dict) -> list[dict]:
    out = []
    sd = [r for r in runs if r["method"] == "scaledrop" and r.get("mc_eval")]
    base = {(r["dataset"], r["model"], r["seed"]): r for r in runs if r["method"] == "none" and r.get("mc_eval")}
    if not sd:
        return [_row(c, "-", None, p, t, None, "no scaledrop mc_eval.json in the configured nn runs")
                for c, p, t in (("accuracy vs point-estimate BNN (loss, pts)", P.PAPER_ACC_LOSS_VS_BNN_PTS, tol["acc_tol_pct"]),
                                ("MC sampling gain over one deterministic pass (pts)", P.PAPER_MC_GAIN_PTS, tol["acc_tol_pct"]))]
    for r in sd:
        scope = f"{r['dataset']} {r['model']} s{r['seed']}"
        t, acc = _mc_acc(r["mc_eval"])
        b = base.get((r["dataset"], r["model"], r["seed"]))
        if b is None:
            out.append(_row("accuracy vs point-estimate BNN (loss, pts)", scope, None, P.PAPER_ACC_LOSS_VS_BNN_PTS,
                            tol["acc_tol_pct"], None, "no method 'none' (plain BNN) run configured in nn.methods"))
        else:
            loss = 100 * b["mc_eval"]["deterministic"]["accuracy"] - acc
            out.append(_row("accuracy vs point-estimate BNN (loss, pts)", scope, loss, P.PAPER_ACC_LOSS_VS_BNN_PTS,
                            tol["acc_tol_pct"], loss <= P.PAPER_ACC_LOSS_VS_BNN_PTS + tol["acc_tol_pct"], f"MC T={t}"))
        gain = acc - 100 * r["mc_eval"]["deterministic"]["accuracy"]
        out.append(_row("MC sampling gain over one deterministic pass (pts)", scope, gain, P.PAPER_MC_GAIN_PTS,
                        tol["acc_tol_pct"], gain >= -tol["acc_tol_pct"],
                        f"T={t}; paper: ResNet-20/CIFAR-10 84.63% -> 86.05%; holds if no loss beyond the tolerance"))
    return out


def uncertainty_claims(runs: list[dict], tol: dict) -> list[dict]:
    out = []
    sd = [r for r in runs if r["method"] == "scaledrop"]
    mcd = {(r["dataset"], r["model"], r["seed"]) for r in runs if r["method"] == "mc_dropout" and r.get("mc_eval")}
    for r in sd:
        scope = f"{r['dataset']} {r['model']} s{r['seed']}"
        mc = r.get("mc_eval")
        if mc and mc.get("ood"):
            rates = {k.split("/")[0]: 100 * v["eq26_detection_rate"] for k, v in mc["ood"].items()}
            worst = min(rates.values())
            out.append(_row("OOD detection rate, Eq. 26 (worst set, %)", scope, worst, P.PAPER_OOD_WORST_PCT,
                            tol["ood_tol_pct"], worst >= P.PAPER_OOD_WORST_PCT - tol["ood_tol_pct"],
                            "sets: " + ", ".join(f"{k} {v:.1f}%" for k, v in sorted(rates.items()))
                            + "; paper: worst of Table VI (CIFAR-10 models)"))
        else:
            out.append(_row("OOD detection rate, Eq. 26 (worst set, %)", scope, None, P.PAPER_OOD_WORST_PCT,
                            tol["ood_tol_pct"], None, "mc_eval.json missing or without OOD sets"))
        if (r["dataset"], r["model"], r["seed"]) in mcd:
            other = next(x for x in runs if x["method"] == "mc_dropout" and x["dataset"] == r["dataset"]
                         and x["model"] == r["model"] and x["seed"] == r["seed"])
            ours, theirs = _entropy(r), _entropy(other)
            out.append(_row("entropy under shift >= MC-Dropout (nats)", scope, ours - theirs, None, 0.0,
                            ours >= theirs, f"mean predictive entropy (test set, largest T) ours {ours:.3f} vs MC-Dropout {theirs:.3f}"))
        else:
            out.append(_row("entropy under shift >= MC-Dropout (nats)", scope, None, None, None, None,
                            "no method 'mc_dropout' run configured in nn.methods"))
        acc_t = r.get("acc_vs_T")
        if acc_t:
            best = max(a for _, a in acc_t)
            t_plat = min(t for t, a in acc_t if 100 * a >= 100 * best - tol["plateau_tol_pct"])
            t_max = max(t for t, _ in acc_t)
            out.append(_row("MC accuracy plateaus by T (<= paper)", scope, t_plat, P.PAPER_PLATEAU_T,
                            tol["plateau_tol_pct"], t_plat <= P.PAPER_PLATEAU_T,
                            f"first T within {tol['plateau_tol_pct']} pts of the best over T = 1..{t_max}"))
        else:
            out.append(_row("MC accuracy plateaus by T (<= paper)", scope, None, P.PAPER_PLATEAU_T, None, None,
                            "acc_vs_T.csv missing"))
        var = r.get("variation")
        if var:
            d = min(var.values())
            out.append(_row("accuracy change under 3x dropout-module variation (pts)", scope, d,
                            P.PAPER_VARIATION_WORST_PTS, tol["variation_tol_pct"], d >= -tol["variation_tol_pct"], ""))
        else:
            out.append(_row("accuracy change under 3x dropout-module variation (pts)", scope, None,
                            P.PAPER_VARIATION_WORST_PTS, tol["variation_tol_pct"], None,
                            "no dropout-module variation evaluation in the configured run"))
    return out


def _entropy(r: dict) -> float:
    return float(r["mc_eval"]["mc"][max(r["mc_eval"]["mc"], key=lambda k: int(k[1:]))]["mean_entropy"])


def hardware_claims(runs: list[dict], costs: dict[str, dict], tol: dict) -> list[dict]:
    out = []
    for r in runs:
        layers = (r.get("metrics") or {}).get("scale_dropout_layers")
        scope = f"{r['dataset']} {r['model']} {r['method']} s{r['seed']}"
        if r["method"] != "scaledrop":
            continue
        if layers is None:
            out.append(_row("one dropout module for the whole network", scope, None, 1, 0, None,
                            "metrics.json missing or without scale_dropout_layers"))
            continue
        per_layer = max((1 if not d.get("elementwise") else float("nan")) for d in layers) if layers else 0
        ok = per_layer == 1
        out.append(_row("one dropout module for the whole network", scope, per_layer if ok else "C_out (elementwise)",
                        1, 0, ok, f"{len(layers)} layers x 1 mask bit each, drawn in sequence from one module"))
    f_e, f_a = tol["energy_factor"], tol["area_factor"]
    for name, c in costs.items():
        s = c["strategies"][c["selected"]]
        e_uj, model = s["inference"]["energy_total_j"] * 1e6, c["model"]
        paper_e = P.PAPER_TABLE8_OURS_UJ.get(model)
        if paper_e is None or s["T"] != P.PAPER_T:
            out.append(_row("energy per image (uJ)", name, e_uj, paper_e, f_e, None,
                            f"paper reports no value for {model} at T={s['T']}"))
            continue
        out.append(_row("energy per image at T=10 (uJ)", name, e_uj, paper_e, f"x{f_e:g}",
                        paper_e / f_e <= e_uj <= paper_e * f_e, f"{s['strategy']} mapping"))
        if model == "lenet5":
            out.append(_row("LeNet-5 energy per image below STT-MRAM Spatial-SpinDrop [16] (uJ)", name, e_uj, 0.68, 0,
                            e_uj < 0.68, "paper: 3.77x better"))
            a = s["area_total_m2"] * 1e6
            out.append(_row("LeNet-5 area (mm^2)", name, a, P.PAPER_LENET5_AREA_MM2, f"x{f_a:g}",
                            P.PAPER_LENET5_AREA_MM2 / f_a <= a <= P.PAPER_LENET5_AREA_MM2 * f_a,
                            f"{s['counts_per_pass']['arrays']} arrays (paper: 10 arrays of 256 x 256)"))
    return out


def assess(runs: list[dict], costs: dict[str, dict], tol: dict) -> pd.DataFrame:
    rows = accuracy_claims(runs, tol) + uncertainty_claims(runs, tol) + hardware_claims(runs, costs, tol)
    return pd.DataFrame(rows, columns=["claim", "scope", "ours", "paper_value", "tolerance", "status", "note"])
