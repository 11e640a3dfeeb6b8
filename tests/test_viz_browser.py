"""The browser site's drawing path (viz/browser.py), checked outside the browser: the graphviz
package's runner answered by a stand-in for viz.js, and matplotlib left unimported until a plot."""

from __future__ import annotations

import subprocess
import sys

import pytest
from graphviz.backend import dot_command, execute

from micrograd_plus import Value
from micrograd_plus.viz import browser, draw_dot, rendering


@pytest.fixture
def wasm_renderer(monkeypatch):
    """viz.js replaced by a recorder that answers every layout with a fixed SVG; the graphviz
    package's runner and DOT_BINARY are restored afterwards."""
    calls = []

    def render(source, output_format, engine):
        calls.append((source, output_format, engine))
        if output_format == "plain":  # what draw_dot measures a layout with: graph scale W H
            return "graph 1 0.5 0.5\nstop\n"
        return '<svg width="8pt"><g class="node"><title>x</title></g></svg>'

    monkeypatch.setattr(browser, "_render", render)
    monkeypatch.setattr(browser, "_original_run_check", None)
    monkeypatch.setattr(execute, "run_check", execute.run_check)
    monkeypatch.setattr(dot_command, "DOT_BINARY", rendering._DEFAULT_BINARY)
    monkeypatch.setattr(rendering, "_binary_we_set", None)
    monkeypatch.setattr(browser, "in_browser", lambda: True)
    monkeypatch.setattr(rendering.shutil, "which", lambda *args, **kwargs: None)
    return calls


def test_in_the_browser_graphs_are_laid_out_by_viz_js(wasm_renderer):
    assert rendering.find_renderer() == browser.WASM_RENDERER
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    svg = rendering.render_svg(draw_dot(y))
    assert svg.startswith("<svg") and "<title>x</title>" in svg
    source, output_format, engine = wasm_renderer[-1]
    assert (output_format, engine) == ("svg", "dot")
    assert "digraph" in source and "grad 4" in source


def test_the_display_in_a_notebook_goes_through_viz_js_too(wasm_renderer):
    x = Value(3.0, label="x")
    assert "<svg" in draw_dot(x * 2)._repr_image_svg_xml()
    assert wasm_renderer, "the notebook's SVG did not come from the WebAssembly renderer"


def test_png_in_the_browser_says_to_use_svg(wasm_renderer):
    rendering.use_renderer()
    with pytest.raises(RuntimeError, match="drawn as SVG"):
        rendering.render_png(draw_dot(Value(1.0)))


def test_other_programs_still_run_as_before(wasm_renderer):
    browser.install()
    command = [sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read().upper())"]
    done = execute.run_check(command, input=b"digraph", capture_output=True)
    assert isinstance(done, subprocess.CompletedProcess) and done.stdout == b"DIGRAPH"
    assert not wasm_renderer


def test_outside_the_browser_nothing_is_loaded():
    assert not browser.in_browser()
    browser.load_packages("matplotlib", "a_package_that_does_not_exist")  # a no-op here


def _run(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_graphs_and_the_stepper_do_not_import_matplotlib():
    shown = _run("import sys\n"
                 "from micrograd_plus import Value\n"
                 "from micrograd_plus.viz import draw_dot, backward_steps, explain\n"
                 "from micrograd_plus.widgets import BackpropStepper\n"
                 "x = Value(2.0, label='x'); y = (x * x).tanh(); y.backward()\n"
                 "draw_dot(y)._repr_image_svg_xml(); BackpropStepper(y)\n"
                 "print('matplotlib' in sys.modules)\n"
                 "from micrograd_plus.viz import plot_history\n"
                 "from micrograd_plus.widgets import TrainingDashboard\n"
                 "print('matplotlib' in sys.modules)\n")
    assert shown == ["False", "True"]


def test_without_numpy_and_matplotlib_graphs_the_stepper_and_fit_work():
    """As in the browser site offline: Pyodide's numpy and matplotlib come from its CDN."""
    shown = _run("import sys\n"
                 "sys.modules['numpy'] = sys.modules['matplotlib'] = None  # importing them fails\n"
                 "from micrograd_plus import Value\n"
                 "from micrograd_plus.data import make_moons\n"
                 "from micrograd_plus.nn import MLP\n"
                 "from micrograd_plus.train import accuracy, fit\n"
                 "from micrograd_plus.viz import draw_dot, backward_steps, explain\n"
                 "from micrograd_plus.widgets import BackpropStepper\n"
                 "x = Value(2.0, label='x'); y = (x * x).tanh(); y.backward()\n"
                 "draw_dot(y)._repr_image_svg_xml(); BackpropStepper(y)\n"
                 "X, t = make_moons(40, noise=0.1, seed=0)\n"
                 "model = MLP(2, [8, 1], seed=1)\n"
                 "history = fit(model, X, t, loss='hinge', epochs=15, progress=False)\n"
                 "print(history.train_loss[-1] < history.train_loss[0], accuracy(model, X, t) > 0.8)\n"
                 "try:\n"
                 "    from micrograd_plus.viz import plot_history\n"
                 "except ModuleNotFoundError as error:\n"
                 "    print(error.name)\n")
    assert shown == ["True True", "matplotlib"]


def test_unknown_names_are_still_attribute_errors():
    import micrograd_plus.viz as viz
    import micrograd_plus.widgets as widgets

    with pytest.raises(AttributeError, match="plot_nothing"):
        viz.plot_nothing  # noqa: B018
    with pytest.raises(AttributeError, match="Nothing"):
        widgets.Nothing  # noqa: B018
