"""Graphs and plots as JupyterLab shows them at 1366x900 and 1280x720: each graph's width against
the output area, its smallest text, and the smallest text of a library plot, in screen pixels.

The figures are printed (``pytest -s``) and the screenshots land in e2e-screenshots/fit-*.png.
"""

from __future__ import annotations

import base64
import re
import urllib.parse

import pytest

from .browser import open_notebook, run_all_cells

pytestmark = pytest.mark.e2e

SMALLEST_TEXT_PX = 12
SCREENS = [(1366, 900), (1280, 720)]
GRAPHS = ["the L graph of lesson 04", "the neuron of lesson 03", "the neuron of lesson 05",
          "a network of lesson 10"]

# For one output: the output area's width, the picture's place and size, and its SVG text.
SHOWN = """(output) => {
    const area = output.getBoundingClientRect();
    const svg = output.querySelector('svg');
    const img = output.querySelector('img');
    const picture = (svg || img).getBoundingClientRect();
    let source = svg ? svg.outerHTML : img.getAttribute('src');
    return {area_left: area.left, area_right: area.right, area_width: area.width,
            left: picture.left, right: picture.right, width: picture.width,
            natural_width: img ? img.naturalWidth : null, source: source,
            scrolls: output.scrollWidth > output.clientWidth + 1};
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


@pytest.fixture(scope="module", params=SCREENS, ids=lambda size: f"{size[0]}x{size[1]}")
def fit_page(request, lab_server, browser_context, screenshots):
    width, height = request.param
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": height})
    open_notebook(page, lab_server.notebook_url("fit.ipynb"))
    errors = run_all_cells(page)
    assert not errors, "cells raised errors in JupyterLab:\n" + "\n---\n".join(errors)
    yield page, f"{width}x{height}"
    page.close()


@pytest.mark.parametrize("graph", GRAPHS)
def test_graph_fits_the_output_area_with_readable_text(fit_page, graph, screenshots):
    page, screen = fit_page
    output = output_of(page, graph)
    shown = output.evaluate(SHOWN)
    text_px = smallest_svg_text_px(svg_text(shown["source"]), shown["width"])
    output.screenshot(path=str(screenshots / f"fit-{screen}-{graph.replace(' ', '-')}.png"))
    print(f"\n{screen} {graph}: {shown['width']:.0f} px wide in a {shown['area_width']:.0f} px "
          f"output area, smallest text {text_px:.1f} px")
    assert shown["right"] <= shown["area_right"] + 1 and not shown["scrolls"], (
        f"{graph} is {shown['width']:.0f} px wide, its output area {shown['area_width']:.0f} px")
    assert text_px >= SMALLEST_TEXT_PX, f"{graph}: smallest text {text_px:.1f} px on screen"


def test_library_plot_text_is_readable_as_shown(fit_page, screenshots):
    page, screen = fit_page
    output = output_of(page, "a library plot")
    shown = output.evaluate(SHOWN)
    printed = output_of(page, "the plot's smallest text").inner_text()
    in_picture = float(re.search(r"smallest text ([\d.]+) px", printed).group(1))
    text_px = in_picture * shown["width"] / shown["natural_width"]
    output.screenshot(path=str(screenshots / f"fit-{screen}-plot.png"))
    print(f"\n{screen} plot_decision_boundary: {shown['width']:.0f} of {shown['natural_width']} "
          f"px in a {shown['area_width']:.0f} px output area, smallest text {text_px:.1f} px")
    assert shown["right"] <= shown["area_right"] + 1
    assert text_px >= SMALLEST_TEXT_PX, f"the plot's smallest text is {text_px:.1f} px on screen"


def test_neuron_playground_fits_the_screen(fit_page, screenshots):
    page, screen = fit_page
    height = int(screen.split("x")[1])
    output = output_of(page, "the neuron playground")
    playground = output.locator(".mgp-neuron")
    playground.wait_for(state="visible")
    box, area = playground.bounding_box(), output.bounding_box()
    playground.screenshot(path=str(screenshots / f"fit-{screen}-neuron-playground.png"))
    print(f"\n{screen} NeuronPlayground: {box['width']:.0f} x {box['height']:.0f} px in a "
          f"{area['width']:.0f} px output area")
    assert box["x"] + box["width"] <= area["x"] + area["width"] + 1
    # The notebook panel under JupyterLab's menu and tab bar is the screen height less ~120 px.
    assert box["height"] <= height - 120, f"{box['height']:.0f} px tall"
