"""The interface every match data source implements, and the match index behind it."""

from __future__ import annotations

import operator
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from matchkit.errors import DataError, ParameterError, SourceError


def check_id(value: Any, name: str) -> int:
    """Return ``value`` as a non-negative int id, or raise ParameterError naming ``name``."""
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be an integer id, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise ParameterError(f"{name} must be an integer id, got {value!r}") from None
    if number < 0:
        raise ParameterError(f"{name} must be a non-negative id, got {number}")
    return number


class Source(ABC):
    """A provider of raw StatsBomb data: competitions, match entries, events, lineups, 360 frames.

    Every method returns the JSON as the published file contains it (lists of dicts, in file
    order), never DataFrames. A source indexes the match entries of every matches file it
    reads, so ``match_entry`` reads a matches file at most once per competition season.
    Sources are picklable, and the index travels with the pickle to worker processes.
    """

    def __init__(self) -> None:
        self._entries: dict[int, dict[str, Any]] = {}
        self._read_seasons: set[tuple[int, int]] = set()
        self._seasons: list[tuple[int, int]] | None = None

    @abstractmethod
    def competitions(self) -> list[dict[str, Any]]:
        """Return the entries of the competitions file, one per competition season."""

    @abstractmethod
    def events(self, match_id: int) -> list[dict[str, Any]]:
        """Return the events of one match in file order."""

    @abstractmethod
    def lineups(self, match_id: int) -> list[dict[str, Any]]:
        """Return the lineups of one match, one entry per team."""

    @abstractmethod
    def frames_360(self, match_id: int) -> list[dict[str, Any]] | None:
        """Return the 360 frames of one match, or None when the match has no 360 data."""

    @abstractmethod
    def describe(self) -> str:
        """Return a one-line description of where the data comes from, for logs (never credentials)."""

    @abstractmethod
    def _read_matches(self, competition_id: int, season_id: int) -> list[dict[str, Any]]:
        """Read the matches file of one competition season."""

    @abstractmethod
    def _matches_location(self, competition_id: int, season_id: int) -> str:
        """Return the path or URL of one matches file, for error messages."""

    @abstractmethod
    def _competitions_location(self) -> str:
        """Return the path or URL of the competitions file, for error messages."""

    def matches(self, competition_id: int, season_id: int) -> list[dict[str, Any]]:
        """Return the match entries of one competition season in file order, and index them."""
        competition_id = check_id(competition_id, "competition_id")
        season_id = check_id(season_id, "season_id")

        entries = self._read_matches(competition_id, season_id)
        self._index(entries, competition_id, season_id)
        return entries

    def match_entry(self, match_id: int) -> dict[str, Any]:
        """Return the entry of one match from the matches files, reading them as needed.

        Raises SourceError when no matches file of the source lists the match.
        """
        match_id = check_id(match_id, "match_id")

        found = self.find_entries([match_id])
        if match_id not in found:
            raise SourceError(
                f"match {match_id}: not listed in any matches file of {self.describe()}; check the match id",
                match_id,
            )
        return found[match_id]

    def find_entries(self, match_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Look up match entries by id, reading unread matches files until every id is found.

        Returns the entries found, keyed by match id. Ids that no matches file lists are absent.
        """
        requested = {check_id(match_id, "match_id") for match_id in match_ids}

        missing = requested - self._entries.keys()
        if missing:
            for competition_id, season_id in self.seasons():
                if (competition_id, season_id) in self._read_seasons:
                    continue
                self.matches(competition_id, season_id)
                missing -= self._entries.keys()
                if not missing:
                    break

        return {match_id: self._entries[match_id] for match_id in requested if match_id in self._entries}

    def seasons(self) -> list[tuple[int, int]]:
        """Return the (competition_id, season_id) pairs of the competitions file, without repeats, in file order."""
        if self._seasons is None:
            self._seasons = self._list_seasons()
        return list(self._seasons)

    def _list_seasons(self) -> list[tuple[int, int]]:
        competitions = self.competitions()
        location = self._competitions_location()
        if not isinstance(competitions, list):
            raise DataError(f"competitions file {location} is not a JSON list of competition seasons")

        seasons: dict[tuple[int, int], None] = {}
        for position, competition in enumerate(competitions):
            try:
                key = (int(competition["competition_id"]), int(competition["season_id"]))
            except (KeyError, TypeError, ValueError) as error:
                raise DataError(
                    f"competitions file {location}: entry {position} has no valid competition_id "
                    f"and season_id ({type(error).__name__}: {error})"
                ) from error
            seasons[key] = None
        return list(seasons)

    def _index(self, entries: Any, competition_id: int, season_id: int) -> None:
        location = self._matches_location(competition_id, season_id)
        if not isinstance(entries, list):
            raise DataError(f"matches file {location} is not a JSON list of match entries")

        for position, entry in enumerate(entries):
            match_id = entry.get("match_id") if isinstance(entry, dict) else None
            if not isinstance(match_id, int) or isinstance(match_id, bool):
                raise DataError(f"matches file {location}: entry {position} has no integer match_id")
            self._entries[match_id] = entry
        self._read_seasons.add((competition_id, season_id))
