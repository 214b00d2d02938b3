"""Tables and Plotly figures of a benchmark record, for the benchmark and tuning notebooks."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from matchkit.bench.runner import STAGES, TARGETS

ETL_COLOR = "#1f5fbf"
FLOOR_COLOR = "#7a869a"
BASELINE_COLOR = "#c2410c"
TARGET_COLOR = "#15803d"
STAGE_COLORS = {"read": "#7a869a", "parse": "#a855f7", "plot": "#1f5fbf", "serialize": "#0d9488", "write": "#c2410c"}


class FigureDisplay:
    """Show Plotly figures as HTML with plotly.js embedded in the first one only.

    The exported HTML report then draws every figure without a network connection,
    and carries the 3.5 MB library once.
    """

    def __init__(self) -> None:
        self._library_shown = False

    def __call__(self, figure: go.Figure) -> None:
        from IPython.display import HTML, display

        display(HTML(figure.to_html(full_html=False, include_plotlyjs=not self._library_shown)))
        self._library_shown = True


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator is not None and denominator else None


def _floor_for(result: dict[str, Any], row: dict[str, Any]) -> dict[str, Any] | None:
    return next(
        (floor for floor in result["floor"] if (floor["max_workers"], floor["backend"]) == (row["max_workers"], row["backend"])),
        None,
    )


def targets_table(result: dict[str, Any]) -> pd.DataFrame:
    """Return one row per target: the goal, the measured value and whether it is met."""
    rows = [
        {"target": target["name"], "goal": target["goal"],
         "measured": None if target["value"] is None else round(target["value"], 3),
         "met": {True: "yes", False: "no", None: "not measured"}[target["met"]]}
        for target in result["summary"]["targets"]
    ]
    return pd.DataFrame(rows).set_index("target")


def grid_table(result: dict[str, Any]) -> pd.DataFrame:
    """Return one row per ETL setting: throughput, speedup, distance to the floor, memory and stored bytes."""
    baseline = result.get("baseline")
    baseline_speed = baseline["matches_per_second"] if baseline else None
    rows = []
    for row in result["grid"]:
        floor = _floor_for(result, row)
        rows.append({
            "setting": row["label"],
            "matches/s": row["matches_per_second"],
            "min": row.get("matches_per_second_min"),
            "max": row.get("matches_per_second_max"),
            "seconds": row["seconds"],
            "x baseline": _ratio(row["matches_per_second"], baseline_speed),
            "x floor time": _ratio(row["seconds"], floor["seconds"] if floor else None),
            "worker peak MB": row.get("worker_peak_rss_max_mb"),
            "parent peak MB": row.get("parent_peak_rss_mb"),
            "stored KB/match": row["stored_bytes_per_match"] / 1024 if row.get("stored_bytes_per_match") else None,
            "failed runs": f"{row['failed_runs']} of {row['repeats']}",
        })
    return pd.DataFrame(rows).set_index("setting").round(2)


def reference_table(result: dict[str, Any]) -> pd.DataFrame:
    """Return the baseline and the floors: matches, seconds, matches per second and peak memory."""
    rows = []
    baseline = result.get("baseline")
    if baseline:
        rows.append({"measurement": "baseline (statsbombpy DataFrames, one load per plot)", "matches": baseline["matches"],
                     "seconds": baseline["seconds"], "matches/s": baseline["matches_per_second"],
                     "peak MB": baseline.get("parent_peak_rss_mb"),
                     "stored KB/match": (baseline.get("stored_bytes_per_match") or 0) / 1024 or None})
    for floor in result["floor"]:
        rows.append({"measurement": f"floor: read and parse on {floor['max_workers']} {floor['backend']} workers",
                     "matches": floor["matches"], "seconds": floor["seconds"], "matches/s": floor["matches_per_second"],
                     "peak MB": floor.get("parent_peak_rss_mb"), "stored KB/match": None})
    return pd.DataFrame(rows).set_index("measurement").round(3)


def stage_table(result: dict[str, Any]) -> pd.DataFrame:
    """Return seconds per match in each stage, for each ETL setting and the baseline.

    The ETL's read, parse, plot and serialize seconds are summed over all workers, so on
    N workers they can add up to N times the wall time. Write runs in the parent.
    """
    rows = []
    for row in result["grid"]:
        if row.get("stage_seconds") and row["matches"]:
            rows.append({"setting": row["label"], **{stage: row["stage_seconds"][stage] / row["matches"] for stage in STAGES}})
    baseline = result.get("baseline")
    if baseline and baseline.get("stage_seconds") and baseline["matches"]:
        rows.append({"setting": "baseline", **{stage: baseline["stage_seconds"][stage] / baseline["matches"] for stage in STAGES}})
    return pd.DataFrame(rows, columns=["setting", *STAGES]).set_index("setting").round(4)


def memory_table(result: dict[str, Any]) -> pd.DataFrame:
    """Return worker and parent peak RSS for each match count of the memory check."""
    rows = [
        {"matches": row["matches"], "setting": row["label"], "worker peak MB": row["worker_peak_rss_max_mb"],
         "parent peak MB": row["parent_peak_rss_mb"], "matches/s": row["matches_per_second"]}
        for row in result.get("memory", [])
    ]
    return pd.DataFrame(rows, columns=["matches", "setting", "worker peak MB", "parent peak MB", "matches/s"]).round(1)


def profile_tables(result: dict[str, Any], count: int = 15) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return the profile's top functions by self time, matchkit functions by cumulative time, and plot types."""
    profile = result.get("profile") or {}
    if not profile or "error" in profile:
        empty = pd.DataFrame()
        return empty, empty, empty
    self_time = pd.DataFrame(profile["top_self"][:count])
    cumulative = pd.DataFrame(profile["top_matchkit_cumulative"][:count])
    plot_types = (
        pd.Series(profile["plot_type_seconds_per_match"], name="ms per match").mul(1000).sort_values(ascending=False)
        .round(2).to_frame()
    )
    return self_time, cumulative, plot_types


def _layout(title: str, yaxis_title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, "yaxis": {"title": yaxis_title}, "template": "plotly_white", "height": 420,
            "margin": {"t": 60, "b": 120}, **extra}


def throughput_figure(result: dict[str, Any]) -> go.Figure:
    """Draw matches per second of each ETL setting (median, with the range of repeats), the floors and the baseline."""
    measured = [row for row in result["grid"] if row["matches_per_second"]]
    figure = go.Figure()
    figure.add_bar(
        name="ETL", x=[row["label"] for row in measured], y=[row["matches_per_second"] for row in measured],
        marker_color=ETL_COLOR,
        error_y={"type": "data", "symmetric": False,
                 "array": [row["matches_per_second_max"] - row["matches_per_second"] for row in measured],
                 "arrayminus": [row["matches_per_second"] - row["matches_per_second_min"] for row in measured]},
    )
    floors = [floor for floor in result["floor"] if floor["matches_per_second"]]
    figure.add_bar(name="floor (read and parse only)",
                   x=[f"floor {floor['max_workers']} {floor['backend']}" for floor in floors],
                   y=[floor["matches_per_second"] for floor in floors], marker_color=FLOOR_COLOR)
    baseline = result.get("baseline")
    if baseline and baseline["matches_per_second"]:
        figure.add_bar(name="baseline", x=["baseline"], y=[baseline["matches_per_second"]], marker_color=BASELINE_COLOR)
    figure.add_hline(y=TARGETS["matches_per_second"], line_dash="dash", line_color=TARGET_COLOR,
                     annotation_text=f"target {TARGETS['matches_per_second']:g} matches/s")
    figure.update_layout(**_layout("Throughput by configuration (log scale)", "matches per second"))
    figure.update_yaxes(type="log")
    return figure


def speedup_figure(result: dict[str, Any]) -> go.Figure:
    """Draw each ETL setting's throughput as a multiple of the baseline's."""
    baseline = result.get("baseline")
    baseline_speed = baseline["matches_per_second"] if baseline else None
    measured = [row for row in result["grid"] if row["matches_per_second"] and baseline_speed]
    figure = go.Figure(go.Bar(
        x=[row["label"] for row in measured], y=[row["matches_per_second"] / baseline_speed for row in measured],
        marker_color=ETL_COLOR, text=[f"{row['matches_per_second'] / baseline_speed:.0f}x" for row in measured],
        textposition="outside",
    ))
    figure.add_hline(y=TARGETS["speedup_over_baseline"], line_dash="dash", line_color=TARGET_COLOR,
                     annotation_text=f"target {TARGETS['speedup_over_baseline']:g}x")
    figure.update_layout(**_layout("Speedup over the baseline", "times the baseline's matches per second"))
    return figure


def stage_figure(result: dict[str, Any]) -> go.Figure:
    """Draw seconds per match in each stage as stacked bars (ETL stages summed over workers)."""
    table = stage_table(result)
    figure = go.Figure()
    for stage in STAGES:
        figure.add_bar(name=stage, x=list(table.index), y=list(table[stage]), marker_color=STAGE_COLORS[stage])
    figure.update_layout(**_layout("Time per match in each stage (worker seconds, summed over workers)",
                                   "seconds per match", barmode="stack"))
    return figure


def memory_figure(result: dict[str, Any]) -> go.Figure:
    """Draw the peak RSS of the largest worker and of the parent for each ETL setting."""
    measured = [row for row in result["grid"] if row["matches_per_second"]]
    labels = [row["label"] for row in measured]
    figure = go.Figure()
    figure.add_bar(name="largest worker", x=labels, y=[row["worker_peak_rss_max_mb"] for row in measured],
                   marker_color=ETL_COLOR)
    figure.add_bar(name="parent", x=labels, y=[row["parent_peak_rss_mb"] for row in measured], marker_color=FLOOR_COLOR)
    figure.add_hline(y=TARGETS["worker_peak_rss_mb"], line_dash="dash", line_color=TARGET_COLOR,
                     annotation_text=f"target {TARGETS['worker_peak_rss_mb']:g} MB per worker")
    figure.update_layout(**_layout("Peak memory (RSS) by configuration; threading workers are the parent",
                                   "MB", barmode="group"))
    return figure


def memory_flatness_figure(result: dict[str, Any]) -> go.Figure:
    """Draw worker and parent peak RSS against the number of matches in the run."""
    rows = [row for row in result.get("memory", []) if row["worker_peak_rss_max_mb"] is not None]
    counts = [row["matches"] for row in rows]
    figure = go.Figure()
    figure.add_scatter(name="largest worker", x=counts, y=[row["worker_peak_rss_max_mb"] for row in rows],
                       mode="lines+markers", marker_color=ETL_COLOR)
    figure.add_scatter(name="parent", x=counts, y=[row["parent_peak_rss_mb"] for row in rows],
                       mode="lines+markers", marker_color=FLOOR_COLOR)
    figure.add_hline(y=TARGETS["worker_peak_rss_mb"], line_dash="dash", line_color=TARGET_COLOR,
                     annotation_text=f"target {TARGETS['worker_peak_rss_mb']:g} MB")
    label = rows[0]["label"] if rows else ""
    figure.update_layout(**_layout(f"Peak memory by number of matches ({label})", "MB",
                                   xaxis={"title": "matches in the run", "tickvals": counts}))
    figure.update_yaxes(rangemode="tozero")
    return figure
