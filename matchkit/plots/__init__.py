"""Plot factory: a registry of Plotly match plots, all drawn from the shared match model.

Importing this package registers every plot module below.
"""

from matchkit.plots.factory import RenderResult, figure, figure_dict, render, resolve_plot_types
from matchkit.plots.registry import REGISTRY, PlotSkipped, PlotSpec, plot_types, register

# Plot families, one import per line: importing a module registers its plot types,
# and this order is the order of the registry, of the CLI's list and of report pages.
# isort: off
from matchkit.plots import summary  # noqa: E402,F401
from matchkit.plots import shots  # noqa: E402,F401
from matchkit.plots import heatmap  # noqa: E402,F401
from matchkit.plots import passing  # noqa: E402,F401
from matchkit.plots import momentum  # noqa: E402,F401
from matchkit.plots import territory  # noqa: E402,F401
from matchkit.plots import players  # noqa: E402,F401
from matchkit.plots import passmap  # noqa: E402,F401
from matchkit.plots import zones  # noqa: E402,F401
from matchkit.plots import defence  # noqa: E402,F401
from matchkit.plots import freeze_frames  # noqa: E402,F401
# isort: on

__all__ = [
    "REGISTRY", "PlotSkipped", "PlotSpec", "RenderResult",
    "figure", "figure_dict", "plot_types", "register", "render", "resolve_plot_types",
]
