"""Per-team plots (player heatmaps, average positions, pass map, touches by zone) against the raw JSON."""

from __future__ import annotations

import html
import math
from bisect import bisect_right
from collections import Counter

import plotly.io as pio
import pytest

from matchkit.plots import figure_dict, render
from matchkit.plots.players import starter_ids
from matchkit.processing import build_match_model
from matchkit.processing.selectors import TOUCH_TYPES
from tests.conftest import ALL_MATCH_IDS, load_model, match_entries, raw_events, read_raw

TEAM_PLOT_TYPES = [
    f"{family}_{side}"
    for family in ("player_heatmaps", "average_positions", "pass_map", "zonal_heatmap")
    for side in ("home", "away")
]

# Zone edges written out on the 120 x 80 StatsBomb pitch: thirds, then wings,
# half-spaces and centre bounded by the penalty area and six-yard box widths.
THIRD_EDGES = [0, 40, 80, 120]
LANE_EDGES = [0, 18, 30, 50, 62, 80]

# Match 3788741 is Turkey 0-3 Italy (Euro 2020); 7581 is Croatia v Denmark with a shoot-out;
# 9880 is Barcelona v Valencia, whose lineups file marks no starter.
TURKEY_ITALY = 3788741
SHOOTOUT_MATCH = 7581
UNMARKED_LINEUPS_MATCH = 9880


def _side_team_id(match_id: int, side: str) -> int:
    entry = match_entries()[match_id]
    return entry[f"{side}_team"][f"{side}_team_id"]


def _raw_touches(match_id: int, team_id: int) -> list[dict]:
    """Return a team's touches straight from the raw events: touch types with a location, outside period 5."""
    return [
        event for event in raw_events(match_id)
        if event["team"]["id"] == team_id
        and event["type"]["name"] in TOUCH_TYPES
        and event.get("location")
        and event["period"] != 5
    ]


def _raw_passes(match_id: int, team_id: int) -> list[dict]:
    return [
        event for event in raw_events(match_id)
        if event["team"]["id"] == team_id
        and event["type"]["name"] == "Pass"
        and event["period"] != 5
        and event["pass"].get("end_location")
    ]


def _zone(value: float, edges: list[float]) -> int:
    """Return the index of the zone that contains ``value``, counting the far edge in the last zone."""
    return min(bisect_right(edges, value) - 1, len(edges) - 2)


def _trace(figure: dict, name_start: str, mode: str | None = None) -> dict:
    matches = [
        trace for trace in figure["data"]
        if trace["name"].startswith(name_start) and (mode is None or trace.get("mode") == mode)
    ]
    assert len(matches) == 1, f"expected one trace named {name_start!r}, found {len(matches)}"
    return matches[0]


def _starting_xi(match_id: int, team_id: int) -> dict:
    return next(
        event for event in raw_events(match_id)
        if event["type"]["name"] == "Starting XI" and event["team"]["id"] == team_id
    )


def _raw_shirt_numbers(match_id: int, team_id: int) -> dict[int, int]:
    team = next(team for team in read_raw(f"lineups/{match_id}") if team["team_id"] == team_id)
    return {player["player_id"]: player["jersey_number"] for player in team["lineup"]}


# Touches by zone


@pytest.mark.parametrize(("match_id", "side"), [(TURKEY_ITALY, "home"), (TURKEY_ITALY, "away"), (SHOOTOUT_MATCH, "away")])
def test_zone_counts_match_raw_json(match_id, side):
    team_id = _side_team_id(match_id, side)
    touches = _raw_touches(match_id, team_id)
    expected = Counter(
        (_zone(event["location"][1], LANE_EDGES), _zone(event["location"][0], THIRD_EDGES)) for event in touches
    )

    heatmap = figure_dict(load_model(match_id), f"zonal_heatmap_{side}")["data"][0]

    assert heatmap["x"] == THIRD_EDGES
    assert heatmap["y"] == LANE_EDGES
    for lane in range(5):
        for third in range(3):
            count = expected[(lane, third)]
            share = round(100 * count / len(touches), 1)
            assert heatmap["text"][lane][third] == f"{count}<br>{share:.1f}%", (lane, third)
            assert heatmap["z"][lane][third] == pytest.approx(share)


def test_zone_counts_keep_touches_on_far_edges():
    match_id = TURKEY_ITALY
    team_id = _side_team_id(match_id, "away")
    touches = _raw_touches(match_id, team_id)
    on_edge = [event for event in touches if event["location"][0] == 120 or event["location"][1] == 80]

    heatmap = figure_dict(load_model(match_id), "zonal_heatmap_away")["data"][0]
    total = sum(int(cell.split("<br>")[0]) for row in heatmap["text"] for cell in row)

    assert on_edge, "the match should have touches on the goal line or far touchline"
    assert total == len(touches)


def test_zone_counts_leave_out_shootout():
    match_id = SHOOTOUT_MATCH
    team_id = _side_team_id(match_id, "home")
    shootout_touches = [
        event for event in raw_events(match_id)
        if event["period"] == 5 and event["team"]["id"] == team_id and event["type"]["name"] in TOUCH_TYPES
    ]

    heatmap = figure_dict(load_model(match_id), "zonal_heatmap_home")["data"][0]
    total = sum(int(cell.split("<br>")[0]) for row in heatmap["text"] for cell in row)

    assert shootout_touches
    assert total == len(_raw_touches(match_id, team_id))


# Pass map


def _raw_pass_categories(passes: list[dict]) -> dict[str, list[bool]]:
    """Classify raw passes with the pass map's definitions, on the 120 x 80 pitch."""
    goal_x, goal_y = 120, 40

    def in_box(x: float, y: float) -> bool:
        return x >= 102 and 18 <= y <= 62

    categories = {key: [] for key in ("progressive", "final_third_entry", "box_entry", "cross", "switch")}
    for event in passes:
        (x, y), (end_x, end_y) = event["location"][:2], event["pass"]["end_location"][:2]
        start_distance = math.hypot(goal_x - x, goal_y - y)
        end_distance = math.hypot(goal_x - end_x, goal_y - end_y)
        categories["progressive"].append(end_distance <= 0.75 * start_distance)
        categories["final_third_entry"].append(x < 80 <= end_x)
        categories["box_entry"].append(in_box(end_x, end_y) and not in_box(x, y))
        categories["cross"].append(bool(event["pass"].get("cross")))
        categories["switch"].append(bool(event["pass"].get("switch")))
    return categories


@pytest.mark.parametrize("side", ["home", "away"])
def test_pass_map_categories_match_raw_json(side):
    match_id = TURKEY_ITALY
    passes = _raw_passes(match_id, _side_team_id(match_id, side))
    complete = ["outcome" not in event["pass"] for event in passes]

    figure = figure_dict(load_model(match_id), f"pass_map_{side}")

    assert len(_trace(figure, "Complete", "markers")["x"]) == sum(complete)
    assert len(_trace(figure, "Incomplete", "markers")["x"]) == len(passes) - sum(complete)
    labels = {
        "progressive": "Progressive", "final_third_entry": "Final-third entries", "box_entry": "Box entries",
        "cross": "Crosses", "switch": "Switches",
    }
    for key, flags in _raw_pass_categories(passes).items():
        ends = _trace(figure, labels[key], "markers")
        symbols = ends["marker"]["symbol"]
        symbols = symbols if isinstance(symbols, list) else [symbols] * len(ends["x"])
        completed_in_category = sum(flag and done for flag, done in zip(flags, complete))

        assert ends["legendgroup"] == key
        assert len(ends["x"]) == sum(flags), key
        assert symbols.count("arrow") == completed_in_category, key
        assert ends["name"] == f"{labels[key]} ({sum(flags)}, {completed_in_category} complete)"


def test_pass_map_lines_pair_with_end_markers():
    figure = figure_dict(load_model(TURKEY_ITALY), "pass_map_home")
    groups = Counter(trace["legendgroup"] for trace in figure["data"])

    assert set(groups.values()) == {2}
    for lines, ends in zip(figure["data"][0::2], figure["data"][1::2]):
        assert lines["mode"] == "lines"
        assert ends["mode"] == "markers"
        assert lines["x"][1::3] == ends["x"]
        assert lines["x"][2::3] == [None] * len(ends["x"])


# Player heatmaps


@pytest.mark.parametrize("side", ["home", "away"])
def test_player_heatmap_menu_has_one_entry_per_player(side):
    match_id = TURKEY_ITALY
    team_id = _side_team_id(match_id, side)
    numbers = _raw_shirt_numbers(match_id, team_id)
    per_player = Counter(event["player"]["id"] for event in _raw_touches(match_id, team_id))
    names = {event["player"]["id"]: event["player"]["name"] for event in _raw_touches(match_id, team_id)}
    expected = {f"#{numbers[player]} {html.escape(names[player], quote=False)}": count for player, count in per_player.items()}

    figure = figure_dict(load_model(match_id), f"player_heatmaps_{side}")
    buttons = figure["layout"]["updatemenus"][0]["buttons"]
    totals = {trace["name"]: sum(cell or 0 for row in trace["z"] for cell in row) for trace in figure["data"]}

    assert len(buttons) == len(per_player)
    assert len(figure["data"]) == len(per_player)
    assert totals == expected
    assert [button["label"] for button in buttons] == [f"{trace['name']} ({totals[trace['name']]})" for trace in figure["data"]]


def test_heatmap_menu_shows_single_player():
    figure = figure_dict(load_model(TURKEY_ITALY), "player_heatmaps_home")
    buttons = figure["layout"]["updatemenus"][0]["buttons"]

    assert [trace["visible"] for trace in figure["data"]].count(True) == 1
    for position, button in enumerate(buttons):
        visible = button["args"][0]["visible"]
        assert visible[position] is True
        assert visible.count(True) == 1


def test_player_heatmaps_share_one_colour_scale():
    figure = figure_dict(load_model(TURKEY_ITALY), "player_heatmaps_away")
    max_cell = max(cell or 0 for trace in figure["data"] for row in trace["z"] for cell in row)

    assert {trace["coloraxis"] for trace in figure["data"]} == {"coloraxis"}
    assert figure["layout"]["coloraxis"]["cmax"] == max_cell
    assert all(len(trace["x"]) == 12 and len(trace["y"]) == 8 for trace in figure["data"])


# Average positions


def test_average_positions_title_shows_turkey_formation():
    starting_xi = _starting_xi(TURKEY_ITALY, _side_team_id(TURKEY_ITALY, "home"))
    figure = figure_dict(load_model(TURKEY_ITALY), "average_positions_home")

    assert starting_xi["tactics"]["formation"] == 4141
    assert "Turkey" in figure["layout"]["title"]["text"]
    assert "4-1-4-1" in figure["layout"]["title"]["text"]


@pytest.mark.parametrize("match_id", [TURKEY_ITALY, UNMARKED_LINEUPS_MATCH])
@pytest.mark.parametrize("side", ["home", "away"])
def test_average_positions_starters_match_starting_xi(match_id, side):
    team_id = _side_team_id(match_id, side)
    touches = _raw_touches(match_id, team_id)
    touched = {event["player"]["id"] for event in touches}
    starters = {
        entry["player"]["id"]: str(entry["jersey_number"])
        for entry in _starting_xi(match_id, team_id)["tactics"]["lineup"]
        if entry["player"]["id"] in touched
    }
    numbers = _raw_shirt_numbers(match_id, team_id)
    substitutes = {str(numbers[player]) for player in touched - set(starters)}

    figure = figure_dict(load_model(match_id), f"average_positions_{side}")

    assert sorted(_trace(figure, "Starters")["text"]) == sorted(starters.values())
    assert sorted(_trace(figure, "Substitutes")["text"]) == sorted(substitutes)


def test_average_positions_are_mean_touch_locations():
    match_id = TURKEY_ITALY
    touches = _raw_touches(match_id, _side_team_id(match_id, "away"))
    locations: dict[str, list] = {}
    for event in touches:
        locations.setdefault(html.escape(event["player"]["name"], quote=False), []).append(event["location"][:2])

    figure = figure_dict(load_model(match_id), "average_positions_away")
    for trace in figure["data"]:
        for (name, count), x, y in zip(trace["customdata"], trace["x"], trace["y"]):
            points = locations[name]
            assert count == len(points)
            assert x == pytest.approx(sum(point[0] for point in points) / len(points), abs=0.05)
            assert y == pytest.approx(sum(point[1] for point in points) / len(points), abs=0.05)


@pytest.mark.parametrize("match_id", ALL_MATCH_IDS)
def test_starters_equal_starting_xi(match_id):
    model = load_model(match_id)
    for team_id in model.team_ids:
        expected = {entry["player"]["id"] for entry in _starting_xi(match_id, team_id)["tactics"]["lineup"]}
        assert starter_ids(model, team_id) == expected


# Home and away, and every match


def test_home_and_away_come_from_match_entry():
    """Swap home and away in the match entry: the home plots must follow the entry, not the events."""
    match_id = TURKEY_ITALY
    entry = match_entries()[match_id]
    swapped = {
        **entry,
        "home_team": {"home_team_id": entry["away_team"]["away_team_id"], "home_team_name": entry["away_team"]["away_team_name"]},
        "away_team": {"away_team_id": entry["home_team"]["home_team_id"], "away_team_name": entry["home_team"]["home_team_name"]},
        "home_score": entry["away_score"],
        "away_score": entry["home_score"],
    }
    model = build_match_model(swapped, raw_events(match_id), read_raw(f"lineups/{match_id}"))
    italy_passes = _raw_passes(match_id, entry["away_team"]["away_team_id"])
    italy_complete = sum("outcome" not in event["pass"] for event in italy_passes)

    pass_map = figure_dict(model, "pass_map_home")
    positions = figure_dict(model, "average_positions_home")

    assert "Pass map: Italy" in pass_map["layout"]["title"]["text"]
    assert len(_trace(pass_map, "Complete", "markers")["x"]) == italy_complete
    assert "Average positions: Italy" in positions["layout"]["title"]["text"]


@pytest.mark.parametrize("match_id", ALL_MATCH_IDS)
def test_team_plots_render_every_match(match_id):
    result = render(load_model(match_id), TEAM_PLOT_TYPES)

    assert result.errors == {}
    assert result.skipped == {}
    assert set(result.figures) == set(TEAM_PLOT_TYPES)
    for plot_type, payload in result.figures.items():
        figure = pio.from_json(payload.decode())
        assert figure.data, plot_type
