"""A local HTTP server that replaces the online StatsBomb open data in benchmarks and tests.

The server listens on 127.0.0.1 at a free port and serves an open-data folder in the
published plain layout: a request for ``/data/events/3788741.json`` returns the bytes
of ``events/3788741.json``, or of ``events/3788741.json.gz`` decompressed. It counts
requests per path and can replace the response for a path with a fault (status code,
delay or body) so that tests can check retries, timeouts and error messages.

The benchmark points statsbombpy at it to time the baseline without the internet, and
the tests use it through ``tests/http_server.py``.
"""

from __future__ import annotations

import gzip
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

URL_PREFIX = "/data/"


@dataclass
class Fault:
    """A response that replaces the served file for one path."""

    status: int = 200
    delay: float = 0.0
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = None


class OpenDataServer:
    """The running server: its base URL, request counts and injected faults."""

    def __init__(self, folder: Path, httpd: ThreadingHTTPServer, cache: bool = False):
        self.folder = folder
        self.cache = cache
        self.url = f"http://127.0.0.1:{httpd.server_address[1]}{URL_PREFIX.rstrip('/')}"
        self._httpd = httpd
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._faults: dict[str, Fault] = {}
        self._cached: dict[str, bytes | None] = {}

    def count(self, relative: str | None = None) -> int:
        """Return the number of requests for one file (``events/15986.json``), or for all files when None."""
        with self._lock:
            if relative is None:
                return sum(self._requests.values())
            return self._requests[URL_PREFIX + relative.lstrip("/")]

    @property
    def requests(self) -> Counter[str]:
        """A copy of the request counts, keyed by URL path (``/data/events/15986.json``)."""
        with self._lock:
            return Counter(self._requests)

    def inject(
        self,
        relative: str,
        status: int = 200,
        delay: float = 0.0,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        times: int | None = None,
    ) -> None:
        """Replace the response for one file (``events/15986.json``).

        The server waits ``delay`` seconds, then sends ``status`` with ``body`` (the served
        file when None and the status is 200, else an empty body) and the extra ``headers``.
        ``times`` limits the fault to the next N requests, after which the file is served
        normally again. None keeps the fault until ``reset()``.
        """
        with self._lock:
            self._faults[URL_PREFIX + relative.lstrip("/")] = Fault(status, delay, body, dict(headers or {}), times)

    def reset(self) -> None:
        """Remove every injected fault and set all request counts to zero."""
        with self._lock:
            self._faults.clear()
            self._requests.clear()

    def _record(self, path: str) -> Fault | None:
        """Count one request and return the fault to apply to it, if any."""
        with self._lock:
            self._requests[path] += 1
            fault = self._faults.get(path)
            if fault is None:
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self._faults[path]
            return fault

    def _read(self, path: str) -> bytes | None:
        """Return the published bytes of the file behind a URL path, from memory when caching."""
        if not self.cache:
            return self._read_file(path)
        with self._lock:
            if path in self._cached:
                return self._cached[path]
        content = self._read_file(path)
        with self._lock:
            self._cached[path] = content
        return content

    def _read_file(self, path: str) -> bytes | None:
        """Return the published bytes of the file behind a URL path, or None when there is none."""
        if not path.startswith(URL_PREFIX) or not path.endswith(".json"):
            return None

        relative = Path(path[len(URL_PREFIX):])
        if ".." in relative.parts or relative.is_absolute():
            return None

        plain = self.folder / relative
        if plain.is_file():
            return plain.read_bytes()
        packed = plain.with_name(plain.name + ".gz")
        if packed.is_file():
            return gzip.decompress(packed.read_bytes())
        return None


def _handler_for(server: OpenDataServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (name fixed by BaseHTTPRequestHandler)
            path = self.path.split("?", 1)[0]
            fault = server._record(path)
            if fault is not None and fault.delay > 0:
                time.sleep(fault.delay)

            status, body, headers = 200, server._read(path), {}
            if body is None:
                status, body = 404, b"404: Not Found"
            if fault is not None:
                status, headers = fault.status, fault.headers
                if fault.body is not None:
                    body = fault.body
                elif fault.status != 200:
                    body = b""
            self._send(status, body, headers)

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                # A client that gave up (a timeout test) closes the socket before the body is sent.
                pass

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (signature fixed by the base class)
            pass

    return Handler


@contextmanager
def serve_open_data(folder: str | os.PathLike[str], cache: bool = False) -> Iterator[OpenDataServer]:
    """Serve an open-data folder on 127.0.0.1 at a free port until the block ends.

    With ``cache``, each file is read and decompressed once and then served from memory,
    so that a benchmark times the client rather than the server's gunzip.
    """
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), None)  # type: ignore[arg-type]
    httpd.daemon_threads = True
    server = OpenDataServer(Path(folder), httpd, cache=cache)
    httpd.RequestHandlerClass = _handler_for(server)

    # A short poll interval lets shutdown() return quickly at the end of each test.
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="open-data-server", daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
