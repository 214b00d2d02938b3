"""Heatmaps of where a team touched the ball or defended, on a fixed grid of pitch cells.

Every event is in the frame of the team that performed it, so each heatmap shows
its team attacking left to right, defensive actions included. The penalty
shoot-out (period 5) is never counted.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from matchkit.dimensions import STATSBOMB
from matchkit.plots import style
from matchkit.plots.bins import bin_centers, bin_counts
from matchkit.plots.registry import PlotSkipped, register
from matchkit.processing import selectors
from matchkit.processing.model import MatchModel

# 12 x 8 cells of 10 x 10 pitch units.
DEFAULT_X_BINS = 12
DEFAULT_Y_BINS = 8

PHASES = {
    "touches": "all touches",
    "possession": "touches in possession",
    "defensive": "defensive actions",
}
HALVES = {"full": "full match", "first": "first half", "second": "second half"}
# Periods counted by each half. Extra time (periods 3 and 4) belongs to the
# full match only, because it is neither the first nor the second half.
HALF_PERIODS = {"full": (1, 2, 3, 4), "first": (1,), "second": (2,)}
EXTRA_TIME_PERIODS = (3, 4)

_HOVER_NOUN = {"touches": "touches", "possession": "touches", "defensive": "actions"}


def phase_mask(events: pd.DataFrame, phase: str) -> pd.Series:
    """Mask the events counted by a heatmap phase: touches, possession or defensive."""
    if phase == "touches":
        return selectors.touches(events)
    if phase == "possession":
        return selectors.touches(events) & selectors.in_possession(events)
    if phase == "defensive":
        return selectors.defensive_actions(events)
    raise ValueError(f"phase must be one of {', '.join(PHASES)}, got {phase!r}")


def heatmap_figure(
    model: MatchModel,
    team_id: int,
    phase: str = "touches",
    half: str = "full",
    x_bins: int = DEFAULT_X_BINS,
    y_bins: int = DEFAULT_Y_BINS,
    half_buttons: bool = False,
) -> dict:
    """Draw a team's heatmap of one phase of play on the pitch and return the figure dictionary.

    ``half`` selects the periods counted: ``"first"`` is period 1, ``"second"``
    is period 2 and ``"full"`` is periods 1 to 4, so extra time appears in the
    full match only. With ``half_buttons`` the figure contains one trace per half
    and buttons switch between them, ``half`` being the one shown first.
    Cells are ``x_bins`` x ``y_bins`` fixed cells over the whole pitch.
    Raises ``PlotSkipped`` when the team has no counted event in the match.
    """
    if team_id not in model.team_ids:
        raise ValueError(f"team_id {team_id} is not a team of match {model.match_id} (teams {model.team_ids})")
    if half not in HALVES:
        raise ValueError(f"half must be one of {', '.join(HALVES)}, got {half!r}")

    events = model.events
    selected = model.team_mask(team_id) & model.mask(phase_mask, phase) & model.mask(selectors.regular_play)
    if not selected.any():
        raise PlotSkipped(f"{model.info.team_name(team_id)} has no {PHASES[phase]} in match {model.match_id}")
    # Only three columns are read, so they are selected as arrays rather than taking every column.
    x, y, period = (events[column].to_numpy()[selected] for column in ("x", "y", "period"))

    team = html.escape(model.info.team_name(team_id))
    has_extra_time = bool(np.isin(events["period"].to_numpy(), EXTRA_TIME_PERIODS).any())
    colorscale = _team_colorscale(style.team_colors(model.info)[team_id])
    halves = list(HALVES) if half_buttons else [half]

    traces, subtitles = [], []
    for trace_half in halves:
        in_half = np.isin(period, HALF_PERIODS[trace_half])
        trace = _heatmap_trace(x[in_half], y[in_half], phase, x_bins, y_bins, colorscale)
        trace["name"] = HALVES[trace_half]
        trace["visible"] = trace_half == half
        traces.append(trace)
        subtitles.append(_subtitle(team, phase, trace_half, has_extra_time, int(in_half.sum())))

    layout = style.pitch_layout(model, f"{model.info.team_name(team_id)}: {PHASES[phase]}")
    subtitle_index = len(layout["annotations"])
    layout["annotations"] = [*layout["annotations"], _subtitle_annotation(subtitles[halves.index(half)])]
    if half_buttons:
        layout["updatemenus"] = [_half_menu(halves, subtitles, halves.index(half), subtitle_index)]
    return {"data": traces, "layout": layout}


def _heatmap_trace(x: np.ndarray, y: np.ndarray, phase: str, x_bins: int, y_bins: int, colorscale: list) -> dict:
    """Build a heatmap trace of event counts per cell (x and y in pitch units), with each cell's share in hover."""
    counts = bin_counts(x, y, x_bins, y_bins, STATSBOMB)
    total = counts.sum()
    shares = np.round(counts / total * 100, 1) if total else np.zeros_like(counts)
    x_centers, y_centers = bin_centers(x_bins, y_bins, STATSBOMB)
    noun = _HOVER_NOUN[phase]
    return {
        "type": "heatmap",
        "x": style.rounded(x_centers),
        "y": style.rounded(y_centers),
        "z": counts.astype(int).tolist(),
        "customdata": shares.tolist(),
        "zmin": 0,
        "colorscale": colorscale,
        "colorbar": {"title": {"text": noun}, "thickness": 10, "len": 0.6},
        "hovertemplate": f"%{{z}} {noun} (%{{customdata}}%)<br>cell centre x %{{x}}, y %{{y}}<extra></extra>",
    }


def _team_colorscale(hex_color: str) -> list:
    """Return a colour scale from transparent to the team colour, so empty cells show the pitch."""
    red, green, blue = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return [[0.0, f"rgba({red},{green},{blue},0)"], [1.0, f"rgba({red},{green},{blue},0.9)"]]


def _subtitle(team: str, phase: str, half: str, has_extra_time: bool, count: int) -> str:
    period_text = HALVES[half]
    if half == "full" and has_extra_time:
        period_text += " incl. extra time"
    noun = _HOVER_NOUN[phase]
    return f"{team} \u00b7 {PHASES[phase]} \u00b7 {period_text} \u00b7 {count} {noun} \u00b7 attacking \u2192"


def _subtitle_annotation(text: str) -> dict:
    return {
        "text": text, "showarrow": False, "xref": "paper", "yref": "paper",
        "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom", "font": {"size": 12},
    }


def _half_menu(halves: list[str], subtitles: list[str], active: int, subtitle_index: int) -> dict:
    """Build the buttons that show one half's trace and put its subtitle in annotation ``subtitle_index``."""
    buttons = []
    for index, half in enumerate(halves):
        visible = [other == index for other in range(len(halves))]
        buttons.append({
            "label": HALVES[half].capitalize(),
            "method": "update",
            "args": [{"visible": visible}, {f"annotations[{subtitle_index}].text": subtitles[index]}],
        })
    return {
        "type": "buttons", "direction": "right", "active": active, "buttons": buttons,
        "x": 1, "y": 1.0, "xanchor": "right", "yanchor": "bottom", "pad": {"b": 4},
        "showactive": True, "font": {"size": 11},
    }


def _side_heatmap(model: MatchModel, side: str, phase: str) -> dict:
    return heatmap_figure(model, model.side_team_id(side), phase=phase, half="full", half_buttons=True)


@register("heatmap_home", title="Touch heatmap, home team")
def heatmap_home(model: MatchModel) -> dict:
    """Draw the home team's touches over the full match, with buttons for each half."""
    return _side_heatmap(model, "home", "touches")


@register("heatmap_away", title="Touch heatmap, away team")
def heatmap_away(model: MatchModel) -> dict:
    """Draw the away team's touches over the full match, with buttons for each half."""
    return _side_heatmap(model, "away", "touches")


@register("possession_heatmap_home", title="Possession heatmap, home team")
def possession_heatmap_home(model: MatchModel) -> dict:
    """Draw the home team's touches while in possession, with buttons for each half."""
    return _side_heatmap(model, "home", "possession")


@register("possession_heatmap_away", title="Possession heatmap, away team")
def possession_heatmap_away(model: MatchModel) -> dict:
    """Draw the away team's touches while in possession, with buttons for each half."""
    return _side_heatmap(model, "away", "possession")
