"""The widgets in the classic Notebook 6.5 with ipywidgets 7.7 (Colab's widget front end).

``make e2e`` runs this file in the Colab-version environment (.venv-colab); anywhere else it
skips. Screenshots land in e2e-screenshots/classic-*.png; look at them.
"""

from __future__ import annotations

import pytest

ipywidgets = pytest.importorskip("ipywidgets")
notebook_package = pytest.importorskip("notebook")
if not (ipywidgets.__version__.startswith("7.") and notebook_package.__version__.startswith("6.")):
    pytest.skip("runs in the Colab-version environment (ipywidgets 7, Notebook 6): make e2e "
                "runs it there", allow_module_level=True)

from .browser import UPDATE_TIMEOUT_MS, set_slider  # noqa: E402
from .browser import widget as browser_widget  # noqa: E402
from .classic import classic_notebook, open_and_run_all  # noqa: E402
from .conftest import HERE  # noqa: E402
from .test_jupyterlab import HIGHLIGHTED  # noqa: E402

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def notebook(browser_context, screenshots, tmp_path_factory):
    """The e2e notebook, opened in the classic Notebook and run top to bottom once."""
    with classic_notebook(tmp_path_factory.mktemp("classic"), [HERE / "widgets.ipynb"]) as server:
        page = browser_context.new_page()
        errors = open_and_run_all(page, server.notebook_url("widgets.ipynb"))
        page.screenshot(path=str(screenshots / "classic-00-after-run-all.png"), full_page=True)
        assert not errors, "cells raised errors in the classic Notebook:\n" + "\n---\n".join(errors)
        yield page
        page.close()


def widget(page, css_class: str):
    return browser_widget(page, css_class, "the classic Notebook", "classic-00-after-run-all.png")


def test_every_widget_is_drawn_live_not_as_text(notebook):
    for css_class in ("mgp-stepper", "mgp-descent", "mgp-neuron", "mgp-dashboard"):
        widget(notebook, css_class)
    shown = "\n".join(notebook.locator(".output_area").all_inner_texts())
    assert "Error displaying widget" not in shown
    # the text/plain stand-in ("BackpropStepper: ...") shows only where no widget is drawn
    assert "VBox(" not in shown and "BackpropStepper" not in shown


def test_stepper_next_moves_the_highlighted_node(notebook, screenshots):
    stepper = widget(notebook, "mgp-stepper")
    graph = stepper.locator(".mgp-stepper-graph")
    status = stepper.locator(".mgp-stepper-status")
    seen = []
    for k in range(1, 4):
        stepper.locator("button.mgp-next").click()
        notebook.wait_for_function(
            "([element, k]) => element.innerText.includes(`step ${k} of`)",
            arg=[status.element_handle(), k], timeout=UPDATE_TIMEOUT_MS)
        seen.append(graph.evaluate(HIGHLIGHTED))
    stepper.screenshot(path=str(screenshots / "classic-stepper-step3.png"))
    assert all(seen) and len(set(seen)) == 3, f"each step should highlight another node: {seen}"


def test_neuron_slider_changes_the_output(notebook, screenshots):
    playground = widget(notebook, "mgp-neuron")
    output = playground.locator(".mgp-neuron-output")
    before = output.inner_text()
    playground.scroll_into_view_if_needed()
    set_slider(playground.locator(".mgp-w0"), 1.0)
    notebook.wait_for_function("([element, text]) => element.innerText !== text",
                               arg=[output.element_handle(), before], timeout=UPDATE_TIMEOUT_MS)
    assert "output = 1.0000" in output.inner_text(), output.inner_text()  # tanh(2*1 + 6.88)
    playground.screenshot(path=str(screenshots / "classic-neuron-after.png"))


def test_descent_learning_rate_slider_diverges(notebook, screenshots):
    explorer = widget(notebook, "mgp-descent")
    status = explorer.locator(".mgp-descent-status")
    before = status.inner_text()
    explorer.scroll_into_view_if_needed()
    set_slider(explorer.locator(".widget-slider").first, 1.2)
    notebook.wait_for_function("([element, text]) => element.innerText !== text",
                               arg=[status.element_handle(), before], timeout=UPDATE_TIMEOUT_MS)
    assert "Diverges" in status.inner_text(), status.inner_text()
    explorer.screenshot(path=str(screenshots / "classic-descent-diverging.png"))


def run_classic_cell(page, code: str, mark: str) -> str:
    """Add a cell at the bottom, run it, return the output it printed that holds ``mark``."""
    outputs = page.locator(".output_area", has_text=mark)
    before = outputs.count()
    page.evaluate("""(code) => {
        const cell = Jupyter.notebook.insert_cell_at_bottom('code');
        cell.set_text(code);
        cell.execute();
    }""", code)
    page.wait_for_function("([mark, before]) => [...document.querySelectorAll('.output_area')]"
                           ".filter(e => e.innerText.includes(mark)).length > before",
                           arg=[mark, before], timeout=UPDATE_TIMEOUT_MS)
    return outputs.nth(before).inner_text()


def test_dashboard_clicks_add_points_that_it_trains_on(browser_context, screenshots,
                                                       tmp_path_factory):
    """Colab's widget front end: the clickable picture (an anywidget) works with ipywidgets 7."""
    from .test_dashboard import clicks_train

    with classic_notebook(tmp_path_factory.mktemp("classic-clicks"),
                          [HERE / "dashboard_clicks.ipynb"]) as server:
        page = browser_context.new_page()
        page.set_viewport_size({"width": 1280, "height": 720})
        try:
            errors = open_and_run_all(page, server.notebook_url("dashboard_clicks.ipynb"))
            assert not errors, "cells raised errors:\n" + "\n---\n".join(errors)
            dashboard = widget(page, "mgp-dashboard")
            figures = clicks_train(page, dashboard,
                                   lambda code, mark: run_classic_cell(page, code, mark),
                                   screenshots, "classic-dashboard-clicks")
            latencies = figures["latencies"]
            print(f"\nclassic Notebook: click to new picture {latencies[len(latencies) // 2]:.0f} "
                  f"ms median (slowest {latencies[-1]:.0f} ms), scale {figures['scale']:.2f}")
        finally:
            page.close()
