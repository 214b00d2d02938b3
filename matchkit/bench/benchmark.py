"""One benchmark run from start to finish, its summary against the targets, and its JSON record."""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from matchkit.bench.floor import events_path
from matchkit.bench.machine import load_average, machine_info
from matchkit.bench.runner import (
    TARGETS, Configuration, configurations, measure_baseline, measure_floors, measure_grid, measure_memory,
    measure_profile, parse_counts, select_match_ids, spread_sample,
)
from matchkit.errors import ParameterError

logger = logging.getLogger("matchkit.bench")


def default_memory_counts(matches: int) -> list[int]:
    """Return a quarter, a half and all of the matches (22, 44 and 88 for 88 matches)."""
    return sorted({max(1, round(matches / 4)), max(1, round(matches / 2)), matches})


def _memory_counts(value: Any, matches: int) -> list[int]:
    if value is None:
        return default_memory_counts(matches)
    if isinstance(value, (int, str)) and str(value).strip().lower() in ("0", "", "none"):
        return []
    return [count for count in parse_counts(value) if count <= matches] or [matches]


def run_benchmark(
    data_dir: str | os.PathLike[str],
    match_ids: Any = None,
    limit: int | None = None,
    grid: Any = "10x2",
    backends: Any = "loky",
    repeats: int = 3,
    baseline_matches: int = 4,
    memory_matches: Any = None,
    profile_matches: int = 0,
    plots: Any = None,
    command: str | None = None,
) -> dict[str, Any]:
    """Measure the baseline, the floor and every grid configuration on the same matches.

    ``grid`` is ``"BATCH_SIZExMAX_WORKERS,..."`` and runs with every backend in ``backends``,
    ``repeats`` times each. The baseline is slow, so it runs once on ``baseline_matches``
    matches spread over the selection (0 skips it). ``memory_matches`` lists the match
    counts for the memory check (None: a quarter, a half and all). ``profile_matches``
    matches are profiled with cProfile (0 skips the profile). Returns the JSON-ready record.
    """
    from matchkit.plots import resolve_plot_types

    if not Path(data_dir).is_dir():
        raise ParameterError(f"data_dir {str(data_dir)!r} does not exist or is not a folder; give a local open-data folder")
    data_dir = str(Path(data_dir).resolve())
    repeats = int(repeats)
    if repeats < 1:
        raise ParameterError(f"repeats must be at least 1, got {repeats}")
    settings = configurations(grid, backends)
    plot_types = resolve_plot_types(plots)
    ids = select_match_ids(data_dir, match_ids=match_ids, limit=limit)
    counts = _memory_counts(memory_matches, len(ids))

    started_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    logger.info("benchmark on %d matches, %d plot types, %d configurations x %d repeats",
                len(ids), len(plot_types), len(settings), repeats)
    result: dict[str, Any] = {
        "created_at": started_at.isoformat(timespec="seconds"),
        "command": command,
        "machine": machine_info(),
        "data": {
            "data_dir": data_dir,
            "matches": len(ids),
            "match_ids": ids,
            "events_file_bytes": sum(events_path(data_dir, match_id).stat().st_size for match_id in ids),
            "plot_types": plot_types,
        },
        "settings": {
            "grid": [setting.label for setting in settings], "repeats": repeats,
            "baseline_matches": int(baseline_matches), "memory_matches": counts, "profile_matches": int(profile_matches),
        },
    }

    baseline_ids = spread_sample(ids, int(baseline_matches)) if int(baseline_matches) > 0 else []
    result["baseline"] = measure_baseline(data_dir, baseline_ids, plot_types) if baseline_ids else None
    result["floor"] = measure_floors(data_dir, ids, settings, repeats)
    result["grid"] = measure_grid(data_dir, ids, settings, repeats, plot_types)

    memory_setting = _memory_setting(result["grid"])
    result["memory"] = measure_memory(data_dir, ids, counts, memory_setting, plot_types) if counts else []
    result["profile"] = (
        measure_profile(data_dir, spread_sample(ids, int(profile_matches)), plot_types) if int(profile_matches) > 0 else None
    )

    result["seconds"] = time.perf_counter() - started
    result["machine"]["load_average_end"] = load_average()
    result["summary"] = summarize(result)
    return result


def _has_worker_processes(row: dict[str, Any]) -> bool:
    """Return whether a setting runs its matches in worker processes.

    With threading the workers are threads of the parent, and with one worker joblib runs
    the matches in the parent itself, so neither reports a worker process's own memory.
    """
    return row["backend"] != "threading" and row["max_workers"] > 1


def _memory_setting(grid: list[dict[str, Any]]) -> Configuration:
    """Return the fastest configuration with worker processes, or the fastest of all when none has them."""
    measured = [row for row in grid if row["matches_per_second"]] or grid
    with_processes = [row for row in measured if _has_worker_processes(row)] or measured
    best = max(with_processes, key=lambda row: row["matches_per_second"] or 0.0)
    return Configuration(best["batch_size"], best["max_workers"], best["backend"])


def _target(name: str, goal: str, value: float | None, met: bool | None) -> dict[str, Any]:
    return {"name": name, "goal": goal, "value": value, "met": met}


def _at_least(value: float | None, goal: float) -> bool | None:
    return None if value is None else value >= goal


def _at_most(value: float | None, goal: float) -> bool | None:
    return None if value is None else value <= goal


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    """Compare the fastest configuration with the baseline, the floor and the targets.

    A number that could not be measured (no baseline, every run of a setting failed) is
    None, and so is the verdict of its target.
    """
    measured = [row for row in result["grid"] if row["matches_per_second"]]
    best = max(measured, key=lambda row: row["matches_per_second"]) if measured else None
    baseline = result.get("baseline")
    baseline_speed = baseline["matches_per_second"] if baseline else None
    floor = next(
        (row for row in result["floor"]
         if best and (row["max_workers"], row["backend"]) == (best["max_workers"], best["backend"])),
        None,
    )

    best_speed = best["matches_per_second"] if best else None
    speedup = best_speed / baseline_speed if best_speed and baseline_speed else None
    ratio_to_floor = best["seconds"] / floor["seconds"] if best and floor and floor["seconds"] else None

    memory = [row for row in result.get("memory", []) if row["worker_peak_rss_max_mb"] is not None]
    process_peaks = [row["worker_peak_rss_max_mb"] for row in measured if _has_worker_processes(row)]
    process_peaks += [row["worker_peak_rss_max_mb"] for row in memory]
    worker_peak = max(process_peaks) if process_peaks else None
    growth = memory[-1]["worker_peak_rss_max_mb"] / memory[0]["worker_peak_rss_max_mb"] - 1 if len(memory) > 1 else None

    failed = [row["label"] for row in result["grid"] if row["failed_runs"]]
    fastest = max(measured, key=lambda row: row["matches_per_second_max"]) if measured else None
    return {
        "best": {name: best[name] for name in ("label", "batch_size", "max_workers", "backend", "seconds",
                                                "matches_per_second")} if best else None,
        "fastest_run": {"label": fastest["label"], "matches_per_second": fastest["matches_per_second_max"]}
        if fastest else None,
        "settings_with_failed_runs": failed,
        "baseline_matches_per_second": baseline_speed,
        "speedup_over_baseline": speedup,
        "floor_seconds": floor["seconds"] if floor else None,
        "ratio_to_floor": ratio_to_floor,
        "worker_peak_rss_max_mb": worker_peak,
        "worker_peak_rss_by_matches": {str(row["matches"]): row["worker_peak_rss_max_mb"] for row in memory},
        "worker_memory_growth": growth,
        "targets": [
            _target("matches_per_second", f">= {TARGETS['matches_per_second']:g} matches/s", best_speed,
                    _at_least(best_speed, TARGETS["matches_per_second"])),
            _target("speedup_over_baseline", f">= {TARGETS['speedup_over_baseline']:g}x", speedup,
                    _at_least(speedup, TARGETS["speedup_over_baseline"])),
            _target("ratio_to_floor", f"<= {TARGETS['ratio_to_floor']:g}x the floor", ratio_to_floor,
                    _at_most(ratio_to_floor, TARGETS["ratio_to_floor"])),
            _target("worker_peak_rss_mb", f"< {TARGETS['worker_peak_rss_mb']:g} MB", worker_peak,
                    None if worker_peak is None else worker_peak < TARGETS["worker_peak_rss_mb"]),
            _target("worker_memory_growth", f"<= {TARGETS['worker_memory_growth']:.0%} from the fewest to the most matches",
                    growth, _at_most(growth, TARGETS["worker_memory_growth"])),
        ],
    }


def write_result(result: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the benchmark record as indented JSON, creating the folder when needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1, default=str) + "\n", encoding="utf-8")
    return path
