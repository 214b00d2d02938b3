"""Error types that matchkit raises for problems a user can fix."""

from __future__ import annotations


class MatchkitError(Exception):
    """Base class for errors with a message meant for the user, not a traceback."""


class ParameterError(MatchkitError, ValueError):
    """An invalid run parameter, rejected before any work starts."""


class SourceError(MatchkitError):
    """A match, file or URL that the data source cannot provide."""

    def __init__(self, message: str, match_id: int | None = None):
        super().__init__(message)
        self.match_id = match_id


class DataError(MatchkitError):
    """Event, lineup or match data that cannot be parsed into a match model."""

    def __init__(self, message: str, match_id: int | None = None):
        super().__init__(message)
        self.match_id = match_id
