"""The matplotlib plots: what they contain, that they draw into a given ax, and that they
render to non-empty images."""

import io
import math

import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from PIL import Image

import matplotlib.pyplot as plt

from micrograd_plus import data
from micrograd_plus.nn import MLP, Layer, Perceptron
from micrograd_plus.train import History, accuracy, fit
from micrograd_plus.viz import (draw_network, panels, plot_activation, plot_decision_boundary,
                                plot_history, plot_loss_landscape_1d, plot_loss_landscape_2d,
                                plot_against_rule, plot_learning, plot_line, plot_log_loss,
                                plot_margin_losses, plot_mistakes_per_pass, plot_nudge_each_input,
                                plot_tangents, plot_with_slope,
                                plot_weight_images)
from micrograd_plus.viz.graph import FLOW_COLOURS
from micrograd_plus.viz.plots import TITLE_SIZE, _scores


@pytest.fixture(autouse=True)
def close_figures():
    """Plots made without ax are pyplot figures; close them so tests do not pile them up."""
    yield
    plt.close("all")


def png_of(figure: Figure) -> Image.Image:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=50)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def assert_not_blank(figure: Figure) -> None:
    image = png_of(figure)
    assert image.width > 100 and image.height > 100
    assert len(image.resize((80, 80)).getcolors(80 * 80)) > 20


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_fast_scores_match_calling_the_model(activation):
    model = MLP(2, [5, 4, 3], activation=activation, seed=3)
    points = np.random.default_rng(0).uniform(-2, 2, (40, 2))
    expected = [[v.data for v in model(list(p))] for p in points]
    assert np.allclose(_scores(model, points), expected, rtol=0, atol=1e-12)
    single = Layer(2, 1, activation="tanh", seed=1)
    assert np.allclose(_scores(single, points), [single(list(p)).data for p in points])
    model.layers[1].neurons[2].activation = "linear"  # a neuron changed by hand keeps its own
    expected = [[v.data for v in model(list(p))] for p in points]
    assert np.allclose(_scores(model, points), expected, rtol=0, atol=1e-12)


def test_decision_boundary_two_classes():
    X, y = data.make_moons(n=40, noise=0.1, seed=0)
    model = MLP(2, [8, 1], seed=0)
    figure = plot_decision_boundary(model, X, y, resolution=30)
    ax = figure.axes[0]
    assert len(ax.collections[-1].get_offsets()) + len(ax.collections[-2].get_offsets()) == 40
    assert "accuracy" in ax.get_title() and ax.title.get_fontsize() >= TITLE_SIZE
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    assert_not_blank(figure)
    assert figure._repr_png_().startswith(b"\x89PNG")  # shows itself in a notebook


def test_decision_boundary_reads_minus_one_labels_as_class_0():
    """micrograd's demo labels the classes -1 and +1; every point is drawn and scored."""
    X, y = data.make_moons(n=40, noise=0.1, seed=0)
    model = MLP(2, [8, 1], seed=0)
    fit(model, X, y, epochs=15, progress=False)
    signed = [2 * label - 1 for label in y]
    figure = plot_decision_boundary(model, X, signed, resolution=20)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    assert len(ax.collections[-1].get_offsets()) + len(ax.collections[-2].get_offsets()) == 40
    assert f"accuracy {accuracy(model, X, signed):.0%}" in ax.get_title()
    assert ax.get_title() == plot_decision_boundary(model, X, y, resolution=20).axes[0].get_title()


def drawn(figure: Figure):
    """The figure laid out and drawn; its renderer, to measure where things ended up."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas.get_renderer()


def test_decision_boundary_legend_covers_no_data():
    X, y = data.make_moons(n=60, noise=0.1, seed=0)
    figure = plot_decision_boundary(MLP(2, [8, 1], seed=0), X, y, resolution=20)
    ax = next(a for a in figure.axes if a.get_legend() is not None)
    renderer = drawn(figure)
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))  # beside the plot, not on it
    assert legend.x1 <= figure.bbox.x1 and legend.y0 >= 0
    assert ax.get_legend().get_texts()[0].get_fontsize() * 100 / 72 >= 14  # px on screen at 100 dpi


@pytest.mark.parametrize("layout", ["constrained", None])
def test_decision_boundaries_side_by_side_name_their_classes_without_covering_data(layout):
    """Panels side by side have no room for a legend beside them: with two classes the colour
    bar under each names the classes; with more, the legend goes under the panel."""
    moons, moon_labels = data.make_moons(n=60, noise=0.1, seed=0)
    blobs, blob_labels = data.make_blobs(n=60, centers=3, seed=0)
    figure = Figure(figsize=(12, 4), layout=layout)
    left, right = figure.subplots(1, 2)
    plot_decision_boundary(MLP(2, [8, 1], seed=0), moons, moon_labels, ax=left, resolution=20)
    plot_decision_boundary(MLP(2, [8, 3], seed=0), blobs, blob_labels, ax=right, resolution=20)
    assert left.get_legend() is None
    bar = next(a for a in figure.axes if a not in (left, right))
    assert [label.get_text() for label in bar.get_xticklabels()] == ["class 0", "class 1"]
    renderer = drawn(figure)
    legend = right.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(right.get_window_extent(renderer))
    assert [text.get_text() for text in right.get_legend().get_texts()] == ["class 0", "class 1", "class 2"]


def test_decision_boundary_many_classes_and_a_perceptron():
    X, y = data.make_blobs(n=60, centers=3, seed=0)
    figure = plot_decision_boundary(MLP(2, [8, 3], seed=0), X, y, resolution=25)
    assert len(figure.axes[0].get_legend().get_texts()) == 3
    X2, y2 = data.logic_gate("and")
    perceptron = Perceptron(2, seed=0)
    perceptron.fit(X2, y2)
    title = plot_decision_boundary(perceptron, X2, y2, resolution=20).axes[0].get_title()
    assert "accuracy 100%" in title
    with pytest.raises(ValueError, match="2-D inputs"):
        plot_decision_boundary(MLP(3, [1]), [[0, 0, 0]], [0])


def test_plots_draw_into_a_given_ax():
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert plot_activation("tanh", ax=left) is figure
    assert draw_network(MLP(2, [3, 1], seed=0), ax=right) is figure
    assert left.get_legend() is not None and len(figure.axes) == 2


def test_history_shows_loss_and_accuracy_for_train_and_validation():
    history = History(epochs=[1, 2, 3], train_loss=[1.0, 0.5, 0.3], train_accuracy=[0.5, 0.7, 0.9],
                      val_loss=[1.1, 0.7, 0.5], val_accuracy=[0.4, 0.6, 0.8])
    figure = plot_history(history)
    labels = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert labels == ["train loss", "validation loss", "train accuracy", "validation accuracy"]
    assert list(figure.axes[0].lines[0].get_ydata()) == [1.0, 0.5, 0.3]
    assert_not_blank(figure)
    with pytest.raises(ValueError, match="no epochs"):
        plot_history(History())


def test_network_edges_follow_the_weights():
    model = MLP(2, [3, 1], seed=0)
    figure = draw_network(model, x=[1.0, -1.0])
    lines = figure.axes[0].collections[0]
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    assert len(lines.get_segments()) == len(weights) == 9
    colours = [to_hex(c) for c in lines.get_colors()]
    expected = [FLOW_COLOURS["positive"] if w > 0 else FLOW_COLOURS["negative"] for w in weights]
    assert colours == expected
    widths = list(lines.get_linewidths())
    biggest = max(range(9), key=lambda i: abs(weights[i]))
    assert widths[biggest] == max(widths)
    faces = {to_hex(p.get_facecolor()) for p in figure.axes[0].patches}
    assert len(faces) > 2  # neurons shaded by their outputs
    # the input 1.0 is the darkest red there is: its figure is white, the light middle's black
    inks = {text.get_text(): to_hex(text.get_color()) for text in figure.axes[0].texts}
    assert inks["1"] == "#ffffff" and inks["-1"] == "#ffffff"
    assert "#000000" in inks.values()
    assert_not_blank(figure)


def test_activation_and_its_derivative_come_from_the_engine():
    figure = plot_activation("sigmoid")
    curve, slope = figure.axes[0].lines[-2:]
    z = curve.get_xdata()
    middle = len(z) // 2
    assert z[middle] == 0.0
    assert curve.get_ydata()[middle] == 0.5 and slope.get_ydata()[middle] == 0.25
    relu_slope = plot_activation("relu").axes[0].lines[-1].get_ydata()
    assert set(relu_slope) == {0.0, 1.0}
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        plot_activation("swish")


def test_loss_landscapes_show_the_descent_path():
    path = [2.0]
    for _ in range(5):
        path.append(path[-1] - 0.2 * 2 * path[-1])
    figure = plot_loss_landscape_1d(lambda w: w * w, path=path)
    descent = next(l for l in figure.axes[0].lines if "gradient descent" in l.get_label())
    assert list(descent.get_xdata()) == path and "5 steps" in descent.get_label()
    assert math.isclose(descent.get_ydata()[0], 4.0)
    # a loss written with Value methods works as well as one with plain arithmetic
    tanh_loss = plot_loss_landscape_1d(lambda w: (w.tanh() - 0.5) ** 2, path=[0.0, 0.3])
    assert_not_blank(tanh_loss)
    figure2 = plot_loss_landscape_2d(lambda a, b: a * a + 3 * b * b, path=[(2, 1), (1, 0.2), (0.5, 0)],
                                     resolution=30)
    assert "2 steps" in figure2.axes[0].get_legend().get_texts()[0].get_text()
    assert_not_blank(figure2)


def test_weight_images_show_one_tile_per_neuron():
    model = Layer(64, 10, activation="linear", seed=0)
    figure = plot_weight_images(model)
    numbers = [t.get_text() for t in figure.axes[0].texts]
    assert numbers == [str(k) for k in range(10)]
    mosaic = figure.axes[0].images[0].get_array()
    assert int((~mosaic.mask).sum()) == 10 * 64
    assert_not_blank(figure)
    with pytest.raises(ValueError, match="shape="):
        plot_weight_images(MLP(10, [3, 1]))
    lone = plot_weight_images(Layer(64, 1, seed=0)).axes[0]  # one tile: no "0" above it
    assert len(lone.texts) == 0 and " ".join(lone.get_title().split()) == "the neuron's weights as an image"


def test_values_on_the_model_are_left_alone():
    model = MLP(2, [4, 1], seed=1)
    before = [p.data for p in model.parameters()]
    plot_decision_boundary(model, [[0.0, 1.0], [1.0, 0.0]], [0, 1], resolution=10)
    draw_network(model, x=[0.2, 0.1])
    assert [p.data for p in model.parameters()] == before
    assert all(p.grad == 0.0 for p in model.parameters())


SHOWING = {  # a notebook cell -> how many pictures it must show
    "import matplotlib.pyplot as plt\nfrom micrograd_plus.viz import plot_activation": 0,
    "plot_activation('tanh')": 1,
    "plot_activation('relu')\nplt.show()": 1,
    "fig = plot_activation('sigmoid')\ndisplay(fig)": 1,
    "fig": 1,
    "later = plot_activation('tanh')": 1,
    "for name in ('tanh', 'relu'):\n    plot_activation(name)\nplt.show()": 2,
    "print(len(plt.get_fignums()))": 0,
}


def test_each_way_of_showing_a_plot_shows_it_once(kernel_manager):
    """As a cell's value, with plt.show(), with display(): once each, never twice, never not."""
    nbclient = pytest.importorskip("nbclient", reason="needs the [test] extra")
    import nbformat

    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(code) for code in SHOWING])
    nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3",
                            km=kernel_manager).execute()
    shown = {cell.source: sum("image/png" in output.get("data", {}) for output in cell.outputs)
             for cell in notebook.cells}
    assert shown == SHOWING
    assert notebook.cells[-1].outputs[0].text == "0\n"  # nothing left over for pyplot to show


@pytest.mark.parametrize("neurons, size", [(10, (10, 3.2)), (32, (10, 3.2)), (16, (4, 3)),
                                           (3, None)])
def test_weight_images_title_fits_in_a_small_ax(neurons, size):
    model = Layer(64, neurons, activation="linear", seed=0)
    if size is None:
        figure = plot_weight_images(model)
        ax, others = figure.axes[0], []
    else:
        figure = Figure(figsize=size, layout="constrained")
        ax, *others = figure.subplots(1, 3 if size[0] > 5 else 1, squeeze=False)[0]
        plot_weight_images(model, ax=ax)
    renderer = drawn(figure)
    title = ax.title.get_window_extent(renderer)
    assert " ".join(ax.get_title().split()).startswith("first-layer weights")
    assert 0 <= title.x0 and title.x1 <= figure.bbox.x1 and title.y1 <= figure.bbox.y1
    assert not any(title.overlaps(other.get_window_extent(renderer)) for other in others)
    numbers = [text.get_window_extent(renderer) for text in ax.texts]
    assert not any(a.overlaps(b) for i, a in enumerate(numbers) for b in numbers[i + 1:])
    assert all(text.get_fontsize() >= 6 for text in ax.texts)


@pytest.mark.parametrize("hidden, size, ratios", [
    ((8, 8), (18, 5.4), [1, 1, 1.5]),  # TrainingDashboard's figure
    ((8, 8), (6, 3), None),
    ((8,) * 6, (6, 3), None),
    ((8,) * 6, (3, 6), None),
    ((16, 16), (4, 4), None),
    ((4,), (12, 3), [1, 1, 1]),
])
def test_network_layer_names_overlap_nothing(hidden, size, ratios):
    figure = Figure(figsize=size, layout="constrained")
    axes = figure.subplots(1, len(ratios or [1]), width_ratios=ratios, squeeze=False)[0]
    ax = axes[-1]
    draw_network(MLP(2, [*hidden, 1], seed=0), ax=ax)
    renderer = drawn(figure)
    names = [label for label in ax.get_xticklabels() if label.get_text()]
    assert names[0].get_text().startswith("in")
    assert len(names) >= (len(hidden) + 2) // 2  # crowded: at least every second column named
    boxes = [label.get_window_extent(renderer) for label in names]
    title = ax.title.get_window_extent(renderer)
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert not any(box.overlaps(title) for box in boxes)
    # A text's box reaches the font's full ascent, about 3 px above its tallest letter here;
    # matplotlib 3.10 (Colab's) lays this title out with that box 1.1 px past the top edge and
    # every letter inside (looked at), so the box may poke out by less than that room.
    assert 0 <= title.x0 and title.x1 <= figure.bbox.x1 and title.y1 <= figure.bbox.y1 + 2
    roomy = draw_network(MLP(2, [3, 1], seed=0))
    drawn(roomy)
    assert [t.get_text() for t in roomy.axes[0].get_xticklabels()] == [
        "inputs\n(2)", "layer 1\n(3)", "layer 2\n(1)"]


def test_plot_learning_trains_the_model_and_shows_before_and_after():
    X, y = data.make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    figure = plot_learning(model, X, y, epochs=60)
    before, after = figure.axes[:2]
    assert before.get_title().startswith("before training (accuracy")
    assert after.get_title().startswith("after 60 epochs (accuracy")
    assert accuracy(model, X, y) >= 0.9  # the model itself was trained
    assert f"{accuracy(model, X, y):.0%}" in after.get_title()
    with pytest.raises(ValueError, match="epochs"):
        plot_learning(model, X, y, epochs=0)


def test_plot_line_draws_the_line_it_names():
    figure = plot_line(slope=-2.0)
    (line,) = [l for l in figure.axes[0].get_lines() if len(l.get_xdata()) > 2]
    assert line.get_ydata()[0] == pytest.approx(-2.0 * -3.0 + 1.0)
    assert figure.axes[0].get_title() == "y = -2 * x + 1"


def test_activations_side_by_side_keep_their_legends_off_the_curves():
    # Lesson 05 draws four activations in a 2 x 2 grid: each legend sits under its panel's
    # axis label, where it covers neither a curve nor the panel beside it.
    figure, axes = panels(2, rows=2)
    for ax, name in zip(axes, ["tanh", "sigmoid", "relu", "leaky_relu"]):
        plot_activation(name, ax=ax)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    for ax in axes:
        legend = ax.get_legend().get_window_extent(renderer)
        assert legend.y1 < ax.get_window_extent(renderer).y0, ax.get_title()


def test_loss_landscapes_name_the_walk_in_the_legend():
    # The legend says which optimiser walked (an Adam path is not "gradient descent").
    one = plot_loss_landscape_1d(lambda w: w * w, [1.0, 0.5, 0.2], label="Adam")
    two = plot_loss_landscape_2d(lambda a, b: a * a + b * b, [(1.0, 1.0), (0.5, 0.4)],
                                 label="momentum 0.8", resolution=10)
    one_texts = [t.get_text() for t in one.axes[0].get_legend().get_texts()]
    two_texts = [t.get_text() for t in two.axes[0].get_legend().get_texts()]
    assert "Adam (2 steps)" in one_texts and not any("gradient descent" in t for t in one_texts)
    assert "momentum 0.8 (1 step)" in two_texts
    plain = plot_loss_landscape_2d(lambda a, b: a * a + b * b, [(1.0, 1.0), (0.5, 0.4)], resolution=10)
    assert "gradient descent (1 step)" in [t.get_text() for t in plain.axes[0].get_legend().get_texts()]
    with pytest.raises(TypeError, match="label= names the walk.*got int: 3"):
        plot_loss_landscape_2d(lambda a, b: a * a + b * b, [(1.0, 1.0)], label=3)


def test_loss_landscapes_take_a_title():
    one = plot_loss_landscape_1d(lambda w: w * w, [1.0, 0.5], title="my curve")
    two = plot_loss_landscape_2d(lambda a, b: a * a + b * b, [(1.0, 1.0)], title="my map", resolution=10)
    assert one.axes[0].get_title() == "my curve" and two.axes[0].get_title() == "my map"


def test_plot_against_rule_measures_where_model_and_rule_agree():
    # A neuron whose border is x0 = x1 + 1: it disagrees with x0 > x1 on the strip between,
    # which is (on a 4 x 4 square) 1 - (3 * 3 / 2) / 16 - (4 * 4 / 2) / 16 = 0.21875 of it.
    from micrograd_plus.nn import Neuron
    neuron = Neuron(2, activation="tanh", seed=0)
    neuron.load_state_dict({"w0": 1.0, "w1": -1.0, "b": -1.0})
    figure = plot_against_rule(neuron, lambda x0, x1: x0 > x1, [[2.0, 0.5], [0.5, 2.0]], [1, -1],
                               resolution=201)
    title = figure.axes[0].get_title()
    share = float(title.split(" on ")[1].split("%")[0]) / 100
    assert share == pytest.approx(1 - 0.21875, abs=0.01)
    same = plot_against_rule(neuron, lambda x0, x1: x0 - x1 > 1, [[2.0, 0.5]], [1])
    assert "100.0%" in same.axes[0].get_title()
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert "they disagree" in labels and "the rule's border" in labels


def test_plot_mistakes_per_pass_draws_each_run():
    X, y = data.logic_gate("and")
    converged = Perceptron(2, seed=9).fit(X, y)
    X, y = data.logic_gate("xor")
    cycling = Perceptron(2, seed=9).fit(X, y, max_epochs=40)
    figure = plot_mistakes_per_pass({"AND": converged, "XOR": cycling}, passes=30)
    ax = figure.axes[0]
    lines = [line for line in ax.get_lines() if len(line.get_xdata())]
    assert [len(line.get_xdata()) for line in lines] == [converged.epochs, 40]
    assert list(lines[0].get_ydata()) == [e.mistakes for e in converged.history]
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == [f"AND: no mistakes after pass {converged.epochs}", "XOR: never settles"]
    assert ax.get_xlim() == (0.5, 30.5)
    with pytest.raises(ValueError, match="at least one result"):
        plot_mistakes_per_pass({})


def test_plot_log_loss_marks_each_probability_with_its_loss():
    figure = plot_log_loss([0.3, 0.92])
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == ["p = 0.3: loss 1.20", "p = 0.92: loss 0.08"]
    with pytest.raises(ValueError, match="between 0 and 1"):
        plot_log_loss([1.0])


def test_plot_margin_losses_uses_the_library_losses():
    ax = plot_margin_losses().axes[0]
    curves = {line.get_label(): line for line in ax.get_lines() if len(line.get_xdata()) > 2}
    hinge_curve = curves["hinge: max(0, 1 \u2212 margin)"]
    margins, values = hinge_curve.get_xdata(), hinge_curve.get_ydata()
    assert values[list(margins).index(-3.0)] == pytest.approx(4.0)
    assert values[-1] == 0.0
    logistic = curves["logistic (cross-entropy)"].get_ydata()
    assert logistic[-1] == pytest.approx(math.log(1 + math.exp(-3.0)))
    assert len(curves) == 4


def test_slope_pictures_measure_the_slopes():
    def f(x):
        return 0.5 * x ** 3 - 2 * x
    labels = [line.get_label() for line in plot_tangents(f, at=[-1.5, 0.0, 2.0]).axes[0].get_lines()]
    assert [label for label in labels if label.startswith("tangent")] == [
        "tangent at x = -1.5: slope 1.375", "tangent at x = 0: slope -2", "tangent at x = 2: slope 4"]
    top_title = plot_with_slope(f).axes[0].get_title()
    assert top_title == "dashed: slope 0 (flat) at x = -1.15, 1.15"  # where 1.5 x^2 = 2
    left, right = plot_nudge_each_input(lambda a, b: a * b + b, (3.0, 2.0)).axes
    assert left.get_title() == "b held at 2: slope 2" and right.get_title() == "a held at 3: slope 4"


def test_plot_points_draws_each_class_in_its_colour():
    from micrograd_plus.viz import plot_points
    from micrograd_plus.viz.plots import CLASS_COLOURS

    X, y = data.make_spirals(n=30, classes=3, seed=0)
    figure = plot_points(X, y, title="spirals")
    ax = figure.axes[0]
    assert ax.get_title() == "spirals" and len(ax.collections) == 3
    for k, dots in enumerate(ax.collections):
        assert to_hex(dots.get_facecolor()[0]) == CLASS_COLOURS[k].lower()
        assert len(dots.get_offsets()) == y.count(k)
    with pytest.raises(ValueError, match="2 numbers each"):
        plot_points([[0.0, 1.0, 2.0]], [0])
