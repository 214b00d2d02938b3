"""Data sources on the real open-data folder, and statsbombpy against a local HTTP copy of it."""

from __future__ import annotations

import gzip
import pickle
import socket
from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest
from joblib import Parallel, delayed

from matchkit.errors import DataError, ParameterError, SourceError
from matchkit.sources import LocalSource, Source, StatsBombSource, open_source, select_matches
from tests.conftest import ALL_MATCH_IDS, DATA_DIR, match_entries, raw_events, read_raw
from tests.http_server import open_data_server, serve_open_data  # noqa: F401 (open_data_server is a pytest fixture)

EURO_MATCH = 3788741  # Turkey v Italy, Euro 2020: the only match with a 360 file
LA_LIGA_MATCH = 15986  # La Liga 2018/2019: no 360 file
EURO_SEASON = (55, 43)
LA_LIGA_SEASON = (11, 4)
SECRET = "not-a-real-password-7f3a"


@pytest.fixture(autouse=True)
def no_api_credentials(monkeypatch):
    """Keep StatsBombSource on the open data, whatever the developer's environment holds."""
    monkeypatch.delenv("SB_USERNAME", raising=False)
    monkeypatch.delenv("SB_PASSWORD", raising=False)


@pytest.fixture(scope="module")
def local() -> LocalSource:
    return LocalSource(DATA_DIR)


def _season_ids(competition_id: int, season_id: int) -> list[int]:
    """List the match ids of one competition season straight from the match entries of the test data."""
    return [
        match_id
        for match_id, entry in match_entries().items()
        if entry["competition"]["competition_id"] == competition_id and entry["season"]["season_id"] == season_id
    ]


def _write_json(path, data, compress: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    content = orjson.dumps(data)
    if compress:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(content))
    else:
        path.write_bytes(content)


def _plain_copy(folder, match_ids=(EURO_MATCH,), season=EURO_SEASON):
    """Write a small open-data folder of plain .json files for the given matches of one season."""
    competition_id, season_id = season
    competitions = [
        entry for entry in read_raw("competitions")
        if (entry["competition_id"], entry["season_id"]) == season
    ]
    _write_json(folder / "competitions.json", competitions)
    _write_json(folder / "matches" / str(competition_id) / f"{season_id}.json", read_raw(f"matches/{competition_id}/{season_id}"))
    for match_id in match_ids:
        _write_json(folder / "events" / f"{match_id}.json", raw_events(match_id))
        _write_json(folder / "lineups" / f"{match_id}.json", read_raw(f"lineups/{match_id}"))
    return folder


# LocalSource


def test_local_events_equal_gzip_file(local):
    for match_id in (EURO_MATCH, LA_LIGA_MATCH):
        assert local.events(match_id) == raw_events(match_id)
        assert local.lineups(match_id) == read_raw(f"lineups/{match_id}")


def test_local_competitions_and_matches_equal_files(local):
    assert local.competitions() == read_raw("competitions")
    assert local.matches(*EURO_SEASON) == read_raw("matches/55/43")
    assert [entry["match_id"] for entry in local.matches(72, 30)] == [
        entry["match_id"] for entry in read_raw("matches/72/30")
    ]


def test_local_frames_360_present_and_absent(local):
    frames = local.frames_360(EURO_MATCH)

    assert frames == read_raw(f"three-sixty/{EURO_MATCH}")
    assert len(frames) > 1000
    assert local.frames_360(LA_LIGA_MATCH) is None


def test_local_reads_plain_json(tmp_path):
    folder = _plain_copy(tmp_path)
    _write_json(folder / "three-sixty" / f"{EURO_MATCH}.json", read_raw(f"three-sixty/{EURO_MATCH}"), compress=True)
    source = LocalSource(folder)

    assert source.competitions() == [
        entry for entry in read_raw("competitions") if (entry["competition_id"], entry["season_id"]) == EURO_SEASON
    ]
    assert source.events(EURO_MATCH) == raw_events(EURO_MATCH)
    assert source.lineups(EURO_MATCH) == read_raw(f"lineups/{EURO_MATCH}")
    assert source.frames_360(EURO_MATCH) == read_raw(f"three-sixty/{EURO_MATCH}")
    assert source.match_entry(EURO_MATCH) == match_entries()[EURO_MATCH]


def test_local_prefers_plain_file_over_gzip(tmp_path):
    folder = _plain_copy(tmp_path)
    _write_json(folder / "events" / f"{EURO_MATCH}.json", [{"id": "plain"}])
    _write_json(folder / "events" / f"{EURO_MATCH}.json", [{"id": "gzip"}], compress=True)

    assert LocalSource(folder).events(EURO_MATCH) == [{"id": "plain"}]


def test_local_accepts_string_path_and_numpy_id():
    numpy = pytest.importorskip("numpy")
    source = LocalSource(str(DATA_DIR))

    assert len(source.events(numpy.int64(LA_LIGA_MATCH))) == len(raw_events(LA_LIGA_MATCH))


def test_local_missing_data_dir_names_path(tmp_path):
    missing = tmp_path / "no-such-folder"

    with pytest.raises(ParameterError) as error:
        LocalSource(missing)
    assert str(missing) in str(error.value)


def test_local_data_dir_that_is_file_rejected(tmp_path):
    path = tmp_path / "competitions.json"
    path.write_text("[]")

    with pytest.raises(ParameterError, match="not a folder"):
        LocalSource(path)


def test_local_missing_events_names_match_and_path(tmp_path):
    source = LocalSource(_plain_copy(tmp_path))

    with pytest.raises(SourceError) as error:
        source.events(123)
    message = str(error.value)
    assert "match 123" in message
    assert str(tmp_path / "events" / "123.json") in message
    assert "data_dir" in message
    assert error.value.match_id == 123


def test_local_missing_lineups_and_matches_files(tmp_path):
    source = LocalSource(_plain_copy(tmp_path))

    with pytest.raises(SourceError, match=r"match 124: lineups file not found"):
        source.lineups(124)
    with pytest.raises(SourceError, match=r"competition 9 season 9: matches file not found"):
        source.matches(9, 9)


def test_local_missing_competitions_file(tmp_path):
    with pytest.raises(SourceError, match=r"competitions file not found at .*competitions\.json"):
        LocalSource(tmp_path).competitions()


def test_local_truncated_json_names_file(tmp_path):
    folder = _plain_copy(tmp_path)
    path = folder / "events" / f"{EURO_MATCH}.json"
    path.write_bytes(path.read_bytes()[:5000])

    with pytest.raises(DataError) as error:
        LocalSource(folder).events(EURO_MATCH)
    assert str(path) in str(error.value)
    assert "invalid JSON" in str(error.value)
    assert error.value.match_id == EURO_MATCH


def test_local_truncated_gzip_names_file(tmp_path):
    path = tmp_path / "events" / f"{LA_LIGA_MATCH}.json.gz"
    path.parent.mkdir()
    path.write_bytes((DATA_DIR / "events" / f"{LA_LIGA_MATCH}.json.gz").read_bytes()[:20000])

    with pytest.raises(DataError) as error:
        LocalSource(tmp_path).events(LA_LIGA_MATCH)
    assert str(path) in str(error.value)


def test_local_gzip_of_truncated_json_names_file(tmp_path):
    path = tmp_path / "lineups" / f"{LA_LIGA_MATCH}.json.gz"
    path.parent.mkdir()
    path.write_bytes(gzip.compress(b'[{"team_id": 217, "lineup": ['))

    with pytest.raises(DataError, match="invalid JSON") as error:
        LocalSource(tmp_path).lineups(LA_LIGA_MATCH)
    assert str(path) in str(error.value)


def test_local_rejects_non_integer_match_id(local):
    for bad in ("../competitions", 1.5, True, None, -3):
        with pytest.raises(ParameterError):
            local.events(bad)


def test_match_entry_of_unknown_match(local):
    with pytest.raises(SourceError) as error:
        local.match_entry(999)
    assert "match 999" in str(error.value)
    assert str(DATA_DIR) in str(error.value)


def test_matches_file_without_match_id_rejected(tmp_path):
    folder = _plain_copy(tmp_path)
    _write_json(folder / "matches" / "55" / "43.json", [{"match_date": "2021-06-11"}])

    with pytest.raises(DataError, match=r"entry 0 has no integer match_id"):
        LocalSource(folder).matches(*EURO_SEASON)


# select_matches


def test_select_by_competition_season(local):
    entries = select_matches(local, competition_id=72, season_id=30)

    assert len(entries) == 52
    assert sorted(entry["match_id"] for entry in entries) == sorted(_season_ids(72, 30))


def test_select_all_matches():
    entries = select_matches(LocalSource(DATA_DIR))

    assert len(entries) == 88
    assert sorted(entry["match_id"] for entry in entries) == ALL_MATCH_IDS


def test_select_by_ids_keeps_given_order():
    ids = [LA_LIGA_MATCH, EURO_MATCH, 7581, LA_LIGA_MATCH]

    entries = select_matches(LocalSource(DATA_DIR), match_ids=ids)

    assert [entry["match_id"] for entry in entries] == [LA_LIGA_MATCH, EURO_MATCH, 7581]
    assert entries[1] == match_entries()[EURO_MATCH]


def test_select_by_ids_within_season(local):
    entries = select_matches(local, *LA_LIGA_SEASON, match_ids=[LA_LIGA_MATCH])
    assert [entry["match_id"] for entry in entries] == [LA_LIGA_MATCH]

    with pytest.raises(SourceError, match=rf"competition 11 season 4 .*: {EURO_MATCH};"):
        select_matches(local, *LA_LIGA_SEASON, match_ids=[LA_LIGA_MATCH, EURO_MATCH])


def test_select_unknown_ids_lists_them(local):
    with pytest.raises(SourceError) as error:
        select_matches(local, match_ids=[EURO_MATCH, 7582, 1])

    message = str(error.value)
    assert "2 match id(s) not listed" in message
    assert "7582, 1" in message
    assert str(EURO_MATCH) not in message


def test_select_limit_caps_count(local):
    assert len(select_matches(local, limit=5)) == 5
    assert len(select_matches(local, limit=1000)) == 88
    assert len(select_matches(local, 72, 30, limit=10)) == 10
    assert [entry["match_id"] for entry in select_matches(local, match_ids=[EURO_MATCH, LA_LIGA_MATCH], limit=1)] == [
        EURO_MATCH
    ]


def test_select_limit_reads_only_needed_matches_files(tmp_path):
    folder = _plain_copy(tmp_path / "copy")
    competitions = orjson.loads((folder / "competitions.json").read_bytes())
    competitions.append(dict(competitions[0], competition_id=99, season_id=99))
    _write_json(folder / "competitions.json", competitions)

    # The second listed season has no matches file, so reading it would raise.
    assert len(select_matches(LocalSource(folder), limit=1)) == 1
    with pytest.raises(SourceError, match="competition 99 season 99"):
        select_matches(LocalSource(folder))


def test_select_drops_duplicate_listings(tmp_path):
    folder = _plain_copy(tmp_path)
    competitions = orjson.loads((folder / "competitions.json").read_bytes())
    matches = orjson.loads((folder / "matches" / "55" / "43.json").read_bytes())
    _write_json(folder / "competitions.json", competitions * 2)
    _write_json(folder / "matches" / "55" / "43.json", matches * 2)
    source = LocalSource(folder)

    assert [entry["match_id"] for entry in select_matches(source)] == [EURO_MATCH]
    assert [entry["match_id"] for entry in select_matches(source, *EURO_SEASON)] == [EURO_MATCH]


@pytest.mark.parametrize(
    "arguments",
    [
        {"competition_id": 72},
        {"season_id": 30},
        {"limit": 0},
        {"limit": -1},
        {"limit": True},
        {"limit": 2.5},
        {"limit": "3"},
        {"match_ids": []},
        {"match_ids": "3788741"},
        {"match_ids": 3788741},
        {"match_ids": ["3788741"]},
        {"competition_id": "72", "season_id": 30},
    ],
)
def test_select_rejects_invalid_parameters(local, arguments):
    with pytest.raises(ParameterError):
        select_matches(local, **arguments)


def test_select_error_names_parameter(local):
    with pytest.raises(ParameterError, match="limit must be a positive integer or None, got 0"):
        select_matches(local, limit=0)
    with pytest.raises(ParameterError, match="competition_id and season_id must be given together"):
        select_matches(local, competition_id=72)


# StatsBombSource against the local HTTP server


def test_statsbombpy_equals_local_source(open_data_server, local):
    source = StatsBombSource(open_data_url=open_data_server.url)

    assert source.competitions() == local.competitions()
    for season in (EURO_SEASON, LA_LIGA_SEASON):
        assert source.matches(*season) == local.matches(*season)
    for match_id in (EURO_MATCH, LA_LIGA_MATCH):
        assert source.events(match_id) == local.events(match_id)
        assert source.lineups(match_id) == local.lineups(match_id)
    assert open_data_server.count(f"events/{EURO_MATCH}.json") == 1


def test_statsbombpy_frames_360_and_404(open_data_server, local):
    source = StatsBombSource(open_data_url=open_data_server.url)

    assert source.frames_360(EURO_MATCH) == local.frames_360(EURO_MATCH)
    assert source.frames_360(LA_LIGA_MATCH) is None
    assert open_data_server.count(f"three-sixty/{LA_LIGA_MATCH}.json") == 1


def test_statsbombpy_match_entry_and_selection(open_data_server):
    source = StatsBombSource(open_data_url=open_data_server.url)

    assert source.match_entry(LA_LIGA_MATCH) == match_entries()[LA_LIGA_MATCH]
    assert len(select_matches(source, 72, 30)) == 52
    assert sorted(entry["match_id"] for entry in select_matches(source)) == ALL_MATCH_IDS
    assert open_data_server.count("competitions.json") == 1
    assert open_data_server.count("matches/72/30.json") == 2


def test_statsbombpy_restores_open_data_paths(open_data_server):
    from statsbombpy import config

    original = dict(config.OPEN_DATA_PATHS)
    StatsBombSource(open_data_url=open_data_server.url).lineups(EURO_MATCH)

    assert config.OPEN_DATA_PATHS == original
    assert open_data_server.url not in config.OPEN_DATA_PATHS["events"]


def test_statsbombpy_threads_keep_their_own_url(open_data_server, local):
    from statsbombpy import config

    original = dict(config.OPEN_DATA_PATHS)
    with serve_open_data() as other_server:
        # The delay makes the calls of different threads overlap.
        open_data_server.inject(f"lineups/{EURO_MATCH}.json", delay=0.05)
        other_server.inject(f"lineups/{LA_LIGA_MATCH}.json", delay=0.05)
        sources = [StatsBombSource(open_data_url=open_data_server.url), StatsBombSource(open_data_url=other_server.url)]
        calls = [(sources[index % 2], match_id) for index, match_id in enumerate([EURO_MATCH, LA_LIGA_MATCH] * 4)]

        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda call: call[0].lineups(call[1]), calls))

        assert results == [local.lineups(match_id) for _, match_id in calls]
        assert open_data_server.requests == {f"/data/lineups/{EURO_MATCH}.json": 4}
        assert other_server.requests == {f"/data/lineups/{LA_LIGA_MATCH}.json": 4}
        assert config.OPEN_DATA_PATHS == original


def test_statsbombpy_silences_no_auth_warning(open_data_server, recwarn):
    StatsBombSource(open_data_url=open_data_server.url).lineups(EURO_MATCH)

    assert [str(warning.message) for warning in recwarn] == []


def test_statsbombpy_bypasses_requests_cache_by_default(open_data_server):
    source = StatsBombSource(open_data_url=open_data_server.url)
    source.lineups(EURO_MATCH)
    source.lineups(EURO_MATCH)
    assert open_data_server.count(f"lineups/{EURO_MATCH}.json") == 2

    # statsbombpy's own cache serves repeated requests for the same URL without asking the server.
    cached = StatsBombSource(open_data_url=open_data_server.url, http_cache=True)
    cached.lineups(LA_LIGA_MATCH)
    cached.lineups(LA_LIGA_MATCH)
    assert open_data_server.count(f"lineups/{LA_LIGA_MATCH}.json") == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (404, r"match 15986: events not found at http://127\.0\.0\.1:\d+/data/events/15986\.json \(HTTP 404\)"),
        (429, r"match 15986: events request to http://127\.0\.0\.1:\d+/data/events/15986\.json failed with HTTP 429 .* after 1 attempt; .*wait and retry"),
        (500, r"match 15986: events request to http://127\.0\.0\.1:\d+/data/events/15986\.json failed with HTTP 500 .* after 1 attempt; .*retry later"),
    ],
)
def test_statsbombpy_http_error_names_match_and_url(open_data_server, status, expected):
    open_data_server.inject(f"events/{LA_LIGA_MATCH}.json", status=status)

    with pytest.raises(SourceError, match=expected) as error:
        StatsBombSource(open_data_url=open_data_server.url, retries=0).events(LA_LIGA_MATCH)
    assert error.value.match_id == LA_LIGA_MATCH
    assert open_data_server.count(f"events/{LA_LIGA_MATCH}.json") == 1


def test_statsbombpy_360_server_error_is_not_absence(open_data_server):
    open_data_server.inject(f"three-sixty/{EURO_MATCH}.json", status=500)

    with pytest.raises(SourceError, match="HTTP 500"):
        StatsBombSource(open_data_url=open_data_server.url, retries=0).frames_360(EURO_MATCH)


def test_statsbombpy_fault_clears_after_given_times(open_data_server, local):
    open_data_server.inject(f"lineups/{EURO_MATCH}.json", status=429, times=1)
    source = StatsBombSource(open_data_url=open_data_server.url, retries=0)

    with pytest.raises(SourceError, match="HTTP 429"):
        source.lineups(EURO_MATCH)
    assert source.lineups(EURO_MATCH) == local.lineups(EURO_MATCH)
    assert open_data_server.count(f"lineups/{EURO_MATCH}.json") == 2


def test_statsbombpy_truncated_response_names_url(open_data_server):
    events = (DATA_DIR / "events" / f"{LA_LIGA_MATCH}.json.gz").read_bytes()
    open_data_server.inject(f"events/{LA_LIGA_MATCH}.json", body=gzip.decompress(events)[:4000])

    with pytest.raises(DataError) as error:
        StatsBombSource(open_data_url=open_data_server.url).events(LA_LIGA_MATCH)
    assert f"{open_data_server.url}/events/{LA_LIGA_MATCH}.json" in str(error.value)
    assert "not valid JSON" in str(error.value)


def test_statsbombpy_unreachable_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = StatsBombSource(open_data_url=f"http://127.0.0.1:{port}/data", retries=1, backoff=0.001)

    with pytest.raises(SourceError, match=rf"match 15986: events request to http://127\.0\.0\.1:{port}/.* after 2 attempts .*ConnectionError"):
        source.events(LA_LIGA_MATCH)


def test_statsbombpy_hides_url_credentials(open_data_server):
    url = open_data_server.url.replace("http://", f"http://reader:{SECRET}@")
    source = StatsBombSource(open_data_url=url, retries=0)

    assert SECRET not in source.describe()
    assert SECRET not in repr(source)
    assert source.frames_360(LA_LIGA_MATCH) is None
    open_data_server.inject(f"events/{LA_LIGA_MATCH}.json", status=500)
    with pytest.raises(SourceError) as error:
        source.events(LA_LIGA_MATCH)
    assert SECRET not in str(error.value)


def test_statsbombpy_uses_api_only_with_both_variables(monkeypatch):
    monkeypatch.setenv("SB_USERNAME", "analyst@example.com")
    assert not StatsBombSource().uses_api

    monkeypatch.setenv("SB_PASSWORD", SECRET)
    api = StatsBombSource()
    assert api.uses_api
    assert not StatsBombSource(open_data_url="http://127.0.0.1:1/data").uses_api
    for text in (api.describe(), repr(api)):
        assert SECRET not in text
        assert "analyst@example.com" not in text


def test_statsbombpy_pickle_leaves_out_credentials(monkeypatch):
    monkeypatch.setenv("SB_USERNAME", "analyst@example.com")
    monkeypatch.setenv("SB_PASSWORD", SECRET)
    source = StatsBombSource()

    data = pickle.dumps(source)
    assert SECRET.encode() not in data

    # A worker without the variables cannot call the API, and the error names the variables to set.
    monkeypatch.delenv("SB_PASSWORD")
    copy = pickle.loads(data)
    assert copy.uses_api
    with pytest.raises(SourceError, match="set SB_USERNAME and SB_PASSWORD"):
        copy.events(LA_LIGA_MATCH)


@pytest.mark.parametrize("url", ["127.0.0.1:8000/data", "ftp://127.0.0.1/data", "", 8000])
def test_statsbombpy_rejects_invalid_url(url):
    with pytest.raises(ParameterError, match="open_data_url must be an http"):
        StatsBombSource(open_data_url=url)


# Pickling and worker processes


def test_sources_survive_pickling(open_data_server, local):
    remote = StatsBombSource(open_data_url=open_data_server.url + "/")
    select_matches(remote, *EURO_SEASON)

    for source in (LocalSource(DATA_DIR), remote):
        copy = pickle.loads(pickle.dumps(source))
        assert type(copy) is type(source)
        assert copy.describe() == source.describe()
        assert copy.lineups(EURO_MATCH) == local.lineups(EURO_MATCH)

    # The match index travels with the pickle, so the copy looks the entry up without a request.
    requests_before = open_data_server.count()
    assert pickle.loads(pickle.dumps(remote)).match_entry(EURO_MATCH)["match_id"] == EURO_MATCH
    assert open_data_server.count() == requests_before


def _summarize_match(source: Source, match_id: int) -> tuple[int, int, int, int | None]:
    frames = source.frames_360(match_id)
    return (
        match_id,
        len(source.events(match_id)),
        len(source.lineups(match_id)),
        None if frames is None else len(frames),
    )


@pytest.mark.slow
def test_statsbombpy_in_loky_workers(open_data_server):
    source = StatsBombSource(open_data_url=open_data_server.url)
    match_ids = [EURO_MATCH, LA_LIGA_MATCH, 7581, 22912]

    results = Parallel(n_jobs=2, backend="loky")(delayed(_summarize_match)(source, match_id) for match_id in match_ids)

    expected = [
        (
            match_id,
            len(raw_events(match_id)),
            len(read_raw(f"lineups/{match_id}")),
            len(read_raw(f"three-sixty/{match_id}")) if match_id == EURO_MATCH else None,
        )
        for match_id in match_ids
    ]
    assert results == expected
    for match_id in match_ids:
        assert open_data_server.count(f"events/{match_id}.json") == 1


# open_source


def test_open_source_picks_implementation(tmp_path):
    assert isinstance(open_source(data_dir=DATA_DIR), LocalSource)
    assert isinstance(open_source(open_data_url="http://127.0.0.1:1/data"), StatsBombSource)
    assert isinstance(open_source(), StatsBombSource)

    with pytest.raises(ParameterError, match="not both"):
        open_source(data_dir=DATA_DIR, open_data_url="http://127.0.0.1:1/data")
    with pytest.raises(ParameterError, match=str(tmp_path / "missing")):
        open_source(data_dir=tmp_path / "missing")
