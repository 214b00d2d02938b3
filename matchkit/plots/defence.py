"""Defensive actions plot: a zone heatmap of one team's defensive actions with each action on top.

Defensive events are stored in the defending team's own frame, so the team
defends the goal at x = 0 and attacks towards x = length. The pitch is drawn in
that frame without mirroring.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from matchkit.dimensions import STATSBOMB
from matchkit.plots import style
from matchkit.plots.bins import bin_centers, bin_counts
from matchkit.plots.registry import register
from matchkit.processing import selectors
from matchkit.processing.model import MatchModel

# Action label -> (marker symbol, marker colour). Tackles are duels of type
# Tackle, because StatsBomb has no Tackle event type.
ACTION_STYLES: dict[str, tuple[str, str]] = {
    "Pressure": ("circle-open", "#7b8794"),
    "Tackle": ("x", "#111827"),
    "Interception": ("diamond", "#b45309"),
    "Ball Recovery": ("circle", "#047857"),
    "Block": ("square", "#7c3aed"),
    "Clearance": ("triangle-up", "#be185d"),
    "Foul Committed": ("star", "#dc2626"),
}

# Heatmap cells along the length and the width: 10 x 10 pitch units on the StatsBomb pitch.
HEATMAP_BINS = (12, 8)

_NO_OUTCOME = "\u2013"


def action_labels(events: pd.DataFrame) -> np.ndarray:
    """Label each event with its defensive action type, or None when it is not one.

    Events without a location are left out because they cannot be drawn.
    """
    conditions = [
        selectors.of_type(events, "Pressure"),
        selectors.of_type(events, "Duel") & (events["duel_type"].to_numpy() == "Tackle"),
        selectors.of_type(events, "Interception"),
        selectors.of_type(events, "Ball Recovery"),
        selectors.of_type(events, "Block"),
        selectors.of_type(events, "Clearance"),
        selectors.of_type(events, "Foul Committed"),
    ]
    labels = np.select(conditions, np.array(list(ACTION_STYLES), dtype=object), default=None)
    labels[np.isnan(events["x"].to_numpy())] = None
    return labels


def team_actions(model: MatchModel, team_id: int) -> pd.DataFrame:
    """Return a team's defensive actions outside the shoot-out, with an ``action`` label column."""
    events = model.events
    # Both teams' plots read the labels of the whole table, so they are computed once per model.
    labels = model.cached("defensive_action_labels", lambda: action_labels(events))
    keep = model.team_mask(team_id) & model.mask(selectors.regular_play) & ~pd.isna(labels)
    actions = events.take(np.flatnonzero(keep))
    actions["action"] = labels[keep]
    return actions


def _outcome_labels(actions: pd.DataFrame) -> np.ndarray:
    """Return the hover outcome: the card of a foul, counterpress for a pressure, else the event outcome."""
    action = actions["action"].to_numpy()
    card = actions["card"].to_numpy()
    counterpress = np.where(actions["counterpress"].to_numpy(), "Counterpress", None)
    labels = np.where(action == "Foul Committed", np.where(pd.isna(card), "No card", card), actions["outcome"].to_numpy())
    labels = np.where(action == "Pressure", counterpress, labels)
    return np.where(pd.isna(labels), _NO_OUTCOME, labels)


def _action_traces(actions: pd.DataFrame) -> list[dict]:
    players = [style.escaped(name) if isinstance(name, str) else "" for name in actions["player"].tolist()]
    minutes = style.minute_labels(actions["minute"], actions["second"])
    outcomes = [style.escaped(str(outcome)) for outcome in _outcome_labels(actions).tolist()]
    customdata = np.array([players, minutes, outcomes], dtype=object).T
    action, x, y = actions["action"].to_numpy(), actions["x"].to_numpy(), actions["y"].to_numpy()

    traces = []
    for label, (symbol, color) in ACTION_STYLES.items():
        selected = action == label
        traces.append({
            "type": "scatter",
            "mode": "markers",
            "name": f"{label} ({int(selected.sum())})",
            "legendgroup": label,
            "x": style.rounded(x[selected]),
            "y": style.rounded(y[selected]),
            "customdata": customdata[selected].tolist(),
            "marker": {"symbol": symbol, "color": color, "size": 7, "line": {"width": 1, "color": color}},
            "hovertemplate": (
                f"<b>{html.escape(label)}</b><br>%{{customdata[0]}}<br>%{{customdata[1]}}"
                "<br>%{customdata[2]}<extra></extra>"
            ),
        })
    return traces


def _heatmap_trace(actions: pd.DataFrame, color: str) -> dict:
    x_bins, y_bins = HEATMAP_BINS
    counts = bin_counts(actions["x"], actions["y"], x_bins, y_bins, STATSBOMB)
    x_centers, y_centers = bin_centers(x_bins, y_bins, STATSBOMB)
    return {
        "type": "heatmap",
        "name": "Actions per zone",
        "x": style.rounded(x_centers),
        "y": style.rounded(y_centers),
        "z": counts.astype(int).tolist(),
        "zmin": 0,
        "colorscale": [[0.0, "rgba(255,255,255,0)"], [1.0, color]],
        "opacity": 0.6,
        "showscale": False,
        "hovertemplate": "%{z} defensive actions in this zone<extra></extra>",
    }


def defensive_actions(model: MatchModel, side: str) -> dict:
    """Draw one team's defensive actions in its own frame, with its PPDA in the title.

    ``side`` is ``"home"`` or ``"away"``, resolved from the match entry.
    """
    team_id = model.side_team_id(side)
    team = model.info.team_name(team_id)
    actions = team_actions(model, team_id)
    color = style.team_colors(model.info)[team_id]

    ppda = model.ppda(team_id)
    ppda_text = "PPDA n/a" if ppda is None else f"PPDA {ppda:.1f}"

    layout = style.pitch_layout(model, f"Defensive actions: {team} \u00b7 {ppda_text}")
    layout["title"]["subtitle"] = {
        "text": f"{html.escape(team)} defends the goal on the left and attacks left to right",
        "font": {"size": 11, "color": "#52606d"},
    }
    layout["margin"] = {**layout["margin"], "t": 105}

    return {"data": [_heatmap_trace(actions, color), *_action_traces(actions)], "layout": layout}


@register("defensive_actions_home", title="Defensive actions (home)")
def defensive_actions_home(model: MatchModel) -> dict:
    """Draw the home team's defensive actions."""
    return defensive_actions(model, "home")


@register("defensive_actions_away", title="Defensive actions (away)")
def defensive_actions_away(model: MatchModel) -> dict:
    """Draw the away team's defensive actions."""
    return defensive_actions(model, "away")
