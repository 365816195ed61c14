"""Table V (Appendix, "Table IV" of the other text version) of the paper, percent, for the settings the paper
reports: {(layout, topology, method): {score: value}}. PH2 (200 dermoscopic images, 572 x 765) is the paper's skin
cancer set [47], BUSI (780 breast ultrasound images) its breast cancer set [45], covid_ct its COVID-19 lung CT
set [46]; other datasets (the embedded nuclei default, ISIC) have no paper numbers."""
from __future__ import annotations

from nn.seg.metrics import SCORES

_ROWS = {  # pixel_acc, iou, auc, f1, sensitivity, specificity, precision
    ("ph2", "unet", "mcdropout"): (95.05, 81.67, 98.86, 89.91, 84.74, 98.67, 95.74),
    ("ph2", "unet", "scaledrop"): (96.75, 88.07, 99.4, 93.66, 92.31, 98.31, 95.04),
    ("busi", "segnet", "mcdropout"): (97.83, 71.82, 96.40, 83.21, 78.23, 99.28, 88.86),
    ("busi", "segnet", "spindrop"): (97.47, 68.17, 95.48, 80.13, 74.25, 99.18, 87.02),
    ("busi", "segnet", "scaledrop"): (97.69, 69.69, 96.69, 82.14, 77.19, 99.21, 87.76),
    ("covid_ct", "segnet", "mcdropout"): (99.51, 72.88, 99.39, 84.32, 86.99, 99.7, 81.8),
    ("covid_ct", "segnet", "scaledrop"): (99.55, 74.43, 99.69, 85.34, 85.84, 99.76, 84.85),
}


def paper_row(dataset: str, topology: str, method: str) -> dict:
    """{'paper_<score>': fraction in [0, 1] or None} for one table row (None where the paper has no number)."""
    vals = _ROWS.get((dataset, topology, method))
    return {f"paper_{s}": (None if vals is None else round(v / 100, 6)) for s, v in zip(SCORES, vals or SCORES)}
