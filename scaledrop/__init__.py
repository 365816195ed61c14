"""Shared seam of the pipeline: the one exceptions module and the readers/writers of the model files that
`devices/` writes and `nn/` and `cim/` read (`scaledrop.model_files`)."""
