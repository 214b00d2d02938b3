"""Per-player views of one team: touch heatmaps behind a player menu, and average positions.

Every touch is stored in the frame of the team that made it, so a team attacks
left to right in both halves and no event needs mirroring. Shoot-out kicks
(period 5) are not touches of play and are left out.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matchkit.dimensions import STATSBOMB
from matchkit.plots import style
from matchkit.plots.bins import bin_centers, bin_edges
from matchkit.plots.registry import PlotSkipped, register
from matchkit.processing import selectors
from matchkit.processing.model import MatchModel

# The columns of a team's touches that the player and zone plots read.
TOUCH_COLUMNS = ["player_id", "player", "x", "y"]

# Heatmap cells along the length and the width: 10 x 10 pitch units on the StatsBomb pitch.
HEATMAP_BINS = (12, 8)


def team_touches(model: MatchModel, team_id: int) -> pd.DataFrame:
    """Return a team's touches with a location and a player, outside the shoot-out.

    The frame has the columns ``TOUCH_COLUMNS``, all that the player and zone
    plots read. Several plots read this selection, so it is computed once per model.
    """
    return model.cached(("team_touches", team_id), lambda: _team_touches(model, team_id))


def _team_touches(model: MatchModel, team_id: int) -> pd.DataFrame:
    events = model.events
    mask = (
        model.team_mask(team_id)
        & model.mask(selectors.touches)
        & model.mask(selectors.regular_play)
        & events["player_id"].notna().to_numpy()
    )
    # Copying four columns of the rows costs much less than copying all of them.
    return events[TOUCH_COLUMNS].take(np.flatnonzero(mask))


def starter_ids(model: MatchModel, team_id: int) -> set[int]:
    """Return the ids of the players who started for a team.

    Newer lineups mark starters through their positions' ``start_reason``.
    Older lineups mark no starter, and the events table does not contain the
    Starting XI's list of players. A starter is then a team-sheet player with
    an on-pitch event who never came on as a substitute. An unused substitute
    has no such event, and a used one is the ``replacement`` of a Substitution.
    Bad Behaviour is left out because a player on the bench can be booked.
    """
    lineup = model.lineups.get(team_id, [])
    marked = {player.player_id for player in lineup if player.starter}
    if marked:
        return marked

    events = model.events
    team = model.team_mask(team_id) & ~model.type_mask("Bad Behaviour")
    acted = _known_ids(events["player_id"], team)
    came_on = _known_ids(events["replacement_id"], team)
    return {player.player_id for player in lineup if player.player_id in acted and player.player_id not in came_on}


def _known_ids(ids: pd.Series, rows: np.ndarray) -> set[int]:
    """Return the ids that are not missing in the selected rows of a nullable id column."""
    selected = ids.to_numpy(dtype="float64", na_value=np.nan)[rows]
    return set(selected[~np.isnan(selected)].astype(np.int64).tolist())


def formation_label(formation: str | None) -> str | None:
    """Turn a formation code such as ``"4231"`` into ``"4-2-3-1"``, or return None when it is missing."""
    if not formation:
        return None
    return "-".join(formation)


def _shirt_numbers(model: MatchModel, team_id: int) -> dict[int, int | None]:
    return {player.player_id: player.jersey_number for player in model.lineups.get(team_id, [])}


@dataclass(frozen=True)
class PlayerTouches:
    """One player's touches: count and mean location (pitch units), with the row of the player's touches."""

    player_id: int
    name: str
    number: int | None
    touches: int
    mean_x: float
    mean_y: float
    row: int

    @property
    def label(self) -> str:
        """Return ``"#10 Name"``, HTML-escaped, or the name alone without a shirt number."""
        escaped = html.escape(self.name, quote=False)
        return escaped if self.number is None else f"#{self.number} {escaped}"


def _player_rows(touches: pd.DataFrame, numbers: dict[int, int | None]) -> tuple[np.ndarray, list[PlayerTouches]]:
    """Summarize each player with touches, ordered by shirt number and then by name.

    Returns each touch's player row (an index into the unsorted player ids) and
    one ``PlayerTouches`` per player.
    """
    player_ids = touches["player_id"].to_numpy(dtype="int64")
    x, y = touches["x"].to_numpy(dtype=float), touches["y"].to_numpy(dtype=float)
    names = touches["player"].to_numpy(dtype=object)
    unique, first, rows, counts = np.unique(player_ids, return_index=True, return_inverse=True, return_counts=True)
    sum_x = np.bincount(rows, weights=x, minlength=len(unique))
    sum_y = np.bincount(rows, weights=y, minlength=len(unique))
    return rows, sorted(
        (
            PlayerTouches(int(player_id), names[first[row]], numbers.get(int(player_id)), int(counts[row]),
                          sum_x[row] / counts[row], sum_y[row] / counts[row], row)
            for row, player_id in enumerate(unique)
        ),
        key=lambda player: (player.number is None, player.number or 0, player.name),
    )


def _player_heatmap(counts: np.ndarray, centers: tuple[list, list], label: str, visible: bool) -> dict:
    """Build one player's heatmap trace; ``centers`` are the rounded cell centres along x and y."""
    # Empty cells stay blank (None) so the pitch shows through.
    z = np.where(counts > 0, counts.astype(object), None).tolist()
    return {
        "type": "heatmap",
        "name": label,
        "x": centers[0],
        "y": centers[1],
        "z": z,
        "coloraxis": "coloraxis",
        "opacity": 0.8,
        "xgap": 1,
        "ygap": 1,
        "visible": visible,
        "hovertemplate": f"%{{z}} touches in this cell<extra>{label}</extra>",
    }


def _player_cell_counts(touches: pd.DataFrame, rows: np.ndarray, players: int) -> np.ndarray:
    """Count each player's touches per heatmap cell in one pass, as an array of shape (players, y bins, x bins).

    The edges are the fixed pitch edges of ``bin_edges``, and points on
    x = length or y = width fall into the last cell, as in ``bin_counts``.
    """
    x_edges, y_edges = bin_edges(*HEATMAP_BINS, STATSBOMB)
    x = np.clip(touches["x"].to_numpy(dtype=float), 0.0, STATSBOMB.length)
    y = np.clip(touches["y"].to_numpy(dtype=float), 0.0, STATSBOMB.width)
    row_edges = np.arange(players + 1) - 0.5
    counts, _ = np.histogramdd((rows, x, y), bins=(row_edges, x_edges, y_edges))
    return counts.transpose(0, 2, 1).astype(int)


def player_heatmaps(model: MatchModel, side: str) -> dict:
    """Draw one touch heatmap per player of a team, one shown at a time through a menu.

    ``side`` is ``"home"`` or ``"away"``, resolved from the match entry. Cells
    are 10 x 10 pitch units and every player shares one colour scale.
    """
    team_id = model.side_team_id(side)
    team = model.info.team_name(team_id)
    touches = team_touches(model, team_id)
    if touches.empty:
        raise PlotSkipped(f"{team} has no touches with a location")

    rows, players = _player_rows(touches, _shirt_numbers(model, team_id))
    cell_counts = _player_cell_counts(touches, rows, len(players))

    x_centers, y_centers = bin_centers(*HEATMAP_BINS, STATSBOMB)
    centers = (style.rounded(x_centers), style.rounded(y_centers))
    traces, buttons = [], []
    for position, player in enumerate(players):
        traces.append(_player_heatmap(cell_counts[player.row], centers, player.label, visible=position == 0))
        buttons.append({
            "label": f"{player.label} ({player.touches})",
            "method": "restyle",
            "args": [{"visible": [index == position for index in range(len(players))]}],
        })

    color = style.team_colors(model.info)[team_id]
    layout = style.pitch_layout(model, f"Player touches: {team}")
    layout["coloraxis"] = {
        "colorscale": [[0.0, "rgba(255,255,255,0.2)"], [1.0, color]],
        "cmin": 0,
        "cmax": max(int(cell_counts.max()), 1),
        "colorbar": {"title": {"text": "Touches"}, "thickness": 12, "len": 0.6},
    }
    layout["updatemenus"] = [{
        "type": "dropdown",
        "buttons": buttons,
        "active": 0,
        "x": 1,
        "xanchor": "right",
        "y": 1.02,
        "yanchor": "bottom",
        "showactive": True,
    }]
    layout["margin"] = {**layout["margin"], "t": 100}
    return {"data": traces, "layout": layout}


def _position_trace(players: list[PlayerTouches], role: str, color: str, starters: bool) -> dict:
    """Draw players as shirt-number discs: filled for starters, outlined for substitutes."""
    return {
        "type": "scatter",
        "mode": "markers+text",
        "name": f"{role}s ({len(players)})",
        "x": style.rounded(player.mean_x for player in players),
        "y": style.rounded(player.mean_y for player in players),
        "text": ["" if player.number is None else str(player.number) for player in players],
        "textfont": {"color": "white" if starters else color, "size": 11},
        "customdata": [[html.escape(player.name, quote=False), player.touches] for player in players],
        "marker": {
            "size": 24 if starters else 20,
            "color": color if starters else "white",
            "line": {"color": color, "width": 2},
        },
        "hovertemplate": f"<b>%{{customdata[0]}}</b><br>{role}<br>%{{customdata[1]}} touches<extra></extra>",
    }


def average_positions(model: MatchModel, side: str) -> dict:
    """Draw each player of a team at the mean location of their touches, with the starting formation.

    ``side`` is ``"home"`` or ``"away"``, resolved from the match entry.
    Players without a touch (unused substitutes) are not drawn.
    """
    team_id = model.side_team_id(side)
    team = model.info.team_name(team_id)
    touches = team_touches(model, team_id)
    if touches.empty:
        raise PlotSkipped(f"{team} has no touches with a location")

    _, players = _player_rows(touches, _shirt_numbers(model, team_id))
    starters = starter_ids(model, team_id)
    color = style.team_colors(model.info)[team_id]
    traces = [
        _position_trace([p for p in players if p.player_id in starters], "Starter", color, starters=True),
        _position_trace([p for p in players if p.player_id not in starters], "Substitute", color, starters=False),
    ]

    formation = formation_label(model.formations.get(team_id))
    plot_name = f"Average positions: {team}" + (f" \u00b7 started {formation}" if formation else "")
    layout = style.pitch_layout(model, plot_name)
    return {"data": traces, "layout": layout}


@register("player_heatmaps_home", title="Player touch heatmaps (home)")
def player_heatmaps_home(model: MatchModel) -> dict:
    """Draw the home team's player touch heatmaps."""
    return player_heatmaps(model, "home")


@register("player_heatmaps_away", title="Player touch heatmaps (away)")
def player_heatmaps_away(model: MatchModel) -> dict:
    """Draw the away team's player touch heatmaps."""
    return player_heatmaps(model, "away")


@register("average_positions_home", title="Average positions (home)")
def average_positions_home(model: MatchModel) -> dict:
    """Draw the home team's average positions."""
    return average_positions(model, "home")


@register("average_positions_away", title="Average positions (away)")
def average_positions_away(model: MatchModel) -> dict:
    """Draw the away team's average positions."""
    return average_positions(model, "away")
