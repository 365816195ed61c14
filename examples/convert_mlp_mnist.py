"""Bring your own model: convert a plain PyTorch MLP into a Scale-Dropout BNN, train it for one short epoch on
MNIST and print its OOD AUROC against Fashion-MNIST.

    python examples/convert_mlp_mnist.py                     # full MNIST epoch, 2000 test images
    python examples/convert_mlp_mnist.py --n-train 2000 --n-test 300    # tiny (what the tests run)
"""
import argparse

import torch
from torch import nn

from nn.binary import BinaryLinear
from nn.convert import to_scale_dropout_bnn
from nn.data import load_dataset
from nn.data.loader import subset
from nn.data.transforms import normalize, to_float
from nn.metrics import accuracy, ood_scores
from nn.train import fit, load_splits
from nn.uncertainty import predict_uncertainty

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--n-train", type=int, default=60000)
ap.add_argument("--n-test", type=int, default=2000)
ap.add_argument("--T", type=int, default=20, help="MC samples per image")
ap.add_argument("--seed", type=int, default=0)
args = ap.parse_args()
torch.manual_seed(args.seed)

# 1. any torch model: here a user MLP with ReLUs (the BNN's sign replaces them)
mlp = nn.Sequential(nn.Flatten(),
                    nn.Linear(784, 512), nn.BatchNorm1d(512), nn.ReLU(),
                    nn.Linear(512, 512), nn.BatchNorm1d(512), nn.ReLU(),
                    nn.Linear(512, 512), nn.BatchNorm1d(512), nn.ReLU(),
                    nn.Linear(512, 10), nn.BatchNorm1d(10))
bnn = to_scale_dropout_bnn(mlp, p=0.2, mode="unitary")   # first/last Linear stay full precision
print("converted:", ", ".join(f"{n} -> {type(m).__name__}" for n, m in bnn.named_children()
                              if isinstance(m, (nn.Linear, BinaryLinear))))

# 2. one short epoch on MNIST with the project's trainer (Eq. 17 loss, EDE schedule)
train, test, info = load_splits("mnist", n_train=args.n_train, n_test=args.n_test, seed=args.seed)
fit(bnn, train, {"epochs": 1, "batch_size": 128, "lr": 2e-3}, seed=args.seed, device="cpu")

# 3. Fashion-MNIST as OOD, normalised with MNIST's statistics
fashion = subset(load_dataset("fashion_mnist", "test"), args.n_test, args.seed)
x_ood = normalize(to_float(fashion.x), info["mean"], info["std"])

# 4. uncertainty in one call: mean, entropy, mutual information, Eq. 22/23 intervals, Eq. 26 OOD flag
gen = torch.Generator().manual_seed(args.seed)
u_id = predict_uncertainty(bnn, test.x, T=args.T, generator=gen)
u_ood = predict_uncertainty(bnn, x_ood, T=args.T, generator=gen)
print(f"method {u_id.method} ({u_id.n_samples} samples), MNIST accuracy {accuracy(u_id.mean, test.y.numpy()):.4f}")
for score in ("entropy", "mutual_information"):
    s = ood_scores(getattr(u_id, score), getattr(u_ood, score))
    print(f"OOD AUROC MNIST vs Fashion-MNIST ({score}): {s['auroc']:.4f}")
print(f"Eq. 26 OOD flag rate: MNIST {u_id.ood.mean():.3f}, Fashion-MNIST {u_ood.ood.mean():.3f}")
