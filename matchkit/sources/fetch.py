"""Polite HTTP GET for the online source: response cache, timeout, retries and a rate limit.

statsbombpy 1.22 calls ``requests.get`` through the module name ``req`` that
``statsbombpy.public`` and ``statsbombpy.api_client`` import, without a timeout, retries
or a rate limit. While a call into statsbombpy runs, ``RequestsShim`` replaces that module.
Its ``get`` sends every request through ``HttpClient.get``, and every other attribute
(``req.auth.HTTPBasicAuth``) comes from requests itself.
"""

from __future__ import annotations

import logging
import math
import operator
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson

from matchkit.errors import DataError, ParameterError, SourceError
from matchkit.sources.cache import ResponseCache

logger = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
"""Upper bound of one backoff wait, in seconds."""

MAX_RETRY_AFTER = 60.0
"""Upper bound of a wait that a Retry-After header requests, in seconds."""


@dataclass(frozen=True)
class FetchSettings:
    """The request settings of the online source: timeout, retries, backoff and rate limit.

    Attributes:
        timeout: seconds to wait for the connection and for each read from the server. This
            is requests' ``timeout``, which bounds the wait between bytes, not the whole download.
        retries: further attempts after a failed one. Timeouts, connection errors, HTTP 408,
            429 and 5xx are retried, and other statuses are not.
        backoff: base wait in seconds. Before retry n (from 1), the client waits a random time
            between 0 and ``backoff * 2 ** (n - 1)`` seconds (full jitter), at most MAX_BACKOFF.
            When the server sends a Retry-After header, the client waits that time instead,
            at most MAX_RETRY_AFTER.
        requests_per_second: maximum request rate of one process, or None for no limit.
            Each worker process keeps its own limit, so N workers send up to N times as many.
    """

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 0.5
    requests_per_second: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "timeout", check_seconds(self.timeout, "timeout", allow_zero=False))
        object.__setattr__(self, "retries", _check_retries(self.retries))
        object.__setattr__(self, "backoff", check_seconds(self.backoff, "backoff", allow_zero=True))
        if self.requests_per_second is not None:
            rate = _check_number(
                self.requests_per_second, "requests_per_second", "a positive number of requests per second or None"
            )
            if rate <= 0:
                raise ParameterError(
                    f"requests_per_second must be a positive number of requests per second or None, got {rate}"
                )
            object.__setattr__(self, "requests_per_second", rate)

    def backoff_delay(self, retry: int) -> float:
        """Return a random wait in seconds before retry ``retry`` (from 1), by exponential backoff with full jitter."""
        ceiling = min(MAX_BACKOFF, self.backoff * 2 ** (retry - 1))
        return random.uniform(0.0, ceiling)


def check_seconds(value: Any, name: str, allow_zero: bool) -> float:
    """Return ``value`` as a finite number of seconds, or raise ParameterError naming ``name``."""
    accepted = "a non-negative number of seconds" if allow_zero else "a positive number of seconds"
    number = _check_number(value, name, accepted)
    if number < 0 or (number == 0 and not allow_zero):
        raise ParameterError(f"{name} must be {accepted}, got {value!r}")
    return number


def _check_number(value: Any, name: str, accepted: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParameterError(f"{name} must be {accepted}, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ParameterError(f"{name} must be {accepted}, got {value!r}")
    return number


def _check_retries(value: Any) -> int:
    message = f"retries must be a non-negative integer, got {value!r}"
    if isinstance(value, bool):
        raise ParameterError(message)
    try:
        number = operator.index(value)
    except TypeError:
        raise ParameterError(message) from None
    if number < 0:
        raise ParameterError(message)
    return number


class RateLimiter:
    """Spaces the requests of one process at least ``1 / rate`` seconds apart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_start: float | None = None

    def wait(self, rate: float | None) -> None:
        """Sleep until a request at ``rate`` requests per second may start, and record its start."""
        with self._lock:
            if rate is not None and self._last_start is not None:
                remaining = self._last_start + 1.0 / rate - time.monotonic()
                if remaining > 0:
                    time.sleep(remaining)
            self._last_start = time.monotonic()


PROCESS_RATE_LIMITER = RateLimiter()
"""The rate limiter that every online source of this process shares."""


@dataclass(frozen=True)
class Resource:
    """The data that a request fetches, described for messages by ``label`` (``match 15986: events``)."""

    label: str
    match_id: int | None = None
    absent_ok: bool = False
    """A 404 means the resource does not exist (no 360 file); it is cached as absent."""


class StoredResponse:
    """A response with an already parsed JSON body, for a cache hit or a checked live response.

    It has the parts of ``requests.Response`` that statsbombpy 1.22 reads: ``status_code``,
    ``reason``, ``url``, ``raise_for_status()`` and ``json()``.
    """

    def __init__(self, url: str, status_code: int, data: Any = None, reason: str = "OK"):
        self.url = url
        self.status_code = status_code
        self.reason = reason
        self._data = data

    def raise_for_status(self) -> None:
        import requests

        if self.status_code >= 400:
            raise requests.HTTPError(f"{self.status_code} {self.reason} for url: {redact_url(self.url)}", response=self)

    def json(self, **kwargs: Any) -> Any:
        return self._data


class HttpClient:
    """Sends GET requests through the response cache, the rate limit, timeouts and retries.

    Each request goes through ``requests.get``, so statsbombpy's requests_cache applies
    when it is installed, and each request opens its own connection as statsbombpy's do.
    The client holds only settings, so it is picklable.
    """

    def __init__(self, settings: FetchSettings, cache: ResponseCache | None = None, offline: bool = False):
        self.settings = settings
        self.cache = cache
        self.offline = offline

    def get(self, url: str, resource: Resource, **kwargs: Any) -> Any:
        """Return the response for ``url``: from the cache when fresh, else from the server.

        A 200 response with a valid JSON body and, for ``resource.absent_ok``, a 404 are
        stored in the cache. Other non-retryable responses are returned as they are, so
        that statsbombpy reports them. Raises SourceError when the retries run out or when
        offline and the cache has no entry, and DataError when a 200 body is not JSON.
        """
        if self.cache is not None:
            cached = self.cache.read(url, ignore_age=self.offline)
            if cached is not None and cached.absent:
                return StoredResponse(url, 404, reason="Not Found (cached)")
            if cached is not None:
                try:
                    return StoredResponse(url, 200, orjson.loads(cached.content))
                except orjson.JSONDecodeError as error:
                    logger.warning("response cache entry %s is not valid JSON and is ignored (%s)", cached.path, error)

        if self.offline:
            path = self.cache.entry_path(url) if self.cache is not None else None
            raise SourceError(
                f"{resource.label}: not in the response cache at {path}, and offline=True allows no "
                "requests; run once online with this cache_dir, or set offline=False",
                resource.match_id,
            )

        response = self._fetch_with_retries(url, resource, **kwargs)
        if response.status_code == 200:
            data = _parse_json(response.content, url, resource)
            if self.cache is not None:
                self._store(lambda cache: cache.write(url, response.content))
            return StoredResponse(url, 200, data, response.reason)
        if response.status_code == 404 and resource.absent_ok and self.cache is not None:
            self._store(lambda cache: cache.write_absent(url))
        return response

    def _fetch_with_retries(self, url: str, resource: Resource, **kwargs: Any) -> Any:
        """Send the request up to ``retries + 1`` times; return the first non-retryable response."""
        import requests

        kwargs.setdefault("timeout", self.settings.timeout)
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            PROCESS_RATE_LIMITER.wait(self.settings.requests_per_second)
            try:
                response = requests.get(url, **kwargs)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as error:
                if attempt == attempts:
                    message = _network_error_message(resource, url, error, attempts, self.settings.timeout)
                    raise SourceError(message, resource.match_id) from error
                delay = self.settings.backoff_delay(attempt)
                self._wait_before_retry(resource, url, attempt, type(error).__name__, delay)
                continue

            if not is_retryable_status(response.status_code):
                return response
            if attempt == attempts:
                raise SourceError(_status_error_message(resource, url, response, attempts), resource.match_id)

            delay = retry_after_seconds(response.headers.get("Retry-After"))
            if delay is None:
                delay = self.settings.backoff_delay(attempt)
            self._wait_before_retry(resource, url, attempt, f"HTTP {response.status_code}", delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _wait_before_retry(self, resource: Resource, url: str, attempt: int, reason: str, delay: float) -> None:
        logger.warning(
            "%s: %s from %s on attempt %d of %d; retrying in %.2f s",
            resource.label,
            reason,
            redact_url(url),
            attempt,
            self.settings.retries + 1,
            delay,
        )
        time.sleep(delay)

    def _store(self, write: Callable[[ResponseCache], Path]) -> None:
        """Write to the cache; a failed write is logged and the fetched data is still used."""
        try:
            path = write(self.cache)
        except OSError as error:
            logger.warning(
                "response cache write in %s failed (%s); the response is used without caching", self.cache.folder, error
            )
            return
        logger.debug("cached %s", path)


class RequestsShim:
    """A replacement for the ``requests`` module inside statsbombpy during one call.

    ``get`` goes through ``HttpClient.get`` for ``resource``. Every other attribute is
    the requests module's own.
    """

    def __init__(self, client: HttpClient, resource: Resource):
        self._client = client
        self._resource = resource

    def get(self, url: str, **kwargs: Any) -> Any:
        return self._client.get(url, self._resource, **kwargs)

    def __getattr__(self, name: str) -> Any:
        import requests

        return getattr(requests, name)


def is_retryable_status(status: int) -> bool:
    """Return whether an HTTP status is worth another attempt: 408, 429 and 5xx."""
    return status in (408, 429) or 500 <= status <= 599


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Return the wait that a Retry-After header requests, in seconds, at most MAX_RETRY_AFTER.

    The header contains either seconds or an HTTP date. A date in the past gives 0. An
    absent or unparsable header gives None, so that the caller falls back to its backoff.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()

    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        seconds = (moment - (now or datetime.now(timezone.utc))).total_seconds()

    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _parse_json(content: bytes, url: str, resource: Resource) -> Any:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise DataError(
            f"{resource.label} at {redact_url(url)} is not valid JSON ({error}); "
            "the response may be truncated, so retry",
            resource.match_id,
        ) from error


def _attempts(count: int) -> str:
    return "1 attempt" if count == 1 else f"{count} attempts"


def _status_error_message(resource: Resource, url: str, response: Any, attempts: int) -> str:
    status = response.status_code
    if status == 429:
        advice = "the server limits the request rate, so wait and retry, or set requests_per_second lower"
    elif status >= 500:
        advice = "the server failed, so retry later"
    else:
        advice = "the server timed out the request, so retry later"
    return (
        f"{resource.label} request to {redact_url(url)} failed with HTTP {status} {response.reason} "
        f"after {_attempts(attempts)}; {advice}"
    )


def _network_error_message(resource: Resource, url: str, error: Exception, attempts: int, timeout: float) -> str:
    import requests

    if isinstance(error, requests.Timeout):
        return (
            f"{resource.label} request to {redact_url(url)} timed out after {_attempts(attempts)} "
            f"of {timeout:g} s each ({type(error).__name__}); check the network, or set a longer timeout"
        )
    return (
        f"{resource.label} request to {redact_url(url)} failed after {_attempts(attempts)} "
        f"({type(error).__name__}: {redact_text(str(error))}); check the network and open_data_url"
    )


def redact_url(url: str) -> str:
    """Remove a user name and password from a URL, so that it can go into logs and messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def redact_text(text: str) -> str:
    """Remove ``user:password@`` from URLs inside an error message."""
    return re.sub(r"(\w+://)[^/\s@]+@", r"\1", text)

