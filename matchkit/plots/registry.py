"""The registry of plot types that the factory reads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from matchkit.processing.model import MatchModel

# A figure in Plotly's own JSON form: {"data": [...], "layout": {...}}.
FigureDict = dict
PlotFunction = Callable[[MatchModel], FigureDict]

_PLOT_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")


class PlotSkipped(Exception):
    """Raised by a plot function when the plot does not apply to a match (for example no 360 data)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class PlotSpec:
    """A registered plot type: its stable key, the function that draws it and its version.

    Bump ``version`` when a change alters the figure, so stored copies can be regenerated.
    """

    plot_type: str
    function: PlotFunction
    version: int
    title: str


REGISTRY: dict[str, PlotSpec] = {}


def register(plot_type: str, title: str, version: int = 1) -> Callable[[PlotFunction], PlotFunction]:
    """Register a plot function under ``plot_type``, a snake_case key stored in the database."""
    if not _PLOT_TYPE.match(plot_type):
        raise ValueError(f"plot_type must be snake_case, got {plot_type!r}")

    def decorator(function: PlotFunction) -> PlotFunction:
        if plot_type in REGISTRY:
            raise ValueError(f"plot_type {plot_type!r} is already registered")
        REGISTRY[plot_type] = PlotSpec(plot_type, function, version, title)
        return function

    return decorator


def plot_types() -> list[str]:
    """Return every registered plot type, in registration order."""
    return list(REGISTRY)
