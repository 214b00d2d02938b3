"""Shot freeze frames and 360 frames: the position of every visible player at a shot or key pass.

Both kinds of frame are in the acting team's frame, the same as the event, so
the actor's team attacks towards x = length. A dropdown picks one event at a
time and shows only that event's traces.
"""

from __future__ import annotations

from collections import namedtuple

import pandas as pd

from matchkit.dimensions import STATSBOMB
from matchkit.plots import style
from matchkit.plots.registry import PlotSkipped, register
from matchkit.processing import selectors
from matchkit.processing.model import MatchModel

GOALKEEPER_POSITION = "Goalkeeper"
LINE_COLOR = "#3e4c59"
OUTLINE_COLOR = "#111827"
VISIBLE_AREA_COLOR = "rgba(31, 41, 51, 0.08)"

# Pitch units shown behind the leftmost player or shot of the shot freeze frames.
SHOT_VIEW_MARGIN = 4.0


# The event columns that the traces and labels read, one named tuple per event.
_ROW_COLUMNS = (
    "id", "type", "team_id", "team", "player", "minute", "second", "x", "y", "end_x", "end_y", "outcome",
    "shot_xg", "shot_body_part", "pass_recipient", "pass_shot_assist", "pass_goal_assist",
)
_EventRow = namedtuple("_EventRow", _ROW_COLUMNS)


def _event_rows(events: pd.DataFrame) -> list[_EventRow]:
    """Return the events as named tuples of ``_ROW_COLUMNS``, much faster than ``itertuples`` over every column."""
    return [_EventRow(*values) for values in zip(*(events[column].tolist() for column in _ROW_COLUMNS))]


def _minute(row) -> str:
    return style.minute_label(row.minute, row.second)


def _xg_text(xg: float) -> str:
    return "n/a" if pd.isna(xg) else f"{xg:.2f}"


def _dropdown(labels: list[str], traces_per_item: int) -> dict:
    """Build a dropdown that shows the traces of one item at a time.

    Item ``i`` owns the ``traces_per_item`` consecutive traces starting at
    ``i * traces_per_item``.
    """
    total = len(labels) * traces_per_item
    buttons = []
    for item, label in enumerate(labels):
        first = item * traces_per_item
        visible = [first <= trace < first + traces_per_item for trace in range(total)]
        buttons.append({"label": label, "method": "restyle", "args": [{"visible": visible}]})
    return {
        "type": "dropdown", "buttons": buttons, "active": 0, "showactive": True,
        "x": 0, "xanchor": "left", "y": 1.01, "yanchor": "bottom",
        "bgcolor": "white", "bordercolor": "#cbd2d9", "font": {"size": 11},
    }


def _markers(name: str, points: list[tuple], color: str, symbol: str, size: int, visible: bool,
             hovertemplate: str, line_color: str = "white") -> dict:
    """Build one marker trace from (x, y) or (x, y, *customdata) tuples."""
    trace = {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "legendgroup": name,
        "visible": visible,
        "x": style.rounded(point[0] for point in points),
        "y": style.rounded(point[1] for point in points),
        "marker": {"color": color, "symbol": symbol, "size": size, "line": {"width": 1.5, "color": line_color}},
        "hovertemplate": hovertemplate,
    }
    if any(len(point) > 2 for point in points):
        trace["customdata"] = [list(point[2:]) for point in points]
    return trace


def _event_line(name: str, row, visible: bool, dash: str) -> dict:
    """Build the line from an event's location to its end location (empty when the end is missing)."""
    has_end = not (pd.isna(row.end_x) or pd.isna(row.end_y))
    return {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "legendgroup": name,
        "visible": visible,
        "x": style.rounded([row.x, row.end_x]) if has_end else [],
        "y": style.rounded([row.y, row.end_y]) if has_end else [],
        "line": {"color": LINE_COLOR, "width": 2, "dash": dash},
        "hoverinfo": "skip",
    }


def _is_key_pass(row) -> bool:
    return row.type == "Pass" and (row.pass_shot_assist or row.pass_goal_assist)


def _event_label(row) -> str:
    player = style.escaped(row.player or "")
    team = style.escaped(row.team)
    if _is_key_pass(row):
        kind = "goal assist" if row.pass_goal_assist else "shot assist"
        recipient = style.escaped(row.pass_recipient or "")
        return f"{_minute(row)} {team} key pass ({kind}): {player} \u2192 {recipient}"
    return f"{_minute(row)} {team} shot: {player}, {style.escaped(row.outcome or 'n/a')}, xG {_xg_text(row.shot_xg)}"


# Traces drawn for each shot freeze frame, in this order.
_SHOT_TRACES = 5


def _shot_frame_traces(row, frame: list[dict], team_color: str, opponent_color: str, visible: bool) -> list[dict]:
    teammates, opponents, keepers = [], [], []
    for player in frame:
        location = player.get("location")
        if not location:
            continue
        name = style.escaped((player.get("player") or {}).get("name", "unknown"))
        position = (player.get("position") or {}).get("name", "")
        point = (location[0], location[1], name, style.escaped(position))
        if player.get("teammate"):
            teammates.append(point)
        elif position == GOALKEEPER_POSITION:
            keepers.append(point)
        else:
            opponents.append(point)

    shooter = [(row.x, row.y, style.escaped(row.player or ""), _minute(row), style.escaped(row.outcome or "n/a"),
                _xg_text(row.shot_xg), style.escaped(row.shot_body_part or ""))]
    player_hover = "%{customdata[0]}<br>%{customdata[1]}<extra>%{fullData.name}</extra>"
    return [
        _event_line("Shot", row, visible, "solid"),
        _markers("Teammates", teammates, team_color, "circle", 10, visible, player_hover),
        _markers("Opponents", opponents, opponent_color, "circle", 10, visible, player_hover),
        _markers("Goalkeeper", keepers, opponent_color, "diamond", 13, visible, player_hover, line_color=OUTLINE_COLOR),
        _markers(
            "Shooter", shooter, team_color, "star", 16, visible,
            "<b>%{customdata[0]}</b><br>%{customdata[1]} \u00b7 %{customdata[2]}"
            "<br>xG %{customdata[3]} \u00b7 %{customdata[4]}<extra>Shooter</extra>",
            line_color=OUTLINE_COLOR,
        ),
    ]


def _shots_in_order(model: MatchModel) -> pd.DataFrame:
    """Return the shots with a freeze frame, outside the shoot-out: goals first, then by xG, highest first."""
    shots = model.shots
    shots = shots[shots["id"].isin(model.shot_freeze_frames.keys())]
    return (
        shots.assign(is_goal=shots["outcome"] == "Goal")
        .sort_values(["is_goal", "shot_xg"], ascending=[False, False], kind="stable", na_position="last")
    )


@register("shot_freeze_frames", title="Shot freeze frames")
def shot_freeze_frames(model: MatchModel) -> dict:
    """Draw each shot's freeze frame (shooter, teammates, opponents, goalkeeper) with a dropdown over shots.

    Raises ``PlotSkipped`` when no shot outside the shoot-out has a freeze frame.
    """
    shots = _shots_in_order(model)
    if shots.empty:
        raise PlotSkipped("no shot freeze frames")

    colors = style.team_colors(model.info)
    data, labels, leftmost = [], [], STATSBOMB.center_x
    for number, row in enumerate(_event_rows(shots)):
        frame = model.shot_freeze_frames[row.id]
        opponent_color = colors[model.info.opponent_id(row.team_id)]
        data.extend(_shot_frame_traces(row, frame, colors[row.team_id], opponent_color, visible=number == 0))
        labels.append(_event_label(row))
        frame_x = [player["location"][0] for player in frame if player.get("location")]
        leftmost = min([leftmost, *frame_x] + ([] if pd.isna(row.x) else [row.x]))

    layout = style.pitch_layout(model, "Shot freeze frames")
    # The shooting team attacks to the right, so the view keeps the attacking half and any player behind it.
    layout["xaxis"] = {**layout["xaxis"], "range": [leftmost - SHOT_VIEW_MARGIN, STATSBOMB.length + SHOT_VIEW_MARGIN]}
    layout["updatemenus"] = [_dropdown(labels, _SHOT_TRACES)]
    layout["margin"] = {**layout["margin"], "t": 120}
    return {"data": data, "layout": layout}


# Traces drawn for each 360 frame, in this order.
_FRAME_TRACES = 6


def _frame_360_traces(row, frame: dict, team_color: str, opponent_color: str, visible: bool) -> list[dict]:
    area = frame.get("visible_area") or []
    area_trace = {
        "type": "scatter",
        "mode": "lines",
        "name": "Visible area",
        "legendgroup": "Visible area",
        "visible": visible,
        "x": style.rounded(area[0::2]),
        "y": style.rounded(area[1::2]),
        "fill": "toself",
        "fillcolor": VISIBLE_AREA_COLOR,
        "line": {"color": "rgba(31, 41, 51, 0.25)", "width": 1},
        "hoverinfo": "skip",
    }

    teammates, opponents, keepers, actors = [], [], [], []
    for player in frame.get("freeze_frame") or []:
        location = player.get("location")
        if not location:
            continue
        if player.get("actor"):
            actors.append((location[0], location[1]))
        elif player.get("keeper"):
            side = "Teammate" if player.get("teammate") else "Opponent"
            keepers.append((location[0], location[1], f"{side} goalkeeper"))
        elif player.get("teammate"):
            teammates.append((location[0], location[1]))
        else:
            opponents.append((location[0], location[1]))

    # A frame without an actor entry shows the actor, the only named player, at the event's location.
    if not actors and not (pd.isna(row.x) or pd.isna(row.y)):
        actors.append((row.x, row.y))
    detail = style.escaped(row.outcome or ("Complete" if row.type == "Pass" else "n/a"))
    if row.type == "Shot":
        detail += f" \u00b7 xG {_xg_text(row.shot_xg)}"
    player, kind = style.escaped(row.player or ""), style.escaped(row.type)
    actors = [(x, y, player, _minute(row), kind, detail) for x, y in actors]
    keeper_colors = [team_color if side.startswith("Teammate") else opponent_color for _, _, side in keepers]

    return [
        area_trace,
        _event_line(row.type, row, visible, "solid" if row.type == "Shot" else "dot"),
        _markers("Teammates", teammates, team_color, "circle", 10, visible, "Teammate<extra></extra>"),
        _markers("Opponents", opponents, opponent_color, "circle", 10, visible, "Opponent<extra></extra>"),
        _markers("Goalkeepers", keepers, keeper_colors, "diamond", 13, visible, "%{customdata[0]}<extra></extra>",
                 line_color=OUTLINE_COLOR),
        _markers(
            "Actor", actors, team_color, "star", 16, visible,
            "<b>%{customdata[0]}</b><br>%{customdata[1]} \u00b7 %{customdata[2]}<br>%{customdata[3]}<extra>Actor</extra>",
            line_color=OUTLINE_COLOR,
        ),
    ]


@register("freeze_frame_360", title="360 freeze frames")
def freeze_frame_360(model: MatchModel) -> dict:
    """Draw the 360 frames of the shots and key passes outside the shoot-out, with a dropdown over events.

    A key pass is a pass marked as a shot assist or a goal assist. 360 players
    are anonymous, so only the actor is named. Raises ``PlotSkipped`` when the
    match has no 360 data or none of these events has a frame.
    """
    if not model.frames_360:
        raise PlotSkipped("no 360 data for this match")

    events = model.events
    key_passes = (events["type"] == "Pass") & (events["pass_shot_assist"] | events["pass_goal_assist"])
    shots = events["type"] == "Shot"
    in_play = selectors.regular_play(events)
    selected = events[(key_passes | shots) & in_play & events["id"].isin(model.frames_360.keys())]
    if selected.empty:
        raise PlotSkipped("no 360 frames for this match's shots or key passes")

    colors = style.team_colors(model.info)
    data, labels = [], []
    for number, row in enumerate(_event_rows(selected)):
        opponent_color = colors[model.info.opponent_id(row.team_id)]
        frame = model.frames_360[row.id]
        data.extend(_frame_360_traces(row, frame, colors[row.team_id], opponent_color, visible=number == 0))
        labels.append(_event_label(row))

    layout = style.pitch_layout(model, "360 freeze frames")
    layout["updatemenus"] = [_dropdown(labels, _FRAME_TRACES)]
    layout["margin"] = {**layout["margin"], "t": 120}
    return {"data": data, "layout": layout}
