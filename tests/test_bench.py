"""The benchmark: the baseline stores the ETL's figures, the runner's record, and the notebooks."""

from __future__ import annotations

import json

import papermill as pm
import pytest
import yaml

from matchkit.bench.baseline import run_baseline
from matchkit.bench.benchmark import run_benchmark, write_result
from matchkit.bench.runner import STAGES, parse_grid
from matchkit.bench.tuning import choose
from matchkit.errors import ParameterError
from matchkit.etl import EtlConfig, run_etl
from matchkit.sources import LocalSource, select_matches
from matchkit.storage import Store
from tests.conftest import DATA_DIR, REPO
from tests.http_server import serve_open_data

# Euro 2020 Turkey v Italy (360 data), a World Cup 2018 shoot-out, and a Women's World Cup 2019
# match with an xG of exactly 0 on a goal.
MATCHES = [3788741, 8652, 68357]
PLOTS = ["shot_map", "xg_flow", "pass_network_home", "average_positions_away", "shot_freeze_frames", "freeze_frame_360"]


def _figures(url: str, match_ids: list[int]) -> dict[tuple[int, str], str]:
    store = Store(url)
    try:
        return {
            (match_id, plot_type): store.load_figure_json(match_id, plot_type)
            for match_id in match_ids for plot_type in store.list_plots(match_id)
        }
    finally:
        store.dispose()


def test_baseline_stores_etl_figures(tmp_path):
    entries = select_matches(LocalSource(DATA_DIR), match_ids=MATCHES)
    baseline_url = f"sqlite:///{tmp_path / 'baseline.db'}"
    etl_url = f"sqlite:///{tmp_path / 'etl.db'}"

    with serve_open_data(DATA_DIR, cache=True) as server:
        result = run_baseline(server.url, entries, PLOTS, baseline_url)
        events_requests = server.count(f"events/{MATCHES[0]}.json")
    run_etl(data_dir=DATA_DIR, match_ids=MATCHES, plots=PLOTS, batch_size=3, max_workers=1,
            database_url=etl_url, progress=False)

    baseline, etl = _figures(baseline_url, MATCHES), _figures(etl_url, MATCHES)
    assert result.plots_failed == 0
    assert events_requests == len(PLOTS)
    assert (MATCHES[0], "freeze_frame_360") in etl
    assert len(etl) >= len(MATCHES) * (len(PLOTS) - 2)
    assert baseline.keys() == etl.keys()
    for key, figure in etl.items():
        assert baseline[key] == figure, key


def test_grid_rejects_malformed_entries():
    assert parse_grid("10x2, 20X4,10x2") == [(10, 2), (20, 4)]
    for text in ("10", "0x2", "10x", "axb", ""):
        with pytest.raises(ParameterError):
            parse_grid(text)


def test_tuning_skips_failed_and_oversized_settings():
    def row(label, speed, worker_mb, backend="loky", failed_runs=0):
        return {"label": label, "backend": backend, "max_workers": 2, "matches_per_second": speed,
                "worker_peak_rss_max_mb": worker_mb, "parent_peak_rss_mb": 2 * worker_mb,
                "failed_runs": failed_runs, "matches_failed": 0}

    grid = [row("fast but large", 9.0, 400), row("crashed once", 8.0, 100, "threading", failed_runs=1),
            row("chosen", 5.0, 250), row("slow", 2.0, 120)]

    assert choose(grid, memory_limit_mb=300)["label"] == "chosen"
    assert choose(grid, memory_limit_mb=50) is None


def _check_record(record: dict, matches: int) -> None:
    assert record["machine"]["usable_cores"] >= 1
    assert record["machine"]["cpu_model"]
    assert record["machine"]["packages"]["pandas"]
    assert record["data"]["matches"] == matches

    baseline = record["baseline"]
    assert baseline["failed_runs"] == 0
    assert baseline["seconds"] > 0
    assert baseline["matches_per_second"] > 0
    assert baseline["stored_bytes_per_match"] > 0

    for floor in record["floor"]:
        assert floor["failed_runs"] == 0
        assert floor["seconds"] > 0
        assert floor["runs"][0]["events"] > 0

    for row in record["grid"]:
        assert row["failed_runs"] == 0
        assert row["matches"] == matches
        assert row["matches_failed"] == 0
        assert row["matches_per_second"] > 0
        assert set(row["stage_seconds"]) == set(STAGES)
        assert all(row["stage_seconds"][stage] > 0 for stage in STAGES)
        assert row["worker_peak_rss_max_mb"] > 0
        assert row["parent_peak_rss_mb"] > 0
        assert row["stored_bytes_per_match"] > 0
        assert row["runs"][0]["worker_peak_rss_mb"]

    assert [row["matches"] for row in record["memory"]] == [1, matches]
    assert all(row["worker_peak_rss_max_mb"] > 0 for row in record["memory"])
    summary = record["summary"]
    assert summary["speedup_over_baseline"] > 0
    assert summary["ratio_to_floor"] > 0
    assert {target["name"] for target in summary["targets"]} == {
        "matches_per_second", "speedup_over_baseline", "ratio_to_floor", "worker_peak_rss_mb", "worker_memory_growth",
    }


def test_benchmark_record_is_complete(tmp_path):
    record = run_benchmark(
        DATA_DIR, match_ids=MATCHES[:2], grid="2x2", backends="loky", repeats=1, baseline_matches=1,
        memory_matches="1,2", profile_matches=1, plots=PLOTS[:3],
    )
    path = write_result(record, tmp_path / "benchmark.json")

    _check_record(json.loads(path.read_text()), matches=2)
    assert record["profile"]["top_self"]
    assert set(record["profile"]["plot_type_seconds_per_match"]) == set(PLOTS[:3])


def _html(notebook) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(exclude_input=True).from_filename(str(notebook))
    return body


@pytest.mark.slow
def test_notebooks_write_results_and_reports(tmp_path):
    bench_json = tmp_path / "benchmark.json"
    pm.execute_notebook(
        str(REPO / "notebooks" / "benchmark.ipynb"), str(tmp_path / "benchmark-out.ipynb"), kernel_name="python3",
        cwd=str(REPO), parameters={
            "data_dir": str(DATA_DIR), "match_ids": "3788741,8652", "grid": "2x2", "backends": "loky", "repeats": 1,
            "baseline_matches": 1, "memory_matches": "1,2", "profile_matches": 1, "plots": ",".join(PLOTS[:3]),
            "out": str(bench_json),
        },
    )
    params = tmp_path / "etl-tuned.yaml"
    pm.execute_notebook(
        str(REPO / "notebooks" / "tuning.ipynb"), str(tmp_path / "tuning-out.ipynb"), kernel_name="python3",
        cwd=str(REPO), parameters={
            "data_dir": str(DATA_DIR), "match_ids": "3788741,8652", "sample_matches": 2, "batch_sizes": "2",
            "max_workers": "1,2", "backends": "loky", "repeats": 1, "plots": ",".join(PLOTS[:3]),
            "database_url": "sqlite:///tuned.db", "params_out": str(params),
        },
    )

    _check_record(json.loads(bench_json.read_text()), matches=2)
    tuned = yaml.safe_load(params.read_text())
    assert set(tuned) == {"batch_size", "max_workers", "backend", "data_dir", "database_url"}
    assert tuned["database_url"] == "sqlite:///tuned.db"
    assert EtlConfig.from_values(**tuned).max_workers in (1, 2)

    for name in ("benchmark-out.ipynb", "tuning-out.ipynb"):
        html = _html(tmp_path / name)
        # plotly.js is embedded once, so the figures draw offline, and no code is shown.
        assert html.count("* plotly.js v") == 1
        assert "src=\"https://cdn.plot.ly" not in html
        assert "Plotly.newPlot" in html
        assert "import logging" not in html
