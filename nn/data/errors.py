"""The data layer's exception: `scaledrop.errors.DataError` (one line naming the file or field)."""
from scaledrop.errors import DataError

__all__ = ["DataError"]
