"""The ETL runner: batches of matches processed in parallel, written by the parent."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from joblib import Parallel, delayed, parallel_config
from tqdm.auto import tqdm

from matchkit.errors import MatchkitError
from matchkit.etl.params import EtlConfig
from matchkit.etl.plan import MatchTask, RunPlan, plan_run
from matchkit.etl.worker import MatchOutcome, process_match
from matchkit.storage import PlotRow, SkipRow, Store

logger = logging.getLogger("matchkit.etl")

STAGES = ("read", "parse", "plot", "serialize", "write")


@dataclass
class BatchStats:
    """Numbers of one batch, as logged."""

    batch: int
    matches: int
    succeeded: int
    failed: int
    seconds: float

    @property
    def matches_per_second(self) -> float:
        return self.matches / self.seconds if self.seconds else 0.0


@dataclass
class EtlSummary:
    """Summary of one run: counts, time, throughput, per-stage seconds and failures."""

    run_id: int
    status: str
    matches_total: int
    matches_processed: int = 0
    matches_succeeded: int = 0
    matches_failed: int = 0
    plots_written: int = 0
    plots_skipped: int = 0
    matches_new: int = 0
    matches_changed: int = 0
    matches_unchanged: int = 0
    matches_retried: int = 0
    seconds: float = 0.0
    failed_match_ids: list[int] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    batches: list[BatchStats] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    configuration: dict[str, Any] = field(default_factory=dict)

    @property
    def matches_per_second(self) -> float:
        return self.matches_processed / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the headline numbers as one flat mapping."""
        return {
            "run_id": self.run_id, "status": self.status, "matches_total": self.matches_total,
            "matches_processed": self.matches_processed, "matches_succeeded": self.matches_succeeded,
            "matches_failed": self.matches_failed, "matches_new": self.matches_new,
            "matches_changed": self.matches_changed, "matches_unchanged": self.matches_unchanged,
            "matches_retried": self.matches_retried, "plots_written": self.plots_written,
            "plots_skipped": self.plots_skipped, "seconds": round(self.seconds, 3),
            "matches_per_second": round(self.matches_per_second, 3),
        }

    def to_frame(self):
        """Return the headline numbers as a one-column pandas DataFrame for notebooks."""
        import pandas as pd

        return pd.DataFrame({"value": self.as_dict()})

    def batches_frame(self):
        """Return one row per batch: matches, seconds, matches per second, successes and failures."""
        import pandas as pd

        return pd.DataFrame(
            [{**vars(b), "matches_per_second": round(b.matches_per_second, 3)} for b in self.batches],
            columns=["batch", "matches", "succeeded", "failed", "seconds", "matches_per_second"],
        )

    def failures_frame(self):
        """Return the failed matches with stage, error type and message."""
        import pandas as pd

        return pd.DataFrame(self.failures, columns=["match_id", "stage", "error_type", "message"])


def _batches(items: list, size: int) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]


def _run_batch(parallel: Parallel, source, batch: list[MatchTask], codec: str) -> list[MatchOutcome]:
    """Process one batch in the pool; if a worker dies, retry its matches one by one."""
    try:
        return parallel(delayed(process_match)(source, task.entry, task.plot_types, codec) for task in batch)
    except (KeyboardInterrupt, MatchkitError):
        raise
    except Exception as error:  # noqa: BLE001 - a crashed worker costs only its own match
        logger.warning("batch failed in a worker (%s: %s); retrying its %d matches one by one",
                       type(error).__name__, error, len(batch))

    outcomes = []
    for task in batch:
        match_id = task.match_id
        try:
            outcomes.extend(parallel([delayed(process_match)(source, task.entry, task.plot_types, codec)]))
        except KeyboardInterrupt:
            raise
        except Exception as error:  # noqa: BLE001
            outcomes.append(MatchOutcome(match_id=match_id, failure={
                "match_id": match_id, "stage": "worker", "error_type": type(error).__name__,
                "message": f"match {match_id}: worker failed twice ({error}); it may exhaust memory or crash the parser",
            }))
    return outcomes


def _store_batch(store: Store, run_id: int, outcomes: list[MatchOutcome], versions: dict[str, int]) -> int:
    """Write one batch; plot versions come from this process's registry, the one the run was planned with."""
    rows, plots, skips, failures = [], [], [], []
    for outcome in outcomes:
        if not outcome.ok:
            failures.append(outcome.failure)
            continue
        rows.append(outcome.match_row)
        plots.extend(
            PlotRow(outcome.match_id, plot_type, versions[plot_type], figure, outcome.codec,
                    outcome.sizes[plot_type])
            for plot_type, figure in outcome.figures.items()
        )
        skips.extend(
            SkipRow(outcome.match_id, plot_type, versions[plot_type], reason)
            for plot_type, reason in outcome.skipped.items()
        )
    return store.write_batch(run_id, rows, plots, failures, skips)


def run_etl(config: EtlConfig | None = None, source=None, **params: Any) -> EtlSummary:
    """Build or refresh the plot database for the selected matches.

    Takes an ``EtlConfig`` or its parameters (batch_size, max_workers, backend,
    data_dir, open_data_url, competition_id, season_id, match_ids, limit, plots,
    database_url, full_refresh, compression, progress). Runs are incremental:
    only new, changed or previously failed matches and plot types with a new
    version are processed, unless ``full_refresh`` is true. Matches run in batches
    of ``batch_size`` on ``max_workers`` joblib workers and the parent writes each
    batch in one transaction, so a run killed at any moment leaves whole batches
    only. A failing match is recorded in ``etl_failures`` and the run goes on.
    Ctrl-C stops after the batch in progress is dropped and returns the summary
    of what was stored, with status "interrupted". ``source`` replaces the source
    that ``data_dir`` or the online settings would open (any picklable
    ``matchkit.sources.Source``).
    """
    from matchkit.plots import REGISTRY, resolve_plot_types
    from matchkit.sources import open_source

    config = config or EtlConfig.from_values(**params)
    plot_types = resolve_plot_types(config.plots)
    source = source if source is not None else open_source(**config.source_settings())
    store = Store(config.database_url, compression=config.compression, write_timeout=config.database_timeout)
    entries, missing = _select(source, config)

    run_started = time.perf_counter()
    state = store.stored_state([int(e["match_id"]) for e in entries])
    versions = {plot: REGISTRY[plot].version for plot in plot_types}
    plan = plan_run(entries, plot_types, versions, state, full_refresh=config.full_refresh)
    run_id = store.start_run({**config.public(), "plots": plot_types, "source": source.describe()})
    summary = EtlSummary(run_id=run_id, status="running", matches_total=len(entries), configuration=config.public())
    _count_plan(summary, plan)
    if missing:
        _record_missing(summary, store, source, missing)

    try:
        _run_plan(summary, plan, source, store, config, versions)
        summary.status = "succeeded" if summary.matches_failed == 0 else "completed_with_failures"
    except KeyboardInterrupt:
        summary.status = "interrupted"
        logger.warning("run %d interrupted: the batch in progress was not written; rerun to finish", run_id)
    except BaseException:
        summary.status = "failed"
        raise
    finally:
        summary.seconds = time.perf_counter() - run_started
        _finish(store, summary)
    return summary


@contextmanager
def worker_pool(backend: str, max_workers: int, dask_address: str | None = None) -> Iterator[Parallel]:
    """Open a joblib pool of ``backend``, to be kept for every batch of a run.

    ``dask`` connects to the scheduler at ``dask_address``, or starts a local
    cluster of ``max_workers`` single-threaded worker processes when none is given.
    """
    if backend != "dask":
        with Parallel(n_jobs=max_workers, backend=backend) as parallel:
            yield parallel
        return

    from dask.distributed import Client, LocalCluster

    cluster = None
    try:
        if dask_address:
            client = Client(dask_address, timeout="30s")
        else:
            cluster = LocalCluster(n_workers=max_workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
            client = Client(cluster)
    except (OSError, TimeoutError) as error:
        raise MatchkitError(
            f"cannot connect to the Dask scheduler at {dask_address or 'a local cluster'} ({error}); "
            "check dask_address and that the scheduler is running"
        ) from error
    logger.info("dask: %d workers at %s", len(client.scheduler_info().get("workers", {})), client.scheduler.address)
    try:
        # joblib registers its Dask backend on first use through parallel_config, not through Parallel.
        with parallel_config(backend="dask"), Parallel(n_jobs=max_workers) as parallel:
            yield parallel
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _select(source, config: EtlConfig) -> tuple[list[dict], list[int]]:
    """Select the run's match entries; requested match ids the source does not list are returned apart.

    A missing id costs only that match: the others still run, and the missing
    ones are recorded as failures.
    """
    from matchkit.sources import select_matches

    selection = config.selection()
    ids = selection["match_ids"]
    if not ids:
        return select_matches(source, **selection), []

    if selection["competition_id"] is None:
        found = source.find_entries(ids)
    else:
        listed = source.matches(selection["competition_id"], selection["season_id"])
        found = {entry["match_id"]: entry for entry in listed if entry.get("match_id") in ids}
    missing = [match_id for match_id in ids if match_id not in found]
    present = [match_id for match_id in ids if match_id in found]
    if not present:
        return [], missing
    return select_matches(source, **{**selection, "match_ids": present}), missing


def _record_missing(summary: EtlSummary, store: Store, source, missing: list[int]) -> None:
    failures = [
        {"match_id": match_id, "stage": "select", "error_type": "SourceError",
         "message": f"match {match_id}: not listed in any matches file of {source.describe()}; check the match id"}
        for match_id in missing
    ]
    store.write_batch(summary.run_id, [], [], failures)
    for failure in failures:
        logger.warning("match %s failed at select: %s", failure["match_id"], failure["message"])
    summary.failures.extend(failures)
    summary.failed_match_ids.extend(missing)
    summary.matches_failed += len(missing)
    summary.matches_total += len(missing)


def _count_plan(summary: EtlSummary, plan: RunPlan) -> None:
    summary.matches_new = plan.counts["new"]
    summary.matches_changed = plan.counts["changed"]
    summary.matches_unchanged = plan.counts["unchanged"]
    summary.matches_retried = plan.counts["retried"]


def _run_plan(
    summary: EtlSummary, plan: RunPlan, source, store: Store, config: EtlConfig, versions: dict[str, int],
) -> None:
    """Process the plan's tasks batch by batch, writing each batch before the next starts."""
    stage_seconds: dict[str, float] = defaultdict(float)
    batches = _batches(plan.tasks, config.batch_size)
    logger.info(
        "run %d: %d matches selected, %d to process (%d new, %d changed, %d retried, %d unchanged) "
        "in %d batches of up to %d on %d %s workers; source %s; database %s",
        summary.run_id, summary.matches_total, len(plan.tasks), summary.matches_new, summary.matches_changed,
        summary.matches_retried, summary.matches_unchanged, len(batches), config.batch_size, config.max_workers,
        config.backend, source.describe(), config.public()["database_url"],
    )
    if not batches:
        return

    progress = tqdm(total=len(plan.tasks), unit="match", desc="matches", disable=not config.progress)
    try:
        with worker_pool(config.backend, config.max_workers, config.dask_address) as parallel:
            for number, batch in enumerate(batches, start=1):
                batch_started = time.perf_counter()
                outcomes = _run_batch(parallel, source, batch, config.compression)

                write_started = time.perf_counter()
                summary.plots_written += _store_batch(store, summary.run_id, outcomes, versions)
                stage_seconds["write"] += time.perf_counter() - write_started

                stats = _account(summary, stage_seconds, outcomes, number, time.perf_counter() - batch_started)
                progress.update(len(batch))
                logger.info(
                    "batch %d/%d: %d matches in %.2f s (%.3f s/match), %.1f%% done, %d ok, %d failed",
                    number, len(batches), stats.matches, stats.seconds, stats.seconds / max(stats.matches, 1),
                    100.0 * summary.matches_processed / max(len(plan.tasks), 1), stats.succeeded, stats.failed,
                )
    finally:
        progress.close()
        summary.stage_seconds = {stage: round(stage_seconds.get(stage, 0.0), 4) for stage in STAGES}


def _account(summary: EtlSummary, stage_seconds: dict, outcomes: list[MatchOutcome], number: int, seconds: float) -> BatchStats:
    failed = [outcome for outcome in outcomes if not outcome.ok]
    for outcome in outcomes:
        for stage, value in outcome.seconds.items():
            stage_seconds[stage] += value
        summary.plots_skipped += len(outcome.skipped)
    for outcome in failed:
        summary.failed_match_ids.append(outcome.match_id)
        summary.failures.append(outcome.failure)
        logger.warning("match %s failed at %s: %s", outcome.match_id, outcome.failure["stage"], outcome.failure["message"])

    stats = BatchStats(number, len(outcomes), len(outcomes) - len(failed), len(failed), seconds)
    summary.batches.append(stats)
    summary.matches_processed += stats.matches
    summary.matches_succeeded += stats.succeeded
    summary.matches_failed += stats.failed
    return stats


def _finish(store: Store, summary: EtlSummary) -> None:
    try:
        store.finish_run(summary.run_id, summary.status, {
            "matches_total": summary.matches_total, "matches_succeeded": summary.matches_succeeded,
            "matches_failed": summary.matches_failed, "plots_written": summary.plots_written,
            "matches_new": summary.matches_new, "matches_changed": summary.matches_changed,
            "matches_unchanged": summary.matches_unchanged, "matches_retried": summary.matches_retried,
            "seconds": summary.seconds, "matches_per_second": summary.matches_per_second,
        })
    finally:
        store.dispose()
    logger.info(
        "run %d %s: %d matches processed of %d selected (%d unchanged) in %.2f s (%.2f matches/s), "
        "%d ok, %d failed, %d plots written",
        summary.run_id, summary.status, summary.matches_processed, summary.matches_total, summary.matches_unchanged,
        summary.seconds, summary.matches_per_second, summary.matches_succeeded, summary.matches_failed,
        summary.plots_written,
    )
