"""The training dashboard in JupyterLab at 1366x900 and 1280x720: how many new pictures a
second the browser shows while it trains on the spirals, and whether it fits the screen.

The figures are printed (``pytest -s``); screenshots land in e2e-screenshots/dashboard-*.png.
"""

from __future__ import annotations

import pytest

from .browser import UPDATE_TIMEOUT_MS, open_notebook, run_all_cells, widget

pytestmark = pytest.mark.e2e

SCREENS = [(1366, 900), (1280, 720)]
SECONDS = 6
LEAST_REDRAWS_PER_SECOND = 5

# Count the picture's changes: ipywidgets gives the <img> a new src for every new value.
WATCH = """(dashboard) => {
    const img = dashboard.querySelector('img');
    window.mgpRedraws = 0;
    new MutationObserver(() => { window.mgpRedraws += 1; })
        .observe(img, {attributes: true, attributeFilter: ['src']});
}"""


@pytest.mark.parametrize("screen", SCREENS, ids=lambda size: f"{size[0]}x{size[1]}")
def test_dashboard_redraws_live_and_fits_the_screen(screen, lab_server, browser_context,
                                                    screenshots):
    width, height = screen
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    try:
        open_notebook(page, lab_server.notebook_url("dashboard.ipynb"))
        errors = run_all_cells(page)
        assert not errors, "cells raised errors in JupyterLab:\n" + "\n---\n".join(errors)
        dashboard = widget(page, "mgp-dashboard")
        dashboard.scroll_into_view_if_needed()
        box = dashboard.bounding_box()
        area = page.locator(".jp-OutputArea-output", has=dashboard).bounding_box()
        page.screenshot(path=str(screenshots / f"dashboard-{width}x{height}-ready.png"))
        dashboard.evaluate(WATCH)
        dashboard.locator("button.mgp-play").click()
        page.wait_for_timeout(SECONDS * 1000)
        redraws = page.evaluate("() => window.mgpRedraws")
        page.screenshot(path=str(screenshots / f"dashboard-{width}x{height}-playing.png"))
        dashboard.locator("button.mgp-pause").click()
        page.wait_for_function("(element) => !element.disabled",
                               arg=dashboard.locator("button.mgp-play").element_handle(),
                               timeout=UPDATE_TIMEOUT_MS)
        print(f"\n{width}x{height}: dashboard {box['width']:.0f} x {box['height']:.0f} px in a "
              f"{area['width']:.0f} px output area, {redraws / SECONDS:.1f} redraws a second "
              f"on the spirals")
        assert box["x"] + box["width"] <= area["x"] + area["width"] + 1, "wider than the output area"
        # The notebook panel under JupyterLab's menu and tab bar is the screen height less ~120 px.
        assert box["height"] <= height - 120, f"{box['height']:.0f} px tall: taller than the notebook panel"
        assert redraws >= LEAST_REDRAWS_PER_SECOND * SECONDS, (
            f"{redraws} new pictures in {SECONDS} s of training")
    finally:
        page.close()
