"""Setup files agree with each other and the notebooks are committed clean."""

from __future__ import annotations

import json
import re
import tomllib

import yaml

from tests.conftest import REPO


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~\[ ;]", item, maxsplit=1)[0].strip().lower().replace("_", "-") for item in requirements}


def test_environment_lists_pyproject_dependencies():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = [item for item in environment["dependencies"] if isinstance(item, str)]
    pip = next(item["pip"] for item in environment["dependencies"] if isinstance(item, dict))

    expected = _names(project["dependencies"]) | _names(project["optional-dependencies"]["dev"])
    assert _names(conda) - {"python", "pip"} == expected
    assert "conda-forge" in environment["channels"]
    assert any(line.startswith("-e .") for line in pip)


def test_notebooks_have_no_outputs():
    for path in (REPO / "notebooks").glob("*.ipynb"):
        notebook = json.loads(path.read_text())
        for cell in notebook["cells"]:
            assert not cell.get("outputs"), f"{path.name} has outputs"
            assert not cell.get("execution_count"), f"{path.name} has execution counts"


def test_etl_notebook_has_parameters_cell():
    notebook = json.loads((REPO / "notebooks" / "etl.ipynb").read_text())
    tagged = [cell for cell in notebook["cells"] if "parameters" in cell["metadata"].get("tags", [])]

    assert len(tagged) == 1
    for name in ("batch_size", "max_workers", "backend", "data_dir", "competition_id", "season_id",
                 "match_ids", "limit", "plots", "database_url"):
        assert re.search(rf"^{name} = ", "".join(tagged[0]["source"]), re.MULTILINE), name
