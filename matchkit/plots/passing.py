"""Pass networks of the starting eleven: who passed to whom, and where each player stood.

A network covers a team's completed passes up to its first substitution or red
card, compared on (period, timestamp) because minutes overlap at half time.
Passes are in the team's own frame, so the team attacks left to right.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matchkit.plots import style
from matchkit.plots.registry import PlotSkipped, register
from matchkit.plots.shots import player_names
from matchkit.processing import selectors
from matchkit.processing.model import MatchModel

STOP_AT = ("first_change", "first_substitution")

# Pairs with fewer completed passes than this, in both directions together, get no line.
MIN_EDGE_PASSES = 3

# Line width in pixels grows with the pair's pass count, in whole-pixel steps so
# that each width is one trace.
EDGE_MIN_WIDTH_PX = 1
EDGE_MAX_WIDTH_PX = 8

# Node diameter in pixels is MIN + SCALE * sqrt(passes involved / most involved).
NODE_MIN_PX = 12.0
NODE_SCALE_PX = 26.0


@dataclass(frozen=True)
class PassNetwork:
    """A team's counted passes up to the cut-off, with the players as nodes and the pairs as edges.

    ``passes`` contains the completed passes strictly before ``cutoff`` (all rows
    of the events table). ``nodes`` has one row per player who made or
    received one of them: ``player_id``, ``player`` (short name), ``label``
    (shirt number, or short name without one), ``x`` and ``y`` (mean pitch
    position), ``passes_made``, ``passes_received`` and ``involvement`` (their
    sum). ``edges`` has one row per pair of players, ``player_a`` <
    ``player_b`` by id, with ``a_to_b``, ``b_to_a`` and ``passes`` (both
    directions combined), all pairs kept whatever their count.
    """

    team_id: int
    stop_at: str
    cutoff: tuple[int, float] | None
    cutoff_reason: str | None
    cutoff_clock: str | None
    cutoff_player: str | None
    passes: pd.DataFrame
    nodes: pd.DataFrame
    edges: pd.DataFrame

    def cutoff_text(self) -> str:
        """Describe the cut-off for titles, e.g. ``"until 32:36, red card"``."""
        if self.cutoff is None:
            return "whole match, no lineup change"
        return f"until {self.cutoff_clock}, {self.cutoff_reason}"


def pass_network_data(model: MatchModel, team_id: int, stop_at: str = "first_change") -> PassNetwork:
    """Count a team's completed passes per player and per pair up to its first lineup change.

    ``stop_at="first_change"`` stops at the first substitution or red card
    (including a second yellow), ``"first_substitution"`` at the first
    substitution only. Passes strictly before that event count, compared on
    (period, timestamp). Each player's position is the mean of the locations
    where they made a counted pass and the end locations of the counted passes
    they received.
    """
    if stop_at not in STOP_AT:
        raise ValueError(f"stop_at must be one of {', '.join(STOP_AT)}, got {stop_at!r}")
    if team_id not in model.team_ids:
        raise ValueError(f"team_id {team_id} is not a team of match {model.match_id} (teams {model.team_ids})")

    events = model.events
    cutoff = selectors.first_lineup_change(events, team_id, include_red_cards=stop_at == "first_change")
    counted = (
        model.team_mask(team_id) & model.mask(selectors.completed_passes)
        & model.mask(selectors.regular_play) & selectors.before(events, cutoff).to_numpy()
    )
    passes = events[counted]

    names = player_names(model)
    reason = clock = player = None
    if cutoff is not None:
        reason, clock, player = _describe_change(events, team_id, cutoff, names)

    return PassNetwork(
        team_id=team_id, stop_at=stop_at, cutoff=cutoff, cutoff_reason=reason, cutoff_clock=clock,
        cutoff_player=player, passes=passes, nodes=_nodes(model, team_id, passes, names), edges=_edges(passes),
    )


def _describe_change(
    events: pd.DataFrame, team_id: int, cutoff: tuple[int, float], names: dict[int, str],
) -> tuple[str, str, str | None]:
    """Return the reason ("substitution" or "red card"), the match clock and the player of the cut-off event."""
    period, timestamp = cutoff
    # Narrow to the moment with numpy first, because masking the whole table in pandas is slower.
    at_cutoff = (
        (events["team_id"].to_numpy() == team_id) & (events["period"].to_numpy() == period)
        & (events["timestamp"].to_numpy() == timestamp)
    )
    kind, card = events["type"].to_numpy(), events["card"].to_numpy()
    row = next(
        row for row in np.flatnonzero(at_cutoff).tolist()
        if kind[row] == "Substitution" or card[row] in selectors.RED_CARDS
    )
    reason = "substitution" if kind[row] == "Substitution" else "red card"
    player_id = events["player_id"].iat[row]
    player = None if pd.isna(player_id) else names.get(int(player_id), events["player"].iat[row])
    return reason, style.minute_label(events["minute"].iat[row], events["second"].iat[row]), player


def _nodes(model: MatchModel, team_id: int, passes: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """Place each player at the mean of where they passed from and where they received, and count both."""
    passer = passes["player_id"].to_numpy(dtype="float64", na_value=np.nan)
    recipient = passes["pass_recipient_id"].to_numpy(dtype="float64", na_value=np.nan)
    ids = np.concatenate([passer, recipient])
    xs = np.concatenate([passes["x"].to_numpy(), passes["end_x"].to_numpy()])
    ys = np.concatenate([passes["y"].to_numpy(), passes["end_y"].to_numpy()])
    is_passer = np.concatenate([np.ones(len(passer)), np.zeros(len(recipient))])
    known = ~np.isnan(ids)

    player_ids, slot = np.unique(ids[known].astype("int64"), return_inverse=True)
    appearances = np.bincount(slot, minlength=len(player_ids))
    passes_made = np.bincount(slot, weights=is_passer[known], minlength=len(player_ids)).astype(int)

    event_names = dict(zip(passes["pass_recipient_id"].tolist(), passes["pass_recipient"].tolist()))
    event_names.update(zip(passes["player_id"].tolist(), passes["player"].tolist()))
    shirts = {player.player_id: player.jersey_number for player in model.lineups.get(team_id, [])}
    players = [names.get(pid) or event_names.get(pid) or "unknown player" for pid in player_ids.tolist()]
    labels = [
        str(shirts[pid]) if shirts.get(pid) is not None else name
        for pid, name in zip(player_ids.tolist(), players)
    ]

    mean_x = np.bincount(slot, weights=xs[known], minlength=len(player_ids)) / appearances
    mean_y = np.bincount(slot, weights=ys[known], minlength=len(player_ids)) / appearances

    # Most involved first and ties by player id, the order of a stable descending sort, without sorting a DataFrame.
    order = np.argsort(-appearances, kind="stable")
    return pd.DataFrame({
        "player_id": player_ids[order],
        "player": [players[row] for row in order.tolist()],
        "label": [labels[row] for row in order.tolist()],
        "x": mean_x[order],
        "y": mean_y[order],
        "passes_made": passes_made[order],
        "passes_received": (appearances - passes_made)[order],
        "involvement": appearances[order],
    })


def _edges(passes: pd.DataFrame) -> pd.DataFrame:
    """Count passes per pair of players, each pair once with both directions."""
    passer = passes["player_id"].to_numpy(dtype="float64", na_value=np.nan)
    recipient = passes["pass_recipient_id"].to_numpy(dtype="float64", na_value=np.nan)
    # A pass without a recipient, or to the passer, joins no pair.
    keep = ~np.isnan(passer) & ~np.isnan(recipient) & (passer != recipient)
    passer, recipient = passer[keep].astype("int64"), recipient[keep].astype("int64")

    pairs = np.stack([np.minimum(passer, recipient), np.maximum(passer, recipient)], axis=1).reshape(-1, 2)
    unique_pairs, slot = np.unique(pairs, axis=0, return_inverse=True)
    slot = slot.reshape(-1)
    a_to_b = np.bincount(slot, weights=passer < recipient, minlength=len(unique_pairs)).astype(int)
    b_to_a = np.bincount(slot, weights=passer > recipient, minlength=len(unique_pairs)).astype(int)
    passes_per_pair = a_to_b + b_to_a

    # Most passes first and ties by pair, the order of a stable descending sort, without sorting a DataFrame.
    order = np.argsort(-passes_per_pair, kind="stable")
    return pd.DataFrame({
        "player_a": unique_pairs[order, 0], "player_b": unique_pairs[order, 1],
        "a_to_b": a_to_b[order], "b_to_a": b_to_a[order], "passes": passes_per_pair[order],
    })


def pass_network_figure(
    model: MatchModel, team_id: int, stop_at: str = "first_change", min_edge_passes: int = MIN_EDGE_PASSES,
) -> dict:
    """Draw a team's pass network on the pitch and return the figure dictionary.

    Lines join pairs with at least ``min_edge_passes`` completed passes in
    both directions together, wider for more passes. Nodes sit at each
    player's mean position, sized by the passes they made and received, and
    carry the shirt number. Raises ``PlotSkipped`` when no pass counts.
    """
    network = pass_network_data(model, team_id, stop_at)
    if network.passes.empty:
        raise PlotSkipped(f"{model.info.team_name(team_id)} has no completed pass, {network.cutoff_text()}")
    team = html.escape(model.info.team_name(team_id))

    color = style.team_colors(model.info)[team_id]
    cutoff = html.escape(network.cutoff_text())
    traces = [*_edge_traces(network, min_edge_passes, color), _node_trace(network, color, cutoff)]

    layout = style.pitch_layout(model, f"{model.info.team_name(team_id)} pass network, {network.cutoff_text()}")
    layout["annotations"] = [*layout["annotations"], _subtitle(network, min_edge_passes, team)]
    layout["showlegend"] = False
    return {"data": traces, "layout": layout}


def _edge_traces(network: PassNetwork, min_edge_passes: int, color: str) -> list[dict]:
    """Build one line trace per width and an invisible midpoint trace that carries each pair's hover."""
    edges = network.edges[network.edges["passes"] >= min_edge_passes]
    if edges.empty:
        return []
    nodes = network.nodes
    position = dict(zip(nodes["player_id"].tolist(), zip(nodes["x"].tolist(), nodes["y"].tolist())))
    name = dict(zip(nodes["player_id"].tolist(), (html.escape(player) for player in nodes["player"])))
    pairs = list(zip(edges["player_a"].tolist(), edges["player_b"].tolist()))
    counts = edges["passes"].to_numpy()
    span = EDGE_MAX_WIDTH_PX - EDGE_MIN_WIDTH_PX
    widths = np.rint(EDGE_MIN_WIDTH_PX + span * counts / counts.max()).astype(int).tolist()

    traces = []
    for width in sorted(set(widths)):
        xs, ys = [], []
        for (player_a, player_b), pair_width in zip(pairs, widths):
            if pair_width == width:
                (x0, y0), (x1, y1) = position[player_a], position[player_b]
                xs += [round(x0, 1), round(x1, 1), None]
                ys += [round(y0, 1), round(y1, 1), None]
        traces.append({
            "type": "scatter", "mode": "lines", "x": xs, "y": ys, "hoverinfo": "skip",
            "line": {"color": color, "width": width}, "opacity": 0.55, "name": f"{width} px",
        })

    midpoints = [
        ((position[a][0] + position[b][0]) / 2, (position[a][1] + position[b][1]) / 2) for a, b in pairs
    ]
    traces.append({
        "type": "scatter", "mode": "markers", "name": "pairs",
        "x": style.rounded(x for x, _ in midpoints), "y": style.rounded(y for _, y in midpoints),
        "marker": {"size": 10, "color": color, "opacity": 0},
        "customdata": [
            [name[a], name[b], a_to_b, b_to_a, total]
            for (a, b), a_to_b, b_to_a, total in zip(
                pairs, edges["a_to_b"].tolist(), edges["b_to_a"].tolist(), edges["passes"].tolist(),
            )
        ],
        "hovertemplate": (
            "<b>%{customdata[0]} \u2194 %{customdata[1]}</b>: %{customdata[4]} passes"
            "<br>%{customdata[0]} \u2192 %{customdata[1]}: %{customdata[2]}"
            "<br>%{customdata[1]} \u2192 %{customdata[0]}: %{customdata[3]}<extra></extra>"
        ),
    })
    return traces


def _node_trace(network: PassNetwork, color: str, cutoff: str) -> dict:
    nodes = network.nodes
    share = np.sqrt(nodes["involvement"].to_numpy() / nodes["involvement"].max())
    return {
        "type": "scatter", "mode": "markers+text", "name": "players",
        "x": style.rounded(nodes["x"]), "y": style.rounded(nodes["y"]),
        "text": [html.escape(label) for label in nodes["label"]],
        "textfont": {"color": "white", "size": 11},
        "marker": {"size": style.rounded(NODE_MIN_PX + NODE_SCALE_PX * share), "color": color,
                   "line": {"color": "white", "width": 1.5}},
        "customdata": [
            [html.escape(name), int(made), int(received)]
            for name, made, received in zip(nodes["player"], nodes["passes_made"], nodes["passes_received"])
        ],
        "hovertemplate": (
            "<b>%{customdata[0]}</b> (%{text})<br>passes made %{customdata[1]}, received %{customdata[2]}"
            f"<br>mean position x %{{x}}, y %{{y}}<br>{cutoff}<extra></extra>"
        ),
    }


def _subtitle(network: PassNetwork, min_edge_passes: int, team: str) -> dict:
    text = f"{team} \u00b7 {len(network.passes)} completed passes, {network.cutoff_text()}"
    if network.cutoff_player:
        text += f" ({html.escape(network.cutoff_player)})"
    text += f" \u00b7 lines for {min_edge_passes}+ passes between a pair \u00b7 attacking \u2192"
    return {
        "text": text, "showarrow": False, "xref": "paper", "yref": "paper",
        "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom", "font": {"size": 12},
    }


@register("pass_network_home", title="Pass network, home team")
def pass_network_home(model: MatchModel) -> dict:
    """Draw the home team's pass network up to its first substitution or red card."""
    return pass_network_figure(model, model.info.home_team_id)


@register("pass_network_away", title="Pass network, away team")
def pass_network_away(model: MatchModel) -> dict:
    """Draw the away team's pass network up to its first substitution or red card."""
    return pass_network_figure(model, model.info.away_team_id)
