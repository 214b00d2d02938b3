"""Match reports and the explorer notebook, drawn by headless Chromium through Playwright.

The tests drive Debian's Chromium (``/usr/bin/chromium``, or ``MATCHKIT_CHROMIUM``), so Playwright
needs no browser download of its own. Screenshots go to ``reports/test-artifacts/``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from tests.conftest import DATA_DIR, REPO, match_entries

pytestmark = pytest.mark.slow

CHROMIUM = Path(os.environ.get("MATCHKIT_CHROMIUM", "/usr/bin/chromium"))
# Playwright adds --headless itself. Without the background-networking flags Chromium
# contacts Google hosts for updates, sync and field trials.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
ARTIFACTS = REPO / "reports" / "test-artifacts"

# Euro 2020 Turkey v Italy (360 data) and two FIFA World Cup 2018 shoot-outs, both with Croatia.
MATCH_IDS = (3788741, 7581, 8652)
PLOT_TIMEOUT_MS = 30_000
JUPYTER_START_SECONDS = 60


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    from matchkit.etl import run_etl

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'plots.db'}"
    summary = run_etl(data_dir=str(DATA_DIR), match_ids=list(MATCH_IDS), database_url=url,
                      batch_size=len(MATCH_IDS), max_workers=2, progress=False)
    assert summary.matches_failed == 0, summary.failures
    return url


@pytest.fixture(scope="module")
def stored_plots(database) -> dict[int, list[str]]:
    from matchkit.storage import Store

    store = Store(database)
    try:
        return {match_id: store.list_plots(match_id) for match_id in MATCH_IDS}
    finally:
        store.dispose()


@pytest.fixture(scope="module")
def report_dir(database, tmp_path_factory) -> Path:
    from matchkit.cli import main

    out = tmp_path_factory.mktemp("reports") / "matches"
    assert main(["report", "--database-url", database, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}; run 'make browser' (Debian's chromium package) "
                    "or set MATCHKIT_CHROMIUM to the browser's path")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1200, "height": 900},
        )
        yield context
        context.close()


class PageLog:
    """Console errors, uncaught exceptions and requests that left the allowed URL prefixes."""

    def __init__(self, page, allowed_prefixes: tuple[str, ...]):
        self.errors: list[str] = []
        self.outside_requests: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

        def route(request_route):
            url = request_route.request.url
            if url.startswith(allowed_prefixes):
                request_route.continue_()
            else:
                self.outside_requests.append(url)
                request_route.abort()

        page.route("**/*", route)


def _visible_rows(page) -> int:
    return page.locator("tbody tr:not([hidden])").count()


def test_index_lists_every_match(report_dir, browser):
    page = browser.new_page()
    log = PageLog(page, ("file://",))
    page.goto((report_dir / "index.html").as_uri())

    rows = page.locator("tbody tr")
    assert rows.count() == len(MATCH_IDS)
    for match_id in MATCH_IDS:
        assert page.locator(f"a[href='match-{match_id}.html']").count() == 3
    assert page.locator("#count").inner_text() == "3 of 3 matches"

    page.select_option("#team", "Croatia")
    assert _visible_rows(page) == 2
    page.select_option("#team", "")
    page.select_option("#competition", "UEFA Euro")
    assert _visible_rows(page) == 1
    assert page.locator("#season option").all_inner_texts() == ["All", "2020"]
    assert "Data: StatsBomb" in page.locator("footer").inner_text()

    page.screenshot(path=str(ARTIFACTS / "report-index.png"))
    assert log.errors == []
    assert log.outside_requests == []
    page.close()


@pytest.mark.parametrize("match_id", MATCH_IDS)
def test_match_page_draws_every_stored_plot(report_dir, browser, stored_plots, match_id):
    entry = match_entries()[match_id]
    page = browser.new_page()
    log = PageLog(page, ("file://",))
    page.goto((report_dir / f"match-{match_id}.html").as_uri())

    expected = len(stored_plots[match_id])
    page.wait_for_function(
        "count => document.querySelectorAll('div.plot .main-svg').length > 0 && "
        "Array.from(document.querySelectorAll('div.plot')).every(div => div.querySelector('.main-svg'))",
        arg=expected, timeout=PLOT_TIMEOUT_MS,
    )
    assert page.locator("div.plot").count() == expected
    assert page.locator("div.plot.js-plotly-plot").count() == expected
    assert page.locator("h1").inner_text().startswith(entry["home_team"]["home_team_name"])
    assert "Data: StatsBomb" in page.locator("footer").inner_text()

    page.screenshot(path=str(ARTIFACTS / f"report-match-{match_id}.png"))
    assert log.errors == []
    assert log.outside_requests == []
    page.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_server(url: str, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + JUPYTER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with status {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer at {url} within {JUPYTER_START_SECONDS} s:\n{log_path.read_text()[-3000:]}")


@pytest.fixture
def jupyterlab(database, tmp_path):
    """Start JupyterLab on 127.0.0.1 with a copy of explore.ipynb whose parameters point at the test database."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    root = tmp_path / "root"
    root.mkdir()
    notebook = load_notebook_node(str(REPO / "notebooks" / "explore.ipynb"))
    notebook = parameterize_notebook(notebook, {"database_url": database, "data_dir": str(DATA_DIR)})
    nbformat.write(notebook, root / "explore.ipynb")

    port, token = _free_port(), secrets.token_hex(16)
    jupyter_home = tmp_path / "jupyter"
    # Without this setting JupyterLab shows a pop-up that offers to fetch news from jupyter.org.
    notification_settings = jupyter_home / "settings" / "@jupyterlab" / "apputils-extension"
    notification_settings.mkdir(parents=True)
    (notification_settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    environment = {**os.environ, "JUPYTER_CONFIG_DIR": str(jupyter_home / "config"),
                   "JUPYTER_RUNTIME_DIR": str(jupyter_home / "runtime"), "IPYTHONDIR": str(jupyter_home / "ipython")}
    log_path = tmp_path / "jupyterlab.log"
    with log_path.open("wb") as server_log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={jupyter_home / 'settings'}",
             f"--LabApp.workspaces_dir={jupyter_home / 'workspaces'}", "--LabApp.news_url=None",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
             "--LabApp.extension_manager=readonly", *(["--allow-root"] if os.geteuid() == 0 else [])],
            cwd=root, env=environment, stdout=server_log, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(f"{base_url}/api/status?token={token}", server, log_path)
        yield base_url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_explorer_notebook_draws_plot_in_jupyterlab(jupyterlab, browser, stored_plots):
    base_url, token = jupyterlab
    page = browser.new_page()
    log = PageLog(page, (base_url, "data:", "blob:"))
    page.goto(f"{base_url}/lab/tree/explore.ipynb?token={token}")

    # Running cells before the kernel is connected opens a "Select Kernel" dialog instead.
    kernel_status = page.locator(".jp-StatusBar-TextItem[title^='Change kernel']")
    expect(kernel_status).to_have_text(re.compile(r"\| Idle$"), timeout=JUPYTER_START_SECONDS * 1000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator("li.lm-Menu-item[data-command='runmenu:run-all']").click()

    explorer = page.locator(".jp-OutputArea-output .widget-vbox").first
    match_select = explorer.locator(".widget-dropdown", has=page.locator("label", has_text="Match")).locator("select")
    match_select.wait_for(timeout=PLOT_TIMEOUT_MS)
    explorer.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=PLOT_TIMEOUT_MS)

    # Matches of FIFA World Cup 2018 by date: 7581 (Croatia v Denmark), then 8652 (Russia v Croatia).
    match_select.select_option(index=1)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.jp-OutputArea-output .js-plotly-plot .gtitle'))"
        ".some(title => title.textContent.includes('Russia'))",
        timeout=PLOT_TIMEOUT_MS,
    )
    assert explorer.locator(".js-plotly-plot").count() == 1

    # Preview draws the selected plot again from the source, beside the stored one.
    explorer.locator("button", has_text="Preview").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-OutputArea-output .js-plotly-plot .main-svg').length > 0 && "
        "document.querySelectorAll('.jp-OutputArea-output .widget-hbox .js-plotly-plot').length === 2",
        timeout=PLOT_TIMEOUT_MS,
    )
    assert stored_plots[8652]

    explorer.screenshot(path=str(ARTIFACTS / "explorer.png"))
    assert page.get_by_text("Error displaying widget").count() == 0
    assert log.outside_requests == []
    page.close()
