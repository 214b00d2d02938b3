"""A source that reads a local folder in the StatsBomb open-data layout."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path
from typing import Any

import orjson

from matchkit.errors import DataError, ParameterError, SourceError
from matchkit.sources.base import Source, check_id

SUFFIXES = (".json", ".json.gz")


class LocalSource(Source):
    """Read competitions, matches, events, lineups and 360 files from an open-data folder.

    The folder has the published layout: ``competitions.json``,
    ``matches/<competition_id>/<season_id>.json``, ``events/<match_id>.json``,
    ``lineups/<match_id>.json`` and ``three-sixty/<match_id>.json``. Each file may be
    plain ``.json`` or gzip-compressed ``.json.gz``. When both exist, the plain file is read.
    """

    def __init__(self, data_dir: str | os.PathLike[str]):
        super().__init__()
        path = Path(data_dir).expanduser()
        if not path.is_dir():
            raise ParameterError(
                f"data_dir {path} does not exist or is not a folder; pass the open-data folder "
                "that contains competitions.json and the matches/, events/ and lineups/ folders"
            )
        self.data_dir = path.resolve()

    def __repr__(self) -> str:
        return f"LocalSource({str(self.data_dir)!r})"

    def describe(self) -> str:
        return f"local open-data folder {self.data_dir}"

    def competitions(self) -> list[dict[str, Any]]:
        return self._require("competitions", "competitions file")

    def events(self, match_id: int) -> list[dict[str, Any]]:
        match_id = check_id(match_id, "match_id")
        return self._require(f"events/{match_id}", f"match {match_id}: events file", match_id=match_id)

    def lineups(self, match_id: int) -> list[dict[str, Any]]:
        match_id = check_id(match_id, "match_id")
        return self._require(f"lineups/{match_id}", f"match {match_id}: lineups file", match_id=match_id)

    def frames_360(self, match_id: int) -> list[dict[str, Any]] | None:
        """Return the 360 frames of one match, or None when the folder has no 360 file for it."""
        match_id = check_id(match_id, "match_id")
        return self._load(f"three-sixty/{match_id}", f"match {match_id}: 360 file", match_id)

    def _read_matches(self, competition_id: int, season_id: int) -> list[dict[str, Any]]:
        return self._require(
            f"matches/{competition_id}/{season_id}",
            f"competition {competition_id} season {season_id}: matches file",
            advice="check the competition and season ids and data_dir",
        )

    def _matches_location(self, competition_id: int, season_id: int) -> str:
        return self._location(f"matches/{competition_id}/{season_id}")

    def _competitions_location(self) -> str:
        return self._location("competitions")

    def _location(self, relative: str) -> str:
        """Return the path of the file that exists for ``relative``, or the plain path when neither exists."""
        for suffix in SUFFIXES:
            path = self.data_dir / f"{relative}{suffix}"
            if path.exists():
                return str(path)
        return str(self.data_dir / f"{relative}.json")

    def _require(
        self,
        relative: str,
        label: str,
        advice: str = "check data_dir",
        match_id: int | None = None,
    ) -> Any:
        """Parse a file that must exist, or raise SourceError naming the paths tried."""
        data = self._load(relative, label, match_id)
        if data is None:
            raise SourceError(
                f"{label} not found at {self.data_dir / relative}.json (or .json.gz); {advice}",
                match_id,
            )
        return data

    def _load(self, relative: str, label: str, match_id: int | None) -> Any | None:
        """Parse ``relative.json`` or ``relative.json.gz``; return None when neither file exists."""
        for suffix in SUFFIXES:
            path = self.data_dir / f"{relative}{suffix}"
            try:
                content = path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as error:
                raise SourceError(f"{label} {path} cannot be read ({error}); check the file", match_id) from error
            return _parse(content, path, label, match_id)
        return None


def _parse(content: bytes, path: Path, label: str, match_id: int | None) -> Any:
    """Parse the bytes of one file, decompressing ``.gz`` first."""
    if path.suffix == ".gz":
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError, zlib.error) as error:
            raise DataError(
                f"{label} {path} is not a valid gzip file ({error}); it may be truncated, so copy it again",
                match_id,
            ) from error

    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise DataError(
            f"{label} {path} contains invalid JSON ({error}); it may be truncated, so copy it again",
            match_id,
        ) from error
