"""The shared visual identity: team colours, titles, credit and the base layout."""

from __future__ import annotations

import html
import math
from functools import lru_cache

import numpy as np

from matchkit.dimensions import STATSBOMB, PitchDimensions
from matchkit.plots.pitch import PITCH_COLOR, pitch_axes, pitch_shapes
from matchkit.processing.model import MatchInfo, MatchModel

# Distinct, colour-blind friendly hues. A team keeps its hue across matches
# (picked from its id); the away team moves to the next hue on a clash.
PALETTE = ("#1f5fbf", "#d1495b", "#2a9d8f", "#e09f3e", "#6a4c93", "#3d405b", "#8c564b", "#c2185b")
HOME_COLOR_INDEX = 0

FONT = {"family": "Inter, Helvetica, Arial, sans-serif", "size": 12, "color": "#1f2933"}
CREDIT_TEXT = "Data: StatsBomb"


def team_colors(info: MatchInfo) -> dict[int, str]:
    """Return a colour for each team id of the match; home and away always differ."""
    home = PALETTE[info.home_team_id % len(PALETTE)]
    away_index = info.away_team_id % len(PALETTE)
    if PALETTE[away_index] == home:
        away_index = (away_index + 1) % len(PALETTE)
    return {info.home_team_id: home, info.away_team_id: PALETTE[away_index]}


def score_line(info: MatchInfo) -> str:
    """Return ``"Home 2-1 Away"`` (or ``"Home v Away"`` when the score is unknown), HTML-escaped."""
    home, away = html.escape(info.home_team), html.escape(info.away_team)
    if info.home_score is None or info.away_score is None:
        return f"{home} v {away}"
    return f"{home} {info.home_score}\u2013{info.away_score} {away}"


def context_line(info: MatchInfo) -> str:
    """Return competition, season, stage and date in one escaped line."""
    parts = [f"{info.competition} {info.season}".strip(), info.stage or "", info.match_date or ""]
    return html.escape(" \u00b7 ".join(part for part in parts if part))


def title(info: MatchInfo, plot_name: str) -> dict:
    """Build the figure title: the plot name and score on top, the context below."""
    text = (
        f"<b>{html.escape(plot_name)}</b> \u2014 {score_line(info)}"
        f"<br><span style='font-size:11px;color:#52606d'>{context_line(info)}</span>"
    )
    return {"text": text, "x": 0.01, "xanchor": "left", "y": 0.97, "yanchor": "top"}


def credit() -> dict:
    """Return the small "Data: StatsBomb" annotation that every figure carries."""
    return {
        "text": CREDIT_TEXT, "showarrow": False, "xref": "paper", "yref": "paper",
        "x": 1, "y": -0.02, "xanchor": "right", "yanchor": "top",
        "font": {"size": 10, "color": "#7b8794"},
    }


def base_layout(model: MatchModel, plot_name: str, **extra) -> dict:
    """Build a chart layout (no pitch) with the shared title, font and credit."""
    layout = {
        "title": title(model.info, plot_name),
        "font": FONT,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 40, "r": 20, "t": 80, "b": 40},
        "annotations": [credit()],
        "hoverlabel": {"namelength": -1},
        "legend": {"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top"},
    }
    layout.update(extra)
    return layout


def pitch_layout(model: MatchModel, plot_name: str, dims: PitchDimensions = STATSBOMB, **extra) -> dict:
    """Build a layout with the pitch drawn to scale, attack left to right, and the shared title and credit."""
    xaxis, yaxis = pitch_axes(dims)
    layout = base_layout(
        model, plot_name,
        xaxis=xaxis, yaxis=yaxis, shapes=list(pitch_shapes(dims)), plot_bgcolor=PITCH_COLOR,
    )
    layout.update(extra)
    return layout


# Shorter inputs are rounded one by one in Python, which costs less than NumPy's fixed cost per call.
_SHORT_INPUT = 16

# Scaled values closer than this to a half-integer, or larger than the second limit, are rounded
# by round() itself (see rounded). Below that limit NumPy's scaling error is under 2e-7.
_TIE_TOLERANCE = 1e-6
_MAX_SCALED = 1e9


def rounded(values, digits: int = 1) -> list:
    """Return values rounded for storage, with NaN and None as ``None`` so JSON stays valid.

    The result is exactly Python's ``round(float(value), digits)`` for every value.
    Long inputs are rounded with NumPy, which scales, rounds to an integer and
    scales back. That matches the correctly rounded ``round()`` except where
    the scaled value sits within a rounding error of a tie, so those few
    values, and NaN, infinities and huge values, go through ``round()`` itself.
    """
    if not isinstance(values, (list, tuple, np.ndarray)) and not hasattr(values, "to_numpy"):
        values = list(values)
    if len(values) < _SHORT_INPUT or digits < 0:
        return [_round_one(value, digits) for value in values]

    array = np.asarray(values, dtype=float)
    out = np.round(array, digits).tolist()
    scaled = np.abs(array) * 10.0 ** digits
    exact = (np.abs(scaled - np.floor(scaled) - 0.5) > _TIE_TOLERANCE) & (scaled < _MAX_SCALED)
    for position in np.flatnonzero(~exact).tolist():
        out[position] = _round_one(array[position], digits)
    return out


def _round_one(value, digits: int) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


@lru_cache(maxsize=65536)
def escaped(text: str, quote: bool = True) -> str:
    """Return ``html.escape(text, quote)``, cached: the same names recur on hundreds of events per match."""
    return html.escape(text, quote)


def minute_label(minute: int, second: int) -> str:
    """Format match time as ``mm:ss`` for hover text."""
    return f"{int(minute)}:{int(second):02d}"


def minute_labels(minutes, seconds) -> list[str]:
    """Format the match time of many events as ``mm:ss``, like ``minute_label`` (columns or arrays of integers)."""
    minutes = np.asarray(minutes, dtype=np.int64).tolist()
    seconds = np.asarray(seconds, dtype=np.int64).tolist()
    return [f"{minute}:{second:02d}" for minute, second in zip(minutes, seconds)]
