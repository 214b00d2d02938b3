"""The ETL runner end to end on real matches: storage, idempotency, isolation, parameters."""

from __future__ import annotations

import gzip

import plotly.io as pio
import pytest
from sqlalchemy import create_engine, text

from matchkit.cli import main
from matchkit.errors import ParameterError
from matchkit.etl import EtlConfig, run_etl
from matchkit.plots import REGISTRY
from matchkit.storage import decode_figure
from tests.conftest import DATA_DIR
from tests.datadir import make_data_dir

MATCHES = [3788741, 15986, 8652]
CORE_PLOTS = [
    "heatmap_home", "heatmap_away", "possession_heatmap_home", "possession_heatmap_away",
    "shot_map", "xg_flow", "pass_network_home", "pass_network_away",
]


def _rows(url: str, query: str) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = list(connection.execute(text(query)))
    engine.dispose()
    return rows


def test_core_plot_types_registered():
    assert set(CORE_PLOTS) <= set(REGISTRY)


def test_run_stores_every_plot_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    summary = run_etl(data_dir=DATA_DIR, match_ids=MATCHES, batch_size=2, max_workers=2, database_url=url, progress=False)

    assert summary.matches_failed == 0
    assert summary.matches_succeeded == 3
    stored = _rows(url, "SELECT match_id, plot_type, figure, figure_codec FROM match_plots")
    assert {(m, p) for m, p, _, _ in stored} >= {(m, p) for m in MATCHES for p in CORE_PLOTS}
    for _, _, figure, codec in stored:
        pio.from_json(decode_figure(figure, codec))

    again = run_etl(data_dir=DATA_DIR, match_ids=MATCHES, batch_size=3, max_workers=1, database_url=url,
                    full_refresh=True, progress=False)

    assert again.matches_failed == 0
    assert again.matches_processed == 3
    assert again.matches_new == 0
    assert again.matches_unchanged == 3
    assert len(_rows(url, "SELECT 1 FROM match_plots")) == len(stored)
    assert _rows(url, "SELECT match_id, plot_type, COUNT(*) FROM match_plots GROUP BY 1, 2 HAVING COUNT(*) > 1") == []
    runs = _rows(url, "SELECT status, matches_succeeded FROM etl_runs ORDER BY run_id")
    assert runs == [("succeeded", 3), ("succeeded", 3)]


def test_matches_table_holds_entry_facts(tmp_path):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    run_etl(data_dir=DATA_DIR, match_ids=[3788741], plots=CORE_PLOTS[:1], max_workers=1, database_url=url, progress=False)

    row = _rows(url, "SELECT competition_id, season_id, match_date, home_team, away_team, home_score, away_score, "
                     "last_updated FROM matches")
    assert row == [(55, 43, "2021-06-11", "Turkey", "Italy", 0, 3, "2021-06-12T12:49:02.070")]


def test_corrupt_events_file_isolated(tmp_path):
    raw = gzip.decompress((DATA_DIR / "events/15986.json.gz").read_bytes())
    data_dir = make_data_dir(tmp_path / "data", MATCHES, replace={"events/15986.json": raw[: len(raw) // 2]})
    url = f"sqlite:///{tmp_path / 'plots.db'}"

    summary = run_etl(data_dir=data_dir, match_ids=MATCHES, plots=CORE_PLOTS, batch_size=3, max_workers=2,
                      database_url=url, progress=False)

    assert summary.failed_match_ids == [15986]
    assert summary.matches_succeeded == 2
    failures = _rows(url, "SELECT match_id, stage, message FROM etl_failures")
    assert len(failures) == 1
    assert failures[0][0] == 15986
    assert "15986" in failures[0][2]
    stored = {m for (m,) in _rows(url, "SELECT DISTINCT match_id FROM match_plots")}
    assert stored == {3788741, 8652}


def test_failed_plot_keeps_stored_rows(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    run_etl(data_dir=DATA_DIR, match_ids=[8652], plots=["shot_map"], max_workers=1, database_url=url, progress=False)
    before = _rows(url, "SELECT figure FROM match_plots")

    def broken(model):
        raise RuntimeError("drawing failed")

    # The threading backend shares this process's registry, so the patched plot is used.
    spec = REGISTRY["shot_map"]
    monkeypatch.setitem(REGISTRY, "shot_map", type(spec)(spec.plot_type, broken, spec.version, spec.title))
    summary = run_etl(data_dir=DATA_DIR, match_ids=[8652], plots=["shot_map"], backend="threading", max_workers=1,
                      database_url=url, full_refresh=True, progress=False)

    assert summary.failed_match_ids == [8652]
    assert "shot_map" in summary.failures[0]["message"]
    assert _rows(url, "SELECT figure FROM match_plots") == before


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"batch_size": 0}, "batch_size must be at least 1"),
        ({"max_workers": -2}, "max_workers must be at least 1"),
        ({"backend": "spark"}, "accepted values: loky, threading"),
        ({"match_ids": "../x"}, "match_ids must be a whole number"),
        ({"match_ids": "__import__('os')"}, "match_ids must be a whole number"),
        ({"plots": "heatmap_home,radar"}, "unknown plot type"),
        ({"data_dir": "/nonexistent/open-data"}, "data_dir '/nonexistent/open-data' does not exist"),
        ({"competition_id": 43}, "competition_id and season_id go together"),
        ({"limit": "ten"}, "limit must be a whole number"),
        ({"database_url": "not a url"}, "not a valid SQLAlchemy URL"),
    ],
)
def test_bad_parameter_rejected(params, message):
    with pytest.raises(ParameterError, match=message):
        config = EtlConfig.from_values(**params)
        run_etl(config)


def test_database_password_not_in_run_configuration():
    config = EtlConfig.from_values(database_url="postgresql+psycopg://user:s3cret@127.0.0.1/test")
    assert "s3cret" not in str(config.public())


def test_cli_exits_nonzero_and_lists_failed_ids(tmp_path, capsys):
    data_dir = make_data_dir(tmp_path / "data", [3788741], replace={"events/8652.json": b"[{"})
    url = f"sqlite:///{tmp_path / 'plots.db'}"

    status = main(["etl", "--data-dir", str(data_dir), "--match-ids", "3788741,8652", "--plots", "shot_map",
                   "--max-workers", "1", "--database-url", url, "--no-progress"])

    assert status == 1
    err = capsys.readouterr().err
    assert "failed match ids: 8652" in err
    assert "Traceback" not in err


def test_cli_rejects_bad_parameter_without_traceback(capsys):
    status = main(["etl", "--batch-size", "0", "--data-dir", str(DATA_DIR)])

    assert status == 2
    assert "batch_size must be at least 1" in capsys.readouterr().err


def test_cli_reads_parameters_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    params = tmp_path / "run.yaml"
    params.write_text(f"data_dir: {DATA_DIR}\nmatch_ids: [3788741]\nplots: [xg_flow]\nmax_workers: 1\n"
                      f"database_url: {url}\nprogress: false\n")

    assert main(["etl", "-f", str(params)]) == 0
    assert _rows(url, "SELECT match_id, plot_type FROM match_plots") == [(3788741, "xg_flow")]
