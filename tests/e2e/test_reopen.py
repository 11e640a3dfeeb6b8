"""A lesson run, saved and opened again later shows each widget's last picture, in JupyterLab
and in Notebook 7, never "Error displaying widget: model not found".

Everything a learner does happens in Chromium: run all cells, click the stepper on two steps and
move an interact's slider, let autosave write the notebook, save with Ctrl+S and with File > Save
Notebook, close the notebook with File > Close and Shut Down Notebook, and open it again in a
fresh page without running anything. The file on disk and the reopened page must both hold a
picture for every widget, graph and plot: the stepper at step 2 and the plot for the slider's
new value, as they were on screen when saved.
"""

from __future__ import annotations

import base64
import html
import json
import re
import struct
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

import nbformat
import pytest

from micrograd_plus.saved import WIDGET_VIEW

from .browser import KERNEL_IDLE, UPDATE_TIMEOUT_MS, open_notebook, run_all_cells, set_slider

pytestmark = pytest.mark.e2e

LESSON = "lesson.ipynb"
SETUP = """\
import ipywidgets as widgets
import matplotlib.pyplot as plt
from micrograd_plus import Value
from micrograd_plus.viz import draw_dot, plot_line
from micrograd_plus.widgets import (BackpropStepper, GradientDescentExplorer, NeuronPlayground,
                                    TrainingDashboard)
a, b = Value(2.0, label='a'), Value(-3.0, label='b')
c = a * b; c.label = 'c'
L = (c + a).tanh(); L.label = 'L'"""
# What a lesson shows, one picture per cell: name -> the cell's code. The stepper and the graph
# are SVG, which a reopened notebook shows only when it is trusted: so they also show that the
# browser's save left the file signed.
PICTURE_CELLS = {
    "stepper": "BackpropStepper(L)",
    "graph": "L.backward()\ndraw_dot(L)",
    "playground": "NeuronPlayground()",
    "explorer": "GradientDescentExplorer()",
    "dashboard": "TrainingDashboard(dataset='moons', hidden=(6,), n=80, learning_rate=0.05)",
    "plot": ("xs = [x / 10 for x in range(-30, 31)]\n"
             "plt.plot(xs, [Value(x).tanh().data for x in xs])\n"
             "plt.title('tanh');"),
    "interact": ("widgets.interact(plot_line, slope=widgets.FloatSlider(value=0.5, min=-3.0, "
                 "max=3.0, step=0.1));"),  # as lesson 00 does
}
WIDGETS = ("stepper", "playground", "explorer", "dashboard", "interact")
MOVED_SLOPE = 2.5
SMALLEST_PICTURE = (150, 80)  # px, width x height: a picture, not an icon or a broken image
AUTOSAVE_SECONDS = 2
# Notebook 7 also saves the widget state into the notebook ("Save Jupyter widget state in
# notebooks"), as a learner may have turned on: the reopened lesson must not try to draw it.
SETTINGS = {
    "jupyterlab": {"@jupyterlab/docmanager-extension:plugin":
                   {"autosave": True, "autosaveInterval": AUTOSAVE_SECONDS}},
    "notebook": {"@jupyterlab/docmanager-extension:plugin":
                 {"autosave": True, "autosaveInterval": AUTOSAVE_SECONDS},
                 "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True}},
}
# Autosave waits 10 times as long as its last save took before it saves again, so on a busy
# machine the first autosave after the run can take a minute or more.
AUTOSAVE_TIMEOUT_S = 180
SAVE_TIMEOUT_MS = 120_000    # one save: browser -> server -> disk, on a busy machine
RENDER_TIMEOUT_MS = 60_000   # a reopened notebook's pictures on screen
# What a reopened cell's output shows, once it shows something: "picture" (a loaded <img> or an
# <svg>), "error" (the widget manager's message), "widget" (a widget drawn with no kernel).
SHOWN = """(cell) => {
    const output = cell.querySelector('.jp-OutputArea');
    if (!output) return false;
    if (/Error displaying widget|model not found/.test(output.innerText)) return 'error';
    if (output.querySelector('.jupyter-widgets')) return 'widget';
    const picture = output.querySelector('.jp-OutputArea-output img, .jp-OutputArea-output svg');
    if (!picture || (picture.tagName === 'IMG' && !(picture.complete && picture.naturalWidth)))
        return false;
    return 'picture';
}"""


def write_lesson(path: Path) -> Path:
    cells = [nbformat.v4.new_markdown_cell("# A lesson with every kind of picture"),
             nbformat.v4.new_code_cell(SETUP)]
    cells += [nbformat.v4.new_code_cell(source) for source in PICTURE_CELLS.values()]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module", params=["jupyterlab", "notebook"])
def server(request, tmp_path_factory):
    from .lab import jupyter_lab

    app = request.param
    workdir = tmp_path_factory.mktemp(app)
    with jupyter_lab(workdir, [write_lesson(workdir / LESSON)], app=app,
                     settings=SETTINGS[app]) as running:
        yield app, running


def wait_until(condition: Callable[[], object], timeout_s: float, what: str):
    """``condition()``'s first true value, asked every 0.2 s until ``timeout_s`` is over."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout_s} s for {what}")
        time.sleep(0.2)


def picture_size(data: dict) -> tuple[int, int] | None:
    """Width and height of the picture in a saved output's data: a PNG's pixels, an SVG's
    viewBox; None when it holds no picture."""
    if "image/png" in data:
        header = base64.b64decode(data["image/png"])[:24]
        return struct.unpack(">II", header[16:24])  # the IHDR chunk's width, height
    if "image/svg+xml" in data:
        svg = data["image/svg+xml"]
        svg = "".join(svg) if isinstance(svg, list) else svg
        view_box = re.search(r'viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)', svg)
        return (round(float(view_box[1])), round(float(view_box[2]))) if view_box else None
    return None


def saved_pictures(path: Path) -> dict[str, tuple[int, int]]:
    """name -> size of the picture that cell holds in the notebook file at ``path``; fails when
    the file keeps any part of a live widget (its view or the widget state)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    outputs = {name: cell.get("outputs", [])
               for name, cell in zip(PICTURE_CELLS, notebook["cells"][2:])}
    kept = [name for name, cell_outputs in outputs.items()
            if any(WIDGET_VIEW in output.get("data", {}) for output in cell_outputs)]
    assert not kept, f"{path.name} keeps the live widget view of {kept}"
    assert "widgets" not in notebook["metadata"], f"{path.name} keeps the widget state"
    sizes = {}
    for name, cell_outputs in outputs.items():
        found = [picture_size(output["data"]) for output in cell_outputs if "data" in output]
        sizes[name] = max(filter(None, found), default=None)
    return sizes


def holds_a_widget_picture(path: Path) -> bool:
    pictures = saved_pictures(path)
    return any(pictures[name] for name in WIDGETS)


def use_file_menu(page, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
    page.locator(".lm-Menu .lm-Menu-itemLabel",
                 has_text=re.compile(f"^{re.escape(item)}$")).click()


def save_and_wait(page, save: Callable[[], None]) -> None:
    """Save with ``save()`` (a learner's key press or menu click) and wait until it is written.
    Saving (not autosave) ends by making a checkpoint of the saved file, so its answer shows
    that this save, not an autosave, has happened."""
    checkpoints = f"/api/contents/{LESSON}/checkpoints"
    with page.expect_response(lambda response: response.request.method == "POST"
                              and response.url.split("?")[0].endswith(checkpoints),
                              timeout=SAVE_TIMEOUT_MS) as answer:
        save()
    assert answer.value.ok, f"saving failed: {answer.value.status} {answer.value.status_text}"


def server_json(server, endpoint: str):
    with urllib.request.urlopen(f"{server.url}/api/{endpoint}?token={server.token}",
                                timeout=10) as response:
        return json.load(response)


def picture_cell(page, name: str):
    return page.locator(".jp-Notebook .jp-Cell").nth(2 + list(PICTURE_CELLS).index(name))


def image_sources(cell) -> list[str]:
    return cell.locator(".jp-OutputArea-output img").evaluate_all("found => found.map(i => i.src)")


def svg_texts(picture) -> list[str]:
    """The texts written in an SVG picture on the page: an ``<svg>`` element (a live widget) or
    an ``<img>`` of one (how JupyterLab shows a saved SVG)."""
    if picture.evaluate("e => e.tagName.toLowerCase()") == "svg":
        markup = picture.evaluate("e => e.outerHTML")
    else:
        header, data = picture.get_attribute("src").split(",", 1)
        markup = (base64.b64decode(data).decode() if header.endswith(";base64")
                  else urllib.parse.unquote(data))
    return [html.unescape(text) for text in re.findall(r"<text\b[^>]*>(.*?)</text>", markup)]


def click_and_drag(page) -> dict[str, object]:
    """What a learner does after running: two steps on with the stepper's next button, one epoch
    with the dashboard's step button, and the interact's slider moved to MOVED_SLOPE. Returns
    what the page shows then: the text of the
    stepper's graph (its values and gradients) and the interact's plot (its PNG in base64)."""
    stepper = picture_cell(page, "stepper")
    stepper.scroll_into_view_if_needed()
    for step in (1, 2):
        stepper.locator(".mgp-next").click()
        stepper.get_by_text(re.compile(f"step {step} of \\d")).wait_for(timeout=UPDATE_TIMEOUT_MS)
    dashboard = picture_cell(page, "dashboard")
    dashboard.scroll_into_view_if_needed()
    dashboard.locator(".mgp-step").click()
    dashboard.get_by_text(re.compile(r"epoch 1 ")).wait_for(timeout=UPDATE_TIMEOUT_MS)
    interact = picture_cell(page, "interact")
    interact.scroll_into_view_if_needed()
    first_plot = image_sources(interact)
    set_slider(interact.locator(".widget-slider").first, MOVED_SLOPE)
    plot = wait_until(lambda: (image_sources(interact) or [first_plot])[-1] != first_plot[-1]
                      and image_sources(interact)[-1], UPDATE_TIMEOUT_MS / 1000,
                      "the interact's plot for the moved slider")
    page.wait_for_function(KERNEL_IDLE, timeout=UPDATE_TIMEOUT_MS)
    return {"stepper": svg_texts(stepper.locator(".mgp-stepper-graph svg").first),
            "interact": plot.split(",", 1)[1]}


def run_and_save(page, app: str, server, screenshots: Path) -> dict[str, object]:
    """Run every cell, click and drag (see click_and_drag, whose answer this returns), let
    autosave write the lesson, save it twice by hand, then close it and shut its kernel down,
    as a learner does at the end of a lesson."""
    path = server.root / LESSON
    open_notebook(page, server.notebook_url(LESSON))
    errors = run_all_cells(page)
    assert not errors, f"cells raised errors in {app}:\n" + "\n---\n".join(errors)
    seen = click_and_drag(page)
    page.screenshot(path=str(screenshots / f"reopen-{app}-1-ran.png"))

    # Autosave writes the lesson without a key press: widgets as pictures (saved_pictures
    # fails on any widget view it finds).
    wait_until(lambda: holds_a_widget_picture(path), AUTOSAVE_TIMEOUT_S,
               f"{app}'s autosave to write a widget's picture into {LESSON}")
    page.locator(".jp-Cell .jp-InputPrompt").first.click()  # into the notebook, clear of widgets
    save_and_wait(page, lambda: page.keyboard.press("Control+s"))
    save_and_wait(page, lambda: use_file_menu(page, "Save Notebook"))

    use_file_menu(page, "Close and Shut Down Notebook…")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    wait_until(lambda: not server_json(server, "kernels"), SAVE_TIMEOUT_MS / 1000,
               f"{app} to shut the lesson's kernel down")
    return seen


def look_at_reopened(page, app: str, server, screenshots: Path,
                     seen: dict[str, object]) -> None:
    """Open the lesson in ``page`` without running anything: every picture cell shows its
    picture, at a size that reads, and no widget error anywhere; the stepper and the interact
    show what the learner saw when saving (``seen``, from click_and_drag)."""
    open_notebook(page, server.notebook_url(LESSON))  # a new kernel, nothing run
    cells = page.locator(".jp-Notebook .jp-Cell")
    for index, name in enumerate(PICTURE_CELLS, start=2):
        cell = cells.nth(index)
        cell.scroll_into_view_if_needed()
        shown = page.wait_for_function(SHOWN, arg=cell.element_handle(),
                                       timeout=RENDER_TIMEOUT_MS).json_value()
        if shown != "picture":
            page.screenshot(path=str(screenshots / f"reopen-{app}-failed-{name}.png"))
            pytest.fail(f"the reopened {name} shows {shown!r} instead of its picture in {app}: "
                        f"{cell.locator('.jp-OutputArea').inner_text()!r}")
        picture = cell.locator(".jp-OutputArea-output img, .jp-OutputArea-output svg").first
        box = picture.bounding_box()
        assert box["width"] >= SMALLEST_PICTURE[0] and box["height"] >= SMALLEST_PICTURE[1], (
            f"the reopened {name}'s picture is {box['width']:.0f} x {box['height']:.0f} px on "
            f"screen in {app}")
        cell.screenshot(path=str(screenshots / f"reopen-{app}-2-{name}.png"))
    stepper = picture_cell(page, "stepper").locator(".jp-OutputArea-output img, "
                                                    ".jp-OutputArea-output svg").first
    assert svg_texts(stepper) == seen["stepper"], (
        f"the reopened stepper does not show the step it was saved at in {app}")
    plots = [source.split(",", 1)[-1] for source in image_sources(picture_cell(page, "interact"))]
    assert plots == [seen["interact"]], (
        f"the reopened interact does not show the plot for the moved slider in {app}")
    page.screenshot(path=str(screenshots / f"reopen-{app}-3-reopened.png"))
    text = page.locator("body").inner_text()
    assert "Error displaying widget" not in text and "model not found" not in text, (
        f"the reopened lesson shows a widget error in {app}")


def test_a_saved_lesson_reopens_with_every_picture(server, browser_context, screenshots):
    app, server = server
    page = browser_context.new_page()
    try:
        seen = run_and_save(page, app, server, screenshots)
    finally:
        page.close()

    path = server.root / LESSON
    sizes = saved_pictures(path)
    checkpoint = server.root / ".ipynb_checkpoints" / f"{path.stem}-checkpoint.ipynb"
    assert saved_pictures(checkpoint) == sizes, "the checkpoint differs from the saved lesson"
    small = {name: size for name, size in sizes.items()
             if not size or size[0] < SMALLEST_PICTURE[0] or size[1] < SMALLEST_PICTURE[1]}
    assert not small, f"{LESSON} was saved without a full-size picture for {small}"
    written = {name: cell["outputs"][-1]["data"] for name, cell
             in zip(PICTURE_CELLS, nbformat.read(path, as_version=4)["cells"][2:])}
    assert re.match(r"BackpropStepper, backward step 2 of", written["stepper"]["text/plain"]), (
        f"the stepper was saved at {written['stepper']['text/plain']!r}, not at step 2")
    assert written["dashboard"]["text/plain"].startswith("TrainingDashboard: epoch 1 "), (
        f"the dashboard was saved at {written['dashboard']['text/plain']!r}, not after its epoch")
    assert written["interact"]["image/png"].replace("\n", "") == seen["interact"], (
        "the interact was saved with another plot than the one for the moved slider")

    reopened = browser_context.new_page()
    try:
        look_at_reopened(reopened, app, server, screenshots, seen)
    finally:
        reopened.close()
