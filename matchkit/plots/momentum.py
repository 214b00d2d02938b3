"""Momentum: the threat each team creates minute by minute, measured in expected threat (xT)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from matchkit.plots.clock import clear_clock_axis, clock_axis, event_minutes, match_clock, period_break_shapes, time_bins
from matchkit.plots.registry import PlotSkipped, register
from matchkit.plots.style import base_layout, escaped, minute_labels, rounded, team_colors
from matchkit.processing import selectors
from matchkit.processing.model import MatchModel
from matchkit.processing.xt import completed_move_threat, load_xt_grid

MINUTES_PER_BAR = 1
BAR_WIDTH_SHARE = 0.85
VALUE_DIGITS = 4
# Candidate distances between y ticks (xT per minute). The smallest that needs at most three ticks a side is used.
TICK_STEPS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
MIN_EXTENT = 0.02
GOAL_HEADROOM = 1.15


@register("momentum", title="Momentum")
def momentum(model: MatchModel) -> dict:
    """Draw each team's xT gain per minute, home bars up and away bars down, with goals marked.

    A minute's bar sums the positive xT added (``value(end) - value(start)``) by
    the team's completed passes and carries in that minute. Backward and
    sideways moves that lose threat count as zero rather than negative, so a
    team that recycles the ball is not shown as losing momentum. The price is
    that a move back into a cell already reached counts again. Minutes run on
    a continuous clock (stoppage time has its own room); the shoot-out is
    excluded.
    """
    if not model.mask(selectors.regular_play).any():
        raise PlotSkipped("the match has no events outside the penalty shoot-out")

    # The clock, the xT added and the goals leave out the shoot-out themselves, so they read the whole table.
    events = model.events
    clock = match_clock(events)
    bins = time_bins(clock, MINUTES_PER_BAR)
    added = completed_move_threat(events, load_xt_grid())
    # Losses count as zero. Clipping the array gives what Series.clip(lower=0.0) gives, at a fraction of its cost.
    gains = np.where(added.to_numpy() < 0.0, 0.0, added.to_numpy())
    # Only these columns of the moves are read, and taking every column costs more.
    moves = events.loc[added.index, ["period", "timestamp", "team_id"]]
    positions = bins.assign(moves)
    colors = team_colors(model.info)

    traces = []
    extent = MIN_EXTENT
    for side, sign in (("home", 1), ("away", -1)):
        team_id = model.side_team_id(side)
        mine = (moves["team_id"] == team_id).to_numpy()
        per_bin = np.bincount(positions[mine], weights=gains[mine], minlength=len(bins))
        extent = max(extent, float(per_bin.max(initial=0.0)))
        traces.append(_bar_trace(model.info.team_name(team_id), colors[team_id], per_bin, bins, sign))

    extent *= GOAL_HEADROOM
    goal_traces, goal_shapes = _goal_marks(model, clock, colors, extent)
    traces.extend(goal_traces)

    layout = base_layout(
        model, "Momentum",
        xaxis=clock_axis(clock),
        yaxis=_threat_axis(extent * GOAL_HEADROOM, model.info.home_team, model.info.away_team),
        barmode="relative",
        shapes=period_break_shapes(clock) + goal_shapes,
    )
    clear_clock_axis(layout)
    return {"data": traces, "layout": layout}


def _bar_trace(team: str, color: str, per_bin: np.ndarray, bins, sign: int) -> dict:
    """Build one team's bars, leaving out minutes whose gain rounds to zero to keep the figure small."""
    keep = np.flatnonzero(np.round(per_bin, VALUE_DIGITS) > 0)
    values = per_bin[keep]
    name = html.escape(team)
    return {
        "type": "bar",
        "name": f"{name} (xT {values.sum():.2f})",
        "x": rounded(bins.center[keep], 2),
        "y": rounded(sign * values, VALUE_DIGITS),
        "width": rounded(bins.width[keep] * BAR_WIDTH_SHARE, 2),
        "marker": {"color": color},
        "customdata": [[bins.label[i], round(float(v), 3)] for i, v in zip(keep, values)],
        "hovertemplate": f"<b>{name}</b> %{{customdata[0]}}<br>xT added %{{customdata[1]:.3f}}<extra></extra>",
    }


def _goal_marks(model: MatchModel, clock, colors: dict[int, str], extent: float):
    """Build a star per goal (above the bars for home goals, below for away) and a dashed line at its time."""
    scored = model.goals
    if scored.empty:
        return [], []

    scorers = np.array(_scorer_names(model.events, scored), dtype=object)
    times = np.array(minute_labels(scored["minute"], scored["second"]), dtype=object)
    minutes = event_minutes(scored, clock)
    traces, shapes = [], []
    for side, sign in (("home", 1), ("away", -1)):
        team_id = model.side_team_id(side)
        mine = (scored["scoring_team_id"] == team_id).to_numpy()
        if not mine.any():
            continue
        traces.append({
            "type": "scatter", "mode": "markers",
            "name": f"{html.escape(model.info.team_name(team_id))} goals",
            "x": rounded(minutes[mine], 2),
            "y": [round(sign * extent, 4)] * int(mine.sum()),
            "marker": {"symbol": "star", "size": 14, "color": colors[team_id], "line": {"color": "white", "width": 1}},
            "customdata": [[scorer, time] for scorer, time in zip(scorers[mine], times[mine])],
            "hovertemplate": "<b>Goal</b> %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        })
        for x in minutes[mine]:
            shapes.append({
                "type": "line", "xref": "x", "yref": "paper", "x0": round(float(x), 2), "x1": round(float(x), 2),
                "y0": 0, "y1": 1, "line": {"color": colors[team_id], "width": 1, "dash": "dash"}, "layer": "below",
            })
    return traces, shapes


def _scorer_names(events: pd.DataFrame, scored: pd.DataFrame) -> list[str]:
    """Name each goal's scorer, HTML-escaped. An own goal names the conceding player from ``Own Goal Against``."""
    conceders = {}
    if scored["own_goal"].any():
        against = events[selectors.of_type(events, "Own Goal Against")]
        # Own Goal For carries no player, but its Own Goal Against twin has the same period and timestamp.
        conceders = dict(zip(zip(against["period"], against["timestamp"]), against["player"]))
    names = []
    for period, timestamp, player, own_goal in zip(
        scored["period"], scored["timestamp"], scored["player"], scored["own_goal"],
    ):
        if own_goal:
            conceder = conceders.get((period, timestamp)) or "unknown player"
            names.append(f"{escaped(str(conceder))} (own goal)")
        else:
            names.append(escaped(str(player)))
    return names


def _threat_axis(extent: float, home_team: str, away_team: str) -> dict:
    """Build a y axis symmetric around zero, labelled with absolute values because away bars point down.

    The title reads bottom to top, so the arrows point at each team's half of the chart.
    """
    step = next((step for step in TICK_STEPS if extent / step <= 3), TICK_STEPS[-1])
    count = int(extent // step)
    tickvals = [round(k * step, 4) for k in range(-count, count + 1)]
    return {
        "range": [-extent, extent],
        "tickvals": tickvals,
        "ticktext": [f"{abs(value):g}" for value in tickvals],
        "zeroline": True, "zerolinecolor": "#9aa5b1", "showgrid": True, "gridcolor": "#eef2f6",
        "title": {"text": f"{html.escape(away_team)} \u2190 xT added per minute \u2192 {html.escape(home_team)}"},
    }
