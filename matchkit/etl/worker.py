"""Work done for one match inside a worker: read, parse once, draw every plot."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field
from typing import Any

from matchkit.errors import MatchkitError

# Plot types that need the match's 360 frames; for other selections they are not fetched.
PLOTS_NEEDING_360 = frozenset({"freeze_frame_360"})


@dataclass
class MatchOutcome:
    """Result of one match in a worker: small and picklable, with the figures already serialized."""

    match_id: int
    match_row: dict[str, Any] | None = None
    figures: dict[str, bytes] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    codec: str = "none"
    skipped: dict[str, str] = field(default_factory=dict)
    failure: dict[str, Any] | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    worker_pid: int = 0
    peak_rss_mb: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None


def _failure(match_id: int, stage: str, error: BaseException) -> dict[str, Any]:
    message = str(error) if isinstance(error, MatchkitError) else f"match {match_id}: {type(error).__name__}: {error}"
    return {"match_id": match_id, "stage": stage, "error_type": type(error).__name__, "message": message}


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def match_row(info) -> dict[str, Any]:
    """Return the ``matches`` table row for a parsed match."""
    return {
        "match_id": info.match_id, "competition_id": info.competition_id, "season_id": info.season_id,
        "competition": info.competition, "season": info.season, "stage": info.stage,
        "match_date": info.match_date, "home_team_id": info.home_team_id, "home_team": info.home_team,
        "away_team_id": info.away_team_id, "away_team": info.away_team, "home_score": info.home_score,
        "away_score": info.away_score, "last_updated": info.last_updated, "last_updated_360": info.last_updated_360,
    }


def process_match(source, entry: dict[str, Any], plot_types: list[str], codec: str = "zstd") -> MatchOutcome:
    """Read one match from ``source``, parse it once, render the selected plots and compress them.

    Never raises for a problem of this match: the failure is returned with its stage
    (read, parse, plot or serialize) so the rest of the batch goes on.
    """
    from matchkit.plots import render
    from matchkit.processing import build_match_model
    from matchkit.storage.codec import encode_figure

    match_id = int(entry.get("match_id", 0))
    outcome = MatchOutcome(match_id=match_id, worker_pid=os.getpid())
    stage = "read"
    started = time.perf_counter()
    try:
        events = source.events(match_id)
        lineups = source.lineups(match_id)
        frames = source.frames_360(match_id) if PLOTS_NEEDING_360 & set(plot_types) else None
        outcome.seconds["read"] = time.perf_counter() - started

        stage = "parse"
        started = time.perf_counter()
        model = build_match_model(entry, events, lineups, frames)
        outcome.match_row = match_row(model.info)
        outcome.seconds["parse"] = time.perf_counter() - started

        stage = "plot"
        result = render(model, plot_types)
        outcome.seconds["plot"] = result.plot_seconds
        outcome.seconds["serialize"] = result.serialize_seconds
    except Exception as error:  # noqa: BLE001 - any problem of one match is recorded, never raised
        outcome.failure = _failure(match_id, stage, error)
        return outcome

    if result.errors:
        details = "; ".join(f"{plot}: {message}" for plot, message in result.errors.items())
        outcome.failure = {
            "match_id": match_id, "stage": "plot", "error_type": "PlotError",
            "message": f"match {match_id}: {len(result.errors)} plot(s) failed, none of its plots stored: {details}",
        }
        return outcome

    started = time.perf_counter()
    try:
        outcome.figures = {plot: encode_figure(figure, codec) for plot, figure in result.figures.items()}
    except Exception as error:  # noqa: BLE001 - a compression failure is recorded like any other
        outcome.failure = _failure(match_id, "serialize", error)
        return outcome
    outcome.codec = codec
    outcome.sizes = {plot: len(figure) for plot, figure in result.figures.items()}
    outcome.seconds["serialize"] += time.perf_counter() - started

    outcome.peak_rss_mb = peak_rss_mb()
    outcome.skipped = result.skipped
    return outcome
