"""CIM architecture model of the Scale-Dropout accelerator (paper Sec. V-C, VI-D, VII-C).

Torch-free: layer shapes come in as plain dicts/JSON (see `cim.mapping.Layer.from_dict`), device costs
from the versioned model files in results/devices/ (see `cim.devices`).
"""
