"""Shared by the NN benchmarks and the tests (conftest.randomised_model): give an untrained model non-trivial inference state, so an equality check between
two inference paths can fail (random BatchNorm statistics, scales alpha away from 1)."""
import torch


def randomize_inference_state(model: torch.nn.Module) -> torch.nn.Module:
    for mod in model.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            mod.running_mean.uniform_(-1, 1)
            mod.running_var.uniform_(0.5, 2)
        if hasattr(mod, "alpha"):
            mod.alpha.data.uniform_(0.3, 1.7)
    return model
