"""Generate the registered plots of one match and serialize them to JSON."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import orjson
import plotly.graph_objects as go

from matchkit.errors import ParameterError
from matchkit.plots.registry import REGISTRY, PlotSkipped
from matchkit.processing.model import MatchModel

_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


@dataclass
class RenderResult:
    """The plots of one match: JSON per plot type, skips with their reason, errors, and seconds spent."""

    figures: dict[str, bytes] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    plot_seconds: float = 0.0
    serialize_seconds: float = 0.0


def resolve_plot_types(plots: list[str] | tuple[str, ...] | str | None) -> list[str]:
    """Validate a selection of plot types; ``None`` or ``"all"`` selects every registered type."""
    if plots is None or plots == "all":
        return list(REGISTRY)
    if isinstance(plots, str):
        plots = [name.strip() for name in plots.split(",") if name.strip()]
    unknown = [name for name in plots if name not in REGISTRY]
    if unknown:
        raise ParameterError(
            f"unknown plot type(s) {unknown}; accepted values: {', '.join(REGISTRY)} or 'all'"
        )
    if not plots:
        raise ParameterError(f"plots selects no plot type; accepted values: {', '.join(REGISTRY)} or 'all'")
    return list(dict.fromkeys(plots))


def figure_dict(model: MatchModel, plot_type: str) -> dict:
    """Draw one registered plot for a match as a Plotly figure dictionary."""
    return REGISTRY[plot_type].function(model)


def figure(model: MatchModel, plot_type: str) -> go.Figure:
    """Draw one registered plot for a match as a validated ``plotly.graph_objects.Figure``."""
    return go.Figure(figure_dict(model, plot_type))


def render(model: MatchModel, plot_types: list[str] | None = None) -> RenderResult:
    """Draw the selected plots (all registered ones by default) and serialize each to JSON bytes.

    A plot that raises is reported in ``errors`` and does not stop the others.
    """
    result = RenderResult()
    for plot_type in plot_types or list(REGISTRY):
        started = time.perf_counter()
        try:
            spec = figure_dict(model, plot_type)
        except PlotSkipped as skip:
            result.skipped[plot_type] = skip.reason
            continue
        except Exception as error:  # noqa: BLE001 - one plot's bug must not cost the match's other plots
            result.errors[plot_type] = f"{type(error).__name__}: {error}"
            continue
        finally:
            result.plot_seconds += time.perf_counter() - started

        started = time.perf_counter()
        result.figures[plot_type] = orjson.dumps(spec, option=_JSON_OPTIONS)
        result.serialize_seconds += time.perf_counter() - started
    return result
