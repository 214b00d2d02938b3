"""Bulk writes and reads of the plot database through SQLAlchemy."""

from __future__ import annotations

import json
import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable

import orjson
from sqlalchemy import Engine, create_engine, event, func, insert, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError, SQLAlchemyError

from matchkit.errors import MatchkitError, ParameterError
from matchkit.storage.codec import DEFAULT_CODEC, check_codec, decode_figure
from matchkit.storage.migrate import upgrade
from matchkit.storage.schema import EtlFailure, EtlRun, Match, MatchPlot, MatchPlotSkip, utc_now

DEFAULT_DATABASE_URL = "sqlite:///matchkit.db"
# One attempt waits this long for SQLite's lock; write_batch retries attempts until write_timeout.
SQLITE_BUSY_TIMEOUT_SECONDS = 5
DEFAULT_WRITE_TIMEOUT_SECONDS = 120.0

_MATCH_COLUMNS = [column.name for column in Match.__table__.columns]

logger = logging.getLogger("matchkit.storage")


class DatabaseUnavailable(MatchkitError):
    """The database stayed locked or unreachable longer than the write timeout."""


def _first_line(error: BaseException) -> str:
    text_of_error = str(getattr(error, "orig", None) or error)
    return text_of_error.strip().splitlines()[0] if text_of_error.strip() else type(error).__name__


def redact_url(database_url: str) -> str:
    """Return the URL with any password replaced by ``***``, safe for logs and stored configuration."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def parse_database_url(database_url: str) -> URL:
    """Parse a SQLAlchemy URL; raise ParameterError with an example when it is malformed."""
    try:
        return make_url(database_url)
    except ArgumentError as error:
        raise ParameterError(
            f"database_url {redact_url(database_url)!r} is not a valid SQLAlchemy URL; "
            "use for example sqlite:///matchkit.db or postgresql+psycopg://user@host/db"
        ) from error


def sqlite_path(url: URL) -> Path | None:
    """Return the database file of a SQLite URL, or None for other databases and in-memory SQLite."""
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).expanduser()
    return None


def create_database_engine(database_url: str) -> Engine:
    """Create an engine for ``database_url``, rejecting a malformed URL or an unknown dialect.

    SQLite gets a busy timeout and write-ahead logging so readers do not block the writer.
    """
    url = parse_database_url(database_url)
    path = sqlite_path(url)
    if path is not None:
        folder = path.resolve().parent
        if not folder.is_dir():
            raise ParameterError(
                f"database_url {redact_url(database_url)!r}: folder {folder} does not exist; create it or choose another path"
            )

    try:
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS} if url.get_backend_name() == "sqlite" else {},
        )
    except (NoSuchModuleError, ImportError) as error:
        raise ParameterError(
            f"database_url {redact_url(database_url)!r}: no driver for {url.drivername!r} ({error}); "
            "use sqlite:///FILE, or postgresql+psycopg://... with psycopg installed"
        ) from error

    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _upsert(engine: Engine, table, conflict_columns: list[str], update_columns: list[str]):
    """Build an INSERT ... ON CONFLICT DO UPDATE statement for SQLite or PostgreSQL."""
    dialect = engine.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        raise ParameterError(f"database dialect {dialect!r} is not supported; use sqlite or postgresql")
    statement = dialect_insert(table)
    return statement.on_conflict_do_update(
        index_elements=conflict_columns,
        set_={name: statement.excluded[name] for name in update_columns},
    )


@dataclass
class PlotRow:
    """One figure to store: the match, the plot type and version, and the encoded figure.

    ``figure`` is figure JSON encoded with ``codec`` (matchkit.storage.codec.encode_figure);
    ``size`` is the length of the uncompressed JSON in bytes.
    """

    match_id: int
    plot_type: str
    plot_version: int
    figure: bytes
    codec: str = "none"
    size: int | None = None


@dataclass
class SkipRow:
    """A plot type that does not apply to a match, with the reason."""

    match_id: int
    plot_type: str
    plot_version: int
    reason: str


class Store:
    """The plot database: schema creation, one transaction per batch, and queries."""

    def __init__(
        self,
        database_url: str = DEFAULT_DATABASE_URL,
        compression: str = DEFAULT_CODEC,
        write_timeout: float = DEFAULT_WRITE_TIMEOUT_SECONDS,
    ):
        self.database_url = database_url
        self.compression = check_codec(compression)
        self.write_timeout = float(write_timeout)
        self.engine = create_database_engine(database_url)
        try:
            upgrade(self.engine)
        except OperationalError as error:
            raise ParameterError(
                f"cannot open database {redact_url(database_url)}: {error.orig}; check database_url and that the server is running"
            ) from error
        self._plot_upsert = _upsert(
            self.engine, MatchPlot.__table__, ["match_id", "plot_type"],
            ["plot_version", "figure", "figure_codec", "figure_bytes", "updated_at"],
        )
        self._skip_upsert = _upsert(
            self.engine, MatchPlotSkip.__table__, ["match_id", "plot_type"], ["plot_version", "reason", "updated_at"],
        )
        self._match_upsert = _upsert(
            self.engine, Match.__table__, ["match_id"], [c for c in _MATCH_COLUMNS if c != "match_id"],
        )

    def __repr__(self) -> str:
        return f"Store({redact_url(self.database_url)!r})"

    def dispose(self) -> None:
        self.engine.dispose()

    # Runs -----------------------------------------------------------------

    def start_run(self, configuration: dict[str, Any]) -> int:
        """Record the start of a run and return its id; ``configuration`` must hold no secrets."""
        run_ids = []

        def record(connection) -> None:
            result = connection.execute(
                insert(EtlRun).values(
                    started_at=utc_now(), status="running",
                    configuration=json.dumps(configuration, default=str, sort_keys=True),
                )
            )
            run_ids.append(int(result.inserted_primary_key[0]))

        self._with_retries(record, "start of the run")
        return run_ids[-1]

    def finish_run(self, run_id: int, status: str, counts: dict[str, Any]) -> None:
        """Record the end of a run with its counts and throughput."""
        statement = update(EtlRun).where(EtlRun.run_id == run_id).values(finished_at=utc_now(), status=status, **counts)
        self._with_retries(lambda connection: connection.execute(statement), f"end of run {run_id}")

    def write_batch(
        self,
        run_id: int,
        matches: Iterable[dict[str, Any]],
        plots: Iterable[PlotRow],
        failures: Iterable[dict[str, Any]],
        skips: Iterable[SkipRow] = (),
    ) -> int:
        """Upsert the batch's matches, plots and skips and record its failures in one transaction.

        Either the whole batch is stored or none of it. A locked, busy or unreachable
        database is retried with backoff until ``write_timeout`` seconds have passed,
        then ``DatabaseUnavailable`` is raised. Returns the number of plot rows written.
        """
        now = utc_now()
        # Rows go in key order so that concurrent writers lock rows in the same order and cannot deadlock.
        match_rows = sorted(
            ({**{c: row.get(c) for c in _MATCH_COLUMNS}, "updated_at": now} for row in matches),
            key=lambda row: row["match_id"],
        )
        plot_rows = sorted(
            ({"match_id": p.match_id, "plot_type": p.plot_type, "plot_version": p.plot_version,
              "figure": p.figure, "figure_codec": p.codec, "figure_bytes": p.size,
              "created_at": now, "updated_at": now} for p in plots),
            key=lambda row: (row["match_id"], row["plot_type"]),
        )
        skip_rows = sorted(
            ({"match_id": s.match_id, "plot_type": s.plot_type, "plot_version": s.plot_version,
              "reason": s.reason, "updated_at": now} for s in skips),
            key=lambda row: (row["match_id"], row["plot_type"]),
        )
        failure_rows = [{**failure, "run_id": run_id, "created_at": now} for failure in failures]

        def write(connection) -> None:
            if match_rows:
                connection.execute(self._match_upsert, match_rows)
            if plot_rows:
                connection.execute(self._plot_upsert, plot_rows)
            if skip_rows:
                connection.execute(self._skip_upsert, skip_rows)
            if failure_rows:
                connection.execute(insert(EtlFailure), failure_rows)

        match_ids = [row["match_id"] for row in match_rows] + [row.get("match_id") for row in failure_rows]
        self._with_retries(write, f"batch of matches {match_ids}")
        return len(plot_rows)

    def _with_retries(self, work, description: str) -> None:
        """Run ``work(connection)`` in one transaction, retrying while the database is locked or unreachable."""
        deadline = time.monotonic() + self.write_timeout
        delay = 0.2
        attempt = 0
        while True:
            attempt += 1
            try:
                with self.engine.begin() as connection:
                    work(connection)
                return
            except (OperationalError, InterfaceError) as error:
                if time.monotonic() + delay > deadline:
                    raise DatabaseUnavailable(
                        f"database {redact_url(self.database_url)} stayed locked or unreachable for "
                        f"{self.write_timeout:.0f} s ({attempt} attempts, last error: {_first_line(error)}); "
                        f"the {description} was not written and nothing of it is half-written. "
                        "Check the database server, then run again: stored batches are kept"
                    ) from error
                logger.warning("writing %s failed (%s); retrying in %.1f s", description, _first_line(error), delay)
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 5.0)

    # Queries --------------------------------------------------------------

    def load_figure_json(self, match_id: int, plot_type: str) -> str | None:
        """Return the stored figure JSON text of one plot, decompressed, or None when it is not stored."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(MatchPlot.figure, MatchPlot.figure_codec)
                .where(MatchPlot.match_id == match_id, MatchPlot.plot_type == plot_type)
            ).one_or_none()
        return None if row is None else decode_figure(row[0], row[1])

    def load_plot(self, match_id: int, plot_type: str):
        """Return one stored plot as a ``plotly.graph_objects.Figure``; raise KeyError when missing."""
        import plotly.io as pio

        text = self.load_figure_json(match_id, plot_type)
        if text is None:
            raise KeyError(f"no plot {plot_type!r} stored for match {match_id}")
        return pio.from_json(text)

    def list_plots(self, match_id: int) -> list[str]:
        """Return the plot types stored for a match."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(MatchPlot.plot_type).where(MatchPlot.match_id == match_id).order_by(MatchPlot.plot_type)
            )
            return [row[0] for row in rows]

    def list_matches(
        self,
        competition_id: int | None = None,
        season_id: int | None = None,
        team: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> list[dict]:
        """Return stored matches by date, filtered by competition, season, team name and date range.

        Dates are ISO strings (``YYYY-MM-DD``) and both ends are included.
        """
        query = select(*Match.__table__.columns).order_by(Match.match_date, Match.match_id)
        if competition_id is not None:
            query = query.where(Match.competition_id == competition_id)
        if season_id is not None:
            query = query.where(Match.season_id == season_id)
        if team is not None:
            query = query.where((Match.home_team == team) | (Match.away_team == team))
        if date_from is not None:
            query = query.where(Match.match_date >= date_from)
        if date_to is not None:
            query = query.where(Match.match_date <= date_to)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def stored_state(self, match_ids: list[int]) -> dict[str, dict]:
        """Return what is stored for these matches, for planning an incremental run.

        Keys: ``matches`` (match_id -> (last_updated, last_updated_360)), ``plots`` and
        ``skips`` (match_id -> {plot_type: version}), and ``failed`` (ids whose latest
        failure is newer than their stored row).
        """
        state = {"matches": {}, "plots": defaultdict(dict), "skips": defaultdict(dict), "failed": set()}
        with self.engine.connect() as connection:
            for chunk in _chunks(match_ids, 500):
                rows = connection.execute(
                    select(Match.match_id, Match.last_updated, Match.last_updated_360, Match.updated_at)
                    .where(Match.match_id.in_(chunk))
                )
                updated = {}
                for match_id, last_updated, last_updated_360, updated_at in rows:
                    state["matches"][match_id] = (last_updated, last_updated_360)
                    updated[match_id] = updated_at
                for table, key in ((MatchPlot, "plots"), (MatchPlotSkip, "skips")):
                    for match_id, plot_type, version in connection.execute(
                        select(table.match_id, table.plot_type, table.plot_version).where(table.match_id.in_(chunk))
                    ):
                        state[key][match_id][plot_type] = version
                latest = connection.execute(
                    select(EtlFailure.match_id, func.max(EtlFailure.created_at))
                    .where(EtlFailure.match_id.in_(chunk)).group_by(EtlFailure.match_id)
                )
                for match_id, failed_at in latest:
                    stored_at = updated.get(match_id)
                    if stored_at is None or _naive(failed_at) >= _naive(stored_at):
                        state["failed"].add(match_id)
        return state

    def plot_sizes(self) -> dict[str, float]:
        """Return stored and uncompressed figure bytes in total and per match."""
        with self.engine.connect() as connection:
            stored, raw, matches = connection.execute(
                select(func.sum(func.length(MatchPlot.figure)), func.sum(MatchPlot.figure_bytes),
                       func.count(func.distinct(MatchPlot.match_id)))
            ).one()
        stored, raw, matches = int(stored or 0), int(raw or 0), int(matches or 0)
        per_match = max(matches, 1)
        return {
            "matches": matches, "stored_bytes": stored, "json_bytes": raw,
            "stored_bytes_per_match": stored / per_match, "json_bytes_per_match": raw / per_match,
            "saved_bytes_per_match": (raw - stored) / per_match,
        }

    def count_plots(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(MatchPlot)).scalar_one())

    def failures(self, run_id: int | None = None) -> list[dict]:
        """Return recorded failures, of one run or of all runs."""
        query = select(*EtlFailure.__table__.columns).order_by(EtlFailure.id)
        if run_id is not None:
            query = query.where(EtlFailure.run_id == run_id)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]

    def runs(self) -> list[dict]:
        """Return the run history, newest first, with configuration decoded."""
        with self.engine.connect() as connection:
            rows = [dict(r._mapping) for r in connection.execute(select(*EtlRun.__table__.columns).order_by(EtlRun.run_id.desc()))]
        for row in rows:
            row["configuration"] = orjson.loads(row["configuration"] or "{}")
        return rows


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _naive(moment: datetime) -> datetime:
    """Drop the time zone: SQLite returns naive UTC datetimes, PostgreSQL aware ones."""
    return moment.replace(tzinfo=None) if moment.tzinfo else moment


__all__ = ["DEFAULT_DATABASE_URL", "DatabaseUnavailable", "PlotRow", "SkipRow", "Store", "SQLAlchemyError", "create_database_engine", "redact_url"]
