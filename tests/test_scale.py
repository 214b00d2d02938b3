"""PostgreSQL as the shared store, concurrent runs, and Dask as the engine."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading

import papermill as pm
import pytest
from alembic import command
from sqlalchemy import create_engine, text

from matchkit.etl import run_etl
from matchkit.storage import DatabaseUnavailable, PlotRow, Store
from matchkit.storage.migrate import alembic_config, current_revision, head_revision
from tests.stored import stored_figures
from tests.conftest import DATA_DIR, REPO
from tests.databases import database_url, postgres_url  # noqa: F401  (pytest fixtures)

MATCHES = [3788741, 15986, 8652, 7581]
PLOTS = ["shot_map", "xg_flow", "pass_network_home", "freeze_frame_360"]




def _duplicates(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = list(connection.execute(text(
            "SELECT match_id, plot_type, COUNT(*) FROM match_plots GROUP BY match_id, plot_type HAVING COUNT(*) > 1"
        )))
    engine.dispose()
    return rows


def _etl(url: str, **params):
    values = {"data_dir": DATA_DIR, "match_ids": MATCHES, "plots": PLOTS, "batch_size": 2, "max_workers": 2,
              "database_url": url, "progress": False}
    values.update(params)
    return run_etl(**values)


def test_postgres_stores_same_rows_as_sqlite(tmp_path, postgres_url):
    sqlite_url = f"sqlite:///{tmp_path / 'plots.db'}"
    _etl(sqlite_url)
    first = _etl(postgres_url)
    second = _etl(postgres_url, full_refresh=True)

    assert first.matches_failed == 0
    assert second.matches_processed == len(MATCHES)
    assert stored_figures(postgres_url) == stored_figures(sqlite_url)
    assert _duplicates(postgres_url) == []


def test_postgres_incremental_second_run_skips(postgres_url):
    _etl(postgres_url)
    again = _etl(postgres_url)

    assert again.matches_processed == 0
    assert again.matches_unchanged == len(MATCHES)


def test_postgres_first_schema_upgrades_in_place(postgres_url):
    engine = create_engine(postgres_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(text("INSERT INTO matches (match_id, home_team, away_team, updated_at) "
                                "VALUES (8652, 'France', 'Croatia', now())"))
        connection.execute(text(
            "INSERT INTO match_plots (match_id, plot_type, plot_version, figure, created_at, updated_at) "
            "VALUES (8652, 'xg_flow', 1, '{\"data\": [], \"layout\": {}}', now(), now())"
        ))
    engine.dispose()

    store = Store(postgres_url)

    assert current_revision(store.engine) == head_revision()
    assert store.load_figure_json(8652, "xg_flow") == '{"data": [], "layout": {}}'
    store.dispose()


def _cli(url: str, match_ids: list[int]) -> list[str]:
    return [sys.executable, "-m", "matchkit", "etl", "--data-dir", str(DATA_DIR), "--database-url", url,
            "--match-ids", ",".join(map(str, match_ids)), "--plots", ",".join(PLOTS), "--batch-size", "1",
            "--max-workers", "1", "--full-refresh", "--no-progress"]


@pytest.mark.slow
def test_concurrent_runs_keep_one_row_per_plot(database_url):
    first_ids = [3788741, 15986, 8652, 7581, 9880]
    second_ids = [7581, 9880, 3788741, 19755, 7444]
    Store(database_url).dispose()

    runs = [subprocess.Popen(_cli(database_url, ids), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for ids in (first_ids, second_ids)]
    results = [run.communicate(timeout=600) for run in runs]

    for run, (out, err) in zip(runs, results):
        assert run.returncode == 0, err
    stored = stored_figures(database_url)
    expected_matches = set(first_ids) | set(second_ids)
    assert {m for m, _ in stored} == expected_matches
    assert _duplicates(database_url) == []
    assert len(stored) == sum(1 for m in expected_matches for p in PLOTS if p != "freeze_frame_360" or m == 3788741)


def test_locked_sqlite_gives_clear_error_and_writes_nothing(tmp_path):
    path = tmp_path / "plots.db"
    store = Store(f"sqlite:///{path}", write_timeout=1.5)
    run_id = store.start_run({})
    blocker = sqlite3.connect(path, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")

    with pytest.raises(DatabaseUnavailable, match=r"stayed locked or unreachable .* nothing of it is half-written"):
        store.write_batch(run_id, [{"match_id": 1, "home_team": "A", "away_team": "B"}],
                          [PlotRow(1, "xg_flow", 1, b"{}")], [])

    blocker.rollback()
    blocker.close()
    assert store.count_plots() == 0
    store.dispose()


def test_briefly_locked_sqlite_batch_retried(tmp_path):
    path = tmp_path / "plots.db"
    store = Store(f"sqlite:///{path}", write_timeout=60)
    run_id = store.start_run({})
    blocker = sqlite3.connect(path, timeout=0, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(2.0, blocker.rollback)
    release.start()

    written = store.write_batch(run_id, [{"match_id": 1, "home_team": "A", "away_team": "B"}],
                                [PlotRow(1, "xg_flow", 1, b"{}")], [])

    release.join()
    blocker.close()
    assert written == 1
    assert store.count_plots() == 1
    store.dispose()


def test_unreachable_postgres_rejected_with_clear_error():
    from matchkit.errors import ParameterError

    with pytest.raises(ParameterError, match="cannot open database postgresql\\+psycopg://postgres:\\*\\*\\*@127.0.0.1:9"):
        Store("postgresql+psycopg://postgres:secret@127.0.0.1:9/none")


@pytest.mark.slow
def test_dask_local_cluster_stores_same_rows_as_loky(tmp_path):
    loky_url = f"sqlite:///{tmp_path / 'loky.db'}"
    dask_url = f"sqlite:///{tmp_path / 'dask.db'}"
    _etl(loky_url)
    summary = _etl(dask_url, backend="dask")

    assert summary.matches_failed == 0
    assert stored_figures(dask_url) == stored_figures(loky_url)


@pytest.mark.slow
def test_dask_scheduler_address_used(tmp_path):
    from dask.distributed import LocalCluster

    url = f"sqlite:///{tmp_path / 'dask.db'}"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        summary = _etl(url, backend="dask", dask_address=cluster.scheduler_address)

    assert summary.matches_succeeded == len(MATCHES)
    assert len(stored_figures(url)) == 3 * len(MATCHES) + 1


@pytest.mark.slow
def test_etl_notebook_with_dask_and_postgres(tmp_path, postgres_url):
    sqlite_url = f"sqlite:///{tmp_path / 'plots.db'}"
    _etl(sqlite_url, plots=None)

    pm.execute_notebook(
        str(REPO / "notebooks" / "etl.ipynb"), str(tmp_path / "out.ipynb"), kernel_name="python3", cwd=str(REPO),
        parameters={"data_dir": str(DATA_DIR), "match_ids": ",".join(map(str, MATCHES)), "batch_size": 2,
                    "max_workers": 2, "backend": "dask", "database_url": postgres_url, "progress": False},
    )

    assert stored_figures(postgres_url) == stored_figures(sqlite_url)
