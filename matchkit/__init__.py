"""matchkit: StatsBomb event data to a database of interactive match plots."""

from matchkit.errors import DataError, MatchkitError, ParameterError, SourceError

__version__ = "0.1.0"

__all__ = ["DataError", "MatchkitError", "ParameterError", "SourceError", "__version__"]
