"""Evaluate a converted model with the fitted device sampler: a user ResNet-style CNN (torchvision BasicBlock
layout) is converted, trained briefly on MNIST, then its masks come from Bernoulli draws and from the SPICE-fitted
RNG-cell model (results/devices/rng_model.json, Eq. 24) at variation multipliers 0x, 1x, 3x (Table IV).

    python examples/device_sampler_eval.py [--rng-model results/devices/rng_model.json]
    python examples/device_sampler_eval.py --n-train 1000 --n-test 200 --T 8     # tiny (what the tests run)
"""
import argparse
import copy
import sys

import torch
from torch import nn

from nn.convert import to_scale_dropout_bnn
from nn.data import load_dataset
from nn.data.loader import subset
from nn.data.transforms import normalize, to_float
from nn.inject import set_device_sampler
from nn.metrics import accuracy, ood_scores
from nn.scaledrop import make_sampler
from nn.train import fit, load_splits
from nn.uncertainty import predict_uncertainty


class Block(nn.Module):  # torchvision-style BasicBlock: ReLU after the residual add
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x))))) + self.down(x))


ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--rng-model", default="results/devices/rng_model.json")
ap.add_argument("--n-train", type=int, default=10000)
ap.add_argument("--n-test", type=int, default=1000)
ap.add_argument("--T", type=int, default=20, help="MC samples per image")
args = ap.parse_args()
try:
    make_sampler("device", path=args.rng_model)  # check the device file before training
except ValueError as e:  # a missing or malformed device file: one line, no traceback
    sys.exit(f"error: {e}")
torch.manual_seed(0)
cnn = nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(), Block(16, 32, 2), Block(32, 32, 2),
                    nn.AdaptiveMaxPool2d(4), nn.Flatten(), nn.Linear(32 * 16, 10), nn.BatchNorm1d(10))
bnn = to_scale_dropout_bnn(cnn)  # adaptive p (Sec. III-D): 0.1 below 10k weights, else 0.2
train, test, info = load_splits("mnist", n_train=args.n_train, n_test=args.n_test)
fit(bnn, train, {"epochs": 1, "batch_size": 64, "lr": 5e-3}, seed=0, device="cpu")
fashion = subset(load_dataset("fashion_mnist", "test"), args.n_test, 0)
fashion = normalize(to_float(fashion.x), info["mean"], info["std"])

for label, sampler, mult in [("bernoulli", "bernoulli", 0.0), ("device 0x", args.rng_model, 0.0),
                             ("device 1x", args.rng_model, 1.0), ("device 3x", args.rng_model, 3.0)]:
    u_id, u_ood = (predict_uncertainty(bnn, x, T=args.T, sampler=sampler, multiplier=mult, seed=1,
                                       generator=torch.Generator().manual_seed(0)) for x in (test.x, fashion))
    p_hat = {} if sampler == "bernoulli" else set_device_sampler(copy.deepcopy(bnn), sampler, mult, seed=1)
    ps = ("  p_hat per layer: " + " ".join(f"{v:.3f}" for v in p_hat.values())) if p_hat else ""
    print(f"{label:10s} accuracy {accuracy(u_id.mean, test.y.numpy()):.4f}  OOD AUROC (entropy) "
          f"{ood_scores(u_id.entropy, u_ood.entropy)['auroc']:.4f}  mean MI {u_id.mutual_information.mean():.4f}{ps}")
