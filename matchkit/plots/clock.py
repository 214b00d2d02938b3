"""A continuous match clock for time-axis charts, built from period and timestamp.

StatsBomb's ``minute`` overlaps at each break: first-half stoppage runs to
minute 47 while the second half restarts at 45. The clock lays the periods one
after another instead, each as long as it was played, so stoppage time gets its
own room on the axis. Time bins (minutes, 5-minute windows) restart at each
period's kick-off, so none straddles a break. The last bin of a period ends
where the period's last event falls. The shoot-out (period 5) has no place on
the clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from matchkit.plots.style import CREDIT_TEXT
from matchkit.processing.selectors import SHOOTOUT_PERIOD

SECONDS_PER_MINUTE = 60.0

# The official minute at each period's kick-off, and the period's nominal length in minutes.
PERIOD_START_MINUTE = {1: 0, 2: 45, 3: 90, 4: 105}
PERIOD_NOMINAL_MINUTES = {1: 45, 2: 45, 3: 15, 4: 15}
TICK_STEP_MINUTES = 15
CREDIT_SHIFT_PIXELS = -24


@dataclass(frozen=True)
class MatchClock:
    """The position of each played period on the continuous axis, in minutes.

    ``starts[p]`` is the axis position of period ``p``'s kick-off and
    ``lengths[p]`` the whole minutes it lasted (its last event's minute plus one).
    """

    periods: tuple[int, ...]
    starts: dict[int, float]
    lengths: dict[int, int]

    @property
    def end(self) -> float:
        """Return the axis position where the last played period ends."""
        last = self.periods[-1]
        return self.starts[last] + self.lengths[last]


@dataclass(frozen=True)
class TimeBins:
    """Consecutive time bins of a match clock, one row per bin.

    ``start`` and ``width`` are axis minutes. ``label`` is the official minute
    range, such as ``"45'–50'"`` or ``"45'–45+2'"`` for first-half stoppage. ``first[p]`` is the position of period ``p``'s
    first bin.
    """

    period: np.ndarray
    start: np.ndarray
    width: np.ndarray
    label: list[str]
    first: dict[int, int]
    minutes: int

    def __len__(self) -> int:
        return len(self.start)

    @property
    def center(self) -> np.ndarray:
        return self.start + self.width / 2

    def assign(self, events: pd.DataFrame) -> np.ndarray:
        """Return the bin position of each event; -1 for periods the clock does not show."""
        first = np.full(SHOOTOUT_PERIOD + 1, -1)
        count = np.zeros(SHOOTOUT_PERIOD + 1, dtype=int)
        for period, position in self.first.items():
            first[period] = position
            count[period] = int((self.period == period).sum())

        periods = np.clip(events["period"].to_numpy(), 0, SHOOTOUT_PERIOD)
        within = np.floor(events["timestamp"].to_numpy() / (SECONDS_PER_MINUTE * self.minutes)).astype(int)
        within = np.clip(within, 0, np.maximum(count[periods] - 1, 0))
        return np.where(first[periods] < 0, -1, first[periods] + within)


def match_clock(events: pd.DataFrame) -> MatchClock:
    """Lay the played periods (1 to 4) end to end, each as long as its last event's minute plus one."""
    period_of_event = events["period"].to_numpy()
    timestamp = events["timestamp"].to_numpy()

    periods: list[int] = []
    starts: dict[int, float] = {}
    lengths: dict[int, int] = {}
    position = 0.0
    for period in range(1, SHOOTOUT_PERIOD):
        in_period = period_of_event == period
        if not in_period.any():
            continue
        periods.append(period)
        starts[period] = position
        lengths[period] = int(timestamp[in_period].max() // SECONDS_PER_MINUTE) + 1
        position += lengths[period]
    return MatchClock(periods=tuple(periods), starts=starts, lengths=lengths)


def official_minute(period: int, minutes_played: float) -> str:
    """Format a time within a period as the official minute, with stoppage as ``45+2'``."""
    start = PERIOD_START_MINUTE.get(period, 0)
    nominal = PERIOD_NOMINAL_MINUTES.get(period, 0)
    if minutes_played <= nominal:
        return f"{start + int(minutes_played)}'"
    return f"{start + nominal}+{int(minutes_played - nominal)}'"


def time_bins(clock: MatchClock, minutes: int) -> TimeBins:
    """Split each period of the clock into bins of ``minutes``, restarting at each kick-off."""
    period, start, width, label = [], [], [], []
    first: dict[int, int] = {}
    for p in clock.periods:
        first[p] = len(start)
        for offset in range(0, clock.lengths[p], minutes):
            size = min(minutes, clock.lengths[p] - offset)
            period.append(p)
            start.append(clock.starts[p] + offset)
            width.append(size)
            label.append(f"{official_minute(p, offset)}\u2013{official_minute(p, offset + size)}")
    return TimeBins(
        period=np.array(period, dtype=int), start=np.array(start, dtype=float),
        width=np.array(width, dtype=float), label=label, first=first, minutes=minutes,
    )


def clock_axis(clock: MatchClock, **extra) -> dict:
    """Build an x axis for the clock, ticked at official minutes (0', 15', 30', 45' ...)."""
    tickvals, ticktext = [], []
    for period in clock.periods:
        official = PERIOD_START_MINUTE.get(period, 0)
        nominal = PERIOD_NOMINAL_MINUTES.get(period, 0)
        for offset in range(0, nominal, TICK_STEP_MINUTES):
            tickvals.append(clock.starts[period] + offset)
            ticktext.append(f"{official + offset}'")
    last = clock.periods[-1]
    nominal_end = PERIOD_NOMINAL_MINUTES.get(last, 0)
    if nominal_end <= clock.lengths[last]:
        tickvals.append(clock.starts[last] + nominal_end)
        ticktext.append(f"{PERIOD_START_MINUTE.get(last, 0) + nominal_end}'")

    axis = {
        "range": [0, clock.end], "tickvals": tickvals, "ticktext": ticktext,
        "showgrid": False, "zeroline": False, "fixedrange": False, "title": {"text": "Match time"},
    }
    axis.update(extra)
    return axis


def period_break_shapes(clock: MatchClock, xref: str = "x", yref: str = "paper") -> list[dict]:
    """Draw a dotted vertical line at each break between periods."""
    return [
        {
            "type": "line", "xref": xref, "yref": yref, "x0": clock.starts[period], "x1": clock.starts[period],
            "y0": 0, "y1": 1, "line": {"color": "#9aa5b1", "width": 1, "dash": "dot"}, "layer": "below",
        }
        for period in clock.periods[1:]
    ]


def event_minutes(events: pd.DataFrame, clock: MatchClock) -> np.ndarray:
    """Return each event's position on the clock axis in minutes (NaN outside the clock's periods)."""
    starts = np.full(SHOOTOUT_PERIOD + 1, np.nan)
    for period, start in clock.starts.items():
        starts[period] = start
    periods = np.clip(events["period"].to_numpy(), 0, SHOOTOUT_PERIOD)
    return starts[periods] + events["timestamp"].to_numpy() / SECONDS_PER_MINUTE


def clear_clock_axis(layout: dict) -> None:
    """Keep the legend and the credit off the clock axis's tick labels, in place.

    The shared layout puts both just under the plot area, where a time axis
    has its minute labels. The legend moves above the plot on the right and
    the credit moves down by the height of one line of tick labels.
    """
    layout["legend"] = {
        "orientation": "h", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom", "traceorder": "normal",
    }
    layout["annotations"] = [
        {**annotation, "yshift": CREDIT_SHIFT_PIXELS} if annotation.get("text") == CREDIT_TEXT else annotation
        for annotation in layout.get("annotations", [])
    ]
