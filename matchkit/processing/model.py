"""The compact match model that every plot reads."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd

from matchkit.processing import selectors

T = TypeVar("T")

# Column name -> dtype of the events table. Declared once so that the parser,
# the plots and the tests agree on what each column means and holds.
EVENT_COLUMNS: dict[str, str] = {
    "index": "int32",              # event order within the match, from the file
    "id": "object",                # event UUID, joins 360 frames and related events
    "period": "int8",              # 1, 2 regular time; 3, 4 extra time; 5 shoot-out
    "timestamp": "float64",        # seconds since the start of the period
    "minute": "int16",
    "second": "int8",
    "type": "category",            # StatsBomb event type name, e.g. "Pass", "Ball Receipt*"
    "team_id": "int32",
    "team": "object",
    "player_id": "Int64",          # missing on team events such as Half Start
    "player": "object",
    "position": "object",
    "possession": "int32",
    "possession_team_id": "int32",
    "play_pattern": "object",
    "x": "float64",                # location in the acting team's frame, pitch units
    "y": "float64",
    "end_x": "float64",            # pass, carry or shot end location
    "end_y": "float64",
    "end_z": "float64",            # shot end height; missing where end_location has 2 values
    "under_pressure": "bool",
    "counterpress": "bool",
    "outcome": "object",           # outcome of passes, shots, duels, dribbles, interceptions...
    "pass_recipient_id": "Int64",
    "pass_recipient": "object",
    "pass_type": "object",         # Corner, Free Kick, Throw-in, Kick Off, Goal Kick, ...
    "pass_height": "object",
    "pass_cross": "bool",
    "pass_switch": "bool",
    "pass_shot_assist": "bool",
    "pass_goal_assist": "bool",
    "shot_xg": "float64",
    "shot_type": "object",         # Open Play, Penalty, Free Kick, Corner
    "shot_body_part": "object",
    "duel_type": "object",         # Tackle, Aerial Lost
    "goalkeeper_type": "object",   # Shot Saved, Collected, Punch, Goal Conceded, ...
    "card": "object",              # Yellow Card, Second Yellow, Red Card
    "replacement_id": "Int64",     # substitution: the player who comes on
    "replacement": "object",
}


@dataclass(frozen=True)
class MatchInfo:
    """Facts about one match, taken from its entry in the matches file."""

    match_id: int
    competition_id: int | None
    competition: str
    season_id: int | None
    season: str
    match_date: str | None
    kick_off: str | None
    stage: str | None
    home_team_id: int
    home_team: str
    away_team_id: int
    away_team: str
    home_score: int | None
    away_score: int | None
    last_updated: str | None = None
    last_updated_360: str | None = None
    has_360: bool = False

    def team_name(self, team_id: int) -> str:
        """Return the name of the home or away team with this id."""
        return self.home_team if team_id == self.home_team_id else self.away_team

    def opponent_id(self, team_id: int) -> int:
        """Return the id of the other team of the match."""
        return self.away_team_id if team_id == self.home_team_id else self.home_team_id


@dataclass(frozen=True)
class LineupPlayer:
    """One player of a team sheet."""

    player_id: int
    name: str
    nickname: str | None
    jersey_number: int | None
    starter: bool
    position: str | None


@dataclass
class MatchModel:
    """One match parsed once: facts, the events table, lineups and 360 frames.

    ``events`` follows ``EVENT_COLUMNS`` and is sorted by (period, timestamp,
    index). Shot freeze frames and 360 frames are keyed by event id.

    Selections and masks that several plots read (``shots``, ``goals``,
    ``ppda``, ``mask``, ``type_mask``, ``team_mask`` and whatever plots store
    through ``cached``) are computed on first use and kept on the model. They
    are shared, so callers must not modify them, and ``events`` must not change
    once the model has been read.
    """

    info: MatchInfo
    events: pd.DataFrame
    lineups: dict[int, list[LineupPlayer]]
    formations: dict[int, str]
    shot_freeze_frames: dict[str, list[dict]] = field(default_factory=dict)
    frames_360: dict[str, dict] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def match_id(self) -> int:
        return self.info.match_id

    @property
    def team_ids(self) -> tuple[int, int]:
        """Return (home team id, away team id)."""
        return self.info.home_team_id, self.info.away_team_id

    def side_team_id(self, side: str) -> int:
        """Return the team id for ``"home"`` or ``"away"``."""
        if side == "home":
            return self.info.home_team_id
        if side == "away":
            return self.info.away_team_id
        raise ValueError(f"side must be 'home' or 'away', got {side!r}")

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Return the value stored under ``key``, calling ``compute()`` on first use.

        Callers name a key after the value and its owner, for example
        ``("team_touches", team_id)``, so that plots do not collide.
        """
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = compute()
            return value

    def mask(self, selector: Callable[..., pd.Series], *args: Hashable) -> np.ndarray:
        """Return ``selector(events, *args)`` as a boolean array over ``events``, computed once per model.

        For example ``model.mask(selectors.touches) & model.team_mask(team_id)``.
        """
        return self.cached(("mask", selector, args), lambda: np.asarray(selector(self.events, *args), dtype=bool))

    def type_mask(self, type_name: str) -> np.ndarray:
        """Return a boolean array over ``events``, True for the events of one StatsBomb type."""
        return self.cached(("type", type_name), lambda: selectors.of_type(self.events, type_name))

    def team_mask(self, team_id: int) -> np.ndarray:
        """Return a boolean array over ``events``, True for the events of one team."""
        return self.cached(("team", team_id), lambda: self.events["team_id"].to_numpy() == team_id)

    @property
    def shots(self) -> pd.DataFrame:
        """Shot events outside the penalty shoot-out (``selectors.shots``)."""
        return self.cached("shots", lambda: selectors.shots(self.events))

    @property
    def goals(self) -> pd.DataFrame:
        """Goals outside the penalty shoot-out, own goals included (``selectors.goals``)."""
        return self.cached("goals", lambda: selectors.goals(self.events))

    def ppda(self, team_id: int) -> float | None:
        """Return a team's PPDA outside the penalty shoot-out (``selectors.ppda``), None without defensive actions."""
        opponent_id = self.info.opponent_id(team_id)
        return self.cached(("ppda", team_id), lambda: selectors.ppda(self.events, team_id, opponent_id))
