"""Database schema: matches, their plots, and the history of ETL runs."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    BigInteger, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Match(Base):
    """One match and the facts dashboards filter on."""

    __tablename__ = "matches"

    match_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    competition_id: Mapped[int | None] = mapped_column(Integer)
    season_id: Mapped[int | None] = mapped_column(Integer)
    competition: Mapped[str | None] = mapped_column(String(200))
    season: Mapped[str | None] = mapped_column(String(100))
    stage: Mapped[str | None] = mapped_column(String(200))
    match_date: Mapped[str | None] = mapped_column(String(10))
    home_team_id: Mapped[int | None] = mapped_column(Integer)
    home_team: Mapped[str] = mapped_column(String(200))
    away_team_id: Mapped[int | None] = mapped_column(Integer)
    away_team: Mapped[str] = mapped_column(String(200))
    home_score: Mapped[int | None] = mapped_column(Integer)
    away_score: Mapped[int | None] = mapped_column(Integer)
    last_updated: Mapped[str | None] = mapped_column(String(40))
    last_updated_360: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    __table_args__ = (
        Index("ix_matches_competition_season", "competition_id", "season_id"),
        Index("ix_matches_match_date", "match_date"),
    )


class MatchPlot(Base):
    """One plot of one match as Plotly figure JSON; exactly one row per (match_id, plot_type).

    ``figure`` holds the JSON compressed with ``figure_codec`` (see matchkit.storage.codec);
    ``figure_bytes`` is the size of the uncompressed JSON.
    """

    __tablename__ = "match_plots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    match_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("matches.match_id"), nullable=False)
    plot_type: Mapped[str] = mapped_column(String(100), nullable=False)
    plot_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    figure: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    figure_codec: Mapped[str] = mapped_column(String(10), nullable=False, default="none")
    figure_bytes: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    __table_args__ = (UniqueConstraint("match_id", "plot_type", name="uq_match_plots_match_plot"),)


class MatchPlotSkip(Base):
    """A plot type that does not apply to a match (for example no 360 data), with the reason.

    Kept so that incremental runs do not retry a skipped plot until its version or the match changes.
    """

    __tablename__ = "match_plot_skips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    match_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("matches.match_id"), nullable=False)
    plot_type: Mapped[str] = mapped_column(String(100), nullable=False)
    plot_version: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    __table_args__ = (UniqueConstraint("match_id", "plot_type", name="uq_match_plot_skips_match_plot"),)


class EtlRun(Base):
    """One ETL run: when, with which configuration, and what it achieved."""

    __tablename__ = "etl_runs"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="running")
    configuration: Mapped[str] = mapped_column(Text, default="{}")
    matches_total: Mapped[int] = mapped_column(Integer, default=0)
    matches_succeeded: Mapped[int] = mapped_column(Integer, default=0)
    matches_failed: Mapped[int] = mapped_column(Integer, default=0)
    plots_written: Mapped[int] = mapped_column(Integer, default=0)
    matches_new: Mapped[int] = mapped_column(Integer, default=0)
    matches_changed: Mapped[int] = mapped_column(Integer, default=0)
    matches_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    matches_retried: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float | None] = mapped_column(Float)
    matches_per_second: Mapped[float | None] = mapped_column(Float)


class EtlFailure(Base):
    """A match that failed in a run, with the stage and the error a user can act on."""

    __tablename__ = "etl_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("etl_runs.run_id"), nullable=False)
    match_id: Mapped[int | None] = mapped_column(BigInteger)
    stage: Mapped[str] = mapped_column(String(40), nullable=False)
    error_type: Mapped[str] = mapped_column(String(100), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utc_now)

    __table_args__ = (Index("ix_etl_failures_run", "run_id"), Index("ix_etl_failures_match", "match_id"))
