"""Territory: where each team had the ball (field tilt) and who had it over time (possession timeline)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from matchkit.dimensions import STATSBOMB
from matchkit.plots.bins import bin_centers, bin_counts
from matchkit.plots.clock import (
    MatchClock, TimeBins, clear_clock_axis, clock_axis, match_clock, period_break_shapes, time_bins,
)
from matchkit.plots.pitch import pitch_shapes
from matchkit.plots.registry import PlotSkipped, register
from matchkit.plots.style import base_layout, pitch_layout, rounded, team_colors
from matchkit.processing import selectors
from matchkit.processing.model import MatchModel

# The columns these plots read. Filtering only these keeps the plots fast.
COLUMNS = ["period", "timestamp", "type", "team_id", "possession", "possession_team_id", "x", "y"]

WINDOW_MINUTES = 5
TILT_X_BINS = 12
TILT_Y_BINS = 8
NEUTRAL_COLOR = "#ffffff"
BAR_WIDTH_SHARE = 0.9

# Vertical split of the field tilt figure: the pitch above, the final-third shares below.
PITCH_DOMAIN = [0.36, 1.0]
SHARES_DOMAIN = [0.0, 0.24]
FIELD_TILT_HEIGHT = 820


def _in_play(model: MatchModel) -> pd.DataFrame:
    """Return the columns these plots read for every event outside the shoot-out, in match order.

    Both plots read it, so it is computed once per model.
    """
    return model.cached("territory_in_play", lambda: model.events.loc[model.mask(selectors.regular_play), COLUMNS])


@register("field_tilt", title="Field tilt")
def field_tilt(model: MatchModel) -> dict:
    """Draw territory on one pitch and each team's share of final-third touches per 5-minute window.

    The pitch shows, per cell, the home team's share of both teams' touches
    there. The home team attacks left to right and the away team's touches are
    mirrored into the home frame. Below it, stacked bars give each team's
    share of all final-third touches in each window, where a touch is in the
    final third when x >= ``final_third_x`` in the acting team's own frame.
    Windows restart at each period's kick-off; the shoot-out is excluded.
    """
    in_play = _in_play(model)
    touches = in_play[selectors.touches(in_play)]
    if touches.empty:
        raise PlotSkipped("the match has no located touches outside the penalty shoot-out")

    clock = match_clock(in_play)
    bins = time_bins(clock, WINDOW_MINUTES)
    colors = team_colors(model.info)
    home_counts, away_counts = tilt_counts(touches, *model.team_ids)
    home_final, away_final = _final_third_counts(touches, bins, model.team_ids)

    traces = [_tilt_heatmap(model, home_counts, away_counts, colors)]
    traces.extend(_share_bars(model, bins, (home_final, away_final), colors, "final-third touches", "", "x2", "y2"))
    return {"data": traces, "layout": _field_tilt_layout(model, clock)}


def tilt_counts(touches: pd.DataFrame, home_id: int, away_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Count touches per pitch cell in the home team's frame, with away touches mirrored."""
    team = touches["team_id"].to_numpy()
    x, y = touches["x"].to_numpy(), touches["y"].to_numpy()
    home, away = team == home_id, team == away_id
    away_x, away_y = STATSBOMB.mirror(x[away], y[away])
    return (
        bin_counts(x[home], y[home], TILT_X_BINS, TILT_Y_BINS),
        bin_counts(away_x, away_y, TILT_X_BINS, TILT_Y_BINS),
    )


def _final_third_counts(touches: pd.DataFrame, bins: TimeBins, team_ids: tuple[int, int]) -> list[np.ndarray]:
    """Count each team's touches in its own attacking third per time bin (home first)."""
    in_final_third = touches["x"].to_numpy() >= STATSBOMB.final_third_x
    positions = bins.assign(touches)
    team = touches["team_id"].to_numpy()
    counts = []
    for team_id in team_ids:
        mine = in_final_third & (team == team_id)
        counts.append(np.bincount(positions[mine], minlength=len(bins)))
    return counts


def _tilt_heatmap(model: MatchModel, home_counts: np.ndarray, away_counts: np.ndarray, colors: dict) -> dict:
    """Build the territory heatmap: the home share of touches per cell, empty cells left blank."""
    home_id, away_id = model.team_ids
    home, away = html.escape(model.info.home_team), html.escape(model.info.away_team)
    total = home_counts + away_counts
    share = np.divide(home_counts, total, out=np.full(total.shape, np.nan), where=total > 0)
    x_centers, y_centers = bin_centers(TILT_X_BINS, TILT_Y_BINS)

    return {
        "type": "heatmap",
        "name": "Touches",
        "x": rounded(x_centers),
        "y": rounded(y_centers),
        "z": [rounded(row, 3) for row in share],
        "zmin": 0, "zmax": 1,
        "colorscale": [[0.0, colors[away_id]], [0.5, NEUTRAL_COLOR], [1.0, colors[home_id]]],
        "colorbar": {
            "tickvals": [0, 0.5, 1], "ticktext": [away, "even", home], "len": 0.5, "y": 0.68,
            "thickness": 12, "title": {"text": "Touches"},
        },
        "xgap": 1, "ygap": 1,
        # Per cell [home touches, away touches]. Plotly reads heatmap customdata as rows x columns x values.
        "customdata": np.stack([home_counts, away_counts], axis=-1).astype(int).tolist(),
        "hovertemplate": (
            f"{home} %{{customdata[0]}} · {away} %{{customdata[1]}} touches"
            f"<br>{home} share %{{z:.0%}}<extra></extra>"
        ),
        "hoverongaps": False,
        "xaxis": "x", "yaxis": "y",
    }


def _field_tilt_layout(model: MatchModel, clock: MatchClock) -> dict:
    """Lay out the pitch on top (x, y) and the share bars below (x2, y2)."""
    layout = pitch_layout(model, "Field tilt", height=FIELD_TILT_HEIGHT, barmode="stack", bargap=0.1)
    # The heatmap is opaque, so the pitch lines go above it. Copies keep the shared shapes untouched.
    layout["shapes"] = [{**shape, "layer": "above"} for shape in pitch_shapes(STATSBOMB)]
    layout["shapes"].extend(period_break_shapes(clock, xref="x2", yref="y2 domain"))

    layout["xaxis"] = {**layout["xaxis"], "domain": [0.0, 1.0], "anchor": "y"}
    layout["yaxis"] = {**layout["yaxis"], "domain": PITCH_DOMAIN, "anchor": "x"}
    layout["xaxis2"] = clock_axis(clock, anchor="y2", domain=[0.0, 1.0])
    layout["yaxis2"] = _share_axis("Final-third touches", domain=SHARES_DOMAIN, anchor="x2")

    layout["annotations"].append({
        "text": f"{html.escape(model.info.home_team)} attack \u2192", "showarrow": False,
        "xref": "x", "yref": "y", "x": STATSBOMB.center_x, "y": -1, "yanchor": "bottom",
        "font": {"size": 11, "color": "#52606d"},
    })
    clear_clock_axis(layout)
    # The legend names the bars, so it sits just above their panel rather than above the pitch.
    layout["legend"].update(y=SHARES_DOMAIN[1], title={"text": "Final-third touches"})
    return layout


def possession_seconds(in_play: pd.DataFrame, bins: TimeBins, team_ids: tuple[int, int]) -> list[np.ndarray]:
    """Measure each team's possession time per time bin in seconds (home first).

    ``in_play`` is in match order. The time from one event to the next belongs
    to the possession team of the first event when both events are in the same
    period and the same possession. Gaps across a change of possession or a
    break are dropped, which leaves out most dead-ball time (ball out of play,
    goal celebrations). A gap counts in the bin where it starts.
    """
    period = in_play["period"].to_numpy()
    possession = in_play["possession"].to_numpy()
    timestamp = in_play["timestamp"].to_numpy()
    same = (period[1:] == period[:-1]) & (possession[1:] == possession[:-1])
    gaps = np.where(same, timestamp[1:] - timestamp[:-1], 0.0)

    starts = in_play.iloc[:-1]
    positions = bins.assign(starts)
    seconds = []
    for team_id in team_ids:
        mine = (starts["possession_team_id"] == team_id).to_numpy()
        seconds.append(np.bincount(positions[mine], weights=gaps[mine], minlength=len(bins)))
    return seconds


@register("possession_timeline", title="Possession timeline")
def possession_timeline(model: MatchModel) -> dict:
    """Draw each team's share of possession time per 5-minute window, stacked to 100%.

    Possession time comes from event timestamps (see ``possession_seconds``)
    rather than pass counts, so long spells of keeping the ball weigh more
    than a flurry of short passes. Windows restart at each period's kick-off,
    extra time is shown and the shoot-out is excluded.
    """
    in_play = _in_play(model)
    clock = match_clock(in_play)
    bins = time_bins(clock, WINDOW_MINUTES)
    home_seconds, away_seconds = possession_seconds(in_play, bins, model.team_ids)
    if home_seconds.sum() + away_seconds.sum() <= 0:
        raise PlotSkipped("the match has no possession time outside the penalty shoot-out")

    colors = team_colors(model.info)
    traces = _share_bars(model, bins, (home_seconds, away_seconds), colors, "possession time", " s")
    layout = base_layout(
        model, "Possession timeline",
        xaxis=clock_axis(clock), yaxis=_share_axis("Share of possession time"),
        barmode="stack", bargap=0.1, shapes=period_break_shapes(clock),
    )
    clear_clock_axis(layout)
    return {"data": traces, "layout": layout}


def _share_bars(
    model: MatchModel, bins: TimeBins, amounts: tuple[np.ndarray, np.ndarray], colors: dict,
    what: str, unit: str, xaxis: str = "x", yaxis: str = "y",
) -> list[dict]:
    """Build stacked home and away bars of each team's share per bin, leaving out bins where both are zero.

    The legend names each team with its share over the whole match.
    """
    total = amounts[0] + amounts[1]
    keep = np.flatnonzero(total > 0)
    grand_total = total.sum()
    traces = []
    for team_id, amount in zip(model.team_ids, amounts):
        name = html.escape(model.info.team_name(team_id))
        overall = amount.sum() / grand_total if grand_total > 0 else 0.0
        traces.append({
            "type": "bar",
            "name": f"{name} {overall:.0%}",
            "x": rounded(bins.center[keep], 2),
            "y": rounded(amount[keep] / total[keep], 4),
            "width": rounded(bins.width[keep] * BAR_WIDTH_SHARE, 2),
            "marker": {"color": colors[team_id]},
            "customdata": [[bins.label[i], round(float(amount[i]), 1), round(float(total[i]), 1)] for i in keep],
            "hovertemplate": (
                f"<b>{name}</b> %{{customdata[0]}}<br>%{{y:.0%}} of {what} "
                f"(%{{customdata[1]:.0f}}{unit} of %{{customdata[2]:.0f}}{unit})<extra></extra>"
            ),
            "xaxis": xaxis, "yaxis": yaxis,
        })
    return traces


def _share_axis(title: str, **extra) -> dict:
    """Build a 0 to 100% y axis for share bars."""
    axis = {
        "range": [0, 1], "tickformat": ".0%", "tickvals": [0, 0.25, 0.5, 0.75, 1],
        "showgrid": True, "gridcolor": "#eef2f6", "title": {"text": title}, "fixedrange": True,
    }
    axis.update(extra)
    return axis
