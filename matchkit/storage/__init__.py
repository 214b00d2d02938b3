"""Storage: the SQLAlchemy schema, bulk upserts per batch, and queries for dashboards."""

from matchkit.storage.codec import decode_figure
from matchkit.storage.schema import Base, EtlFailure, EtlRun, Match, MatchPlot, MatchPlotSkip
from matchkit.storage.store import (
    DEFAULT_DATABASE_URL, DatabaseUnavailable, PlotRow, SkipRow, Store, create_database_engine, redact_url,
)

__all__ = [
    "Base", "DEFAULT_DATABASE_URL", "DatabaseUnavailable", "EtlFailure", "EtlRun", "Match", "MatchPlot", "MatchPlotSkip", "PlotRow",
    "SkipRow", "Store", "create_database_engine", "decode_figure", "redact_url",
]
