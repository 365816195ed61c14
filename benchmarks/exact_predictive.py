"""Exact predictive of MC-Scale-Dropout (nn.exact, all 2^5 mask configurations of LeNet-5 in one shared-prefix pass)
vs the naive loop of T = 20 stochastic forward passes (independent masks per image and pass), images/s on one
thread. Random BN statistics and scales alpha ~ U(0.3, 1.7) so that every configuration differs. Last line: headline."""
import time

import torch

from nn.exact import exact_predict
from nn.mc import _mc_mode
from nn.models import build_model
from random_state import randomize_inference_state


def naive_loop(model, x, T):
    with torch.no_grad(), _mc_mode(model):
        return torch.stack([model(x) for _ in range(T)]).softmax(-1)


def best_rate(fn, n, reps):
    fn()  # warm-up
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best


def main(T=20, n=1000, threads=1):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = build_model("lenet5", 1, 10, {}).eval()
    randomize_inference_state(model)
    x = torch.randn(n, 1, 28, 28)
    w, probs = exact_predict(model, x)
    ours = best_rate(lambda: exact_predict(model, x), n, 3)
    naive = best_rate(lambda: naive_loop(model, x, T), n, 3)
    print(f"configurations {len(w)}, mean std of the softmax over configurations {float(probs.std(0).mean()):.3g}")
    print(f"exact_predictive lenet5: {ours / naive:.1f}x (exact, {len(w)} configurations: {ours:.4g} images/s vs "
          f"naive T={T} loop: {naive:.4g} images/s)", flush=True)


if __name__ == "__main__":
    main()
