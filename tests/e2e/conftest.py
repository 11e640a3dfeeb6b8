"""Fixtures for the browser tests: one JupyterLab and one Chromium page for the whole run.

These tests start a server and a browser, so plain ``make test`` does not even collect them:
``make e2e`` sets MICROGRAD_PLUS_E2E=1 and selects ``-m e2e``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

if os.environ.get("MICROGRAD_PLUS_E2E") != "1":
    collect_ignore_glob = ["test_*.py"]

HERE = Path(__file__).parent
SCREENSHOTS = HERE.parents[1] / "e2e-screenshots"


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    from .lab import jupyter_lab

    with jupyter_lab(tmp_path_factory.mktemp("lab"),
                     [HERE / "widgets.ipynb", HERE / "fit.ipynb", HERE / "dashboard.ipynb",
                      HERE / "dashboard_clicks.ipynb"]) as server:
        yield server


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the run: its sync API cannot be started twice in one thread."""
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is missing: pip install -e '.[e2e]'")
    from .lab import check_chromium

    check_chromium()
    with playwright_api.sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser_context(playwright, tmp_path_factory):
    from .lab import CHROMIUM, CHROMIUM_FLAGS

    context = playwright.chromium.launch_persistent_context(
        str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM),
        headless=True, args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000})
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_failed = report.failed
    return report


@pytest.fixture(autouse=True)
def screenshot_on_failure(request, screenshots):
    """A failing browser test leaves a picture of the page: failed-<test name>.png."""
    yield
    if getattr(request.node, "call_failed", False) and "notebook" in request.fixturenames:
        page = request.getfixturevalue("notebook")
        page.screenshot(path=str(screenshots / f"failed-{request.node.name}.png"), full_page=True)
