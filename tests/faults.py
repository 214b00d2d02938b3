"""Sources that fail on purpose, importable by worker processes."""

from __future__ import annotations

import os

from matchkit.sources import LocalSource


class CrashingSource(LocalSource):
    """A local source whose worker process dies while reading the events of ``crash_match_id``."""

    def __init__(self, data_dir, crash_match_id: int):
        super().__init__(data_dir)
        self.crash_match_id = crash_match_id

    def events(self, match_id: int):
        if match_id == self.crash_match_id:
            os._exit(3)
        return super().events(match_id)
