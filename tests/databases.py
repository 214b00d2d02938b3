"""Fresh PostgreSQL databases on the local server for tests; the server must be running."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

# The server that .ci/run checks; trust authentication as user postgres.
POSTGRES_SERVER_URL = os.environ.get("MATCHKIT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty database for one test and drop it afterwards; yield its URL."""
    name = f"matchkit_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.fail(f"PostgreSQL at {POSTGRES_SERVER_URL} is not reachable ({error.orig}); start it before the tests")
    try:
        yield POSTGRES_SERVER_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    """Yield the URL of an empty SQLite file and of an empty PostgreSQL database, in turn."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'plots.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url
