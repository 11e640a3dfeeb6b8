"""draw_dot: what the picture contains, that it is deterministic, and that it renders with and
without a system Graphviz."""

import html
import os
import re
import shutil
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import graphviz
import pytest
from graphviz.backend import dot_command
from lecture_value import OwnValue, lecture_neuron

from micrograd_plus.engine import Value, dot
from micrograd_plus.nn import MLP
from micrograd_plus.viz import count_nodes, draw_dot, gradients_after, backward_steps, save_graph
from micrograd_plus.viz import presentation, rendering, style
from micrograd_plus.viz.graph import FIT_WIDTH_PX, FLOW_COLOURS, SMALLEST_TEXT_PX
from micrograd_plus.viz.steps import explain
from micrograd_plus.viz.text import format_number
from micrograd_plus.widgets import BackpropStepper

# xdist: the tests that change PATH and the renderer run in one worker.
pytestmark = pytest.mark.xdist_group("viz-rendering")


def lecture_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    return a, b, c, d, e, f, L


def node_line(source: str, label: str) -> str:
    # left to right a record reads "{ a | data | grad }", top to bottom "a | data | grad"
    return next(line for line in source.splitlines()
                if re.search(rf'label="(\{{ )?{re.escape(label)} \|', line))


def key_of(source: str, label: str) -> str:
    return node_line(source, label).split()[0]


@pytest.fixture(autouse=True)
def restore_renderer(monkeypatch):
    """Each test starts and ends with the graphviz package's own setting."""
    monkeypatch.setattr(dot_command, "DOT_BINARY", dot_command.DOT_BINARY)
    monkeypatch.setattr(rendering, "_binary_we_set", rendering._binary_we_set)


def test_values_are_records_with_label_data_and_grad():
    *_, L = lecture_graph()
    L.backward()
    graph = draw_dot(L)
    assert isinstance(graph, graphviz.Digraph)
    line = node_line(graph.source, "a")
    assert "shape=record" in line
    assert "data 2.0" in line and "grad 6.0" in line
    assert re.search(r'label="\*"', graph.source)  # the op is a node of its own


def test_every_operand_occurrence_is_an_edge():
    a = Value(3.0, label="a")
    s = a + a
    edges = [line for line in draw_dot(s).source.splitlines() if "->" in line]
    assert edges.count("\tv0 -> v1op") == 2


def test_same_graph_gives_the_same_dot_text():
    first, second = lecture_graph(), lecture_graph()
    source = draw_dot(first[-1]).source
    assert source == draw_dot(second[-1]).source
    assert not any(str(id(node)) in source for node in first)  # names come from the order
    names = set(re.findall(r"^\t(v\w+) \[", source, re.M))
    assert names == {f"v{i}" for i in range(7)} | {"v4op", "v5op", "v6op"}


def test_unlabelled_values_are_named_by_their_place():
    x = Value(1.5)
    y = (x * 2).tanh()
    source = draw_dot(y).source
    assert node_line(source, "n0") and node_line(source, "n3")


def test_renders_without_system_graphviz(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot and no graphviz-pure on PATH
    renderer = rendering.use_renderer()
    assert "graphviz-pure" in os.path.basename(renderer)
    *_, L = lecture_graph()
    graph = draw_dot(L)
    svg = graph.pipe(format="svg").decode()
    assert "<svg" in svg and "data 2.0" in svg
    bundle = graph._repr_mimebundle_()  # what Jupyter displays
    assert "<svg" in bundle["image/svg+xml"]


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in dot is a shell script")
def test_renders_with_a_system_dot_when_there_is_one(tmp_path, monkeypatch):
    real_dot = shutil.which("dot")
    if real_dot is None:
        # No Graphviz here: a 'dot' that logs its use and runs graphviz-pure stands in for it.
        pure = rendering.find_renderer()
        log = tmp_path / "dot-was-used"
        real_dot = tmp_path / "dot"
        real_dot.write_text(f'#!/bin/sh\n: > "{log}"\nexec "{pure}" "$@"\n')
        real_dot.chmod(real_dot.stat().st_mode | stat.S_IEXEC)
        monkeypatch.setenv("PATH", str(tmp_path))
    else:
        log = None
    assert rendering.use_renderer() == "dot"
    *_, L = lecture_graph()
    svg = draw_dot(L).pipe(format="svg").decode()
    assert "data 2.0" in svg
    if log is not None:
        assert log.exists()


def test_no_renderer_at_all_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(rendering, "_script_directories", lambda: [str(tmp_path)])
    with pytest.raises(RuntimeError, match="pip install graphviz-pure"):
        draw_dot(lecture_graph()[-1])


@pytest.mark.parametrize("computer, how", [
    (("win32", "x86", 32), "winget install graphviz"),
    (("win32", "AMD64", 32), "winget install graphviz"),  # 32-bit Python on 64-bit Windows
    (("linux", "armv7l", 32), "sudo apt install graphviz"),  # 32-bit Raspberry Pi OS
    (("linux", "aarch64", 32), "sudo apt install graphviz"),  # the same with a 64-bit kernel
    (("emscripten", "wasm32", 32), "package manager"),
])
def test_where_graphviz_pure_has_no_build_it_says_how_to_get_dot(tmp_path, monkeypatch,
                                                                  computer, how):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(rendering, "_script_directories", lambda: [str(tmp_path)])
    monkeypatch.setattr(rendering, "_this_computer", lambda: computer)
    with pytest.raises(RuntimeError, match="graphviz-pure has no build") as error:
        draw_dot(lecture_graph()[-1])
    message = str(error.value)
    assert how in message and "conda install -c conda-forge graphviz" in message
    assert "Restart" in message and "pip install graphviz-pure" not in message


def test_a_renderer_set_by_the_user_is_kept(monkeypatch):
    monkeypatch.setattr(dot_command, "DOT_BINARY", rendering.Path("/opt/my/dot"))
    assert rendering.use_renderer() == str(rendering.Path("/opt/my/dot"))


def test_save_graph_writes_svg_png_and_pdf(tmp_path):
    from PIL import Image

    *_, L = lecture_graph()
    L.backward()
    graph = draw_dot(L, flow=True)
    svg = save_graph(graph, tmp_path / "g.svg").read_text()
    assert "grad 6.0" in svg
    png = save_graph(graph, tmp_path / "g.png")
    with Image.open(png) as image:
        assert image.format == "PNG"
        assert 200 < image.width <= 1920 and 0 < image.height <= 1080
        colours = image.convert("RGB").getcolors(image.width * image.height)
        assert len(colours) > 10  # not a blank picture
    assert save_graph(graph, tmp_path / "g.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.pdf"):
        save_graph(graph, tmp_path / "g.jpg")


def test_large_graph_raster_fits_on_a_screen(tmp_path):
    from PIL import Image

    x = Value(0.5, label="x")
    layer = [x * (i + 1) for i in range(60)]
    out = sum(v.tanh() for v in layer)
    with Image.open(save_graph(draw_dot(out, rankdir="TB"), tmp_path / "big.png")) as image:
        assert image.width <= 1920 and image.height <= 1080


# --- gradient flow ----------------------------------------------------------------------------------

def fill_of(line: str) -> str:
    return re.search(r'fillcolor="(#[0-9a-f]{6})"', line).group(1)


def redness(colour: str) -> int:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return r - b


def test_flow_colours_by_sign_and_size_with_a_legend():
    a, b, c, d, e, f, L = lecture_graph()
    L.backward()  # a.grad = 6, b.grad = -4, c.grad = -2, f.grad = 4
    source = draw_dot(L, flow=True).source
    assert redness(fill_of(node_line(source, "a"))) > redness(fill_of(node_line(source, "f"))) > 0
    assert redness(fill_of(node_line(source, "b"))) < redness(fill_of(node_line(source, "c"))) < 0
    assert "gradient:" in source and "+6.0" in source and "-6.0" in source  # the legend


def test_flow_edge_width_follows_the_contribution():
    a, b, c, d, e, f, L = lecture_graph()
    L.backward()
    source = draw_dot(L, flow=True).source

    def width(edge):
        return float(re.search(rf"\t{edge} \[.*penwidth=([\d.]+)", source).group(1))

    a_key, b_key, e_key = (key_of(source, name) for name in "abe")
    # Into 'e = a * b': a receives 6 (width largest), b receives -4 (blue).
    assert width(f"{a_key} -> {e_key}op") > width(f"{b_key} -> {e_key}op") > 1.0
    assert FLOW_COLOURS["negative"] in re.search(rf"\t{b_key} -> {e_key}op.*", source).group(0)


def test_flow_marks_a_dead_relu_and_its_zero_gradients():
    w, x = Value(-1.0, label="w"), Value(2.0, label="x")
    h = (w * x).relu()
    h.label = "h"
    out = h * 3.0
    out.backward()
    source = draw_dot(out, flow=True).source
    assert "ReLU\\n(dead)" in source
    assert "dashed" in node_line(source, "w") and "grad 0.0" in node_line(source, "w")


def test_flow_asks_no_local_derivative_of_a_node_without_gradient():
    """sqrt at 0 has no slope; before backward() nothing has a gradient, so the picture draws."""
    x = Value(0.0, label="x")
    out = x.sqrt() + 1.0
    source = draw_dot(out, flow=True).source
    assert "grad 0.0" in node_line(source, "x")


# --- stepping -----------------------------------------------------------------------------------------

def test_step_shows_the_gradients_after_that_step_and_highlights_the_active_node():
    a, b, c, d, e, f, L = lecture_graph()
    steps = backward_steps(L)
    k = next(s.index for s in steps if s.node is e)  # e = a * b passes its gradient on
    source = draw_dot(L, step=k).source
    grads = gradients_after(steps, k)
    assert grads[a] == 6.0 and grads[b] == -4.0
    assert "grad 6.0" in node_line(source, "a")
    assert "#ff8c00" in node_line(source, "e")  # the active node
    highlighted = [line for line in source.splitlines() if "->" in line and "#ff8c00" in line]
    assert len(highlighted) == 2 and all("dir=back" in line for line in highlighted)
    assert any(re.search(r'label="?6.0"? ', line) for line in highlighted)
    before = draw_dot(L, step=0).source
    assert "grad 0.0" in node_line(before, "L") and "#ff8c00" not in before


def test_stepping_keeps_the_layout_size():
    *_, L = lecture_graph()
    sizes = {re.search(r'viewBox="([^"]+)"', draw_dot(L, step=k).pipe(format="svg").decode())
             .group(1) for k in (0, 2, len(backward_steps(L)))}
    assert len(sizes) == 1


@pytest.mark.parametrize("options", [{}, {"step": 3}, {"step": 3, "flow": True}, {"flow": True},
                                     {"forward_step": 2}, {"collapse": "neuron", "flow": True}])
def test_rendering_writes_nothing_to_stderr(options, capfd):
    """Jupyter displays a Digraph without quiet=True, so any renderer warning (graphviz-pure
    prints one for each non-ASCII character it cannot measure) would show under the picture."""
    *_, L = lecture_graph()
    if "collapse" in options:
        x = [Value(1.0, label="x1"), Value(-2.0, label="x2")]
        w = [Value(0.5), Value(-1.5)]
        L = dot(w, x, Value(0.1)).tanh()
        L.label = "out"
    L.backward()
    graph = draw_dot(L, **options)
    assert graph.source.isascii(), [ch for ch in graph.source if not ch.isascii()]
    capfd.readouterr()
    bundle = graph._repr_mimebundle_()  # what Jupyter does with a cell's value
    graph.pipe(format="png")
    captured = capfd.readouterr()
    assert bundle["image/svg+xml"].startswith("<?xml")
    assert captured.err == "" and captured.out == ""


def test_user_labels_are_kept_as_given():
    a = Value(2.0, label="\u03b1")  # alpha
    b = a * 3.0
    b.label = "out"
    assert node_line(draw_dot(b).source, "\u03b1")


def test_forward_step_shows_only_what_is_computed():
    a, b, c, d, e, f, L = lecture_graph()
    source = draw_dot(L, forward_step=1).source
    assert "data -6.0" in node_line(source, "e")
    assert "data ?" in node_line(source, "d") and "grad" not in node_line(source, "d")
    with pytest.raises(ValueError, match="step= or forward_step="):
        draw_dot(L, step=1, forward_step=1)


# --- collapsing -----------------------------------------------------------------------------------------

def tiny_network(inputs, sizes=(3, 3, 1)):
    """act(dot(w, x, b)) per neuron, built as nn.Neuron builds it, layer after layer."""
    values = [Value(x, label=f"x{i}") for i, x in enumerate(inputs)]
    for depth, size in enumerate(sizes):
        outs = []
        for j in range(size):
            w = [Value(0.3 * ((i + j) % 3 - 1) + 0.1, label=f"w{i}") for i in range(len(values))]
            pre = dot(w, values, Value(0.1, label="b"))
            outs.append(pre.relu() if depth < len(sizes) - 1 else pre)
        values = outs
    return values[0]


def test_collapse_draws_neurons_and_layers_as_single_nodes():
    out = tiny_network([1.0, -2.0])
    out.backward()
    full = draw_dot(out, max_nodes=None).source
    by_neuron = draw_dot(out, collapse="neuron").source
    by_layer = draw_dot(out, collapse="layer").source
    assert full.count("shape=record") > by_neuron.count("shape=record") > \
        by_layer.count("shape=record")
    assert by_neuron.count("neuron (ReLU)") == 6 and "neuron (linear)" in by_neuron
    assert "layer: 3 ReLU neurons" in by_layer and "layer: 1 linear neuron" in by_layer
    assert node_line(by_layer, "x0")  # the inputs stay


def test_collapse_finds_every_neuron_of_an_nn_mlp():
    model = MLP(2, [3, 3, 1], seed=0)
    out = model([1.0, -2.0])
    out.backward()
    by_neuron = draw_dot(out, collapse="neuron", model=model).source
    assert by_neuron.count("(ReLU) |") == 6 and by_neuron.count("(linear) |") == 1
    assert "layer 2, neuron 3 (ReLU)" in by_neuron and '"dot"' not in by_neuron


def test_too_many_nodes_collapse_or_are_cut_with_a_warning():
    out = tiny_network([0.5] * 8, sizes=(16, 16, 1))
    assert count_nodes(out) > 500
    with pytest.warns(UserWarning, match="collapse='neuron'"):
        graph = draw_dot(out, max_nodes=200)
    assert "neuron (ReLU)" in graph.source
    chain = Value(1.0, label="start")
    for _ in range(800):
        chain = chain * 1.001
    with pytest.warns(UserWarning, match="only the 100 nodes nearest the output"):
        cut = draw_dot(chain, max_nodes=100)
    drawn = [line for line in cut.source.splitlines() if "[" in line and "->" not in line]
    assert len(drawn) <= 101 + 3  # the nodes, 'more', and the graph/node/edge defaults
    assert "more nodes" in cut.source
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        draw_dot(chain, max_nodes=None)  # asked for every node: no warning


# --- any label, shown and escaped -------------------------------------------------------------------

def svg_texts(graph) -> list[str]:
    """Every text the rendered picture shows, unescaped."""
    svg = graph.pipe(format="svg", encoding="utf-8")
    return [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


@pytest.mark.parametrize("label, shown", [
    (7, "7"), (0, "0"), (2.5, "2.5"),
    ("a\x00b", "a\\x00b"),                  # NUL crashed the renderer
    ("x\ud800y", "x\\ud800y"),              # a lone surrogate cannot be encoded at all
    ("first\nsecond\tthird", "first\\nsecond\\tthird"),  # were dropped without a trace
    ("\u202eevil", "\\u202eevil"),          # a right-to-left override would reverse the text
])
def test_any_label_is_shown_with_every_character_visible(label, shown, capfd):
    x = Value(1.0, label=label)
    L = x * 2
    L.backward()
    graph = draw_dot(L)
    capfd.readouterr()
    assert any(text == shown for text in svg_texts(graph)), (shown, svg_texts(graph))
    assert capfd.readouterr().err == ""
    steps = backward_steps(L)
    assert shown in explain(steps[-1]).text
    draw_dot(L, step=len(steps), flow=True)  # stepping draws it too


def test_a_label_cannot_change_the_picture_or_the_page():
    hostile = '"] ; evil [label="x" ] ; { } | < > \\ <script>alert(1)</script> &amp;'
    x = Value(1.0, label=hostile)
    L = (x * 2).tanh()
    L.label = "</text><script>alert(2)</script>"
    L.backward()
    for graph in (draw_dot(L), draw_dot(L, flow=True, step=2)):
        svg = graph.pipe(format="svg", encoding="utf-8")
        assert "<script" not in svg
        texts = svg_texts(graph)
        assert hostile in texts and "</text><script>alert(2)</script>" in texts
        assert len(re.findall(r'<g id="node\d+" class="node">', svg)) == 6  # 4 values, 2 ops: nothing added


# --- pictures of a learner's own Value, and of micrograd's -------------------------------------------

def test_draw_dot_draws_a_lecture_style_value_with_flow_and_steps():
    values = lecture_neuron(OwnValue)
    out = values["out"]
    out.backward()
    expected = {name: v.grad for name, v in values.items()}
    source = draw_dot(out).source
    assert "data 2.0" in node_line(source, "x1") and f"grad {format_number(expected['x1'])}" \
        in node_line(source, "x1")
    assert re.search(r'label=sin', source) and re.search(r'label=tanh', source)
    flow = draw_dot(out, flow=True).source
    # each value's colour has the sign of the gradient the class's backward() gave it
    assert expected["x1"] < 0 < expected["w1"]
    assert redness(fill_of(node_line(flow, "x1"))) < 0 < redness(fill_of(node_line(flow, "w1")))
    assert "gradient:" in flow
    # what an edge carries is what the class's own _backward() sends along it
    n_key, o_key = key_of(flow, "n"), key_of(flow, "o")
    assert re.search(rf"\t{n_key} -> {o_key}op \[color=\"{FLOW_COLOURS['positive']}\"", flow)
    grads_before = {name: v.grad for name, v in values.items()}
    steps = backward_steps(out)
    k = next(s.index for s in steps if s.name == "o")
    stepped = draw_dot(out, step=k).source
    assert "#ff8c00" in node_line(stepped, "o")  # the node that acts
    assert f"grad {format_number(expected['n'])}" in node_line(stepped, "n")
    assert "grad 0.0" in node_line(stepped, "w1")  # not reached yet
    assert {name: v.grad for name, v in values.items()} == grads_before


def test_draw_dot_draws_micrograds_value():
    engine = pytest.importorskip("micrograd.engine", reason="micrograd 0.1.0 is in the test extra")
    a, b = engine.Value(2.0), engine.Value(3.0)
    L = (a * b + a ** 2).relu() * a  # (6 + 4) * 2 = 20, and dL/da = 2 * (b + 2a) + 10 = 24
    L.backward()
    source = draw_dot(L, flow=True).source
    assert source.count("shape=record") == 7 and "label=ReLU" in source and 'label="**2"' in source
    assert "data 20.0 | grad 1.0" in source and "data 2.0 | grad 24.0" in source
    svg = draw_dot(L, step=3).pipe(format="svg", encoding="utf-8")
    assert "<svg" in svg


def test_draw_dot_names_the_missing_attribute():
    class NoGrad:
        data, _prev, _op = 1.0, (), ""

    with pytest.raises(TypeError, match=r"draw_dot needs .* NoGrad it got has no attribute 'grad'"):
        draw_dot(NoGrad())


# --- big graphs ---------------------------------------------------------------------------------------

def chain(length: int) -> Value:
    node = Value(1.0, label="start")
    for _ in range(length):
        node = node * 1.0
    return node


def test_a_huge_graph_is_read_only_near_its_output():
    """A million-node chain: draw_dot decides the cut after reading at most LARGEST_GRAPH values
    (measured in benchmarks, not here: under a second and a few MB), and stepping refuses."""
    from micrograd_plus.viz.graph import LARGEST_GRAPH
    from micrograd_plus.viz.nodes import Graph

    big = chain(3 * LARGEST_GRAPH)
    read = []
    original = Graph.operands

    def counted(self, node):
        read.append(node)
        return original(self, node)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Graph, "operands", counted)
        with pytest.warns(UserWarning, match=f"more than {LARGEST_GRAPH:,} values, so only the "
                                             f"100 nodes nearest the output"):
            graph = draw_dot(big, max_nodes=100)
    assert len(set(read)) <= LARGEST_GRAPH + 100
    drawn = [line for line in graph.source.splitlines() if "[" in line and "->" not in line]
    assert len(drawn) <= 100 + 3 and f"more than {LARGEST_GRAPH:,} nodes" in graph.source
    for ask in (lambda: draw_dot(big, step=1), lambda: draw_dot(big, forward_step=1),
                lambda: BackpropStepper(big)):
        with pytest.raises(ValueError, match=f"more than {LARGEST_GRAPH:,} values: too many to "
                                             f"step through"):
            ask()


LECTURE_STYLE_DRAWING = '''
import sys
import {module}
from graphviz import Digraph
from micrograd_plus import Value

def walk(root):
    """Every value and every edge of the graph below root, as the lecture's trace does."""
    values, edges, todo = set(), set(), [root]
    while todo:
        value = todo.pop()
        if value not in values:
            values.add(value)
            for operand in value._prev:
                edges.add((operand, value))
                todo.append(operand)
    return values, edges

def picture(root):
    drawing = Digraph(format="svg", graph_attr={{"rankdir": "LR"}})
    values, edges = walk(root)
    for value in values:
        key = str(id(value))
        drawing.node(name=key, shape="record",
                     label="{{ %s | data %.4f | grad %.4f }}" % (value.label, value.data, value.grad))
        if value._op:
            drawing.node(name=key + value._op, label=value._op)
            drawing.edge(key + value._op, key)
    for operand, value in edges:
        drawing.edge(str(id(operand)), str(id(value)) + value._op)
    return drawing

a, b = Value(2.0, label="a"), Value(-3.0, label="b")
L = a * b + a
L.label = "L"
L.backward()
drawing = picture(L)
print("<svg" in drawing.pipe(encoding="utf-8"), "grad 2.0000" in drawing._repr_mimebundle_()["image/svg+xml"])
drawing.render(sys.argv[1])
'''


@pytest.mark.parametrize("module", ["micrograd_plus", "micrograd_plus.viz"])
def test_the_lectures_own_graphviz_drawing_works_after_the_import(module, tmp_path):
    """No dot on PATH (graphviz-pure, installed with micrograd_plus, is found beside Python):
    the lecture's draw_dot, which uses the graphviz package directly, renders, displays and
    writes its file once micrograd_plus (or its viz) is imported."""
    script = tmp_path / "lecture.py"
    script.write_text(LECTURE_STYLE_DRAWING.format(module=module))
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty),
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1])] + sys.path[1:])}
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "graph")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
    assert (tmp_path / "graph.svg").read_text().count("<svg") == 1


# --- fitting the output area (FIT_WIDTH_PX) ---------------------------------------------------------

def shown_size(svg: str) -> tuple[float, float]:
    """(width of the picture, its smallest text) in CSS pixels, as a browser shows the SVG."""
    width_pt = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1))
    scale = float(re.search(r'class="graph" transform="scale\(([\d.]+)', svg).group(1))
    smallest_pt = min(float(size) for size in re.findall(r'font-size="([\d.]+)"', svg))
    return width_pt * 4 / 3, smallest_pt * scale * 4 / 3


def lesson_neuron():
    """Lesson 05's neuron: two inputs, tanh."""
    from micrograd_plus.nn import Neuron

    out = Neuron(2, activation="tanh", seed=3)([Value(2.0, label="x0"), Value(-1.0, label="x1")])
    out.backward()
    return out


@pytest.mark.parametrize("make", [lambda: lecture_graph()[-1], lesson_neuron,
                                  lambda: tiny_network([1.0, -2.0])],
                         ids=["L of lesson 04", "neuron of lesson 05", "two-layer network"])
def test_pictures_fit_the_output_area_with_readable_text(make):
    out = make()
    out.backward()
    width, smallest = shown_size(draw_dot(out).pipe(format="svg", encoding="utf-8", quiet=True))
    assert width <= FIT_WIDTH_PX and smallest >= SMALLEST_TEXT_PX, (width, smallest)


def test_a_graph_too_wide_left_to_right_is_drawn_top_to_bottom():
    *_, L = lecture_graph()
    assert "rankdir=TB" in draw_dot(L).source
    # asked for left to right, it stays so, scaled down to the width
    chosen = draw_dot(L, rankdir="LR")
    assert "rankdir=LR" in chosen.source
    width, _ = shown_size(chosen.pipe(format="svg", encoding="utf-8", quiet=True))
    assert FIT_WIDTH_PX - 10 <= width <= FIT_WIDTH_PX


def test_a_network_too_wide_for_either_direction_collapses_and_shows_its_gradients():
    out = tiny_network([1.0, -2.0])
    out.backward()
    source = draw_dot(out).source
    assert "neuron (ReLU)" in source or "layer: 3 ReLU neurons" in source
    assert "grad [0.0" not in source and "grad 0.0" not in source.split("linear")[1]
    assert "shape=record" in draw_dot(out, max_nodes=None).source.split("neuron")[0]


def test_the_stepper_fits_the_output_area():
    *_, L = lecture_graph()
    svg = BackpropStepper(L)._svg("backward", 3)
    width, smallest = shown_size(svg)
    assert width <= FIT_WIDTH_PX and smallest >= SMALLEST_TEXT_PX, (width, smallest)


def test_the_stepper_fits_its_box_without_scrolling():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    L = (c + a).tanh()
    L.label = "L"
    svg = BackpropStepper(L)._svg("backward", 4)
    height_pt = float(re.search(r'<svg[^>]* height="([\d.]+)pt"', svg).group(1))
    width, smallest = shown_size(svg)
    assert height_pt * 4 / 3 <= 641 and width <= FIT_WIDTH_PX and smallest >= SMALLEST_TEXT_PX


def svg_of(picture: graphviz.Digraph) -> str:
    return picture.pipe(format="svg", encoding="utf-8", quiet=True)


@pytest.fixture
def presenting():
    """viz.presentation() on for one test: its text scale."""
    presentation()
    yield style.text_scale()
    presentation(False)


FITTED = [lambda: lecture_graph()[-1], lesson_neuron, lambda: tiny_network([1.0, -2.0]),
          lambda: lesson_network()[0]]
FITTED_IDS = ["L of lesson 04", "neuron of lesson 05", "two-layer network", "MLP(2, [4, 4, 1])"]


def lesson_network():
    net = MLP(2, [4, 4, 1], seed=0)
    return net([Value(1.0, label="x0"), Value(-1.0, label="x1")]), net


@pytest.mark.parametrize("make", FITTED, ids=FITTED_IDS)
def test_presentation_draws_graph_text_larger_and_still_fits(make):
    out = make()
    out.backward()
    _, normal = shown_size(svg_of(draw_dot(out)))
    presentation()
    try:
        width, projected = shown_size(svg_of(draw_dot(out)))
    finally:
        presentation(False)
    assert width <= FIT_WIDTH_PX, width
    assert projected >= SMALLEST_TEXT_PX * style.PRESENTATION_SCALE, projected
    assert projected > normal * 1.05, (normal, projected)


def test_presentation_off_draws_the_normal_sizes_and_a_stepper_keeps_its_own():
    *_, L = lecture_graph()
    normal = draw_dot(L).source
    stepper = BackpropStepper(L)  # made before presentation(): all its steps stay as they are
    presentation()
    try:
        projected = draw_dot(L).source
        later_step = stepper._svg("backward", 2)
    finally:
        presentation(False)
    assert "fontsize=22.4" in projected and "fontsize=22.4" not in normal
    assert 'font-size="16.00"' in later_step and 'font-size="22.40"' not in later_step
    assert draw_dot(L).source == normal


def test_a_neuron_too_wide_either_way_stacks_its_boxes_before_collapsing(presenting):
    # Projected, lesson 05's neuron is too wide left to right and top to bottom; its boxes are
    # drawn with data and grad under the name, and every weight is still there.
    source = draw_dot(lesson_neuron(), flow=True).source
    assert "neuron (tanh)" not in source
    assert all(f"{name} | data" in source for name in ("w0", "w1", "x0", "x1", "b"))
    assert "{ w0 | data" not in source  # left to right, braces would put the fields side by side


def test_a_network_is_collapsed_no_further_than_it_must_be():
    out, net = lesson_network()
    out.backward()
    picture = draw_dot(out, model=net)
    assert "layer 1, neuron 1 (ReLU)" in picture.source and "4 ReLU neurons" not in picture.source
    width, smallest = shown_size(svg_of(picture))
    assert width <= FIT_WIDTH_PX and smallest >= SMALLEST_TEXT_PX, (width, smallest)


def test_the_stepper_in_presentation_fits_its_box_with_larger_text(presenting):
    *_, L = lecture_graph()
    stepper = BackpropStepper(L)
    svg = stepper._svg("backward", 3)
    height_pt = float(re.search(r'<svg[^>]* height="([\d.]+)pt"', svg).group(1))
    width, smallest = shown_size(svg)
    assert width <= FIT_WIDTH_PX and height_pt * 4 / 3 <= 641
    assert smallest >= SMALLEST_TEXT_PX * presenting, smallest
    assert f"font-size:{15 * presenting:g}px" in stepper.sentence.value
