"""Independent masks (per image and pass) make the MC estimate of AUROC(MI) reproducible across MC seeds on a fixed
model; common random numbers (one mask sequence per chunk of images) do not."""
import numpy as np
import torch

from nn import metrics as M
from nn.mc import mc_predict
from nn.models import build_model
from nn.train import fit, load_splits

torch.set_num_threads(1)


def _auroc_mi(model, xi, xo, masks, seed, T=50):
    g = torch.Generator().manual_seed(seed)
    pi = mc_predict(model, xi, T, g, masks=masks)[0].numpy()
    po = mc_predict(model, xo, T, g, masks=masks)[0].numpy()
    return M.ood_scores(M.mutual_information(pi), M.mutual_information(po))["auroc"]


def test_independent_masks_auroc_mi_spread_over_mc_seeds():
    torch.manual_seed(0)
    train, test, _ = load_splits("mnist", None, 2000, 2000, 0)
    model = build_model("lenet5", 1, 10, {"scale_dropout": {"p_small": 0.2, "p_large": 0.5}})
    fit(model, train, {"epochs": 2, "batch_size": 64, "lr": 0.005}, 0, progress=False, device="cpu")
    model.eval()
    xo = load_splits("fashion_mnist", None, 10, 2000, 0)[1].x
    ind = [_auroc_mi(model, test.x, xo, "independent", s) for s in range(5)]
    assert np.std(ind, ddof=1) <= 0.002
    shared = [_auroc_mi(model, test.x, xo, "shared", s) for s in range(3)]
    assert np.std(shared, ddof=1) > 2 * np.std(ind, ddof=1)
