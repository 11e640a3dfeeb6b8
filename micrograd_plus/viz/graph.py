"""The computation graph as a picture: ``draw_dot(L)`` shows every value with its data and grad.

A Value is a record ``label | data | grad``; the op that made it is a small node of its own; every
operand occurrence is an edge (``a + a`` shows two). Nodes are numbered by topological order, so
the same graph always gives the same DOT text.

Options: ``flow=True`` colours gradients by sign and size; ``step=k`` shows the backward pass
after k chain-rule steps; ``forward_step=k`` shows the forward pass after k ops; ``collapse``
draws each neuron or layer of a network as one node, which happens by itself past ``max_nodes``.

Every picture fits a notebook output area ``FIT_WIDTH_PX`` wide: a wider drawing is scaled down
to it, but never so far that its smallest text is under ``SMALLEST_TEXT_PX`` on screen; before
that, the graph is drawn top to bottom instead of left to right (unless ``rankdir`` is given),
then with each box's fields stacked (narrower boxes), then with its neurons collapsed, then its
layers (unless ``collapse`` is given): each of these in both directions. In
``viz.presentation()`` mode all text is drawn ``style.text_scale()`` times larger, and so is
that smallest size: a projected graph fits the same width and changes layout sooner.

Everything this module writes into a label is ASCII (user labels are kept as given): graphviz-pure
prints a warning on stderr for each character it has no width for, and Jupyter's display of a
Digraph cannot silence it. Boxes keep their size from step to step by a measured ``width``, not
by padding characters.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal, Sequence

import graphviz

from ..engine import Value
from .nodes import Graph
from .rendering import use_renderer
from .style import text_scale
from .steps import BackwardStep, ForwardStep, gradients_after, stepped, stepped_forward
from .text import format_number, value_names

__all__ = ["draw_dot", "count_nodes", "layers_of", "StepPictures", "whole_order", "FLOW_COLOURS",
           "LARGEST_GRAPH", "SMALLEST_TEXT_PX", "FIT_WIDTH_PX"]

# A graph with more values than this is read only near its output: draw_dot draws the max_nodes
# nodes nearest the output (unless asked for collapse= or max_nodes=None), deciding so after
# reading at most this many values, so a chain of a million values draws in a fraction of a
# second; stepping through it is refused just as fast. A stepper on the largest graph allowed
# starts in about half a second of CPU time.
LARGEST_GRAPH = 5_000

# Diverging colours (ColorBrewer RdBu ends): red for a positive gradient, blue for a negative one,
# white for none; a distinction that survives red-green colour blindness and a washed-out projector.
FLOW_COLOURS = {"positive": "#b2182b", "negative": "#2166ac", "zero": "#ffffff"}
_FILL_STRENGTH = 0.75  # the strongest fill stays light enough for black text
_HIGHLIGHT = "#ff8c00"
_DEAD_FILL = "#e0e0e0"
_PENDING_FILL = "#f4f4f4"
_FONT = "Helvetica"
_NODE_FONT_PT, _SMALL_FONT_PT = 16, 14  # values; ops, edge numbers and the legend (x text_scale)
SMALLEST_TEXT_PX = 12  # no text of a picture is shown smaller than this (CSS px; x text_scale)
_PX_PER_INCH, _PX_PER_POINT = 96, 96 / 72  # CSS pixels
# JupyterLab shows an SVG at its own size (it shrinks only images): a graph fits the narrowest
# output area the lessons are read in, 848 px in JupyterLab on a 1280 px wide screen.
FIT_WIDTH_PX = 840
_FIT_INCHES = FIT_WIDTH_PX / _PX_PER_INCH
_ACTIVATIONS = ("ReLU", "tanh", "sigmoid")
_MORE = "more"  # the node that stands in for everything a cut picture leaves out

Collapse = Literal["neuron", "layer"]


# --- the scene: what is drawn, before it is written as DOT ---------------------------------------

@dataclass
class _Scene:
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    root_key: str = ""

    def size(self) -> int:
        return len(self.nodes)


@dataclass
class _Layout:
    """What a picture of the graph holds, whatever its gradients: the values in topological
    order, the neurons drawn as one node each or grouped by layer, and what they hide."""

    graph: Graph
    order: list
    rankdir: str
    collapse: Collapse | None = None
    groups: list[tuple[str, list[_Neuron]]] = field(default_factory=list)
    absorbed: dict[Value, str] = field(default_factory=dict)  # hidden value -> its group's key
    cut: int | None = None  # draw only this many nodes, those nearest the output
    fit_height: float | None = None  # inches the picture is scaled down to fit, if any
    total: int | None = None  # with a cut: how many nodes the whole picture has, if known
    shown: set | None = None  # with a cut: the values that can be drawn (None: all)
    text_scale: float = field(default_factory=text_scale)  # presentation() as it was when made
    stacked: bool = False  # each box's fields one above the other: narrower, taller boxes
    names: dict[Value, str] = field(init=False)
    index: dict[Value, int] = field(init=False)

    def __post_init__(self) -> None:
        self.names = value_names(self.order)
        self.index = {node: i for i, node in enumerate(self.order)}

    @staticmethod
    def of(graph: Graph, order: list, collapse: Collapse | None, model: Any,
           rankdir: str) -> _Layout:
        layout = _Layout(graph, order, rankdir, collapse)
        if collapse is not None:
            layout.groups, layout.absorbed = _collapsed(graph, order, collapse, model,
                                                        layout.index)
        return layout

    @property
    def horizontal(self) -> bool:
        return self.rankdir in ("LR", "RL")

    @property
    def flipped_records(self) -> bool:
        """Whether a box's fields are written in braces (see _record)."""
        return self.horizontal != self.stacked

    def read_values(self) -> list:
        """The values the picture shows, in a box of their own or inside a group's."""
        return self.order if self.shown is None else [n for n in self.order if n in self.shown]

    def drawn_values(self) -> list:
        """The values that have a box of their own, in topological order."""
        return [node for node in self.order if node not in self.absorbed
                and (self.shown is None or node in self.shown)]

    def size(self) -> int:
        """How many nodes the scene has (before any cut): values, their ops, and groups."""
        shown = [node for node in self.order if node not in self.absorbed]
        return _size(self.graph, shown) + len(self.groups)


@dataclass
class _Neuron:
    """One application of a neuron, act(dot(w, x, b)), found in the graph."""

    dot_node: Value
    output: Value
    activation: str
    weights: tuple[Value, ...]
    bias: Value
    inputs: tuple[Value, ...]
    name: str = ""


def draw_dot(root: Any, format: str = "svg", rankdir: str | None = None, *,
             step: int | None = None, forward_step: int | None = None, flow: bool = False,
             collapse: Collapse | None = None, model: Any = None,
             max_nodes: int | None = 500) -> graphviz.Digraph:
    """The graph that computed ``root``, as a ``graphviz.Digraph`` (it displays itself in Jupyter).

    ``root`` may be any micrograd-style value: micrograd_plus's, micrograd's, or your own class
    with ``data``, ``grad``, ``_prev``, ``_op`` (and ``label``, ``_backward``), as in the lecture.

    Args:
        format: the file format ``.render()`` writes ('svg', 'png', ...).
        rankdir: 'LR' draws left to right, 'TB' top to bottom; None (the default) draws left
            to right when that fits FIT_WIDTH_PX with text of at least SMALLEST_TEXT_PX (times
            the text scale of ``viz.presentation()``), else top to bottom. Either way a wider
            picture is scaled down to that width; before its text gets too small, each box's
            fields are stacked (name, data and grad one above the other).
        step: show the gradients after this many steps of ``backward_steps(root)`` (0 = after the
            forward pass), highlighting the node that acts and the edges it sends gradient along.
        forward_step: show the forward pass after this many ops (0 = only the inputs known).
        flow: colour every value by its gradient (red positive, blue negative, stronger = larger,
            with a legend), make edge width follow |gradient contribution|, and mark values whose
            gradient is zero (a dead ReLU) with a dashed grey box.
        collapse: 'neuron' draws each act(w . x + b) as one node, 'layer' draws each layer
            applied to one input as one node; None collapses neurons, then layers, only when
            the whole graph would not fit FIT_WIDTH_PX with readable text (or max_nodes).
        model: the network (MLP, Layer or Neuron) that made the graph, to name collapsed nodes
            after its layers and neurons.
        max_nodes: past this many nodes the graph collapses by itself (neurons, then layers); if
            still too big, only the max_nodes nodes nearest the output are drawn. None = no limit
            and no collapsing unless asked (the picture may then have smaller text).
            A graph of more than LARGEST_GRAPH values is not read whole (nor collapsed by
            itself): only its max_nodes nodes nearest the output are read and drawn.
    """
    if step is not None and forward_step is not None:
        raise ValueError("draw_dot shows either a backward step or a forward step; "
                         "give step= or forward_step=, not both.")
    if collapse not in (None, "neuron", "layer"):
        raise ValueError(f"collapse must be None, 'neuron' or 'layer', got {collapse!r}.")
    if rankdir not in (None, "LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'RL', 'TB', 'BT' or None (fit the width), "
                         f"got {rankdir!r}.")
    if max_nodes is not None and max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive number or None, got {max_nodes!r}.")

    if step is not None or forward_step is not None:
        pictures = StepPictures(root, "draw_dot(root, step=k)" if step is not None else
                                "draw_dot(root, forward_step=k)", flow=flow, collapse=collapse,
                                model=model, rankdir=rankdir, max_nodes=max_nodes, format=format)
        picture = pictures.backward(step) if step is not None else pictures.forward(forward_step)
        note = pictures.note
    else:
        graph = Graph(root, "draw_dot")
        if max_nodes is None or collapse is not None:  # asked for a picture of the whole graph
            nearest, whole = [], True
        else:
            nearest, whole = graph.nearest(LARGEST_GRAPH)
        if whole:
            layout, note = _fitted_layout(
                graph, graph.order(), collapse, model, rankdir, max_nodes,
                lambda layout: _State.after_backward(graph, layout.read_values(), flow), flow)
        else:
            # Too large to read whole: only the values nearest the output are read and drawn.
            layout = _Layout(graph, graph.order_of(set(nearest[:max_nodes])), rankdir or "LR",
                             cut=max_nodes)
            note = (f"the graph has more than {LARGEST_GRAPH:,} values, so only the {max_nodes} "
                    f"nodes nearest the output are drawn: draw a smaller part (one example's "
                    f"loss), or max_nodes=None to wait for all of them")
        state = _State.after_backward(graph, layout.read_values(), flow)
        picture = _drawn(layout, state, flow, format)
    if note:
        warnings.warn(f"draw_dot: {note}.", stacklevel=2)
    return picture


class StepPictures:
    """``draw_dot(root, step=k)`` and ``draw_dot(root, forward_step=k)`` for any k, the graph
    read, its steps worked out and its layout decided once for all of them (the stepper widget
    and the films draw many). ``who`` names the caller in errors. Unless ``max_nodes`` is None,
    a graph of more than LARGEST_GRAPH values is refused after reading only that many. With
    ``max_height_px`` the pictures are also scaled down to that height (a widget's box).

    Every backward picture gives each box the width it has at the end of the pass, so the
    layout stays put from one step to the next (measured by Graphviz, once: font metrics differ
    between renderers).
    """

    def __init__(self, root: Any, who: str, *, flow: bool = False,
                 collapse: Collapse | None = None, model: Any = None, rankdir: str | None = None,
                 max_nodes: int | None = 500, format: str = "svg",
                 max_height_px: float | None = None) -> None:
        graph = Graph(root, who)
        order = graph.order() if max_nodes is None else whole_order(graph, who)
        names = value_names(order)
        self.backward_steps = stepped(graph, order, names)
        self.forward_steps = stepped_forward(graph, order, names)
        # Laid out to fit with every number of the finished pass written in (the widest labels).
        self.layout, self.note = _fitted_layout(
            graph, order, collapse, model, rankdir, max_nodes,
            lambda layout: _State.stepping(graph.root, self.backward_steps,
                                           [len(self.backward_steps)])[0], flow, max_height_px)
        self.flow, self.format = flow, format
        self._widths: dict[str, str] | None = None

    def backward(self, k: int) -> graphviz.Digraph:
        """The graph after ``k`` backward steps (0: after the forward pass)."""
        steps = self.backward_steps
        state, final = _State.stepping(self.layout.graph.root, steps, [k, len(steps)])
        if self._widths is None:
            self._widths = _measured_widths(_drawn(self.layout, final, self.flow, self.format))
        return _drawn(self.layout, state, self.flow, self.format, self._widths)

    def forward(self, k: int) -> graphviz.Digraph:
        """The graph after ``k`` ops of the forward pass (0: only the inputs known)."""
        state = _State.forward(self.layout, self.forward_steps, k)
        return _drawn(self.layout, state, self.flow, self.format)


def whole_order(graph: Graph, what: str) -> list:
    """``graph.order()``, for a tool that follows the whole graph (stepping through it): a
    ValueError, decided after reading at most LARGEST_GRAPH values, when it is larger."""
    if not graph.nearest(LARGEST_GRAPH)[1]:
        raise ValueError(_too_large(what))
    return graph.order()


def _too_large(what: str) -> str:
    return (f"{what} follows the whole graph, and this one has more than {LARGEST_GRAPH:,} "
            f"values: too many to step through. Step through a smaller part (one neuron, or "
            f"one example's loss); draw_dot(root) draws the part nearest the output.")


def _drawn(layout: _Layout, state: _State, flow: bool, format: str,
           widths: dict[str, str] | None = None) -> graphviz.Digraph:
    """The picture of ``state``, record boxes ``widths`` wide where given."""
    scene = _build_scene(layout, state, flow)
    if layout.cut is not None:
        _keep_nearest(scene, layout.cut, layout.total)
    for key, width in (widths or {}).items():
        if key in scene.nodes and scene.nodes[key].get("shape") == "record":
            scene.nodes[key]["width"] = width
    use_renderer()
    return _digraph(scene, state, flow, layout.rankdir, format, layout.fit_height,
                    layout.text_scale)


def _fitted_layout(graph: Graph, order: list, collapse: Collapse | None, model: Any,
                   rankdir: str | None, max_nodes: int | None,
                   final_state: Callable[[_Layout], _State], flow: bool,
                   max_height_px: float | None = None) -> tuple[_Layout, str]:
    """The layout (and a note on what it leaves out) whose picture, drawn with the labels of
    ``final_state(layout)`` and scaled down to the output area, has the largest smallest text:
    the first of left to right, top to bottom, neurons collapsed, layers collapsed (as far as
    ``rankdir`` and ``collapse`` leave the choice) that keeps every text SMALLEST_TEXT_PX
    (times the presentation text scale); with ``max_height_px``, scaled down to that height
    too (a widget's box)."""
    directions = [rankdir] if rankdir else ["LR", "TB"]
    # Boxes with their fields side by side first, then one above the other (narrower).
    shapes = [(direction, stacked) for stacked in (False, True) for direction in directions]
    whole = collapse is not None or max_nodes is None  # asked for this picture of the graph
    levels: list[Collapse | None] = [collapse] if whole else [None, "neuron", "layer"]
    best: tuple[float, _Layout, str] | None = None
    for level in levels:
        for direction, stacked in shapes:
            layout, note = _limited_layout(graph, order, level, model, direction, max_nodes)
            layout.stacked = stacked
            if max_height_px is not None:
                layout.fit_height = max_height_px / _PX_PER_INCH
            if best is not None and level is not None and not layout.groups:
                return best[1], best[2]  # no neurons to collapse: nothing else to try
            smallest = _smallest_text_px(_drawn(layout, final_state(layout), flow, "svg"),
                                         layout)
            if best is None or smallest > best[0]:
                best = (smallest, layout, note)
            if smallest >= SMALLEST_TEXT_PX * layout.text_scale:
                return layout, note
    assert best is not None
    return best[1], best[2]


def _smallest_text_px(picture: graphviz.Digraph, layout: _Layout) -> float:
    """The on-screen size of the smallest text of ``picture``, drawn from ``layout``, once
    scaled to the output area (and to its ``fit_height`` inches)."""
    natural = picture.pipe(format="plain", encoding="utf-8", quiet=True).split(maxsplit=4)
    natural_width, natural_height = float(natural[2]), float(natural[3])  # graph scale W H
    fit_height = layout.fit_height
    scale = min(1.0, _FIT_INCHES / natural_width,
                fit_height / natural_height if fit_height else 1.0)
    return _SMALL_FONT_PT * layout.text_scale * _PX_PER_POINT * scale


def _limited_layout(graph: Graph, order: list, collapse: Collapse | None, model: Any,
                    rankdir: str, max_nodes: int | None) -> tuple[_Layout, str]:
    """The layout, collapsed or cut to at most ``max_nodes`` nodes; and a note saying so."""
    full = _size(graph, order)
    note = ""
    if collapse is not None or max_nodes is None or full <= max_nodes:
        layout = _Layout.of(graph, order, collapse, model, rankdir)
    else:
        layout = None
        for level in ("neuron", "layer"):
            candidate = _Layout.of(graph, order, level, model, rankdir)
            if layout is None or candidate.size() < layout.size():
                layout = candidate
            if layout.size() <= max_nodes:
                break
        if layout.size() < full:
            note = (f"{full:,} nodes is more than max_nodes={max_nodes}, so each "
                    f"{layout.collapse} is drawn as one node (collapse={layout.collapse!r})")
    if max_nodes is not None and layout.size() > max_nodes:
        layout.cut, layout.total = max_nodes, layout.size()
        if not layout.groups:  # only values within max_nodes of the output can be drawn
            layout.shown = set(graph.nearest(max_nodes)[0])
        note = (f"{note}; " if note else "") + (
            f"only the {max_nodes} nodes nearest the output are drawn "
            f"({layout.size() - max_nodes:,} more are not): draw a smaller part (one example's "
            f"loss), collapse='layer', or max_nodes=None")
    return layout, note


def _digraph(scene: _Scene, state: _State, flow: bool, rankdir: str, format: str,
             fit_height: float | None, scale: float) -> graphviz.Digraph:
    # size: dot scales a wider drawing down to the output area's width (never up); in graph_attr,
    # so that a raster copy (rendering.render_png) can set a size of its own.
    size = f"{_FIT_INCHES:.3f},{fit_height or 1000:.3f}"
    graph = graphviz.Digraph(format=format, graph_attr={"size": size})
    small = _font_size(_SMALL_FONT_PT, scale)
    graph.attr(rankdir=rankdir, fontname=_FONT, fontsize=small, bgcolor="white")  # the legend
    graph.attr("node", fontname=_FONT, fontsize=_font_size(_NODE_FONT_PT, scale))
    graph.attr("edge", fontname=_FONT, fontsize=small, color="#555555")
    if flow and state.known is None:
        graph.attr(label=_legend(state), labelloc="b", labeljust="c")
    for key, attrs in scene.nodes.items():
        graph.node(key, **attrs)
    for tail, head, attrs in scene.edges:
        graph.edge(tail, head, **attrs)
    return graph


def _font_size(points: float, scale: float) -> str:
    return f"{points * scale:g}"


def _measured_widths(graph: graphviz.Digraph) -> dict[str, str]:
    """Each node's width in inches, as Graphviz lays ``graph`` out."""
    widths = {}
    for line in graph.pipe(format="plain", encoding="utf-8", quiet=True).splitlines():
        fields = line.split()
        if fields and fields[0] == "node":  # node name x y width height ...
            widths[fields[1].strip('"')] = fields[4]
    return widths


def count_nodes(root: Any) -> int:
    """How many nodes ``draw_dot(root)`` would draw without collapsing (values plus ops)."""
    graph = Graph(root, "count_nodes")
    return _size(graph, graph.order())


def _size(graph: Graph, order: list) -> int:
    return len(order) + sum(1 for node in order if graph.operands(node))


# --- what the picture shows: gradients after a step, or values after a forward step --------------

@dataclass
class _State:
    root: Value
    grads: dict[Value, float]
    flow_scale: float
    # (node, operand position) -> the gradient the node sends that operand, grad * local
    # derivative; while stepping, what it sends in its own step (the same at every step).
    sent: dict[tuple[Value, int], float] = field(default_factory=dict)
    active: Value | None = None
    known: set[Value] | None = None  # forward stepping: the values computed so far
    done: set[Value] | None = None  # backward stepping: the nodes that have passed gradient on
    sending: Value | None = None  # backward stepping: the node whose step this is (not the seed)
    contribution_scale: float = field(init=False)  # the largest |sent|, for edge widths

    def __post_init__(self) -> None:
        self.contribution_scale = max(map(abs, self.sent.values()), default=0.0) or 1.0

    @staticmethod
    def after_backward(graph: Graph, order: list, flow: bool) -> _State:
        """The gradients as they are on the graph (after the user's own backward()); with
        ``flow``, also what each node sends along each edge."""
        grads = {node: node.grad for node in order}
        # A node that got no gradient sends none (and may have no local derivative: sqrt at 0).
        sent = {} if not flow else {
            (node, position): sent
            for node in order if node.grad and graph.operands(node)
            for position, sent in enumerate(graph.sent(node))}
        return _State(graph.root, grads, _scale(grads, graph.root), sent)

    @staticmethod
    def forward(layout: _Layout, steps: Sequence[ForwardStep], forward_step: int) -> _State:
        """The values known after ``forward_step`` of the forward ``steps`` of the graph."""
        if not 0 <= forward_step <= len(steps):
            raise ValueError(
                f"forward_step must be between 0 (only the inputs known) and {len(steps)} "
                f"(every op done) for this graph, got {forward_step}.")
        graph = layout.graph
        known = {node for node in layout.order if not graph.operands(node)}
        known.update(s.node for s in steps[:forward_step])
        active = steps[forward_step - 1].node if forward_step else None
        return _State(graph.root, {}, 1.0, active=active, known=known)

    @staticmethod
    def stepping(root: Value, steps: Sequence[BackwardStep],
                 step_numbers: Iterable[int]) -> list[_State]:
        """The gradients after each k of ``step_numbers`` steps of ``steps``
        (``backward_steps(root)``). What each node sends and the colour scale (from the final
        gradients) are the same in every one."""
        sent = {(s.node, term.position): term.contribution for s in steps for term in s.terms}
        flow_scale = _scale(gradients_after(steps, len(steps)), root)
        states = []
        for k in step_numbers:
            state = _State(root, gradients_after(steps, k), flow_scale, sent,
                           done={s.node for s in steps[:k] if not s.is_seed})
            if k:
                acting = steps[k - 1]
                state.active = acting.node
                state.sending = None if acting.is_seed else acting.node
            states.append(state)
        return states

    def grad(self, node: Value) -> float:
        return self.grads.get(node, 0.0)

    def reached(self, node: Value) -> bool:
        """Whether backward has given ``node`` a gradient yet (always, outside stepping)."""
        return self.done is None or node in self.grads


def _scale(grads: dict[Value, float], root: Value) -> float:
    # The output's own gradient is 1 and would wash out every other colour; leave it out.
    sizes = [abs(g) for node, g in grads.items() if node is not root and math.isfinite(g)]
    return max(sizes, default=0.0) or 1.0


# --- building the scene ----------------------------------------------------------------------------

def _build_scene(layout: _Layout, state: _State, flow: bool) -> _Scene:
    names, index, absorbed, flipped = (layout.names, layout.index, layout.absorbed,
                                       layout.flipped_records)
    scene = _Scene(root_key=f"v{index[state.root]}")
    for node in layout.drawn_values():
        i = index[node]
        scene.nodes[f"v{i}"] = _value_node(node, names[node], state, flow, flipped)
        operands = layout.graph.operands(node)
        if operands:
            scene.nodes[f"v{i}op"] = _op_node(layout.graph, node, state, flow,
                                              layout.text_scale)
            scene.edges.append((f"v{i}op", f"v{i}", _out_edge(node, state)))
            for position, operand in enumerate(operands):
                # An operand beyond a graph read only near its output comes from 'more'.
                tail = absorbed.get(operand) or (f"v{index[operand]}" if operand in index
                                                 else _MORE)
                scene.edges.append((tail, f"v{i}op", _edge(node, position, state, flow)))
    for key, members in layout.groups:
        scene.nodes[key] = _group_node(layout.graph, members, layout.collapse, state, flow,
                                       flipped)
        _group_edges(scene, key, members, absorbed, index, state, flow)
    if state.root in absorbed:
        scene.root_key = absorbed[state.root]
    return scene


def _value_node(node: Value, name: str, state: _State, flow: bool,
                flipped: bool) -> dict[str, str]:
    if state.known is not None:
        known = node in state.known
        fields = [name, f"data {format_number(node.data)}" if known else "data ?"]
        attrs = {"shape": "record", "label": _record(fields, flipped)}
        if not known:
            attrs.update(style="dashed,filled", fillcolor=_PENDING_FILL, fontcolor="#777777")
    else:
        grad = state.grad(node)
        fields = [name, f"data {format_number(node.data)}", f"grad {format_number(grad)}"]
        attrs = {"shape": "record", "label": _record(fields, flipped)}
        if flow and state.reached(node):
            attrs.update(_flow_fill(grad, state.flow_scale))
    if node is state.active:
        attrs.update(penwidth="4", color=_HIGHLIGHT)
    return attrs


def _op_node(graph: Graph, node: Any, state: _State, flow: bool,
             scale: float) -> dict[str, str]:
    op = _op_label(graph.op(node))
    attrs = {"label": op, "shape": "ellipse", "fontsize": _font_size(_SMALL_FONT_PT, scale),
             "ordering": "in",
             "margin": "0.05,0.02"}
    if flow and state.known is None and _is_dead_relu(graph, node):
        attrs.update(label=f"{op}\\n(dead)", style="dashed,filled",
                     fillcolor=_DEAD_FILL)
    if node is state.sending or (node is state.active and state.known is not None):
        attrs.update(penwidth="4", color=_HIGHLIGHT, style="filled", fillcolor="#ffe4c4")
    return attrs


def _out_edge(node: Value, state: _State) -> dict[str, str]:
    if node is state.active and state.known is not None:
        return {"color": _HIGHLIGHT, "penwidth": "3"}
    return {}


def _edge(consumer: Value, position: int, state: _State, flow: bool) -> dict[str, str]:
    attrs: dict[str, str] = {}
    if state.known is not None:
        if consumer is state.active:
            attrs.update(color=_HIGHLIGHT, penwidth="3")
        return attrs
    sent = state.sent.get((consumer, position), 0.0)
    if flow and (state.done is None or consumer in state.done):
        attrs.update(_flow_edge(sent, state.contribution_scale))
    if state.done is not None:
        # While stepping, every edge carries the gradient it sends, invisible until its step
        # comes: the layout has room for the numbers and stays put from one step to the next.
        attrs["label"] = format_number(sent)
        if consumer is state.sending:
            attrs.update(color=_HIGHLIGHT, penwidth=attrs.get("penwidth", "3"), dir="back",
                         fontcolor="#b35900")
        else:
            attrs["fontcolor"] = "transparent"
    return attrs


# --- collapsing neurons and layers -----------------------------------------------------------------

def _is_activation(node: Value) -> bool:
    return node._op in _ACTIVATIONS or node._op.startswith("leaky_relu")


def _is_dead_relu(graph: Graph, node: Any) -> bool:
    """A ReLU that passes no gradient back: its local derivative (the engine's rule) is 0."""
    if graph.op(node) != "ReLU":
        return False
    local = graph.local_derivatives(node)
    return local is not None and local[0] == 0.0


def _consumers(graph: Graph, order: list) -> dict[Any, list]:
    users: dict[Any, list] = {}
    for node in order:
        for operand in graph.operands(node):
            users.setdefault(operand, []).append(node)
    return users


def _collapsed(graph: Graph, order: list, collapse: Collapse, model: Any,
               index: dict[Value, int]) -> tuple[list[tuple[str, list[_Neuron]]], dict[Value, str]]:
    """The neurons drawn as one node each, or grouped by layer: each group's key and members;
    and every value hidden inside a group (dot node, output, parameters) -> the group's key."""
    users = _consumers(graph, order)
    neurons = _find_neurons(order, users, model)
    groups = _group(neurons, collapse, index)
    absorbed = {hidden: key for key, members in groups for neuron in members
                for hidden in (neuron.dot_node, neuron.output)}
    _absorb_parameters(groups, users, absorbed)
    return groups, absorbed


def _find_neurons(order: list[Value], users: dict[Value, list[Value]], model: Any) -> list[_Neuron]:
    """Every act(dot(w, x, b)) in the graph, as nn.Neuron builds it (contract: a 'dot' node whose
    operands are the weights, the inputs and the bias, then the activation, none when linear)."""
    owners = _parameter_owners(model)
    neurons: list[_Neuron] = []
    for node in order:
        if not isinstance(node, Value) or node._op != "dot" or len(node._prev) % 2 == 0:
            continue  # a neuron's weighted sum has a bias: an odd number of operands
        n = len(node._prev) // 2
        weights, inputs, bias = node._prev[:n], node._prev[n:2 * n], node._prev[-1]
        if bias._prev or any(w._prev for w in weights):
            continue  # parameters are leaves; this is some other weighted sum
        output, activation = node, "linear"
        after = users.get(node, ())
        if len(after) == 1 and _is_activation(after[0]):
            output, activation = after[0], after[0]._op
        name = owners.get(weights[0], "")
        neurons.append(_Neuron(node, output, activation, weights, bias, inputs, name))
    return neurons


def layers_of(model: Any, who: str) -> list[list[Any]]:
    """An MLP, Layer, Neuron or Perceptron as a list of layers, each a list of neurons with
    ``.w`` and ``.b``; ``who`` names the caller in the error for anything else."""
    if hasattr(model, "layers"):
        return [list(layer.neurons) for layer in model.layers]
    if hasattr(model, "neurons"):
        return [list(model.neurons)]
    if hasattr(model, "w") and hasattr(model, "b"):
        return [[model]]
    raise TypeError(f"{who} needs an MLP, Layer, Neuron or Perceptron, got {type(model).__name__}.")


def _parameter_owners(model: Any) -> dict[Value, str]:
    """First weight of each neuron -> 'layer i, neuron j' for an MLP, Layer or Neuron."""
    if model is None:
        return {}
    layers = layers_of(model, "draw_dot's model= (the network that made the graph)")
    return {neuron.w[0]: f"layer {i}, neuron {j}" if len(layers) > 1 else f"neuron {j}"
            for i, neurons in enumerate(layers, start=1)
            for j, neuron in enumerate(neurons, start=1)}


def _group(neurons: list[_Neuron], collapse: Collapse,
           index: dict[Value, int]) -> list[tuple[str, list[_Neuron]]]:
    if collapse == "neuron":
        return [(f"neuron{index[n.output]}", [n]) for n in neurons]
    layers: dict[tuple[int, ...], list[_Neuron]] = {}
    for neuron in neurons:
        # The neurons of one layer applied to one input all read the same values.
        layers.setdefault(tuple(index[x] for x in neuron.inputs), []).append(neuron)
    return [(f"layer{index[members[0].output]}", members) for members in layers.values()]


def _absorb_parameters(groups: list[tuple[str, list[_Neuron]]], users: dict[Value, list[Value]],
                       absorbed: dict[Value, str]) -> None:
    """Weights and biases vanish into their neuron's node when nothing else uses them."""
    inputs = {x for _, members in groups for n in members for x in n.inputs}
    for key, members in groups:
        for neuron in members:
            for parameter in neuron.weights + (neuron.bias,):
                if parameter in absorbed or parameter in inputs:
                    continue
                if all(user in absorbed for user in users.get(parameter, ())):
                    absorbed[parameter] = key


def _group_node(graph: Graph, members: list[_Neuron], collapse: Collapse | None, state: _State,
                flow: bool, flipped: bool) -> dict[str, str]:
    first = members[0]
    outputs = [n.output for n in members]
    grads = [state.grad(out) for out in outputs]
    dead = sum(1 for n in members if _is_dead_relu(graph, n.output))
    if collapse == "neuron":
        title = f"{first.name or 'neuron'} ({first.activation})"
        fields = [title, f"data {format_number(first.output.data)}",
                  f"grad {format_number(grads[0])}"]
    else:
        layer_name = first.name.split(",")[0] if first.name else "layer"
        title = f"{layer_name}: {len(members)} {first.activation} neuron{'s' * (len(members) > 1)}"
        if dead:
            title += f", {dead} dead"
        fields = [title, "data " + _values(out.data for out in outputs),
                  "grad " + _values(grads)]
    attrs = {"shape": "record", "label": _record(fields, flipped), "style": "rounded,bold"}
    if flow and state.known is None and state.reached(first.output):
        strongest = max(grads, key=abs)
        attrs.update(_flow_fill(strongest, state.flow_scale))
        attrs["style"] = "rounded," + attrs["style"]
    if state.active is not None and any(state.active in (n.dot_node, n.output)
                                        for n in members):
        attrs.update(penwidth="4", color=_HIGHLIGHT)
    return attrs


def _values(numbers) -> str:
    shown = [format_number(x) for x in numbers]
    return "[" + ", ".join(shown[:3] + (["..."] if len(shown) > 3 else [])) + "]"


def _group_edges(scene: _Scene, key: str, members: list[_Neuron], absorbed: dict[Value, str],
                 index: dict[Value, int], state: _State, flow: bool) -> None:
    # One edge per source node: a layer reading sixteen neurons of the layer before gets one.
    totals: dict[str, float] = {}
    for neuron in members:
        half = len(neuron.inputs)
        # The dot node has one user, so once it has a gradient, it is the one it sends with.
        sends = flow and state.reached(neuron.dot_node)
        for i, x in enumerate(neuron.inputs):
            tail = absorbed.get(x, f"v{index[x]}")
            contribution = state.sent.get((neuron.dot_node, half + i), 0.0) if sends else 0.0
            totals[tail] = totals.get(tail, 0.0) + contribution
    for tail, contribution in totals.items():
        attrs = _flow_edge(contribution, state.contribution_scale) if flow else {}
        scene.edges.append((tail, key, attrs))


def _keep_nearest(scene: _Scene, limit: int, total: int | None) -> None:
    """Keep the ``limit`` nodes nearest the output (breadth first, against the edges); stand one
    'more' node in for the rest of the ``total`` nodes (None: more than a graph read whole)."""
    inputs: dict[str, list[str]] = {}
    for tail, head, _ in scene.edges:
        inputs.setdefault(head, []).append(tail)
    kept = {scene.root_key}
    queue = deque([scene.root_key])
    while queue and len(kept) < limit - 1:
        for tail in inputs.get(queue.popleft(), ()):
            if tail not in kept and tail != _MORE and len(kept) < limit - 1:
                kept.add(tail)
                queue.append(tail)
    scene.nodes = {k: v for k, v in scene.nodes.items() if k in kept}
    fed_by_hidden: dict[str, None] = {}  # in the order met, each once
    edges = []
    for tail, head, attrs in scene.edges:
        if head not in kept:
            continue
        if tail in kept:
            edges.append((tail, head, attrs))
        else:
            fed_by_hidden[head] = None
    shown = (f"{total - len(kept):,} more nodes" if total is not None
             else f"more than {LARGEST_GRAPH:,} nodes")
    scene.nodes[_MORE] = {"shape": "note", "style": "filled", "fillcolor": "#fff8dc",
                          "label": f"{shown}\\nnot drawn"}
    edges.extend((_MORE, head, {"style": "dashed"}) for head in fed_by_hidden)
    scene.edges = edges


# --- labels and colours ----------------------------------------------------------------------------

_RECORD_SPECIAL = re.compile(r'([{}|<>"\\])')


def _record(fields: list[str], flipped: bool) -> str:
    """A record label. Graphviz writes a record's fields across the graph's direction (one
    above the other left to right, side by side top to bottom); ``flipped`` turns them."""
    body = " | ".join(_escape_record(f) for f in fields)
    return f"{{ {body} }}" if flipped else body


def _escape_record(text: str) -> str:
    text = _RECORD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))
    # A record label collapses runs of spaces unless they are escaped (padding needs them).
    return re.sub(r"  +", lambda run: "\\ " * len(run.group()), text)


def _op_label(op: str) -> str:
    # Graphviz reads '&amp;' in a label as '&' and '\\n' as a line break: both are escaped.
    return op.replace("&", "&amp;").replace("\\", "\\\\")


def _mix(colour: str, amount: float) -> str:
    """``colour`` blended into white: amount 0 is white, 1 is the colour."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 + (c - 255) * amount):02x}" for c in rgb)


def _strength(x: float, scale: float) -> float:
    # Square root, so a gradient a hundred times smaller is still faintly visible.
    return math.sqrt(min(abs(x) / scale, 1.0)) if scale else 0.0


def _sign_colour(x: float) -> str:
    return FLOW_COLOURS["positive"] if x > 0 else FLOW_COLOURS["negative"]


def _flow_fill(grad: float, scale: float) -> dict[str, str]:
    if grad == 0.0:
        return {"style": "dashed,filled", "fillcolor": _DEAD_FILL, "color": "#888888"}
    return {"style": "filled",
            "fillcolor": _mix(_sign_colour(grad), _FILL_STRENGTH * _strength(grad, scale))}


def _flow_edge(contribution: float, scale: float) -> dict[str, str]:
    if contribution == 0.0:
        return {"color": "#aaaaaa", "style": "dashed", "penwidth": "1"}
    width = 1.0 + 5.0 * _strength(contribution, scale)
    return {"color": _sign_colour(contribution), "penwidth": f"{width:.2f}"}


def _legend(state: _State) -> str:
    """An HTML-like table under the graph: five colour swatches with the gradients they mean."""
    scale = state.flow_scale
    cells = []
    for fraction in (-1.0, -0.5, 0.0, 0.5, 1.0):
        grad = fraction * scale
        fill = _flow_fill(grad, scale)["fillcolor"]  # the swatch is filled as a node would be
        shown = ("+" if grad > 0 else "") + format_number(grad)
        cells.append(f'<TD BGCOLOR="{fill}" BORDER="1" WIDTH="70">{shown}</TD>')
    return ('<<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="6"><TR>'
            '<TD BORDER="0">gradient:</TD>' + "".join(cells) +
            '<TD BORDER="0">grey, dashed = zero gradient (dead)</TD>'
            '</TR><TR><TD BORDER="0" COLSPAN="7">edge width = |gradient sent along it|'
            '</TD></TR></TABLE>>')
