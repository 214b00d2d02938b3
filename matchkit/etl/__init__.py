"""ETL: select matches, process them in parallel batches, and store their plots.

The names below load on first use, so that worker processes, which import only
``matchkit.etl.worker``, do not pay for joblib, tqdm and SQLAlchemy at start-up.
"""

from importlib import import_module

_EXPORTS = {
    "BACKENDS": "matchkit.etl.params",
    "EtlConfig": "matchkit.etl.params",
    "EtlSummary": "matchkit.etl.runner",
    "run_etl": "matchkit.etl.runner",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'matchkit.etl' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
