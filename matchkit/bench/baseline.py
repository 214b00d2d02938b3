"""The baseline: plots built the original way, one statsbombpy load per plot.

For every plot of every match, the baseline fetches the match again through statsbombpy's
DataFrame functions: ``sb.events`` (flattened), ``sb.lineups``, ``sb.matches`` and, for 360
plots, ``sb.frames``. It converts those DataFrames into the same ``MatchModel`` that the ETL
parses from the raw JSON, draws the plot with the same registered function, and stores it
with one INSERT and one COMMIT. It runs sequentially in one process.

The conversion follows the rules of ``matchkit.processing.parse`` column by column, so the
stored figures are byte-identical to the ETL's (a test checks this).
"""

from __future__ import annotations

import math
import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from matchkit.etl.worker import PLOTS_NEEDING_360, match_row
from matchkit.plots import REGISTRY, render
from matchkit.processing import EVENT_COLUMNS, LineupPlayer, MatchModel, parse_match_info
from matchkit.processing.parse import parse_timestamp
from matchkit.storage import PlotRow, Store
from matchkit.storage.codec import DEFAULT_CODEC, encode_figure

# Event type -> the key of its type details, for the types whose outcome the model keeps.
OUTCOME_DETAIL_KEYS = {
    "Pass": "pass", "Shot": "shot", "Duel": "duel", "Dribble": "dribble", "Interception": "interception",
    "Goal Keeper": "goalkeeper", "50/50": "50_50", "Ball Receipt*": "ball_receipt",
}
END_LOCATION_COLUMNS = {"Pass": "pass_end_location", "Carry": "carry_end_location", "Shot": "shot_end_location"}
CARD_DETAIL_KEYS = ("foul_committed", "bad_behaviour")

STAGES = ("read", "parse", "plot", "serialize", "write")


# DataFrame helpers ----------------------------------------------------------


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _python(value: Any) -> Any:
    """Return a DataFrame cell as a plain Python value: None for NaN, int for numpy integers."""
    if _missing(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """Return a column as Python objects with None where missing; all None when the column is absent."""
    if name not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    # A list, not Series.map: mapping a string column gives a string column, with NaN for None.
    return pd.Series([_python(value) for value in frame[name].tolist()], index=frame.index, dtype=object)


def _detail(frame: pd.DataFrame, key: str, name: str) -> pd.Series:
    """Return one field of the events' type details.

    statsbombpy flattens the details of an event's own type into ``<key>_<name>`` columns,
    but leaves a dict column ``<key>`` where the key does not match the type name
    (``50_50`` for the type "50/50"), so both forms are read.
    """
    values = _column(frame, f"{key}_{name}")
    if key in frame.columns:
        nested = frame[key].map(lambda details: details.get(name) if isinstance(details, dict) else None)
        values = values.where(values.notna(), nested.astype(object))
    return values


def _names(values: pd.Series) -> pd.Series:
    """Reduce ``{"id": ..., "name": ...}`` values to their name; flattened values are names already."""
    return values.map(lambda value: value.get("name") if isinstance(value, dict) else value).astype(object)


def _flags(values: pd.Series) -> pd.Series:
    return values.map(lambda value: False if _missing(value) else bool(value)).astype(bool)


def _for_types(values: pd.Series, types: pd.Series, type_name: str, empty: Any = None) -> pd.Series:
    return values.where(types == type_name, empty)


def _objects(values: pd.Series) -> pd.Series:
    return pd.Series([_python(value) for value in values.tolist()], dtype="object")


# Conversion -----------------------------------------------------------------


def events_table(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, str], dict[str, list]]:
    """Convert ``sb.events(match_id)`` (the flattened DataFrame) into the model's events table.

    Returns the table (``EVENT_COLUMNS``, sorted by period, timestamp and index), each
    team's starting formation and the shot freeze frames keyed by shot event id, as
    ``matchkit.processing.parse.parse_events`` returns them from the raw JSON.
    """
    # statsbombpy concatenates one DataFrame per event type; the index column restores file order.
    frame = frame.sort_values("index", kind="stable", ignore_index=True)
    types = _column(frame, "type")

    location = _column(frame, "location")
    end = pd.Series([None] * len(frame), dtype=object)
    for type_name, column in END_LOCATION_COLUMNS.items():
        end = end.where(types != type_name, _column(frame, column))

    outcome = pd.Series([None] * len(frame), dtype=object)
    for type_name, key in OUTCOME_DETAIL_KEYS.items():
        outcome = outcome.where(types != type_name, _names(_detail(frame, key, "outcome")))

    card = pd.Series([None] * len(frame), dtype=object)
    for key in CARD_DETAIL_KEYS:
        names = _names(_detail(frame, key, "card"))
        card = card.where(names.isna(), names)

    team_id = frame["team_id"].astype("int64")
    possession_team_id = pd.to_numeric(_column(frame, "possession_team_id")).fillna(team_id)
    xg = pd.to_numeric(_for_types(_column(frame, "shot_statsbomb_xg"), types, "Shot"), errors="coerce")

    columns = {
        "index": frame["index"],
        "id": _column(frame, "id"),
        "period": frame["period"],
        "timestamp": frame["timestamp"].map(parse_timestamp),
        "minute": frame["minute"],
        "second": frame["second"],
        "type": types,
        "team_id": team_id,
        "team": _column(frame, "team"),
        "player_id": _column(frame, "player_id"),
        "player": _column(frame, "player"),
        "position": _names(_column(frame, "position")),
        "possession": _column(frame, "possession").fillna(0),
        "possession_team_id": possession_team_id,
        "play_pattern": _names(_column(frame, "play_pattern")),
        "x": location.map(lambda point: float(point[0]) if point else math.nan),
        "y": location.map(lambda point: float(point[1]) if point else math.nan),
        "end_x": end.map(lambda point: float(point[0]) if point else math.nan),
        "end_y": end.map(lambda point: float(point[1]) if point else math.nan),
        "end_z": end.map(lambda point: float(point[2]) if point and len(point) > 2 else math.nan),
        "under_pressure": _flags(_column(frame, "under_pressure")),
        "counterpress": _flags(_column(frame, "counterpress")),
        "outcome": outcome,
        "pass_recipient_id": _for_types(_column(frame, "pass_recipient_id"), types, "Pass"),
        "pass_recipient": _for_types(_column(frame, "pass_recipient"), types, "Pass"),
        "pass_type": _for_types(_names(_detail(frame, "pass", "type")), types, "Pass"),
        "pass_height": _for_types(_names(_detail(frame, "pass", "height")), types, "Pass"),
        "pass_cross": _flags(_for_types(_column(frame, "pass_cross"), types, "Pass")),
        "pass_switch": _flags(_for_types(_column(frame, "pass_switch"), types, "Pass")),
        "pass_shot_assist": _flags(_for_types(_column(frame, "pass_shot_assist"), types, "Pass")),
        "pass_goal_assist": _flags(_for_types(_column(frame, "pass_goal_assist"), types, "Pass")),
        "shot_xg": xg,
        "shot_type": _for_types(_names(_detail(frame, "shot", "type")), types, "Shot"),
        "shot_body_part": _for_types(_names(_detail(frame, "shot", "body_part")), types, "Shot"),
        "duel_type": _for_types(_names(_detail(frame, "duel", "type")), types, "Duel"),
        "goalkeeper_type": _for_types(_names(_detail(frame, "goalkeeper", "type")), types, "Goal Keeper"),
        "card": card,
        "replacement_id": _for_types(_column(frame, "substitution_replacement_id"), types, "Substitution"),
        "replacement": _for_types(_column(frame, "substitution_replacement"), types, "Substitution"),
    }
    table = pd.DataFrame({name: _typed(columns[name], dtype) for name, dtype in EVENT_COLUMNS.items()})
    table = table.sort_values(["period", "timestamp", "index"], kind="stable", ignore_index=True)
    return table, _formations(frame, types), _freeze_frames(frame, types)


def _typed(values: pd.Series, dtype: str):
    """Give a column the dtype that ``EVENT_COLUMNS`` declares, built as the parser builds it."""
    if dtype == "category":
        return pd.Categorical(_objects(values).tolist())
    if dtype == "object":
        return _objects(values)
    if dtype == "Int64":
        return pd.array([None if _missing(value) else int(value) for value in values], dtype="Int64")
    return np.asarray(values.to_numpy(), dtype=dtype)


def _formations(frame: pd.DataFrame, types: pd.Series) -> dict[int, str]:
    """Return each team's formation from its Starting XI event (the last one in file order wins)."""
    formations: dict[int, str] = {}
    starting = frame[types == "Starting XI"]
    for team_id, tactics in zip(starting["team_id"], _column(starting, "tactics")):
        if isinstance(tactics, dict) and tactics.get("formation") is not None:
            formations[int(team_id)] = str(tactics["formation"])
    return formations


def _freeze_frames(frame: pd.DataFrame, types: pd.Series) -> dict[str, list]:
    shots = frame[types == "Shot"]
    return {
        event_id: players
        for event_id, players in zip(shots["id"], _column(shots, "shot_freeze_frame"))
        if isinstance(players, list) and players
    }


def lineups_from_frames(lineups: dict[str, pd.DataFrame], team_ids: dict[str, int]) -> dict[int, list[LineupPlayer]]:
    """Convert ``sb.lineups(match_id)`` (one DataFrame per team name) into the model's team sheets.

    ``team_ids`` maps the team names to their ids, because statsbombpy keys the lineups by
    name only. Older releases list no positions, and then no player is marked as a starter.
    """
    teams: dict[int, list[LineupPlayer]] = {}
    for team_name, players in lineups.items():
        if team_name not in team_ids:
            raise KeyError(f"lineup team {team_name!r} is neither team of the match ({', '.join(team_ids)})")

        sheet = []
        for player in players.to_dict("records"):
            positions = player.get("positions")
            positions = positions if isinstance(positions, list) else []
            jersey_number = _python(player.get("jersey_number"))
            sheet.append(LineupPlayer(
                player_id=int(player["player_id"]),
                name=player["player_name"],
                nickname=_python(player.get("player_nickname")),
                jersey_number=int(jersey_number) if jersey_number is not None else None,
                starter=any(position.get("start_reason") == "Starting XI" for position in positions),
                position=positions[0].get("position") if positions else None,
            ))
        teams[team_ids[team_name]] = sheet
    return teams


def match_entry_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """Rebuild a matches-file entry from one row of ``sb.matches(...)``, whose nested fields are flattened."""
    value = {name: _python(cell) for name, cell in row.items()}
    stage = value.get("competition_stage")
    return {
        "match_id": value["match_id"],
        "match_date": value.get("match_date"),
        "kick_off": value.get("kick_off"),
        "competition": {"competition_id": value.get("competition_id"), "competition_name": value.get("competition_name")},
        "season": {"season_id": value.get("season_id"), "season_name": value.get("season")},
        "competition_stage": {"name": stage} if stage is not None else None,
        "home_team": {"home_team_id": value["home_team_id"], "home_team_name": value["home_team"]},
        "away_team": {"away_team_id": value["away_team_id"], "away_team_name": value["away_team"]},
        "home_score": value.get("home_score"),
        "away_score": value.get("away_score"),
        "last_updated": value.get("last_updated"),
        "last_updated_360": value.get("last_updated_360"),
        "match_status_360": value.get("match_status_360"),
    }


def frames_from_table(frames: pd.DataFrame | None) -> dict[str, dict]:
    """Convert ``sb.frames(match_id)`` (one row per player of each 360 frame) into frames keyed by event id."""
    if frames is None or frames.empty:
        return {}
    player_columns = [name for name in frames.columns if name not in ("id", "visible_area", "match_id")]

    indexed: dict[str, dict] = {}
    for record in frames.to_dict("records"):
        area = record.get("visible_area")
        frame = indexed.setdefault(record["id"], {
            "visible_area": area if isinstance(area, list) else [],
            "freeze_frame": [],
        })
        player = {name: record[name] for name in player_columns if not _missing(record[name])}
        if player:
            frame["freeze_frame"].append(player)
    return indexed


def model_from_frames(
    match_id: int,
    matches: pd.DataFrame,
    events: pd.DataFrame,
    lineups: dict[str, pd.DataFrame],
    frames: pd.DataFrame | None = None,
) -> MatchModel:
    """Build the ``MatchModel`` of one match from statsbombpy's DataFrames."""
    rows = matches[matches["match_id"] == match_id]
    if rows.empty:
        raise KeyError(f"match {match_id} is not in the matches DataFrame of its competition season")
    info = parse_match_info(match_entry_from_row(rows.iloc[0].to_dict()))

    table, formations, freeze_frames = events_table(events)
    team_ids = {info.home_team: info.home_team_id, info.away_team: info.away_team_id}
    team_ids.update(zip(table["team"], table["team_id"].astype(int)))
    return MatchModel(
        info=info,
        events=table,
        lineups=lineups_from_frames(lineups, team_ids),
        formations=formations,
        shot_freeze_frames=freeze_frames,
        frames_360=frames_from_table(frames),
    )


# The baseline run -------------------------------------------------------------


@dataclass
class BaselineResult:
    """Counts, wall time and seconds per stage (read, parse, plot, serialize, write) of a baseline run."""

    matches: int = 0
    plots_written: int = 0
    plots_skipped: int = 0
    plots_failed: int = 0
    seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    errors: list[str] = field(default_factory=list)

    @property
    def matches_per_second(self) -> float:
        return self.matches / self.seconds if self.seconds else 0.0


def _load_match(match_id: int, competition_id: int, season_id: int, with_360: bool):
    """Fetch one match through statsbombpy's DataFrame functions, from the open-data URLs set by the caller."""
    import requests
    from statsbombpy import sb

    from matchkit.sources.statsbomb import NO_CREDENTIALS

    events = sb.events(match_id, creds=NO_CREDENTIALS)
    lineups = sb.lineups(match_id, creds=NO_CREDENTIALS)
    matches = sb.matches(competition_id, season_id, creds=NO_CREDENTIALS)
    frames = None
    if with_360:
        try:
            frames = sb.frames(match_id, creds=NO_CREDENTIALS)
        except requests.HTTPError as error:
            # Open data returns HTTP 404 for a match without 360 data, and the ETL's source reads that as no frames.
            if error.response is None or error.response.status_code != 404:
                raise
    return matches, events, lineups, frames


@contextmanager
def statsbombpy_open_data(open_data_url: str) -> Iterator[None]:
    """Point statsbombpy's open-data URLs at ``open_data_url`` and bypass its requests cache, then restore both.

    The URLs change as ``matchkit.sources.statsbomb`` changes them, in place in
    ``statsbombpy.config.OPEN_DATA_PATHS``, but requests go straight through the requests
    module as in plain statsbombpy, with no timeout, retry or response cache of matchkit's.
    """
    from statsbombpy import config
    from statsbombpy.api_client import NoAuthWarning

    from matchkit.sources.statsbomb import OPEN_DATA_FILES

    try:
        import requests_cache
    except ImportError:
        requests_cache = None

    base = open_data_url.rstrip("/")
    saved = dict(config.OPEN_DATA_PATHS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoAuthWarning)
        # statsbombpy.public imported this dict object by name, so it must be changed in place.
        config.OPEN_DATA_PATHS.update({key: f"{base}/{path}" for key, path in OPEN_DATA_FILES.items()})
        try:
            with requests_cache.disabled() if requests_cache else nullcontext():
                yield
        finally:
            config.OPEN_DATA_PATHS.update(saved)


def run_baseline(
    open_data_url: str,
    entries: list[dict[str, Any]],
    plot_types: list[str],
    database_url: str,
    compression: str = DEFAULT_CODEC,
) -> BaselineResult:
    """Build and store every plot of every match the original way, and time each stage.

    ``open_data_url`` is the base URL of an open-data copy (the local server of
    ``matchkit.bench.http``). statsbombpy's requests cache is bypassed, so every plot
    fetches its match again. Figures are stored with the ETL's ``compression``, and the
    compression counts as serialization, as in the ETL's workers. A plot that fails is
    counted and the run goes on.
    """
    result = BaselineResult()
    stage_seconds: dict[str, float] = defaultdict(float)
    store = Store(database_url, compression=compression)
    run_id = store.start_run({"baseline": True, "plots": plot_types, "source": open_data_url})
    started = time.perf_counter()
    try:
        with statsbombpy_open_data(open_data_url):
            for entry in entries:
                _baseline_match(store, run_id, entry, plot_types, compression, result, stage_seconds)
                result.matches += 1
    finally:
        result.seconds = time.perf_counter() - started
        result.stage_seconds = {stage: round(stage_seconds.get(stage, 0.0), 4) for stage in STAGES}
        store.finish_run(run_id, "succeeded" if not result.plots_failed else "completed_with_failures", {
            "matches_total": len(entries), "matches_succeeded": result.matches,
            "plots_written": result.plots_written, "seconds": result.seconds,
            "matches_per_second": result.matches_per_second,
        })
        store.dispose()
    return result


def _baseline_match(store: Store, run_id: int, entry: dict, plot_types: list[str], compression: str,
                    result: BaselineResult, stage_seconds: dict[str, float]) -> None:
    match_id = int(entry["match_id"])
    competition_id = entry["competition"]["competition_id"]
    season_id = entry["season"]["season_id"]
    match_stored = False

    for plot_type in plot_types:
        started = time.perf_counter()
        matches, events, lineups, frames = _load_match(match_id, competition_id, season_id, plot_type in PLOTS_NEEDING_360)
        stage_seconds["read"] += time.perf_counter() - started

        started = time.perf_counter()
        model = model_from_frames(match_id, matches, events, lineups, frames)
        stage_seconds["parse"] += time.perf_counter() - started

        rendered = render(model, [plot_type])
        stage_seconds["plot"] += rendered.plot_seconds
        stage_seconds["serialize"] += rendered.serialize_seconds
        result.plots_skipped += len(rendered.skipped)
        if rendered.errors:
            result.plots_failed += 1
            result.errors.append(f"match {match_id} {plot_type}: {rendered.errors[plot_type]}")
            continue
        if plot_type not in rendered.figures:
            continue

        started = time.perf_counter()
        figure = rendered.figures[plot_type]
        stored = encode_figure(figure, compression)
        stage_seconds["serialize"] += time.perf_counter() - started

        started = time.perf_counter()
        row = PlotRow(match_id, plot_type, REGISTRY[plot_type].version, stored, compression, len(figure))
        # The matches row goes with the match's first plot, because match_plots references it.
        store.write_batch(run_id, [] if match_stored else [match_row(model.info)], [row], [])
        match_stored = True
        stage_seconds["write"] += time.perf_counter() - started
        result.plots_written += 1
