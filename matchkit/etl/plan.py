"""Incremental planning: which matches and plot types a run must (re)generate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matchkit.etl.worker import PLOTS_NEEDING_360

NEW, CHANGED, RETRIED, UNCHANGED = "new", "changed", "retried", "unchanged"


@dataclass
class MatchTask:
    """One match to process and the plot types to draw for it."""

    entry: dict[str, Any]
    plot_types: list[str]
    reason: str

    @property
    def match_id(self) -> int:
        return int(self.entry["match_id"])


@dataclass
class RunPlan:
    """The tasks of a run and how many matches fall under each reason."""

    tasks: list[MatchTask] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {NEW: 0, CHANGED: 0, RETRIED: 0, UNCHANGED: 0})


def _newer(source_value: str | None, stored_value: str | None) -> bool:
    """Compare ``last_updated`` timestamps; both are ISO 8601 strings from the same provider."""
    if not source_value:
        return False
    return stored_value is None or source_value > stored_value


def plan_run(
    entries: list[dict[str, Any]],
    plot_types: list[str],
    versions: dict[str, int],
    state: dict[str, Any] | None,
    full_refresh: bool = False,
) -> RunPlan:
    """Decide the work of a run from the source's match entries and what is stored.

    With ``full_refresh`` every match is processed with every plot, and the
    counts still report which matches were new, changed, retried or unchanged.
    Otherwise a match gets all its plots when it is new, when it failed since it
    was last stored, or when its ``last_updated`` is newer than the stored one.
    It gets its 360 plots when its ``last_updated_360`` is newer. It gets the plot
    types that are missing or stored with another version.
    """
    plan = RunPlan()
    for entry in entries:
        match_id = int(entry["match_id"])
        if full_refresh:
            reason = _classify(match_id, entry, plot_types, versions, state)
            plan.tasks.append(MatchTask(entry, list(plot_types), reason))
            plan.counts[reason] += 1
            continue

        if state is None or match_id not in state["matches"]:
            reason = NEW if state is None or match_id not in state["failed"] else RETRIED
            plan.tasks.append(MatchTask(entry, list(plot_types), reason))
            plan.counts[reason] += 1
            continue

        if match_id in state["failed"]:
            plan.tasks.append(MatchTask(entry, list(plot_types), RETRIED))
            plan.counts[RETRIED] += 1
            continue

        stored_updated, stored_updated_360 = state["matches"][match_id]
        if _newer(entry.get("last_updated"), stored_updated):
            plan.tasks.append(MatchTask(entry, list(plot_types), CHANGED))
            plan.counts[CHANGED] += 1
            continue

        done = {**state["skips"].get(match_id, {}), **state["plots"].get(match_id, {})}
        redo = [plot for plot in plot_types if done.get(plot) != versions[plot]]
        if _newer(entry.get("last_updated_360"), stored_updated_360):
            redo += [plot for plot in plot_types if plot in PLOTS_NEEDING_360 and plot not in redo]
        if redo:
            plan.tasks.append(MatchTask(entry, redo, CHANGED))
            plan.counts[CHANGED] += 1
        else:
            plan.counts[UNCHANGED] += 1
    return plan


def _classify(match_id: int, entry: dict[str, Any], plot_types: list[str], versions: dict[str, int], state) -> str:
    """Return why a match would run in an incremental run, or ``unchanged``."""
    incremental = plan_run([entry], plot_types, versions, state)
    return incremental.tasks[0].reason if incremental.tasks else UNCHANGED
