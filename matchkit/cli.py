"""Command line: ``python -m matchkit etl`` runs the same job as the ETL notebook."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import yaml

from matchkit.errors import MatchkitError

EXIT_FAILED_MATCHES = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _etl_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "etl", help="build or refresh the plot database",
        description="Process matches in parallel batches and store their plots. "
                    "With no source option, reads StatsBomb open data online (FIFA World Cup 2022 by default).",
    )
    parser.add_argument("-f", "--parameters-file", type=Path,
                        help="YAML file of parameters (same names as the ETL notebook); options given here win")
    parser.add_argument("--batch-size", help="matches per batch (default 10)")
    parser.add_argument("--max-workers", help="parallel workers per batch (default 4)")
    parser.add_argument("--backend", help="joblib backend: loky (processes, default), threading or dask")
    parser.add_argument("--dask-address", help="Dask scheduler address such as tcp://127.0.0.1:8786 "
                                               "(with --backend dask; default: a local cluster)")
    parser.add_argument("--data-dir", help="local copy of the StatsBomb open-data folders (.json or .json.gz)")
    parser.add_argument("--open-data-url", help="base URL of an open-data mirror (default: StatsBomb's GitHub)")
    parser.add_argument("--cache-dir", help="folder that keeps online responses for later runs (e.g. ~/.cache/matchkit)")
    parser.add_argument("--cache-max-age", help="seconds after which a cached response is fetched again (default: never)")
    parser.add_argument("--offline", action="store_true", help="read online data from --cache-dir only, never the network")
    parser.add_argument("--http-timeout", help="seconds to wait for one HTTP response (default 30)")
    parser.add_argument("--http-retries", help="retries of a request that timed out, lost its connection or got HTTP 408, 429 or 5xx (default 4)")
    parser.add_argument("--requests-per-second", help="limit on HTTP requests per second in each worker process")
    parser.add_argument("--competition-id", help="competition to process, with --season-id")
    parser.add_argument("--season-id", help="season to process, with --competition-id")
    parser.add_argument("--match-ids", help="comma-separated match ids to process")
    parser.add_argument("--limit", help="process at most this many matches")
    parser.add_argument("--plots", help="comma-separated plot types (default: all; see 'python -m matchkit plots')")
    parser.add_argument("--database-url", help="SQLAlchemy URL of the plot database (default sqlite:///matchkit.db)")
    parser.add_argument("--database-timeout", help="seconds to keep retrying a locked or unreachable database (default 120)")
    parser.add_argument("--full-refresh", action="store_true",
                        help="process every selected match and plot, not only new or changed ones")
    parser.add_argument("--compression", help="figure compression in the database: zstd (default) or none")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _load_parameters(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    if not path.is_file():
        raise MatchkitError(f"parameters file {path} not found")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise MatchkitError(f"parameters file {path} is not valid YAML: {error}") from error
    if not isinstance(values, dict):
        raise MatchkitError(f"parameters file {path} must hold a mapping of parameter names to values")
    return values


def _run_etl(args: argparse.Namespace) -> int:
    from matchkit.etl import run_etl

    params = _load_parameters(args.parameters_file)
    for name in ("batch_size", "max_workers", "backend", "data_dir", "open_data_url", "competition_id",
                 "season_id", "match_ids", "limit", "plots", "database_url", "compression", "dask_address",
                 "database_timeout", "cache_dir", "cache_max_age", "http_timeout", "http_retries",
                 "requests_per_second"):
        value = getattr(args, name)
        if value is not None:
            params[name] = value
    if args.full_refresh:
        params["full_refresh"] = True
    if args.offline:
        params["offline"] = True
    if args.no_progress:
        params["progress"] = False

    summary = run_etl(**params)
    print(
        f"run {summary.run_id} {summary.status}: {summary.matches_total} matches selected "
        f"({summary.matches_new} new, {summary.matches_changed} changed, {summary.matches_retried} retried, "
        f"{summary.matches_unchanged} unchanged); {summary.matches_succeeded} stored, {summary.matches_failed} failed, "
        f"{summary.plots_written} plots written in {summary.seconds:.1f} s ({summary.matches_per_second:.2f} matches/s)"
    )
    if summary.status == "interrupted":
        print("interrupted: the batches above are stored; run the same command again to finish", file=sys.stderr)
        return EXIT_INTERRUPTED
    if summary.failed_match_ids:
        print("failed match ids: " + ", ".join(str(i) for i in summary.failed_match_ids), file=sys.stderr)
        for failure in summary.failures:
            print(f"  {failure['match_id']} [{failure['stage']}] {failure['message']}", file=sys.stderr)
        return EXIT_FAILED_MATCHES
    return 0


def _list_plots(_args: argparse.Namespace) -> int:
    from matchkit.plots import REGISTRY

    for spec in REGISTRY.values():
        print(f"{spec.plot_type:28} v{spec.version}  {spec.title}")
    return 0


def _report_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="write standalone HTML pages of the stored plots",
        description="Write one HTML page per stored match with all its plots, plotly.min.js once, and an "
                    "index.html that filters the matches by competition, season and team. The pages open offline.",
    )
    parser.add_argument("--database-url", default="sqlite:///matchkit.db",
                        help="SQLAlchemy URL of the plot database (default sqlite:///matchkit.db)")
    parser.add_argument("--out", type=Path, default=Path("reports/matches"),
                        help="folder for the pages, created when missing (default reports/matches)")
    parser.add_argument("--match-ids", help="comma-separated match ids to write pages for (default: every stored match)")


def _run_report(args: argparse.Namespace) -> int:
    from matchkit.etl.params import parse_match_ids
    from matchkit.report import write_reports

    summary = write_reports(args.database_url, args.out, parse_match_ids(args.match_ids))
    print(
        f"wrote {summary.pages} match pages with {summary.plots} plots in {summary.seconds:.1f} s, "
        f"index of {summary.indexed} matches: {summary.index_path}"
    )
    return 0


def quiet_libraries() -> None:
    """Keep Alembic's and Dask's start-up messages out of the run log unless they are warnings."""
    for name in ("alembic", "distributed", "bokeh"):
        logging.getLogger(name).setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matchkit", description="StatsBomb match plots at scale.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _etl_parser(subparsers)
    subparsers.add_parser("plots", help="list the registered plot types")
    _report_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_libraries()
    commands = {"etl": _run_etl, "plots": _list_plots, "report": _run_report}
    try:
        return commands[args.command](args)
    except MatchkitError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: batches already written are kept", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
