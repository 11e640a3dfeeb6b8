"""Plots for the lessons: decision boundaries, training curves, a network's weights, activation
functions, loss landscapes, and what a digits model has learned.

Every function takes an optional matplotlib ``ax`` to draw into and returns the Figure. How to
show it in a notebook (each way shows it once):

* as the cell's last line: ``plot_history(history)``;
* anywhere in a cell: ``plot_history(history)`` then ``plt.show()``, or ``display(fig)`` for a
  ``fig = plot_history(history)`` kept for later;
* in a figure of your own: ``fig, ax = plt.subplots()``, ``plot_history(history, ax=ax)``, then
  ``plt.show()``; it shows like any pyplot figure (ending the cell with a bare ``fig`` instead
  shows it twice, as for every pyplot figure).

A figure made without ``ax`` is a pyplot figure, so a notebook also shows it at the end of the
cell, and ``plt.show()`` opens it in a window from a script; ``fig.savefig(path)`` writes it to a
file. Fonts are sized to be read from the back of a classroom.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import matplotlib
import matplotlib.cm
import matplotlib.ticker
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.transforms import ScaledTranslation

from .. import batched
from ..engine import Value, no_grad
from ..nn import ACTIVATION_RULES
from .graph import FLOW_COLOURS, layers_of
from .style import (LABEL_SIZE, LEGEND_SIZE, MAX_WIDTH, SMALLEST_SIZE, TICK_SIZE, TITLE_SIZE,
                    figure_size, png, text_scale)
from .text import wrap_words

__all__ = [
    "panels", "plot_decision_boundary", "plot_points", "plot_history", "draw_network", "plot_activation",
    "plot_loss_landscape_1d", "plot_loss_landscape_2d", "plot_weight_images",
    "CLASS_COLOURS",
    "plot_learning", "plot_line", "plot_against_rule", "plot_mistakes_per_pass",
    "plot_log_loss", "plot_margin_losses", "plot_tangents", "plot_with_slope",
    "plot_nudge_each_input",
]

# Okabe-Ito: class colours that stay apart for colour-blind readers and on a projector.
CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                 "#F0E442", "#000000", "#999999", "#882255")
_POSITIVE, _NEGATIVE = FLOW_COLOURS["positive"], FLOW_COLOURS["negative"]
_TEXT_TO_PATH = TextToPath()


# --- figures that show up once in a notebook --------------------------------------------------------

class _LessonFigure(Figure):
    """A pyplot figure that a notebook shows once, however it is shown.

    Notebooks show pyplot figures at the end of a cell, and also show a figure that is the
    cell's value: that would be twice. So showing it (as the value, with display() or with
    plt.show()) also takes it off pyplot's list of figures to show; the Figure itself stays
    usable (savefig, display it again later).
    """

    def _repr_png_(self) -> bytes:
        return png(self)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        # IPython asks for this bundle first, whichever formatter later draws the PNG; the
        # inline backend's own display of pyplot figures goes through here too.
        _forget(self)
        return {"image/png": self._repr_png_()}


def _forget(figure: Figure) -> None:
    """Take ``figure`` off pyplot's list, so the notebook's end-of-cell show skips it."""
    import matplotlib.pyplot as plt

    plt.close(figure)  # a figure pyplot does not hold is left as it is


def _new_figure(width: float, height: float) -> Figure:
    """A pyplot figure of about ``width`` x ``height`` inches, never wider than the notebook's
    output area (see viz.style), shown once however it is shown."""
    import matplotlib.pyplot as plt  # here, so importing this module picks no backend

    return plt.figure(figsize=figure_size(width, height), layout="constrained",
                      FigureClass=_LessonFigure)


def panels(columns: int, rows: int = 1, height: float | None = None) -> tuple[Figure, list[Axes]]:
    """A figure of ``rows`` x ``columns`` panels to draw several plots side by side, as wide as a
    notebook's output area, so nothing in it is shrunk. Returns the figure and its panels as one
    list, left to right, then top to bottom: pass each to a plot as its ``ax``::

        fig, axes = panels(3)
        for ax, name in zip(axes, ["tanh", "sigmoid", "relu"]):
            plot_activation(name, ax=ax)

    ``height`` is each row's height in inches (default: about as tall as a panel is wide).
    """
    for name, count in (("columns", columns), ("rows", rows)):
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 6:
            raise ValueError(f"{name} must be a whole number from 1 to 6, got {count!r}.")
    row_height = height if height is not None else min(MAX_WIDTH / columns * 0.9 + 0.6, 5.0)
    figure = _new_figure(MAX_WIDTH, row_height * rows)
    return figure, list(figure.subplots(rows, columns, squeeze=False).flat)


def _new_axes(ax: Axes | None, size: tuple[float, float] = (7.5, 6.0)) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    figure = _new_figure(*size)
    return figure, figure.add_subplot()


def _style(ax: Axes, title: str = "", xlabel: str = "", ylabel: str = "") -> None:
    if title:  # each line broken between words to fit the panel, however narrow
        lines = [_wrapped(line, _room(ax)[0], TITLE_SIZE) for line in title.split("\n")]
        ax.set_title("\n".join(lines), fontsize=TITLE_SIZE)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=LABEL_SIZE)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    ax.tick_params(labelsize=TICK_SIZE)


def _room(ax: Axes) -> tuple[float, float]:
    """The width and height of ``ax`` in points, as laid out so far (a layout engine may still
    take some of it for labels: treat it as an upper bound)."""
    position = ax.get_position()
    return (position.width * ax.figure.get_figwidth() * 72,
            position.height * ax.figure.get_figheight() * 72)


def _text_width(text: str, fontsize: float) -> float:
    """How wide ``text`` is in points, in matplotlib's default font (measured, no drawing)."""
    font = FontProperties(size=fontsize)
    return _TEXT_TO_PATH.get_text_width_height_descent(text, font, ismath=False)[0]


def _wrapped(text: str, width_points: float, fontsize: float) -> str:
    """``text`` with its lines broken between words so that each fits ``width_points``."""
    return "\n".join(wrap_words(text, lambda line: _text_width(line, fontsize) <= width_points))


# --- models as functions of plain numbers -------------------------------------------------------------

def _scores(model: Any, points: Sequence[Sequence[float]]) -> np.ndarray:
    """The model's raw output for each point: shape (n,) for one output, (n, classes) for more.

    An nn MLP/Layer/Neuron runs on all points at once on the batched path (a grid for a decision
    boundary takes milliseconds instead of seconds of Value graphs); a Perceptron gives its
    weighted sum, and any function of a point that returns numbers or Values is called per point.
    """
    points = np.asarray(points, dtype=float)
    numbers = batched.outputs(model, points)
    if numbers is not None:
        return numbers
    score = getattr(model, "weighted_sum", None) or model
    rows = []
    # Only the numbers are wanted. no_grad() holds for this thread alone, so a widget training
    # in another thread still records its graphs.
    with no_grad():
        for point in points.tolist():
            out = score(point)
            rows.append([_number(o) for o in out] if isinstance(out, (list, tuple)) else _number(out))
    return np.asarray(rows, dtype=float)


def _classes(scores: np.ndarray) -> np.ndarray:
    # One output is a score with the boundary at 0 (hinge, logits, the perceptron's sum).
    return (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)


# --- decision boundary --------------------------------------------------------------------------------

def plot_decision_boundary(model: Any, X: Sequence[Sequence[float]], y: Sequence[int],
                           ax: Axes | None = None, resolution: int = 70,
                           title: str = "decision boundary") -> Figure:
    """The regions where ``model`` predicts each class, with the data points on top.

    Two classes: the shading follows the model's score (deeper = more confident) and a black line
    marks the boundary, score = 0. More classes: each region takes its class's colour. Labels
    -1/+1 (as in micrograd's demo) are read as classes 0 and 1.
    ``resolution`` points per side are evaluated (70 x 70 takes about a second for MLP(2, [16, 16, 1])).

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=int)
    # micrograd's demo labels the classes -1 and +1: read -1 as class 0, as train.accuracy does.
    y = np.where(y == -1, 0, y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary draws 2-D inputs; X has shape {X.shape}. "
                         "Pick two features, or use a model with two inputs.")
    figure, ax = _new_axes(ax, (8.8, 6.0))  # wider than tall: the legend goes beside the plot
    # A panel of several side by side has no room for a legend beside it: with two classes its
    # colour bar names them instead, with more the legend goes below it.
    narrow = _is_narrow(ax)
    margin = 0.15 * (X.max(axis=0) - X.min(axis=0)) + 0.1
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    scores = _scores(model, np.column_stack([grid_x.ravel(), grid_y.ravel()]))
    n_classes = max(int(y.max()) + 1, 2 if scores.ndim == 1 else scores.shape[1])
    colours = CLASS_COLOURS[:n_classes]
    if scores.ndim == 1:
        surface = scores.reshape(grid_x.shape)
        limit = max(float(np.abs(surface).max()), 1e-9)
        two_tone = matplotlib.colors.LinearSegmentedColormap.from_list(
            "two classes", [colours[0], "#ffffff", colours[1]])
        shading = ax.contourf(grid_x, grid_y, surface, levels=20, cmap=two_tone, alpha=0.45,
                              norm=TwoSlopeNorm(0.0, -limit, limit))
        _score_bar(figure, ax, shading, names_classes=narrow)
        if surface.min() < 0 < surface.max():
            ax.contour(grid_x, grid_y, surface, levels=[0.0], colors="black", linewidths=2.5)
    else:
        regions = _classes(scores).reshape(grid_x.shape)
        ax.contourf(grid_x, grid_y, regions, levels=np.arange(n_classes + 1) - 0.5,
                    cmap=ListedColormap(colours), alpha=0.35)
    _scatter_classes(ax, X, y, n_classes)
    accuracy = float((_classes(_scores(model, X)) == y).mean())
    _style(ax, f"{title} (accuracy {accuracy:.0%})" if title else "", "x0", "x1")
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    if not narrow:
        _legend_clear_of_data(ax)
    elif scores.ndim != 1:
        _legend_below(ax)
    return figure


def _score_bar(figure: Figure, ax: Axes, shading: Any, names_classes: bool) -> None:
    """A colour bar under ``ax`` for a two-class shading, from sure of class 0 to sure of class 1
    (``names_classes``: its ends say "class 0" and "class 1", standing in for a legend)."""
    scale = matplotlib.cm.ScalarMappable(shading.norm, shading.cmap)
    ends = [shading.norm.vmin, shading.norm.vmax]
    bar = figure.colorbar(scale, ax=ax, location="bottom", shrink=0.8, aspect=30, alpha=shading.alpha,
                          ticks=ends if names_classes else [ends[0], 0.0, ends[1]])
    bar.ax.set_xticklabels(["class 0", "class 1"] if names_classes
                           else ["sure: class 0", "boundary", "sure: class 1"])
    bar.ax.tick_params(labelsize=TICK_SIZE)
    bar.set_label("the model's score", fontsize=LABEL_SIZE)


def _scatter_classes(ax: Axes, X: np.ndarray, y: np.ndarray, n_classes: int) -> None:
    """The points of each class as dots in its colour, labelled "class k" for the legend."""
    for k in range(n_classes):
        chosen = y == k
        if chosen.any():
            ax.scatter(X[chosen, 0], X[chosen, 1], s=60, color=CLASS_COLOURS[k], edgecolors="black",
                       linewidths=0.8, label=f"class {k}", zorder=3)


def plot_points(X: Sequence[Sequence[float]], y: Sequence[int], ax: Axes | None = None,
                title: str = "") -> Figure:
    """A data set with two inputs: each point at its position, in its class's colour.

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=int)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
        raise ValueError(f"plot_points draws points with 2 numbers each and one label per point; "
                         f"X has shape {X.shape} and there are {len(y)} labels.")
    figure, ax = _new_axes(ax, (6.0, 5.6))
    _scatter_classes(ax, X, np.where(y == -1, 0, y), int(y.max()) + 1)
    _style(ax, title or f"{len(X)} points", "x0", "x1")
    ax.set_aspect("equal")
    return figure


_DISAGREE = CLASS_COLOURS[3]  # reddish purple: apart from both class colours


def plot_against_rule(model: Any, rule: Callable[[float, float], bool],
                      X: Sequence[Sequence[float]], y: Sequence[int], ax: Axes | None = None,
                      box: tuple[float, float, float, float] = (0.0, 4.0, 0.0, 4.0),
                      resolution: int = 81) -> Figure:
    """What ``model`` learned beside the rule its examples were drawn from: the square ``box``
    (x0 from, x0 to, x1 from, x1 to) shaded by the model's answer (a score above 0 is class 1),
    its border as a solid line, the rule's border dashed, and in red the points where the two
    disagree. The title says on what share of a ``resolution`` x ``resolution`` grid they agree.

    ``rule(x0, x1)`` is True where the right answer is class 1. ``X``, ``y`` are the examples
    the model was taught (labels -1/+1 or 0/1), drawn on top.
    """
    low0, high0, low1, high1 = box
    xs, ys = np.linspace(low0, high0, resolution), np.linspace(low1, high1, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    scores = _scores(model, np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
    model_says = (scores > 0).astype(int)  # one output: class 1 where the score is above 0
    rule_says = np.array([[bool(rule(float(a), float(b))) for a in xs] for b in ys], dtype=int)
    agreement = float((model_says == rule_says).mean())
    figure, ax = _new_axes(ax, (7.0, 6.0))
    extent = (low0, high0, low1, high1)
    ax.imshow(model_says, origin="lower", extent=extent, cmap=ListedColormap(CLASS_COLOURS[:2]),
              alpha=0.3)
    wrong = np.where(model_says != rule_says, 1.0, np.nan)
    ax.imshow(wrong, origin="lower", extent=extent, cmap=ListedColormap([_DISAGREE]), alpha=0.85)
    if scores.min() < 0 < scores.max():
        ax.contour(grid_x, grid_y, scores, levels=[0.0], colors="black", linewidths=2.5)
    ax.contour(grid_x, grid_y, rule_says, levels=[0.5], colors="black", linewidths=2,
               linestyles="dashed")
    X, labels = np.asarray(X, dtype=float), np.where(np.asarray(y) == -1, 0, np.asarray(y))
    for k in (0, 1):
        chosen = labels == k
        ax.scatter(X[chosen, 0], X[chosen, 1], s=90, color=CLASS_COLOURS[k], edgecolors="black",
                   linewidths=1, zorder=3, label=f"example, class {k}")
    ax.plot([], [], color="black", lw=2.5, label="the model's border")
    ax.plot([], [], color="black", lw=2, ls="--", label="the rule's border")
    ax.fill_between([], [], color=_DISAGREE, alpha=0.85, label="they disagree")
    ax.set_xlim(low0, high0)
    ax.set_ylim(low1, high1)
    _style(ax, f"agrees with the rule on {agreement:.1%} of the square", "x0", "x1")
    ax.legend(fontsize=LEGEND_SIZE, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return figure


def plot_learning(model: Any, X: Sequence[Sequence[float]], y: Sequence[int], epochs: int = 60,
                  lr: float = 0.1, seed: int = 0) -> Figure:
    """The whole game in one picture: ``model``'s decision boundary before training, then after
    ``epochs`` of training on the examples ``X`` with labels ``y`` (the model is trained in place).

    Training is :func:`micrograd_plus.train.fit` with hinge loss and SGD with momentum 0.9 at
    learning rate ``lr``; each panel's title gives how many examples the model gets right.
    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)``.
    """
    from ..optim import SGD  # here: the plots need the optimiser only for this one picture
    from ..train import fit

    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a whole number of at least 1, got {epochs!r}.")
    figure = _new_figure(12.0, 5.0)
    before, after = figure.subplots(1, 2)
    plot_decision_boundary(model, X, y, ax=before, title="before training")
    fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=lr, momentum=0.9),
        epochs=epochs, progress=False, seed=seed)
    plot_decision_boundary(model, X, y, ax=after, title=f"after {epochs} epochs")
    return figure


def plot_line(slope: float = 0.5, intercept: float = 1.0) -> Figure:
    """The straight line y = slope * x + intercept for x from -3 to 3, on fixed axes, so that
    moving a slider for ``slope`` visibly tilts it (every argument can take a slider, so it
    has no ``ax``)."""
    figure, ax = _new_axes(None, (6.0, 4.2))
    xs = np.linspace(-3.0, 3.0, 61)
    ax.plot(xs, slope * xs + intercept, lw=3, color=CLASS_COLOURS[0])
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_xlim(-3, 3)
    ax.set_ylim(-6, 6)
    _style(ax, f"y = {slope:g} * x + {intercept:g}", "x", "y")
    ax.grid(alpha=0.3)
    return figure


def plot_mistakes_per_pass(results: dict[str, Any], ax: Axes | None = None,
                           passes: int | None = None) -> Figure:
    """How many mistakes a Perceptron made in each pass over its examples, one line per
    training run: ``results`` maps a name (e.g. a logic gate) to what ``Perceptron.fit``
    returned. ``passes`` limits the x axis (default: the longest run).

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    if not results:
        raise ValueError("plot_mistakes_per_pass needs at least one result, e.g. "
                         "{'AND': Perceptron(2).fit(X, y)}.")
    figure, ax = _new_axes(ax, (9.0, 4.5))
    longest = 0
    for k, (name, result) in enumerate(results.items()):
        epochs = [e.epoch for e in result.history]
        mistakes = [e.mistakes for e in result.history]
        longest = max(longest, len(epochs))
        ax.plot(epochs, mistakes, "-o" if len(epochs) <= 30 else "-", lw=2.5, ms=6,
                color=CLASS_COLOURS[k % len(CLASS_COLOURS)],
                label=f"{name}: {'no mistakes after pass ' + str(result.epochs) if result.converged else 'never settles'}")
    ax.set_xlim(0.5, (passes or longest) + 0.5)
    ax.set_ylim(-0.2, max(max(e.mistakes for e in r.history) for r in results.values()) + 0.5)
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    _style(ax, "", "pass over the examples", "mistakes in the pass")
    ax.legend(fontsize=LEGEND_SIZE, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.grid(alpha=0.3)
    return figure


def _is_narrow(ax: Axes) -> bool:
    """Whether ``ax`` is one of several panels side by side, with no room for a legend beside it."""
    return ax.get_position().width < 0.45


def _legend_below(ax: Axes) -> None:
    """The legend under a panel, below its tick labels and axis label, covering nothing: in one
    row when it fits the panel's width, else in two columns when they fit, else in one column
    (a tall legend squeezes the plot above it)."""
    # Text is drawn text_scale() times larger when presenting (at the time the figure is shown).
    scale = text_scale()
    below_labels = 1.3 * (TICK_SIZE + LABEL_SIZE) * scale + 12  # points: two lines and padding
    anchor = ax.transAxes + ScaledTranslation(0, -below_labels / 72, ax.figure.dpi_scale_trans)
    style = dict(loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=anchor,
                 fontsize=LEGEND_SIZE, markerscale=1.2, handletextpad=0.3, framealpha=1.0,
                 edgecolor="#555555", columnspacing=1.0)
    # The panel's share of the figure's width: its own width is not final before the layout
    # engine has run.
    spec = ax.get_subplotspec()
    share = (ax.figure.bbox.width / spec.get_gridspec().ncols if spec is not None
             else ax.get_window_extent().width)
    entries = len(ax.get_legend_handles_labels()[1])
    for columns in sorted({entries, 2} - {0, 1}, reverse=True):
        if ax.legend(ncols=columns, **style).get_window_extent().width * scale <= 0.9 * share:
            return
    ax.legend(**style)


def _legend_clear_of_data(ax: Axes) -> None:
    """The legend where it hides no point: beside the plot when the figure has a layout engine
    (constrained or tight) to make room for it; otherwise in a band added above the data, as
    a legend outside would run into a neighbouring plot there."""
    style = dict(fontsize=LEGEND_SIZE, markerscale=1.3, framealpha=1.0, edgecolor="#555555")
    if ax.figure.get_layout_engine() is not None:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **style)
        return
    entries = len(ax.get_legend_handles_labels()[1])
    columns = min(entries, 3)
    rows = math.ceil(entries / max(columns, 1))
    # Without a layout engine the axes keep the size they have now, so the band can be sized:
    # each row of text plus the frame's padding, as a share of the axes' height.
    band_inches = (1.5 * rows + 1.4) * LEGEND_SIZE / 72
    axes_inches = ax.get_position().height * ax.figure.get_figheight()
    share = min(band_inches / max(axes_inches, 1e-9), 0.5)
    bottom, top = ax.get_ylim()
    ax.set_ylim(bottom, top + (top - bottom) * share / (1.0 - share))
    ax.legend(loc="upper center", ncols=columns, borderaxespad=0.3, columnspacing=1.2, **style)


# --- training curves ------------------------------------------------------------------------------------

def plot_history(history: Any, ax: Axes | None = None) -> Figure:
    """Loss (left axis, solid) and accuracy (right axis, dashed) per epoch, training and
    validation, from a ``train.History``.

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    epochs = list(history.epochs) or list(range(1, len(history.train_loss) + 1))
    if not history.train_loss:
        raise ValueError("This history has no epochs yet; train for at least one epoch first.")
    figure, ax = _new_axes(ax, (8.0, 5.0))
    lines = ax.plot(epochs, history.train_loss, color=CLASS_COLOURS[0], lw=2.5, label="train loss")
    if history.val_loss:
        lines += ax.plot(epochs[:len(history.val_loss)], history.val_loss, color=CLASS_COLOURS[5],
                         lw=2.5, label="validation loss")
    _style(ax, "training", "epoch", "loss")
    if history.train_accuracy:
        right = ax.twinx()
        lines += right.plot(epochs, history.train_accuracy, color=CLASS_COLOURS[0], lw=2,
                            ls="--", label="train accuracy")
        if history.val_accuracy:
            lines += right.plot(epochs[:len(history.val_accuracy)], history.val_accuracy,
                                color=CLASS_COLOURS[5], lw=2, ls="--", label="validation accuracy")
        right.set_ylim(0, 1.05)
        right.set_ylabel("accuracy", fontsize=LABEL_SIZE)
        right.tick_params(labelsize=TICK_SIZE)
        right.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylim(bottom=0)
    # Below the x-axis label, where no curve can be: inside, it hid whichever curve turned there.
    below_the_label = matplotlib.transforms.offset_copy(
        ax.transAxes, figure, y=-1.6 * (TICK_SIZE + LABEL_SIZE), units="points")
    ax.legend(lines, [line.get_label() for line in lines], fontsize=LEGEND_SIZE,
              loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=below_the_label,
              ncols=2, frameon=False)
    ax.grid(alpha=0.3)
    return figure


# --- the network ------------------------------------------------------------------------------------------

def _number(x: Any) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _activations(model: Any, layers: list[list[Any]], x: Sequence[float]) -> list[list[float]]:
    """Each layer's outputs for input ``x``, the inputs first."""
    values = [[float(v) for v in x]]
    if hasattr(model, "weighted_sum"):  # a Perceptron: one unit that outputs 0 or 1
        return values + [[float(model.predict(values[0]))]]
    with no_grad():  # only the numbers are wanted
        for neurons in layers:
            values.append([_number(neuron(values[-1])) for neuron in neurons])
    return values


class _LayerNames(matplotlib.ticker.Formatter):
    """The names under the network's columns, as long as the room between columns allows.

    Chosen each time the figure is drawn (then the axes have their final size): 'layer 2 (8)'
    when it fits, else 'L2 (8)', else 'L2', else every second (third, ...) column named.
    """

    def __init__(self, sizes: Sequence[int], spacing: float, fontsize: float):
        names = ["inputs"] + [f"layer {k}" for k in range(1, len(sizes))]
        short = ["in"] + [f"L{k}" for k in range(1, len(sizes))]
        self.forms = [[f"{name}\n({size})" for name, size in zip(names, sizes)],
                      [f"{name}\n({size})" for name, size in zip(short, sizes)], short]
        self.spacing, self.fontsize = spacing, fontsize

    def __call__(self, x: float, pos: int | None = None) -> str:
        k = round(x / self.spacing)
        if not 0 <= k < len(self.forms[0]):
            return ""
        ax = self.axis.axes
        gap = abs(ax.transData.transform((self.spacing, 0.0))[0]
                  - ax.transData.transform((0.0, 0.0))[0])
        # 0.62 em a character is generous for DejaVu Sans; one more character keeps a space.
        character = 0.62 * self.fontsize * ax.figure.dpi / 72
        for labels in self.forms:
            needed = (1 + max(len(line) for label in labels for line in label.split("\n")))
            if needed * character <= gap:
                return labels[k]
        every = math.ceil(needed * character / max(gap, 1e-9))
        return self.forms[-1][k] if k % every == 0 else ""


def draw_network(model: Any, x: Sequence[float] | None = None, ax: Axes | None = None) -> Figure:
    """The network as circles (neurons) joined by its weights: red positive, blue negative, line
    width by size. Given an input ``x``, each neuron is shaded by its output for that input.

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    layers = layers_of(model, "draw_network")
    n_inputs = len(layers[0][0].w)
    sizes = [n_inputs] + [len(neurons) for neurons in layers]
    tallest = max(sizes)
    figure, ax = _new_axes(ax, (max(7.0, 2.2 * len(sizes)), 5.5 if tallest <= 16 else 7.5))
    # Neurons sit one unit apart; layers further apart when they are tall, so the picture keeps
    # a readable shape with circles that stay round.
    spacing = max(1.2, 1.3 * tallest / max(1, len(sizes) - 1))

    def position(layer: int, i: int) -> tuple[float, float]:
        return spacing * layer, (sizes[layer] - 1) / 2.0 - i

    segments, colours, magnitudes = [], [], []
    for depth, neurons in enumerate(layers, start=1):
        for j, neuron in enumerate(neurons):
            for i, w in enumerate(neuron.w):
                w = _number(w)
                segments.append([position(depth - 1, i), position(depth, j)])
                colours.append(_POSITIVE if w > 0 else _NEGATIVE)
                magnitudes.append(abs(w))
    largest = max(magnitudes, default=1.0) or 1.0
    # Hundreds of lines at full strength would hide each other: thinner and lighter then.
    crowded = len(segments) > 300
    thinnest, extra = (0.2, 2.0) if crowded else (0.3, 4.5)
    widths = [thinnest + extra * (m / largest) for m in magnitudes]
    alpha = 0.3 if crowded else 0.8 if len(segments) < 200 else 0.45
    ax.add_collection(LineCollection(segments, colors=colours, linewidths=widths, alpha=alpha,
                                     zorder=1))
    shading = _activations(model, layers, x) if x is not None else None
    limit = max((abs(v) for row in (shading or [[1.0]]) for v in row), default=1.0) or 1.0
    signed = matplotlib.colormaps["RdBu_r"]
    for layer, size in enumerate(sizes):
        for i in range(size):
            cx, cy = position(layer, i)
            face = "white" if shading is None else signed(0.5 + 0.5 * shading[layer][i] / limit)
            ax.add_patch(matplotlib.patches.Circle((cx, cy), 0.3, facecolor=face,
                                                   edgecolor="black", lw=1.5, zorder=2))
            if shading is not None and tallest <= 6:
                # White figures on the dark ends of the scale, black on the light middle.
                red, green, blue, _ = face
                ink = "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"
                ax.text(cx, cy, f"{shading[layer][i]:.2g}", ha="center", va="center",
                        fontsize=TICK_SIZE - 2, zorder=3, color=ink)
    half = (tallest - 1) / 2.0
    ax.set_xlim(-0.6, spacing * (len(sizes) - 1) + 0.6)
    ax.set_ylim(-half - 0.6, half + 0.6)
    ax.set_aspect("equal")
    # Layer names as tick labels under the columns, which matplotlib keeps clear of the title;
    # how long they may be is decided when the figure is drawn, from the room between columns.
    ax.set_xticks([spacing * k for k in range(len(sizes))])
    ax.xaxis.set_major_formatter(_LayerNames(sizes, spacing, LABEL_SIZE - 2))
    ax.tick_params(axis="x", length=0, labelsize=LABEL_SIZE - 2)
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    title = "weights: red +, blue -, width = size"
    if x is not None:
        title += "\nneurons shaded by their output (red +, blue -)"
    ax.set_title(_wrapped(title, _room(ax)[0], LABEL_SIZE), fontsize=LABEL_SIZE)
    return figure


# --- activation functions ----------------------------------------------------------------------------------

def plot_activation(name: str, ax: Axes | None = None, xlim: tuple[float, float] = (-4.0, 4.0)
                    ) -> Figure:
    """An activation function (solid) and its derivative (dashed), both from the engine's rules.

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    if name not in ACTIVATION_RULES:
        raise ValueError(f"Unknown activation {name!r}; choose one of "
                         f"{', '.join(map(repr, ACTIVATION_RULES))}.")
    figure, ax = _new_axes(ax, (7.0, 4.8))
    zs = np.linspace(xlim[0], xlim[1], 401)
    rule = ACTIVATION_RULES[name]
    outs, slopes = [], []
    for z in map(float, zs):
        out = rule.forward(z) if rule else z
        outs.append(out)
        slopes.append(rule.local_derivatives(z, out)[0] if rule else 1.0)
    ax.axhline(0, color="#888888", lw=1)
    ax.axvline(0, color="#888888", lw=1)
    ax.plot(zs, outs, color=CLASS_COLOURS[0], lw=3, label=f"{name}(z)")
    ax.plot(zs, slopes, color=CLASS_COLOURS[5], lw=2.5, ls="--", label=f"d {name}(z) / dz")
    _style(ax, name, "z", "")
    ax.set_xlim(*xlim)
    if _is_narrow(ax):  # side by side, a legend inside would cover a curve or a neighbour
        _legend_below(ax)
    else:
        ax.legend(fontsize=LEGEND_SIZE, loc="upper left", framealpha=0.85)
    ax.grid(alpha=0.3)
    return figure


# --- slopes ----------------------------------------------------------------------------------------------

def _slope(function: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """The slope of ``function`` at ``x``, measured on both sides: (f(x + h) - f(x - h)) / 2h."""
    return (function(x + h) - function(x - h)) / (2 * h)


def plot_tangents(function: Callable[[float], float], at: Sequence[float],
                  xlim: tuple[float, float] = (-3.0, 3.0), ax: Axes | None = None,
                  name: str = "f(x)") -> Figure:
    """``function`` over ``xlim`` with its tangent line at each x in ``at``; each tangent's slope
    is measured by nudging x (both sides, h = 0.00001) and given in the legend.

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    figure, ax = _new_axes(ax, (8.0, 5.0))
    xs = np.linspace(*xlim, 301)
    ax.plot(xs, [function(x) for x in xs], lw=3, color=CLASS_COLOURS[0], label=name)
    reach = 0.12 * (xlim[1] - xlim[0])
    for k, x0 in enumerate(at):
        slope, height = _slope(function, x0), function(x0)
        colour = CLASS_COLOURS[(k + 2) % len(CLASS_COLOURS)]
        near = np.array([x0 - reach, x0 + reach])
        ax.plot(near, height + slope * (near - x0), lw=2.5, color=colour,
                label=f"tangent at x = {x0:g}: slope {slope:.4g}")
        ax.plot([x0], [height], "o", ms=9, color=colour)
    ax.axhline(0, color="grey", lw=0.8)
    _style(ax, "", "x", name)
    ax.legend(fontsize=LEGEND_SIZE, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.grid(alpha=0.3)
    return figure


def plot_with_slope(function: Callable[[float], float], xlim: tuple[float, float] = (-3.0, 3.0),
                    name: str = "f(x)") -> Figure:
    """Two panels sharing x: ``function`` on top and its slope, measured by nudging at every x,
    below; dashed lines mark where the slope crosses 0 (the function is flat there)."""
    figure = _new_figure(8.0, 6.5)
    top, bottom = figure.subplots(2, 1, sharex=True)
    xs = np.linspace(*xlim, 601)
    slopes = np.array([_slope(function, x) for x in xs])
    top.plot(xs, [function(x) for x in xs], lw=3, color=CLASS_COLOURS[0])
    bottom.plot(xs, slopes, lw=3, color=CLASS_COLOURS[5])
    flat = [xs[i] - slopes[i] * (xs[i + 1] - xs[i]) / (slopes[i + 1] - slopes[i])
            for i in range(len(xs) - 1) if slopes[i] * slopes[i + 1] < 0]
    for ax in (top, bottom):
        ax.axhline(0, color="grey", lw=0.8)
        for x in flat:
            ax.axvline(x, color=CLASS_COLOURS[5], ls="--", lw=1.5)
        ax.grid(alpha=0.3)
    where = ", ".join(f"{x:.2f}" for x in flat)
    _style(top, f"dashed: slope 0 (flat) at x = {where}" if flat else "", "", name)
    _style(bottom, "", "x", "slope")
    return figure


def plot_nudge_each_input(function: Callable[[float, float], float], point: tuple[float, float],
                          names: tuple[str, str] = ("a", "b"), reach: float = 2.0) -> Figure:
    """Two panels: ``function`` of two inputs as the first input moves (the second held at its
    value in ``point``) and as the second moves (the first held); each title gives that
    partial derivative at ``point``, measured by nudging."""
    figure = _new_figure(12.0, 4.8)
    axes = figure.subplots(1, 2, sharey=True)
    first, second = point
    moves = np.linspace(-reach, reach, 81)
    curves = [(lambda d: function(first + d, second), first, names[0], f"{names[1]} held at {second:g}"),
              (lambda d: function(first, second + d), second, names[1], f"{names[0]} held at {first:g}")]
    for k, (ax, (along, centre, moving, held)) in enumerate(zip(axes, curves)):
        ax.plot(centre + moves, [along(d) for d in moves], lw=3, color=CLASS_COLOURS[k])
        ax.plot([centre], [along(0.0)], "o", ms=10, color="black", zorder=3)
        _style(ax, f"{held}: slope {_slope(along, 0.0):.4g}", moving, "output" if k == 0 else "")
        ax.grid(alpha=0.3)
    return figure


# --- loss functions ----------------------------------------------------------------------------------

def plot_log_loss(probabilities: Sequence[float] = (), ax: Axes | None = None) -> Figure:
    """Binary cross-entropy as a function of p, the probability given to class 1: -log(p) for an
    example whose label is 1 and -log(1 - p) for label 0. Each of ``probabilities`` is marked on
    the label-1 curve with its loss.

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    bad = [p for p in probabilities if not 0.0 < p < 1.0]
    if bad:
        raise ValueError(f"probabilities must be between 0 and 1 (not 0 or 1 themselves), got {bad[0]!r}")
    figure, ax = _new_axes(ax, (8.0, 5.0))
    ps = np.linspace(0.005, 0.995, 300)
    ax.plot(ps, -np.log(ps), lw=3, color=CLASS_COLOURS[1], label="label 1: loss = −log(p)")
    ax.plot(ps, -np.log(1 - ps), lw=3, ls="--", color=CLASS_COLOURS[0],
            label="label 0: loss = −log(1 − p)")
    for p in probabilities:
        loss = -math.log(p)
        ax.plot([p], [loss], "o", ms=12, color="black", zorder=3)
        right_half = p > 0.5  # label to the left of points on the right, so it stays inside
        ax.annotate(f"p = {p:g}: loss {loss:.2f}", (p, loss), xytext=(-12, 30) if right_half else (12, 14),
                    textcoords="offset points", fontsize=LEGEND_SIZE,
                    ha="right" if right_half else "left")
    ax.set_ylim(0, 5)
    _style(ax, "", "p, the probability given to class 1", "loss")
    ax.legend(fontsize=LEGEND_SIZE, loc="upper center")
    ax.grid(alpha=0.3)
    return figure


def plot_margin_losses(ax: Axes | None = None) -> Figure:
    """Four losses of a two-class score against the margin (label x score, labels -1/+1):
    zero-one (counts mistakes), hinge, logistic (cross-entropy on the score) and squared error,
    each computed by the library's own loss function.

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    from ..losses import binary_cross_entropy_with_logits, hinge, mse

    figure, ax = _new_axes(ax, (11.0, 5.0))
    margins = np.linspace(-3.0, 3.0, 121)
    curves = [
        ("zero-one (counts mistakes)", [1.0 if m <= 0 else 0.0 for m in margins], "-"),
        ("hinge: max(0, 1 − margin)", [_loss_at(lambda v: hinge([v], [1]), m) for m in margins], "-"),
        ("logistic (cross-entropy)",
         [_loss_at(lambda v: binary_cross_entropy_with_logits([v], [1]), m) for m in margins], "--"),
        ("squared: (1 − margin)²", [_loss_at(lambda v: mse([v], [1]), m) for m in margins], ":"),
    ]
    for k, (name, values, style) in enumerate(curves):
        ax.plot(margins, values, style, lw=3, color=CLASS_COLOURS[k], label=name)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_ylim(0, 4)
    _style(ax, "", "margin = label × score  (right and confident →)", "loss")
    ax.legend(fontsize=LEGEND_SIZE, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.grid(alpha=0.3)
    return figure


# --- loss landscapes -------------------------------------------------------------------------------------------

def _loss_at(loss: Callable[..., Any], *parameters: float) -> float:
    """``loss`` at these parameter values, whether it computes with numbers or with Values."""
    with no_grad():  # only the number is wanted
        return _number(loss(*(Value(p) for p in parameters)))


def _path_range(path: np.ndarray, default: tuple[float, float]) -> tuple[float, float]:
    if path.size == 0:
        return default
    low, high = min(default[0], float(path.min())), max(default[1], float(path.max()))
    pad = 0.05 * (high - low)
    return low - pad, high + pad


def _steps(count: int) -> str:
    return f"{count} step" if count == 1 else f"{count} steps"


def _check_label(label: Any, function: str) -> None:
    if not isinstance(label, str):
        raise TypeError(f"{function}: label= names the walk in the legend and should be text, "
                        f"e.g. label='Adam'; got {type(label).__name__}: {label!r}.")


def plot_loss_landscape_1d(loss: Callable[[Value], Any], path: Sequence[float] = (),
                           ax: Axes | None = None, xlim: tuple[float, float] = (-3.0, 3.0),
                           parameter: str = "w", title: str = "loss landscape",
                           label: str = "gradient descent") -> Figure:
    """The loss as a function of one parameter, and the path gradient descent took on it.

    ``loss`` maps a parameter (given as a Value) to the loss; ``path`` lists the parameter after
    each step, starting point first. The range widens to show the whole path. ``label`` names
    the walk in the legend ("momentum", "Adam", ...), followed by its number of steps.

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    _check_label(label, "plot_loss_landscape_1d")
    steps = np.asarray(list(path), dtype=float)
    low, high = _path_range(steps, xlim)
    figure, ax = _new_axes(ax, (7.5, 5.0))
    ws = np.linspace(low, high, 300)
    ax.plot(ws, [_loss_at(loss, w) for w in ws], color=CLASS_COLOURS[0], lw=3, label="loss")
    if steps.size:
        heights = [_loss_at(loss, w) for w in steps]
        ax.plot(steps, heights, "-o", color=CLASS_COLOURS[5], lw=1.5, ms=7, zorder=3,
                label=f"{label} ({_steps(steps.size - 1)})")
        ax.plot(steps[0], heights[0], "s", color="black", ms=10, zorder=4, label="start")
        ax.plot(steps[-1], heights[-1], "*", color="black", ms=16, zorder=4, label="end")
    _style(ax, title, parameter, "loss")
    if _is_narrow(ax):
        _legend_below(ax)
    else:
        ax.legend(fontsize=LEGEND_SIZE, framealpha=0.85)
    ax.grid(alpha=0.3)
    return figure


def plot_loss_landscape_2d(loss: Callable[[Value, Value], Any],
                           path: Sequence[Sequence[float]] = (), ax: Axes | None = None,
                           xlim: tuple[float, float] = (-3.0, 3.0),
                           ylim: tuple[float, float] = (-3.0, 3.0),
                           parameters: tuple[str, str] = ("w0", "w1"), resolution: int = 80,
                           title: str = "loss landscape", label: str = "gradient descent") -> Figure:
    """Contours of the loss over two parameters, and the path gradient descent took.

    ``loss`` maps two parameters (Values) to the loss; ``path`` lists (p0, p1) after each step.
    ``label`` names the walk in the legend ("momentum", "Adam", ...), followed by its number of
    steps.

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    _check_label(label, "plot_loss_landscape_2d")
    steps = np.asarray([list(p) for p in path], dtype=float).reshape(-1, 2)
    (x0, x1), (y0, y1) = _path_range(steps[:, 0], xlim), _path_range(steps[:, 1], ylim)
    figure, ax = _new_axes(ax, (7.0, 6.0))
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    surface = np.array([[_loss_at(loss, a, b) for a in xs] for b in ys])
    filled = ax.contourf(xs, ys, surface, levels=25, cmap="viridis")
    ax.contour(xs, ys, surface, levels=12, colors="white", linewidths=0.6, alpha=0.6)
    bar = figure.colorbar(filled, ax=ax)
    bar.set_label("loss", fontsize=LABEL_SIZE)
    bar.ax.tick_params(labelsize=TICK_SIZE)
    if len(steps):
        ax.plot(steps[:, 0], steps[:, 1], "-o", color="#ff8c00", lw=2, ms=5,
                label=f"{label} ({_steps(len(steps) - 1)})")
        ax.plot(*steps[0], "s", color="white", mec="black", ms=11, label="start")
        ax.plot(*steps[-1], "*", color="white", mec="black", ms=17, label="end")
        _legend_below(ax)  # inside, it would hide part of the loss surface
    _style(ax, title, *parameters)
    return figure


# --- what a digits model has learned ---------------------------------------------------------------------------

def plot_weight_images(model: Any, shape: tuple[int, int] = (8, 8), ax: Axes | None = None,
                       max_images: int = 32) -> Figure:
    """Each first-layer neuron's weights drawn as an image of the input (red +, blue -): the
    pattern of pixels that makes the neuron fire.

    Shown as a cell's last value, or by ``plt.show()`` / ``display(fig)`` (see the module
    docstring); with ``ax`` it draws into your figure and returns that.
    """
    neurons = layers_of(model, "plot_weight_images")[0][:max_images]
    pixels = shape[0] * shape[1]
    if len(neurons[0].w) != pixels:
        raise ValueError(f"The first layer reads {len(neurons[0].w)} inputs, not an image of "
                         f"shape {shape} ({pixels} pixels); pass the image shape as shape=.")
    columns = min(len(neurons), 5 if len(neurons) <= 10 else 8)
    rows = math.ceil(len(neurons) / columns)
    figure, ax = _new_axes(ax, (1.5 * columns + 1.5, 1.75 * rows + 0.9))
    lone = len(neurons) == 1  # a lone tile needs no number, so no gap for one
    # Blank pixels above and beside each tile, its number in the gap above.
    gap = 0 if lone else 2
    height, width = shape[0] + gap, shape[1] + gap
    mosaic = np.full((rows * height, columns * width - gap), np.nan)
    # How big one pixel of the mosaic will be, in points, in the room the axes have (less the
    # colour bar and the title): the numbers must fit in the gap, or they run into the tiles.
    room_width, room_height = _room(ax)
    pixel = min(0.8 * room_width / mosaic.shape[1], (room_height - 40.0) / mosaic.shape[0])
    number_size = min(TICK_SIZE, 1.7 * pixel)
    numbered = not lone and number_size >= 6.0  # numbers under 6 points cannot be read
    for k, neuron in enumerate(neurons):
        r, c = divmod(k, columns)
        image = np.array([_number(w) for w in neuron.w]).reshape(shape)
        top, left = r * height + gap, c * width
        mosaic[top:top + shape[0], left:left + shape[1]] = image
        if numbered:
            ax.text(left + shape[1] / 2 - 0.5, top - 0.7, f"{k}", ha="center", va="bottom",
                    fontsize=number_size)
    limit = float(np.nanmax(np.abs(mosaic))) or 1.0
    colours = matplotlib.colormaps["RdBu_r"].with_extremes(bad="white")
    shown = ax.imshow(mosaic, cmap=colours, vmin=-limit, vmax=limit, interpolation="nearest")
    bar = figure.colorbar(shown, ax=ax, shrink=0.8)
    bar.ax.tick_params(labelsize=TICK_SIZE if room_width > 200 else SMALLEST_SIZE)
    ax.set_axis_off()
    title = "the neuron's weights as an image" if lone else "first-layer weights as images"
    if numbered:
        title += " (neuron number above)"
    ax.set_title(_wrapped(title, room_width, LABEL_SIZE),
                 fontsize=LABEL_SIZE if room_width > 200 else LABEL_SIZE - 2)
    return figure
