"""Bad input and faults: a clear error for each, and one bad match never costs the others."""

from __future__ import annotations

import copy
import gzip
import logging
import subprocess
import sys

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from matchkit.errors import DataError, MatchkitError
from matchkit.etl import run_etl
from matchkit.plots import render
from matchkit.processing import build_match_model
from tests.conftest import ALL_MATCH_IDS, DATA_DIR, REPO, match_entries, raw_events, read_raw
from tests.databases import postgres_url  # noqa: F401  (pytest fixture)
from tests.datadir import make_data_dir
from tests.faults import CrashingSource

PLOTS = ["shot_map", "xg_flow", "average_positions_home", "pass_network_away"]


def _failures(url: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = list(connection.execute(text("SELECT match_id, stage, message FROM etl_failures ORDER BY match_id")))
    engine.dispose()
    return rows


def _stored_matches(url: str) -> set[int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = {m for (m,) in connection.execute(text("SELECT DISTINCT match_id FROM match_plots"))}
    engine.dispose()
    return rows


def _gz(data) -> bytes:
    return gzip.compress(orjson.dumps(data))


def _run(tmp_path, data_dir, match_ids, **params):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    summary = run_etl(data_dir=data_dir, match_ids=match_ids, plots=PLOTS, max_workers=2, batch_size=4,
                      database_url=url, progress=False, **params)
    return summary, url


def test_empty_events_list_recorded(tmp_path):
    data_dir = make_data_dir(tmp_path / "data", [8652, 7581], replace={"events/7581.json": b"[]"})
    summary, url = _run(tmp_path, data_dir, [8652, 7581])

    assert summary.failed_match_ids == [7581]
    assert "match 7581: events file contains no events" in _failures(url)[0][2]
    assert _stored_matches(url) == {8652}


def test_invalid_json_names_file(tmp_path):
    data_dir = make_data_dir(tmp_path / "data", [8652, 7581], replace={"events/7581.json": b"{not json"})
    summary, url = _run(tmp_path, data_dir, [8652, 7581])

    (match_id, stage, message), = _failures(url)
    assert match_id == 7581
    assert stage == "read"
    assert "events/7581.json" in message


def test_missing_lineups_file_recorded(tmp_path):
    data_dir = make_data_dir(tmp_path / "data", [8652, 7581])
    (data_dir / "lineups/7581.json.gz").unlink()
    summary, url = _run(tmp_path, data_dir, [8652, 7581])

    assert summary.failed_match_ids == [7581]
    message = _failures(url)[0][2]
    assert "7581" in message
    assert "lineups" in message


def test_missing_360_file_is_not_a_failure(tmp_path):
    data_dir = make_data_dir(tmp_path / "data", [3788741])
    (data_dir / "three-sixty/3788741.json.gz").unlink()
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    summary = run_etl(data_dir=data_dir, match_ids=[3788741], plots=["freeze_frame_360", "shot_map"], max_workers=1,
                      database_url=url, progress=False)

    assert summary.matches_failed == 0
    assert summary.plots_skipped == 1


def test_unknown_match_id_recorded_others_run(tmp_path):
    summary, url = _run(tmp_path, DATA_DIR, [8652, 99999999])

    assert summary.failed_match_ids == [99999999]
    assert summary.matches_succeeded == 1
    (match_id, stage, message), = _failures(url)
    assert (match_id, stage) == (99999999, "select")
    assert "check the match id" in message


def test_match_listed_twice_processed_once(tmp_path):
    entries = orjson.loads(gzip.decompress((DATA_DIR / "matches/43/3.json.gz").read_bytes()))
    data_dir = make_data_dir(tmp_path / "data", [8652], replace={"matches/43/3.json": orjson.dumps(entries + entries[-3:])})
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    summary = run_etl(data_dir=data_dir, competition_id=43, season_id=3, limit=None, plots=["xg_flow"],
                      max_workers=1, database_url=url, progress=False, match_ids=[8652, 8652])

    assert summary.matches_total == 1
    assert summary.matches_succeeded == 1


def test_empty_matches_file_selects_nothing(tmp_path):
    data_dir = make_data_dir(tmp_path / "data", [8652], replace={"matches/43/3.json": b"[]"})
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    summary = run_etl(data_dir=data_dir, competition_id=43, season_id=3, max_workers=1, database_url=url,
                      progress=False)

    assert summary.matches_total == 0
    assert summary.status == "succeeded"


def test_entry_without_optional_fields_processed(tmp_path):
    entries = orjson.loads(gzip.decompress((DATA_DIR / "matches/43/3.json.gz").read_bytes()))
    for entry in entries:
        for key in ("stadium", "referee", "metadata", "competition_stage", "match_status_360", "last_updated_360"):
            entry.pop(key, None)
    data_dir = make_data_dir(tmp_path / "data", [8652], replace={"matches/43/3.json": orjson.dumps(entries)})
    summary, url = _run(tmp_path, data_dir, [8652])

    assert summary.matches_failed == 0


def _strip_optional(events: list, keys: tuple[str, ...]) -> list:
    stripped = copy.deepcopy(events)
    for event in stripped:
        for key in keys:
            event.pop(key, None)
        for detail in ("pass", "shot"):
            if detail in event:
                for key in ("outcome", "statsbomb_xg", "end_location"):
                    event[detail].pop(key, None)
    return stripped


def test_events_missing_optional_keys_render(tmp_path):
    events = _strip_optional(raw_events(3788741), ("location", "tactics", "under_pressure"))
    model = build_match_model(match_entries()[3788741], events, read_raw("lineups/3788741"))

    result = render(model)

    assert result.errors == {}


def test_unknown_event_type_and_formation_kept():
    events = copy.deepcopy(raw_events(8652))
    events[0]["tactics"]["formation"] = 3511111
    events.insert(5, {**events[5], "id": "new-event", "type": {"id": 999, "name": "Hologram"}, "hologram": {}})
    model = build_match_model(match_entries()[8652], events, read_raw("lineups/8652"))

    assert "Hologram" in set(model.events["type"])
    assert model.formations[events[0]["team"]["id"]] == "3511111"
    assert render(model).errors == {}


def test_shot_end_location_two_or_three_values():
    events = copy.deepcopy(raw_events(8652))
    shots = [e for e in events if e["type"]["name"] == "Shot"]
    shots[0]["shot"]["end_location"] = shots[0]["shot"]["end_location"][:2]
    shots[1]["shot"]["end_location"] = shots[1]["shot"]["end_location"][:2] + [1.5]
    model = build_match_model(match_entries()[8652], events, read_raw("lineups/8652"))

    assert render(model).errors == {}


@pytest.mark.slow
def test_killed_worker_costs_only_its_match(tmp_path):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    source = CrashingSource(DATA_DIR, crash_match_id=7581)

    summary = run_etl(source=source, data_dir=DATA_DIR, match_ids=[8652, 7581, 3788741, 15986], plots=PLOTS,
                      max_workers=2, batch_size=4, database_url=url, progress=False)

    assert summary.failed_match_ids == [7581]
    assert summary.failures[0]["stage"] == "worker"
    assert _stored_matches(url) == {8652, 3788741, 15986}


def _variations():
    """Real events of one match with random keys removed or set to odd values."""
    events = raw_events(8652)
    odd_values = st.sampled_from([None, "", 0, -1, 1e9, [], {}, [1.0], "x", True])
    keys = st.sampled_from(["location", "timestamp", "period", "type", "team", "player", "pass", "shot",
                            "possession_team", "minute", "index", "tactics", "duel", "substitution"])
    change = st.tuples(st.integers(0, len(events) - 1), keys, st.one_of(st.just("delete"), odd_values))
    return st.lists(change, min_size=1, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=_variations())
def test_processor_returns_model_or_data_error(changes):
    events = [dict(e) for e in raw_events(8652)]
    for position, key, value in changes:
        if value == "delete":
            events[position].pop(key, None)
        else:
            events[position][key] = value

    try:
        model = build_match_model(match_entries()[8652], events, read_raw("lineups/8652"))
    except DataError as error:
        assert "8652" in str(error)
        return
    assert len(model.events) == len(events)


def test_hostile_names_escaped_in_figures():
    entry = copy.deepcopy(match_entries()[3788741])
    entry["home_team"]["home_team_name"] = "<script>alert('home')</script>"
    events = copy.deepcopy(raw_events(3788741))
    for event in events:
        if event.get("player"):
            event["player"]["name"] = "<img src=x onerror=alert(1)>"
    model = build_match_model(entry, events, read_raw("lineups/3788741"), read_raw("three-sixty/3788741"))

    result = render(model)

    assert result.errors == {}
    for plot_type, figure in result.figures.items():
        assert b"<script" not in figure, plot_type
        assert b"<img" not in figure, plot_type


def test_database_password_not_logged_or_stored(tmp_path, postgres_url, caplog):
    secret_url = postgres_url.replace("postgres@", "postgres:hunter2-secret@")
    caplog.set_level(logging.INFO)

    summary = run_etl(data_dir=DATA_DIR, match_ids=[8652], plots=["xg_flow"], max_workers=1,
                      database_url=secret_url, progress=False)

    assert summary.matches_failed == 0
    assert "hunter2" not in caplog.text
    assert "hunter2" not in str(summary.as_dict()) + str(summary.configuration)
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        stored = " ".join(str(row) for row in connection.execute(text("SELECT * FROM etl_runs")))
    engine.dispose()
    assert "hunter2" not in stored


def test_api_credentials_not_logged_or_stored(tmp_path, monkeypatch, caplog):
    from tests.http_server import serve_open_data

    monkeypatch.setenv("SB_USERNAME", "analyst@example.org")
    monkeypatch.setenv("SB_PASSWORD", "s3cret-pass")
    caplog.set_level(logging.INFO)
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    with serve_open_data(DATA_DIR) as server:
        run_etl(open_data_url=server.url, match_ids=[8652], plots=["xg_flow"], max_workers=1,
                database_url=url, progress=False)

    engine = create_engine(url)
    with engine.connect() as connection:
        stored = " ".join(str(row) for row in connection.execute(text("SELECT * FROM etl_runs")))
    engine.dispose()
    assert "s3cret-pass" not in caplog.text + stored


@pytest.mark.slow
def test_mixed_folder_stores_good_lists_broken(tmp_path):
    broken = {990001: (8652, b"[{\"truncated"), 990002: (7581, b"[]"), 990003: (15986, b"not json at all")}
    entries = orjson.loads(gzip.decompress((DATA_DIR / "matches/43/3.json.gz").read_bytes()))
    by_id = {entry["match_id"]: entry for entries_file in [entries] for entry in entries_file}
    by_id.update({e["match_id"]: e for e in orjson.loads(gzip.decompress((DATA_DIR / "matches/11/4.json.gz").read_bytes()))})
    replace = {}
    extra = []
    for new_id, (original, content) in broken.items():
        copy_entry = copy.deepcopy(by_id[original])
        copy_entry["match_id"] = new_id
        extra.append(copy_entry)
        replace[f"events/{new_id}.json"] = content
        replace[f"lineups/{new_id}.json"] = gzip.decompress((DATA_DIR / f"lineups/{original}.json.gz").read_bytes())
    replace["matches/43/3.json"] = orjson.dumps(entries + extra)
    data_dir = make_data_dir(tmp_path / "data", ALL_MATCH_IDS, replace=replace)
    url = f"sqlite:///{tmp_path / 'plots.db'}"

    result = subprocess.run(
        [sys.executable, "-m", "matchkit", "etl", "--data-dir", str(data_dir), "--database-url", url,
         "--max-workers", "2", "--no-progress"],
        cwd=REPO, capture_output=True, text=True, timeout=1200,
    )

    assert result.returncode == 1
    assert _stored_matches(url) == set(ALL_MATCH_IDS)
    failures = _failures(url)
    assert [row[0] for row in failures] == sorted(broken)
    for match_id, _, message in failures:
        assert str(match_id) in message
    assert "failed match ids: 990001, 990002, 990003" in result.stderr
    assert "Traceback" not in result.stderr
