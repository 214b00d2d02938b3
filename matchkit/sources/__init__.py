"""Match data sources: a local open-data folder, or statsbombpy (paid API or open data)."""

from __future__ import annotations

import os

from matchkit.errors import ParameterError
from matchkit.sources.base import Source
from matchkit.sources.local import LocalSource
from matchkit.sources.selection import select_matches
from matchkit.sources.statsbomb import StatsBombSource

__all__ = ["LocalSource", "Source", "StatsBombSource", "open_source", "select_matches"]


def open_source(data_dir: str | os.PathLike[str] | None = None, open_data_url: str | None = None) -> Source:
    """Open a LocalSource on ``data_dir`` when given, else a StatsBombSource.

    The StatsBombSource reads the open data from ``open_data_url`` when given, else the paid
    API when SB_USERNAME and SB_PASSWORD are set, else statsbombpy's open-data URLs.
    """
    if data_dir is not None and open_data_url is not None:
        raise ParameterError("pass data_dir or open_data_url, not both: they name two different sources")
    if data_dir is not None:
        return LocalSource(data_dir)
    return StatsBombSource(open_data_url=open_data_url)
