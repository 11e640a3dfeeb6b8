"""Every picture the library plots is readable from the back of a classroom, as a notebook shows it.

A notebook's output area is about 900 px wide and a wider picture is shrunk to fit, text and
all; so each public plot is drawn here as the notebook draws it, and the test measures its
width and the size of every piece of text in on-screen pixels: tick labels at least 12 px,
every other text (titles, axis labels, legends, numbers in the picture) at least 14 px, or 12 px
for a few words written inside the drawing itself. ``presentation()`` makes all of it larger.
"""

from __future__ import annotations

import functools
import io

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from PIL import Image

from micrograd_plus import viz
from micrograd_plus.data import logic_gate, make_digits, make_moons
from micrograd_plus.experiments import train_over_seeds
from micrograd_plus.nn import MLP, Layer, Perceptron
from micrograd_plus.train import fit
from micrograd_plus.viz import style
from micrograd_plus.widgets import NeuronPlayground
from micrograd_plus.widgets import neuron as neuron_widget

TICK_PX, TEXT_PX, INSIDE_PX = 12, 14, 12


@pytest.fixture(autouse=True)
def close_figures():
    yield
    style.presentation(False)
    plt.close("all")


def moons_model():
    X, y = make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="hinge", epochs=3, progress=False)
    return X, y, model, history


def digit_images():
    X, y = make_digits(10, seed=0)
    return X, y


@functools.lru_cache(maxsize=1)
def every_plot():
    """One call of every public plot: name -> a function that draws it."""
    X, y, model, history = moons_model()
    digits, digit_labels = digit_images()
    runs = [train_over_seeds([3, 2], X, [int(label) for label in y], name=name,
                             tests={"training": (X, [int(label) for label in y])},
                             seeds=range(2), epochs=2)
            for name in ("small", "smaller")]
    square = lambda w: (w - 3) ** 2  # noqa: E731
    bowl = lambda a, b: (a - 1) ** 2 + 2 * (b + 1) ** 2  # noqa: E731
    return {
        "draw_network": lambda: viz.draw_network(model, X[0]),
        "panels": lambda: three_decision_boundaries(model, X, y),
        "plot_activation": lambda: viz.plot_activation("tanh"),
        "plot_against_rule": lambda: viz.plot_against_rule(Perceptron(2, seed=0), lambda a, b: a > b, X, y),
        "plot_bars": lambda: viz.plot_bars({"perceptron": 3, "GPT-2": 1.5e9}, log=True,
                                           title="parameters", ylabel="count"),
        "plot_decision_boundary": lambda: viz.plot_decision_boundary(model, X, y),
        "plot_history": lambda: viz.plot_history(history),
        "plot_images": lambda: viz.plot_images(digits[:5], [str(label) for label in digit_labels[:5]]),
        "plot_learning": lambda: viz.plot_learning(MLP(2, [4, 1], seed=0), X, y, epochs=2),
        "plot_line": lambda: viz.plot_line(0.5),
        "plot_log_loss": lambda: viz.plot_log_loss([0.3, 0.9]),
        "plot_loss_curves": lambda: viz.plot_loss_curves({"a": history, "b": history}),
        "plot_loss_landscape_1d": lambda: viz.plot_loss_landscape_1d(square, [0.0, 1.5, 2.5]),
        "plot_loss_landscape_2d": lambda: viz.plot_loss_landscape_2d(bowl, [(0.0, 0.0), (0.5, -0.5)]),
        "plot_margin_losses": lambda: viz.plot_margin_losses(),
        "plot_mistakes_per_pass": lambda: viz.plot_mistakes_per_pass(
            {gate: Perceptron(2, seed=0).fit(*logic_gate(gate), max_epochs=6) for gate in ("and", "xor")}),
        "plot_neuron_maps": lambda: viz.plot_neuron_maps(model, X, y),
        "plot_nudge_each_input": lambda: viz.plot_nudge_each_input(lambda a, b: a * b + b, (1.0, 2.0)),
        "plot_points": lambda: viz.plot_points(X, y),
        "plot_seed_spread": lambda: viz.plot_seed_spread(runs, "training", chance=0.5),
        "plot_tangents": lambda: viz.plot_tangents(lambda x: x ** 3 - 2 * x, [-1.0, 1.0]),
        "plot_weight_images": lambda: viz.plot_weight_images(Layer(64, 3, seed=0)),
        "plot_with_slope": lambda: viz.plot_with_slope(lambda x: x ** 2),
    }


def three_decision_boundaries(model, X, y):
    figure, axes = viz.panels(3)
    for ax, title in zip(axes, ["one", "two", "three"]):
        viz.plot_decision_boundary(model, X, y, ax=ax, title=title)
    return figure


def png_width(figure) -> int:
    return Image.open(io.BytesIO(figure._repr_png_())).width


def text_sizes_px(figure, shrink: float | None = None
                  ) -> tuple[list[float], list[tuple[str, float, bool]]]:
    """(tick label sizes, [(text, size, is a title, axis label or legend)] of every other text),
    in on-screen px, as the notebook shows the figure: shrunk to the output area, unless
    ``shrink`` says how much larger or smaller than drawn it is shown."""
    if shrink is None:
        shrink = min(1.0, style.OUTPUT_WIDTH_PX / png_width(figure))
    with style.text_scaled(figure):
        figure.canvas.draw()
        ticks = {id(label) for ax in figure.axes for axis in (ax.xaxis, ax.yaxis)
                 for tick in axis.get_major_ticks() + axis.get_minor_ticks()
                 for label in (tick.label1, tick.label2)}
        labels = {id(text) for ax in figure.axes
                  for text in (ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label,
                               *(ax.get_legend().get_texts() if ax.get_legend() else ()))}
        labels |= {id(text) for legend in figure.legends for text in legend.get_texts()}
        shown = [text for text in figure.findobj(Text) if text.get_visible() and text.get_text().strip()]
        px = lambda text: text.get_fontsize() * style.DPI / 72 * shrink  # noqa: E731
        return ([px(t) for t in shown if id(t) in ticks],
                [(t.get_text(), px(t), id(t) in labels) for t in shown if id(t) not in ticks])


def test_every_public_plot_is_covered():
    assert sorted(every_plot()) == sorted(viz._PLOTS), (
        "a public plot is missing from this test (or gone from viz): add one call of it above")


@pytest.mark.parametrize("name", sorted(viz._PLOTS))
def test_plot_fits_the_output_area_and_its_text_reads_from_the_back(name):
    check_readable(every_plot()[name]())


def check_readable(figure):
    assert png_width(figure) <= style.OUTPUT_WIDTH_PX + 2, "wider than the notebook's output area"
    ticks, others = text_sizes_px(figure)
    assert min(ticks, default=TICK_PX) >= TICK_PX, f"tick labels {min(ticks):.1f} px"
    small = [(text, round(size, 1)) for text, size, _ in others if size < INSIDE_PX]
    assert not small, f"text smaller than {INSIDE_PX} px: {small}"
    words = [(text, round(size, 1)) for text, size, is_label in others if is_label and size < TEXT_PX]
    assert not words, f"titles, axis labels or legends smaller than {TEXT_PX} px: {words}"


def test_presentation_makes_the_text_larger_and_keeps_the_width():
    X, y, model, _ = moons_model()
    normal = viz.plot_decision_boundary(model, X, y)
    normal_ticks, normal_other = text_sizes_px(normal)
    width = png_width(normal)
    viz.presentation()
    projected = viz.plot_decision_boundary(model, X, y)
    ticks, other = text_sizes_px(projected)
    assert min(ticks) == pytest.approx(min(normal_ticks) * style.PRESENTATION_SCALE, rel=0.02)
    assert png_width(projected) <= style.OUTPUT_WIDTH_PX + 2
    assert abs(png_width(projected) - width) < 0.25 * width
    # Drawing it twice does not enlarge it twice, and your own figures follow.
    assert text_sizes_px(projected)[0] == ticks
    assert matplotlib.rcParams["font.size"] == pytest.approx(
        matplotlib.rcParamsDefault["font.size"] * style.PRESENTATION_SCALE)
    viz.presentation(False)
    assert text_sizes_px(projected)[0] == normal_ticks
    assert matplotlib.rcParams["font.size"] == matplotlib.rcParamsDefault["font.size"]


@pytest.mark.parametrize("scale", [0.5, 5, float("nan"), "big", True])
def test_presentation_refuses_a_scale_it_cannot_use(scale):
    with pytest.raises(ValueError, match="scale must be a number from 1 to 3"):
        viz.presentation(scale=scale)


def neuron_pictures(inputs=(2.0, 0.0)):
    """The NeuronPlayground's curve-and-plane figure as it draws it, and how much the widget
    scales it on screen (its PNG is shown FIGURE_WIDTH_PX wide, beside the sliders)."""
    playground = NeuronPlayground(inputs=inputs)
    out = playground.output
    z = out._prev[0]
    figure = playground._draw_pictures("tanh", z.data, out.data, out.local_derivatives()[0])
    width = Image.open(io.BytesIO(style.png(figure, tight=False))).width
    return figure, neuron_widget.FIGURE_WIDTH_PX / width


def in_view(axis, location: float) -> bool:
    low, high = sorted(axis.get_view_interval())
    return low <= location <= high


def overlaps(figure) -> list[str]:
    """Texts that run into each other or off the figure, as drawn (presentation size if on)."""
    canvas = FigureCanvasAgg(figure)
    with style.text_scaled(figure):
        canvas.draw()
        renderer = canvas.get_renderer()
        unseen = {id(label) for ax in figure.axes for axis in (ax.xaxis, ax.yaxis)
                  for tick in axis.get_major_ticks() + axis.get_minor_ticks()
                  if not in_view(axis, tick.get_loc())
                  for label in (tick.label1, tick.label2)}  # not drawn: outside the axis
        shown = [t for t in figure.findobj(Text)
                 if t.get_visible() and t.get_text().strip() and id(t) not in unseen]
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in shown]
    page = figure.bbox.padded(1)
    found = [f"{text!r} runs off the figure" for text, box in boxes
             if not (page.containsx(box.x0) and page.containsx(box.x1)
                     and page.containsy(box.y0) and page.containsy(box.y1))]
    found += [f"{a!r} runs into {b!r}" for i, (a, box) in enumerate(boxes)
              for b, other in boxes[i + 1:] if box.overlaps(other)]
    return found


@pytest.mark.parametrize("presenting", [False, True], ids=["normal", "presentation"])
@pytest.mark.parametrize("inputs", [(2.0, 0.0), (-2.5, 3.0)])
def test_neuron_playground_pictures_read_from_the_back(presenting, inputs):
    if presenting:
        viz.presentation()
    scale = style.text_scale()
    figure, shown = neuron_pictures(inputs)
    assert shown == pytest.approx(1.0), "the figure is not shown one to one beside the sliders"
    ticks, others = text_sizes_px(figure, shown)
    assert min(ticks) >= TICK_PX * scale, f"tick labels {min(ticks):.1f} px"
    small = [(text, round(size, 1)) for text, size, _ in others if size < TEXT_PX * scale]
    assert not small, f"words smaller than {TEXT_PX * scale:.1f} px: {small}"
    assert not overlaps(figure)
