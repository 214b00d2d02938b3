"""Parse raw StatsBomb match data into a ``MatchModel`` in one pass."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from matchkit.errors import DataError
from matchkit.processing.model import EVENT_COLUMNS, LineupPlayer, MatchInfo, MatchModel

_NAN = float("nan")


def parse_match_info(entry: dict[str, Any]) -> MatchInfo:
    """Build the match facts from one entry of a matches file.

    Home and away come from the entry's ``home_team`` and ``away_team``, never
    from the order in which teams appear in the events.
    """
    match_id = entry.get("match_id")
    try:
        home, away = entry["home_team"], entry["away_team"]
        competition = entry.get("competition") or {}
        season = entry.get("season") or {}
        stage = entry.get("competition_stage") or {}
        return MatchInfo(
            match_id=int(match_id),
            competition_id=competition.get("competition_id"),
            competition=competition.get("competition_name", ""),
            season_id=season.get("season_id"),
            season=season.get("season_name", ""),
            match_date=entry.get("match_date"),
            kick_off=entry.get("kick_off"),
            stage=stage.get("name"),
            home_team_id=int(home["home_team_id"]),
            home_team=home["home_team_name"],
            away_team_id=int(away["away_team_id"]),
            away_team=away["away_team_name"],
            home_score=entry.get("home_score"),
            away_score=entry.get("away_score"),
            last_updated=entry.get("last_updated"),
            last_updated_360=entry.get("last_updated_360"),
            has_360=entry.get("match_status_360") == "available",
        )
    except (KeyError, TypeError, ValueError) as error:
        raise DataError(
            f"match {match_id}: invalid match entry in the matches file "
            f"(missing or malformed {error}); check the matches file of its competition-season",
            match_id=match_id if isinstance(match_id, int) else None,
        ) from error


def parse_timestamp(text: str) -> float:
    """Convert an ``HH:MM:SS.fff`` timestamp to seconds since the period start."""
    return int(text[0:2]) * 3600 + int(text[3:5]) * 60 + float(text[6:])


def _name(value: Any) -> Any:
    return value["name"] if value else None


def parse_events(events: list[dict[str, Any]], match_id: int) -> tuple[pd.DataFrame, dict[int, str], dict[str, list]]:
    """Flatten the events list into the typed events table.

    Returns the table, each team's starting formation and the shot freeze
    frames keyed by shot event id.
    """
    if not isinstance(events, list):
        raise DataError(f"match {match_id}: events file is not a JSON list of events", match_id)
    if not events:
        raise DataError(f"match {match_id}: events file contains no events, so the match cannot be plotted; check the file or remove the match", match_id)

    rows: list[tuple] = []
    formations: dict[int, str] = {}
    freeze_frames: dict[str, list] = {}

    for position, event in enumerate(events):
        try:
            rows.append(_event_row(event, position, formations, freeze_frames))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
            raise DataError(
                f"match {match_id}: event {position} (id {_event_id(event)}) is malformed: "
                f"{type(error).__name__} {error}; the events file may be truncated or edited",
                match_id,
            ) from error

    try:
        table = _to_frame(rows)
    except (OverflowError, ValueError, TypeError) as error:
        raise DataError(
            f"match {match_id}: an event contains a value out of range for its column ({error}); "
            "the events file may be edited or corrupt",
            match_id,
        ) from error
    table = table.sort_values(["period", "timestamp", "index"], kind="stable", ignore_index=True)
    return table, formations, freeze_frames


def _event_id(event: Any) -> str:
    return event.get("id", "?") if isinstance(event, dict) else "?"


# Type-specific columns, from pass_recipient_id to goalkeeper_type, for events of other types.
_NO_DETAIL = (None, None, None, None, False, False, False, False, _NAN, None, None, None, None)


def _event_row(event: dict, position: int, formations: dict, freeze_frames: dict) -> tuple:
    """Flatten one event into a tuple in ``EVENT_COLUMNS`` order.

    Builds a tuple rather than appending to each column: this loop runs for
    every event of every match and dominates parsing time.
    """
    type_name = event["type"]["name"]
    team = event["team"]
    team_id = int(team["id"])
    player = event.get("player")
    location = event.get("location")
    detail = event.get(_DETAIL_KEYS.get(type_name) or _detail_key(type_name)) or {}

    x = y = end_x = end_y = end_z = _NAN
    if location:
        x, y = float(location[0]), float(location[1])
    if type_name in _END_LOCATION_TYPES:
        end = detail.get("end_location")
        if end:
            end_x, end_y = float(end[0]), float(end[1])
            if len(end) > 2:
                end_z = float(end[2])

    outcome = detail.get("outcome") if type_name in _OUTCOME_TYPES else None

    card = None
    if type_name in _CARD_TYPES:
        card_value = detail.get("card")
        card = card_value["name"] if card_value else None

    if type_name == "Starting XI":
        formation = (event.get("tactics") or {}).get("formation")
        if formation is not None:
            formations[team_id] = str(formation)
    elif type_name == "Shot" and detail.get("freeze_frame"):
        freeze_frames[event["id"]] = detail["freeze_frame"]

    specific = _NO_DETAIL
    if type_name == "Pass":
        recipient = detail.get("recipient")
        specific = (
            recipient["id"] if recipient else None, recipient["name"] if recipient else None,
            _name(detail.get("type")), _name(detail.get("height")),
            bool(detail.get("cross", False)), bool(detail.get("switch", False)),
            bool(detail.get("shot_assist", False)), bool(detail.get("goal_assist", False)),
            _NAN, None, None, None, None,
        )
    elif type_name == "Shot":
        xg = detail.get("statsbomb_xg")
        specific = (
            None, None, None, None, False, False, False, False,
            float(xg) if xg is not None else _NAN, _name(detail.get("type")), _name(detail.get("body_part")),
            None, None,
        )
    elif type_name == "Duel":
        specific = _NO_DETAIL[:11] + (_name(detail.get("type")), None)
    elif type_name == "Goal Keeper":
        specific = _NO_DETAIL[:12] + (_name(detail.get("type")),)

    replacement = detail.get("replacement") if type_name == "Substitution" else None
    possession_team = event.get("possession_team") or team

    return (
        int(event.get("index", position + 1)), event.get("id"), int(event["period"]),
        parse_timestamp(event["timestamp"]), int(event["minute"]), int(event["second"]),
        type_name, team_id, team["name"],
        player["id"] if player else None, player["name"] if player else None,
        _name(event.get("position")), int(event.get("possession", 0)), int(possession_team["id"]),
        _name(event.get("play_pattern")),
        x, y, end_x, end_y, end_z,
        bool(event.get("under_pressure", False)), bool(event.get("counterpress", False)),
        _name(outcome),
        *specific,
        card,
        replacement["id"] if replacement else None, replacement["name"] if replacement else None,
    )


_OUTCOME_TYPES = frozenset({"Pass", "Shot", "Duel", "Dribble", "Interception", "Goal Keeper", "50/50", "Ball Receipt*"})
_END_LOCATION_TYPES = frozenset({"Pass", "Carry", "Shot"})
# Cards sit in the details of fouls and of bad behaviour.
_CARD_TYPES = frozenset({"Foul Committed", "Bad Behaviour"})
_DETAIL_KEYS = {"50/50": "50_50", "Ball Receipt*": "ball_receipt", "Goal Keeper": "goalkeeper"}


def _detail_key(type_name: str) -> str:
    """Return the key of an event's type-specific details (``"Foul Committed"`` -> ``"foul_committed"``)."""
    return type_name.lower().replace(" ", "_").replace("*", "")


def _to_frame(rows: list[tuple]) -> pd.DataFrame:
    columns = list(zip(*rows))
    data = {}
    for (name, dtype), values in zip(EVENT_COLUMNS.items(), columns):
        if dtype == "category":
            data[name] = pd.Categorical(values)
        elif dtype == "object":
            data[name] = pd.Series(values, dtype="object")
        elif dtype == "Int64":
            data[name] = pd.array(values, dtype="Int64")
        else:
            data[name] = np.asarray(values, dtype=dtype)
    return pd.DataFrame(data)


def parse_lineups(lineups: list[dict[str, Any]], match_id: int) -> dict[int, list[LineupPlayer]]:
    """Build each team's sheet from a lineups file (players, shirt numbers, starters).

    Older releases have no ``positions``: every player is then listed, none
    marked as a starter, and the Starting XI events decide who started.
    """
    if not isinstance(lineups, list):
        raise DataError(f"match {match_id}: lineups file is not a JSON list of teams", match_id)
    teams: dict[int, list[LineupPlayer]] = {}
    try:
        for team in lineups:
            players = []
            for player in team.get("lineup", []):
                positions = player.get("positions") or []
                starter = any(p.get("start_reason") == "Starting XI" for p in positions)
                players.append(
                    LineupPlayer(
                        player_id=int(player["player_id"]),
                        name=player["player_name"],
                        nickname=player.get("player_nickname"),
                        jersey_number=player.get("jersey_number"),
                        starter=starter,
                        position=positions[0].get("position") if positions else None,
                    )
                )
            teams[int(team["team_id"])] = players
    except (KeyError, TypeError, ValueError) as error:
        raise DataError(f"match {match_id}: lineups file is malformed ({type(error).__name__} {error})", match_id) from error
    return teams


def parse_frames_360(frames: list[dict[str, Any]] | None, match_id: int) -> dict[str, dict]:
    """Index 360 frames by the id of the event they belong to."""
    if not frames:
        return {}
    if not isinstance(frames, list):
        raise DataError(f"match {match_id}: 360 file is not a JSON list of frames", match_id)
    indexed = {}
    for frame in frames:
        if isinstance(frame, dict) and frame.get("event_uuid"):
            indexed[frame["event_uuid"]] = {
                "visible_area": frame.get("visible_area") or [],
                "freeze_frame": frame.get("freeze_frame") or [],
            }
    return indexed


def build_match_model(
    entry: dict[str, Any],
    events: list[dict[str, Any]],
    lineups: list[dict[str, Any]] | None,
    frames_360: list[dict[str, Any]] | None = None,
) -> MatchModel:
    """Parse one match into the model that all plots read.

    Raises ``DataError`` naming the match when a file cannot be used.
    """
    info = parse_match_info(entry)
    table, formations, freeze_frames = parse_events(events, info.match_id)

    teams = set(table["team_id"].unique().tolist())
    expected = {info.home_team_id, info.away_team_id}
    if not teams <= expected:
        raise DataError(
            f"match {info.match_id}: events name teams {sorted(teams - expected)} that are not "
            f"the home ({info.home_team_id}) or away ({info.away_team_id}) team of the match entry; "
            "the events file may belong to another match",
            info.match_id,
        )

    return MatchModel(
        info=info,
        events=table,
        lineups=parse_lineups(lineups, info.match_id) if lineups is not None else {},
        formations=formations,
        shot_freeze_frames=freeze_frames,
        frames_360=parse_frames_360(frames_360, info.match_id),
    )
