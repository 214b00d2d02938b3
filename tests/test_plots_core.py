"""Heatmaps, shot map, xG flow and pass networks on the real matches.

Expected values come straight from the raw JSON, never from the plot code.
"""

from __future__ import annotations

import html
import math

import orjson
import plotly.io as pio
import pytest

from matchkit.plots import render
from matchkit.plots.heatmap import heatmap_figure
from matchkit.plots.passing import pass_network_data
from matchkit.processing.selectors import DEFENSIVE_TYPES, TOUCH_TYPES
from tests.conftest import ALL_MATCH_IDS, SHOOTOUT_MATCH_IDS, load_model, match_entries, raw_events

PLOT_TYPES = [
    "heatmap_home", "heatmap_away", "possession_heatmap_home", "possession_heatmap_away",
    "shot_map", "xg_flow", "pass_network_home", "pass_network_away",
]
# Regular time, extra time, shoot-outs, an own goal with and without a location, a red card.
SAMPLE_MATCH_IDS = (15986, 3788741, 8652, 7581, 8650, 22924)

BARCELONA_GIRONA = 15986
TURKEY_ITALY = 3788741


def _side_ids(match_id: int) -> dict[str, int]:
    entry = match_entries()[match_id]
    return {"home": entry["home_team"]["home_team_id"], "away": entry["away_team"]["away_team_id"]}


def _raw_shots(match_id: int, team_id: int) -> list[dict]:
    """Return a team's shots outside the shoot-out, straight from the raw JSON."""
    return [
        e for e in raw_events(match_id)
        if e["type"]["name"] == "Shot" and e["period"] != 5 and e["team"]["id"] == team_id
    ]


def _raw_xg(match_id: int, team_id: int) -> float:
    return sum(e["shot"]["statsbomb_xg"] for e in _raw_shots(match_id, team_id))


def _raw_heatmap_events(match_id: int, team_id: int, phase: str, periods: tuple[int, ...]) -> list[dict]:
    """Return the raw events a heatmap phase counts: the team's, with a location, in the periods."""
    types = DEFENSIVE_TYPES if phase == "defensive" else TOUCH_TYPES
    selected = []
    for e in raw_events(match_id):
        if e["team"]["id"] != team_id or e["period"] not in periods or not e.get("location"):
            continue
        if e["type"]["name"] not in types:
            continue
        if phase == "possession" and e["possession_team"]["id"] != team_id:
            continue
        selected.append(e)
    return selected


def _seconds(timestamp: str) -> float:
    hours, minutes, seconds = timestamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _visible_trace(figure: dict) -> dict:
    visible = [trace for trace in figure["data"] if trace.get("visible", True)]
    assert len(visible) == 1
    return visible[0]


def _total(z: list[list[int]]) -> int:
    return sum(sum(row) for row in z)


# Heatmaps


@pytest.mark.parametrize("match_id", [BARCELONA_GIRONA, TURKEY_ITALY, 8652])
@pytest.mark.parametrize("phase", ["touches", "possession", "defensive"])
@pytest.mark.parametrize("half, periods", [("full", (1, 2, 3, 4)), ("first", (1,)), ("second", (2,))])
def test_heatmap_total_equals_raw_event_count(match_id, phase, half, periods):
    model = load_model(match_id)
    team_id = _side_ids(match_id)["home"]
    figure = heatmap_figure(model, team_id, phase=phase, half=half)

    expected = len(_raw_heatmap_events(match_id, team_id, phase, periods))
    assert _total(_visible_trace(figure)["z"]) == expected


def test_heatmap_full_match_includes_extra_time():
    model = load_model(8652)
    team_id = _side_ids(8652)["away"]
    full = _total(heatmap_figure(model, team_id, half="full")["data"][0]["z"])
    first = _total(heatmap_figure(model, team_id, half="first")["data"][0]["z"])
    second = _total(heatmap_figure(model, team_id, half="second")["data"][0]["z"])
    extra_time = len(_raw_heatmap_events(8652, team_id, "touches", (3, 4)))

    assert extra_time > 0
    assert full == first + second + extra_time


def test_heatmap_keeps_far_edge_events():
    team_id = _side_ids(BARCELONA_GIRONA)["home"]
    figure = heatmap_figure(load_model(BARCELONA_GIRONA), team_id, x_bins=12, y_bins=8)
    z = figure["data"][0]["z"]
    raw = _raw_heatmap_events(BARCELONA_GIRONA, team_id, "touches", (1, 2, 3, 4))

    on_goal_line = [e for e in raw if e["location"][0] >= 120]
    on_touchline = [e for e in raw if e["location"][1] >= 80]
    assert on_goal_line, "the test needs touches at x=120"
    assert on_touchline, "the test needs touches at y=80"
    # The last column is x from 110 to 120 inclusive, the last row y from 70 to 80 inclusive.
    assert sum(row[-1] for row in z) == sum(1 for e in raw if e["location"][0] >= 110)
    assert sum(z[-1]) == sum(1 for e in raw if e["location"][1] >= 70)


def test_heatmap_home_shows_match_entry_home_team():
    for match_id in SAMPLE_MATCH_IDS:
        entry = match_entries()[match_id]
        home_id = entry["home_team"]["home_team_id"]
        model = load_model(match_id)

        figure = render(model, ["heatmap_home"]).figures["heatmap_home"]
        layout = orjson.loads(figure)["layout"]
        subtitle = layout["annotations"][-1]["text"]
        full = orjson.loads(figure)["data"][0]

        assert subtitle.startswith(html.escape(entry["home_team"]["home_team_name"]))
        assert _total(full["z"]) == len(_raw_heatmap_events(match_id, home_id, "touches", (1, 2, 3, 4)))


def test_heatmap_buttons_switch_between_halves():
    figure = render(load_model(BARCELONA_GIRONA), ["possession_heatmap_away"]).figures["possession_heatmap_away"]
    figure = orjson.loads(figure)
    buttons = figure["layout"]["updatemenus"][0]["buttons"]

    assert [trace["name"] for trace in figure["data"]] == ["full match", "first half", "second half"]
    assert [trace["visible"] for trace in figure["data"]] == [True, False, False]
    assert [button["label"] for button in buttons] == ["Full match", "First half", "Second half"]
    assert buttons[1]["args"][0]["visible"] == [False, True, False]


def test_heatmap_rejects_unknown_phase_and_half():
    model = load_model(BARCELONA_GIRONA)
    with pytest.raises(ValueError, match="phase"):
        heatmap_figure(model, model.info.home_team_id, phase="pressing")
    with pytest.raises(ValueError, match="half"):
        heatmap_figure(model, model.info.home_team_id, half="extra")


# Shot map and xG flow


def _shot_map_points(figure: dict, side: str) -> dict[str, int]:
    """Count points per trace name prefix ("Goal", "Own goal", "Saved"...) for one side."""
    counts: dict[str, int] = {}
    for trace in figure["data"]:
        if trace.get("legendgroup") == side and trace["x"]:
            group = trace["name"].rsplit(" (", 1)[0]
            counts[group] = counts.get(group, 0) + len(trace["x"])
    return counts


def _xg_flow_traces(figure: dict, side: str) -> tuple[dict, dict, dict]:
    line, points, goals = (trace for trace in figure["data"] if trace["legendgroup"] == side)
    return line, points, goals


@pytest.mark.slow
@pytest.mark.parametrize("match_id", ALL_MATCH_IDS)
def test_plots_on_every_match(match_id):
    entry = match_entries()[match_id]
    result = render(load_model(match_id), PLOT_TYPES)

    assert result.errors == {}
    assert sorted(result.figures) == sorted(PLOT_TYPES)

    shot_map = orjson.loads(result.figures["shot_map"])
    xg_flow = orjson.loads(result.figures["xg_flow"])
    scores = {"home": entry["home_score"], "away": entry["away_score"]}
    for side, team_id in _side_ids(match_id).items():
        points = _shot_map_points(shot_map, side)
        raw_xg = _raw_xg(match_id, team_id)
        line, shot_points, goals = _xg_flow_traces(xg_flow, side)

        assert points.get("Goal", 0) + points.get("Own goal", 0) == scores[side], f"{side} goals on the shot map"
        assert len(goals["x"]) == scores[side], f"{side} goals on the xG flow"
        assert sum(points.get(group, 0) for group in ("Goal", "Saved", "Blocked", "Off target")) == len(
            _raw_shots(match_id, team_id)
        )
        assert len(shot_points["x"]) == len(_raw_shots(match_id, team_id))
        assert f"xG {raw_xg:.2f}" in line["name"]
        assert math.isclose(line["y"][-1], raw_xg, abs_tol=1e-3)


@pytest.mark.parametrize("match_id", SHOOTOUT_MATCH_IDS)
def test_shootout_kicks_not_on_shot_plots(match_id):
    if match_id not in match_entries():
        pytest.skip(f"match {match_id} is not in the test data")
    model = load_model(match_id)
    result = render(model, ["shot_map", "xg_flow"])
    shot_map = orjson.loads(result.figures["shot_map"])
    xg_flow = orjson.loads(result.figures["xg_flow"])
    raw = raw_events(match_id)
    regular_end = sum(_seconds(max(e["timestamp"] for e in raw if e["period"] == period)) / 60 for period in (1, 2, 3, 4))

    assert any(e["period"] == 5 and e["type"]["name"] == "Shot" for e in raw)
    for side, team_id in _side_ids(match_id).items():
        map_points = sum(len(t["x"]) for t in shot_map["data"] if t.get("legendgroup") == side)
        own_goals = sum(
            1 for e in raw if e["type"]["name"] == "Own Goal For" and e["team"]["id"] == team_id and e["period"] != 5
        )
        _, shot_points, _ = _xg_flow_traces(xg_flow, side)

        assert map_points == len(_raw_shots(match_id, team_id)) + own_goals
        assert len(shot_points["x"]) == len(_raw_shots(match_id, team_id))
        assert max(shot_points["x"], default=0) <= regular_end + 0.01
    assert "shoot-out kicks not shown" in shot_map["layout"]["annotations"][-1]["text"]


def test_shot_map_xg_per_team_equals_raw_sum():
    for match_id in SAMPLE_MATCH_IDS:
        figure = orjson.loads(render(load_model(match_id), ["shot_map"]).figures["shot_map"])
        for side, team_id in _side_ids(match_id).items():
            traces = [t for t in figure["data"] if t.get("legendgroup") == side]
            shot_xg = [row[3] for t in traces if not t["name"].startswith("Own goal") for row in t.get("customdata", [])]
            raw_xg = _raw_xg(match_id, team_id)

            assert f"xG {raw_xg:.2f}" in traces[0]["legendgrouptitle"]["text"]
            assert math.isclose(sum(shot_xg), raw_xg, abs_tol=5e-4 * max(len(shot_xg), 1))


def test_own_goal_counts_for_benefiting_team():
    model = load_model(TURKEY_ITALY)
    result = render(model, ["shot_map", "xg_flow"])
    shot_map = orjson.loads(result.figures["shot_map"])
    xg_flow = orjson.loads(result.figures["xg_flow"])
    conceding = [e for e in raw_events(TURKEY_ITALY) if e["type"]["name"] == "Own Goal Against"]

    assert model.info.away_team == "Italy"
    assert len(conceding) == 1
    own_goal_traces = [t for t in shot_map["data"] if t["name"].startswith("Own goal")]
    assert len(own_goal_traces) == 1
    assert own_goal_traces[0]["legendgroup"] == "away"
    assert own_goal_traces[0]["customdata"][0][0] == conceding[0]["player"]["name"]
    _, _, italy_goals = _xg_flow_traces(xg_flow, "away")
    assert f"{conceding[0]['player']['name']} (OG)" in italy_goals["text"]
    assert _shot_map_points(shot_map, "home").get("Goal", 0) == 0


def test_own_goal_without_location_drawn_from_conceding_event():
    # Match 8650: the Own Goal For event has no location, the Own Goal Against one has.
    raw = raw_events(8650)
    conceding = next(e for e in raw if e["type"]["name"] == "Own Goal Against")
    benefiting = next(e for e in raw if e["type"]["name"] == "Own Goal For")
    side = next(side for side, team_id in _side_ids(8650).items() if team_id == benefiting["team"]["id"])
    figure = orjson.loads(render(load_model(8650), ["shot_map"]).figures["shot_map"])
    trace = next(t for t in figure["data"] if t["name"].startswith("Own goal"))

    assert "location" not in benefiting
    assert trace["legendgroup"] == side
    # Mirrored, the conceding event's location is in the benefiting team's frame.
    # Away shots are mirrored once more, so that the away team attacks left.
    x, y = 120 - conceding["location"][0], 80 - conceding["location"][1]
    if side == "away":
        x, y = 120 - x, 80 - y
    assert trace["x"] == [round(x, 1)]
    assert trace["y"] == [round(y, 1)]


def test_shot_map_mirrors_away_shots():
    model = load_model(BARCELONA_GIRONA)
    figure = orjson.loads(render(model, ["shot_map"]).figures["shot_map"])
    home_x = [x for t in figure["data"] if t.get("legendgroup") == "home" for x in t["x"]]
    away_x = [x for t in figure["data"] if t.get("legendgroup") == "away" for x in t["x"]]
    raw_away_x = sorted(e["location"][0] for e in _raw_shots(BARCELONA_GIRONA, model.info.away_team_id))

    assert min(home_x) > 60
    assert max(away_x) < 60
    assert sorted(away_x) == sorted(round(120 - x, 1) for x in raw_away_x)


def test_shot_map_marks_penalties_outside_shootout():
    # Match 7581 has a penalty in play and a shoot-out. Only the penalty in play gets a "P".
    figure = orjson.loads(render(load_model(7581), ["shot_map"]).figures["shot_map"])
    marked = sum(text == "P" for t in figure["data"] for text in t.get("text", []))
    raw_penalties = [
        e for e in raw_events(7581)
        if e["type"]["name"] == "Shot" and e["period"] != 5 and e["shot"]["type"]["name"] == "Penalty"
    ]

    assert len(raw_penalties) >= 1
    assert marked == len(raw_penalties)


def test_xg_flow_extra_time_after_stoppage():
    raw = raw_events(8652)
    figure = orjson.loads(render(load_model(8652), ["xg_flow"]).figures["xg_flow"])
    ends = {period: _seconds(max(e["timestamp"] for e in raw if e["period"] == period)) / 60 for period in (1, 2, 3, 4)}
    second_half_end = ends[1] + ends[2]
    extra_time_shots = sorted(
        (e for e in raw if e["type"]["name"] == "Shot" and e["period"] == 3), key=lambda e: e["timestamp"],
    )
    labels = [a["text"] for a in figure["layout"]["annotations"] if a.get("xref") == "x"]
    points = [x for t in figure["data"] if t["mode"] == "markers" for x in t["x"]]

    assert second_half_end > 90
    assert labels == ["HT", "90'", "ET HT", "AET"]
    assert [s["x0"] for s in figure["layout"]["shapes"]] == [
        round(ends[1], 2), round(ends[1] + ends[2], 2), round(ends[1] + ends[2] + ends[3], 2),
        round(sum(ends.values()), 2),
    ]
    assert extra_time_shots
    expected = round(second_half_end + _seconds(extra_time_shots[0]["timestamp"]) / 60, 2)
    assert expected in points


# Pass networks


def _raw_completed_passes(match_id: int, team_id: int, before: tuple[int, str] | None) -> list[dict]:
    """Return a team's completed passes strictly before (period, "HH:MM:SS.fff"), from the raw JSON."""
    return [
        e for e in raw_events(match_id)
        if e["type"]["name"] == "Pass" and e["team"]["id"] == team_id and "outcome" not in e["pass"]
        and (before is None or (e["period"], e["timestamp"]) < before)
    ]


def test_pass_network_stops_at_first_substitution_on_timestamp():
    model = load_model(BARCELONA_GIRONA)
    barcelona = model.info.home_team_id
    network = pass_network_data(model, barcelona, stop_at="first_substitution")
    expected = _raw_completed_passes(BARCELONA_GIRONA, barcelona, (2, "00:00:01.898"))
    first_half_by_minute = [e for e in _raw_completed_passes(BARCELONA_GIRONA, barcelona, None) if e["minute"] < 45]

    assert model.info.home_team == "Barcelona"
    assert network.cutoff == (2, 1.898)
    assert network.cutoff_reason == "substitution"
    assert len(expected) == 400
    assert len(network.passes) == len(expected)
    assert len(first_half_by_minute) == 376
    assert set(network.passes["id"]) == {e["id"] for e in expected}


def test_pass_network_home_stops_at_red_card():
    model = load_model(BARCELONA_GIRONA)
    barcelona = model.info.home_team_id
    red_card = next(
        e for e in raw_events(BARCELONA_GIRONA)
        if e["team"]["id"] == barcelona and (e.get("foul_committed") or {}).get("card", {}).get("name") == "Red Card"
    )
    expected = _raw_completed_passes(BARCELONA_GIRONA, barcelona, (red_card["period"], red_card["timestamp"]))
    network = pass_network_data(model, barcelona)
    figure = orjson.loads(render(model, ["pass_network_home"]).figures["pass_network_home"])

    assert (red_card["period"], red_card["timestamp"]) == (1, "00:32:36.585")
    assert red_card["player"]["name"] == "Clément Lenglet"
    assert len(network.passes) == len(expected)
    assert len(expected) == 321
    assert network.cutoff_reason == "red card"
    assert "until 32:36, red card" in figure["layout"]["title"]["text"]
    assert "until 32:36, red card" in figure["data"][-1]["hovertemplate"]


def test_pass_network_nodes_and_pairs_match_raw():
    model = load_model(BARCELONA_GIRONA)
    barcelona = model.info.home_team_id
    network = pass_network_data(model, barcelona, stop_at="first_substitution")
    expected = _raw_completed_passes(BARCELONA_GIRONA, barcelona, (2, "00:00:01.898"))

    pairs: dict[frozenset, int] = {}
    involvement: dict[int, int] = {}
    for e in expected:
        passer, recipient = e["player"]["id"], e["pass"]["recipient"]["id"]
        pairs[frozenset((passer, recipient))] = pairs.get(frozenset((passer, recipient)), 0) + 1
        involvement[passer] = involvement.get(passer, 0) + 1
        involvement[recipient] = involvement.get(recipient, 0) + 1
    counted_pairs = {
        frozenset((a, b)): total
        for a, b, total in zip(network.edges["player_a"], network.edges["player_b"], network.edges["passes"])
    }

    assert counted_pairs == pairs
    assert dict(zip(network.nodes["player_id"], network.nodes["involvement"])) == involvement
    assert int(network.nodes["passes_made"].sum()) == len(expected)


def test_pass_network_draws_only_pairs_above_minimum():
    model = load_model(BARCELONA_GIRONA)
    network = pass_network_data(model, model.info.home_team_id)
    figure = orjson.loads(render(model, ["pass_network_home"]).figures["pass_network_home"])
    pair_trace = next(t for t in figure["data"] if t["name"] == "pairs")

    assert len(pair_trace["x"]) == int((network.edges["passes"] >= 3).sum())
    assert min(row[4] for row in pair_trace["customdata"]) >= 3


def test_pass_network_labels_nodes_with_shirt_numbers():
    model = load_model(BARCELONA_GIRONA)
    figure = orjson.loads(render(model, ["pass_network_home"]).figures["pass_network_home"])
    nodes = figure["data"][-1]
    starters = next(
        e for e in raw_events(BARCELONA_GIRONA)
        if e["type"]["name"] == "Starting XI" and e["team"]["id"] == model.info.home_team_id
    )

    assert set(nodes["text"]) == {str(p["jersey_number"]) for p in starters["tactics"]["lineup"]}


def test_pass_network_rejects_unknown_stop_at():
    model = load_model(BARCELONA_GIRONA)
    with pytest.raises(ValueError, match="stop_at"):
        pass_network_data(model, model.info.home_team_id, stop_at="half_time")


# Serialization


@pytest.mark.parametrize("match_id", SAMPLE_MATCH_IDS)
def test_plots_load_with_plotly_from_json(match_id):
    result = render(load_model(match_id), PLOT_TYPES)

    assert result.errors == {}
    for plot_type, figure in result.figures.items():
        loaded = pio.from_json(figure.decode())
        assert loaded.data, f"{plot_type} has traces"
        assert "StatsBomb" in loaded.layout.annotations[0].text
