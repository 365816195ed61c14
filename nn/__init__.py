"""Torch side of scaledrop: binary layers, Scale-Dropout, models, data loaders, MC inference."""
