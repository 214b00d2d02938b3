"""The online source's response cache, timeouts, retries and rate limit, against a local HTTP server."""

from __future__ import annotations

import gzip
import math
import os
import pickle
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest
import zstandard
from joblib import Parallel, delayed

from matchkit.errors import ParameterError, SourceError
from matchkit.sources import FetchSettings, LocalSource, ResponseCache, StatsBombSource, default_cache_dir, open_source
from matchkit.sources import cache as cache_module
from matchkit.sources.fetch import MAX_BACKOFF, MAX_RETRY_AFTER, retry_after_seconds
from tests.conftest import DATA_DIR, raw_events, read_raw
from tests.http_server import open_data_server  # noqa: F401 (a pytest fixture)

EURO_MATCH = 3788741  # Euro 2020, competition 55 season 43: has a 360 file
LA_LIGA_MATCH = 15986  # La Liga, competition 11 season 4: no 360 file
WORLD_CUP_MATCH = 7581  # World Cup 2018, competition 43 season 3: no 360 file
MATCHES = (EURO_MATCH, LA_LIGA_MATCH, WORLD_CUP_MATCH)
SEASONS = ((55, 43), (11, 4), (43, 3))
FAST = {"backoff": 0.001}  # Retries in these tests wait about a millisecond.


@pytest.fixture(autouse=True)
def no_api_credentials(monkeypatch):
    """Keep StatsBombSource on the open data, even where the environment contains API credentials."""
    monkeypatch.delenv("SB_USERNAME", raising=False)
    monkeypatch.delenv("SB_PASSWORD", raising=False)


@pytest.fixture
def request_times(open_data_server, monkeypatch):  # noqa: F811 (the fixture imported above)
    """Record (URL path, time.monotonic()) for each request when the server receives it."""
    times: list[tuple[str, float]] = []
    record = open_data_server._record

    def record_with_time(path: str):
        times.append((path, time.monotonic()))
        return record(path)

    # The request handler calls server._record(path) for every request it receives.
    monkeypatch.setattr(open_data_server, "_record", record_with_time)
    return times


def _fetch_everything(source, match_ids=MATCHES, seasons=SEASONS) -> dict:
    """Fetch competitions, matches files and each match's events, lineups and 360 frames."""
    return {
        "competitions": source.competitions(),
        "matches": [source.matches(*season) for season in seasons],
        "per_match": {
            match_id: (source.events(match_id), source.lineups(match_id), source.frames_360(match_id))
            for match_id in match_ids
        },
    }


def _summarize_match(source, match_id: int) -> tuple[int, int, int, int | None]:
    frames = source.frames_360(match_id)
    frame_count = None if frames is None else len(frames)
    return match_id, len(source.events(match_id)), len(source.lineups(match_id)), frame_count


def _host_folder(server) -> str:
    return f"127.0.0.1_{urlsplit(server.url).port}"


def _leftover_temporary_files(folder) -> list:
    return [path for path in folder.rglob("*.tmp")]


# Response cache


def test_second_source_sends_no_requests(open_data_server, tmp_path):
    local = LocalSource(DATA_DIR)
    first = _fetch_everything(StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path))
    requests_first_run = open_data_server.count()

    second = _fetch_everything(StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path))

    # One competitions file, three matches files, and events, lineups and 360 for three matches.
    assert requests_first_run == 1 + len(SEASONS) + 3 * len(MATCHES)
    assert open_data_server.count() == requests_first_run
    assert second == first
    assert second == _fetch_everything(local)


@pytest.mark.slow
def test_cache_shared_by_loky_workers(open_data_server, tmp_path):
    match_ids = [EURO_MATCH, LA_LIGA_MATCH, WORLD_CUP_MATCH, 22912]
    expected = [
        (
            match_id,
            len(raw_events(match_id)),
            len(read_raw(f"lineups/{match_id}")),
            len(read_raw(f"three-sixty/{match_id}")) if match_id == EURO_MATCH else None,
        )
        for match_id in match_ids
    ]

    first = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path)
    first_results = Parallel(n_jobs=2, backend="loky")(
        delayed(_summarize_match)(first, match_id) for match_id in match_ids
    )
    requests_first_run = open_data_server.count()

    second = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path)
    second_results = Parallel(n_jobs=2, backend="loky")(
        delayed(_summarize_match)(second, match_id) for match_id in match_ids
    )

    assert first_results == expected
    assert second_results == expected
    assert requests_first_run == 3 * len(match_ids)
    assert open_data_server.count() == requests_first_run


def test_cache_file_is_compressed_response(open_data_server, tmp_path):
    source = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path)
    source.events(LA_LIGA_MATCH)

    entry = tmp_path / _host_folder(open_data_server) / "data" / "events" / f"{LA_LIGA_MATCH}.json.zst"
    published = gzip.decompress((DATA_DIR / "events" / f"{LA_LIGA_MATCH}.json.gz").read_bytes())
    assert entry.is_file()
    assert entry.stat().st_size < len(published) / 4
    assert zstandard.ZstdDecompressor().decompress(entry.read_bytes()) == published
    assert source.cache.entry_path(f"{open_data_server.url}/events/{LA_LIGA_MATCH}.json") == entry
    assert _leftover_temporary_files(tmp_path) == []


def test_missing_360_cached_as_absent(open_data_server, tmp_path):
    url = f"{open_data_server.url}/three-sixty/{LA_LIGA_MATCH}.json"
    first = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path)

    assert first.frames_360(LA_LIGA_MATCH) is None
    assert first.cache.absent_path(url).is_file()
    assert not first.cache.entry_path(url).exists()

    second = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path)
    assert second.frames_360(LA_LIGA_MATCH) is None
    assert open_data_server.count(f"three-sixty/{LA_LIGA_MATCH}.json") == 1


def test_missing_events_not_cached(open_data_server, tmp_path):
    open_data_server.inject(f"events/{LA_LIGA_MATCH}.json", status=404, times=1)
    source = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path)

    with pytest.raises(SourceError, match="HTTP 404"):
        source.events(LA_LIGA_MATCH)
    assert source.events(LA_LIGA_MATCH) == raw_events(LA_LIGA_MATCH)
    assert open_data_server.count(f"events/{LA_LIGA_MATCH}.json") == 2


def test_expired_entry_fetched_again(open_data_server, tmp_path):
    source = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path, cache_max_age=60)
    source.lineups(EURO_MATCH)
    source.lineups(EURO_MATCH)
    assert open_data_server.count(f"lineups/{EURO_MATCH}.json") == 1

    entry = source.cache.entry_path(f"{open_data_server.url}/lineups/{EURO_MATCH}.json")
    two_minutes_ago = time.time() - 120
    os.utime(entry, (two_minutes_ago, two_minutes_ago))

    assert source.lineups(EURO_MATCH) == read_raw(f"lineups/{EURO_MATCH}")
    assert open_data_server.count(f"lineups/{EURO_MATCH}.json") == 2
    assert entry.stat().st_mtime > two_minutes_ago + 60


def test_damaged_entry_fetched_again(open_data_server, tmp_path):
    source = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path)
    source.lineups(EURO_MATCH)
    entry = source.cache.entry_path(f"{open_data_server.url}/lineups/{EURO_MATCH}.json")
    entry.write_bytes(entry.read_bytes()[:100])

    assert source.lineups(EURO_MATCH) == read_raw(f"lineups/{EURO_MATCH}")
    assert open_data_server.count(f"lineups/{EURO_MATCH}.json") == 2
    repaired = zstandard.ZstdDecompressor().decompress(entry.read_bytes())
    assert orjson.loads(repaired) == read_raw(f"lineups/{EURO_MATCH}")


def test_offline_reads_cache_without_requests(open_data_server, tmp_path):
    online = _fetch_everything(StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path))
    requests_online = open_data_server.count()

    # Offline mode serves entries of any age: with cache_max_age=0 every entry has expired.
    offline = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path, cache_max_age=0, offline=True)

    assert _fetch_everything(offline) == online
    assert offline.frames_360(LA_LIGA_MATCH) is None
    assert open_data_server.count() == requests_online


def test_offline_miss_names_match_resource_and_path(open_data_server, tmp_path):
    source = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path, offline=True)
    entry = source.cache.entry_path(f"{open_data_server.url}/events/{LA_LIGA_MATCH}.json")

    with pytest.raises(SourceError) as error:
        source.events(LA_LIGA_MATCH)

    message = str(error.value)
    assert f"match {LA_LIGA_MATCH}: events" in message
    assert str(entry) in message
    assert "offline=True" in message
    assert "run once online" in message
    assert error.value.match_id == LA_LIGA_MATCH
    assert open_data_server.count() == 0


def test_offline_needs_existing_cache_dir(tmp_path):
    with pytest.raises(ParameterError, match="needs cache_dir"):
        StatsBombSource(offline=True)
    with pytest.raises(ParameterError, match=r"cache_dir .*missing does not exist"):
        StatsBombSource(offline=True, cache_dir=tmp_path / "missing")


def test_failed_cache_write_still_returns_data(open_data_server, tmp_path, monkeypatch, caplog):
    def fail(*arguments):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_module.os, "replace", fail)
    source = StatsBombSource(open_data_url=open_data_server.url, cache_dir=tmp_path)

    assert source.lineups(EURO_MATCH) == read_raw(f"lineups/{EURO_MATCH}")
    assert "No space left on device" in caplog.text
    assert not source.cache.entry_path(f"{open_data_server.url}/lineups/{EURO_MATCH}.json").exists()
    assert _leftover_temporary_files(tmp_path) == []


def test_interrupted_write_keeps_old_entry(tmp_path, monkeypatch):
    cache = ResponseCache(tmp_path)
    url = "http://127.0.0.1:8000/data/lineups/1.json"
    cache.write(url, b'["old"]')

    def interrupt(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(cache_module.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        cache.write(url, b'["new"]')

    assert cache.read(url).content == b'["old"]'
    assert _leftover_temporary_files(tmp_path) == []


def test_concurrent_writers_leave_whole_entry(tmp_path):
    cache = ResponseCache(tmp_path)
    url = "http://127.0.0.1:8000/data/events/1.json"
    contents = [orjson.dumps([{"writer": writer, "padding": "x" * 200_000}]) for writer in range(8)]
    start = threading.Barrier(len(contents))

    def write(content: bytes) -> None:
        start.wait()
        for _ in range(5):
            cache.write(url, content)

    threads = [threading.Thread(target=write, args=(content,)) for content in contents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert cache.read(url).content in contents
    assert _leftover_temporary_files(tmp_path) == []


def test_cache_path_layout(tmp_path):
    cache = ResponseCache(tmp_path)
    github = "https://raw.githubusercontent.com/statsbomb/open-data/master/data"

    assert cache.entry_path(f"{github}/events/15986.json") == tmp_path.joinpath(
        "raw.githubusercontent.com", "statsbomb", "open-data", "master", "data", "events", "15986.json.zst"
    )
    assert cache.absent_path(f"{github}/three-sixty/15986.json").name == "15986.absent"
    assert cache.entry_path("https://data.statsbombservices.com/api/v4/competitions") == (
        tmp_path / "data.statsbombservices.com" / "api" / "v4" / "competitions.json.zst"
    )
    assert cache.entry_path("http://reader:secret@127.0.0.1:8000/data/competitions.json") == (
        tmp_path / "127.0.0.1_8000" / "data" / "competitions.json.zst"
    )
    escaped = cache.entry_path("http://127.0.0.1:8000/data/../../etc/passwd")
    assert escaped.is_relative_to(tmp_path)
    assert ".." not in escaped.parts


def test_default_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "matchkit"

    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "matchkit"


# Retries, timeouts and the rate limit


def test_429_retried_after_retry_after(open_data_server, request_times):
    open_data_server.inject(f"lineups/{EURO_MATCH}.json", status=429, headers={"Retry-After": "1"}, times=1)
    source = StatsBombSource(open_data_url=open_data_server.url, **FAST)

    assert source.lineups(EURO_MATCH) == read_raw(f"lineups/{EURO_MATCH}")
    assert open_data_server.count(f"lineups/{EURO_MATCH}.json") == 2
    (_, first), (_, second) = request_times
    assert second - first >= 1.0 - 0.05


def test_503_twice_then_success(open_data_server):
    open_data_server.inject(f"events/{LA_LIGA_MATCH}.json", status=503, times=2)
    source = StatsBombSource(open_data_url=open_data_server.url, **FAST)

    assert source.events(LA_LIGA_MATCH) == raw_events(LA_LIGA_MATCH)
    assert open_data_server.count(f"events/{LA_LIGA_MATCH}.json") == 3


def test_slow_response_times_out_then_succeeds(open_data_server):
    open_data_server.inject(f"lineups/{EURO_MATCH}.json", delay=0.6, times=1)
    source = StatsBombSource(open_data_url=open_data_server.url, timeout=0.2, **FAST)

    started = time.monotonic()
    assert source.lineups(EURO_MATCH) == read_raw(f"lineups/{EURO_MATCH}")
    assert time.monotonic() - started < 0.6
    assert open_data_server.count(f"lineups/{EURO_MATCH}.json") == 2


def test_timeouts_exhaust_retries(open_data_server):
    open_data_server.inject(f"lineups/{EURO_MATCH}.json", delay=0.5)
    source = StatsBombSource(open_data_url=open_data_server.url, timeout=0.1, retries=1, **FAST)

    with pytest.raises(SourceError) as error:
        source.lineups(EURO_MATCH)

    message = str(error.value)
    assert f"match {EURO_MATCH}: lineups request to {open_data_server.url}/lineups/{EURO_MATCH}.json" in message
    assert "timed out after 2 attempts of 0.1 s each" in message
    assert open_data_server.count(f"lineups/{EURO_MATCH}.json") == 2


def test_permanent_500_fails_after_all_attempts(open_data_server):
    open_data_server.inject(f"events/{LA_LIGA_MATCH}.json", status=500)
    source = StatsBombSource(open_data_url=open_data_server.url, retries=3, **FAST)

    with pytest.raises(SourceError) as error:
        source.events(LA_LIGA_MATCH)

    message = str(error.value)
    assert f"match {LA_LIGA_MATCH}: events" in message
    assert f"{open_data_server.url}/events/{LA_LIGA_MATCH}.json" in message
    assert "HTTP 500" in message
    assert "after 4 attempts" in message
    assert error.value.match_id == LA_LIGA_MATCH
    assert open_data_server.count(f"events/{LA_LIGA_MATCH}.json") == 4


def test_404_not_retried(open_data_server):
    source = StatsBombSource(open_data_url=open_data_server.url, retries=3, **FAST)

    assert source.frames_360(LA_LIGA_MATCH) is None
    with pytest.raises(SourceError, match="not found"):
        source.events(123)
    assert open_data_server.count(f"three-sixty/{LA_LIGA_MATCH}.json") == 1
    assert open_data_server.count("events/123.json") == 1


def test_rate_limit_spaces_requests(open_data_server, request_times):
    rate = 5.0
    source = StatsBombSource(open_data_url=open_data_server.url, requests_per_second=rate)
    for _ in range(5):
        source.lineups(EURO_MATCH)

    times = [moment for _, moment in request_times]
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert len(times) == 5
    for gap in gaps:
        assert gap >= 1 / rate - 0.05


def test_rate_limit_counts_retries(open_data_server, request_times):
    open_data_server.inject(f"lineups/{EURO_MATCH}.json", status=503, times=2)
    rate = 5.0
    source = StatsBombSource(open_data_url=open_data_server.url, requests_per_second=rate, **FAST)
    source.lineups(EURO_MATCH)

    times = [moment for _, moment in request_times]
    assert len(times) == 3
    for earlier, later in zip(times, times[1:]):
        assert later - earlier >= 1 / rate - 0.05


def test_shim_restored_after_call(open_data_server):
    import requests
    from statsbombpy import api_client, public

    source = StatsBombSource(open_data_url=open_data_server.url, retries=0)
    source.lineups(EURO_MATCH)
    assert public.req is requests
    assert api_client.req is requests

    open_data_server.inject(f"lineups/{EURO_MATCH}.json", status=500)
    with pytest.raises(SourceError):
        source.lineups(EURO_MATCH)
    assert public.req is requests
    assert api_client.req is requests


def test_api_requests_use_timeout_and_cache(open_data_server, tmp_path, monkeypatch):
    from statsbombpy import api_client

    # The fake API serves competitions below the test server's base URL. Its endpoint-versions
    # request returns 404, so statsbombpy falls back to its built-in endpoint versions.
    monkeypatch.setenv("SB_USERNAME", "analyst@example.com")
    monkeypatch.setenv("SB_PASSWORD", "not-a-real-password")
    monkeypatch.setattr(api_client, "HOSTNAME", open_data_server.url)
    monkeypatch.setattr(api_client, "_ENDPOINT_VERSIONS", None)
    competitions = read_raw("competitions")
    url = f"{open_data_server.url}/api/v4/competitions"

    open_data_server.inject("api/v4/competitions", body=orjson.dumps(competitions), delay=0.5)
    slow = StatsBombSource(cache_dir=tmp_path, timeout=0.1, retries=1, **FAST)
    assert slow.uses_api
    with pytest.raises(SourceError, match=rf"competitions request to {url} timed out after 2 attempts"):
        slow.competitions()

    open_data_server.inject("api/v4/competitions", body=orjson.dumps(competitions))
    first = StatsBombSource(cache_dir=tmp_path).competitions()
    requests_after_first = open_data_server.count("api/v4/competitions")
    second = StatsBombSource(cache_dir=tmp_path).competitions()

    assert second == first
    assert first == StatsBombSource(open_data_url=open_data_server.url).competitions()
    assert requests_after_first == 3
    assert open_data_server.count("api/v4/competitions") == requests_after_first
    assert (tmp_path / _host_folder(open_data_server) / "data" / "api" / "v4" / "competitions.json.zst").is_file()


def test_retry_after_seconds_and_dates():
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)

    assert retry_after_seconds("2", now) == 2.0
    assert retry_after_seconds(" 0 ", now) == 0.0
    assert retry_after_seconds("3600", now) == MAX_RETRY_AFTER
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=7), usegmt=True), now) == 7.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0.0
    assert retry_after_seconds(format_datetime(now + timedelta(hours=2), usegmt=True), now) == MAX_RETRY_AFTER
    assert retry_after_seconds("-5", now) == 0.0
    for unusable in (None, "", "soon", "nan", "inf"):
        assert retry_after_seconds(unusable, now) is None


def test_backoff_delay_bounded_by_full_jitter():
    settings = FetchSettings(backoff=0.5)
    for retry in range(1, 6):
        delays = [settings.backoff_delay(retry) for _ in range(200)]
        ceiling = 0.5 * 2 ** (retry - 1)
        assert min(delays) >= 0
        assert max(delays) <= ceiling
        # With 200 uniform draws, the largest is above half the ceiling except with probability 2**-200.
        assert max(delays) > ceiling / 2

    assert max(FetchSettings(backoff=100).backoff_delay(10) for _ in range(50)) <= MAX_BACKOFF


# Settings


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("timeout", 0),
        ("timeout", -1),
        ("timeout", "30"),
        ("timeout", True),
        ("timeout", math.nan),
        ("timeout", math.inf),
        ("timeout", None),
        ("retries", -1),
        ("retries", 1.5),
        ("retries", True),
        ("retries", "4"),
        ("backoff", -0.1),
        ("backoff", "0.5"),
        ("requests_per_second", 0),
        ("requests_per_second", -5),
        ("requests_per_second", "5"),
        ("cache_max_age", -1),
        ("cache_max_age", "1"),
        ("offline", "yes"),
        ("offline", 1),
        ("cache_dir", 5),
        ("cache_dir", ""),
    ],
)
def test_invalid_setting_names_parameter(name, value):
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        StatsBombSource(open_data_url="http://127.0.0.1:1/data", **{name: value})
    with pytest.raises(ParameterError, match=rf"^{name} must be"):
        open_source(open_data_url="http://127.0.0.1:1/data", **{name: value})


def test_cache_dir_that_is_file_rejected(tmp_path):
    path = tmp_path / "cache"
    path.write_text("")

    with pytest.raises(ParameterError, match=rf"cache_dir {path} is not a folder"):
        StatsBombSource(cache_dir=path)


def test_open_source_passes_settings(tmp_path):
    source = open_source(
        open_data_url="http://127.0.0.1:1/data",
        cache_dir=tmp_path,
        cache_max_age=3600,
        timeout=5,
        retries=2,
        backoff=0.25,
        requests_per_second=4,
    )

    assert isinstance(source, StatsBombSource)
    assert source.cache == ResponseCache(tmp_path.resolve(), 3600.0)
    assert source.fetch_settings == FetchSettings(timeout=5.0, retries=2, backoff=0.25, requests_per_second=4.0)
    assert not source.offline
    assert open_source().fetch_settings == FetchSettings(timeout=30.0, retries=4, backoff=0.5, requests_per_second=None)
    assert open_source().cache is None


def test_open_source_local_ignores_online_settings(tmp_path):
    source = open_source(data_dir=DATA_DIR, cache_dir=tmp_path / "missing", offline=True, timeout=-1)

    assert isinstance(source, LocalSource)
    assert not (tmp_path / "missing").exists()


def test_settings_survive_pickling(open_data_server, tmp_path):
    source = StatsBombSource(
        open_data_url=open_data_server.url, cache_dir=tmp_path, cache_max_age=60, timeout=7, requests_per_second=3
    )
    copy = pickle.loads(pickle.dumps(source))

    assert copy.cache == source.cache
    assert copy.fetch_settings == source.fetch_settings
    assert copy.describe() == source.describe()
    assert str(tmp_path.resolve()) in copy.describe()
