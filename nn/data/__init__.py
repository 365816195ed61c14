"""Data layer: real dataset loaders (no torchvision), batch augmentations, OOD sets, segmentation data.

``load_dataset(name, split, data_dir)`` returns a :class:`Dataset` of uint8 N x C x H x W images; bad
input raises :class:`DataError` with one line naming the file or field.
"""
from .datasets import LOADERS, Dataset, cache_root, load_dataset
from .errors import DataError

__all__ = ["DataError", "Dataset", "LOADERS", "cache_root", "load_dataset"]
