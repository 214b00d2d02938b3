"""Interactive exploration of the plot database in JupyterLab, built with ipywidgets.

Figures are shown as Plotly's MIME bundle (``application/vnd.plotly.v1+json``) inside
``Output`` widgets. JupyterLab draws that bundle with the ``jupyterlab-plotly`` extension
that ships with the plotly package, so no ``FigureWidget`` (and no anywidget) is needed.
"""

from __future__ import annotations

import functools
import html
import logging
from typing import Any, Callable

import ipywidgets as widgets
import orjson
import plotly.io as pio

from matchkit.errors import MatchkitError
from matchkit.report import context_line, open_store, ordered_plot_types, plot_title, score_line
from matchkit.storage import DEFAULT_DATABASE_URL, redact_url

logger = logging.getLogger("matchkit.widgets")

PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"
PLOTLY_CONFIG = {"responsive": True, "displaylogo": False}
HALF_WIDTH = widgets.Layout(width="50%", min_width="0")


def figure_bundle(figure) -> dict[str, Any]:
    """Return the MIME bundle that JupyterLab draws as an interactive Plotly figure."""
    spec = orjson.loads(pio.to_json(figure, validate=False))
    spec["config"] = PLOTLY_CONFIG
    title = figure.layout.title.text or "Plotly figure"
    return {PLOTLY_MIMETYPE: spec, "text/plain": f"<Plotly figure: {title}>"}


def figure_output(figure) -> widgets.Output:
    """Return an Output widget that shows one Plotly figure.

    The outputs are set directly rather than captured with ``with output:``, which needs a
    running kernel, so the widget also works in tests and scripts.
    """
    output = widgets.Output()
    output.outputs = ({"output_type": "display_data", "data": figure_bundle(figure), "metadata": {}},)
    return output


def message_html(text: str, kind: str = "info") -> str:
    """Return a one-line message as HTML, with ``text`` escaped."""
    colors = {"info": "#52606d", "error": "#d1495b", "warning": "#b7791f"}
    return f"<span class='matchkit-{kind}' style='color:{colors[kind]}'>{html.escape(text)}</span>"


def _reports_errors(method: Callable) -> Callable:
    """Show an exception raised in a widget callback as a message in the widget, not a traceback."""

    @functools.wraps(method)
    def wrapper(self: Explorer, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except MatchkitError as error:
            self.show_message(str(error), "error")
        except Exception as error:  # noqa: BLE001 - ipywidgets would hide it in the log console
            # The traceback goes to the log only at DEBUG level: the widget shows the message.
            logger.warning("explorer: %s failed: %s: %s", method.__name__, type(error).__name__, error,
                           exc_info=logger.isEnabledFor(logging.DEBUG))
            self.show_message(f"{type(error).__name__}: {error}", "error")
        return None

    return wrapper


class Explorer(widgets.VBox):
    """Browse the stored plots of a database and compare them with plots drawn by the current code.

    Pick a competition, a season, a match and one or more plot types to see the stored
    figures. "Preview" reads the match again from the source (``data_dir`` or
    ``open_data_url``), draws the selected plots with the code as it is now and shows
    them beside the stored ones. Problems appear as a message in the widget.
    """

    def __init__(self, database_url: str = DEFAULT_DATABASE_URL, data_dir: str | None = None,
                 open_data_url: str | None = None):
        self.database_url = database_url
        self.data_dir = data_dir
        self.open_data_url = open_data_url
        self._source = None
        self._model = None
        self._previews: dict[str, widgets.Widget] = {}
        self._syncing = False

        self.competition = widgets.Dropdown(description="Competition", layout=widgets.Layout(width="360px"))
        self.season = widgets.Dropdown(description="Season", layout=widgets.Layout(width="240px"))
        self.match = widgets.Dropdown(description="Match", layout=widgets.Layout(width="600px"))
        self.plot_types = widgets.SelectMultiple(description="Plots", rows=8, layout=widgets.Layout(width="600px"))
        self.preview_button = widgets.Button(
            description="Preview", icon="refresh", button_style="info",
            tooltip="Draw the selected plots again from the source with the current code",
        )
        self.status = widgets.HTML()
        self.figures = widgets.VBox()
        for control in (self.competition, self.season, self.match, self.plot_types):
            control.style.description_width = "90px"
        super().__init__([
            widgets.HBox([self.competition, self.season]),
            self.match,
            widgets.HBox([self.plot_types, self.preview_button]),
            self.status,
            self.figures,
        ])

        self.competition.observe(self._on_competition, names="value")
        self.season.observe(self._on_season, names="value")
        self.match.observe(self._on_match, names="value")
        self.plot_types.observe(self._on_plot_types, names="value")
        self.preview_button.on_click(self._on_preview)

        self.matches: list[dict[str, Any]] = []
        self._competitions: list[tuple[str, int]] = []
        self.store = None
        self._open()

    # Messages ---------------------------------------------------------------

    def show_message(self, text: str, kind: str = "info") -> None:
        """Show one line of text above the figures. ``kind`` is info, warning or error."""
        self.status.value = message_html(text, kind) if text else ""

    # Selection --------------------------------------------------------------

    @_reports_errors
    def _open(self) -> None:
        self._set_enabled(False)
        self.store = open_store(self.database_url)
        self.matches = self.store.list_matches()
        if not self.matches:
            self.show_message(f"No matches are stored in {redact_url(self.database_url)}; run the ETL first.", "warning")
            return

        self._competitions = sorted({(m["competition"], m["competition_id"]) for m in self.matches})
        self._set_options(self.competition, self._competitions)
        self._set_enabled(True)
        self._fill_seasons()

    def select_match(self, match_id: int) -> None:
        """Select a stored match by id, with its competition and season."""
        match = next((m for m in self.matches if m["match_id"] == int(match_id)), None)
        if match is None:
            self.show_message(f"match {match_id} is not stored in {redact_url(self.database_url)}", "error")
            return
        self._set_options(self.competition, self._competitions, keep=match["competition_id"])
        self._fill_seasons(season_id=match["season_id"], match_id=match["match_id"])

    def selected_match(self) -> dict[str, Any] | None:
        """Return the stored row of the selected match, or None."""
        return next((m for m in self.matches if m["match_id"] == self.match.value), None)

    def _set_enabled(self, enabled: bool) -> None:
        for control in (self.competition, self.season, self.match, self.plot_types, self.preview_button):
            control.disabled = not enabled

    def _set_options(self, control, options: list[tuple[str, Any]], keep: Any = None) -> None:
        """Replace a control's options without firing its observers, keeping ``keep`` when offered."""
        values = [value for _, value in options]
        self._syncing = True
        try:
            control.options = options
            if isinstance(control, widgets.SelectMultiple):
                kept = tuple(value for value in (keep or ()) if value in values)
                control.value = kept or tuple(values[:1])
            elif keep in values:
                control.value = keep
            else:
                control.value = values[0] if values else None
        finally:
            self._syncing = False

    @_reports_errors
    def _on_competition(self, _change) -> None:
        if not self._syncing:
            self._fill_seasons()

    @_reports_errors
    def _on_season(self, _change) -> None:
        if not self._syncing:
            self._fill_matches()

    @_reports_errors
    def _on_match(self, _change) -> None:
        if not self._syncing:
            self._fill_plot_types()

    @_reports_errors
    def _on_plot_types(self, _change) -> None:
        if not self._syncing:
            self._show()

    def _fill_seasons(self, season_id: int | None = None, match_id: int | None = None) -> None:
        seasons = sorted({(m["season"], m["season_id"]) for m in self.matches
                          if m["competition_id"] == self.competition.value})
        self._set_options(self.season, seasons, keep=self.season.value if season_id is None else season_id)
        self._fill_matches(match_id)

    def _fill_matches(self, match_id: int | None = None) -> None:
        matches = [m for m in self.matches
                   if m["competition_id"] == self.competition.value and m["season_id"] == self.season.value]
        options = [(f"{m['match_date']}  {score_line(m)}", m["match_id"]) for m in matches]
        self._set_options(self.match, options, keep=self.match.value if match_id is None else match_id)
        self._fill_plot_types()

    def _fill_plot_types(self) -> None:
        self._previews = {}
        self._model = None
        if self.match.value is None:
            self._set_options(self.plot_types, [])
            self._show()
            return

        stored = ordered_plot_types(self.store.list_plots(self.match.value))
        options = [(plot_title(plot_type), plot_type) for plot_type in stored]
        self._set_options(self.plot_types, options, keep=self.plot_types.value)
        self._show()

    # Figures ----------------------------------------------------------------

    def _show(self) -> None:
        """Show the stored figure of each selected plot type, with its preview beside it when drawn."""
        match = self.selected_match()
        if match is None:
            self.figures.children = []
            return
        if not self.plot_types.value:
            self.show_message("Select one or more plot types.")
            self.figures.children = []
            return

        self.show_message(f"{score_line(match)} \u00b7 {context_line(match)} \u00b7 match {match['match_id']}")
        self.figures.children = [self._row(match["match_id"], plot_type) for plot_type in self.plot_types.value]

    def _row(self, match_id: int, plot_type: str) -> widgets.Widget:
        try:
            stored: widgets.Widget = figure_output(self.store.load_plot(match_id, plot_type))
        except KeyError:
            stored = widgets.HTML(message_html(f"{plot_type} is not stored for match {match_id}", "warning"))

        heading = widgets.HTML(f"<h4>{html.escape(plot_title(plot_type))}</h4>")
        preview = self._previews.get(plot_type)
        if preview is None:
            return widgets.VBox([heading, stored])
        return widgets.VBox([heading, widgets.HBox([
            widgets.VBox([widgets.HTML("<b>Stored</b>"), stored], layout=HALF_WIDTH),
            widgets.VBox([widgets.HTML("<b>Preview</b> (current code)"), preview], layout=HALF_WIDTH),
        ])])

    # Preview ----------------------------------------------------------------

    def _on_preview(self, _button) -> None:
        self.preview()

    @_reports_errors
    def preview(self) -> None:
        """Draw the selected plots of the selected match from the source with the current code."""
        from matchkit.plots import PlotSkipped, figure

        match = self.selected_match()
        if match is None or not self.plot_types.value:
            self.show_message("Select a match and one or more plot types first.", "warning")
            return
        if self.data_dir is None and self.open_data_url is None:
            self.show_message(
                "No source configured: pass data_dir (a local open-data folder) or open_data_url "
                "to Explorer to preview plots with the current code.", "error")
            return

        self.preview_button.disabled = True
        try:
            self.show_message(f"Reading match {match['match_id']} from the source\u2026")
            model = self._match_model(match["match_id"])
            for plot_type in self.plot_types.value:
                try:
                    self._previews[plot_type] = figure_output(figure(model, plot_type))
                except PlotSkipped as skip:
                    self._previews[plot_type] = widgets.HTML(message_html(f"Not drawn for this match: {skip.reason}"))
                except Exception as error:  # noqa: BLE001 - one plot's error must not hide the others
                    logger.warning("explorer: preview of %s for match %s failed: %s: %s", plot_type,
                                   match["match_id"], type(error).__name__, error,
                                   exc_info=logger.isEnabledFor(logging.DEBUG))
                    self._previews[plot_type] = widgets.HTML(
                        message_html(f"{plot_type} failed: {type(error).__name__}: {error}", "error"))
            self._show()
        finally:
            self.preview_button.disabled = False

    def _match_model(self, match_id: int):
        """Read and parse a match from the source, keeping the model of the last match read."""
        from matchkit.processing import build_match_model
        from matchkit.sources import open_source

        if self._model is not None and self._model.info.match_id == match_id:
            return self._model
        if self._source is None:
            self._source = open_source(data_dir=self.data_dir, open_data_url=self.open_data_url)

        source = self._source
        entry = source.match_entry(match_id)
        self._model = build_match_model(
            entry, source.events(match_id), source.lineups(match_id), source.frames_360(match_id),
        )
        return self._model
