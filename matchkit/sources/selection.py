"""Selection of the matches to process: by competition season, by match ids, or all."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

from matchkit.errors import ParameterError, SourceError
from matchkit.sources.base import Source, check_id


def select_matches(
    source: Source,
    competition_id: int | None = None,
    season_id: int | None = None,
    match_ids: Iterable[int] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Select match entries from the matches files of a source.

    With ``competition_id`` and ``season_id``, the matches of that competition season in
    file order. With ``match_ids``, the entries of those matches in the order given
    (only from that competition season when one is given too). With neither, every match
    of every competition season that the competitions file lists, in that order. A match
    listed twice is returned once, and ``limit`` caps the number of entries.

    Raises ParameterError for invalid parameters, and SourceError listing the match ids
    that the source does not list.
    """
    limit = _check_limit(limit)
    if (competition_id is None) != (season_id is None):
        raise ParameterError(
            "competition_id and season_id must be given together, or neither "
            f"(got competition_id={competition_id!r}, season_id={season_id!r})"
        )
    ids = _check_match_ids(match_ids) if match_ids is not None else None

    if ids is not None:
        entries = _entries_by_id(source, ids, competition_id, season_id)
    elif competition_id is not None:
        entries = _unique(source.matches(competition_id, season_id))
    else:
        entries = _all_entries(source, limit)

    return entries if limit is None else entries[:limit]


def _entries_by_id(
    source: Source,
    ids: list[int],
    competition_id: int | None,
    season_id: int | None,
) -> list[dict[str, Any]]:
    if competition_id is None:
        found = source.find_entries(ids)
        where = f"any matches file of {source.describe()}"
    else:
        found = {entry["match_id"]: entry for entry in source.matches(competition_id, season_id)}
        where = f"the matches file of competition {competition_id} season {season_id} of {source.describe()}"

    missing = [match_id for match_id in ids if match_id not in found]
    if missing:
        listed = ", ".join(str(match_id) for match_id in missing)
        raise SourceError(
            f"{len(missing)} match id(s) not listed in {where}: {listed}; check the match ids",
            missing[0] if len(missing) == 1 else None,
        )
    return [found[match_id] for match_id in ids]


def _all_entries(source: Source, limit: int | None) -> list[dict[str, Any]]:
    """Collect the entries of every listed competition season, reading no more matches files than ``limit`` needs."""
    entries: dict[int, dict[str, Any]] = {}
    for competition_id, season_id in source.seasons():
        for entry in source.matches(competition_id, season_id):
            entries.setdefault(entry["match_id"], entry)
        if limit is not None and len(entries) >= limit:
            break
    return list(entries.values())


def _unique(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    unique: dict[int, dict[str, Any]] = {}
    for entry in entries:
        unique.setdefault(entry["match_id"], entry)
    return list(unique.values())


def _check_limit(limit: Any) -> int | None:
    if limit is None:
        return None

    message = f"limit must be a positive integer or None, got {limit!r}"
    if isinstance(limit, bool):
        raise ParameterError(message)
    try:
        value = operator.index(limit)
    except TypeError:
        raise ParameterError(message) from None
    if value < 1:
        raise ParameterError(message)
    return value


def _check_match_ids(match_ids: Any) -> list[int]:
    """Return the ids as ints without repeats, in the order given."""
    if isinstance(match_ids, (str, bytes)) or not isinstance(match_ids, Iterable):
        raise ParameterError(f"match_ids must be a list of integer match ids, got {match_ids!r}")

    ids = list(dict.fromkeys(check_id(match_id, "match id") for match_id in match_ids))
    if not ids:
        raise ParameterError("match_ids is empty; pass at least one match id, or None to select all matches")
    return ids
