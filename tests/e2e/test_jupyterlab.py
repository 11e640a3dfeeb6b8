"""The widgets in a real JupyterLab in Chromium: run the notebook, click, slide, screenshot.

Run with ``make e2e``. Screenshots land in e2e-screenshots/ at the repository root; look at them.
"""

from __future__ import annotations

import re

import pytest

from .browser import UPDATE_TIMEOUT_MS, open_notebook, run_all_cells, set_slider, widget

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def notebook(lab_server, browser_context, screenshots):
    """The e2e notebook, opened and run top to bottom once for all the tests below."""
    page = browser_context.new_page()
    open_notebook(page, lab_server.notebook_url("widgets.ipynb"))
    errors = run_all_cells(page)
    page.screenshot(path=str(screenshots / "00-after-run-all.png"), full_page=True)
    assert not errors, "cells raised errors in JupyterLab:\n" + "\n---\n".join(errors)
    yield page
    page.close()


HIGHLIGHTED = """(graph) => [...graph.querySelectorAll('g.node')]
    .filter(node => {
        const shape = node.querySelector('polygon, ellipse');
        return shape && !['black', 'none'].includes(shape.getAttribute('stroke'));
    })
    .map(node => node.querySelector('title').textContent)
    .join(',')"""


def test_backprop_stepper_next_moves_the_highlighted_node(notebook, screenshots):
    stepper = widget(notebook, "mgp-stepper")
    graph = stepper.locator(".mgp-stepper-graph")
    status = stepper.locator(".mgp-stepper-status")
    next_button = stepper.locator("button.mgp-next")
    assert graph.evaluate(HIGHLIGHTED) == "", "step 0 should highlight no node"
    seen = []
    for k in range(1, 5):
        next_button.click()
        notebook.wait_for_function(
            "([element, k]) => element.innerText.includes(`step ${k} of`)",
            arg=[status.element_handle(), k], timeout=UPDATE_TIMEOUT_MS)
        seen.append(graph.evaluate(HIGHLIGHTED))
        stepper.screenshot(path=str(screenshots / f"stepper-step{k}.png"))
    assert all(seen), f"some step highlighted no node: {seen}"
    assert seen[2] != seen[3], f"steps 3 and 4 should highlight different nodes, got {seen}"
    assert "dL/db = dL/dc * dc/db" in stepper.locator(".mgp-stepper-sentence").inner_text()


def test_gradient_descent_explorer_learning_rate_slider(notebook, screenshots):
    explorer = widget(notebook, "mgp-descent")
    status = explorer.locator(".mgp-descent-status")
    before = status.inner_text()
    explorer.screenshot(path=str(screenshots / "descent-before.png"))
    set_slider(explorer.locator(".widget-slider").first, 1.2)
    notebook.wait_for_function(
        "([element, text]) => element.innerText !== text",
        arg=[status.element_handle(), before], timeout=UPDATE_TIMEOUT_MS)
    assert "Diverges" in status.inner_text(), (
        f"learning rate 1.2 on the bowl should diverge; status reads {status.inner_text()!r}")
    explorer.scroll_into_view_if_needed()
    explorer.screenshot(path=str(screenshots / "descent-diverging.png"))


def test_neuron_playground_weight_slider_changes_the_output(notebook, screenshots):
    playground = widget(notebook, "mgp-neuron")
    output = playground.locator(".mgp-neuron-output")  # the widget; its inner HTML is replaced
    before = output.inner_text()
    playground.scroll_into_view_if_needed()
    playground.screenshot(path=str(screenshots / "neuron-before.png"))
    set_slider(playground.locator(".mgp-w0"), 1.0)
    notebook.wait_for_function("([element, text]) => element.innerText !== text",
                               arg=[output.element_handle(), before], timeout=UPDATE_TIMEOUT_MS)
    # x0 = 2, w0 = 1, x1 = 0, b = 6.88: out = tanh(8.88)
    assert "output = 1.0000" in output.inner_text(), output.inner_text()
    playground.screenshot(path=str(screenshots / "neuron-after.png"))


def epoch_shown(status) -> int:
    match = re.search(r"epoch (\d+)", status.inner_text())
    return int(match.group(1)) if match else -1


def test_training_dashboard_trains_live_without_freezing_the_notebook(notebook, screenshots):
    dashboard = widget(notebook, "mgp-dashboard")
    status = dashboard.locator(".mgp-dashboard-status")
    outputs_before = notebook.locator(".jp-OutputArea-child").count()
    dashboard.scroll_into_view_if_needed()
    dashboard.locator("button.mgp-play").click()
    try:
        notebook.wait_for_function(
            "(element) => /epoch (\\d+)/.test(element.innerText) && "
            "Number(element.innerText.match(/epoch (\\d+)/)[1]) >= 3",
            arg=status.element_handle(), timeout=UPDATE_TIMEOUT_MS * 2)
        first_seen = epoch_shown(status)
        # While it trains, another widget still answers: the kernel is not blocked.
        stepper = notebook.locator(".mgp-stepper")
        stepper.locator("button.mgp-first").click()
        notebook.wait_for_function(
            "(element) => element.innerText.includes('step 0 of')",
            arg=stepper.locator(".mgp-stepper-status").element_handle(),
            timeout=UPDATE_TIMEOUT_MS)
        # JupyterLab draws only the cells near the view: back to the dashboard, so that its
        # status is on the page again.
        dashboard.scroll_into_view_if_needed()
        notebook.wait_for_function(
            "([element, epoch]) => Number((element.innerText.match(/epoch (\\d+)/) || [0, -1])[1]) > epoch",
            arg=[status.element_handle(), first_seen], timeout=UPDATE_TIMEOUT_MS)
        dashboard.screenshot(path=str(screenshots / "dashboard-playing.png"))
    finally:
        dashboard.locator("button.mgp-pause").click()
    notebook.wait_for_function("(element) => !element.disabled",
                               arg=dashboard.locator("button.mgp-play").element_handle(),
                               timeout=UPDATE_TIMEOUT_MS)
    assert notebook.locator(".jp-OutputArea-child").count() == outputs_before, \
        "training added outputs to the notebook instead of updating the picture in place"
    dashboard.screenshot(path=str(screenshots / "dashboard-paused.png"))
