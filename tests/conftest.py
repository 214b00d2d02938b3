"""Shared fixtures: the real StatsBomb open-data matches beside the checkout."""

from __future__ import annotations

import gzip
import os
from functools import lru_cache
from pathlib import Path

import orjson
import pytest

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("MATCHKIT_TEST_DATA", REPO.parent / "shared" / "data" / "statsbomb-open")).resolve()

if not (DATA_DIR / "competitions.json.gz").exists():
    raise pytest.UsageError(
        f"test data not found at {DATA_DIR}; place the StatsBomb open-data folder there "
        "or set MATCHKIT_TEST_DATA to its path"
    )


def read_raw(relative: str):
    """Read one gzip-compressed JSON file of the test data, straight from disk."""
    path = DATA_DIR / f"{relative}.json.gz"
    if not path.exists():
        return None
    with gzip.open(path, "rb") as handle:
        return orjson.loads(handle.read())


@lru_cache(maxsize=1)
def match_entries() -> dict[int, dict]:
    """Return every match entry of the test data, keyed by match id."""
    entries = {}
    for path in sorted((DATA_DIR / "matches").glob("*/*.json.gz")):
        with gzip.open(path, "rb") as handle:
            for entry in orjson.loads(handle.read()):
                entries[entry["match_id"]] = entry
    return entries


ALL_MATCH_IDS = sorted(match_entries())
SHOOTOUT_MATCH_IDS = (7581, 7585, 8652, 18237, 18243, 2302764, 68357)


@lru_cache(maxsize=None)
def raw_events(match_id: int) -> list:
    return read_raw(f"events/{match_id}")


@lru_cache(maxsize=16)
def load_model(match_id: int):
    """Parse one test match into a MatchModel, cached for the whole session."""
    from matchkit.processing import build_match_model

    return build_match_model(
        match_entries()[match_id],
        raw_events(match_id),
        read_raw(f"lineups/{match_id}"),
        read_raw(f"three-sixty/{match_id}"),
    )


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR
