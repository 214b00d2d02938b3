"""Incremental, resumable runs, compressed storage, the query API and schema migrations."""

from __future__ import annotations

import gzip
import os
import signal
import sqlite3
import subprocess
import sys
import time

import orjson
import plotly.graph_objects as go
import pytest
from sqlalchemy import create_engine, text

from matchkit.etl import run_etl
from matchkit.plots import REGISTRY
from matchkit.storage import Store
from matchkit.storage.migrate import current_revision, head_revision
from tests.stored import stored_figures
from tests.conftest import DATA_DIR, REPO
from tests.datadir import make_data_dir

MATCHES = [3788741, 15986, 8652, 7581, 9880, 19755]
PLOTS = ["shot_map", "xg_flow", "heatmap_home", "freeze_frame_360"]




def _run(url: str, data_dir=DATA_DIR, **params):
    values = {"data_dir": data_dir, "match_ids": MATCHES, "plots": PLOTS, "batch_size": 2, "max_workers": 2,
              "database_url": url, "progress": False}
    values.update(params)
    return run_etl(**values)


def test_second_run_processes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    first = _run(url)
    second = _run(url)

    assert first.matches_new == len(MATCHES)
    assert first.matches_processed == len(MATCHES)
    assert second.matches_processed == 0
    assert second.matches_unchanged == len(MATCHES)
    assert second.plots_written == 0


def test_skipped_360_plot_not_retried(tmp_path):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    first = _run(url, match_ids=[15986, 3788741])
    figures = stored_figures(url)

    assert (3788741, "freeze_frame_360") in figures
    assert (15986, "freeze_frame_360") not in figures
    assert first.plots_skipped == 1
    assert _run(url, match_ids=[15986, 3788741]).matches_processed == 0


def test_version_bump_reruns_only_that_plot(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    _run(url)
    before = stored_figures(url)

    spec = REGISTRY["xg_flow"]
    monkeypatch.setitem(REGISTRY, "xg_flow", type(spec)(spec.plot_type, spec.function, spec.version + 1, spec.title))
    summary = _run(url)

    assert summary.matches_changed == len(MATCHES)
    assert summary.plots_written == len(MATCHES)
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT plot_type, MAX(plot_version) FROM match_plots GROUP BY 1"))
        versions = {plot_type: version for plot_type, version in rows}
    engine.dispose()
    assert versions["xg_flow"] == spec.version + 1
    assert versions["shot_map"] == REGISTRY["shot_map"].version
    assert stored_figures(url) == before


def test_newer_last_updated_reprocesses_match(tmp_path):
    matches_file = DATA_DIR / "matches/43/3.json.gz"
    entries = orjson.loads(gzip.decompress(matches_file.read_bytes()))
    for entry in entries:
        if entry["match_id"] == 8652:
            entry["last_updated"] = "2099-01-01T00:00:00.000"
    data_dir = make_data_dir(tmp_path / "data", MATCHES)
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    _run(url)

    (data_dir / "matches/43/3.json.gz").unlink()
    (data_dir / "matches/43/3.json").write_bytes(orjson.dumps(entries))
    summary = _run(url, data_dir=data_dir)

    assert summary.matches_changed == 1
    assert summary.matches_processed == 1
    assert summary.matches_unchanged == len(MATCHES) - 1


def test_failed_match_retried_next_run(tmp_path):
    raw = gzip.decompress((DATA_DIR / "events/7581.json.gz").read_bytes())
    data_dir = make_data_dir(tmp_path / "data", MATCHES, replace={"events/7581.json": raw[:1000]})
    url = f"sqlite:///{tmp_path / 'plots.db'}"

    first = _run(url, data_dir=data_dir)
    (data_dir / "events/7581.json").write_bytes(raw)
    second = _run(url, data_dir=data_dir)

    assert first.failed_match_ids == [7581]
    assert second.matches_retried == 1
    assert second.matches_processed == 1
    assert second.matches_failed == 0
    assert {m for m, _ in stored_figures(url)} == set(MATCHES)


def _cli(url: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "matchkit", "etl", "--data-dir", str(DATA_DIR), "--database-url", url,
            "--batch-size", "2", "--max-workers", "2", "--no-progress", *extra]


def _wait_for_plots(path, timeout: float = 120.0) -> None:
    """Wait until the first batch is committed, read through a separate SQLite connection."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(path) as connection:
                if connection.execute("SELECT COUNT(*) FROM match_plots").fetchone()[0] > 0:
                    return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    raise AssertionError("no batch was committed in time")


def _kill_group(pid: int) -> None:
    """Stop whatever is left of the run's process group, such as orphaned workers."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGINT])
def test_stopped_run_resumes_to_same_rows(tmp_path, stop_signal):
    reference_url = f"sqlite:///{tmp_path / 'reference.db'}"
    _run(reference_url, match_ids=None, limit=14, plots=None)

    path = tmp_path / "resumed.db"
    url = f"sqlite:///{path}"
    out_path, err_path = tmp_path / "out.txt", tmp_path / "err.txt"
    # Output goes to files, not pipes: workers orphaned by SIGKILL would keep pipes open.
    with open(out_path, "w") as out_file, open(err_path, "w") as err_file:
        process = subprocess.Popen(_cli(url, "--limit", "14"), cwd=REPO, stdout=out_file, stderr=err_file,
                                   start_new_session=True)
        try:
            _wait_for_plots(path)
            process.send_signal(stop_signal)
            process.wait(timeout=120)
        finally:
            _kill_group(process.pid)
    out, err = out_path.read_text(), err_path.read_text()

    stored = stored_figures(url)
    assert 0 < len({m for m, _ in stored}) < 14
    if stop_signal == signal.SIGINT:
        assert process.returncode == 130
        assert "interrupted" in out
        assert "Traceback" not in err

    resumed = subprocess.run(_cli(url, "--limit", "14"), cwd=REPO, capture_output=True, text=True, timeout=300)

    assert resumed.returncode == 0, resumed.stderr
    assert "0 new" not in resumed.stdout
    assert stored_figures(url) == stored_figures(reference_url)


def test_figures_stored_compressed(tmp_path):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    _run(url, plots=None, match_ids=[3788741])
    sizes = Store(url).plot_sizes()

    assert sizes["matches"] == 1
    assert sizes["stored_bytes"] * 3 < sizes["json_bytes"]
    assert sizes["saved_bytes_per_match"] > 0


def test_uncompressed_figures_are_plain_json(tmp_path):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    _run(url, match_ids=[8652], plots=["xg_flow"], compression="none")
    engine = create_engine(url)
    with engine.connect() as connection:
        figure, codec = connection.execute(text("SELECT figure, figure_codec FROM match_plots")).one()
    engine.dispose()

    assert codec == "none"
    assert orjson.loads(figure)["layout"]["title"]


def test_query_api_reads_back_plots(tmp_path):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    _run(url)
    store = Store(url)

    assert isinstance(store.load_plot(8652, "xg_flow"), go.Figure)
    assert store.list_plots(15986) == sorted(p for p in PLOTS if p != "freeze_frame_360")
    assert [m["match_id"] for m in store.list_matches(competition_id=55, season_id=43)] == [3788741]
    assert {m["match_id"] for m in store.list_matches(team="Barcelona")} == {9880, 15986}
    assert {m["match_id"] for m in store.list_matches(date_from="2018-06-30", date_to="2018-07-01")} == {7581}
    assert store.runs()[0]["status"] == "succeeded"
    with pytest.raises(KeyError, match="no plot 'radar' stored for match 8652"):
        store.load_plot(8652, "radar")


def test_first_schema_upgrades_in_place(tmp_path):
    path = tmp_path / "old.db"
    figure = orjson.dumps({"data": [], "layout": {"title": {"text": "stored by 0.1.0"}}}).decode()
    with sqlite3.connect(path) as connection:
        connection.executescript((REPO / "tests/fixtures/schema-0.1.0-sqlite.sql").read_text())
        connection.execute("INSERT INTO matches (match_id, home_team, away_team, updated_at) "
                           "VALUES (8652, 'France', 'Croatia', '2024-01-01 00:00:00')")
        connection.execute("INSERT INTO match_plots (match_id, plot_type, plot_version, figure, created_at, updated_at) "
                           "VALUES (8652, 'xg_flow', 1, ?, '2024-01-01 00:00:00', '2024-01-01 00:00:00')", (figure,))
    url = f"sqlite:///{path}"

    store = Store(url)

    assert current_revision(store.engine) == head_revision()
    assert store.load_plot(8652, "xg_flow").layout.title.text == "stored by 0.1.0"
    summary = _run(url, match_ids=[8652], plots=["xg_flow", "shot_map"])
    assert summary.matches_failed == 0
    assert summary.matches_processed == 1
    assert set(stored_figures(url)) == {(8652, "xg_flow"), (8652, "shot_map")}
