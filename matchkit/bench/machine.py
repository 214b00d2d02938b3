"""The machine a benchmark ran on: cores, CPU model, memory, load, Python and package versions."""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "matchkit", "pandas", "numpy", "plotly", "orjson", "joblib", "SQLAlchemy", "statsbombpy",
    "requests", "papermill", "nbconvert",
)


def cpu_model() -> str:
    """Return the CPU model name from /proc/cpuinfo, or what the platform module reports elsewhere."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_total_mb() -> float | None:
    """Return the machine's total memory in MB from /proc/meminfo, or None where it is not available."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def usable_cores() -> int:
    """Return the number of cores this process may run on (its CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def load_average() -> list[float] | None:
    """Return the 1, 5 and 15 minute load averages, which show whether other work shared the cores."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine_info() -> dict[str, Any]:
    """Describe the machine for the benchmark record."""
    return {
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "cpu_model": cpu_model(),
        "memory_total_mb": memory_total_mb(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": package_versions(),
        "load_average": load_average(),
    }
