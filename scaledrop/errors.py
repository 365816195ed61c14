"""The project's exceptions. Each carries a one-line message naming the field, file or circuit at fault;
workflow scripts print that line (and the rule, its inputs) instead of a traceback."""


class ScaledropError(Exception):
    """Base class: an expected failure whose message is one self-explaining line."""


class ConfigError(ScaledropError, ValueError):
    """A configuration value is missing, of the wrong type or out of range (message names `config.a.b`)."""


class DataError(ScaledropError, ValueError):
    """Bad or missing dataset input (message names the file or field)."""


class ModelFileError(ScaledropError, ValueError):
    """A model file in results/ is missing, malformed or of another schema version (message names the file,
    the field and the rule to rerun)."""


class SpiceError(ScaledropError, RuntimeError):
    """A circuit failed to load, did not converge after all retries, timed out, or gave an unphysical result
    (message names the deck)."""


class CheckpointError(ScaledropError, RuntimeError):
    """A training checkpoint could not be read (truncated, foreign or unsafe pickle)."""
