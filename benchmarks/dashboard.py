"""The training dashboard in the browser: seconds from pressing play to 95% validation accuracy
on the spirals (2-8-8-1, its defaults), in JupyterLab in Chromium at 1366x900, one dashboard per
seed (the seed draws the points and the network's starting weights).

    .venv/bin/python benchmarks/dashboard.py 0 1 2 3 4

Needs the e2e extra (pip install -e '.[e2e]') and Debian's chromium, as `make e2e` does; it
reuses the browser tests' JupyterLab and Chromium set-up. A figure, not a test: it is printed.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.browser import open_notebook, run_all_cells, widget  # noqa: E402
from tests.e2e.lab import CHROMIUM, CHROMIUM_FLAGS, jupyter_lab  # noqa: E402

GOAL, GIVE_UP_SECONDS = 95, 30


def dashboard_notebook(folder: Path, seed: int) -> Path:
    cell = ("from micrograd_plus.widgets import TrainingDashboard\n"
            f"TrainingDashboard(dataset='spirals', hidden='8, 8', seed={seed})")
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "id": "dashboard",
                           "metadata": {}, "outputs": [], "source": cell}],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                            "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    path = folder / f"dashboard_seed_{seed}.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    return path


def seconds_to_goal(page, url: str) -> tuple[float | None, str]:
    """Play the dashboard at ``url``; the seconds until its status line shows >= GOAL%
    validation accuracy (None if not within GIVE_UP_SECONDS), and that status line."""
    open_notebook(page, url)
    errors = run_all_cells(page)
    if errors:
        raise RuntimeError("the dashboard's cell failed:\n" + "\n".join(errors))
    dashboard = widget(page, "mgp-dashboard")
    status = dashboard.locator(".mgp-dashboard-status")
    start = time.perf_counter()
    dashboard.locator("button.mgp-play").click()
    try:
        while time.perf_counter() - start < GIVE_UP_SECONDS:
            reached = re.search(r"validation (\d+)%", status.inner_text())
            if reached and int(reached.group(1)) >= GOAL:
                return time.perf_counter() - start, status.inner_text()
            page.wait_for_timeout(50)
        return None, status.inner_text()
    finally:
        dashboard.locator("button.mgp-pause").click()


def main(seeds: list[int]) -> None:
    folder = Path(tempfile.mkdtemp())
    notebooks = [dashboard_notebook(folder, seed) for seed in seeds]
    with jupyter_lab(Path(tempfile.mkdtemp()), notebooks) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_FLAGS)
        for seed, notebook in zip(seeds, notebooks):
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            seconds, status = seconds_to_goal(page, server.notebook_url(notebook.name))
            shown = f"{seconds:.2f} s" if seconds is not None else f"not {GOAL}% in {GIVE_UP_SECONDS} s"
            print(f"seed {seed}: {shown}  ({status})")
            page.close()
        browser.close()


if __name__ == "__main__":
    main([int(seed) for seed in sys.argv[1:]] or [0])
