"""The one pitch drawing that every plot sits on."""

from __future__ import annotations

import math
from functools import lru_cache

from matchkit.dimensions import STATSBOMB, PitchDimensions

LINE_COLOR = "#6b7280"
PITCH_COLOR = "#f7f9f4"
_LINE = {"color": LINE_COLOR, "width": 1.2}


def _rect(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "rect", "x0": x0, "y0": y0, "x1": x1, "y1": y1, "line": _LINE, "layer": "below"}


def _line(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "line", "x0": x0, "y0": y0, "x1": x1, "y1": y1, "line": _LINE, "layer": "below"}


def _circle(cx: float, cy: float, radius: float, filled: bool = False) -> dict:
    shape = {
        "type": "circle", "x0": cx - radius, "y0": cy - radius, "x1": cx + radius, "y1": cy + radius,
        "line": _LINE, "layer": "below",
    }
    if filled:
        shape["fillcolor"] = LINE_COLOR
    return shape


def _penalty_arc(dims: PitchDimensions, spot_x: float, towards: int) -> dict:
    """Draw the arc of the penalty area as an SVG path outside the box (``towards`` is +1 or -1)."""
    radius = dims.centre_circle_radius
    edge = dims.penalty_area_depth if towards > 0 else dims.length - dims.penalty_area_depth
    half_angle = math.acos((edge - spot_x) / radius * towards)
    points = []
    for step in range(13):
        angle = -half_angle + 2 * half_angle * step / 12
        points.append((spot_x + towards * radius * math.cos(angle), dims.center_y + radius * math.sin(angle)))
    path = "M " + " L ".join(f"{x:.2f},{y:.2f}" for x, y in points)
    return {"type": "path", "path": path, "line": _LINE, "layer": "below"}


@lru_cache(maxsize=4)
def pitch_shapes(dims: PitchDimensions = STATSBOMB) -> tuple[dict, ...]:
    """Return the pitch markings as Plotly layout shapes, built once per dimensions.

    Callers must not mutate the returned shapes: they are shared by every figure.
    """
    length, width = dims.length, dims.width
    box_top, box_bottom = dims.penalty_area_y
    six_top, six_bottom = dims.six_yard_y
    goal_top, goal_bottom = dims.goal_y
    spot_left, spot_right = dims.penalty_spot_distance, length - dims.penalty_spot_distance

    shapes = [
        _rect(0, 0, length, width),
        _line(dims.center_x, 0, dims.center_x, width),
        _circle(dims.center_x, dims.center_y, dims.centre_circle_radius),
        _circle(dims.center_x, dims.center_y, 0.5, filled=True),
        _rect(0, box_top, dims.penalty_area_depth, box_bottom),
        _rect(dims.penalty_area_x, box_top, length, box_bottom),
        _rect(0, six_top, dims.six_yard_depth, six_bottom),
        _rect(length - dims.six_yard_depth, six_top, length, six_bottom),
        _rect(-dims.goal_depth, goal_top, 0, goal_bottom),
        _rect(length, goal_top, length + dims.goal_depth, goal_bottom),
        _circle(spot_left, dims.center_y, 0.4, filled=True),
        _circle(spot_right, dims.center_y, 0.4, filled=True),
        _penalty_arc(dims, spot_left, +1),
        _penalty_arc(dims, spot_right, -1),
    ]
    return tuple(shapes)


@lru_cache(maxsize=4)
def pitch_axes(dims: PitchDimensions = STATSBOMB) -> tuple[dict, dict]:
    """Return the x and y axis settings that draw the pitch to scale, y growing downwards."""
    margin = dims.goal_depth + 1
    xaxis = {
        "range": [-margin, dims.length + margin], "visible": False, "fixedrange": False,
        "constrain": "domain",
    }
    yaxis = {
        "range": [dims.width + margin, -margin], "visible": False, "scaleanchor": "x", "scaleratio": 1,
        "constrain": "domain",
    }
    return xaxis, yaxis
