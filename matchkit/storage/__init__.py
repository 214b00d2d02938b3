"""Storage: the SQLAlchemy schema, bulk upserts per batch, and queries for dashboards."""

from matchkit.storage.schema import Base, EtlFailure, EtlRun, Match, MatchPlot
from matchkit.storage.store import DEFAULT_DATABASE_URL, PlotRow, Store, create_database_engine, redact_url

__all__ = [
    "Base", "DEFAULT_DATABASE_URL", "EtlFailure", "EtlRun", "Match", "MatchPlot", "PlotRow", "Store",
    "create_database_engine", "redact_url",
]
