"""HTML match reports: pages, index, shared plotly.js and escaping, checked on the written files."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser

import pytest

from matchkit.errors import ParameterError
from matchkit.report import index_page, match_page, page_name, write_reports
from matchkit.storage import Store
from tests.conftest import DATA_DIR, match_entries

# Euro 2020 Turkey v Italy (360 data) and FIFA World Cup 2018 Croatia v Denmark (shoot-out).
MATCH_IDS = (3788741, 7581)


class ScriptCollector(HTMLParser):
    """Collect the text of every <script> element and the attributes of every element."""

    def __init__(self):
        super().__init__()
        self.scripts: list[tuple[dict, str]] = []
        self.elements: list[tuple[str, dict]] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._open = dict(attrs)
            self.scripts.append((self._open, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def parse(text: str) -> ScriptCollector:
    collector = ScriptCollector()
    collector.feed(text)
    collector.close()
    return collector


def figure_scripts(text: str) -> list[dict]:
    return [json.loads(body) for attrs, body in parse(text).scripts if attrs.get("type") == "application/json"]


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    from matchkit.etl import run_etl

    url = f"sqlite:///{tmp_path_factory.mktemp('report-db') / 'plots.db'}"
    summary = run_etl(data_dir=str(DATA_DIR), match_ids=list(MATCH_IDS), database_url=url,
                      backend="threading", max_workers=1, progress=False)
    assert summary.matches_failed == 0, summary.failures
    return url


@pytest.fixture(scope="module")
def stored_plots(database) -> dict[int, list[str]]:
    store = Store(database)
    try:
        return {match_id: store.list_plots(match_id) for match_id in MATCH_IDS}
    finally:
        store.dispose()


def test_report_writes_page_per_match(database, stored_plots, tmp_path):
    summary = write_reports(database, tmp_path)

    assert summary.pages == len(MATCH_IDS)
    assert summary.plots == sum(len(plots) for plots in stored_plots.values())
    assert summary.indexed == len(MATCH_IDS)
    for match_id in MATCH_IDS:
        assert (tmp_path / page_name(match_id)).is_file()
    assert (tmp_path / "index.html").is_file()


def test_page_embeds_every_stored_figure(database, stored_plots, tmp_path):
    write_reports(database, tmp_path, match_ids=[3788741])
    text = (tmp_path / page_name(3788741)).read_text(encoding="utf-8")
    figures = figure_scripts(text)

    store = Store(database)
    try:
        stored = [json.loads(store.load_plot(3788741, plot_type).to_json()) for plot_type in stored_plots[3788741]]
    finally:
        store.dispose()
    assert len(figures) == len(stored_plots[3788741])
    assert sorted(json.dumps(f, sort_keys=True) for f in figures) == sorted(json.dumps(f, sort_keys=True) for f in stored)
    assert "Data: StatsBomb" in text


def test_page_opens_with_match_summary(database, tmp_path):
    write_reports(database, tmp_path, match_ids=[7581])
    text = (tmp_path / page_name(7581)).read_text(encoding="utf-8")
    plot_divs = [attrs for tag, attrs in parse(text).elements if tag == "div" and "data-plot-type" in attrs]

    assert plot_divs[0]["data-plot-type"] == "match_summary"
    assert "<h1>Croatia 1\u20131 Denmark</h1>" in text


def test_plotly_js_is_written_once_from_installed_plotly(database, tmp_path):
    from plotly.offline import get_plotlyjs

    write_reports(database, tmp_path)
    pages = sorted(tmp_path.glob("*.html"))
    sources = [attrs.get("src") for page in pages for attrs, _ in parse(page.read_text(encoding="utf-8")).scripts]

    assert (tmp_path / "plotly.min.js").read_text(encoding="utf-8") == get_plotlyjs()
    assert [path.name for path in tmp_path.glob("*.js")] == ["plotly.min.js"]
    assert {src for src in sources if src} == {"plotly.min.js"}
    assert sum(1 for src in sources if src) == len(MATCH_IDS)


def test_index_lists_pages_of_earlier_runs(database, tmp_path):
    write_reports(database, tmp_path, match_ids=[3788741])
    summary = write_reports(database, tmp_path, match_ids=[7581])
    rows = [attrs for tag, attrs in parse((tmp_path / "index.html").read_text(encoding="utf-8")).elements
            if tag == "tr" and "data-home" in attrs]

    assert summary.pages == 1
    assert summary.indexed == 2
    assert [row["data-home"] for row in rows] == ["Croatia", "Turkey"]


def test_index_rows_carry_filter_values(database, tmp_path):
    write_reports(database, tmp_path)
    rows = [attrs for tag, attrs in parse((tmp_path / "index.html").read_text(encoding="utf-8")).elements
            if tag == "tr" and "data-home" in attrs]

    expected = []
    for match_id in sorted(MATCH_IDS, key=lambda match_id: match_entries()[match_id]["match_date"]):
        entry = match_entries()[match_id]
        expected.append({
            "data-competition": entry["competition"]["competition_name"],
            "data-season": entry["season"]["season_name"],
            "data-home": entry["home_team"]["home_team_name"],
            "data-away": entry["away_team"]["away_team_name"],
        })
    assert rows == expected


HOSTILE_NAME = "Cr\u00e9teil <script>alert(1)</script> & \"Sons\""
HOSTILE_MATCH = {
    "match_id": 1, "competition": "Cup <b>", "season": "2024/2025", "stage": "Final", "match_date": "2025-05-01",
    "home_team": HOSTILE_NAME, "away_team": "O'Neill's XI", "home_score": 1, "away_score": 0,
}


def test_match_page_escapes_names_and_figure_json():
    title = "</script><script>alert(2)</script><!-- " + HOSTILE_NAME
    figure = json.dumps({"data": [], "layout": {"title": {"text": title}}})
    text = match_page(HOSTILE_MATCH, [("shot_map", figure)])
    collector = parse(text)

    assert "<script>alert" not in text
    assert "<b>" not in text
    assert len(collector.scripts) == 3
    assert figure_scripts(text)[0]["layout"]["title"]["text"] == title
    assert f"<h1>{html.escape(HOSTILE_NAME)} 1\u20130 O&#x27;Neill&#x27;s XI</h1>" in text


def test_index_escapes_names_in_attributes_and_text():
    text = index_page([HOSTILE_MATCH], {1: 3})
    rows = [attrs for tag, attrs in parse(text).elements if tag == "tr" and "data-home" in attrs]
    options = [attrs.get("value") for tag, attrs in parse(text).elements if tag == "option"]

    assert "<script>alert" not in text
    assert rows[0]["data-home"] == HOSTILE_NAME
    assert rows[0]["data-competition"] == "Cup <b>"
    assert HOSTILE_NAME in options


def test_unknown_match_ids_rejected(database, tmp_path):
    with pytest.raises(ParameterError, match="123"):
        write_reports(database, tmp_path, match_ids=[3788741, 123])
    assert not (tmp_path / page_name(3788741)).exists()


def test_missing_database_rejected_without_creating_it(tmp_path):
    path = tmp_path / "missing.db"
    with pytest.raises(ParameterError, match="not found"):
        write_reports(f"sqlite:///{path}", tmp_path / "out")
    assert not path.exists()


def test_report_command_exit_status(database, tmp_path, capsys):
    from matchkit.cli import main

    assert main(["report", "--database-url", database, "--out", str(tmp_path), "--match-ids", "7581"]) == 0
    assert "wrote 1 match pages" in capsys.readouterr().out
    assert main(["report", "--database-url", database, "--out", str(tmp_path), "--match-ids", "99"]) == 2
    assert "not stored" in capsys.readouterr().err
