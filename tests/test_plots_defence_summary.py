"""Defensive actions, match summary and freeze-frame plots on the real matches.

Expected values are counted straight from the raw JSON files, not from the
events table that the plots read.
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache

import plotly.io as pio
import pytest

from matchkit.plots import PlotSkipped, RenderResult, figure_dict, render
from matchkit.plots.summary import STAT_ROWS, team_stats
from tests.conftest import ALL_MATCH_IDS, SHOOTOUT_MATCH_IDS, load_model, match_entries, raw_events, read_raw

PLOT_TYPES = ["defensive_actions_home", "defensive_actions_away", "match_summary", "shot_freeze_frames", "freeze_frame_360"]
SKIPPABLE = {"shot_freeze_frames", "freeze_frame_360"}

# PPDA zones on the 120-unit StatsBomb pitch: the opponent's first 60% and the defending team's last 60%.
PPDA_PASS_ZONE_END = 72.0
PPDA_ACTION_ZONE_START = 48.0

# Raw event type per defensive action label. Tackles are Duels of type Tackle, counted apart.
RAW_DEFENSIVE_TYPES = {
    "Pressure": "Pressure",
    "Interception": "Interception",
    "Ball Recovery": "Ball Recovery",
    "Block": "Block",
    "Clearance": "Clearance",
    "Foul Committed": "Foul Committed",
}


def _type(event: dict) -> str:
    return event["type"]["name"]


def _in_play(event: dict) -> bool:
    return event["period"] != 5


def _is_tackle(event: dict) -> bool:
    return _type(event) == "Duel" and (event.get("duel") or {}).get("type", {}).get("name") == "Tackle"


def _card(event: dict) -> str | None:
    for key in ("foul_committed", "bad_behaviour"):
        card = (event.get(key) or {}).get("card")
        if card:
            return card["name"]
    return None


def _raw_goals(events: list, team_id: int) -> int:
    """Count scored shots and Own Goal For events of a team, outside the shoot-out."""
    return sum(
        1 for e in events
        if _in_play(e) and e["team"]["id"] == team_id
        and ((_type(e) == "Shot" and e["shot"]["outcome"]["name"] == "Goal") or _type(e) == "Own Goal For")
    )


def _raw_xg(events: list, team_id: int) -> float:
    return sum(
        e["shot"].get("statsbomb_xg", 0.0) for e in events
        if _in_play(e) and _type(e) == "Shot" and e["team"]["id"] == team_id
    )


def _raw_ppda(events: list, team_id: int, opponent_id: int) -> float:
    passes = sum(
        1 for e in events
        if _in_play(e) and e["team"]["id"] == opponent_id and _type(e) == "Pass"
        and e["location"][0] < PPDA_PASS_ZONE_END
    )
    actions = sum(
        1 for e in events
        if _in_play(e) and e["team"]["id"] == team_id and e.get("location")
        and e["location"][0] >= PPDA_ACTION_ZONE_START
        and (_is_tackle(e) or _type(e) in ("Interception", "Foul Committed", "Dribbled Past"))
    )
    return passes / actions


@lru_cache(maxsize=None)
def _rendered(match_id: int) -> tuple[dict, RenderResult]:
    """Compute the summary statistics and render this module's plots once per match for all tests."""
    model = load_model(match_id)
    return team_stats(model), render(model, PLOT_TYPES)


def _traces(figure: dict, name: str) -> list[dict]:
    return [trace for trace in figure["data"] if trace.get("name") == name]


# Match summary


@pytest.mark.slow
@pytest.mark.parametrize("match_id", ALL_MATCH_IDS)
def test_summary_goals_equal_match_score(match_id):
    entry = match_entries()[match_id]
    stats, _ = _rendered(match_id)
    events = raw_events(match_id)
    home_id, away_id = entry["home_team"]["home_team_id"], entry["away_team"]["away_team_id"]

    assert (_raw_goals(events, home_id), _raw_goals(events, away_id)) == (entry["home_score"], entry["away_score"])
    assert stats["home"]["goals"] == entry["home_score"]
    assert stats["away"]["goals"] == entry["away_score"]


@pytest.mark.slow
@pytest.mark.parametrize("match_id", ALL_MATCH_IDS)
def test_summary_xg_equals_raw_shot_xg(match_id):
    stats, _ = _rendered(match_id)
    events = raw_events(match_id)

    for side in ("home", "away"):
        expected = _raw_xg(events, stats[side]["team_id"])
        assert math.isclose(stats[side]["xg"], expected, abs_tol=1e-9), side


@pytest.mark.parametrize("match_id", SHOOTOUT_MATCH_IDS)
def test_summary_leaves_out_shootout_kicks(match_id):
    stats, _ = _rendered(match_id)
    events = raw_events(match_id)
    kicks = [e for e in events if e["period"] == 5 and _type(e) == "Shot"]
    all_shots = sum(1 for e in events if _type(e) == "Shot")

    assert kicks
    assert stats["home"]["shots"] + stats["away"]["shots"] == all_shots - len(kicks)


def test_own_goal_counts_for_benefiting_team_in_summary():
    stats = team_stats(load_model(3788741))
    italy_shot_goals = sum(
        1 for e in raw_events(3788741)
        if _type(e) == "Shot" and e["team"]["id"] == stats["away"]["team_id"] and e["shot"]["outcome"]["name"] == "Goal"
    )

    assert (stats["home"]["team"], stats["home"]["goals"]) == ("Turkey", 0)
    assert (stats["away"]["team"], stats["away"]["goals"]) == ("Italy", 3)
    assert italy_shot_goals == 2


@pytest.mark.parametrize("match_id", [15986, 8652, 3788741])
def test_summary_counts_match_raw_events(match_id):
    stats = team_stats(load_model(match_id))
    events = [e for e in raw_events(match_id) if _in_play(e)]

    for side in ("home", "away"):
        team = [e for e in events if e["team"]["id"] == stats[side]["team_id"]]
        shots = [e for e in team if _type(e) == "Shot"]
        passes = [e for e in team if _type(e) == "Pass"]
        completed = [e for e in passes if "outcome" not in e["pass"]]
        cards = [_card(e) for e in team]

        assert stats[side]["shots"] == len(shots), side
        on_target = [e for e in shots if e["shot"]["outcome"]["name"] in ("Goal", "Saved", "Saved To Post")]
        assert stats[side]["shots_on_target"] == len(on_target), side
        assert stats[side]["passes"] == len(passes), side
        assert stats[side]["passes_completed"] == len(completed), side
        assert math.isclose(stats[side]["pass_completion"], 100 * len(completed) / len(passes)), side
        corners = [e for e in passes if e["pass"].get("type", {}).get("name") == "Corner"]
        assert stats[side]["corners"] == len(corners), side
        assert stats[side]["fouls"] == sum(1 for e in team if _type(e) == "Foul Committed"), side
        assert stats[side]["yellow_cards"] == cards.count("Yellow Card"), side
        assert stats[side]["red_cards"] == cards.count("Red Card") + cards.count("Second Yellow"), side


def test_summary_red_card_in_15986():
    stats = team_stats(load_model(15986))

    assert stats["home"]["team"] == "Barcelona"
    assert stats["home"]["red_cards"] == 1
    assert stats["away"]["red_cards"] == 0


def test_summary_possession_shares_add_up_to_100():
    stats = team_stats(load_model(15986))
    events = [e for e in raw_events(15986) if _in_play(e) and _type(e) == "Pass" and "outcome" not in e["pass"]]
    home_completed = sum(1 for e in events if e["team"]["id"] == stats["home"]["team_id"])

    assert math.isclose(stats["home"]["possession"] + stats["away"]["possession"], 100.0)
    assert math.isclose(stats["home"]["possession"], 100 * home_completed / len(events))


def test_summary_figure_shows_values_per_row():
    match_id = 3788741
    figure = figure_dict(load_model(match_id), "match_summary")
    entry = match_entries()[match_id]
    bars = [trace for trace in figure["data"] if trace["type"] == "bar"]
    labels = [label for label, _, _ in STAT_ROWS]
    goals_row = labels.index("Goals")

    assert [trace["name"] for trace in bars] == ["Turkey", "Italy"]
    assert bars[0]["y"] == labels
    assert bars[0]["text"][goals_row] == str(entry["home_score"])
    assert bars[1]["text"][goals_row] == str(entry["away_score"])
    assert all(length <= 0 for length in bars[0]["x"])
    assert all(length >= 0 for length in bars[1]["x"])
    assert "Data: StatsBomb" in [note["text"] for note in figure["layout"]["annotations"]]


def test_summary_ppda_equals_raw_count():
    model = load_model(3788741)
    stats = team_stats(model)
    events = raw_events(3788741)

    for side, opponent in (("home", "away"), ("away", "home")):
        expected = _raw_ppda(events, stats[side]["team_id"], stats[opponent]["team_id"])
        assert math.isclose(stats[side]["ppda"], expected), side


# Defensive actions


@pytest.mark.parametrize(("match_id", "side"), [(3788741, "home"), (15986, "away"), (8652, "home")])
def test_defensive_action_counts_match_raw_events(match_id, side):
    model = load_model(match_id)
    team_id = model.side_team_id(side)
    figure = figure_dict(model, f"defensive_actions_{side}")
    team = [
        e for e in raw_events(match_id)
        if _in_play(e) and e["team"]["id"] == team_id and e.get("location")
    ]
    expected = {label: sum(1 for e in team if _type(e) == raw) for label, raw in RAW_DEFENSIVE_TYPES.items()}
    expected["Tackle"] = sum(1 for e in team if _is_tackle(e))
    markers = {trace["legendgroup"]: trace for trace in figure["data"] if trace["type"] == "scatter"}

    assert set(markers) == set(expected)
    for label, count in expected.items():
        assert len(markers[label]["x"]) == count, label
        assert markers[label]["name"] == f"{label} ({count})", label
    assert expected["Tackle"] > 0


def test_defensive_heatmap_counts_every_marker_on_fixed_edges():
    figure = figure_dict(load_model(3788741), "defensive_actions_away")
    heatmap = next(trace for trace in figure["data"] if trace["type"] == "heatmap")
    markers = [trace for trace in figure["data"] if trace["type"] == "scatter"]

    assert sum(map(sum, heatmap["z"])) == sum(len(trace["x"]) for trace in markers)
    assert heatmap["x"][0] == 5.0
    assert heatmap["x"][-1] == 115.0
    assert heatmap["y"][0] == 5.0
    assert heatmap["y"][-1] == 75.0


def test_defensive_title_shows_raw_ppda():
    model = load_model(3788741)
    events = raw_events(3788741)

    for side in ("home", "away"):
        team_id = model.side_team_id(side)
        expected = _raw_ppda(events, team_id, model.info.opponent_id(team_id))
        title = figure_dict(model, f"defensive_actions_{side}")["layout"]["title"]
        assert f"PPDA {expected:.1f}" in title["text"], side
        assert model.info.team_name(team_id) in title["text"], side


def test_defensive_title_shows_ppda_na_without_actions():
    model = load_model(3788741)
    events = model.events
    home = events["team_id"] == model.info.home_team_id
    ppda_actions = events["type"].isin(["Duel", "Interception", "Foul Committed", "Dribbled Past"])
    without_actions = dataclasses.replace(model, events=events[~(home & ppda_actions)].reset_index(drop=True))

    title = figure_dict(without_actions, "defensive_actions_home")["layout"]["title"]["text"]

    assert "PPDA n/a" in title


def test_defensive_subtitle_places_goal_on_left():
    model = load_model(3788741)
    subtitle = figure_dict(model, "defensive_actions_home")["layout"]["title"]["subtitle"]["text"]

    assert subtitle == "Turkey defends the goal on the left and attacks left to right"


def test_defensive_hover_names_player_minute_outcome():
    figure = figure_dict(load_model(15986), "defensive_actions_home")
    fouls = next(trace for trace in figure["data"] if trace.get("legendgroup") == "Foul Committed")
    red = [e for e in raw_events(15986) if _type(e) == "Foul Committed" and _card(e) == "Red Card"]
    expected = [red[0]["player"]["name"], f"{red[0]['minute']}:{red[0]['second']:02d}", "Red Card"]

    assert len(red) == 1
    assert expected in fouls["customdata"]


# Shot freeze frames


def _raw_frame_shots(match_id: int) -> list[dict]:
    return [e for e in raw_events(match_id) if _in_play(e) and _type(e) == "Shot" and e["shot"].get("freeze_frame")]


def test_shot_frames_match_raw_goals_first():
    figure = figure_dict(load_model(3788741), "shot_freeze_frames")
    raw = _raw_frame_shots(3788741)
    shooters = [trace["customdata"][0] for trace in _traces(figure, "Shooter")]
    buttons = figure["layout"]["updatemenus"][0]["buttons"]
    raw_goals = sum(1 for e in raw if e["shot"]["outcome"]["name"] == "Goal")
    outcomes = [shooter[2] for shooter in shooters]
    xg = [float(shooter[3]) for shooter in shooters]

    assert len(buttons) == len(raw) == 27
    assert len(shooters) == len(raw)
    assert outcomes[:raw_goals] == ["Goal"] * raw_goals
    assert "Goal" not in outcomes[raw_goals:]
    assert xg[raw_goals:] == sorted(xg[raw_goals:], reverse=True)
    assert sorted(shooter[0] for shooter in shooters) == sorted(e["player"]["name"] for e in raw)


def test_shot_freeze_frames_goalkeeper_and_names_from_frame():
    figure = figure_dict(load_model(3788741), "shot_freeze_frames")
    raw = _raw_frame_shots(3788741)
    keepers = [point for trace in _traces(figure, "Goalkeeper") for point in trace["customdata"]]
    raw_keepers = [
        player["player"]["name"] for e in raw for player in e["shot"]["freeze_frame"]
        if not player["teammate"] and player["position"]["name"] == "Goalkeeper"
    ]
    raw_teammates = sum(1 for e in raw for player in e["shot"]["freeze_frame"] if player["teammate"])

    assert sorted(name for name, _ in keepers) == sorted(raw_keepers)
    assert {position for _, position in keepers} == {"Goalkeeper"}
    assert sum(len(trace["x"]) for trace in _traces(figure, "Teammates")) == raw_teammates


def test_shot_freeze_frames_dropdown_shows_one_shot():
    figure = figure_dict(load_model(3788741), "shot_freeze_frames")
    buttons = figure["layout"]["updatemenus"][0]["buttons"]
    per_shot = len(figure["data"]) // len(buttons)

    assert [trace["visible"] for trace in figure["data"]] == buttons[0]["args"][0]["visible"]
    for button in buttons:
        assert sum(button["args"][0]["visible"]) == per_shot
    for line, shooter in zip(_traces(figure, "Shot"), _traces(figure, "Shooter")):
        assert [line["x"][0], line["y"][0]] == [shooter["x"][0], shooter["y"][0]]


@pytest.mark.parametrize("match_id", [8652, 7581])
def test_shot_freeze_frames_leave_out_shootout(match_id):
    figure = figure_dict(load_model(match_id), "shot_freeze_frames")

    assert len(figure["layout"]["updatemenus"][0]["buttons"]) == len(_raw_frame_shots(match_id))


def test_shot_freeze_frames_skipped_without_frames():
    model = dataclasses.replace(load_model(3788741), shot_freeze_frames={})

    with pytest.raises(PlotSkipped, match="no shot freeze frames"):
        figure_dict(model, "shot_freeze_frames")


# 360 frames


def test_360_frames_cover_shots_key_passes():
    figure = figure_dict(load_model(3788741), "freeze_frame_360")
    frame_ids = {frame["event_uuid"] for frame in read_raw("three-sixty/3788741")}
    expected = [
        e for e in raw_events(3788741)
        if _in_play(e) and e["id"] in frame_ids
        and (_type(e) == "Shot" or (_type(e) == "Pass" and (e["pass"].get("shot_assist") or e["pass"].get("goal_assist"))))
    ]
    expected.sort(key=lambda e: (e["period"], e["timestamp"], e["index"]))
    actors = [trace["customdata"] for trace in _traces(figure, "Actor")]

    assert len(figure["layout"]["updatemenus"][0]["buttons"]) == len(expected)
    assert len(actors) == len(expected)
    assert all(len(points) == 1 for points in actors)
    assert [(points[0][0], points[0][2]) for points in actors] == [(e["player"]["name"], _type(e)) for e in expected]


def test_360_visible_area_is_filled_polygon():
    figure = figure_dict(load_model(3788741), "freeze_frame_360")
    frames = {frame["event_uuid"]: frame for frame in read_raw("three-sixty/3788741")}
    first_actor = _traces(figure, "Actor")[0]["customdata"][0]
    first_event = next(
        e for e in raw_events(3788741)
        if e["id"] in frames and e.get("player", {}).get("name") == first_actor[0]
        and f"{e['minute']}:{e['second']:02d}" == first_actor[1] and _type(e) == first_actor[2]
    )
    area = frames[first_event["id"]]["visible_area"]
    polygon = _traces(figure, "Visible area")[0]

    assert polygon["fill"] == "toself"
    assert polygon["visible"] is True
    assert polygon["x"] == [round(value, 1) for value in area[0::2]]
    assert polygon["y"] == [round(value, 1) for value in area[1::2]]


def test_360_skipped_without_data():
    model = load_model(15986)

    with pytest.raises(PlotSkipped, match="no 360 data for this match"):
        figure_dict(model, "freeze_frame_360")
    result = render(model, ["freeze_frame_360"])
    assert result.skipped == {"freeze_frame_360": "no 360 data for this match"}
    assert result.errors == {}


# Every match


@pytest.mark.slow
@pytest.mark.parametrize("match_id", ALL_MATCH_IDS)
def test_plots_render_and_load_for_every_match(match_id):
    _, result = _rendered(match_id)

    assert result.errors == {}
    assert set(result.skipped) <= SKIPPABLE
    assert all(reason for reason in result.skipped.values())
    assert set(result.figures) | set(result.skipped) == set(PLOT_TYPES)
    for plot_type, payload in result.figures.items():
        loaded = pio.from_json(payload.decode())
        assert len(loaded.data) > 0, plot_type
