"""A source that fetches StatsBomb data through statsbombpy: the paid API or the open data over HTTP.

statsbombpy is imported on first use, not with this module, because importing it changes
the whole process. In statsbombpy 1.22 its ``api_client`` module calls
``requests_cache.install_cache`` at import time. That replaces ``requests.Session`` for every
user of requests in the process with a session that stores responses for 600 s in a SQLite
file in a new temporary folder. The open-data functions call ``requests.get`` too, so they
are cached as well. A repeated request for the same URL is then served from the file and
never reaches the server, which hides server-side changes and errors for ten minutes and
writes every events file (several MB) to disk. This source bypasses that cache unless
``http_cache=True``.

statsbombpy 1.22 also sends its requests without a timeout. While a call into statsbombpy
runs, this source replaces the ``req`` name (the requests module) in ``statsbombpy.public``
and ``statsbombpy.api_client`` with a ``RequestsShim`` (see ``fetch.py``) and restores it
afterwards. The shim adds the timeout, retries with backoff, the rate limit and the
response cache (``cache.py``) to every request.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from matchkit.errors import DataError, ParameterError, SourceError
from matchkit.sources.base import Source, check_id
from matchkit.sources.cache import ResponseCache
from matchkit.sources.fetch import FetchSettings, HttpClient, RequestsShim, Resource, check_seconds
from matchkit.sources.fetch import redact_text as _redact_text
from matchkit.sources.fetch import redact_url as _redact

DEFAULT_OPEN_DATA_URL = "https://raw.githubusercontent.com/statsbomb/open-data/master/data"
"""The open-data base URL that statsbombpy 1.22 uses when no other is given."""

API_URL = "https://data.statsbombservices.com"

OPEN_DATA_FILES = {
    "competitions": "competitions.json",
    "matches": "matches/{competition_id}/{season_id}.json",
    "lineups": "lineups/{match_id}.json",
    "events": "events/{match_id}.json",
    "frames": "three-sixty/{match_id}.json",
}
"""The keys of ``statsbombpy.config.OPEN_DATA_PATHS`` and the file of each below the base URL."""

NO_CREDENTIALS = {"user": None, "passwd": None}

# statsbombpy reads its open-data URLs from one module-level dict, the cache is switched off by
# replacing requests.Session, the requests shim replaces a module-level name, and warning filters
# are process-wide. Calls into statsbombpy hold this lock so that threads never see each other's
# settings. As a result, the requests of one process run one at a time, and parallel downloads
# need worker processes.
_STATSBOMBPY_LOCK = threading.RLock()


class StatsBombSource(Source):
    """Fetch StatsBomb data with statsbombpy, from the paid API or from the open data.

    The paid API is used when the environment variables ``SB_USERNAME`` and ``SB_PASSWORD``
    are both set and ``open_data_url`` is None. Otherwise the source reads the open data,
    from ``open_data_url`` when given (a base URL such as ``http://127.0.0.1:8000/data``
    that serves the published layout) or else from statsbombpy's GitHub URLs.

    Every request has a timeout and can be rate-limited. A request that times out, loses
    its connection or gets HTTP 408, 429 or 5xx is retried with backoff. With ``cache_dir``,
    raw responses are kept on disk and read from there by this and every later source on
    the same folder.

    The source is picklable. Credentials are left out of the pickle, so a worker process
    reads them from its own environment. The base URL is applied to statsbombpy's settings
    on every call, so it takes effect in each worker process that imports statsbombpy afresh.
    """

    def __init__(
        self,
        open_data_url: str | None = None,
        http_cache: bool = False,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        cache_max_age: float | None = None,
        offline: bool = False,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        requests_per_second: float | None = None,
    ):
        """Create a source.

        Args:
            open_data_url: base URL of an open-data copy in the published layout, or None.
                Given, it selects the open data even when API credentials are set.
            http_cache: keep statsbombpy's requests_cache, which serves repeated requests
                for a URL from a temporary SQLite file for 600 s. False (the default) makes
                every call that misses ``cache_dir`` a fresh request.
            cache_dir: folder of the response cache, shared by worker processes and later
                runs, or None for no cache. ``matchkit.sources.default_cache_dir()`` returns
                the usual per-user folder (``~/.cache/matchkit``).
            cache_max_age: seconds after which a cached response is fetched again, or None
                to keep cached responses forever.
            offline: read only from ``cache_dir`` and send no request. Cached responses are
                used whatever their age, and a response missing from the cache raises
                SourceError.
            timeout: seconds to wait for the connection and for each read from the server.
            retries: further attempts after a timeout, a connection error, HTTP 408, 429 or 5xx.
            backoff: base wait before a retry, in seconds; the wait doubles with each retry
                and is drawn at random below that bound (full jitter).
            requests_per_second: maximum request rate of this process, or None for no limit.
                The limit is per process, so N worker processes send up to N times as many.

        Raises ParameterError for an invalid value, naming the parameter.
        """
        super().__init__()
        self.open_data_url = _check_url(open_data_url) if open_data_url is not None else None
        self.http_cache = bool(http_cache)
        self.offline = _check_offline(offline, cache_dir)
        cache = _open_cache(cache_dir, cache_max_age, self.offline)
        settings = FetchSettings(
            timeout=timeout, retries=retries, backoff=backoff, requests_per_second=requests_per_second
        )
        self._client = HttpClient(settings, cache, offline=self.offline)

        credentials = _credentials_from_env()
        self.uses_api = credentials is not None and self.open_data_url is None
        self._credentials = credentials if self.uses_api else None

    @property
    def cache(self) -> ResponseCache | None:
        """The response cache, or None when the source has none."""
        return self._client.cache

    @property
    def fetch_settings(self) -> FetchSettings:
        """The timeout, retries, backoff and rate limit of this source's requests."""
        return self._client.settings

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_credentials"] = None
        return state

    def __repr__(self) -> str:
        if self.uses_api:
            return "StatsBombSource(api=True)"
        url = _redact(self.open_data_url) if self.open_data_url else None
        return f"StatsBombSource(open_data_url={url!r})"

    def describe(self) -> str:
        if self.uses_api:
            text = f"StatsBomb API at {API_URL} (credentials from SB_USERNAME and SB_PASSWORD)"
        else:
            text = f"StatsBomb open data at {_redact(self.open_data_url or DEFAULT_OPEN_DATA_URL)}"
        if self.cache is not None:
            text += f", {'offline from' if self.offline else 'cached in'} {self.cache.folder}"
        return text

    def competitions(self) -> list[dict[str, Any]]:
        # NOTE: statsbombpy keys competitions by (country, competition, season, gender), so two
        # entries that share all four names come back as one.
        return list(self._fetch("competitions", "competitions", {}).values())

    def events(self, match_id: int) -> list[dict[str, Any]]:
        match_id = check_id(match_id, "match_id")
        events = list(self._fetch("events", f"match {match_id}: events", {"match_id": match_id}).values())
        return _without_match_id(events)

    def lineups(self, match_id: int) -> list[dict[str, Any]]:
        match_id = check_id(match_id, "match_id")
        return list(self._fetch("lineups", f"match {match_id}: lineups", {"match_id": match_id}).values())

    def frames_360(self, match_id: int) -> list[dict[str, Any]] | None:
        """Return the 360 frames of one match, or None when the match has none.

        Open data without a 360 file returns HTTP 404. The API returns an empty list,
        which also counts as no 360 data.
        """
        match_id = check_id(match_id, "match_id")
        frames = self._fetch("frames", f"match {match_id}: 360 frames", {"match_id": match_id}, missing_ok=True)
        if frames is None or (self.uses_api and not frames):
            return None
        return _without_match_id(list(frames))

    def _read_matches(self, competition_id: int, season_id: int) -> list[dict[str, Any]]:
        fields = {"competition_id": competition_id, "season_id": season_id}
        label = f"competition {competition_id} season {season_id}: matches"
        return list(self._fetch("matches", label, fields).values())

    def _matches_location(self, competition_id: int, season_id: int) -> str:
        return self._location("matches", {"competition_id": competition_id, "season_id": season_id})

    def _competitions_location(self) -> str:
        return self._location("competitions", {})

    def _location(self, endpoint: str, fields: dict[str, int]) -> str:
        """Return the URL of one open-data file, or the API endpoint's name, for messages."""
        if self.uses_api:
            return f"the {endpoint} endpoint of the StatsBomb API at {API_URL}"
        base = self.open_data_url or DEFAULT_OPEN_DATA_URL
        return _redact(f"{base}/{OPEN_DATA_FILES[endpoint].format(**fields)}")

    def _credentials_for_call(self) -> dict[str, str | None]:
        if not self.uses_api:
            return NO_CREDENTIALS
        if self._credentials is None:
            # A source unpickled in a worker process reads the credentials from that process's environment.
            self._credentials = _credentials_from_env()
        if self._credentials is None:
            raise SourceError(
                "StatsBomb API credentials are not set in this process; set SB_USERNAME and "
                "SB_PASSWORD in the environment of every worker process"
            )
        return self._credentials

    def _fetch(self, endpoint: str, label: str, fields: dict[str, int], missing_ok: bool = False) -> Any:
        """Call the statsbombpy function ``endpoint`` with ``fmt="dict"`` and turn failures into matchkit errors.

        Returns None for HTTP 404 when ``missing_ok`` is true.
        """
        import requests
        from statsbombpy import sb

        match_id = fields.get("match_id")
        url = self._location(endpoint, fields)
        credentials = self._credentials_for_call()
        # A missing open-data 360 file is a fact worth caching. The API returns an empty list
        # for "no 360 data" instead, so its 404s are not cached.
        resource = Resource(label, match_id, absent_ok=missing_ok and not self.uses_api)
        shim = RequestsShim(self._client, resource)

        with _statsbombpy_settings(self.open_data_url, self.http_cache, shim):
            try:
                data = getattr(sb, endpoint)(**fields, fmt="dict", creds=credentials)
            except requests.HTTPError as error:
                status = error.response.status_code if error.response is not None else None
                if status == 404 and missing_ok:
                    return None
                raise SourceError(_http_error_message(label, url, error), match_id) from error
            except requests.RequestException as error:
                advice = "check the network" if self.uses_api else "check the network and open_data_url"
                raise SourceError(
                    f"{label} request to {url} failed ({type(error).__name__}: {_redact_text(str(error))}); {advice}",
                    match_id,
                ) from error
            except (KeyError, TypeError, AttributeError) as error:
                raise DataError(
                    f"{label} at {url} has an unexpected JSON structure ({type(error).__name__}: {error})",
                    match_id,
                ) from error

        if self.uses_api and not data and not missing_ok:
            # statsbombpy's API client returns an empty result for any non-200 response and prints the status.
            raise SourceError(
                f"{label}: {url} returned no data (statsbombpy prints the HTTP status to stdout); "
                "check the ids and the SB_USERNAME and SB_PASSWORD credentials",
                match_id,
            )
        return data


@contextmanager
def _statsbombpy_settings(open_data_url: str | None, http_cache: bool, shim: RequestsShim) -> Iterator[None]:
    """Apply this source's settings to statsbombpy for one call, then restore statsbombpy's own.

    The settings: the open-data URLs point at ``open_data_url``, NoAuthWarning is silenced,
    statsbombpy's requests_cache is bypassed unless ``http_cache``, and requests go through ``shim``.
    """
    from statsbombpy import api_client, config, public
    from statsbombpy.api_client import NoAuthWarning

    with _STATSBOMBPY_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", NoAuthWarning)
        saved_paths = dict(config.OPEN_DATA_PATHS)
        saved_modules = (public.req, api_client.req)
        if open_data_url is not None:
            # statsbombpy.public imported this dict object by name, so it must be changed in place.
            config.OPEN_DATA_PATHS.update({key: f"{open_data_url}/{path}" for key, path in OPEN_DATA_FILES.items()})
        # Both modules call req.get(...) on the name they imported, so replacing that name
        # sends their requests through the shim.
        public.req = shim
        api_client.req = shim
        try:
            with nullcontext() if http_cache else _requests_cache_disabled():
                yield
        finally:
            public.req, api_client.req = saved_modules
            config.OPEN_DATA_PATHS.update(saved_paths)


def _requests_cache_disabled():
    try:
        import requests_cache
    except ImportError:
        return nullcontext()
    return requests_cache.disabled()


def _http_error_message(label: str, url: str, error: Any) -> str:
    response = error.response
    status = response.status_code if response is not None else None
    reason = response.reason if response is not None else ""

    # The requests shim retries 408, 429 and 5xx and raises SourceError itself when they persist.
    if status == 404:
        return f"{label} not found at {url} (HTTP 404); check the ids and open_data_url"
    return f"{label} request to {url} failed with HTTP {status} {reason}; check open_data_url"


def _credentials_from_env() -> dict[str, str] | None:
    username = os.environ.get("SB_USERNAME")
    password = os.environ.get("SB_PASSWORD")
    if not username or not password:
        return None
    return {"user": username, "passwd": password}


def _check_url(url: Any) -> str:
    """Return ``url`` without a trailing slash, or raise ParameterError when it is not an http(s) URL."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        redacted = _redact(url) if isinstance(url, str) else repr(url)
        raise ParameterError(
            f"open_data_url must be an http:// or https:// base URL such as "
            f"http://127.0.0.1:8000/data, got {redacted}"
        )
    return url.rstrip("/")


def _check_offline(offline: Any, cache_dir: Any) -> bool:
    if not isinstance(offline, bool):
        raise ParameterError(f"offline must be True or False, got {offline!r}")
    if offline and cache_dir is None:
        raise ParameterError("offline=True reads only from the response cache, so it needs cache_dir; pass cache_dir")
    return offline


def _open_cache(cache_dir: Any, max_age: Any, offline: bool) -> ResponseCache | None:
    """Return the response cache on ``cache_dir``, or None when it is None; raise ParameterError for bad values."""
    if max_age is not None:
        max_age = check_seconds(max_age, "cache_max_age", allow_zero=True)
    if cache_dir is None:
        return None

    if not isinstance(cache_dir, (str, os.PathLike)) or not str(cache_dir):
        raise ParameterError(f"cache_dir must be a folder path or None, got {cache_dir!r}")
    folder = Path(cache_dir).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"cache_dir {folder} is not a folder; pass a folder for the response cache, or None")
    if offline and not folder.is_dir():
        raise ParameterError(
            f"cache_dir {folder} does not exist, and offline=True reads only from it; "
            "run once online with this cache_dir, or set offline=False"
        )
    return ResponseCache(folder.resolve(), max_age)


def _without_match_id(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Remove the ``match_id`` key that statsbombpy adds to each event and 360 frame, as the files have none."""
    for record in records:
        record.pop("match_id", None)
    return records
