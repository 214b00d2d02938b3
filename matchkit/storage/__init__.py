"""Storage: the SQLAlchemy schema, bulk upserts per batch, and queries for dashboards.

The names below load on first use, so that worker processes, which import only
``matchkit.storage.codec``, do not pay for SQLAlchemy and Alembic at start-up.
"""

from importlib import import_module

_EXPORTS = {
    "decode_figure": "matchkit.storage.codec",
    **{name: "matchkit.storage.schema" for name in ("Base", "EtlFailure", "EtlRun", "Match", "MatchPlot", "MatchPlotSkip")},
    **{name: "matchkit.storage.store" for name in (
        "DEFAULT_DATABASE_URL", "DatabaseUnavailable", "PlotRow", "SkipRow", "Store", "create_database_engine",
        "redact_url",
    )},
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'matchkit.storage' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
