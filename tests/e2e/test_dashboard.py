"""The training dashboard in JupyterLab at 1366x900 and 1280x720: how many new pictures a
second the browser shows while it trains on the spirals, and whether it fits the screen. Then,
in JupyterLab and Notebook 7 (and, from test_classic_notebook.py, the classic Notebook with
ipywidgets 7): points clicked onto the plot land where the click was, also when the browser
shows the picture smaller, and training takes them in, clicked before play or while playing.

The figures are printed (``pytest -s``); screenshots land in e2e-screenshots/dashboard-*.png.
"""

from __future__ import annotations

import json

import pytest

from micrograd_plus.widgets import _dashboard_picture as picture
from micrograd_plus.widgets.dashboard import OWN_PLANE

from .browser import UPDATE_TIMEOUT_MS, open_notebook, run_all_cells, run_new_cell, widget

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


def open_dashboard(page, url: str, screen: tuple[int, int]):
    """Open the notebook at ``url`` on a ``screen``-sized page, run it, check that its
    dashboard fits the output area and the screen; returns the dashboard and its size."""
    width, height = screen
    page.set_viewport_size({"width": width, "height": height})
    open_notebook(page, url)
    errors = run_all_cells(page)
    assert not errors, "cells raised errors:\n" + "\n---\n".join(errors)
    dashboard = widget(page, "mgp-dashboard")
    dashboard.scroll_into_view_if_needed()
    box = dashboard.bounding_box()
    area = page.locator(".jp-OutputArea-output", has=dashboard).bounding_box()
    assert box["x"] + box["width"] <= area["x"] + area["width"] + 1, "wider than the output area"
    # The notebook panel under JupyterLab's menu and tab bar is the screen height less ~120 px.
    assert box["height"] <= height - 120, f"{box['height']:.0f} px tall: taller than the notebook panel"
    return dashboard, box, area


@pytest.mark.parametrize("screen", SCREENS, ids=lambda size: f"{size[0]}x{size[1]}")
def test_dashboard_redraws_live_and_fits_the_screen(screen, lab_server, browser_context,
                                                    screenshots):
    width, height = screen
    page = browser_context.new_page()
    try:
        dashboard, box, area = open_dashboard(page, lab_server.notebook_url("dashboard.ipynb"),
                                              screen)
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
        assert redraws >= LEAST_REDRAWS_PER_SECOND * SECONDS, (
            f"{redraws} new pictures in {SECONDS} s of training")
    finally:
        page.close()


# --- clicking points onto the plot --------------------------------------------------------------

# (class, (x, y) in the picture's own pixels): four of each class on either side of the plane.
CLICKS = [(0, (80.0, 120.0)), (0, (100.5, 220.0)), (0, (60.0, 300.25)), (0, (130.0, 170.0)),
          (1, (260.0, 110.0)), (1, (300.0, 230.5)), (1, (240.75, 320.0)), (1, (320.0, 160.0))]
WHILE_PLAYING = (1, (200.0, 60.0))
SCALED = (0, (90.0, 360.0))  # clicked with the picture shown smaller than it is
NARROW_SCREEN = (760, 720)
MARK = "MGP-POINTS"
REPORT = f"""import json
print({MARK!r}, json.dumps({{'added': dashboard._added, 'epoch': dashboard.epoch,
       'train': len(dashboard.X_train), 'val': len(dashboard.X_val),
       'playing': dashboard.is_playing}}))"""

# The time of the picture's last new src, for the click-to-redraw latency.
WATCH_PICTURE = """(img) => {
    window.mgpPictureAt = 0;
    new MutationObserver(() => { window.mgpPictureAt = performance.now(); })
        .observe(img, {attributes: true, attributeFilter: ['src']});
}"""


def expected_point(x: float, y: float) -> tuple[float, float]:
    """Where a click at (x, y) of the picture must add a point on the 'your own' plane."""
    return picture.point_at(picture.Plane(OWN_PLANE), x, y)


def click_picture(page, dashboard, x: float, y: float) -> float:
    """Click the dashboard's picture at (x, y) of its own pixels, however large the browser
    shows it; returns the time the click was sent (the page's clock, ms) and checks the scale."""
    img = dashboard.locator("img.mgp-clickable-img")
    img.scroll_into_view_if_needed()
    box = img.bounding_box()
    natural_width, natural_height = img.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    sent = page.evaluate("() => performance.now()")
    page.mouse.click(box["x"] + x * box["width"] / natural_width,
                     box["y"] + y * box["height"] / natural_height)
    return sent


def wait_for_new_picture(page, since: float) -> float:
    page.wait_for_function("(since) => window.mgpPictureAt > since", arg=since,
                           timeout=UPDATE_TIMEOUT_MS)
    return page.evaluate("() => window.mgpPictureAt") - since


def check_points(added: list, clicks: list, scale: float) -> None:
    """The points the kernel added are the clicked ones, each within one screen pixel."""
    plane = picture.Plane(OWN_PLANE)
    one_screen_pixel = (plane.high - plane.low) / picture.BOUNDARY_SIZE / scale
    assert [label for _, label in added] == [label for label, _ in clicks]
    for (point, _), (_, (x, y)) in zip(added, clicks):
        error = abs(point[0] - expected_point(x, y)[0]), abs(point[1] - expected_point(x, y)[1])
        assert error[0] <= one_screen_pixel[0] and error[1] <= one_screen_pixel[1], (
            f"a click at picture pixel ({x}, {y}) added {point}, expected "
            f"{expected_point(x, y)} within {one_screen_pixel}")


def clicks_train(page, dashboard, run_cell, screenshots, name: str) -> dict:
    """What a learner does: pick a class, click points of it, the other class, play, click
    one more while it plays, pause, clear. Checks each step; returns the figures measured."""
    def report() -> dict:
        shown = run_cell(REPORT, MARK)
        return json.loads(shown.split(MARK, 1)[1])

    status = dashboard.locator(".mgp-dashboard-status")
    dashboard.locator(".mgp-dashboard-picture img").evaluate(WATCH_PICTURE)
    latencies = []
    for k, (label, (x, y)) in enumerate(CLICKS):
        if k == 0 or label != CLICKS[k - 1][0]:
            dashboard.locator(f"button.mgp-class-{label}").click()
        latencies.append(wait_for_new_picture(page, click_picture(page, dashboard, x, y)))
    page.wait_for_function("(element) => element.innerText.includes("
                           "'epoch 0: 6 training and 2 validation points')",
                           arg=status.element_handle(), timeout=UPDATE_TIMEOUT_MS)
    scale = dashboard.locator("img.mgp-clickable-img").evaluate(
        "img => img.getBoundingClientRect().width / img.naturalWidth")
    state = report()
    check_points(state["added"], CLICKS, scale)
    dashboard.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / f"{name}-clicked.png"))

    dashboard.locator("button.mgp-play").click()
    page.wait_for_function("(element) => element.innerText.includes('accuracy train 100%')",
                           arg=status.element_handle(), timeout=UPDATE_TIMEOUT_MS)
    label, (x, y) = WHILE_PLAYING
    dashboard.locator(f"button.mgp-class-{label}").click()
    click_picture(page, dashboard, x, y)
    added_at = None
    for _ in range(60):  # until the kernel has the point, and has trained on it since
        state = report()
        if len(state["added"]) == len(CLICKS) + 1:
            added_at = added_at if added_at is not None else state["epoch"]
            if state["epoch"] >= added_at + 5:
                break
        page.wait_for_timeout(250)
    assert added_at is not None, "a click while playing added no point"
    assert state["playing"] and state["train"] == 7, state  # class 1's 5th point trains
    check_points(state["added"], [*CLICKS, WHILE_PLAYING], scale)
    dashboard.screenshot(path=str(screenshots / f"{name}-playing.png"))
    dashboard.locator("button.mgp-pause").click()
    page.wait_for_function("(element) => !element.disabled",
                           arg=dashboard.locator("button.mgp-play").element_handle(),
                           timeout=UPDATE_TIMEOUT_MS)

    since = page.evaluate("() => performance.now()")
    dashboard.locator("button.mgp-clear").click()
    wait_for_new_picture(page, since)
    state = report()
    assert state["added"] == [] and state["train"] == state["val"] == 0, state
    return {"latencies": sorted(latencies), "scale": scale,
            "epochs_after_click": state["epoch"] - added_at}


def run_lab_cell(page, code: str, mark: str) -> str:
    """Add a cell at the end of the open notebook (JupyterLab or Notebook 7), run it, return
    the text it printed on the line starting with ``mark``."""
    before = page.locator(".jp-OutputArea-output", has_text=mark).count()
    run_new_cell(page, code)
    shown = page.locator(".jp-OutputArea-output", has_text=mark)
    page.wait_for_function("([selector, mark, before]) => [...document.querySelectorAll(selector)]"
                           ".filter(e => e.innerText.includes(mark)).length > before",
                           arg=[".jp-OutputArea-output", mark, before], timeout=UPDATE_TIMEOUT_MS)
    return shown.nth(before).inner_text()


@pytest.fixture(scope="module", params=["jupyterlab", "notebook"],
                ids=["JupyterLab", "Notebook 7"])
def clicks_server(request, lab_server, tmp_path_factory):
    if request.param == "jupyterlab":
        yield lab_server
        return
    from .conftest import HERE
    from .lab import jupyter_lab

    with jupyter_lab(tmp_path_factory.mktemp("notebook7"), [HERE / "dashboard_clicks.ipynb"],
                     app="notebook") as server:
        yield server


@pytest.mark.parametrize("screen", SCREENS, ids=lambda size: f"{size[0]}x{size[1]}")
def test_dashboard_clicks_add_points_that_it_trains_on(screen, clicks_server, browser_context,
                                                       screenshots):
    width, height = screen
    front_end = "lab" if clicks_server.notebook_path == "lab/tree" else "notebook7"
    name = f"dashboard-clicks-{front_end}-{width}x{height}"
    page = browser_context.new_page()
    try:
        dashboard, _, _ = open_dashboard(
            page, clicks_server.notebook_url("dashboard_clicks.ipynb"), screen)
        figures = clicks_train(page, dashboard, lambda code, mark: run_lab_cell(page, code, mark),
                               screenshots, name)

        # A narrower window shows the picture smaller: a click still lands where it was made.
        page.set_viewport_size({"width": NARROW_SCREEN[0], "height": NARROW_SCREEN[1]})
        page.wait_for_timeout(500)
        label, (x, y) = SCALED
        dashboard.locator(f"button.mgp-class-{label}").click()
        scale = dashboard.locator("img.mgp-clickable-img").evaluate(
            "img => img.getBoundingClientRect().width / img.naturalWidth")
        assert scale < 0.95, f"the picture is not shown smaller ({scale:.2f})"
        wait_for_new_picture(page, click_picture(page, dashboard, x, y))
        shown = run_lab_cell(page, REPORT, MARK)
        check_points(json.loads(shown.split(MARK, 1)[1])["added"], [SCALED], scale)
        dashboard.screenshot(path=str(screenshots / f"{name}-narrow.png"))
        latencies = figures["latencies"]
        print(f"\n{name}: click to new picture {latencies[len(latencies) // 2]:.0f} ms median "
              f"(slowest {latencies[-1]:.0f} ms) over {len(latencies)} clicks at scale "
              f"{figures['scale']:.2f}; {figures['epochs_after_click']} epochs trained after the "
              f"click while playing; narrow window scale {scale:.2f}")
    finally:
        page.close()
