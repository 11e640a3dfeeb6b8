"""What a person does in JupyterLab, as Playwright steps: open a notebook, run all, set a slider."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

RUN_ALL_TIMEOUT_MS = 240_000   # every cell, on a busy 2-core CI machine
UPDATE_TIMEOUT_MS = 30_000     # one widget round trip: browser -> kernel -> redraw -> browser

KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle';
}"""

ALL_CELLS_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""


def open_notebook(page, url: str) -> None:
    """Load ``url`` and wait until the notebook's kernel is started and idle."""
    page.goto(url, timeout=120_000)
    page.wait_for_selector(".jp-Notebook", timeout=120_000)
    page.wait_for_function(KERNEL_IDLE, timeout=120_000)


def run_all_cells(page) -> list[str]:
    """Run every cell, wait until each has an execution count, return the error texts shown."""
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(ALL_CELLS_RAN, timeout=RUN_ALL_TIMEOUT_MS)
    page.wait_for_function(KERNEL_IDLE, timeout=RUN_ALL_TIMEOUT_MS)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    return [text for text in errors.all_inner_texts() if "Error" in text or "Traceback" in text]


def run_new_cell(page, code: str) -> None:
    """Add a cell with ``code`` at the end of the open notebook (JupyterLab, Notebook 7 or the
    browser site) and run it."""
    page.evaluate("""(code) => {
        const notebook = window.jupyterapp.shell.currentWidget.content;
        notebook.activeCellIndex = notebook.widgets.length - 1;
        return window.jupyterapp.commands.execute('notebook:insert-cell-below').then(() => {
            notebook.activeCell.model.sharedModel.setSource(code);
            return window.jupyterapp.commands.execute('notebook:run-cell');
        });
    }""", code)


def set_slider(slider, value: float) -> None:
    """Type ``value`` into an ipywidgets slider's readout, as a person can, and press Enter."""
    readout = slider.locator(".widget-readout")
    readout.click()
    readout.press("Control+A")
    readout.press_sequentially(str(value))
    readout.press("Enter")


def widget(page, css_class: str, front_end: str = "JupyterLab",
           screenshot: str = "00-after-run-all.png"):
    """The rendered widget with this class; fails clearly when the front end drew no widget."""
    located = page.locator(f".{css_class}")
    try:
        located.first.wait_for(state="visible", timeout=UPDATE_TIMEOUT_MS)
    except PlaywrightTimeout:
        pytest.fail(f"no .{css_class} widget appeared in {front_end}; is its widget front end "
                    f"installed? See e2e-screenshots/{screenshot}")
    assert located.count() == 1, f"expected one .{css_class} widget, found {located.count()}"
    return located
