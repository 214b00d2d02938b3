"""Build small open-data folders in a temporary path from the real test data."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import DATA_DIR


def make_data_dir(root: Path, match_ids: list[int], replace: dict[str, bytes] | None = None) -> Path:
    """Link the files of ``match_ids`` (and every competition and matches file) into ``root``.

    ``replace`` maps a relative path such as ``events/7581.json`` to bytes written
    in place of the real file, for broken-input tests.
    """
    root.mkdir(parents=True, exist_ok=True)
    os.symlink(DATA_DIR / "competitions.json.gz", root / "competitions.json.gz")
    for path in (DATA_DIR / "matches").glob("*/*.json.gz"):
        target = root / "matches" / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(path, target)
    for folder in ("events", "lineups", "three-sixty"):
        (root / folder).mkdir(exist_ok=True)
        for match_id in match_ids:
            source = DATA_DIR / folder / f"{match_id}.json.gz"
            if source.exists():
                os.symlink(source, root / folder / source.name)
    for relative, content in (replace or {}).items():
        target = root / relative
        for stale in (target, target.with_name(target.name + ".gz")):
            if stale.is_symlink() or stale.exists():
                stale.unlink()
        target.write_bytes(content)
    return root
