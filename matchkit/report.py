"""Standalone HTML match reports: one page per stored match and an index that filters them.

The pages load plotly.js from one shared ``plotly.min.js`` written beside them from the
installed plotly package, so the folder opens offline, from disk or from any static server.
"""

from __future__ import annotations

import html
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from matchkit.errors import ParameterError
from matchkit.storage import DEFAULT_DATABASE_URL, Store, redact_url
from matchkit.storage.store import parse_database_url, sqlite_path

logger = logging.getLogger("matchkit.report")

DEFAULT_REPORT_DIR = Path("reports/matches")
PLOTLY_JS = "plotly.min.js"
INDEX_PAGE = "index.html"
CREDIT = "Data: StatsBomb"

# Plot types that open a match page and the explorer's list: the result and how it came about.
LEAD_PLOT_TYPES = ("match_summary", "shot_map", "xg_flow", "momentum", "field_tilt", "possession_timeline")

# Characters that could end a <script> element or open an HTML comment inside it. In JSON
# they occur only inside strings, where the \uXXXX escapes decode to the same text.
_SCRIPT_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


@dataclass
class ReportSummary:
    """Counts of one ``write_reports`` run: pages and plots written, matches indexed, seconds taken."""

    out_dir: Path
    pages: int
    plots: int
    indexed: int
    seconds: float

    @property
    def index_path(self) -> Path:
        return self.out_dir / INDEX_PAGE


def open_store(database_url: str = DEFAULT_DATABASE_URL) -> Store:
    """Open an existing plot database, raising ParameterError when its SQLite file is missing.

    ``Store`` creates a missing SQLite file, which would turn a mistyped path into an
    empty report, so readers check for the file first.
    """
    path = sqlite_path(parse_database_url(database_url))
    if path is not None and not path.is_file():
        raise ParameterError(
            f"database {path} not found. Build it first with 'python -m matchkit etl --database-url {database_url}'"
        )
    return Store(database_url)


def page_name(match_id: int) -> str:
    """Return the file name of a match's page inside the report folder."""
    return f"match-{int(match_id)}.html"


def plot_title(plot_type: str) -> str:
    """Return the registered title of a plot type, or the type itself for one no longer registered."""
    from matchkit.plots import REGISTRY

    spec = REGISTRY.get(plot_type)
    return spec.title if spec is not None else plot_type


def ordered_plot_types(plot_types: Iterable[str]) -> list[str]:
    """Order plot types for reading: the match overview first, then registry order, then unregistered ones by name."""
    from matchkit.plots import REGISTRY

    stored = set(plot_types)
    ordered = [plot_type for plot_type in LEAD_PLOT_TYPES if plot_type in stored]
    ordered += [plot_type for plot_type in REGISTRY if plot_type in stored and plot_type not in ordered]
    return ordered + sorted(stored - set(ordered))


def score_line(match: dict[str, Any]) -> str:
    """Return ``"Home 2–1 Away"``, or ``"Home v Away"`` when the score is unknown, as plain text."""
    home, away = match["home_team"], match["away_team"]
    if match.get("home_score") is None or match.get("away_score") is None:
        return f"{home} v {away}"
    return f"{home} {match['home_score']}\u2013{match['away_score']} {away}"


def context_line(match: dict[str, Any]) -> str:
    """Return competition and season, stage and date joined by middle dots, as plain text."""
    parts = [f"{match.get('competition') or ''} {match.get('season') or ''}".strip(),
             match.get("stage") or "", str(match.get("match_date") or "")]
    return " \u00b7 ".join(part for part in parts if part)


def script_json(text: str) -> str:
    """Return JSON text that is safe inside a ``<script>`` element (no ``</``, ``<!--`` or ``>``)."""
    return text.translate(_SCRIPT_ESCAPES)


def write_reports(
    database_url: str = DEFAULT_DATABASE_URL,
    out_dir: str | Path = DEFAULT_REPORT_DIR,
    match_ids: Iterable[int] | None = None,
) -> ReportSummary:
    """Write one HTML page per stored match, plotly.js once, and an index of the pages.

    ``match_ids`` limits the pages written to those matches (default: every stored match).
    The index lists every stored match that has a page in ``out_dir``, so pages written by
    earlier runs stay reachable. Raises ParameterError for a missing database or for match
    ids that the database does not hold.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    store = open_store(database_url)
    try:
        matches = store.list_matches()
        selected = _select(matches, match_ids, database_url)

        out.mkdir(parents=True, exist_ok=True)
        _write_plotly_js(out)

        plot_count = 0
        for match in selected:
            plot_count += _write_match_page(store, match, out)

        listed = [match for match in matches if (out / page_name(match["match_id"])).is_file()]
        plot_counts = {match["match_id"]: len(store.list_plots(match["match_id"])) for match in listed}
        (out / INDEX_PAGE).write_text(index_page(listed, plot_counts), encoding="utf-8")
    finally:
        store.dispose()

    summary = ReportSummary(out, len(selected), plot_count, len(listed), time.perf_counter() - started)
    logger.info("wrote %d match pages with %d plots and an index of %d matches to %s in %.1f s",
                summary.pages, summary.plots, summary.indexed, out, summary.seconds)
    return summary


def _select(matches: list[dict], match_ids: Iterable[int] | None, database_url: str) -> list[dict]:
    if match_ids is None:
        return matches

    by_id = {match["match_id"]: match for match in matches}
    ids = list(dict.fromkeys(int(match_id) for match_id in match_ids))
    missing = [match_id for match_id in ids if match_id not in by_id]
    if missing:
        raise ParameterError(
            f"match id(s) {', '.join(map(str, missing))} not stored in {redact_url(database_url)}. "
            "Run the ETL for them first or check the ids"
        )
    return [by_id[match_id] for match_id in ids]


def _write_plotly_js(out: Path) -> None:
    """Write the installed plotly.js bundle, leaving an identical file untouched."""
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    path = out / PLOTLY_JS
    if path.is_file() and path.stat().st_size == len(bundle.encode("utf-8")) and path.read_text(encoding="utf-8") == bundle:
        return
    path.write_text(bundle, encoding="utf-8")


def _write_match_page(store: Store, match: dict, out: Path) -> int:
    """Write the page of one match and return the number of plots on it."""
    match_id = match["match_id"]
    figures = [(plot_type, store.load_plot(match_id, plot_type).to_json())
               for plot_type in ordered_plot_types(store.list_plots(match_id))]
    (out / page_name(match_id)).write_text(match_page(match, figures), encoding="utf-8")
    return len(figures)


# Pages ----------------------------------------------------------------------

_STYLE = """
body { font-family: Inter, Helvetica, Arial, sans-serif; color: #1f2933; margin: 0; background: #f5f7fa; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 16px; }
header { padding-top: 16px; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h2 { font-size: 16px; margin: 0 0 8px; }
.context, .count { color: #52606d; margin: 0 0 12px; }
nav.contents { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-bottom: 16px; font-size: 13px; }
section.figure { background: white; border: 1px solid #d9e2ec; border-radius: 6px; padding: 12px; margin-bottom: 16px; }
div.plot { width: 100%; height: 600px; }
table { border-collapse: collapse; width: 100%; background: white; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #e4e7eb; font-size: 14px; }
td.score, th.score, td.plots, th.plots { text-align: center; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 12px; }
.filters label { font-size: 14px; }
footer { color: #7b8794; font-size: 12px; padding: 16px; }
a { color: #1f5fbf; }
.missing { color: #d1495b; }
"""

# Draws every embedded figure; the page shows a message instead when plotly.min.js is missing.
_RENDER_SCRIPT = """
(function () {
  var divs = document.querySelectorAll("div.plot[data-figure]");
  if (typeof Plotly === "undefined") {
    document.getElementById("status").textContent = "plotly.min.js was not found beside this page, so the plots cannot be drawn.";
    return;
  }
  divs.forEach(function (div) {
    var figure = JSON.parse(document.getElementById(div.dataset.figure).textContent);
    var layout = figure.layout || {};
    if (layout.height) { div.style.height = layout.height + "px"; }
    Plotly.newPlot(div, figure.data || [], layout, {responsive: true, displaylogo: false});
  });
})();
"""

# Shows the rows that match every chosen filter; the season list follows the competition.
_INDEX_SCRIPT = """
(function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("tbody tr"));
  var competition = document.getElementById("competition");
  var season = document.getElementById("season");
  var team = document.getElementById("team");
  var count = document.getElementById("count");

  function fillSeasons() {
    var chosen = season.value, seen = {};
    rows.forEach(function (row) {
      if (!competition.value || row.dataset.competition === competition.value) { seen[row.dataset.season] = true; }
    });
    while (season.options.length > 1) { season.remove(1); }
    Object.keys(seen).sort().forEach(function (name) { season.add(new Option(name, name)); });
    season.value = seen[chosen] ? chosen : "";
  }

  function apply() {
    var shown = 0;
    rows.forEach(function (row) {
      var visible = (!competition.value || row.dataset.competition === competition.value)
        && (!season.value || row.dataset.season === season.value)
        && (!team.value || row.dataset.home === team.value || row.dataset.away === team.value);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " matches";
  }

  competition.addEventListener("change", function () { fillSeasons(); apply(); });
  season.addEventListener("change", apply);
  team.addEventListener("change", apply);
  fillSeasons();
  apply();
})();
"""


def _escape(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _document(title: str, head: str, body: str, script: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{_escape(title)}</title>\n<style>{_STYLE}</style>\n{head}</head>\n<body>\n{body}"
        f"<footer>{CREDIT} \u00b7 drawn by matchkit</footer>\n<script>{script}</script>\n</body>\n</html>\n"
    )


def match_page(match: dict[str, Any], figures: list[tuple[str, str]]) -> str:
    """Build the HTML page of one match from ``(plot_type, figure JSON)`` pairs."""
    contents = " ".join(
        f"<a href=\"#plot-{_escape(plot_type)}\">{_escape(plot_title(plot_type))}</a>" for plot_type, _ in figures
    )
    sections = []
    for number, (plot_type, figure_json) in enumerate(figures):
        sections.append(
            f"<section class=\"figure\" id=\"plot-{_escape(plot_type)}\">\n"
            f"<h2>{_escape(plot_title(plot_type))}</h2>\n"
            f"<div class=\"plot\" data-plot-type=\"{_escape(plot_type)}\" data-figure=\"figure-{number}\"></div>\n"
            f"<script type=\"application/json\" id=\"figure-{number}\">{script_json(figure_json)}</script>\n"
            "</section>\n"
        )
    if not sections:
        sections.append("<p>No plots are stored for this match.</p>\n")

    body = (
        f"<header>\n<a href=\"{INDEX_PAGE}\">All matches</a>\n<h1>{_escape(score_line(match))}</h1>\n"
        f"<p class=\"context\">{_escape(context_line(match))}</p>\n"
        f"<nav class=\"contents\">{contents}</nav>\n<p id=\"status\" class=\"missing\"></p>\n</header>\n"
        f"<main>\n{''.join(sections)}</main>\n"
    )
    head = f"<script src=\"{PLOTLY_JS}\"></script>\n"
    return _document(f"{score_line(match)} \u00b7 {context_line(match)}", head, body, _RENDER_SCRIPT)


def _options(label: str, element_id: str, values: Iterable[str]) -> str:
    options = "".join(f"<option value=\"{_escape(value)}\">{_escape(value)}</option>" for value in values)
    return (f"<label>{label} <select id=\"{element_id}\"><option value=\"\">All</option>{options}</select></label>")


def index_page(matches: list[dict[str, Any]], plot_counts: dict[int, int]) -> str:
    """Build the index page: one table row per match, with filters by competition, season and team."""
    competitions = sorted({str(match["competition"]) for match in matches})
    seasons = sorted({str(match["season"]) for match in matches})
    teams = sorted({str(match[side]) for match in matches for side in ("home_team", "away_team")})

    rows = []
    for match in matches:
        score = "v" if match.get("home_score") is None else f"{match['home_score']}\u2013{match['away_score']}"
        rows.append(
            f"<tr data-competition=\"{_escape(match['competition'])}\" data-season=\"{_escape(match['season'])}\" "
            f"data-home=\"{_escape(match['home_team'])}\" data-away=\"{_escape(match['away_team'])}\">"
            f"<td>{_escape(match.get('match_date'))}</td><td>{_escape(match['competition'])}</td>"
            f"<td>{_escape(match['season'])}</td><td>{_escape(match.get('stage'))}</td>"
            f"<td><a href=\"{page_name(match['match_id'])}\">{_escape(match['home_team'])}</a></td>"
            f"<td class=\"score\"><a href=\"{page_name(match['match_id'])}\">{_escape(score)}</a></td>"
            f"<td><a href=\"{page_name(match['match_id'])}\">{_escape(match['away_team'])}</a></td>"
            f"<td class=\"plots\">{plot_counts.get(match['match_id'], 0)}</td></tr>\n"
        )

    body = (
        "<header>\n<h1>Match reports</h1>\n"
        f"<div class=\"filters\">{_options('Competition', 'competition', competitions)}"
        f"{_options('Season', 'season', seasons)}{_options('Team', 'team', teams)}</div>\n"
        "<p id=\"count\" class=\"count\"></p>\n</header>\n<main>\n<table>\n<thead><tr><th>Date</th><th>Competition</th>"
        "<th>Season</th><th>Stage</th><th>Home</th><th class=\"score\">Score</th><th>Away</th>"
        f"<th class=\"plots\">Plots</th></tr></thead>\n<tbody>\n{''.join(rows)}</tbody>\n</table>\n</main>\n"
    )
    return _document("Match reports", "", body, _INDEX_SCRIPT)
