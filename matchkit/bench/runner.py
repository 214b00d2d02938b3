"""The benchmark: the baseline, the floor and a grid of ETL configurations on the same matches.

Every measurement runs in a fresh child process (``matchkit.bench.measure``) with a new
SQLite database, so repeats do not share warm worker pools, caches or memory peaks. The
parent only starts the children, serves the open data over HTTP for the baseline, and
collects the numbers.
"""

from __future__ import annotations

import json
import logging
import signal
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from matchkit.errors import MatchkitError, ParameterError

logger = logging.getLogger("matchkit.bench")

STAGES = ("read", "parse", "plot", "serialize", "write")

# The goals the ETL is measured against: end to end with all plots from a local folder into SQLite.
TARGETS = {
    "matches_per_second": 15.0,
    "speedup_over_baseline": 20.0,
    "ratio_to_floor": 2.5,
    "worker_peak_rss_mb": 300.0,
    # Worker peak RSS at the largest match count may exceed the peak at the smallest by at most 10 %.
    "worker_memory_growth": 0.10,
}


class MeasurementError(MatchkitError):
    """A benchmark child process that failed or returned no result."""


@dataclass(frozen=True)
class Configuration:
    """One ETL setting of the grid."""

    batch_size: int
    max_workers: int
    backend: str

    @property
    def label(self) -> str:
        return f"{self.batch_size}x{self.max_workers} {self.backend}"


# Parameters -------------------------------------------------------------------


def _positive(name: str, text: Any) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ParameterError(f"{name} must be a positive whole number, got {text!r}") from None
    if value < 1:
        raise ParameterError(f"{name} must be a positive whole number, got {value}")
    return value


def _items(value: Any) -> list:
    """Split a comma-separated string; wrap a single number (papermill passes ``-p name 2`` as an int)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (int, float)):
        return [value]
    return list(value)


def parse_grid(value: Any) -> list[tuple[int, int]]:
    """Parse ``"10x2,20x2"`` (or a list of such strings or of pairs) into (batch_size, max_workers) pairs."""
    pairs = []
    for item in _items(value):
        if isinstance(item, str):
            batch_size, separator, max_workers = item.lower().partition("x")
            if not separator:
                raise ParameterError(f"grid entry {item!r} must be BATCH_SIZExMAX_WORKERS, for example 10x2")
        else:
            batch_size, max_workers = item
        pairs.append((_positive("batch_size", batch_size), _positive("max_workers", max_workers)))
    if not pairs:
        raise ParameterError("grid is empty; give at least one BATCH_SIZExMAX_WORKERS entry, for example 10x2")
    return list(dict.fromkeys(pairs))


def parse_backends(value: Any) -> list[str]:
    """Parse ``"loky,threading"`` (or a list) into joblib backend names that the ETL accepts."""
    from matchkit.etl import BACKENDS

    backends = [str(item).strip().lower() for item in _items(value)]
    unknown = [backend for backend in backends if backend not in BACKENDS]
    if unknown or not backends:
        raise ParameterError(f"backends {unknown or backends!r} are not supported; accepted values: {', '.join(BACKENDS)}")
    return list(dict.fromkeys(backends))


def parse_counts(value: Any, name: str = "match count") -> list[int]:
    """Parse ``"22,44,88"`` (or a list, or one number) into sorted positive whole numbers without repeats."""
    counts = sorted({_positive(name, item) for item in _items(value)})
    if not counts:
        raise ParameterError(f"{name} is empty; give at least one positive whole number")
    return counts


def configurations(grid: Any, backends: Any) -> list[Configuration]:
    """Return every grid pair with every backend."""
    return [
        Configuration(batch_size, max_workers, backend)
        for backend in parse_backends(backends)
        for batch_size, max_workers in parse_grid(grid)
    ]


def spread_sample(items: list, count: int) -> list:
    """Pick ``count`` items spread evenly over ``items`` (all of them when there are fewer)."""
    if count >= len(items):
        return list(items)
    step = len(items) / count
    return [items[int(position * step)] for position in range(count)]


def select_match_ids(data_dir: str, match_ids: Any = None, limit: int | None = None,
                     competition_id: int | None = None, season_id: int | None = None) -> list[int]:
    """Return the ids of the matches the ETL would select from a local open-data folder."""
    from matchkit.etl.params import parse_match_ids
    from matchkit.sources import LocalSource, select_matches

    entries = select_matches(
        LocalSource(data_dir), competition_id=competition_id, season_id=season_id,
        match_ids=parse_match_ids(match_ids), limit=limit,
    )
    return [int(entry["match_id"]) for entry in entries]


# Child processes --------------------------------------------------------------


def measure(spec: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """Run one measurement in a fresh Python process and return its result.

    Raises MeasurementError with the end of the child's error output when it fails.
    """
    with tempfile.TemporaryDirectory(prefix="matchkit-bench-") as folder:
        spec_path, result_path = Path(folder) / "spec.json", Path(folder) / "result.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        command = [sys.executable, "-m", "matchkit.bench.measure", str(spec_path), str(result_path)]
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise MeasurementError(f"{spec['kind']} measurement timed out after {timeout} s") from error
        if completed.returncode != 0 or not result_path.exists():
            raise MeasurementError(f"{spec['kind']} measurement failed: {_exit_reason(completed)}")
        return json.loads(result_path.read_text(encoding="utf-8"))


def _exit_reason(completed: subprocess.CompletedProcess) -> str:
    """Describe how a child process ended: the signal that killed it, or its exit status and last error lines."""
    if completed.returncode < 0:
        reason = f"the process was killed by signal {signal.Signals(-completed.returncode).name}"
    else:
        reason = f"the process exited with status {completed.returncode}"
    tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
    return f"{reason}\n{tail}" if tail else reason


def attempt(spec: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
    """Run one measurement; return its result, or ``{"error": message}`` when the child process failed.

    A run that crashes (for example a segmentation fault in a C extension) is a finding of
    the benchmark, so it is recorded and the other runs go on.
    """
    try:
        return measure(spec, timeout)
    except MeasurementError as error:
        logger.error("%s measurement failed: %s", spec["kind"], error)
        return {"error": str(error)}


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Summarize the repeats of one setting: median seconds, throughput range, stage medians and memory peaks.

    Failed runs are counted in ``failed_runs`` and left out of the numbers. When every run
    failed, the numbers are None.
    """
    succeeded = [run for run in runs if "error" not in run]
    summary: dict[str, Any] = {"repeats": len(runs), "failed_runs": len(runs) - len(succeeded)}
    if not succeeded:
        return {**summary, "matches": None, "seconds": None, "matches_per_second": None}

    seconds = _median([run["seconds"] for run in succeeded])
    matches = succeeded[0]["matches"]
    throughputs = [run["matches_per_second"] for run in succeeded]
    summary.update({
        "matches": matches,
        "seconds": seconds,
        "matches_per_second": matches / seconds if seconds else 0.0,
        "matches_per_second_min": min(throughputs),
        "matches_per_second_max": max(throughputs),
        "parent_peak_rss_mb": max(run.get("parent_peak_rss_mb", 0.0) for run in succeeded),
    })
    if "stage_seconds" in succeeded[0]:
        summary["stage_seconds"] = {
            stage: _median([run["stage_seconds"].get(stage, 0.0) for run in succeeded]) for stage in STAGES
        }
    for name in ("stored_bytes_per_match", "json_bytes_per_match", "database_bytes", "first_batch_seconds",
                 "later_batches_seconds", "plots_written"):
        if name in succeeded[0]:
            summary[name] = _median([run[name] for run in succeeded])
    if "worker_peak_rss_max_mb" in succeeded[0]:
        summary["worker_peak_rss_max_mb"] = max(run["worker_peak_rss_max_mb"] for run in succeeded)
        summary["matches_failed"] = max(run["matches_failed"] for run in succeeded)
    return summary


# Measurements -------------------------------------------------------------------


def measure_grid(data_dir: str, match_ids: list[int], settings: list[Configuration], repeats: int,
                 plots: Any = None) -> list[dict[str, Any]]:
    """Run every configuration ``repeats`` times, each run on a new database; return runs and their summary.

    The repeats are interleaved (all settings once, then all again), so that a slow spell
    of the machine spreads over the settings instead of hitting one.
    """
    runs: dict[Configuration, list[dict]] = {setting: [] for setting in settings}
    for repeat in range(1, repeats + 1):
        for setting in settings:
            spec = {"kind": "etl", "data_dir": str(data_dir), "match_ids": match_ids, "plots": plots, **asdict(setting)}
            run = attempt(spec)
            runs[setting].append(run)
            if "error" in run:
                continue
            logger.info("ETL %s, repeat %d/%d: %d matches in %.2f s (%.2f matches/s), worker peak %.0f MB, %d failed",
                        setting.label, repeat, repeats, run["matches"], run["seconds"], run["matches_per_second"],
                        run["worker_peak_rss_max_mb"], run["matches_failed"])
    return [
        {**asdict(setting), "label": setting.label, **aggregate(setting_runs), "runs": setting_runs}
        for setting, setting_runs in runs.items()
    ]


def measure_floors(data_dir: str, match_ids: list[int], settings: list[Configuration], repeats: int) -> list[dict[str, Any]]:
    """Time the floor once per (max_workers, backend) of the grid, ``repeats`` times each."""
    pairs = list(dict.fromkeys((setting.max_workers, setting.backend) for setting in settings))
    floors = []
    for max_workers, backend in pairs:
        spec = {"kind": "floor", "data_dir": str(data_dir), "match_ids": match_ids,
                "max_workers": max_workers, "backend": backend}
        runs = [attempt(spec) for _ in range(repeats)]
        floor = {"max_workers": max_workers, "backend": backend, **aggregate(runs), "runs": runs}
        if floor["seconds"] is not None:
            logger.info("floor on %d %s workers: %d events files in %.2f s (%.1f matches/s)",
                        max_workers, backend, floor["matches"], floor["seconds"], floor["matches_per_second"])
        floors.append(floor)
    return floors


def measure_baseline(data_dir: str, match_ids: list[int], plots: Any = None) -> dict[str, Any]:
    """Time the original way on ``match_ids``, with statsbombpy reading the folder over a local HTTP server.

    The server runs in this process and the baseline in a child process, so the server's
    work does not count as the baseline's own. The server keeps each file in memory after
    the first request, as a remote server's cache would.
    """
    from matchkit.bench.http import serve_open_data

    with serve_open_data(data_dir, cache=True) as server:
        spec = {"kind": "baseline", "data_dir": str(data_dir), "match_ids": match_ids,
                "plots": plots, "open_data_url": server.url}
        run = attempt(spec)
        run["http_requests"] = server.count()
    if "error" not in run:
        logger.info("baseline: %d matches, %d plots in %.2f s (%.3f matches/s)",
                    run["matches"], run["plots_written"], run["seconds"], run["matches_per_second"])
    return {**aggregate([run]), "match_ids": match_ids, "runs": [run]}


def _input_bytes(data_dir: str, match_id: int) -> int:
    """Return the size on disk of a match's events file and, where there is one, its 360 file."""
    from matchkit.bench.floor import events_path

    size = events_path(data_dir, match_id).stat().st_size
    for suffix in (".json", ".json.gz"):
        frames = Path(data_dir) / "three-sixty" / f"{match_id}{suffix}"
        if frames.exists():
            return size + frames.stat().st_size
    return size


def measure_memory(data_dir: str, match_ids: list[int], counts: list[int], setting: Configuration,
                   plots: Any = None) -> list[dict[str, Any]]:
    """Run one configuration on the first N matches for each count, to show whether worker memory stays flat.

    The matches go largest input first (events and 360 files), so every run includes the
    heaviest matches. A worker's peak then rises with the count only if memory builds up
    from match to match.
    """
    match_ids = sorted(match_ids, key=lambda match_id: _input_bytes(data_dir, match_id), reverse=True)
    rows = []
    for count in counts:
        spec = {"kind": "etl", "data_dir": str(data_dir), "match_ids": match_ids[:count], "plots": plots, **asdict(setting)}
        run = attempt(spec)
        if "error" in run:
            rows.append({"matches": count, "label": setting.label, "worker_peak_rss_max_mb": None,
                         "parent_peak_rss_mb": None, "matches_per_second": None, "run": run})
            continue
        logger.info("memory, %s on %d matches: worker peak %.0f MB, parent peak %.0f MB",
                    setting.label, run["matches"], run["worker_peak_rss_max_mb"], run["parent_peak_rss_mb"])
        rows.append({"matches": run["matches"], "label": setting.label,
                     "worker_peak_rss_max_mb": run["worker_peak_rss_max_mb"],
                     "parent_peak_rss_mb": run["parent_peak_rss_mb"],
                     "matches_per_second": run["matches_per_second"], "run": run})
    return rows


def measure_profile(data_dir: str, match_ids: list[int], plots: Any = None, top: int = 25) -> dict[str, Any]:
    """Profile one worker's work on ``match_ids`` with cProfile, in a child process."""
    result = attempt({"kind": "profile", "data_dir": str(data_dir), "match_ids": match_ids, "plots": plots, "top": top})
    if "error" not in result:
        logger.info("profile: %d matches in %.2f s", result["matches"], result["seconds"])
    return result
