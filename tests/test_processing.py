"""The shared processor on the real matches: facts every plot relies on."""

from __future__ import annotations

import math

import pytest

from matchkit.errors import DataError
from matchkit.processing import EVENT_COLUMNS, build_match_model, selectors
from tests.conftest import ALL_MATCH_IDS, SHOOTOUT_MATCH_IDS, load_model, match_entries, raw_events, read_raw


def _score_from_raw(events: list, home_id: int, away_id: int) -> tuple[int, int]:
    """Count goals straight from the raw JSON: scored shots plus Own Goal For, outside period 5."""
    home = away = 0
    for event in events:
        if event["period"] == 5:
            continue
        scored = event["type"]["name"] == "Shot" and event["shot"]["outcome"]["name"] == "Goal"
        if scored or event["type"]["name"] == "Own Goal For":
            if event["team"]["id"] == home_id:
                home += 1
            elif event["team"]["id"] == away_id:
                away += 1
    return home, away


def test_data_has_88_matches():
    assert len(ALL_MATCH_IDS) == 88


@pytest.mark.parametrize("match_id", ALL_MATCH_IDS)
def test_score_from_events_equals_match_entry(match_id):
    model = load_model(match_id)
    entry = match_entries()[match_id]

    assert selectors.score(model.events, model.info.home_team_id, model.info.away_team_id) == (
        entry["home_score"], entry["away_score"],
    )
    assert _score_from_raw(raw_events(match_id), model.info.home_team_id, model.info.away_team_id) == (
        entry["home_score"], entry["away_score"],
    )


def test_own_goal_counts_for_benefiting_team():
    model = load_model(3788741)
    scored = selectors.goals(model.events)

    assert model.info.home_team == "Turkey"
    assert model.info.away_team == "Italy"
    assert len(scored) == 3
    assert (scored["scoring_team_id"] == model.info.away_team_id).all()
    assert int(scored["own_goal"].sum()) == 1


@pytest.mark.parametrize("match_id", SHOOTOUT_MATCH_IDS)
def test_shootout_shots_excluded(match_id):
    if match_id not in match_entries():
        pytest.skip(f"match {match_id} is not in the test data")
    model = load_model(match_id)
    raw_shootout = [e for e in raw_events(match_id) if e["period"] == 5 and e["type"]["name"] == "Shot"]

    assert raw_shootout, "a shoot-out match has period 5 shots"
    assert (selectors.shots(model.events)["period"] < 5).all()
    assert len(selectors.shots(model.events, include_shootout=True)) - len(selectors.shots(model.events)) == len(raw_shootout)


def test_shootout_8652_kicks_not_in_xg():
    model = load_model(8652)
    raw = raw_events(8652)
    for team_id in model.team_ids:
        expected = sum(
            e["shot"].get("statsbomb_xg", 0.0) for e in raw
            if e["type"]["name"] == "Shot" and e["period"] != 5 and e["team"]["id"] == team_id
        )
        assert math.isclose(selectors.xg_total(model.events, team_id), expected, abs_tol=1e-9)


def test_home_away_from_match_entry():
    for match_id in ALL_MATCH_IDS[:20]:
        entry = match_entries()[match_id]
        info = load_model(match_id).info
        assert info.home_team_id == entry["home_team"]["home_team_id"]
        assert info.away_team_id == entry["away_team"]["away_team_id"]


def test_events_table_has_declared_columns_and_order():
    events = load_model(15986).events

    assert list(events.columns) == list(EVENT_COLUMNS)
    keys = list(zip(events["period"], events["timestamp"], events["index"]))
    assert keys == sorted(keys)
    assert events["timestamp"].between(0, 3600).all()


def test_missing_location_kept_as_nan():
    events = load_model(15986).events
    no_location = events[events["type"].isin(["Starting XI", "Half Start", "Substitution"])]

    assert len(no_location) > 0
    assert no_location["x"].isna().all()


def test_shot_end_z_missing_when_two_values():
    for match_id in ALL_MATCH_IDS:
        raw_shots = [e for e in raw_events(match_id) if e["type"]["name"] == "Shot"]
        two = [e for e in raw_shots if len(e["shot"]["end_location"]) == 2]
        if two:
            events = load_model(match_id).events
            row = events[events["id"] == two[0]["id"]].iloc[0]
            assert math.isnan(row["end_z"])
            assert row["end_x"] == two[0]["shot"]["end_location"][0]
            return
    pytest.skip("no shot with a two-value end_location in the test data")


def test_barcelona_first_substitution_at_half_time_in_15986():
    model = load_model(15986)
    barcelona = model.info.home_team_id

    assert model.info.home_team == "Barcelona"
    assert selectors.first_lineup_change(model.events, barcelona, include_red_cards=False) == (2, 1.898)


def test_barcelona_red_card_is_first_change_in_15986():
    model = load_model(15986)
    red = [
        e for e in raw_events(15986)
        if e["team"]["id"] == model.info.home_team_id
        and (e.get("foul_committed") or {}).get("card", {}).get("name") == "Red Card"
    ]

    assert len(red) == 1
    assert selectors.first_lineup_change(model.events, model.info.home_team_id) == (1, 1956.585)


def test_formation_kept_as_digit_string():
    model = load_model(3788741)
    assert model.formations[model.info.home_team_id] == "4141"


def test_empty_events_rejected_with_match_id():
    entry = match_entries()[3788741]
    with pytest.raises(DataError, match="3788741"):
        build_match_model(entry, [], read_raw("lineups/3788741"))


def test_events_of_another_match_rejected():
    entry = match_entries()[3788741]
    with pytest.raises(DataError, match="another match"):
        build_match_model(entry, raw_events(15986), None)


def test_malformed_event_names_match_and_event():
    entry = match_entries()[3788741]
    events = [dict(e) for e in raw_events(3788741)[:50]]
    del events[10]["period"]
    with pytest.raises(DataError, match=r"match 3788741: event 10"):
        build_match_model(entry, events, None)
