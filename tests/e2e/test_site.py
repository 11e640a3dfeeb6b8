"""The browser site (``make site``) in Chromium with no network beyond 127.0.0.1.

The site is built from this checkout, served on 127.0.0.1, and opened in a Chromium whose every
request for another host goes to a recording proxy that answers none: lesson 04 runs top to
bottom in the Pyodide kernel (graphs drawn by the WebAssembly Graphviz), its stepper is
clicked, and a cell trains with ``fit`` and prints numbers that must equal this Python's.
"""

from __future__ import annotations

import contextlib
import io
import json
import time
from pathlib import Path

import pytest

from .browser import (KERNEL_IDLE, RUN_ALL_TIMEOUT_MS, UPDATE_TIMEOUT_MS, run_all_cells,
                      run_new_cell)
from .offline import assert_nothing_left, offline_browser, serve

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).parents[2]
LESSON = "04_backpropagation.ipynb"
KERNEL_START_TIMEOUT_MS = 240_000  # Pyodide and the wheels, from a cold cache, on a busy machine

# Trained in the page and here; the printed numbers must agree.
TRAINING = """\
from micrograd_plus.data import make_moons
from micrograd_plus.nn import MLP
from micrograd_plus.train import accuracy, fit

X, y = make_moons(40, noise=0.1, seed=0)
model = MLP(2, [8, 1], seed=1)
history = fit(model, X, y, loss="hinge", epochs=15)
print("RESULT", repr(history.train_loss[0]), repr(history.train_loss[-1]), accuracy(model, X, y))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built from this checkout, served on 127.0.0.1; yields its base URL."""
    from micrograd_plus.site import build_site

    folder = tmp_path_factory.mktemp("site") / "site"
    build_site(folder, ROOT / "notebooks")
    config_path = folder / "jupyter-lite.json"
    config = json.loads(config_path.read_text())
    config["jupyter-config-data"]["exposeAppInBrowser"] = True  # window.jupyterapp, for the test
    config_path.write_text(json.dumps(config))
    with serve(folder) as url:
        yield url


@pytest.fixture(scope="module")
def offline_page(playwright, tmp_path_factory):
    """A Chromium page that can reach 127.0.0.1 only; yields (page, proxy, requests seen)."""
    with offline_browser(playwright, tmp_path_factory.mktemp("chromium-site")) as (
            context, proxy, seen):
        yield context.new_page(), proxy, seen


def test_site_runs_a_lesson_offline(offline_page, site, screenshots):
    page, proxy, seen = offline_page
    started = time.monotonic()
    page.goto(f"{site}/lab/index.html?path={LESSON}", timeout=120_000)
    page.wait_for_selector(".jp-Notebook", timeout=120_000)
    page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_START_TIMEOUT_MS)
    kernel_ready = time.monotonic() - started
    errors = run_all_cells(page)
    page.screenshot(path=str(screenshots / "site-lesson-run.png"))
    assert not errors, "the lesson raised errors in the browser site:\n" + "\n---\n".join(errors)
    print(f"site: kernel ready {kernel_ready:.1f} s after opening {LESSON}; "
          f"all cells ran {time.monotonic() - started:.1f} s after")

    # draw_dot's picture: an SVG laid out by the WebAssembly Graphviz, with the graph's labels.
    graphs = page.locator(".jp-RenderedSVG")
    assert graphs.count() >= 1, "no draw_dot picture (image/svg+xml) in the lesson's outputs"

    stepper = page.locator(".mgp-stepper").first
    stepper.scroll_into_view_if_needed()
    stepper.locator("button.mgp-next").click()
    page.wait_for_function("(element) => element.innerText.includes('step 1 of')",
                           arg=stepper.locator(".mgp-stepper-status").element_handle(),
                           timeout=UPDATE_TIMEOUT_MS)
    assert stepper.locator(".mgp-stepper-graph svg g.node").count() > 0
    stepper.screenshot(path=str(screenshots / "site-stepper-step1.png"))

    run_new_cell(page, TRAINING)
    result = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']",
                          has_text="RESULT")
    result.wait_for(timeout=RUN_ALL_TIMEOUT_MS)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(TRAINING, {})  # the same training, in this Python
    expected = [float(number) for number in printed.getvalue().split()[1:]]
    shown = result.inner_text().split()
    assert shown[0] == "RESULT" and len(shown) == 4, shown
    assert [float(number) for number in shown[1:]] == pytest.approx(expected, rel=1e-9), (
        f"the browser printed {shown[1:]}, this Python {expected}")
    first, last, _ = expected
    assert last < first, f"training did not lower the loss: {first} -> {last}"
    # fit's progress bar, and no warning beside it (tqdm's monitor thread cannot start here)
    warnings = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                            has_text="Warning")
    assert warnings.count() == 0, warnings.first.inner_text()

    assert_nothing_left(site, proxy, seen)


def _png(width: int, height: int) -> bytes:
    """A plain white PNG, made without Pillow (the site loads Pillow from the internet)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_site_serves_the_dashboards_clickable_picture_offline(offline_page, site, screenshots):
    """The dashboard's picture is an anywidget: its front end and wheels come from the site,
    and a click reaches Python in the picture's own pixels."""
    import base64

    page, proxy, seen = offline_page
    if "/lab/" not in page.url:  # run alone, without the lesson test before it
        page.goto(f"{site}/lab/index.html?path={LESSON}", timeout=120_000)
        page.wait_for_selector(".jp-Notebook", timeout=120_000)
        page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_START_TIMEOUT_MS)
    code = (
        "import base64\n"
        "import ipywidgets\n"
        "from micrograd_plus.widgets._clickable import ClickableImage\n"
        "said = ipywidgets.Label('no click yet')\n"
        "said.add_class('mgp-site-said')\n"
        "def clicked(x, y):\n"
        "    said.value = f'CLICKED {round(x)} {round(y)}'\n"
        "picture = ClickableImage(clicked, max_width='300px')\n"
        f"picture.value = base64.b64decode({base64.b64encode(_png(300, 200)).decode()!r})\n"
        "picture.add_class('mgp-site-picture')\n"
        "ipywidgets.VBox([picture, said])")
    run_new_cell(page, code)
    img = page.locator(".mgp-site-picture img.mgp-clickable-img")
    img.wait_for(timeout=RUN_ALL_TIMEOUT_MS)
    page.wait_for_function("(img) => img.naturalWidth === 300", arg=img.element_handle(),
                           timeout=UPDATE_TIMEOUT_MS)
    img.scroll_into_view_if_needed()
    box = img.bounding_box()
    scale = box["width"] / 300
    page.mouse.click(box["x"] + 120 * scale, box["y"] + 50 * scale)
    shown = page.locator(".mgp-site-said", has_text="CLICKED")
    shown.wait_for(timeout=UPDATE_TIMEOUT_MS)
    x, y = map(int, shown.inner_text().split()[1:3])
    assert abs(x - 120) <= 1 and abs(y - 50) <= 1, f"clicked (120, 50), Python got ({x}, {y})"
    page.screenshot(path=str(screenshots / "site-clickable-picture.png"))
    assert_nothing_left(site, proxy, seen)
