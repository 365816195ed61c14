"""Learning objective of MC-Scale-Dropout (Eq. 17): CE + lambda*sum_l ||W_l||^2 + phi*sum_l (1 - mean alpha_l)^2
(+ the weighted KL of SpinBayes layers, nn.baselines, when the model has any).

Note (Eq. 2-3): alpha multiplies (conv + b) BEFORE BatchNorm. In training mode BN normalises each channel by its batch
statistics, so BN(alpha * s) = BN(s) for alpha > 0 and the data term's gradient w.r.t. alpha vanishes (exactly, up to
BN's epsilon) when no scale is dropped; only dropped scales (p > 0) and Eq. 11 move alpha (tests/test_ablation.py)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from nn.baselines import spinbayes_kl
from nn.binary import scaled_layers


def weight_l2(model: nn.Module) -> torch.Tensor:
    """sum_l ||W_l||_2^2 over the (latent, real-valued) weights of the binary layers."""
    return sum(m.weight.pow(2).sum() for m in scaled_layers(model))


def scale_reg(model: nn.Module) -> torch.Tensor:
    """sum_l (1 - mu_alpha^l)^2 (Eq. 11)."""
    return sum((1 - m.alpha.mean()).pow(2) for m in scaled_layers(model))


def scaledrop_loss(model: nn.Module, logits: torch.Tensor, y: torch.Tensor, lam: float = 1e-5,
                   phi: float = 1e-5) -> tuple[torch.Tensor, dict]:
    """Eq. 17; returns (loss, {"ce", "l2", "scale"}) with the unweighted terms as floats."""
    ce = F.cross_entropy(logits, y)
    l2, sc = weight_l2(model), scale_reg(model)
    with torch.no_grad():
        terms = {"ce": ce.item(), "l2": l2.item(), "scale": sc.item()}
    return ce + lam * l2 + phi * sc + spinbayes_kl(model), terms
