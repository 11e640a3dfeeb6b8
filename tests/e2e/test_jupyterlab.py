"""The widgets in a real JupyterLab in Chromium: run the notebook, click, slide, screenshot.

Run with ``make e2e``. Screenshots land in e2e-screenshots/ at the repository root; look at them.
"""

from __future__ import annotations

import pytest

from .browser import UPDATE_TIMEOUT_MS, open_notebook, run_all_cells, set_slider

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


def widget(page, css_class: str):
    """The rendered widget with this class; fails clearly when the front end drew no widget."""
    located = page.locator(f".{css_class}")
    located.first.wait_for(state="visible", timeout=UPDATE_TIMEOUT_MS)
    assert located.count() == 1, f"expected one .{css_class} widget, found {located.count()}"
    return located


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
