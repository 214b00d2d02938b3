"""The ETL on the online source: statsbombpy against a local open-data server, with the response cache."""

from __future__ import annotations


from matchkit.etl import run_etl
from tests.stored import stored_figures
from tests.conftest import DATA_DIR
from tests.http_server import open_data_server  # noqa: F401  (pytest fixture)

MATCHES = [3788741, 8652, 15986]
PLOTS = ["shot_map", "xg_flow", "freeze_frame_360"]




def test_online_run_matches_local_run(tmp_path, open_data_server):
    online_url = f"sqlite:///{tmp_path / 'online.db'}"
    local_url = f"sqlite:///{tmp_path / 'local.db'}"

    online = run_etl(open_data_url=open_data_server.url, match_ids=MATCHES, plots=PLOTS, max_workers=2,
                     database_url=online_url, progress=False)
    run_etl(data_dir=DATA_DIR, match_ids=MATCHES, plots=PLOTS, max_workers=2, database_url=local_url, progress=False)

    assert online.matches_failed == 0
    assert stored_figures(online_url) == stored_figures(local_url)
    assert open_data_server.count("events/3788741.json") == 1


def test_cached_second_run_makes_no_request(tmp_path, open_data_server):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    settings = {"open_data_url": open_data_server.url, "match_ids": MATCHES, "plots": PLOTS, "max_workers": 2,
                "database_url": url, "cache_dir": tmp_path / "cache", "progress": False}

    first = run_etl(**settings)
    requests_after_first = open_data_server.count()
    second = run_etl(**settings, full_refresh=True)

    assert first.matches_failed == 0
    assert requests_after_first > 0
    assert second.matches_processed == len(MATCHES)
    assert open_data_server.count() == requests_after_first


def test_offline_run_reads_cache_only(tmp_path, open_data_server):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    cache = tmp_path / "cache"
    run_etl(open_data_url=open_data_server.url, match_ids=MATCHES[:1], plots=PLOTS, max_workers=1,
            database_url=url, cache_dir=cache, progress=False)
    before = open_data_server.count()

    summary = run_etl(open_data_url=open_data_server.url, match_ids=MATCHES[:1], plots=PLOTS, max_workers=1,
                      database_url=url, cache_dir=cache, offline=True, full_refresh=True, progress=False)

    assert summary.matches_failed == 0
    assert open_data_server.count() == before
