"""Touches by zone: a team's touches counted in the zones of positional play.

The pitch is split into thirds along its length and five lanes across its
width, in the team's own frame (attacking towards x = length in both halves).
Shoot-out kicks are not touches of play and are left out.
"""

from __future__ import annotations

import html

import numpy as np

from matchkit.dimensions import STATSBOMB, PitchDimensions
from matchkit.plots import style
from matchkit.plots.players import team_touches
from matchkit.plots.registry import PlotSkipped, register
from matchkit.processing.model import MatchModel

THIRD_NAMES = ("Defensive third", "Middle third", "Final third")

# Lanes from the attacking team's left (y = 0) to its right (y = width).
LANE_NAMES = ("Left wing", "Left half-space", "Centre", "Right half-space", "Right wing")


def zone_edges(dims: PitchDimensions = STATSBOMB) -> tuple[np.ndarray, np.ndarray]:
    """Return the x edges of the thirds and the y edges of the five lanes (pitch units).

    The wings run from the touchlines to the width of the penalty area. The
    half-spaces run from there to the width of the six-yard box, which the
    centre lane spans. On the StatsBomb pitch the y edges are 0, 18, 30, 50, 62, 80.
    """
    box_top, box_bottom = dims.penalty_area_y
    six_top, six_bottom = dims.six_yard_y
    x_edges = np.array([0.0, dims.length / 3, dims.final_third_x, dims.length])
    y_edges = np.array([0.0, box_top, six_top, six_bottom, box_bottom, dims.width])
    return x_edges, y_edges


def zone_counts(x, y, dims: PitchDimensions = STATSBOMB) -> np.ndarray:
    """Count points per zone, as an array of shape (lanes, thirds).

    A point on an inner edge belongs to the zone that starts there. Points on
    x = length or y = width fall into the last zone, and points with a missing
    coordinate are dropped.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x_edges, y_edges = zone_edges(dims)
    counts, _, _ = np.histogram2d(
        np.clip(x[keep], 0.0, dims.length), np.clip(y[keep], 0.0, dims.width), bins=[x_edges, y_edges],
    )
    return counts.T.astype(int)


def zonal_heatmap(model: MatchModel, side: str) -> dict:
    """Draw a team's touches per zone, with the count and the share of its touches in each zone.

    ``side`` is ``"home"`` or ``"away"``, resolved from the match entry.
    Shares are percentages of all the team's touches, rounded to 0.1.
    """
    team_id = model.side_team_id(side)
    team = model.info.team_name(team_id)
    touches = team_touches(model, team_id)
    if touches.empty:
        raise PlotSkipped(f"{team} has no touches with a location")

    counts = zone_counts(touches["x"], touches["y"])
    shares = np.round(counts * 100.0 / counts.sum(), 1)
    text = [[f"{count}<br>{share:.1f}%" for count, share in zip(*row)] for row in zip(counts, shares)]
    hover = [
        [f"{lane}, {third.lower()}<br>{count} touches ({share:.1f}%)" for third, count, share in zip(THIRD_NAMES, *row)]
        for lane, row in zip(LANE_NAMES, zip(counts, shares))
    ]

    x_edges, y_edges = zone_edges()
    color = style.team_colors(model.info)[team_id]
    heatmap = {
        "type": "heatmap",
        "name": "Touches per zone",
        "x": style.rounded(x_edges),
        "y": style.rounded(y_edges),
        "z": shares.tolist(),
        "zmin": 0,
        "zmax": max(float(shares.max()), 1.0),
        "colorscale": [[0.0, "rgba(255,255,255,0.3)"], [1.0, color]],
        "opacity": 0.75,
        "xgap": 2,
        "ygap": 2,
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 12},
        "customdata": hover,
        "hovertemplate": "%{customdata}<extra></extra>",
        "colorbar": {"title": {"text": "% of touches"}, "thickness": 12, "len": 0.6},
    }

    layout = style.pitch_layout(model, f"Touches by zone: {team}")
    layout["title"]["subtitle"] = {
        "text": (
            f"{html.escape(team, quote=False)} attacks left to right \u00b7 "
            f"{int(counts.sum())} touches with a location"
        ),
        "font": {"size": 11, "color": "#52606d"},
    }
    layout["margin"] = {**layout["margin"], "t": 105}
    return {"data": [heatmap], "layout": layout}


@register("zonal_heatmap_home", title="Touches by zone (home)")
def zonal_heatmap_home(model: MatchModel) -> dict:
    """Draw the home team's touches by zone."""
    return zonal_heatmap(model, "home")


@register("zonal_heatmap_away", title="Touches by zone (away)")
def zonal_heatmap_away(model: MatchModel) -> dict:
    """Draw the away team's touches by zone."""
    return zonal_heatmap(model, "away")
