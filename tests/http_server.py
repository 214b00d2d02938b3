"""The local open-data HTTP server (matchkit.bench.http) on the test data, as a pytest fixture.

Use the ``open_data_server`` fixture in a test module with
``from tests.http_server import open_data_server``, or ``serve_open_data(folder)`` for
another folder or fixture scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from matchkit.bench import http
from matchkit.bench.http import URL_PREFIX, Fault, OpenDataServer
from tests.conftest import DATA_DIR

__all__ = ["URL_PREFIX", "Fault", "OpenDataServer", "open_data_server", "serve_open_data"]


def serve_open_data(folder: Path = DATA_DIR, cache: bool = False) -> AbstractContextManager[OpenDataServer]:
    """Serve an open-data folder (the test data by default) on 127.0.0.1 until the block ends."""
    return http.serve_open_data(folder, cache=cache)


@pytest.fixture
def open_data_server() -> Iterator[OpenDataServer]:
    """Serve the test data folder over HTTP for one test, with fresh counts and no faults."""
    with serve_open_data() as server:
        yield server
