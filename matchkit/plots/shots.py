"""Shot map and xG flow of both teams.

Shoot-out kicks (period 5) count towards neither the score nor any xG total, so
both plots leave them out. Own goals appear for the team that benefits, carry
no xG and name the player who put the ball into their own net.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from matchkit.dimensions import STATSBOMB
from matchkit.plots import style
from matchkit.plots.registry import register
from matchkit.processing import selectors
from matchkit.processing.model import MatchModel

# Shot outcome groups in legend order: (group, StatsBomb outcomes, marker symbol).
# Any outcome not listed is drawn as off target, and its hover keeps the real name.
OUTCOME_GROUPS = (
    ("Goal", frozenset({"Goal"}), "star"),
    ("Saved", frozenset({"Saved", "Saved To Post"}), "circle"),
    ("Blocked", frozenset({"Blocked"}), "square-open"),
    ("Off target", frozenset({"Off T", "Wayward", "Post", "Saved Off T"}), "circle-open"),
)
OWN_GOAL_SYMBOL = "star-open"

# Marker diameter in pixels is MIN + SCALE * sqrt(xG), so marker area grows with xG.
MARKER_MIN_PX = 6.0
MARKER_SCALE_PX = 32.0
OWN_GOAL_MARKER_PX = 16.0

# Nominal start and end minute of each period, used to label the xG flow axis.
NOMINAL_MINUTES = {1: (0, 45), 2: (45, 90), 3: (90, 105), 4: (105, 120)}
PERIOD_END_LABELS = {1: "HT", 2: "FT", 3: "ET HT", 4: "AET"}
TICK_STEP_MINUTES = 15

_SHOT_HOVER = (
    "<b>%{customdata[0]}</b><br>%{customdata[1]} \u00b7 %{customdata[2]}"
    "<br>xG %{customdata[3]:.2f} \u00b7 %{customdata[4]} \u00b7 %{customdata[5]}"
)
_OWN_GOAL_HOVER = "<b>Own goal by %{customdata[0]}</b><br>%{customdata[1]} \u00b7 no xG"


def player_names(model: MatchModel) -> dict[int, str]:
    """Map player id to the short name of the team sheets: the nickname where there is one, else the full name."""
    return model.cached("player_names", lambda: _player_names(model))


def _player_names(model: MatchModel) -> dict[int, str]:
    names = {}
    for players in model.lineups.values():
        for player in players:
            names[player.player_id] = player.nickname or player.name
    return names


def _short_player_names(events: pd.DataFrame, names: dict[int, str]) -> list[str]:
    """Return each event's player as a short, HTML-escaped name, falling back on the event's own name."""
    short = []
    for player_id, player in zip(events["player_id"].tolist(), events["player"].tolist()):
        name = names.get(player_id) if player_id is not None and player_id is not pd.NA else None
        short.append(style.escaped(name or player or "unknown player"))
    return short


def own_goals(model: MatchModel) -> pd.DataFrame:
    """Return the own goals outside the shoot-out, one row per goal, for the benefiting team.

    Columns: ``team_id`` (the benefiting team), ``period``, ``timestamp``,
    ``minute``, ``second``, ``x`` and ``y`` in the benefiting team's frame, and
    ``scorer``, the player of the ``Own Goal Against`` event at the same moment
    (HTML-escaped). Where ``Own Goal For`` has no location, the ``Own Goal
    Against`` location is mirrored, and the goal mouth is used when both lack one.
    """
    return model.cached("own_goals", lambda: _own_goals(model))


def _own_goals(model: MatchModel) -> pd.DataFrame:
    columns = ["team_id", "period", "timestamp", "minute", "second", "x", "y", "scorer"]
    events = model.events
    if not model.type_mask("Own Goal For").any():
        return pd.DataFrame(columns=columns)
    scored = model.goals
    own = scored[scored["own_goal"]]
    against = events[(events["type"] == "Own Goal Against") & selectors.regular_play(events)]
    names = player_names(model)

    rows = []
    for _, goal in own.iterrows():
        candidates = against[(against["period"] == goal["period"]) & (against["team_id"] != goal["team_id"])]
        twin = None
        if not candidates.empty:
            twin = candidates.loc[(candidates["timestamp"] - goal["timestamp"]).abs().idxmin()]

        x, y = goal["x"], goal["y"]
        if np.isnan(x) and twin is not None and not np.isnan(twin["x"]):
            x, y = STATSBOMB.mirror(twin["x"], twin["y"])
        elif np.isnan(x):
            x, y = STATSBOMB.length, STATSBOMB.center_y

        scorer = "unknown player"
        if twin is not None and not pd.isna(twin["player_id"]):
            scorer = names.get(int(twin["player_id"]), twin["player"])
        rows.append({
            "team_id": int(goal["team_id"]), "period": int(goal["period"]), "timestamp": float(goal["timestamp"]),
            "minute": int(goal["minute"]), "second": int(goal["second"]), "x": float(x), "y": float(y),
            "scorer": html.escape(scorer),
        })
    return pd.DataFrame(rows, columns=columns)


def _team_shots(model: MatchModel, team_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a team's shots and the own goals it benefited from, outside the shoot-out.

    The shot map and the xG flow both read them, so they are computed once per model.
    """
    def select() -> tuple[pd.DataFrame, pd.DataFrame]:
        all_shots, all_own_goals = model.shots, own_goals(model)
        team_own_goals = all_own_goals if all_own_goals.empty else all_own_goals[all_own_goals["team_id"] == team_id]
        return all_shots[all_shots["team_id"] == team_id], team_own_goals

    return model.cached(("team_shots", team_id), select)


def _outcome_groups(outcomes: pd.Series) -> list[str]:
    group_of = {outcome: group for group, members, _ in OUTCOME_GROUPS for outcome in members}
    return [group_of.get(outcome, "Off target") for outcome in outcomes.tolist()]


def _marker_size(xg: pd.Series) -> list:
    return style.rounded(MARKER_MIN_PX + MARKER_SCALE_PX * np.sqrt(xg.fillna(0.0).to_numpy()))


def _clock_labels(events: pd.DataFrame) -> list[str]:
    return style.minute_labels(events["minute"], events["second"])


def _shot_customdata(team_shots: pd.DataFrame, names: dict[int, str]) -> list:
    players = _short_player_names(team_shots, names)
    return [
        [player, clock, outcome or "", None if np.isnan(xg) else round(float(xg), 3), body or "", shot_type]
        for player, clock, outcome, xg, body, shot_type in zip(
            players, _clock_labels(team_shots), team_shots["outcome"].tolist(), team_shots["shot_xg"].tolist(),
            team_shots["shot_body_part"].tolist(), team_shots["shot_type"].fillna("").tolist(),
        )
    ]


@register("shot_map", title="Shot map")
def shot_map(model: MatchModel) -> dict:
    """Draw every shot and own goal of both teams on one pitch, sized by xG, with the outcome as symbol.

    The home team attacks left to right in its own frame. The away team's
    shots are mirrored so that it attacks right to left. Penalties carry a "P".
    """
    colors = style.team_colors(model.info)
    names = player_names(model)

    traces = []
    for side in ("home", "away"):
        team_id = model.side_team_id(side)
        team_shots, team_own = _team_shots(model, team_id)
        side_traces = _shot_traces(team_shots, side, colors[team_id], names)
        if not team_own.empty:
            side_traces.append(_own_goal_trace(team_own, side, colors[team_id]))
        if not side_traces:
            side_traces.append({"type": "scatter", "x": [], "y": [], "mode": "markers", "name": "No shots"})

        team = html.escape(model.info.team_name(team_id))
        total = float(team_shots["shot_xg"].sum())
        for trace in side_traces:
            trace["legendgroup"] = side
            trace["hovertemplate"] += f"<extra>{team}</extra>"
        side_traces[0]["legendgrouptitle"] = {"text": f"{team} \u00b7 {len(team_shots)} shots \u00b7 xG {total:.2f}"}
        traces.extend(side_traces)

    layout = style.pitch_layout(model, "Shot map")
    layout["annotations"] = [*layout["annotations"], _subtitle(_shot_map_subtitle(model))]
    layout["legend"] = {**layout["legend"], "groupclick": "toggleitem"}
    return {"data": traces, "layout": layout}


def _shot_traces(team_shots: pd.DataFrame, side: str, color: str, names: dict[int, str]) -> list[dict]:
    """Build one scatter trace per outcome group, in the team's direction of attack on the shared pitch."""
    x, y = team_shots["x"].to_numpy(), team_shots["y"].to_numpy()
    if side == "away":
        x, y = STATSBOMB.mirror(x, y)
    xs, ys = style.rounded(x), style.rounded(y)
    sizes = _marker_size(team_shots["shot_xg"])
    customdata = _shot_customdata(team_shots, names)
    groups = _outcome_groups(team_shots["outcome"])
    penalties = (team_shots["shot_type"] == "Penalty").tolist()

    traces = []
    for group, _, symbol in OUTCOME_GROUPS:
        rows = [row for row, shot_group in enumerate(groups) if shot_group == group]
        if not rows:
            continue
        trace = {
            "type": "scatter",
            "mode": "markers",
            "name": f"{group} ({len(rows)})",
            "x": [xs[row] for row in rows],
            "y": [ys[row] for row in rows],
            "customdata": [customdata[row] for row in rows],
            "hovertemplate": _SHOT_HOVER,
            "marker": {
                "symbol": symbol, "size": [sizes[row] for row in rows], "color": color,
                "opacity": 0.85, "line": {"color": "#1f2933" if group == "Goal" else color, "width": 1.5},
            },
        }
        if any(penalties[row] for row in rows):
            trace["mode"] = "markers+text"
            trace["text"] = ["P" if penalties[row] else "" for row in rows]
            trace["textposition"] = "top center"
            trace["textfont"] = {"size": 10, "color": "#1f2933"}
        traces.append(trace)
    return traces


def _own_goal_trace(team_own: pd.DataFrame, side: str, color: str) -> dict:
    x, y = team_own["x"], team_own["y"]
    if side == "away":
        x, y = STATSBOMB.mirror(x, y)
    return {
        "type": "scatter",
        "mode": "markers",
        "name": f"Own goal ({len(team_own)})",
        "x": style.rounded(x),
        "y": style.rounded(y),
        "customdata": [[scorer, clock] for scorer, clock in zip(team_own["scorer"], _clock_labels(team_own))],
        "hovertemplate": _OWN_GOAL_HOVER,
        "marker": {"symbol": OWN_GOAL_SYMBOL, "size": OWN_GOAL_MARKER_PX, "color": color, "line": {"width": 2}},
    }


def _shot_map_subtitle(model: MatchModel) -> str:
    home, away = html.escape(model.info.home_team), html.escape(model.info.away_team)
    text = f"{home} attack \u2192, {away} attack \u2190 \u00b7 marker area grows with xG \u00b7 P = penalty"
    if _has_shootout(model.events):
        text += " \u00b7 shoot-out kicks not shown"
    return text


def _has_shootout(events: pd.DataFrame) -> bool:
    return bool((events["period"] == selectors.SHOOTOUT_PERIOD).any())


def _subtitle(text: str) -> dict:
    return {
        "text": text, "showarrow": False, "xref": "paper", "yref": "paper",
        "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom", "font": {"size": 12},
    }


def period_bounds(events: pd.DataFrame) -> dict[int, tuple[float, float]]:
    """Return the start and end of each period outside the shoot-out, in minutes on one continuous clock.

    Each period lasts until its last event (stoppage time included), and the
    next period starts where it ended, so extra time comes after 90 minutes
    plus stoppage time.
    """
    in_play = selectors.regular_play(events).to_numpy()
    periods = events["period"].to_numpy()[in_play]
    timestamps = events["timestamp"].to_numpy()[in_play]
    bounds, start = {}, 0.0
    for period in np.unique(periods).tolist():
        duration = float(timestamps[periods == period].max() / 60.0)
        bounds[period] = (start, start + duration)
        start += duration
    return bounds


def match_clock(events: pd.DataFrame, bounds: dict[int, tuple[float, float]]) -> np.ndarray:
    """Return each event's time in minutes on the continuous clock of ``period_bounds`` (NaN outside its periods)."""
    starts = np.array([bounds[period][0] if period in bounds else np.nan for period in events["period"].tolist()])
    return starts + events["timestamp"].to_numpy(dtype=float) / 60.0


@register("xg_flow", title="xG flow")
def xg_flow(model: MatchModel) -> dict:
    """Draw each team's cumulative xG as a step line over match time, with goals, half-time and full time.

    Time runs continuously from kick-off: each period is drawn at its real
    length, stoppage time included, and axis ticks carry the official minute.
    """
    events = model.events
    bounds = period_bounds(events)
    colors = style.team_colors(model.info)
    names = player_names(model)

    traces = []
    for side in ("home", "away"):
        team_id = model.side_team_id(side)
        team_shots, team_own = _team_shots(model, team_id)
        traces.extend(_flow_traces(model, team_id, side, team_shots, team_own, bounds, colors[team_id], names))

    end = max(stop for _, stop in bounds.values())
    shapes, labels = _period_markers(bounds)
    tick_values, tick_text = _minute_ticks(bounds)
    layout = style.base_layout(
        model, "xG flow",
        xaxis={
            "title": {"text": "Match time in minutes, each period drawn with its stoppage time"},
            "range": [0, round(end, 1)], "tickvals": tick_values, "ticktext": tick_text, "zeroline": False,
            "showgrid": False,
        },
        yaxis={"title": {"text": "Cumulative xG"}, "rangemode": "tozero", "gridcolor": "#e4e7eb"},
        shapes=shapes,
        hovermode="closest",
        legend={"x": 0.01, "y": 0.98, "xanchor": "left", "yanchor": "top", "bgcolor": "rgba(255,255,255,0.8)"},
    )
    subtitle = "Own goals count for the benefiting team and carry no xG"
    if _has_shootout(events):
        subtitle += " \u00b7 shoot-out kicks not shown"
    layout["annotations"] = [*layout["annotations"], *labels, _subtitle(subtitle)]
    layout["margin"] = {**layout["margin"], "t": 100, "b": 60}
    return {"data": traces, "layout": layout}


def _flow_traces(
    model: MatchModel, team_id: int, side: str, team_shots: pd.DataFrame, team_own: pd.DataFrame,
    bounds: dict[int, tuple[float, float]], color: str, names: dict[int, str],
) -> list[dict]:
    """Build a team's step line, its shot points and its goal markers."""
    team = html.escape(model.info.team_name(team_id))
    clock = match_clock(team_shots, bounds)
    cumulative = team_shots["shot_xg"].fillna(0.0).cumsum().to_numpy()
    total = float(team_shots["shot_xg"].sum())
    end = max(stop for _, stop in bounds.values())

    line = {
        "type": "scatter", "mode": "lines", "line": {"shape": "hv", "color": color, "width": 2.5},
        "name": f"{team} \u00b7 xG {total:.2f}", "legendgroup": side, "hoverinfo": "skip",
        "x": [0.0, *style.rounded(clock, 2), round(end, 2)],
        "y": [0.0, *style.rounded(cumulative, 3), round(total, 3)],
    }
    customdata = _shot_customdata(team_shots, names)
    points = {
        "type": "scatter", "mode": "markers", "marker": {"size": 6, "color": color},
        "name": f"{team} shots", "legendgroup": side, "showlegend": False,
        "x": style.rounded(clock, 2), "y": style.rounded(cumulative, 3),
        "customdata": customdata,
        "hovertemplate": _SHOT_HOVER + "<br>Cumulative xG %{y:.2f}" + f"<extra>{team}</extra>",
    }

    is_goal = (team_shots["outcome"] == "Goal").to_numpy()
    # The hover rows of the goals already carry the scorer and the match clock.
    scored = [row for row, goal in zip(customdata, is_goal.tolist()) if goal]
    own_clock = match_clock(team_own, bounds)
    goal_x = [*clock[is_goal], *own_clock]
    # An own goal sits on the line at the xG the benefiting team had reached by then.
    goal_y = [*cumulative[is_goal], *_xg_reached(clock, cumulative, own_clock)]
    goal_labels = [*(player for player, *_ in scored), *(f"{scorer} (OG)" for scorer in team_own["scorer"])]
    goal_clock = [*(clock_label for _, clock_label, *_ in scored), *_clock_labels(team_own)]
    goals = {
        "type": "scatter", "mode": "markers+text", "name": f"{team} goals ({len(goal_x)})",
        "legendgroup": side, "showlegend": False,
        "x": style.rounded(goal_x, 2), "y": style.rounded(goal_y, 3),
        "text": goal_labels, "textposition": "top left", "textfont": {"size": 11, "color": color},
        "cliponaxis": False,
        "customdata": goal_clock,
        "hovertemplate": "<b>Goal: %{text}</b><br>%{customdata}" + f"<extra>{team}</extra>",
        "marker": {"symbol": "star", "size": 14, "color": color, "line": {"color": "#1f2933", "width": 1}},
    }
    return [line, points, goals]


def _xg_reached(clock: np.ndarray, cumulative: np.ndarray, moments: np.ndarray) -> np.ndarray:
    """Return the cumulative xG reached at each moment, 0 before the first shot (minutes, sorted ``clock``)."""
    padded = np.concatenate([[0.0], cumulative])
    return padded[np.searchsorted(clock, moments, side="right")]


def _period_markers(bounds: dict[int, tuple[float, float]]) -> tuple[list[dict], list[dict]]:
    """Build a dotted vertical line and a label at the end of each period (HT, FT, ET HT, AET)."""
    has_extra_time = any(period in bounds for period in (3, 4))
    shapes, labels = [], []
    for period, (_, stop) in bounds.items():
        label = PERIOD_END_LABELS.get(period, f"End of period {period}")
        if period == 2 and has_extra_time:
            label = "90'"
        shapes.append({
            "type": "line", "xref": "x", "yref": "paper", "x0": round(stop, 2), "x1": round(stop, 2),
            "y0": 0, "y1": 1, "line": {"color": "#9aa5b1", "width": 1, "dash": "dot"}, "layer": "below",
        })
        labels.append({
            "text": label, "showarrow": False, "xref": "x", "yref": "paper", "x": round(stop, 2), "y": 1,
            "xanchor": "right", "yanchor": "top", "font": {"size": 10, "color": "#52606d"},
        })
    return shapes, labels


def _minute_ticks(bounds: dict[int, tuple[float, float]]) -> tuple[list[float], list[str]]:
    """Place ticks every 15 official minutes from each period's start, and one at the last period's nominal end."""
    values, text = [], []
    for period, (start, _) in bounds.items():
        first, last = NOMINAL_MINUTES.get(period, (0, 0))
        for minute in range(first, last, TICK_STEP_MINUTES):
            values.append(round(start + minute - first, 2))
            text.append(f"{minute}'")
    last_period = max(bounds)
    if last_period in NOMINAL_MINUTES:
        first, last = NOMINAL_MINUTES[last_period]
        values.append(round(bounds[last_period][0] + last - first, 2))
        text.append(f"{last}'")
    return values, text
