"""Integer bit-packed XNOR + popcount (nn.xnor_int) vs the float conv / linear of nn.binary on CPU, one thread.

Per layer shape of the project's models: best-of-repeats wall time of the dot product of +-1 inputs and weights
(float: F.conv2d / F.linear; integer: im2col + 64-bit packing + XNOR + SWAR popcount) and whether they are equal.
Usage: python benchmarks/xnor_popcount.py [--batch 8] [--repeats 7]
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from nn.binary import BinaryConv2d, BinaryLinear
from nn.xnor_int import conv_dot, linear_dot

LAYERS = [  # (label, layer, input shape without the batch)
    ("lenet5 conv2 6->16 k5 @14x14", lambda: BinaryConv2d(6, 16, 5), (6, 14, 14)),
    ("lenet5 fc1 400->120", lambda: BinaryLinear(400, 120), (400,)),
    ("resnet20 conv 16->16 k3 @32x32", lambda: BinaryConv2d(16, 16, 3, 1, 1), (16, 32, 32)),
    ("resnet20 conv 64->64 k3 @8x8", lambda: BinaryConv2d(64, 64, 3, 1, 1), (64, 8, 8)),
    ("vgg_small conv 128->128 k3 @32x32", lambda: BinaryConv2d(128, 128, 3, 1, 1), (128, 32, 32)),
    ("vgg_small conv 512->512 k3 @8x8", lambda: BinaryConv2d(512, 512, 3, 1, 1), (512, 8, 8)),
    ("vgg_small fc 8192->10", lambda: BinaryLinear(8192, 10), (8192,)),
]


def timed(fn, repeats: int) -> tuple[float, torch.Tensor]:
    out, times = fn(), []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    ratios = []
    print(f"{'layer':36s} {'float ms':>9s} {'int ms':>9s} {'int/float':>9s} equal")
    with torch.no_grad():
        for label, make, shape in LAYERS:
            m = make()
            x = torch.randn(a.batch, *shape)
            xs, w = m.effective_input(x), m.effective_weight()
            conv = isinstance(m, BinaryConv2d)
            flt = (lambda: F.conv2d(xs, w, None, m.stride, m.padding)) if conv else (lambda: F.linear(xs, w))  # noqa: B023
            t_f, ref = timed(flt, a.repeats)
            t_i, out = timed(lambda: (conv_dot if conv else linear_dot)(m, x), a.repeats)  # noqa: B023
            ratios.append(t_i / t_f)
            print(f"{label:36s} {1e3 * t_f:9.2f} {1e3 * t_i:9.2f} {t_i / t_f:9.1f} {torch.equal(out.float(), ref)}")
    geo = statistics.geometric_mean(ratios)
    print(f"xnor_popcount: integer XNOR-popcount is bit-equal and takes {geo:.1f}x the float conv/linear time on 1 CPU "
          f"thread (geometric mean over {len(ratios)} layer shapes, batch {a.batch}; "
          f"range {min(ratios):.1f}-{max(ratios):.1f}x)")


if __name__ == "__main__":
    main()
