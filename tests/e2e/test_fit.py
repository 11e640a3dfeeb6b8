"""Graphs and plots as a learner sees them, at 1366x900 and 1280x720, in JupyterLab, in
Notebook 7 and in a ``make book`` page, normal and in presentation mode: each graph's width
against the output area, no horizontal scrolling, its smallest text, and the smallest text of a
library plot, in screen pixels. In presentation mode the smallest text allowed is
``PRESENTATION_SCALE`` times larger (16.8 px instead of 12).

The figures are printed (``pytest -s``) and the screenshots land in
e2e-screenshots/fit-FRONTEND-MODE-SCREEN-*.png.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import urllib.parse
from pathlib import Path

import pytest

from micrograd_plus.viz.style import PRESENTATION_SCALE

from .browser import open_notebook, run_all_cells

pytestmark = pytest.mark.e2e

HERE = Path(__file__).parent
SMALLEST_TEXT_PX = 12
SCREENS = [(1366, 900), (1280, 720)]
FRONT_ENDS = ["JupyterLab", "Notebook 7", "book"]
MODES = ["normal", "presentation"]
GRAPHS = ["the L graph of lesson 04", "the neuron of lesson 03", "the neuron of lesson 05",
          "a network of lesson 10", "the stepper of lesson 04"]
LAYOUT_SETTLE_MS = 500  # after a change of window size, for the page to lay itself out again

# For one output: the output area's width, the picture's place and size, its SVG text, and
# whether the output, or anything around it up to the page, scrolls sideways.
SHOWN = """(output) => {
    const area = output.getBoundingClientRect();
    const svg = output.querySelector('.mgp-stepper-graph svg') || output.querySelector('svg');
    const img = output.querySelector('img');
    const picture = (svg || img).getBoundingClientRect();
    const source = svg ? svg.outerHTML : img.getAttribute('src');
    const scrolling = [];
    for (let box = output; box; box = box.parentElement) {
        const overflow = getComputedStyle(box).overflowX;
        const scrolls = box === document.documentElement || ['auto', 'scroll'].includes(overflow);
        if (scrolls && box.scrollWidth > box.clientWidth + 1)
            scrolling.push(`${box.tagName}.${[...box.classList].join('.')}: ${box.scrollWidth} > ${box.clientWidth}`);
    }
    return {area_left: area.left, area_right: area.right, area_width: area.width,
            left: picture.left, right: picture.right, width: picture.width,
            natural_width: img ? img.naturalWidth : null, source: source, scrolling: scrolling};
}"""


def svg_text(source: str) -> str:
    if source.startswith("data:"):
        header, data = source.split(",", 1)
        return (base64.b64decode(data).decode() if ";base64" in header
                else urllib.parse.unquote(data))
    return source


def smallest_svg_text_px(svg: str, shown_width: float) -> float:
    """The smallest font size in ``svg`` times every scale between it and the screen."""
    width_pt = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1))
    drawn = re.search(r'class="graph" transform="scale\(([\d.]+)', svg)
    scale = float(drawn.group(1)) if drawn else 1.0
    smallest_pt = min(float(size) for size in re.findall(r'font-size="([\d.]+)"', svg))
    return smallest_pt * scale * shown_width / width_pt


def output_of(page, marker: str):
    cell = page.locator(".jp-CodeCell", has_text=f"# fit: {marker}")
    cell.scroll_into_view_if_needed()
    return cell.locator(".jp-OutputArea-output").first


def fit_notebook(folder: Path, mode: str) -> Path:
    """tests/e2e/fit.ipynb written into ``folder``, in presentation mode from its first code
    cell on when ``mode`` says so."""
    notebook = json.loads((HERE / "fit.ipynb").read_text())
    if mode == "presentation":
        first = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
        first["source"] = ["".join(first["source"]) + "\n",
                           "from micrograd_plus.viz import presentation\n", "presentation()"]
    path = folder / f"fit-{mode}.ipynb"
    path.write_text(json.dumps(notebook))
    return path


@pytest.fixture(scope="module")
def notebook7_server(tmp_path_factory):
    pytest.importorskip("notebook", reason="Notebook 7 is missing: pip install -e '.[e2e]'")
    from .lab import jupyter_lab

    with jupyter_lab(tmp_path_factory.mktemp("notebook7"), [], app="notebook") as server:
        yield server


@pytest.fixture(scope="module", params=[(f, m) for f in FRONT_ENDS for m in MODES],
                ids=lambda param: f"{param[0].replace(' ', '')}-{param[1]}")
def fit_page(request, browser_context, tmp_path_factory):
    """fit.ipynb run and shown in one front end, in one mode: (page, front end, mode)."""
    front_end, mode = request.param
    page = browser_context.new_page()
    page.set_viewport_size(dict(zip(("width", "height"), SCREENS[0])))
    with contextlib.ExitStack() as stack:
        if front_end == "book":
            from micrograd_plus.book import export_lesson

            from .offline import serve

            folder = tmp_path_factory.mktemp(f"book-{mode}")
            book_page = export_lesson(fit_notebook(folder, mode), folder / "book")
            base = stack.enter_context(serve(book_page.parent))
            page.goto(f"{base}/{book_page.name}")
            page.wait_for_load_state("networkidle")
        else:
            server = request.getfixturevalue(
                "lab_server" if front_end == "JupyterLab" else "notebook7_server")
            notebook = fit_notebook(server.root, mode)
            open_notebook(page, server.notebook_url(notebook.name))
            errors = run_all_cells(page)
            assert not errors, f"cells raised errors in {front_end}:\n" + "\n---\n".join(errors)
        yield page, front_end, mode
    page.close()


def at_screen(fit_page, screen: tuple[int, int]):
    page, front_end, mode = fit_page
    page.set_viewport_size({"width": screen[0], "height": screen[1]})
    page.wait_for_timeout(LAYOUT_SETTLE_MS)
    return page, f"{front_end.replace(' ', '')}-{mode}-{screen[0]}x{screen[1]}"


def smallest_allowed(mode: str) -> float:
    return SMALLEST_TEXT_PX * (PRESENTATION_SCALE if mode == "presentation" else 1.0)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("graph", GRAPHS)
def test_graph_fits_the_output_area_with_readable_text(fit_page, screen, graph, screenshots):
    page, name = at_screen(fit_page, screen)
    output = output_of(page, graph)
    shown = output.evaluate(SHOWN)
    text_px = smallest_svg_text_px(svg_text(shown["source"]), shown["width"])
    output.screenshot(path=str(screenshots / f"fit-{name}-{graph.replace(' ', '-')}.png"))
    print(f"\n{name} {graph}: {shown['width']:.0f} px wide in a {shown['area_width']:.0f} px "
          f"output area, smallest text {text_px:.1f} px")
    assert shown["right"] <= shown["area_right"] + 1 and not shown["scrolling"], (
        f"{graph} is {shown['width']:.0f} px wide, its output area {shown['area_width']:.0f} px; "
        f"scrolling sideways: {shown['scrolling']}")
    assert text_px >= smallest_allowed(fit_page[2]), f"{graph}: smallest text {text_px:.1f} px"


@pytest.mark.parametrize("screen", SCREENS, ids=lambda size: f"{size[0]}x{size[1]}")
def test_library_plot_text_is_readable_as_shown(fit_page, screen, screenshots):
    page, name = at_screen(fit_page, screen)
    output = output_of(page, "a library plot")
    shown = output.evaluate(SHOWN)
    printed = output_of(page, "the plot's smallest text").inner_text()
    in_picture = float(re.search(r"smallest text ([\d.]+) px", printed).group(1))
    text_px = in_picture * shown["width"] / shown["natural_width"]
    output.screenshot(path=str(screenshots / f"fit-{name}-plot.png"))
    print(f"\n{name} plot_decision_boundary: {shown['width']:.0f} of {shown['natural_width']} "
          f"px in a {shown['area_width']:.0f} px output area, smallest text {text_px:.1f} px")
    assert shown["right"] <= shown["area_right"] + 1 and not shown["scrolling"]
    assert text_px >= smallest_allowed(fit_page[2]), f"smallest text {text_px:.1f} px on screen"


@pytest.mark.parametrize("screen", SCREENS, ids=lambda size: f"{size[0]}x{size[1]}")
def test_neuron_playground_fits_the_screen(fit_page, screen, screenshots):
    page, name = at_screen(fit_page, screen)
    front_end, mode = fit_page[1:]
    output = output_of(page, "the neuron playground")
    # A page has no kernel: the widget is shown as the picture it carries.
    shown = output.locator(".mgp-neuron" if front_end != "book" else "img")
    shown.wait_for(state="visible")
    box, area = shown.bounding_box(), output.bounding_box()
    shown.screenshot(path=str(screenshots / f"fit-{name}-neuron-playground.png"))
    print(f"\n{name} NeuronPlayground: {box['width']:.0f} x {box['height']:.0f} px in a "
          f"{area['width']:.0f} px output area")
    assert box["x"] + box["width"] <= area["x"] + area["width"] + 1
    if front_end != "book":
        # Every number of the table is shown whole, inside the controls' column.
        cut = output.locator(".mgp-neuron-output").evaluate("""(readout) => {
            const column = readout.parentElement.getBoundingClientRect();
            return [...readout.querySelectorAll('td')].filter(cell => {
                const box = cell.getBoundingClientRect();
                return cell.scrollWidth > cell.clientWidth + 1 || box.right > column.right + 1;
            }).map(cell => cell.textContent);
        }""")
        assert not cut, f"table cells cut or outside their column: {cut}"
    if front_end != "book" and mode == "normal":
        # The notebook panel under the menu and tab bar is the screen height less ~120 px.
        assert box["height"] <= screen[1] - 120, f"{box['height']:.0f} px tall"
