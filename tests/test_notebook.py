"""The ETL notebook executed by papermill on a few real matches."""

from __future__ import annotations

import papermill as pm
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import DATA_DIR, REPO


@pytest.mark.slow
def test_etl_notebook_runs_with_papermill(tmp_path):
    url = f"sqlite:///{tmp_path / 'plots.db'}"
    output = tmp_path / "etl-out.ipynb"

    pm.execute_notebook(
        str(REPO / "notebooks" / "etl.ipynb"), str(output), kernel_name="python3", cwd=str(REPO),
        parameters={"data_dir": str(DATA_DIR), "match_ids": "3788741,8652", "batch_size": 2, "max_workers": 2,
                    "database_url": url, "progress": False},
    )

    engine = create_engine(url)
    with engine.connect() as connection:
        matches = {row[0] for row in connection.execute(text("SELECT DISTINCT match_id FROM match_plots"))}
        failures = connection.execute(text("SELECT COUNT(*) FROM etl_failures")).scalar_one()
    engine.dispose()
    assert matches == {3788741, 8652}
    assert failures == 0
    assert "No match failed." in output.read_text()


@pytest.mark.slow
def test_etl_notebook_fails_when_a_match_failed(tmp_path):
    from tests.datadir import make_data_dir

    data_dir = make_data_dir(tmp_path / "data", [8652], replace={"events/3788741.json": b"[{"})
    output = tmp_path / "etl-out.ipynb"

    with pytest.raises(pm.PapermillExecutionError, match="1 match\\(es\\) failed: 3788741"):
        pm.execute_notebook(
            str(REPO / "notebooks" / "etl.ipynb"), str(output), kernel_name="python3", cwd=str(REPO),
            parameters={"data_dir": str(data_dir), "match_ids": "3788741,8652", "plots": "xg_flow", "max_workers": 1,
                        "database_url": f"sqlite:///{tmp_path / 'plots.db'}", "progress": False},
        )

    notebook_text = output.read_text()
    assert "events/3788741.json" in notebook_text
    assert "contains invalid JSON" in notebook_text
