"""The one exception type of the data layer."""


class DataError(ValueError):
    """Bad or missing dataset input; the message is one line naming the file or field."""
