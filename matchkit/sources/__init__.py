"""Match data sources: a local open-data folder, or statsbombpy (paid API or open data)."""

from __future__ import annotations

import os

from matchkit.errors import ParameterError
from matchkit.sources.base import Source
from matchkit.sources.cache import ResponseCache, default_cache_dir
from matchkit.sources.fetch import FetchSettings
from matchkit.sources.local import LocalSource
from matchkit.sources.selection import select_matches
from matchkit.sources.statsbomb import StatsBombSource

__all__ = [
    "FetchSettings",
    "LocalSource",
    "ResponseCache",
    "Source",
    "StatsBombSource",
    "default_cache_dir",
    "open_source",
    "select_matches",
]


def open_source(
    data_dir: str | os.PathLike[str] | None = None,
    open_data_url: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    cache_max_age: float | None = None,
    offline: bool = False,
    timeout: float = 30.0,
    retries: int = 4,
    backoff: float = 0.5,
    requests_per_second: float | None = None,
) -> Source:
    """Open a LocalSource on ``data_dir`` when given, else a StatsBombSource.

    The StatsBombSource reads the open data from ``open_data_url`` when given, else the paid
    API when SB_USERNAME and SB_PASSWORD are set, else statsbombpy's open-data URLs. The
    other parameters configure its response cache and requests, as StatsBombSource
    documents them:

    - ``cache_dir``: folder of the response cache, or None for no cache.
      ``default_cache_dir()`` returns the usual per-user folder.
    - ``cache_max_age``: seconds until a cached response expires, or None for no expiry.
    - ``offline``: read only from the cache and send no request.
    - ``timeout`` (seconds), ``retries`` and ``backoff`` (base wait in seconds).
    - ``requests_per_second``: rate limit of each process, or None for no limit.

    A LocalSource reads files and sends no requests, so with ``data_dir`` these parameters
    are ignored, ``offline`` included, and not checked.
    """
    if data_dir is not None and open_data_url is not None:
        raise ParameterError("pass data_dir or open_data_url, not both: they name two different sources")
    if data_dir is not None:
        return LocalSource(data_dir)
    return StatsBombSource(
        open_data_url=open_data_url,
        cache_dir=cache_dir,
        cache_max_age=cache_max_age,
        offline=offline,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        requests_per_second=requests_per_second,
    )
