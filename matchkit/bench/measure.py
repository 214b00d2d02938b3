"""One measurement in a fresh process: an ETL run, the floor, the baseline or a profile.

The benchmark runs ``python -m matchkit.bench.measure SPEC.json RESULT.json`` once per
configuration and repeat. A fresh process matters for memory: ``ru_maxrss`` is the peak
of a process over its whole life, and loky keeps its workers between runs of one parent.
Each process here starts its own workers and writes to its own new SQLite database,
so its peaks and its stored bytes belong to that one run.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from matchkit.bench.machine import load_average
from matchkit.etl.worker import peak_rss_mb

KINDS = ("etl", "floor", "baseline", "profile")


# Storage figures ----------------------------------------------------------------


def database_bytes(path: Path) -> int:
    """Return the size of a SQLite database on disk, with its write-ahead log and shared-memory files."""
    return sum(
        candidate.stat().st_size
        for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        if candidate.exists()
    )


def _storage(database: Path) -> dict[str, Any]:
    """Return stored and uncompressed figure bytes per match, plot rows and the database size."""
    from matchkit.storage import Store

    store = Store(f"sqlite:///{database}")
    try:
        sizes = store.plot_sizes()
        plots = store.count_plots()
    finally:
        store.dispose()
    return {
        "stored_matches": sizes["matches"],
        "stored_plots": plots,
        "stored_bytes_per_match": sizes["stored_bytes_per_match"],
        "json_bytes_per_match": sizes["json_bytes_per_match"],
        "database_bytes": database_bytes(database),
    }


# ETL ------------------------------------------------------------------------------


@contextmanager
def recording_worker_memory(peaks: dict[int, float]) -> Iterator[None]:
    """Record the peak RSS that each worker reports with its matches, as the maximum per worker pid.

    NOTE: ``run_etl`` returns no per-match outcomes, so this wraps the runner's ``_run_batch``,
    which returns them. A change of that helper's name or return value fails here.
    """
    from matchkit.etl import runner

    if not callable(getattr(runner, "_run_batch", None)):
        raise RuntimeError("matchkit.etl.runner._run_batch is missing; the benchmark cannot read worker memory")
    original = runner._run_batch

    def run_batch(*args, **kwargs):
        outcomes = original(*args, **kwargs)
        for outcome in outcomes:
            if outcome.worker_pid and outcome.peak_rss_mb:
                peaks[outcome.worker_pid] = max(peaks.get(outcome.worker_pid, 0.0), outcome.peak_rss_mb)
        return outcomes

    runner._run_batch = run_batch
    try:
        yield
    finally:
        runner._run_batch = original


def measure_etl(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the ETL once on a new database and return wall time, stage seconds, memory and stored bytes."""
    import matchkit.plots  # noqa: F401 - imported before the first memory reading, so growth is the run's own
    from matchkit.etl import run_etl

    worker_peaks: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="matchkit-bench-") as folder:
        database = Path(folder) / "plots.db"
        parent_before = peak_rss_mb()
        with recording_worker_memory(worker_peaks):
            # The database is new, and full_refresh makes the run process every match even so.
            started = time.perf_counter()
            summary = run_etl(
                data_dir=spec["data_dir"], match_ids=spec["match_ids"], batch_size=spec["batch_size"],
                max_workers=spec["max_workers"], backend=spec["backend"], plots=spec.get("plots"),
                compression=spec.get("compression"), database_url=f"sqlite:///{database}",
                full_refresh=True, progress=False,
            )
            seconds = time.perf_counter() - started
        parent_peak = peak_rss_mb()
        storage = _storage(database)

    return {
        "matches": summary.matches_processed,
        "matches_failed": summary.matches_failed,
        "plots_written": summary.plots_written,
        "plots_skipped": summary.plots_skipped,
        "seconds": seconds,
        "etl_seconds": summary.seconds,
        "matches_per_second": summary.matches_processed / seconds if seconds else 0.0,
        "batches": len(summary.batches),
        "first_batch_seconds": summary.batches[0].seconds if summary.batches else 0.0,
        "later_batches_seconds": sum(batch.seconds for batch in summary.batches[1:]),
        "stage_seconds": dict(summary.stage_seconds),
        "parent_rss_before_mb": parent_before,
        "parent_peak_rss_mb": parent_peak,
        "worker_peak_rss_mb": {str(pid): peak for pid, peak in sorted(worker_peaks.items())},
        "worker_peak_rss_max_mb": max(worker_peaks.values(), default=0.0),
        # joblib runs one worker's matches in the parent, and threads share the parent's memory.
        "workers_are_processes": spec["backend"] != "threading" and spec["max_workers"] > 1,
        **storage,
    }


# Floor and baseline -----------------------------------------------------------


def measure_floor(spec: dict[str, Any]) -> dict[str, Any]:
    """Read and parse the events files once; return seconds and the parent's peak RSS."""
    from matchkit.bench.floor import run_floor

    result = run_floor(spec["data_dir"], spec["match_ids"], spec["max_workers"], spec["backend"])
    result["matches_per_second"] = result["matches"] / result["seconds"] if result["seconds"] else 0.0
    result["parent_peak_rss_mb"] = peak_rss_mb()
    return result


def measure_baseline(spec: dict[str, Any]) -> dict[str, Any]:
    """Build the plots the original way on a new database; return wall time, stage seconds, memory and bytes."""
    from matchkit.bench.baseline import run_baseline
    from matchkit.plots import resolve_plot_types
    from matchkit.sources import LocalSource, select_matches
    from matchkit.storage.codec import DEFAULT_CODEC

    entries = select_matches(LocalSource(spec["data_dir"]), match_ids=spec["match_ids"])
    plot_types = resolve_plot_types(spec.get("plots"))
    with tempfile.TemporaryDirectory(prefix="matchkit-bench-") as folder:
        database = Path(folder) / "plots.db"
        parent_before = peak_rss_mb()
        result = run_baseline(spec["open_data_url"], entries, plot_types, f"sqlite:///{database}",
                              compression=spec.get("compression") or DEFAULT_CODEC)
        parent_peak = peak_rss_mb()
        storage = _storage(database)

    return {
        "matches": result.matches,
        "plots_written": result.plots_written,
        "plots_skipped": result.plots_skipped,
        "plots_failed": result.plots_failed,
        "errors": result.errors[:20],
        "seconds": result.seconds,
        "matches_per_second": result.matches_per_second,
        "stage_seconds": result.stage_seconds,
        "parent_rss_before_mb": parent_before,
        "parent_peak_rss_mb": parent_peak,
        **storage,
    }


# Profile --------------------------------------------------------------------------


def _function_name(function: tuple[str, int, str]) -> str:
    """Return ``module/path.py:line(name)`` with the site-packages or checkout prefix removed."""
    filename, line, name = function
    for marker in ("site-packages/", "/matchkit/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            filename = f"matchkit/{filename}" if marker == "/matchkit/" else filename
            break
    return f"{filename}:{line}({name})" if line else name


def _top_functions(stats: pstats.Stats, key: str, count: int, only_matchkit: bool = False) -> list[dict[str, Any]]:
    rows = []
    for function, (_, calls, self_seconds, cumulative_seconds, _) in stats.stats.items():  # type: ignore[attr-defined]
        if only_matchkit and "/matchkit/" not in function[0]:
            continue
        rows.append({
            "function": _function_name(function), "calls": calls,
            "self_seconds": round(self_seconds, 4), "cumulative_seconds": round(cumulative_seconds, 4),
        })
    rows.sort(key=lambda row: row[key], reverse=True)
    return rows[:count]


def _plot_type_seconds(source, entries: list[dict], plot_types: list[str]) -> dict[str, float]:
    """Time each plot type's drawing and serialization on every match; return mean seconds per match."""
    import orjson

    from matchkit.plots import PlotSkipped, figure_dict
    from matchkit.processing import build_match_model

    totals: dict[str, float] = defaultdict(float)
    for entry in entries:
        match_id = int(entry["match_id"])
        frames = source.frames_360(match_id)
        model = build_match_model(entry, source.events(match_id), source.lineups(match_id), frames)
        for plot_type in plot_types:
            started = time.perf_counter()
            try:
                orjson.dumps(figure_dict(model, plot_type), option=orjson.OPT_SERIALIZE_NUMPY)
            except PlotSkipped:
                pass
            totals[plot_type] += time.perf_counter() - started
    return {plot_type: totals[plot_type] / max(len(entries), 1) for plot_type in plot_types}


def measure_profile(spec: dict[str, Any]) -> dict[str, Any]:
    """Profile one worker's work (read, parse, all plots, serialize) on a few matches with cProfile."""
    from matchkit.etl.worker import process_match
    from matchkit.plots import resolve_plot_types
    from matchkit.sources import LocalSource, select_matches

    source = LocalSource(spec["data_dir"])
    entries = select_matches(source, match_ids=spec["match_ids"])
    plot_types = resolve_plot_types(spec.get("plots"))

    profiler = cProfile.Profile()
    stage_seconds: dict[str, float] = defaultdict(float)
    started = time.perf_counter()
    profiler.enable()
    for entry in entries:
        outcome = process_match(source, entry, plot_types)
        for stage, value in outcome.seconds.items():
            stage_seconds[stage] += value
    profiler.disable()
    seconds = time.perf_counter() - started

    stats = pstats.Stats(profiler)
    top = int(spec.get("top", 25))
    return {
        "matches": len(entries),
        "seconds": seconds,
        "stage_seconds": dict(stage_seconds),
        "plot_type_seconds_per_match": _plot_type_seconds(source, entries, plot_types),
        "top_self": _top_functions(stats, "self_seconds", top),
        "top_matchkit_cumulative": _top_functions(stats, "cumulative_seconds", top, only_matchkit=True),
    }


MEASUREMENTS = {"etl": measure_etl, "floor": measure_floor, "baseline": measure_baseline, "profile": measure_profile}


def main(argv: list[str] | None = None) -> int:
    """Read a measurement spec from a JSON file, run it, and write the result as JSON."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m matchkit.bench.measure SPEC.json RESULT.json", file=sys.stderr)
        return 2

    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    if spec.get("kind") not in MEASUREMENTS:
        print(f"error: measurement kind {spec.get('kind')!r} is not one of {', '.join(KINDS)}", file=sys.stderr)
        return 2

    load_before = load_average()
    result = MEASUREMENTS[spec["kind"]](spec)
    result["pid"] = os.getpid()
    # Other work on the machine slows a run down; the load averages show whether there was any.
    result["load_average_before"] = load_before
    result["load_average_after"] = load_average()
    Path(argv[1]).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
