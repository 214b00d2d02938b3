"""The floor: read, decompress and JSON-parse the events files, and nothing else.

No ETL can be faster than reading its input, so the time of this step on the same files,
cores and joblib backend is a lower bound for any ETL. This module imports only what the
step needs, so that loky workers start as fast as they can.
"""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import orjson
from joblib import delayed


def events_path(data_dir: str | os.PathLike[str], match_id: int) -> Path:
    """Return the events file of a match in an open-data folder: ``.json`` when present, else ``.json.gz``."""
    plain = Path(data_dir) / "events" / f"{match_id}.json"
    return plain if plain.exists() else plain.with_name(plain.name + ".gz")


def read_events(path: str) -> int:
    """Read, decompress and parse one events file; return its number of events."""
    content = Path(path).read_bytes()
    if path.endswith(".gz"):
        content = gzip.decompress(content)
    return len(orjson.loads(content))


def run_floor(data_dir: str | os.PathLike[str], match_ids: list[int], max_workers: int, backend: str) -> dict:
    """Parse the events files of ``match_ids`` on ``max_workers`` joblib workers; return seconds and counts.

    Only the event counts travel back from the workers, so the time is that of the reads and
    parses themselves, including the start of the worker pool.
    """
    # Imported here, not at the top, because workers import this module to run read_events.
    from matchkit.etl.runner import worker_pool

    paths = [str(events_path(data_dir, match_id)) for match_id in match_ids]
    started = time.perf_counter()
    with worker_pool(backend, max_workers) as parallel:
        counts = parallel(delayed(read_events)(path) for path in paths)
    seconds = time.perf_counter() - started
    return {
        "matches": len(paths),
        "events": int(sum(counts)),
        "file_bytes": sum(os.path.getsize(path) for path in paths),
        "seconds": seconds,
    }
