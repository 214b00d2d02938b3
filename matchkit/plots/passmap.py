"""A team's passes as arrows, with switchable layers for the passes that move play forward.

Passes are stored in the passing team's frame, which attacks towards
x = length in both halves, so the map needs no mirroring. Shoot-out kicks and
passes without an end location are left out.
"""

from __future__ import annotations

import html
from functools import lru_cache

import numpy as np
import pandas as pd

from matchkit.dimensions import STATSBOMB, PitchDimensions
from matchkit.plots import style
from matchkit.plots.registry import PlotSkipped, register
from matchkit.processing import selectors
from matchkit.processing.model import MatchModel

# A pass is progressive when it ends at most 75% as far from the centre of the
# opponent's goal as it started, so it brings the ball at least 25% closer.
PROGRESSIVE_SHARE = 0.75

INCOMPLETE_COLOR = "#9aa5b1"

# Category key -> (legend label, colour). Categories overlap: one pass can be a
# progressive cross into the box.
CATEGORIES: dict[str, tuple[str, str]] = {
    "progressive": ("Progressive", "#2a9d8f"),
    "final_third_entry": ("Final-third entries", "#e09f3e"),
    "box_entry": ("Box entries", "#c2185b"),
    "cross": ("Crosses", "#6a4c93"),
    "switch": ("Switches", "#3d405b"),
}

_NO_RECIPIENT = "\u2013"


def team_passes(model: MatchModel, team_id: int) -> pd.DataFrame:
    """Return a team's passes with a start and an end location, outside the shoot-out."""
    events = model.events
    mask = (
        model.team_mask(team_id)
        & model.type_mask("Pass")
        & model.mask(selectors.regular_play)
        & ~np.isnan(events["x"].to_numpy())
        & ~np.isnan(events["end_x"].to_numpy())
    )
    return events[mask]


def _in_attacked_box(x: np.ndarray, y: np.ndarray, dims: PitchDimensions) -> np.ndarray:
    top, bottom = dims.penalty_area_y
    return (x >= dims.penalty_area_x) & (y >= top) & (y <= bottom)


def pass_categories(passes: pd.DataFrame, dims: PitchDimensions = STATSBOMB) -> dict[str, np.ndarray]:
    """Mask the passes of each category in ``CATEGORIES``, complete or not, as boolean arrays in row order.

    Progressive: the end is at most ``PROGRESSIVE_SHARE`` of the start's distance
    from the centre of the attacked goal. Final-third entry: starts before
    ``dims.final_third_x`` and ends at or beyond it. Box entry: ends inside the
    attacked penalty area (edges included) and starts outside it. Crosses and
    switches are StatsBomb's own ``cross`` and ``switch`` flags. Set pieces
    (corners, free kicks, throw-ins) count like open-play passes.
    """
    x, y = passes["x"].to_numpy(dtype=float), passes["y"].to_numpy(dtype=float)
    end_x, end_y = passes["end_x"].to_numpy(dtype=float), passes["end_y"].to_numpy(dtype=float)
    start_distance = np.hypot(dims.length - x, dims.center_y - y)
    end_distance = np.hypot(dims.length - end_x, dims.center_y - end_y)
    return {
        "progressive": end_distance <= PROGRESSIVE_SHARE * start_distance,
        "final_third_entry": (x < dims.final_third_x) & (end_x >= dims.final_third_x),
        "box_entry": _in_attacked_box(end_x, end_y, dims) & ~_in_attacked_box(x, y, dims),
        "cross": passes["pass_cross"].to_numpy(dtype=bool),
        "switch": passes["pass_switch"].to_numpy(dtype=bool),
    }


class _PassArrays:
    """Per-pass values computed once, as numpy arrays that every layer indexes with a mask."""

    def __init__(self, passes: pd.DataFrame):
        self.x = np.round(passes["x"].to_numpy(dtype=float), 1)
        self.y = np.round(passes["y"].to_numpy(dtype=float), 1)
        self.end_x = np.round(passes["end_x"].to_numpy(dtype=float), 1)
        self.end_y = np.round(passes["end_y"].to_numpy(dtype=float), 1)
        self.complete = selectors.completed_passes(passes).to_numpy()
        self.angles = _arrow_angles(passes)
        self.hover = _hover_data(passes)


def _arrow_angles(passes: pd.DataFrame) -> np.ndarray:
    """Return each pass's direction as a marker angle: degrees clockwise from up on screen.

    The y axis grows downwards on screen, so +y points down and an arrow
    pointing along (dx, dy) is turned by atan2(dx, -dy).
    """
    dx = passes["end_x"].to_numpy(dtype=float) - passes["x"].to_numpy(dtype=float)
    dy = passes["end_y"].to_numpy(dtype=float) - passes["y"].to_numpy(dtype=float)
    return np.rint(np.degrees(np.arctan2(dx, -dy))).astype(int)


def _hover_data(passes: pd.DataFrame) -> np.ndarray:
    """Return player, minute, outcome (with the pass type for set pieces) and recipient per pass."""
    table = np.empty((len(passes), 4), dtype=object)
    table[:, 0] = [style.escaped(player, quote=False) for player in passes["player"].tolist()]
    table[:, 1] = style.minute_labels(passes["minute"], passes["second"])
    table[:, 2] = [
        _result_text(outcome, pass_type)
        for outcome, pass_type in zip(passes["outcome"].tolist(), passes["pass_type"].tolist())
    ]
    table[:, 3] = [
        style.escaped(recipient, quote=False) if isinstance(recipient, str) else _NO_RECIPIENT
        for recipient in passes["pass_recipient"].tolist()
    ]
    return table


@lru_cache(maxsize=1024)
def _result_text(outcome: str | None, pass_type: str | None) -> str:
    """Return the escaped hover outcome of a pass: Complete without an outcome, with the pass type of a set piece."""
    result = outcome if isinstance(outcome, str) else "Complete"
    if isinstance(pass_type, str):
        result = f"{result} \u00b7 {pass_type}"
    return html.escape(result, quote=False)


def _segments(start: np.ndarray, end: np.ndarray) -> list:
    """Interleave start, end and None per pass, so one line trace draws every pass."""
    points = np.empty(len(start) * 3, dtype=object)
    points[0::3], points[1::3] = start.tolist(), end.tolist()
    return points.tolist()


def _end_symbols(complete: np.ndarray) -> dict:
    """Return marker symbol and size: an arrowhead for a complete pass, a cross for an incomplete one.

    A layer whose passes all share one outcome gets single values, which keeps the figure small.
    """
    if complete.all():
        return {"symbol": "arrow", "size": 8}
    if not complete.any():
        return {"symbol": "x", "size": 6}
    return {"symbol": np.where(complete, "arrow", "x").tolist(), "size": np.where(complete, 8, 6).tolist()}


def _layer(arrays: _PassArrays, mask: np.ndarray, key: str, name: str, color: str, visible) -> list[dict]:
    """Draw one layer of passes: a line trace and an end-marker trace that share a legend entry.

    Complete passes end in an arrowhead and incomplete passes in a cross.
    """
    end_x, end_y = arrays.end_x[mask], arrays.end_y[mask]
    lines = {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "legendgroup": key,
        "x": _segments(arrays.x[mask], end_x),
        "y": _segments(arrays.y[mask], end_y),
        "line": {"color": color, "width": 1.2},
        "opacity": 0.7,
        "hoverinfo": "skip",
        "visible": visible,
    }
    ends = {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "legendgroup": key,
        "showlegend": False,
        "x": end_x.tolist(),
        "y": end_y.tolist(),
        "customdata": arrays.hover[mask].tolist(),
        "marker": {**_end_symbols(arrays.complete[mask]), "angle": arrays.angles[mask].tolist(), "color": color},
        "hovertemplate": (
            "<b>%{customdata[0]}</b> %{customdata[1]}<br>%{customdata[2]}"
            "<br>To: %{customdata[3]}<extra></extra>"
        ),
        "visible": visible,
    }
    return [lines, ends]


def pass_map(model: MatchModel, side: str) -> dict:
    """Draw every pass of a team, with layers for progressive passes, entries, crosses and switches.

    ``side`` is ``"home"`` or ``"away"``, resolved from the match entry. The
    complete and incomplete layers are shown, while the category layers start
    hidden and are switched on from the legend.
    """
    team_id = model.side_team_id(side)
    team = model.info.team_name(team_id)
    passes = team_passes(model, team_id)
    if passes.empty:
        raise PlotSkipped(f"{team} has no passes with an end location")

    arrays = _PassArrays(passes)
    complete = arrays.complete
    color = style.team_colors(model.info)[team_id]
    traces = [
        *_layer(arrays, complete, "complete", f"Complete ({int(complete.sum())})", color, True),
        *_layer(arrays, ~complete, "incomplete", f"Incomplete ({int((~complete).sum())})", INCOMPLETE_COLOR, True),
    ]
    for key, mask in pass_categories(passes).items():
        label, category_color = CATEGORIES[key]
        name = f"{label} ({int(mask.sum())}, {int((mask & complete).sum())} complete)"
        traces += _layer(arrays, mask, key, name, category_color, "legendonly")

    layout = style.pitch_layout(model, f"Pass map: {team}")
    layout["title"]["subtitle"] = {
        "text": f"{html.escape(team, quote=False)} attacks left to right \u00b7 click the legend to show a layer",
        "font": {"size": 11, "color": "#52606d"},
    }
    layout["margin"] = {**layout["margin"], "t": 105}
    return {"data": traces, "layout": layout}


@register("pass_map_home", title="Pass map (home)")
def pass_map_home(model: MatchModel) -> dict:
    """Draw the home team's pass map."""
    return pass_map(model, "home")


@register("pass_map_away", title="Pass map (away)")
def pass_map_away(model: MatchModel) -> dict:
    """Draw the away team's pass map."""
    return pass_map(model, "away")
