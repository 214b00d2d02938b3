"""Alembic migrations of the plot database, applied by ``Store`` on open."""
