"""Command line: ``python -m matchkit.bench`` measures the ETL against the baseline and the floor."""

from __future__ import annotations

import argparse
import logging
import shlex
import sys

from matchkit.errors import MatchkitError

EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m matchkit.bench",
        description="Time the ETL on a grid of batch sizes, worker counts and backends, next to the "
                    "original way (the baseline) and to reading and parsing the events files (the floor). "
                    "Each run uses a fresh process and a new SQLite database.",
    )
    parser.add_argument("--data-dir", required=True, help="local copy of the StatsBomb open-data folders")
    parser.add_argument("--match-ids", help="comma-separated match ids (default: every match of the folder)")
    parser.add_argument("--limit", type=int, help="use at most this many matches")
    parser.add_argument("--grid", default="10x2",
                        help="comma-separated BATCH_SIZExMAX_WORKERS settings, for example 10x2,20x2 (default 10x2)")
    parser.add_argument("--backends", default="loky", help="comma-separated joblib backends: loky, threading, dask (default loky)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per setting; the median counts (default 3)")
    parser.add_argument("--baseline-matches", type=int, default=4,
                        help="matches for the baseline, spread over the selection; 0 skips it (default 4)")
    parser.add_argument("--memory-matches",
                        help="comma-separated match counts for the memory check (default: a quarter, a half and all; 0 skips it)")
    parser.add_argument("--profile-matches", type=int, default=0,
                        help="matches to profile with cProfile in one process; 0 skips the profile (default 0)")
    parser.add_argument("--plots", help="comma-separated plot types (default: all)")
    parser.add_argument("--out", default="reports/benchmark.json", help="JSON file for the results (default reports/benchmark.json)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    return parser


def _number(value: float | None, digits: int) -> str:
    return "failed" if value is None else f"{value:.{digits}f}"


def _print_summary(result: dict) -> None:
    print(f"{'setting':20} {'seconds':>8} {'matches/s':>10} {'worker MB':>10} {'parent MB':>10}  failed runs")
    for row in result["grid"]:
        print(f"{row['label']:20} {_number(row['seconds'], 2):>8} {_number(row['matches_per_second'], 2):>10} "
              f"{_number(row.get('worker_peak_rss_max_mb'), 0):>10} {_number(row.get('parent_peak_rss_mb'), 0):>10}"
              f"  {row['failed_runs']} of {row['repeats']}")
    for row in result["floor"]:
        label = f"floor {row['max_workers']} {row['backend']}"
        print(f"{label:20} {_number(row['seconds'], 2):>8} {_number(row['matches_per_second'], 2):>10}")
    if result["baseline"]:
        baseline = result["baseline"]
        print(f"{'baseline':20} {_number(baseline['seconds'], 2):>8} {_number(baseline['matches_per_second'], 3):>10}"
              f"   ({len(baseline['match_ids'])} matches)")
    for target in result["summary"]["targets"]:
        value = "n/a" if target["value"] is None else f"{target['value']:.3g}"
        verdict = {True: "met", False: "NOT met", None: "not measured"}[target["met"]]
        print(f"target {target['name']} {target['goal']}: {value} ({verdict})")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("matchkit").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    from matchkit.bench.benchmark import run_benchmark, write_result

    command = "python -m matchkit.bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    try:
        result = run_benchmark(
            args.data_dir, match_ids=args.match_ids, limit=args.limit, grid=args.grid, backends=args.backends,
            repeats=args.repeats, baseline_matches=args.baseline_matches, memory_matches=args.memory_matches,
            profile_matches=args.profile_matches, plots=args.plots, command=command,
        )
    except MatchkitError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    path = write_result(result, args.out)
    _print_summary(result)
    print(f"results written to {path}")
    return 0
