"""Run parameters of the ETL, validated before any work starts.

Parameters arrive from Python, papermill, YAML files and the command line, so
values may be strings. They are parsed as data only, never evaluated as code.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from matchkit.errors import ParameterError
from matchkit.storage import DEFAULT_DATABASE_URL, redact_url
from matchkit.storage.codec import DEFAULT_CODEC, check_codec

BACKENDS = ("loky", "threading", "dask")

# With no selection, the online source runs one whole recent tournament:
# FIFA World Cup 2022 (competition 43, season 106 in StatsBomb open data).
DEFAULT_ONLINE_COMPETITION = (43, 106)

_INTEGER = re.compile(r"^[+-]?\d+$")


def _integer(name: str, value: Any, minimum: int | None = None, allow_none: bool = True) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        if allow_none:
            return None
        raise ParameterError(f"{name} is required; give a whole number")
    if isinstance(value, bool):
        raise ParameterError(f"{name} must be a whole number, got {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INTEGER.match(value.strip()):
        number = int(value.strip())
    else:
        raise ParameterError(f"{name} must be a whole number, got {value!r}")
    if minimum is not None and number < minimum:
        raise ParameterError(f"{name} must be at least {minimum}, got {number}")
    return number


def parse_match_ids(value: Any) -> list[int] | None:
    """Parse match ids from a list or a comma-separated string; reject anything that is not an integer."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        items = [items]
    ids = []
    for item in items:
        if isinstance(item, str):
            item = item.strip().strip("[]").strip()
            if not item:
                continue
        number = _integer("match_ids", item, minimum=1, allow_none=False)
        ids.append(number)
    if not ids:
        return None
    return list(dict.fromkeys(ids))


def _plots(value: Any) -> list[str] | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "all", "none", "null")):
        return None
    if isinstance(value, str):
        value = [name.strip() for name in value.split(",")]
    from matchkit.plots import resolve_plot_types

    return resolve_plot_types([str(name) for name in value if str(name).strip()])


def _data_dir(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        return None
    path = Path(str(value)).expanduser()
    if not path.is_dir():
        raise ParameterError(
            f"data_dir {str(value)!r} does not exist or is not a folder; give the path of a local copy of "
            "StatsBomb open data (the folder holding competitions.json, matches/, events/ and lineups/)"
        )
    return str(path.resolve())


@dataclass(frozen=True)
class EtlConfig:
    """Validated ETL parameters."""

    batch_size: int = 10
    max_workers: int = 4
    backend: str = "loky"
    data_dir: str | None = None
    open_data_url: str | None = None
    competition_id: int | None = None
    season_id: int | None = None
    match_ids: list[int] | None = None
    limit: int | None = None
    plots: list[str] | None = None
    database_url: str = DEFAULT_DATABASE_URL
    cache_dir: str | None = None
    cache_max_age: float | None = None
    offline: bool = False
    http_timeout: float = 30.0
    http_retries: int = 4
    requests_per_second: float | None = None
    dask_address: str | None = None
    database_timeout: float = 120.0
    full_refresh: bool = False
    compression: str = DEFAULT_CODEC
    progress: bool = True
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_values(cls, **values: Any) -> "EtlConfig":
        """Validate raw parameter values; raise ParameterError naming the parameter and the accepted values."""
        known = set(cls.__dataclass_fields__) - {"extra"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParameterError(f"unknown parameter(s) {unknown}; accepted: {', '.join(sorted(known))}")

        backend = str(values.get("backend", "loky") or "loky").strip().lower()
        if backend not in BACKENDS:
            raise ParameterError(f"backend {backend!r} is not supported; accepted values: {', '.join(BACKENDS)}")

        competition_id = _integer("competition_id", values.get("competition_id"), minimum=0)
        season_id = _integer("season_id", values.get("season_id"), minimum=0)
        if (competition_id is None) != (season_id is None):
            raise ParameterError("competition_id and season_id go together; give both or neither")

        database_url = str(values.get("database_url") or DEFAULT_DATABASE_URL).strip()
        open_data_url = values.get("open_data_url") or None
        if open_data_url is not None and not re.match(r"^https?://", str(open_data_url)):
            raise ParameterError(f"open_data_url must start with http:// or https://, got {open_data_url!r}")

        return cls(
            batch_size=_integer("batch_size", values.get("batch_size", 10), minimum=1, allow_none=False),
            max_workers=_integer("max_workers", values.get("max_workers", 4), minimum=1, allow_none=False),
            backend=backend,
            data_dir=_data_dir(values.get("data_dir")),
            open_data_url=str(open_data_url) if open_data_url else None,
            competition_id=competition_id,
            season_id=season_id,
            match_ids=parse_match_ids(values.get("match_ids")),
            limit=_integer("limit", values.get("limit"), minimum=1),
            plots=_plots(values.get("plots")),
            database_url=database_url,
            cache_dir=_optional_path(values.get("cache_dir")),
            cache_max_age=_seconds("cache_max_age", values["cache_max_age"]) if _given(values.get("cache_max_age")) else None,
            offline=_boolean("offline", values.get("offline", False)),
            http_timeout=_seconds("http_timeout", values.get("http_timeout", 30.0)),
            http_retries=_integer("http_retries", values.get("http_retries", 4), minimum=0, allow_none=False),
            requests_per_second=(
                _seconds("requests_per_second", values["requests_per_second"])
                if _given(values.get("requests_per_second")) else None
            ),
            dask_address=_dask_address(values.get("dask_address"), backend),
            database_timeout=_seconds("database_timeout", values.get("database_timeout", 120.0)),
            full_refresh=_boolean("full_refresh", values.get("full_refresh", False)),
            compression=check_codec(str(values.get("compression") or DEFAULT_CODEC).strip().lower()),
            progress=_boolean("progress", values.get("progress", True)),
        )

    def source_settings(self) -> dict[str, Any]:
        """Return the arguments of ``matchkit.sources.open_source`` for this run."""
        return {
            "data_dir": self.data_dir, "open_data_url": self.open_data_url, "cache_dir": self.cache_dir,
            "cache_max_age": self.cache_max_age, "offline": self.offline, "timeout": self.http_timeout,
            "retries": self.http_retries, "requests_per_second": self.requests_per_second,
        }

    def selection(self) -> dict[str, Any]:
        """Return the match selection, with the online default tournament when nothing is chosen."""
        competition_id, season_id = self.competition_id, self.season_id
        if self.data_dir is None and competition_id is None and not self.match_ids:
            competition_id, season_id = DEFAULT_ONLINE_COMPETITION
        return {"competition_id": competition_id, "season_id": season_id, "match_ids": self.match_ids, "limit": self.limit}

    def public(self) -> dict[str, Any]:
        """Return the configuration without secrets, for logs and the run history."""
        values = asdict(self)
        values.pop("extra")
        values["database_url"] = redact_url(self.database_url)
        return values


def _given(value: Any) -> bool:
    return not (value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")))


def _optional_path(value: Any) -> str | None:
    return str(Path(str(value)).expanduser()) if _given(value) else None


def _dask_address(value: Any, backend: str) -> str | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null")):
        return None
    if backend != "dask":
        raise ParameterError(f"dask_address is only used with backend 'dask', got backend {backend!r}")
    address = str(value).strip()
    if not re.match(r"^(tcp|tls|inproc|ws|wss)://[^\s/]+$", address):
        raise ParameterError(
            f"dask_address must be a scheduler address such as tcp://127.0.0.1:8786, got {address!r}"
        )
    return address


def _seconds(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} must be a number of seconds, got {value!r}") from None
    if not number > 0:
        raise ParameterError(f"{name} must be more than 0 seconds, got {number}")
    return number


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no"):
        return False
    raise ParameterError(f"{name} must be true or false, got {value!r}")
