"""A lesson run, saved and opened again later shows each widget's last picture, in JupyterLab
and in Notebook 7, never "Error displaying widget: model not found".

The notebook with the four widgets is run here (as a learner's kernel would run it), saved
through the server's contents API (the call the front end makes on save), and opened in Chromium
with no kernel holding its widgets, as after closing and reopening Jupyter.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from micrograd_plus.saved import WIDGET_VIEW

pytestmark = pytest.mark.e2e

HERE = Path(__file__).parent
WIDGETS = 4  # stepper, descent explorer, neuron playground, dashboard
RENDER_WAIT_MS = 8_000  # long enough for a widget view to fail and say so


@pytest.fixture(scope="module")
def run_notebook() -> dict:
    """tests/e2e/widgets.ipynb run top to bottom: every widget output has its view."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(HERE / "widgets.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(HERE)}}).execute()
    views = [output for cell in notebook.cells for output in cell.get("outputs", [])
             if WIDGET_VIEW in output.get("data", {})]
    assert len(views) >= WIDGETS, f"the run made {len(views)} widget views"
    return nbformat.from_dict(notebook)


@pytest.fixture(scope="module", params=["jupyterlab", "notebook"])
def server(request, tmp_path_factory):
    from .lab import jupyter_lab

    with jupyter_lab(tmp_path_factory.mktemp(request.param), [], app=request.param) as running:
        yield running


def _save(server, name: str, notebook: dict) -> None:
    """Save ``notebook`` as ``name`` the way a front end does: PUT /api/contents/NAME, each code
    cell marked trusted (the learner ran it), so the server signs the file and its HTML shows."""
    notebook = json.loads(json.dumps(notebook))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["metadata"]["trusted"] = True
    body = json.dumps({"type": "notebook", "format": "json", "content": notebook}).encode()
    request = urllib.request.Request(f"{server.url}/api/contents/{name}?token={server.token}",
                                     data=body, method="PUT",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status in (200, 201)


def test_reopened_lesson_shows_widget_pictures(server, run_notebook, browser_context,
                                               screenshots):
    app = server.notebook_path.split("/")[0]
    _save(server, "reopened.ipynb", run_notebook)
    saved = json.loads((server.root / "reopened.ipynb").read_text())
    assert not [output for cell in saved["cells"] for output in cell.get("outputs", [])
                if WIDGET_VIEW in output.get("data", {})], "the saved file kept widget views"

    page = browser_context.new_page()
    try:
        page.goto(server.notebook_url("reopened.ipynb"), timeout=120_000)
        page.wait_for_selector(".jp-OutputArea-output", timeout=120_000)
        page.wait_for_timeout(RENDER_WAIT_MS)
        page.screenshot(path=str(screenshots / f"reopened-{app}.png"))
        text = page.locator(".jp-Notebook").inner_text()
        assert "Error displaying widget" not in text and "model not found" not in text
        pictures = page.locator(".jp-OutputArea-output img, .jp-OutputArea-output svg")
        assert pictures.count() >= WIDGETS, (
            f"{pictures.count()} pictures shown for {WIDGETS} widgets in {app}")
    finally:
        page.close()
