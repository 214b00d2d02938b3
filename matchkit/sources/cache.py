"""A disk cache of raw HTTP responses, one zstandard-compressed file per URL.

The cache stores the response body exactly as the server sent it, so a hit returns the
same JSON as a fresh request. A URL maps to ``<cache_dir>/<host>/<URL path>.json.zst``,
for example ``~/.cache/matchkit/raw.githubusercontent.com/statsbomb/open-data/master/data/
events/15986.json.zst``. A URL whose resource does not exist (an open-data match without a
360 file) maps to a small marker file ``<URL path>.absent`` beside it.

Every write goes to a temporary file in the same folder, is flushed to disk with fsync and
then renamed over the entry with ``os.replace``. A killed run therefore leaves either the
old entry or the new one, never a partial file, and processes that write the same entry
at the same time each replace it with a complete file. Worker processes and later runs
share the folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import zstandard

logger = logging.getLogger(__name__)

ENTRY_SUFFIX = ".json.zst"
ABSENT_SUFFIX = ".absent"
COMPRESSION_LEVEL = 3
"""zstandard compression level. Each frame also carries a checksum, so a damaged entry reads as a miss."""

_UNSAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]")


def default_cache_dir() -> Path:
    """Return the usual per-user cache folder: ``$XDG_CACHE_HOME/matchkit``, else ``~/.cache/matchkit``.

    Sources use no cache unless given a folder, so pass this path as ``cache_dir`` to share
    one cache between runs.
    """
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "matchkit"


@dataclass(frozen=True)
class CachedResponse:
    """One cache entry: the response body, or None when the resource is recorded as absent."""

    content: bytes | None
    path: Path

    @property
    def absent(self) -> bool:
        return self.content is None


@dataclass(frozen=True)
class ResponseCache:
    """A folder of cached responses, with an optional maximum age in seconds.

    Entries older than ``max_age`` seconds (by file modification time) count as expired.
    None keeps entries forever. The object contains only the folder and the age, so it is
    picklable and each worker process opens the files itself.
    """

    folder: Path
    max_age: float | None = None

    def entry_path(self, url: str) -> Path:
        """Return the path of the cache file for ``url``, whether or not it exists."""
        return self._base_path(url).with_name(self._base_path(url).name + ENTRY_SUFFIX)

    def absent_path(self, url: str) -> Path:
        """Return the path of the marker that records ``url`` as absent (HTTP 404)."""
        return self._base_path(url).with_name(self._base_path(url).name + ABSENT_SUFFIX)

    def read(self, url: str, ignore_age: bool = False) -> CachedResponse | None:
        """Return the cached response for ``url``, or None on a miss.

        An expired entry is a miss unless ``ignore_age`` is true. An entry that cannot be
        read or decompressed is a miss too, and is logged, so that the caller fetches it again.
        """
        entry = self.entry_path(url)
        if self._is_usable(entry, ignore_age):
            try:
                content = zstandard.ZstdDecompressor().decompress(entry.read_bytes())
            except (OSError, zstandard.ZstdError) as error:
                logger.warning("response cache entry %s is unreadable and is ignored (%s)", entry, error)
                return None
            return CachedResponse(content, entry)

        marker = self.absent_path(url)
        if self._is_usable(marker, ignore_age):
            return CachedResponse(None, marker)
        return None

    def write(self, url: str, content: bytes) -> Path:
        """Store the response body of ``url``, remove any absent marker for it, and return the entry path."""
        entry = self.entry_path(url)
        compressor = zstandard.ZstdCompressor(level=COMPRESSION_LEVEL, write_checksum=True)
        _write_atomically(entry, compressor.compress(content))
        self.absent_path(url).unlink(missing_ok=True)
        return entry

    def write_absent(self, url: str) -> Path:
        """Record ``url`` as absent, remove any stored body for it, and return the marker path."""
        marker = self.absent_path(url)
        _write_atomically(marker, b"HTTP 404\n")
        self.entry_path(url).unlink(missing_ok=True)
        return marker

    def _is_usable(self, path: Path, ignore_age: bool) -> bool:
        try:
            modified = path.stat().st_mtime
        except OSError:
            return False
        if ignore_age or self.max_age is None:
            return True
        return time.time() - modified <= self.max_age

    def _base_path(self, url: str) -> Path:
        """Map a URL to ``<folder>/<host>/<path>`` without the ``.json`` suffix, using only safe names."""
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        if parts.port is not None:
            host = f"{host}_{parts.port}"

        segments = [_safe_name(segment) for segment in parts.path.split("/") if segment]
        if not segments:
            segments = ["index"]
        name = segments[-1].removesuffix(".json")
        if parts.query:
            # The open data and the API use no query strings, but distinct queries must not share an entry.
            name += "_" + hashlib.sha256(parts.query.encode()).hexdigest()[:16]
        return self.folder.joinpath(_safe_name(host), *segments[:-1], name)


def _safe_name(segment: str) -> str:
    """Replace characters that are unsafe in file names, and the names ``.`` and ``..``, with ``_``."""
    name = _UNSAFE_CHARACTERS.sub("_", segment)
    return "_" if name in (".", "..") else name


def _write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file in the same folder, fsync and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
