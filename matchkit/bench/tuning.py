"""Tuning: find the fastest ETL setting on this machine that stays within a memory limit per worker."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from matchkit.bench.machine import machine_info, usable_cores
from matchkit.bench.runner import (
    Configuration, measure_grid, parse_backends, parse_counts, select_match_ids, spread_sample,
)
from matchkit.errors import MatchkitError, ParameterError

logger = logging.getLogger("matchkit.bench")


def default_worker_counts(cores: int | None = None) -> list[int]:
    """Return 1, half the usable cores and all of them, without repeats."""
    cores = cores or usable_cores()
    return sorted({1, max(1, cores // 2), cores})


def memory_per_worker_mb(row: dict[str, Any]) -> float | None:
    """Return the peak memory per worker of a measured setting, in MB.

    With loky, each worker is a process and this is the largest worker's peak RSS. With
    threading, the workers share the parent process, so its peak RSS is divided among them.
    """
    if row.get("worker_peak_rss_max_mb") is None:
        return None
    if row["backend"] == "threading":
        return row["parent_peak_rss_mb"] / row["max_workers"]
    return row["worker_peak_rss_max_mb"]


def predicted_matches_per_second(row: dict[str, Any], matches_total: int) -> float | None:
    """Estimate a setting's throughput on ``matches_total`` matches from its runs on the sample.

    Starting the workers, opening the database and the first batch cost the same whatever
    the number of matches, so they count once. The other matches run at the rate of the
    sample's later batches. A sample of one batch gives no such rate, and then the
    sample's own throughput is returned.
    """
    if row["matches_per_second"] is None:
        return None
    later_matches = row["matches"] - min(row["batch_size"], row["matches"])
    later_seconds = row.get("later_batches_seconds") or 0.0
    if later_matches <= 0 or later_seconds <= 0:
        return row["matches_per_second"]

    fixed_seconds = row["seconds"] - later_seconds
    rate = later_matches / later_seconds
    first_matches = row["matches"] - later_matches
    seconds = fixed_seconds + max(matches_total - first_matches, 0) / rate
    return matches_total / seconds


def eligible(row: dict[str, Any], memory_limit_mb: float) -> bool:
    """Return whether a setting ran cleanly (no failed run, no failed match) within the memory limit."""
    memory = memory_per_worker_mb(row)
    return (
        row["matches_per_second"] is not None
        and row["failed_runs"] == 0
        and row.get("matches_failed", 0) == 0
        and memory is not None
        and memory <= memory_limit_mb
    )


def choose(grid: list[dict[str, Any]], memory_limit_mb: float) -> dict[str, Any] | None:
    """Return the eligible setting with the highest predicted throughput, or None when no setting is eligible.

    Rows without a prediction are ranked by their measured throughput.
    """
    candidates = [row for row in grid if eligible(row, memory_limit_mb)]
    if not candidates:
        return None
    return max(candidates, key=lambda row: row.get("predicted_matches_per_second") or row["matches_per_second"])


def tune(
    data_dir: str | os.PathLike[str],
    match_ids: Any = None,
    competition_id: int | None = None,
    season_id: int | None = None,
    sample_matches: int = 40,
    batch_sizes: Any = "5,10,20",
    max_workers: Any = None,
    backends: Any = "loky,threading",
    repeats: int = 2,
    memory_limit_mb: float = 300.0,
    plots: Any = None,
) -> dict[str, Any]:
    """Measure every batch size x worker count x backend on a sample of the selected matches.

    The sample is ``sample_matches`` matches spread over the selection. ``max_workers``
    None tries 1, half the usable cores and all of them. Each setting runs ``repeats``
    times in fresh processes on new databases. The choice goes by the throughput predicted
    for the whole selection, because the workers' start costs a small sample more than a
    full run. Returns the measurements and the chosen setting (None when no setting ran
    cleanly within ``memory_limit_mb`` per worker).
    """
    from matchkit.plots import resolve_plot_types

    if not Path(data_dir).is_dir():
        raise ParameterError(f"data_dir {str(data_dir)!r} does not exist or is not a folder; give a local open-data folder")
    memory_limit_mb = float(memory_limit_mb)
    if memory_limit_mb <= 0:
        raise ParameterError(f"memory_limit_mb must be positive, got {memory_limit_mb}")
    repeats = int(repeats)
    if repeats < 1:
        raise ParameterError(f"repeats must be at least 1, got {repeats}")

    selected = select_match_ids(str(data_dir), match_ids=match_ids, competition_id=competition_id, season_id=season_id)
    sample = spread_sample(selected, int(sample_matches))
    workers = default_worker_counts() if max_workers in (None, "", "none") else parse_counts(max_workers, "max_workers")
    settings = [
        Configuration(batch_size, worker_count, backend)
        for backend in parse_backends(backends)
        for worker_count in workers
        for batch_size in parse_counts(batch_sizes, "batch_sizes")
    ]
    plot_types = resolve_plot_types(plots)
    logger.info("tuning on %d of %d matches: %d settings x %d repeats, limit %.0f MB per worker",
                len(sample), len(selected), len(settings), repeats, memory_limit_mb)

    grid = measure_grid(str(Path(data_dir).resolve()), sample, settings, repeats, plot_types)
    for row in grid:
        row["memory_per_worker_mb"] = memory_per_worker_mb(row)
        row["predicted_matches_per_second"] = predicted_matches_per_second(row, len(selected))
        row["eligible"] = eligible(row, memory_limit_mb)
    choice = choose(grid, memory_limit_mb)
    return {
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "data": {"data_dir": str(data_dir), "selected_matches": len(selected), "sample_match_ids": sample,
                 "plot_types": plot_types},
        "settings": {"repeats": repeats, "memory_limit_mb": memory_limit_mb},
        "grid": grid,
        "choice": None if choice is None else {
            name: choice[name] for name in ("label", "batch_size", "max_workers", "backend", "matches_per_second",
                                            "predicted_matches_per_second", "memory_per_worker_mb")
        },
    }


def tuning_table(result: dict[str, Any]):
    """Return one row per setting: throughput, memory per worker and whether it may be chosen."""
    import pandas as pd

    choice = result["choice"]
    total = result["data"]["selected_matches"]
    rows = [
        {"setting": row["label"], "matches/s on the sample": row["matches_per_second"],
         f"predicted matches/s on {total}": row["predicted_matches_per_second"], "seconds": row["seconds"],
         "MB per worker": row["memory_per_worker_mb"], "failed runs": row["failed_runs"],
         "within limit": "yes" if row["eligible"] else "no",
         "chosen": "yes" if choice and row["label"] == choice["label"] else ""}
        for row in result["grid"]
    ]
    table = pd.DataFrame(rows).set_index("setting")
    return table.sort_values(f"predicted matches/s on {total}", ascending=False).round(2)


def tuning_figure(result: dict[str, Any]):
    """Draw throughput against memory per worker, one point per setting, with the limit as a line."""
    import plotly.graph_objects as go

    from matchkit.bench.charts import ETL_COLOR, FLOOR_COLOR, TARGET_COLOR

    rows = [row for row in result["grid"] if row["predicted_matches_per_second"] is not None]
    chosen = result["choice"]["label"] if result["choice"] else None
    figure = go.Figure(go.Scatter(
        x=[row["memory_per_worker_mb"] for row in rows], y=[row["predicted_matches_per_second"] for row in rows],
        mode="markers+text", text=[row["label"] for row in rows], textposition="top center",
        marker={"size": [16 if row["label"] == chosen else 10 for row in rows],
                "color": [ETL_COLOR if row["eligible"] else FLOOR_COLOR for row in rows]},
        hovertemplate="%{text}<br>%{y:.2f} matches/s<br>%{x:.0f} MB per worker<extra></extra>",
    ))
    figure.add_vline(x=result["settings"]["memory_limit_mb"], line_dash="dash", line_color=TARGET_COLOR,
                     annotation_text="memory limit per worker")
    figure.update_layout(title="Predicted throughput and memory per worker of each setting (blue: within the limit)",
                         xaxis_title="peak MB per worker",
                         yaxis_title=f"predicted matches per second on {result['data']['selected_matches']}",
                         template="plotly_white", height=460)
    return figure


def write_params(result: dict[str, Any], path: str | os.PathLike[str], data_dir: str | None,
                 database_url: str) -> Path:
    """Write the chosen setting as an ETL parameter file, with ``data_dir`` and ``database_url`` passed through.

    Raises MatchkitError when no setting was eligible, naming the limit to raise.
    """
    choice = result["choice"]
    if choice is None:
        raise MatchkitError(
            f"no setting ran cleanly within {result['settings']['memory_limit_mb']:g} MB per worker; "
            "raise memory_limit_mb or try fewer workers or smaller batches"
        )
    values = {"batch_size": choice["batch_size"], "max_workers": choice["max_workers"], "backend": choice["backend"],
              "data_dir": data_dir, "database_url": database_url}
    header = (
        f"# Tuned {result['created_at']} on {len(result['data']['sample_match_ids'])} of "
        f"{result['data']['selected_matches']} matches: {choice['matches_per_second']:.2f} matches/s on the sample, "
        f"{choice['predicted_matches_per_second']:.2f} predicted on all, "
        f"{choice['memory_per_worker_mb']:.0f} MB per worker (limit {result['settings']['memory_limit_mb']:g} MB).\n"
        f"#   papermill notebooks/etl.ipynb reports/etl-out.ipynb -f {path}\n"
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + yaml.safe_dump(values, sort_keys=False), encoding="utf-8")
    return path
