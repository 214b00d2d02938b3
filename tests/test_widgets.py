"""The Explorer widget without a browser: selections, stored figures, previews and error messages."""

from __future__ import annotations

import json

import ipywidgets as widgets
import pytest

from matchkit.plots import REGISTRY, PlotSkipped, PlotSpec
from matchkit.report import ordered_plot_types
from matchkit.storage import Store
from matchkit.widgets import PLOTLY_MIMETYPE, Explorer
from tests.conftest import DATA_DIR, match_entries

# Euro 2020 Turkey v Italy (360 data) and two FIFA World Cup 2018 shoot-outs.
MATCH_IDS = (3788741, 7581, 8652)


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    from matchkit.etl import run_etl

    url = f"sqlite:///{tmp_path_factory.mktemp('widgets-db') / 'plots.db'}"
    summary = run_etl(data_dir=str(DATA_DIR), match_ids=list(MATCH_IDS), database_url=url,
                      backend="threading", max_workers=1, progress=False)
    assert summary.matches_failed == 0, summary.failures
    return url


def shown_outputs(explorer: Explorer) -> list[widgets.Output]:
    """Return the Output widgets under the explorer's figure area, depth first."""
    found, pending = [], list(explorer.figures.children)
    while pending:
        widget = pending.pop(0)
        if isinstance(widget, widgets.Output):
            found.append(widget)
        pending[:0] = list(getattr(widget, "children", ()))
    return found


def shown_figure(output: widgets.Output) -> dict:
    (item,) = output.outputs
    return item["data"][PLOTLY_MIMETYPE]


def texts(explorer: Explorer) -> str:
    """Return the text of every HTML widget under the explorer, joined."""
    found, pending = [], [explorer]
    while pending:
        widget = pending.pop()
        if isinstance(widget, widgets.HTML):
            found.append(widget.value)
        pending.extend(getattr(widget, "children", ()))
    return "\n".join(found)


def test_explorer_offers_stored_competitions_and_matches(database):
    explorer = Explorer(database)
    explorer.select_match(7581)

    assert [label for label, _ in explorer.competition.options] == ["FIFA World Cup", "UEFA Euro"]
    assert [label for label, _ in explorer.season.options] == ["2018"]
    assert [value for _, value in explorer.match.options] == [7581, 8652]
    assert explorer.match.options[0][0] == "2018-07-01  Croatia 1\u20131 Denmark"


def test_explorer_lists_stored_plot_types(database):
    store = Store(database)
    stored = store.list_plots(3788741)
    store.dispose()
    explorer = Explorer(database)
    explorer.select_match(3788741)

    assert [value for _, value in explorer.plot_types.options] == ordered_plot_types(stored)
    assert explorer.plot_types.value == ("match_summary",)
    assert dict(explorer.plot_types.options)["Shot map"] == "shot_map"


def test_explorer_shows_each_selected_stored_figure(database):
    explorer = Explorer(database)
    explorer.select_match(3788741)
    explorer.plot_types.value = ("shot_map", "xg_flow")
    outputs = shown_outputs(explorer)

    store = Store(database)
    expected = [json.loads(store.load_plot(3788741, plot_type).to_json()) for plot_type in ("shot_map", "xg_flow")]
    store.dispose()
    assert len(outputs) == 2
    for output, figure in zip(outputs, expected):
        assert shown_figure(output)["data"] == figure["data"]
        assert shown_figure(output)["layout"]["title"] == figure["layout"]["title"]


def test_explorer_keeps_plot_selection_across_matches(database):
    explorer = Explorer(database)
    explorer.select_match(7581)
    explorer.plot_types.value = ("xg_flow", "momentum")
    explorer.select_match(8652)

    assert explorer.plot_types.value == ("xg_flow", "momentum")
    titles = [shown_figure(output)["layout"]["title"]["text"] for output in shown_outputs(explorer)]
    assert all("Russia" in title for title in titles)


def test_preview_shows_current_plot_beside_stored(database):
    explorer = Explorer(database, data_dir=str(DATA_DIR))
    explorer.select_match(8652)
    explorer.plot_types.value = ("shot_map",)
    explorer.preview()
    stored, preview = shown_outputs(explorer)

    home = match_entries()[8652]["home_team"]["home_team_name"]
    assert "Preview" in texts(explorer)
    assert home in shown_figure(preview)["layout"]["title"]["text"]
    assert len(shown_figure(preview)["data"]) == len(shown_figure(stored)["data"])
    assert "matchkit-error" not in explorer.status.value


def test_preview_without_source_shows_message(database):
    explorer = Explorer(database)
    explorer.preview()

    assert "No source configured" in explorer.status.value
    assert "matchkit-error" in explorer.status.value
    assert len(shown_outputs(explorer)) == 1


def test_preview_of_match_missing_from_source_shows_message(database, tmp_path):
    (tmp_path / "competitions.json").write_text("[]")
    explorer = Explorer(database, data_dir=str(tmp_path))
    explorer.select_match(7581)
    explorer.preview()

    assert "match 7581: not listed in any matches file" in explorer.status.value
    assert "matchkit-error" in explorer.status.value


def test_preview_reports_skipped_and_failing_plots(database, monkeypatch):
    def skipped(_model):
        raise PlotSkipped("no shots in this match")

    def failing(_model):
        raise RuntimeError("broken plot")

    monkeypatch.setitem(REGISTRY, "shot_map", PlotSpec("shot_map", skipped, 1, "Shot map"))
    monkeypatch.setitem(REGISTRY, "xg_flow", PlotSpec("xg_flow", failing, 1, "xG flow"))
    explorer = Explorer(database, data_dir=str(DATA_DIR))
    explorer.select_match(7581)
    explorer.plot_types.value = ("shot_map", "xg_flow")
    explorer.preview()
    shown = texts(explorer)

    assert "Not drawn for this match: no shots in this match" in shown
    assert "xg_flow failed: RuntimeError: broken plot" in shown
    assert len(shown_outputs(explorer)) == 2


def test_missing_database_shows_message(tmp_path):
    path = tmp_path / "missing.db"
    explorer = Explorer(f"sqlite:///{path}")

    assert "not found" in explorer.status.value
    assert explorer.match.disabled
    assert not path.exists()


def test_unknown_match_shows_message(database):
    explorer = Explorer(database)
    explorer.select_match(123)

    assert "match 123 is not stored" in explorer.status.value
