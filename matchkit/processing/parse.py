"""Parse raw StatsBomb match data into a ``MatchModel`` in one pass."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from matchkit.errors import DataError
from matchkit.processing.model import EVENT_COLUMNS, LineupPlayer, MatchInfo, MatchModel

# Where each event type keeps its outcome, beside pass and shot.
_OUTCOME_KEYS = ("pass", "shot", "duel", "dribble", "interception", "goalkeeper", "50_50", "ball_receipt")
_CARD_KEYS = ("foul_committed", "bad_behaviour")
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
        raise DataError(f"match {match_id}: events file holds no events; the match cannot be plotted", match_id)

    columns: dict[str, list] = {name: [] for name in EVENT_COLUMNS}
    formations: dict[int, str] = {}
    freeze_frames: dict[str, list] = {}

    for position, event in enumerate(events):
        try:
            _append_event(columns, event, formations, freeze_frames)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise DataError(
                f"match {match_id}: event {position} (id {_event_id(event)}) is malformed: "
                f"{type(error).__name__} {error}; the events file may be truncated or edited",
                match_id,
            ) from error

    table = _to_frame(columns)
    table = table.sort_values(["period", "timestamp", "index"], kind="stable", ignore_index=True)
    return table, formations, freeze_frames


def _event_id(event: Any) -> str:
    return event.get("id", "?") if isinstance(event, dict) else "?"


def _append_event(columns: dict[str, list], event: dict, formations: dict, freeze_frames: dict) -> None:
    type_name = event["type"]["name"]
    team = event["team"]
    player = event.get("player")
    location = event.get("location")
    detail = event.get(_detail_key(type_name)) or {}

    end = detail.get("end_location") if type_name in ("Pass", "Carry", "Shot") else None
    x = y = end_x = end_y = end_z = _NAN
    if location:
        x, y = float(location[0]), float(location[1])
    if end:
        end_x, end_y = float(end[0]), float(end[1])
        if len(end) > 2:
            end_z = float(end[2])

    outcome = detail.get("outcome") if type_name in _OUTCOME_TYPES else None
    recipient = detail.get("recipient") if type_name == "Pass" else None
    replacement = detail.get("replacement") if type_name == "Substitution" else None

    card = None
    for key in _CARD_KEYS:
        card_value = (event.get(key) or {}).get("card")
        if card_value:
            card = card_value["name"]

    if type_name in ("Starting XI", "Tactical Shift") and event.get("tactics"):
        formation = event["tactics"].get("formation")
        if type_name == "Starting XI" and formation is not None:
            formations[int(team["id"])] = str(formation)

    if type_name == "Shot" and detail.get("freeze_frame"):
        freeze_frames[event["id"]] = detail["freeze_frame"]

    append = _appender(columns)
    append("index", int(event.get("index", len(columns["index"]) + 1)))
    append("id", event.get("id"))
    append("period", int(event["period"]))
    append("timestamp", parse_timestamp(event["timestamp"]))
    append("minute", int(event["minute"]))
    append("second", int(event["second"]))
    append("type", type_name)
    append("team_id", int(team["id"]))
    append("team", team["name"])
    append("player_id", player["id"] if player else None)
    append("player", player["name"] if player else None)
    append("position", _name(event.get("position")))
    append("possession", int(event.get("possession", 0)))
    append("possession_team_id", int((event.get("possession_team") or team)["id"]))
    append("play_pattern", _name(event.get("play_pattern")))
    append("x", x)
    append("y", y)
    append("end_x", end_x)
    append("end_y", end_y)
    append("end_z", end_z)
    append("under_pressure", bool(event.get("under_pressure", False)))
    append("counterpress", bool(event.get("counterpress", False)))
    append("outcome", _name(outcome))
    append("pass_recipient_id", recipient["id"] if recipient else None)
    append("pass_recipient", recipient["name"] if recipient else None)
    append("pass_type", _name(detail.get("type")) if type_name == "Pass" else None)
    append("pass_height", _name(detail.get("height")) if type_name == "Pass" else None)
    append("pass_cross", bool(detail.get("cross", False)) if type_name == "Pass" else False)
    append("pass_switch", bool(detail.get("switch", False)) if type_name == "Pass" else False)
    append("pass_shot_assist", bool(detail.get("shot_assist", False)) if type_name == "Pass" else False)
    append("pass_goal_assist", bool(detail.get("goal_assist", False)) if type_name == "Pass" else False)
    append("shot_xg", float(detail.get("statsbomb_xg", _NAN) or _NAN) if type_name == "Shot" else _NAN)
    append("shot_type", _name(detail.get("type")) if type_name == "Shot" else None)
    append("shot_body_part", _name(detail.get("body_part")) if type_name == "Shot" else None)
    append("duel_type", _name(detail.get("type")) if type_name == "Duel" else None)
    append("goalkeeper_type", _name(detail.get("type")) if type_name == "Goal Keeper" else None)
    append("card", card)
    append("replacement_id", replacement["id"] if replacement else None)
    append("replacement", replacement["name"] if replacement else None)


_OUTCOME_TYPES = frozenset({"Pass", "Shot", "Duel", "Dribble", "Interception", "Goal Keeper", "50/50", "Ball Receipt*"})


def _detail_key(type_name: str) -> str:
    """Return the key of an event's type-specific details (``"Ball Receipt*"`` -> ``"ball_receipt"``)."""
    return _DETAIL_KEYS.get(type_name) or type_name.lower().replace(" ", "_").replace("*", "")


_DETAIL_KEYS = {"50/50": "50_50", "Ball Receipt*": "ball_receipt", "Goal Keeper": "goalkeeper"}


def _appender(columns: dict[str, list]):
    def append(name: str, value: Any) -> None:
        columns[name].append(value)

    return append


def _to_frame(columns: dict[str, list]) -> pd.DataFrame:
    data = {}
    for name, dtype in EVENT_COLUMNS.items():
        values = columns[name]
        if dtype == "object":
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
