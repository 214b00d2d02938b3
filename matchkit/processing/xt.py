"""Expected threat (xT): the value of having the ball in each cell of the pitch.

The model is Karun Singh's value iteration. For each cell of a fixed grid, a
team in possession either shoots (probability ``s``) or moves the ball with a
pass or carry (probability ``m = 1 - s``). A shot scores with probability ``g``.
A move from cell ``a`` lands in cell ``b`` with probability ``T[a, b]``, the
share of all moves from ``a`` that were completed into ``b``, so a failed move
is worth nothing. The value of a cell is the fixed point of

    xT = s * g + m * (T @ xT)

which the fit reaches by iterating from zero until no cell changes by more
than a tolerance.

The fit reads open play only. Set-piece passes (corners, free kicks, throw-ins,
goal kicks, kick-offs) and set-piece shots (penalties, direct free kicks) start
where the restart is awarded rather than where a player chose to act.
Penalties would also give the penalty-spot cell a conversion rate that open
play never reaches there. The shoot-out (period 5) is never read.

Every event is in the acting team's frame, so starts, ends and shots all
attack towards ``x = length`` and no mirroring is needed.

Refit the shipped grid with ``python -m matchkit.processing.xt --data-dir PATH``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from matchkit.dimensions import STATSBOMB, PitchDimensions
from matchkit.errors import DataError, ParameterError, SourceError
from matchkit.processing import selectors

logger = logging.getLogger(__name__)

X_BINS = 16
Y_BINS = 12
TOLERANCE = 1e-6
MAX_ITERATIONS = 1000

GRID_FILE = "xt_grid.json"

# Passes that restart play, which the fit leaves out (see the module docstring).
SET_PIECE_PASS_TYPES = frozenset({"Corner", "Free Kick", "Throw-in", "Goal Kick", "Kick Off"})
OPEN_PLAY_SHOT = "Open Play"


@dataclass(frozen=True, eq=False)
class XTGrid:
    """A fitted expected-threat grid over the pitch.

    ``values`` has shape (y_bins, x_bins), the same orientation as
    ``matchkit.plots.bins.bin_counts``: row ``j`` covers the j-th band of y and
    column ``i`` the i-th band of x, in the frame of the team on the ball.
    Each value is a probability of scoring, between 0 and 1.
    """

    values: np.ndarray
    dims: PitchDimensions = STATSBOMB
    metadata: dict = field(default_factory=dict)

    @property
    def x_bins(self) -> int:
        return int(self.values.shape[1])

    @property
    def y_bins(self) -> int:
        return int(self.values.shape[0])

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the fixed x and y cell edges in pitch units, from 0 to the pitch length and width."""
        # The same edges as matchkit.plots.bins.bin_edges. Importing matchkit.plots here would
        # import every plot module, and the threat plots import this module.
        return np.linspace(0.0, self.dims.length, self.x_bins + 1), np.linspace(0.0, self.dims.width, self.y_bins + 1)

    def cells(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Return the (column, row) cell of each point, -1 where a coordinate is missing.

        Cells are closed on the left, and points on the far goal line or
        touchline fall into the last cell, as in ``bin_counts``. Points off the
        pitch are clipped to the nearest cell.
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        x_edges, y_edges = self.edges()
        columns = np.clip(np.searchsorted(x_edges, x, side="right") - 1, 0, self.x_bins - 1)
        rows = np.clip(np.searchsorted(y_edges, y, side="right") - 1, 0, self.y_bins - 1)
        missing = np.isnan(x) | np.isnan(y)
        return np.where(missing, -1, columns), np.where(missing, -1, rows)

    def value(self, x, y) -> np.ndarray:
        """Return the xT of each point (x, y) in the acting team's frame, NaN where a coordinate is missing."""
        columns, rows = self.cells(x, y)
        missing = columns < 0
        values = self.values[np.where(missing, 0, rows), np.where(missing, 0, columns)]
        return np.where(missing, np.nan, values)

    def to_dict(self) -> dict:
        """Return the grid as a JSON-ready dictionary: values rounded to 6 decimals, plus metadata."""
        return {
            "x_bins": self.x_bins,
            "y_bins": self.y_bins,
            "pitch_length": self.dims.length,
            "pitch_width": self.dims.width,
            "values": np.round(self.values, 6).tolist(),
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: dict) -> XTGrid:
        """Build a grid from ``to_dict`` output. Raises ``DataError`` when a key is missing or the shape is inconsistent."""
        try:
            values = np.asarray(data["values"], dtype=float)
            shape = (int(data["y_bins"]), int(data["x_bins"]))
            dims = PitchDimensions(length=float(data["pitch_length"]), width=float(data["pitch_width"]))
        except (KeyError, TypeError, ValueError) as error:
            raise DataError(
                f"invalid xT grid ({type(error).__name__}: {error}); refit it with python -m matchkit.processing.xt"
            ) from error
        if values.shape != shape:
            raise DataError(
                f"xT grid values have shape {values.shape}, expected (y_bins, x_bins) = {shape}; "
                "refit it with python -m matchkit.processing.xt"
            )
        return cls(values=values, dims=dims, metadata=dict(data.get("metadata", {})))


def _cell_index(x_bins: int, columns: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Flatten (column, row) cells to row-major indices of the (y_bins, x_bins) grid."""
    return rows * x_bins + columns


def fit_xt(
    events_tables: Iterable[pd.DataFrame],
    x_bins: int = X_BINS,
    y_bins: int = Y_BINS,
    dims: PitchDimensions = STATSBOMB,
    tolerance: float = TOLERANCE,
    max_iterations: int = MAX_ITERATIONS,
) -> XTGrid:
    """Fit an xT grid by value iteration on the open play of the given events tables.

    ``events_tables`` are ``MatchModel.events`` tables, one per match. The
    iteration stops when no cell changes by more than ``tolerance`` (a
    probability) or after ``max_iterations`` rounds. The metadata records
    which of the two happened, with the counts the fit used.
    """
    if x_bins < 1 or y_bins < 1:
        raise ParameterError(f"x_bins and y_bins must be at least 1, got {x_bins} and {y_bins}")

    # An empty grid carries only the shape, so its cells() can map points for the counting below.
    shape_only = XTGrid(values=np.zeros((y_bins, x_bins)), dims=dims)
    n_cells = x_bins * y_bins
    shot_counts = np.zeros(n_cells)
    goal_counts = np.zeros(n_cells)
    move_counts = np.zeros(n_cells)
    transition_counts = np.zeros((n_cells, n_cells))
    n_matches = 0

    for events in events_tables:
        n_matches += 1
        in_play = events[selectors.regular_play(events)]

        shots = in_play[(in_play["type"] == "Shot") & (in_play["shot_type"] == OPEN_PLAY_SHOT) & in_play["x"].notna()]
        shot_cells = _cell_index(x_bins, *shape_only.cells(shots["x"], shots["y"]))
        np.add.at(shot_counts, shot_cells, 1)
        np.add.at(goal_counts, shot_cells[(shots["outcome"] == "Goal").to_numpy()], 1)

        is_move = (in_play["type"] == "Pass") & ~in_play["pass_type"].isin(SET_PIECE_PASS_TYPES)
        is_move |= in_play["type"] == "Carry"
        moves = in_play[is_move & in_play["x"].notna()]
        start_cells = _cell_index(x_bins, *shape_only.cells(moves["x"], moves["y"]))
        np.add.at(move_counts, start_cells, 1)

        # A carry keeps the ball by definition, and a pass succeeds when it has no outcome.
        succeeded = ((moves["type"] == "Carry") | moves["outcome"].isna()) & moves["end_x"].notna()
        done = moves[succeeded]
        from_cells = _cell_index(x_bins, *shape_only.cells(done["x"], done["y"]))
        to_cells = _cell_index(x_bins, *shape_only.cells(done["end_x"], done["end_y"]))
        np.add.at(transition_counts, (from_cells, to_cells), 1)

    if n_matches == 0:
        raise ParameterError("fit_xt received no events tables; pass at least one match")

    values, iterations, converged = _iterate(
        shot_counts, goal_counts, move_counts, transition_counts, tolerance, max_iterations,
    )
    if not converged:
        logger.warning("xT value iteration stopped after %d iterations without reaching tolerance %g",
                       iterations, tolerance)

    metadata = {
        "method": "value iteration, xT = s*g + m*sum(T*xT), open play only, shoot-out excluded",
        "matches": n_matches,
        "shots": int(shot_counts.sum()),
        "goals": int(goal_counts.sum()),
        "moves": int(move_counts.sum()),
        "completed_moves": int(transition_counts.sum()),
        "iterations": iterations,
        "tolerance": tolerance,
        "converged": converged,
        "fitted_on": dt.date.today().isoformat(),
        "data": "StatsBomb open data",
    }
    return XTGrid(values=values.reshape(y_bins, x_bins), dims=dims, metadata=metadata)


def _iterate(
    shot_counts: np.ndarray,
    goal_counts: np.ndarray,
    move_counts: np.ndarray,
    transition_counts: np.ndarray,
    tolerance: float,
    max_iterations: int,
) -> tuple[np.ndarray, int, bool]:
    """Solve xT = s*g + m*(T @ xT) by iteration from zero; return (values, iterations, converged)."""
    actions = shot_counts + move_counts
    shoot_probability = np.divide(shot_counts, actions, out=np.zeros_like(actions), where=actions > 0)
    move_probability = np.divide(move_counts, actions, out=np.zeros_like(actions), where=actions > 0)
    goal_probability = np.divide(goal_counts, shot_counts, out=np.zeros_like(shot_counts), where=shot_counts > 0)
    # Rows are divided by every attempted move, so the mass of failed moves is lost (worth 0).
    transitions = np.divide(
        transition_counts, move_counts[:, None],
        out=np.zeros_like(transition_counts), where=move_counts[:, None] > 0,
    )

    scoring = shoot_probability * goal_probability
    values = np.zeros_like(actions)
    for iteration in range(1, max_iterations + 1):
        updated = scoring + move_probability * (transitions @ values)
        change = float(np.max(np.abs(updated - values)))
        values = updated
        if change <= tolerance:
            return values, iteration, True
    return values, max_iterations, False


def completed_move_threat(events: pd.DataFrame, grid: XTGrid) -> pd.Series:
    """Return the xT added by each completed pass and carry outside the shoot-out.

    The xT added is ``value(end) - value(start)`` in the acting team's frame, so
    a backward move has a negative value. The series is indexed like ``events``
    and holds only the completed moves that have a start and an end location.
    """
    completed = (selectors.completed_passes(events) | (events["type"] == "Carry")).to_numpy()
    located = ~np.isnan(events["x"].to_numpy()) & ~np.isnan(events["end_x"].to_numpy())
    moves = completed & located & selectors.regular_play(events).to_numpy()

    # Only four columns are read, so they are selected as arrays rather than taking every column of the moves.
    def column(name: str) -> np.ndarray:
        return events[name].to_numpy()[moves]

    added = grid.value(column("end_x"), column("end_y")) - grid.value(column("x"), column("y"))
    return pd.Series(added, index=events.index[moves], name="xt_added")


def default_grid_path() -> Path:
    """Return the path of the grid shipped with matchkit (matchkit/data/xt_grid.json)."""
    return Path(str(resources.files("matchkit") / "data" / GRID_FILE))


@lru_cache(maxsize=4)
def load_xt_grid(path: str | None = None) -> XTGrid:
    """Read an xT grid from JSON, once per process and path (the shipped grid by default)."""
    grid_path = Path(path) if path is not None else default_grid_path()
    try:
        data = orjson.loads(grid_path.read_bytes())
    except FileNotFoundError as error:
        raise DataError(
            f"xT grid not found at {grid_path}; fit one with python -m matchkit.processing.xt --data-dir PATH"
        ) from error
    return XTGrid.from_dict(data)


def save_xt_grid(grid: XTGrid, path: Path) -> None:
    """Write a grid as indented JSON, creating the parent folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(grid.to_dict(), option=orjson.OPT_INDENT_2) + b"\n")


# --- the refit command ----------------------------------------------------------------------


def iter_events_tables(data_dir: Path, match_ids: list[int] | None = None) -> Iterator[tuple[int, pd.DataFrame]]:
    """Yield (match id, events table) for the matches of an open-data folder, read through ``LocalSource``.

    Without ``match_ids`` every listed match is read, and a match whose events
    file is missing is logged and skipped. With ``match_ids`` a missing match
    raises ``SourceError``.
    """
    from matchkit.processing.parse import build_match_model
    from matchkit.sources import LocalSource, select_matches

    source = LocalSource(data_dir)
    for entry in select_matches(source, match_ids=match_ids):
        match_id = int(entry["match_id"])
        try:
            events = source.events(match_id)
        except SourceError as error:
            if match_ids is not None:
                raise
            logger.warning("match %d skipped: %s", match_id, error)
            continue
        yield match_id, build_match_model(entry, events, None).events


def _parse_match_ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"invalid match id list {text!r}; expected e.g. 3788741,7581") from error


def main(argv: list[str] | None = None) -> int:
    """Refit the xT grid on the matches of an open-data folder (all of them by default) and write it as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m matchkit.processing.xt",
        description="Fit the expected-threat (xT) grid on StatsBomb event data by value iteration.",
    )
    parser.add_argument("--data-dir", required=True, type=Path,
                        help="StatsBomb open-data folder (matches/ and events/, .json or .json.gz)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"output JSON file (default: the grid shipped with matchkit, {default_grid_path()})")
    parser.add_argument("--match-ids", type=_parse_match_ids, default=None,
                        help="comma-separated match ids to fit on (default: every match with an events file)")
    parser.add_argument("--x-bins", type=int, default=X_BINS, help=f"cells along the length (default {X_BINS})")
    parser.add_argument("--y-bins", type=int, default=Y_BINS, help=f"cells along the width (default {Y_BINS})")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.x_bins < 1 or args.y_bins < 1:
        parser.error(f"--x-bins and --y-bins must be at least 1, got {args.x_bins} and {args.y_bins}")
    if not args.data_dir.is_dir():
        parser.error(f"--data-dir {args.data_dir} is not a folder")

    started = time.perf_counter()
    used: list[int] = []

    def tables() -> Iterator[pd.DataFrame]:
        for match_id, events in iter_events_tables(args.data_dir, args.match_ids):
            used.append(match_id)
            yield events

    try:
        grid = fit_xt(tables(), x_bins=args.x_bins, y_bins=args.y_bins)
    except (SourceError, DataError, ParameterError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    grid.metadata["match_ids"] = sorted(used)

    out = args.out or default_grid_path()
    save_xt_grid(grid, out)
    meta = grid.metadata
    print(
        f"fitted xT on {meta['matches']} matches ({meta['shots']} shots, {meta['moves']} moves, "
        f"{meta['iterations']} iterations) in {time.perf_counter() - started:.1f} s; wrote {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
