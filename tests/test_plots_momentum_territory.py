"""Expected threat, momentum, field tilt and possession timeline on the real matches.

Expected values come straight from the raw JSON and the shipped grid file,
with their own cell lookup and time windows, never from matchkit's helpers.
"""

from __future__ import annotations

import bisect
import html
import math
import subprocess
import sys
from collections import defaultdict
from functools import lru_cache

import numpy as np
import orjson
import pandas as pd
import plotly.io as pio
import pytest

from matchkit.plots import render
from matchkit.plots.factory import figure_dict
from matchkit.processing.selectors import TOUCH_TYPES
from matchkit.processing.xt import fit_xt, load_xt_grid
from tests.conftest import ALL_MATCH_IDS, DATA_DIR, REPO, load_model, match_entries, raw_events

PLOT_TYPES = ["momentum", "field_tilt", "possession_timeline"]
GRID_PATH = REPO / "matchkit" / "data" / "xt_grid.json"
LENGTH, WIDTH = 120.0, 80.0
FINAL_THIRD_X = LENGTH * 2 / 3
TILT_CELL = 10.0  # the field tilt grid is 12 x 8 cells of 10 pitch units
TURKEY_ITALY = 3788741


# Independent readings of the raw data


def _seconds(timestamp: str) -> float:
    hours, minutes, seconds = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _in_play(match_id: int) -> list[dict]:
    """Return the raw events outside the shoot-out, in (period, timestamp, index) order."""
    events = [event for event in raw_events(match_id) if event["period"] < 5]
    return sorted(events, key=lambda event: (event["period"], _seconds(event["timestamp"]), event["index"]))


def _teams(match_id: int) -> tuple[int, int, str, str]:
    entry = match_entries()[match_id]
    return (
        entry["home_team"]["home_team_id"], entry["away_team"]["away_team_id"],
        entry["home_team"]["home_team_name"], entry["away_team"]["away_team_name"],
    )


@lru_cache(maxsize=1)
def _shipped_grid() -> dict:
    return orjson.loads(GRID_PATH.read_bytes())


def _grid_value(grid: dict, x: float, y: float) -> float:
    """Look up the shipped xT of a point with edges built here: cells closed on the left, the last closed on the right."""
    x_bins, y_bins = grid["x_bins"], grid["y_bins"]
    x_edges = [i * grid["pitch_length"] / x_bins for i in range(x_bins + 1)]
    y_edges = [j * grid["pitch_width"] / y_bins for j in range(y_bins + 1)]
    column = min(max(bisect.bisect_right(x_edges, x) - 1, 0), x_bins - 1)
    row = min(max(bisect.bisect_right(y_edges, y) - 1, 0), y_bins - 1)
    return grid["values"][row][column]


def _raw_threat_gain(match_id: int) -> dict[int, float]:
    """Sum each team's positive xT added by completed passes and carries, outside the shoot-out."""
    grid = _shipped_grid()
    gains: dict[int, float] = defaultdict(float)
    for event in _in_play(match_id):
        kind = event["type"]["name"]
        if kind == "Pass" and "outcome" not in event["pass"]:
            end = event["pass"]["end_location"]
        elif kind == "Carry":
            end = event["carry"]["end_location"]
        else:
            continue
        start = event["location"]
        gain = _grid_value(grid, end[0], end[1]) - _grid_value(grid, start[0], start[1])
        gains[event["team"]["id"]] += max(gain, 0.0)
    return gains


def _raw_period_minutes(match_id: int) -> dict[int, int]:
    """Return the whole minutes each period lasted: its last event's minute plus one."""
    last: dict[int, float] = {}
    for event in _in_play(match_id):
        last[event["period"]] = max(last.get(event["period"], 0.0), _seconds(event["timestamp"]))
    return {period: int(seconds // 60) + 1 for period, seconds in sorted(last.items())}


def _window(event: dict) -> tuple[int, int]:
    """Return the 5-minute window of an event: (period, window number from the period's kick-off)."""
    return event["period"], int(_seconds(event["timestamp"]) // 300)


def _bars(figure: dict, axis: str = "x") -> list[dict]:
    return [trace for trace in figure["data"] if trace["type"] == "bar" and trace.get("xaxis", "x") == axis]


# Expected threat grid


def test_xt_grid_shape_and_metadata():
    grid = load_xt_grid()
    metadata = grid.metadata

    assert grid.values.shape == (12, 16)
    assert metadata["matches"] == 88
    assert metadata["match_ids"] == ALL_MATCH_IDS
    assert metadata["converged"] is True
    assert metadata["iterations"] >= 1
    assert metadata["fitted_on"]
    assert metadata["shots"] > 0
    assert metadata["goals"] > 0
    assert metadata["moves"] > metadata["completed_moves"] > 0


def test_xt_values_are_probabilities():
    values = load_xt_grid().values

    assert np.all(values >= 0.0)
    assert np.all(values <= 1.0)


def test_xt_higher_near_opponent_goal():
    grid = load_xt_grid()
    values = grid.values
    central_rows = slice(4, 8)

    for row in range(4, 8):
        assert values[row, -1] > values[row, 0], row
    assert values[central_rows, -4:].mean() > 5 * values[central_rows, :4].mean()
    assert values[:, 12:].mean() > values[:, 4:12].mean() > values[:, :4].mean()
    assert grid.value(114.0, 40.0) > grid.value(6.0, 40.0)
    assert grid.value(114.0, 40.0) == values.max()


def test_xt_value_vectorized_with_edges_and_missing():
    grid = load_xt_grid()
    values = grid.values

    result = grid.value(np.array([0.0, 120.0, 60.0, np.nan]), np.array([0.0, 80.0, 40.0, 10.0]))

    assert result.shape == (4,)
    assert result[0] == values[0, 0]
    assert result[1] == values[-1, -1]
    assert result[2] == values[6, 8]
    assert math.isnan(result[3])


def test_xt_value_matches_shipped_json():
    grid = load_xt_grid()
    shipped = _shipped_grid()
    points = [(0.1, 0.1), (7.5, 6.7), (59.9, 40.0), (60.0, 40.0), (102.0, 62.0), (119.9, 79.9), (120.0, 80.0)]

    for x, y in points:
        assert grid.value(x, y) == pytest.approx(_grid_value(shipped, x, y)), (x, y)


def _events_table(rows: list[dict]) -> pd.DataFrame:
    defaults = {"period": 1, "shot_type": None, "outcome": None, "pass_type": None, "end_x": np.nan, "end_y": np.nan}
    return pd.DataFrame([{**defaults, **row} for row in rows])


def test_fit_xt_solves_two_cell_chain():
    # Two cells split at x = 60. In the right cell, one open-play shot scores and one pass fails:
    # s = 1/2, g = 1, and xT = 1/2. In the left cell, one pass reaches the right cell and one fails:
    # m = 1, T = 1/2 to the right cell, and xT = 1/4. A throw-in and a shoot-out shot must not count.
    events = _events_table([
        {"type": "Shot", "x": 110.0, "y": 40.0, "shot_type": "Open Play", "outcome": "Goal"},
        {"type": "Pass", "x": 100.0, "y": 40.0, "outcome": "Incomplete", "end_x": 115.0, "end_y": 40.0},
        {"type": "Pass", "x": 30.0, "y": 40.0, "end_x": 90.0, "end_y": 40.0},
        {"type": "Pass", "x": 30.0, "y": 40.0, "outcome": "Out", "end_x": 50.0, "end_y": 79.0},
        {"type": "Pass", "x": 10.0, "y": 0.0, "pass_type": "Throw-in", "end_x": 20.0, "end_y": 10.0},
        {"type": "Shot", "x": 20.0, "y": 40.0, "shot_type": "Penalty", "outcome": "Goal", "period": 5},
    ])

    grid = fit_xt([events], x_bins=2, y_bins=1)

    assert grid.values.shape == (1, 2)
    assert grid.values[0, 1] == pytest.approx(0.5, abs=1e-6)
    assert grid.values[0, 0] == pytest.approx(0.25, abs=1e-6)
    assert grid.metadata["shots"] == 1
    assert grid.metadata["moves"] == 3
    assert grid.metadata["completed_moves"] == 1


def test_refit_command_writes_loadable_grid(tmp_path):
    out = tmp_path / "xt.json"

    completed = subprocess.run(
        [sys.executable, "-m", "matchkit.processing.xt", "--data-dir", str(DATA_DIR), "--out", str(out),
         "--match-ids", f"{TURKEY_ITALY},7581"],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )

    assert completed.returncode == 0, completed.stderr
    grid = load_xt_grid(str(out))
    assert grid.values.shape == (12, 16)
    assert np.all((grid.values >= 0) & (grid.values <= 1))
    assert grid.metadata["matches"] == 2
    assert grid.metadata["match_ids"] == [7581, TURKEY_ITALY]


def test_refit_command_help_and_unknown_match(tmp_path):
    help_run = subprocess.run(
        [sys.executable, "-m", "matchkit.processing.xt", "--help"], capture_output=True, text=True, cwd=REPO,
    )
    missing_run = subprocess.run(
        [sys.executable, "-m", "matchkit.processing.xt", "--data-dir", str(DATA_DIR),
         "--out", str(tmp_path / "xt.json"), "--match-ids", "1"],
        capture_output=True, text=True, cwd=REPO,
    )

    assert help_run.returncode == 0
    assert "--data-dir" in help_run.stdout
    assert missing_run.returncode == 1
    assert "not listed" in missing_run.stderr
    assert not (tmp_path / "xt.json").exists()


# Momentum


@pytest.mark.parametrize("match_id", [TURKEY_ITALY, 7581, 15986, 22912])
def test_momentum_bars_sum_to_raw_xt_gain(match_id):
    home_id, away_id, home_name, away_name = _teams(match_id)
    expected = _raw_threat_gain(match_id)
    # Each minute's bar is rounded to 4 decimals (or dropped when it rounds to 0): at most 5e-5 off per minute.
    tolerance = 5e-5 * sum(_raw_period_minutes(match_id).values())

    home, away = _bars(figure_dict(load_model(match_id), "momentum"))

    assert home["name"].startswith(html.escape(home_name))
    assert away["name"].startswith(html.escape(away_name))
    assert all(value > 0 for value in home["y"])
    assert all(value < 0 for value in away["y"])
    assert sum(home["y"]) == pytest.approx(expected[home_id], abs=tolerance)
    assert -sum(away["y"]) == pytest.approx(expected[away_id], abs=tolerance)


def test_momentum_marks_own_goal_for_benefiting_team():
    figure = figure_dict(load_model(TURKEY_ITALY), "momentum")
    stars = [trace for trace in figure["data"] if trace["type"] == "scatter"]

    assert [trace["name"] for trace in stars] == ["Italy goals"]
    assert len(stars[0]["x"]) == 3
    assert all(value < 0 for value in stars[0]["y"])
    assert ["Merih Demiral (own goal)", "52:12"] in stars[0]["customdata"]


def test_momentum_excludes_shootout():
    match_id = 7581
    minutes = _raw_period_minutes(match_id)
    figure = figure_dict(load_model(match_id), "momentum")
    stars = [trace for trace in figure["data"] if trace["type"] == "scatter"]

    assert list(minutes) == [1, 2, 3, 4]
    assert figure["layout"]["xaxis"]["range"] == [0, sum(minutes.values())]
    for trace in _bars(figure):
        assert max(trace["x"]) < sum(minutes.values())
    assert sorted(len(trace["x"]) for trace in stars) == [1, 1]


def test_clock_leaves_room_for_stoppage():
    minutes = _raw_period_minutes(TURKEY_ITALY)
    axis = figure_dict(load_model(TURKEY_ITALY), "momentum")["layout"]["xaxis"]
    ticks = dict(zip(axis["ticktext"], axis["tickvals"]))

    assert minutes[1] > 45
    assert ticks["45'"] == minutes[1]
    assert ticks["60'"] == minutes[1] + 15
    assert axis["range"] == [0, minutes[1] + minutes[2]]


# Field tilt


def test_field_tilt_final_third_shares_match_raw():
    home_id, away_id, _, _ = _teams(TURKEY_ITALY)
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(lambda: {home_id: 0, away_id: 0})
    for event in _in_play(TURKEY_ITALY):
        if event["type"]["name"] in TOUCH_TYPES and event.get("location") and event["location"][0] >= FINAL_THIRD_X:
            counts[_window(event)][event["team"]["id"]] += 1
    windows = [counts[key] for key in sorted(counts)]

    home, away = _bars(figure_dict(load_model(TURKEY_ITALY), "field_tilt"), axis="x2")

    assert home["yaxis"] == "y2"
    assert len(home["y"]) == len(windows)
    for position, window in enumerate(windows):
        total = window[home_id] + window[away_id]
        assert home["y"][position] == pytest.approx(window[home_id] / total, abs=1e-4), position
        assert away["y"][position] == pytest.approx(window[away_id] / total, abs=1e-4), position
        assert home["customdata"][position][1:] == [window[home_id], total], position
        assert away["customdata"][position][1:] == [window[away_id], total], position


def test_field_tilt_mirrors_away_team():
    home_id, away_id, _, _ = _teams(TURKEY_ITALY)
    expected = {team_id: np.zeros((8, 12), dtype=int) for team_id in (home_id, away_id)}
    for event in _in_play(TURKEY_ITALY):
        if event["type"]["name"] not in TOUCH_TYPES or not event.get("location"):
            continue
        x, y = event["location"][:2]
        if event["team"]["id"] == away_id:
            x, y = LENGTH - x, WIDTH - y
        column = min(int(x // TILT_CELL), 11)
        row = min(int(y // TILT_CELL), 7)
        expected[event["team"]["id"]][row, column] += 1
    corner = next(event for event in raw_events(TURKEY_ITALY) if event["index"] == 933)

    heatmap = figure_dict(load_model(TURKEY_ITALY), "field_tilt")["data"][0]
    cells = np.array(heatmap["customdata"])

    # Italy's corner from (120, 80) in its own frame lands in Turkey's top-left corner cell.
    assert corner["team"]["id"] == away_id
    assert corner["pass"]["type"]["name"] == "Corner"
    assert corner["location"] == [120.0, 80.0]
    assert cells[0, 0, 1] >= 1
    assert cells[0, 0, 1] == expected[away_id][0, 0]
    assert np.array_equal(cells[:, :, 0], expected[home_id])
    assert np.array_equal(cells[:, :, 1], expected[away_id])


# Possession timeline


def test_possession_seconds_match_raw():
    home_id, away_id, _, _ = _teams(TURKEY_ITALY)
    seconds: dict[tuple[int, int], dict[int, float]] = defaultdict(lambda: {home_id: 0.0, away_id: 0.0})
    events = _in_play(TURKEY_ITALY)
    for current, following in zip(events, events[1:]):
        same = current["period"] == following["period"] and current["possession"] == following["possession"]
        gap = _seconds(following["timestamp"]) - _seconds(current["timestamp"]) if same else 0.0
        seconds[_window(current)][current["possession_team"]["id"]] += gap
    windows = [seconds[key] for key in sorted(seconds) if sum(seconds[key].values()) > 0]

    home, away = _bars(figure_dict(load_model(TURKEY_ITALY), "possession_timeline"))

    assert len(home["y"]) == len(windows)
    for position, window in enumerate(windows):
        total = window[home_id] + window[away_id]
        assert home["y"][position] == pytest.approx(window[home_id] / total, abs=1e-4), position
        assert home["customdata"][position][1] == pytest.approx(window[home_id], abs=0.06), position
        assert away["customdata"][position][1] == pytest.approx(window[away_id], abs=0.06), position


# Every match


@pytest.mark.slow
def test_plots_render_for_every_match():
    for match_id in ALL_MATCH_IDS:
        result = render(load_model(match_id), PLOT_TYPES)

        assert result.errors == {}, match_id
        assert sorted(result.figures) == sorted(PLOT_TYPES), match_id
        figures = {plot_type: pio.from_json(payload.decode()) for plot_type, payload in result.figures.items()}
        assert "StatsBomb" in figures["momentum"].layout.annotations[0].text, match_id

        home, away = (trace for trace in figures["possession_timeline"].data if trace.type == "bar")
        assert len(home.y) == len(away.y) > 0, match_id
        for home_share, away_share in zip(home.y, away.y):
            assert 0.0 <= home_share <= 1.0, match_id
            assert 0.0 <= away_share <= 1.0, match_id
            assert home_share + away_share == pytest.approx(1.0, abs=2e-4), match_id
