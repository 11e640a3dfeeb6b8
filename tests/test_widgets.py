"""The widgets driven from Python, as a notebook user's clicks would drive them."""

from __future__ import annotations

import asyncio
import gc
import html
import io
import math
import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from lecture_value import OwnValue, lecture_neuron

from micrograd_plus import Value
from micrograd_plus.nn import ACTIVATIONS
from micrograd_plus.viz import backward_steps, explain
from micrograd_plus.widgets import (BackpropStepper, GradientDescentExplorer, NeuronPlayground,
                                    TrainingDashboard)
from micrograd_plus.widgets.dashboard import DATASETS, make_dataset, parse_hidden
from micrograd_plus.widgets.descent import LANDSCAPES, descend

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
E2E_NOTEBOOK = Path(__file__).parent / "e2e" / "widgets.ipynb"


# --- GradientDescentExplorer -------------------------------------------------------------------

# On the bowl each step multiplies w by (1 - 2 lr); in the ravine x by (1 - lr) and y by
# (1 - 10 lr); in the double well's right valley (w = 0.96, curvature 7.07) the distance to the
# minimum by about (1 - 7.07 lr). Each case sits well inside its regime.
@pytest.mark.parametrize("landscape, learning_rate, start, regime", [
    ("bowl", 0.01, None, "slow crawl"),        # x0.98 per step: 55% of the way left after 30
    ("bowl", 0.1, None, "converges"),          # the explorer's default: x0.8, 0.1% left after 30
    ("bowl", 0.3, None, "converges"),
    ("bowl", 0.97, None, "oscillates"),        # x(-0.94): flips sides, still 16% away
    ("bowl", 1.0, None, "oscillates"),         # x(-1): bounces between 2.5 and -2.5 for ever
    ("bowl", 1.2, None, "diverges"),           # x(-1.4): every bounce lands farther out
    ("double well", 0.005, None, "slow crawl"),
    ("double well", 0.02, None, "converges"),  # settles in the right-hand (higher) valley
    ("double well", 0.28, (1.2,), "oscillates"),
    ("double well", 0.25, None, "diverges"),   # the first step from 1.9 is 5 long, then worse
    ("ravine", 0.05, None, "slow crawl"),      # y settles at once, x crawls (x0.95)
    ("ravine", 0.15, None, "converges"),
    ("ravine", 0.195, None, "oscillates"),     # y flips sides (x(-0.95)) while x closes in
    ("ravine", 0.25, None, "diverges"),        # y x(-1.5)
])
def test_descend_names_each_regime_on_each_landscape(landscape, learning_rate, start, regime):
    trajectory = descend(LANDSCAPES[landscape], learning_rate, 30, start)
    assert trajectory.regime == regime, trajectory.explain()
    assert trajectory.explain().startswith(regime.capitalize())


def test_landscape_minima_are_where_the_gradient_vanishes_and_the_curve_bends_up():
    assert LANDSCAPES["bowl"].minima == ((0.0,),)
    (ravine_minimum,) = LANDSCAPES["ravine"].minima
    assert ravine_minimum == pytest.approx((0.0, 0.0), abs=1e-12)
    # (w² − 1)² + 0.3 w: the slope 4w³ − 4w + 0.3 is zero at three points; the middle one is the
    # hump between the valleys.
    roots = sorted(r.real for r in np.roots([4.0, 0.0, -4.0, 0.3]))
    assert sorted(m[0] for m in LANDSCAPES["double well"].minima) == pytest.approx([roots[0], roots[2]])


def test_descend_rate_is_the_distance_factor_per_step():
    assert descend(LANDSCAPES["bowl"], 0.1, 30).rate == pytest.approx(0.8)
    assert descend(LANDSCAPES["bowl"], 0.9, 30).rate == pytest.approx(0.8)   # |1 - 2 * 0.9|
    trajectory = descend(LANDSCAPES["double well"], 0.02, 30)
    assert trajectory.minimum == pytest.approx(max(LANDSCAPES["double well"].minima))


def test_descend_that_starts_at_the_minimum_converges():
    trajectory = descend(LANDSCAPES["bowl"], 0.5, 10, start=(0.0,))
    assert trajectory.regime == "converges" and "starts at the minimum" in trajectory.explain()


def test_slow_crawl_says_how_many_steps_it_would_take():
    # x0.98 per step: 1% of the distance is left after ln(0.01) / ln(0.98) = 228 steps.
    assert "about 228 steps" in descend(LANDSCAPES["bowl"], 0.01, 30).explain()


def test_descend_follows_the_closed_form_on_the_bowl():
    # On L = w**2 each step is w <- (1 - 2 lr) w.
    trajectory = descend(LANDSCAPES["bowl"], 0.2, 5, start=(2.0,))
    assert [p[0] for p in trajectory.points] == pytest.approx([2.0 * 0.6 ** k for k in range(6)])
    assert trajectory.losses == pytest.approx([(2.0 * 0.6 ** k) ** 2 for k in range(6)])


def test_descend_stops_when_the_parameters_escape():
    trajectory = descend(LANDSCAPES["bowl"], 3.0, 100)
    assert trajectory.diverged and trajectory.steps_taken < 100
    assert "Diverges" in trajectory.explain()


def test_descend_rejects_a_learning_rate_that_is_not_positive():
    with pytest.raises(ValueError, match="learning_rate must be a positive number, got -0.1"):
        descend(LANDSCAPES["bowl"], -0.1, 10)


def test_explorer_default_settings_converge():
    explorer = GradientDescentExplorer()
    assert (explorer.landscape.value, explorer.learning_rate.value) == ("bowl", 0.1)
    assert explorer.regime == "converges" and "Converges" in explorer.status.value


def test_explorer_learning_rate_slider_changes_regime_picture_and_sentence():
    explorer = GradientDescentExplorer(learning_rate=0.3)
    assert explorer.regime == "converges"
    picture, sentence = explorer.image.value, explorer.status.value
    explorer.learning_rate.value = 1.5
    assert explorer.regime == "diverges"
    assert "Diverges" in explorer.status.value and explorer.status.value != sentence
    assert explorer.image.value != picture and bytes(explorer.image.value).startswith(PNG_MAGIC)


@pytest.mark.parametrize("presenting", [False, True])
@pytest.mark.parametrize("landscape", sorted(LANDSCAPES))
def test_explorer_picture_keeps_everything_it_draws_inside_it(landscape, presenting):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from micrograd_plus.viz import presentation
    from micrograd_plus.viz.style import text_scaled

    presentation(presenting)
    try:
        explorer = GradientDescentExplorer(landscape=landscape)
        figure = explorer._draw(explorer._current(), explorer.trajectory)
        canvas = FigureCanvasAgg(figure)
        with text_scaled(figure):  # as png() draws it
            canvas.draw()
            drawn = figure.get_tightbbox(canvas.get_renderer())  # inches, all that is drawn
    finally:
        presentation(False)
    page = figure.bbox_inches.padded(0.02)
    assert page.containsx(drawn.x0) and page.containsx(drawn.x1), (drawn, page)
    assert page.containsy(drawn.y0) and page.containsy(drawn.y1), (drawn, page)


def test_explorer_ravine_descends_in_two_dimensions_from_the_start_slider():
    explorer = GradientDescentExplorer(landscape="ravine", learning_rate=0.05)
    assert (explorer.start.min, explorer.start.max) == LANDSCAPES["ravine"].bounds[0]
    explorer.start.value = 3.0
    assert explorer.trajectory.points[0] == (3.0, LANDSCAPES["ravine"].start[1])
    assert len(explorer.trajectory.points[0]) == 2


def test_explorer_landscape_change_keeps_observers_of_the_start_slider():
    explorer = GradientDescentExplorer()
    heard = []
    explorer.start.observe(lambda change: heard.append(change["new"]), names="value")
    explorer.landscape.value = "ravine"
    explorer.start.value = 1.0
    assert heard == [LANDSCAPES["ravine"].start[0], 1.0]
    assert explorer.trajectory.points[0][0] == 1.0


def test_explorer_rejects_an_unknown_landscape():
    with pytest.raises(ValueError, match="unknown landscape 'saddle'"):
        GradientDescentExplorer(landscape="saddle")


def test_explorer_display_data_carries_a_static_picture_next_to_the_widget():
    explorer = GradientDescentExplorer(learning_rate=1.2)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["image/png"].startswith(PNG_MAGIC)
    assert "Diverges" in bundle["text/plain"]


# --- BackpropStepper ---------------------------------------------------------------------------

def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    L = (c + a).tanh()
    L.label = "L"
    return L


def highlighted_nodes(svg: str) -> list[str]:
    """Titles of the graph nodes drawn with a coloured outline (all others are black)."""
    return re.findall(r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>\s*'
                      r'<(?:polygon|ellipse)[^>]*stroke="(?!black)[^"]+"', svg)


def test_stepper_next_advances_the_step_and_moves_the_highlight():
    stepper = BackpropStepper(small_graph())
    assert stepper.step.value == 0 and highlighted_nodes(stepper.graph.value) == []
    seen = []
    for k in range(1, stepper.step_count + 1):
        stepper.next.click()
        assert stepper.step.value == k
        seen.append(tuple(highlighted_nodes(stepper.graph.value)))
        assert seen[-1], f"step {k} highlights no node"
    # Steps 3 and 4 act on different nodes (n3 = c + a, then c = a * b).
    assert seen[2] != seen[3]
    assert stepper.next.disabled and not stepper.back.disabled


def test_stepper_sentence_is_the_chain_rule_of_the_current_step():
    root = small_graph()
    stepper = BackpropStepper(root)
    stepper.last.click()
    steps = backward_steps(root)
    assert html.unescape(stepper.sentence.value).count(explain(steps[-1]).text) == 1
    assert "dL/db = dL/dc * dc/db" in html.unescape(stepper.sentence.value)
    stepper.back.click()
    assert stepper.step.value == len(steps) - 1
    stepper.first.click()
    assert stepper.step.value == 0 and stepper.first.disabled


def test_stepper_leaves_the_graph_gradients_alone():
    root = small_graph()
    BackpropStepper(root).last.click()
    assert root.grad == 0.0


def test_stepper_steps_the_forward_pass_too():
    stepper = BackpropStepper(small_graph())
    stepper.direction.value = "forward"
    assert (stepper.step.value, stepper.step_count) == (0, 3)
    assert "data ?" in stepper.graph.value  # nothing computed yet
    stepper.next.click()
    assert "c = a * b = 2.0 * (-3.0) = -6.0" in html.unescape(stepper.sentence.value)
    assert stepper.active_node.label == "c"


def test_stepper_speed_slider_sets_the_play_interval_and_play_drives_the_step():
    stepper = BackpropStepper(small_graph())
    stepper.speed.value = 0.5
    assert stepper.play.interval == 500
    stepper.play.value = 2  # what the front end's play button does on its second tick
    assert stepper.step.value == 2


def test_stepper_falls_back_to_the_graph_as_svg():
    stepper = BackpropStepper(small_graph())
    stepper.next.click()
    bundle = stepper._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<svg") and "grad 1.0" in bundle["image/svg+xml"]
    assert "Step 1: start at the output" in bundle["text/plain"]


def test_stepper_rejects_what_is_not_a_value():
    with pytest.raises(TypeError, match="needs the value at the end of a graph.*float it got has no attribute 'data'"):
        BackpropStepper(3.0)


# --- NeuronPlayground --------------------------------------------------------------------------

def test_neuron_playground_weight_slider_changes_the_output():
    playground = NeuronPlayground(inputs=(2.0, 0.0), weights=(-3.0, 1.0), bias=6.88,
                                  activation="tanh")
    assert playground.output.data == pytest.approx(math.tanh(2.0 * -3.0 + 6.88))
    readout, picture = playground.readout.value, playground.graph.value
    playground.weights[0].value = -1.0
    assert playground.output.data == pytest.approx(math.tanh(2.0 * -1.0 + 6.88))
    assert playground.readout.value != readout and playground.graph.value != picture
    assert f"{playground.output.data:.4f}" in playground.readout.value


def test_neuron_playground_shows_the_gradients_of_one_backward_pass():
    playground = NeuronPlayground(inputs=(1.5, -0.5), weights=(0.4, 0.8), bias=0.1,
                                  activation="sigmoid")
    for _ in range(3):  # redraws must not pile up gradients on the weights
        playground.bias.value += 0.1
    z = 1.5 * 0.4 + -0.5 * 0.8 + playground.bias.value
    s = 1 / (1 + math.exp(-z))
    w0 = playground.neuron.w[0]
    assert w0.grad == pytest.approx(s * (1 - s) * 1.5)  # d sigmoid(z)/dw0 = s(1-s) x0
    assert f"grad {w0.grad:.4g}"[:9] in playground.graph.value


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_neuron_playground_every_activation_draws(activation):
    playground = NeuronPlayground(activation="tanh")
    playground.activation.value = activation
    assert playground.neuron.activation == activation
    bundle = playground._repr_mimebundle_()
    assert bundle["image/png"].startswith(PNG_MAGIC)
    assert activation in bundle["text/plain"]


def test_neuron_playground_relu_output_is_zero_below_the_kink():
    playground = NeuronPlayground(inputs=(1.0, 1.0), weights=(-1.0, -1.0), bias=0.5,
                                  activation="relu")
    assert playground.output.data == 0.0 and playground.neuron.w[0].grad == 0.0
    playground.weights[1].value = 2.0  # z = -1 + 2 + 0.5 = 1.5 > 0
    assert playground.output.data == pytest.approx(1.5)


def test_neuron_playground_refuses_numbers_it_cannot_show_and_keeps_working():
    # linear with bias 1e308 used to fail drawing its curve ("cannot convert float infinity")
    with pytest.raises(ValueError, match=r"b = 1e\+308 is refused: the playground shows numbers from -1e\+06"):
        NeuronPlayground(activation="linear", bias=1e308)
    with pytest.raises(ValueError, match="x0 = nan is refused"):
        NeuronPlayground(inputs=(float("nan"), 0.0))
    wide = NeuronPlayground(weights=(10.0, 1.0))  # a slider reaches its starting number
    assert wide.weights[0].value == 10.0 and wide.weights[0].max == 10.0
    playground = NeuronPlayground(activation="linear")
    before = playground.output.data
    playground.bias.value = float("nan")  # a slider clamps numbers to its range, but not nan
    assert playground.bias.value == 6.88 and playground.output.data == before
    assert "b = nan is refused" in playground.readout.value
    playground.bias.value = 1.0
    assert playground.output.data == pytest.approx(before - 5.88) and "refused" not in playground.readout.value


# --- TrainingDashboard -------------------------------------------------------------------------

def test_dashboard_steps_lower_the_loss():
    dashboard = TrainingDashboard(dataset="moons", hidden=(4,), n=40, learning_rate=0.05)
    assert dashboard.epoch == 0
    dashboard.step(15)
    losses = dashboard.history.train_loss
    assert dashboard.epoch == 15 and len(dashboard.history.val_loss) == 15
    assert losses[-1] < losses[0]
    assert "epoch <b>15</b>" in dashboard.status.value
    assert bytes(dashboard.image.value).startswith(PNG_MAGIC)


def test_dashboard_plays_in_the_background_and_pauses():
    dashboard = TrainingDashboard(dataset="xor", hidden=(4,), n=40, learning_rate=0.05)
    answered = []

    async def notebook_session():
        dashboard.play()
        assert dashboard.is_playing and dashboard.play_button.disabled
        deadline = time.monotonic() + 60
        while dashboard.epoch < 3 and time.monotonic() < deadline:
            answered.append(dashboard.epoch)  # the loop is free between epochs, as for clicks
            await asyncio.sleep(0.01)
        dashboard.pause()
        stopped_at = dashboard.epoch
        await asyncio.sleep(0.2)
        return stopped_at

    stopped_at = asyncio.run(notebook_session())
    assert stopped_at >= 3 and dashboard.epoch == stopped_at
    # This coroutine ran while training went on, seeing different epochs: the loop was shared.
    assert len(set(answered)) >= 2, f"training held the event loop; saw epochs {answered}"
    assert not dashboard.is_playing
    assert not dashboard.play_button.disabled and dashboard.pause_button.disabled


def test_dashboard_play_outside_a_kernel_says_to_use_step():
    with pytest.raises(RuntimeError, match=r"call step\(epochs\) instead"):
        TrainingDashboard(dataset="xor", hidden=(2,), n=20).play()


def test_dashboard_settings_start_over_and_learning_rate_applies_at_once():
    dashboard = TrainingDashboard(dataset="circles", hidden=(3,), n=30)
    dashboard.step(2)
    dashboard.learning_rate.value = 0.1
    assert dashboard.optimizer_.lr == pytest.approx(0.1)
    assert dashboard.epoch == 2
    dashboard.hidden.value = "5, 2"
    assert dashboard.epoch == 0
    assert [len(layer.neurons) for layer in dashboard.model.layers] == [5, 2, 1]
    dashboard.train_fraction.value = 0.5
    assert len(dashboard.X_train) == len(dashboard.X_val) == 15


def test_dashboard_that_diverges_stops_with_a_message_and_keeps_its_history_whole():
    dashboard = TrainingDashboard(dataset="xor", hidden=(2,), n=20, optimizer="SGD")
    dashboard.optimizer_.lr = 1e308  # past the slider's range: the first step overshoots to inf
    dashboard.step(3)
    assert len(dashboard.history.train_loss) == len(dashboard.history.val_loss) == dashboard.epoch
    assert "Training stopped at epoch" in dashboard.status.value
    assert bytes(dashboard.image.value).startswith(PNG_MAGIC)
    summary = dashboard._repr_mimebundle_()["text/plain"]
    assert "lower it and press reset" in summary and "<" not in summary


def test_dashboard_refuses_a_nan_learning_rate_in_the_widget_and_keeps_working():
    dashboard = TrainingDashboard(dataset="xor", hidden=(2,), n=20, learning_rate=0.05)
    dashboard.learning_rate.value = float("nan")  # a log slider clamps numbers, not nan
    assert dashboard.learning_rate.value == pytest.approx(0.05)
    assert dashboard.optimizer_.lr == pytest.approx(0.05)
    assert "Learning rate nan refused" in dashboard.status.value
    dashboard.reset()  # used to fail: the nan stuck in the slider reached the new optimizer
    dashboard.step(2)
    assert dashboard.epoch == 2 and "refused" not in dashboard.status.value
    with pytest.raises(ValueError, match="learning_rate must be a positive number, got nan"):
        TrainingDashboard(learning_rate=float("nan"))


def test_dashboard_says_what_is_wrong_with_hidden_sizes_and_keeps_its_network():
    dashboard = TrainingDashboard(n=30, hidden="8, 8")
    dashboard.step(2)
    model = dashboard.model
    dashboard.hidden.value = "8, x"
    assert "whole numbers separated by commas" in dashboard.status.value
    assert "keeps its hidden layers (8, 8)" in dashboard.status.value
    assert dashboard.model is model and dashboard.epoch == 2
    dashboard.step(1)  # still trains, and still says why the entry was not taken
    assert dashboard.epoch == 3 and "keeps its hidden layers" in dashboard.status.value
    dashboard.hidden.value = "3"
    assert [len(layer.neurons) for layer in dashboard.model.layers] == [3, 1]
    assert "keeps" not in dashboard.status.value
    with pytest.raises(ValueError, match="got 'eight'"):
        parse_hidden("eight")


def test_dashboard_rejected_arguments_raise_once_and_leave_nothing_behind(monkeypatch):
    # ipywidgets closes every widget it garbage-collects; closing a dashboard whose __init__
    # stopped at the argument checks used to fail again there, printing a second traceback.
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with pytest.raises(ValueError, match="unknown data set 'bad'"):
        TrainingDashboard(dataset="bad")
    gc.collect()
    assert unraisable == []


@pytest.mark.parametrize("name", DATASETS)
def test_dashboard_data_sets_have_two_classes(name):
    X, y = make_dataset(name, 40, 0.1)
    assert len(X) == 40 and set(y) == {0, 1} and all(len(x) == 2 for x in X)


def test_dashboard_playing_one_pauses_the_other():
    first = TrainingDashboard(dataset="xor", hidden=(2,), n=20)
    second = TrainingDashboard(dataset="xor", hidden=(2,), n=20)

    async def notebook_session():
        first.play()
        await asyncio.sleep(0.05)
        second.play()
        playing = (first.is_playing, second.is_playing)
        second.close()
        await asyncio.sleep(0.05)
        return playing

    assert asyncio.run(notebook_session()) == (False, True)
    assert not second.is_playing


# --- headless: a notebook run with no widget front end -----------------------------------------

@pytest.mark.notebook
def test_widget_notebook_runs_headless_and_keeps_static_pictures(kernel_manager):
    nbformat = pytest.importorskip("nbformat", reason="needs the [test] extra")
    nbclient = pytest.importorskip("nbclient", reason="needs the [test] extra")
    notebook = nbformat.read(E2E_NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=180, kernel_name="python3", km=kernel_manager).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code"
               for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    shown = [o.data for o in outputs if o.output_type == "execute_result"]
    assert len(shown) == 4, f"expected the four widgets displayed, got {len(shown)} results"
    for data in shown:
        assert "application/vnd.jupyter.widget-view+json" in data
        picture = data.get("image/png") or data.get("image/svg+xml")
        assert picture and len(picture) > 1000, f"no static picture next to {data['text/plain']!r}"


def test_stepper_steps_through_a_learners_own_value():
    values = lecture_neuron(OwnValue)
    stepper = BackpropStepper(values["out"])
    k = next(step.index for step in backward_steps(values["out"]) if step.name == "s")
    stepper.go_to(k)
    assert "s = sin(x1) passes on dout/ds" in html.unescape(stepper.sentence.value)
    assert "the op table has no rule for 'sin'" in html.unescape(stepper.sentence.value)
    assert "#ff8c00" in stepper.graph.value  # the acting node is highlighted
    stepper.last.click()
    assert all(v.grad == 0.0 for v in values.values())
    stepper.direction.value = "forward"
    stepper.next.click()
    # its operands are a set, drawn and named in a fixed order: by label
    assert "x1*w1 = w1 * x1 = (-3.0) * 2.0 = -6.0" in html.unescape(stepper.sentence.value)


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), 0.0, -1.0, 10.0, "1", True])
def test_stepper_refuses_a_speed_it_cannot_play(seconds):
    with pytest.raises(ValueError, match=r"seconds_per_step must be a number of seconds from "
                                         r"0.2 to 3.0 .*got " + re.escape(repr(seconds))):
        BackpropStepper(small_graph(), seconds_per_step=seconds)


def test_stepper_keeps_working_after_a_nan_speed():
    stepper = BackpropStepper(small_graph(), seconds_per_step=0.5)
    stepper.speed.value = float("nan")  # the slider lets it through
    assert stepper.speed.value == 0.5 and stepper.play.interval == 500
    assert "not nan" in stepper.status.value
    stepper.next.click()
    assert stepper.step.value == 1 and "step 1 of" in stepper.status.value
    stepper.speed.value = 2.0
    assert stepper.play.interval == 2000


def test_descent_names_the_minimum_by_its_parameters():
    bowl = descend(LANDSCAPES["bowl"], 0.1, 30).explain()
    assert "the minimum at w = 0 after" in bowl and "(0)" not in bowl
    ravine = descend(LANDSCAPES["ravine"], 0.195, 30).explain()
    assert "the minimum at (x, y) = (0, 0) and" in ravine


def test_descent_explorer_explains_its_log_scale():
    explorer = GradientDescentExplorer()
    assert "log scale" in explorer.note.value and "10 times" in explorer.note.value
    assert explorer.note in explorer.children


def test_a_new_dashboard_stops_the_one_playing():
    # Running the dashboard's cell again makes a new one; the old one must not train unseen.
    async def notebook_session():
        old = TrainingDashboard(dataset="xor", hidden=(2,), n=20)
        old.play()
        await asyncio.sleep(0.05)
        new = TrainingDashboard(dataset="xor", hidden=(2,), n=20)
        return old.is_playing, new.is_playing, old.pause_button.disabled

    assert asyncio.run(notebook_session()) == (False, False, True)


def test_dashboard_picture_shows_what_each_hidden_neuron_computes():
    from PIL import Image

    from micrograd_plus.widgets import _dashboard_picture as picture

    dashboard = TrainingDashboard(dataset="spirals", hidden="4, 3", n=40)
    points = np.array([[0.5, -1.0], [2.0, 0.25]])
    first, second, output = picture.layer_outputs(dashboard.model, points)
    assert first.shape == (2, 4) and second.shape == (2, 3) and output.shape == (2, 1)
    for row, point in zip(range(2), points):
        hidden = dashboard.model.layers[0]([Value(c) for c in point])
        assert first[row] == pytest.approx([v.data for v in hidden])
        assert output[row, 0] == pytest.approx(dashboard.model([Value(c) for c in point]).data)
    # Fits a 1280x720 screen's output area (848 px) with room for the controls.
    with Image.open(io.BytesIO(bytes(dashboard.image.value))) as shown:
        assert shown.size[0] <= 848 and shown.size[1] <= 400
    # A neuron's map follows its weights: change one neuron and its box changes.
    before = np.asarray(Image.open(io.BytesIO(dashboard._png)).convert("RGB")).copy()
    dashboard.model.layers[0].neurons[0].w[0].data += 3.0
    dashboard.redraw()
    after = np.asarray(Image.open(io.BytesIO(dashboard._png)).convert("RGB"))
    changed = np.argwhere((before != after).any(axis=2))
    assert len(changed) and changed[:, 1].max() > picture.BOUNDARY_SIZE  # the network panel too


def test_dashboard_picture_text_is_larger_when_presenting_and_stays_in_its_band():
    from PIL import Image

    from micrograd_plus.viz import presentation
    from micrograd_plus.widgets import _dashboard_picture as picture

    def caption_ink_rows(presenting: bool) -> np.ndarray:
        presentation(presenting)
        try:
            dashboard = TrainingDashboard(dataset="moons", n=40)
            pixels = np.asarray(Image.open(io.BytesIO(dashboard._png)).convert("L"))
        finally:
            presentation(False)
        assert pixels.shape[0] <= 400  # still fits a 1280x720 screen with the controls
        band = pixels[:picture.BOUNDARY_TOP, :picture.BOUNDARY_SIZE]
        return np.flatnonzero((band < 128).any(axis=1))

    normal, presenting = caption_ink_rows(False), caption_ink_rows(True)
    assert np.ptp(presenting) >= 1.3 * np.ptp(normal), (normal, presenting)
    assert presenting.max() < picture.BOUNDARY_TOP - 1  # the caption ends above the plane


def test_neuron_playground_key_presses_make_one_redraw(monkeypatch):
    playground = NeuronPlayground(activation="tanh")
    drawn = []
    monkeypatch.setattr(playground, "redraw", lambda: drawn.append(playground.weights[0].value))

    async def hold_the_arrow_key():
        for k in range(1, 6):  # five presses, as a held-down key sends them
            playground.weights[0].value = -3.0 + 0.01 * k
        await asyncio.sleep(0.2)

    asyncio.run(hold_the_arrow_key())
    assert drawn == [pytest.approx(-2.95)]


def test_neuron_playground_shows_the_output_over_the_input_plane():
    from PIL import Image

    playground = NeuronPlayground(inputs=(2.0, 0.0), weights=(-3.0, 1.0), bias=6.88)
    with Image.open(io.BytesIO(playground._png)) as picture:
        assert picture.size[0] <= 580  # beside the sliders in an 848 px output area
        pixels = np.asarray(picture.convert("RGB"))
    # The right-hand panel is the plane: tanh(-3 x0 + x1 + 6.88) is near +1 (red) on the left
    # of it and near -1 (grey-black) on the right.
    reds = (pixels[:, :, 0] > 90) & (pixels[:, :, 1] < 40) & (pixels[:, :, 2] < 50)
    greys = (pixels.max(axis=2) < 60)
    width = pixels.shape[1]
    assert reds[:, width // 2:].sum() > 500 and greys[:, width // 2:].sum() > 500


# --- TrainingDashboard: the learner's own points -----------------------------------------------

def _class_pixels(png: bytes, label: int) -> np.ndarray:
    """(row, column) of every pixel in the dashboard's boundary square drawn in class
    ``label``'s colour (a filled point), within the palette's rounding."""
    from PIL import Image

    from micrograd_plus.viz.plots import CLASS_COLOURS
    from micrograd_plus.widgets import _dashboard_picture as picture

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    colour = [int(CLASS_COLOURS[label][i:i + 2], 16) for i in (1, 3, 5)]
    square = pixels[picture.BOUNDARY_TOP:picture.BOUNDARY_TOP + picture.BOUNDARY_SIZE,
                    :picture.BOUNDARY_SIZE]
    found = np.argwhere(np.abs(square - colour).max(axis=2) <= 6)
    return found + [picture.BOUNDARY_TOP, 0]


def test_dashboard_click_position_maps_to_the_plane_and_back_exactly():
    from micrograd_plus.widgets import _dashboard_picture as picture

    X, _ = make_dataset("moons", 60, 0.1)
    plane = picture.Plane(X)
    size, top = picture.BOUNDARY_SIZE, picture.BOUNDARY_TOP
    # the square's top-left corner is the plane's smallest x0 and largest x1
    assert picture.point_at(plane, 0.0, top) == pytest.approx((plane.low[0], plane.high[1]))
    assert picture.point_at(plane, size / 2, top + size / 2) == pytest.approx(
        tuple((plane.low + plane.high) / 2))
    for x, y in [(0.0, top), (123.25, 211.5), (size - 0.01, top + size - 0.01), (7.0, 300.75)]:
        point = picture.point_at(plane, x, y)
        assert plane.to_pixels(np.array([point]), size)[0] == pytest.approx([x, y - top], abs=1e-9)
    for outside in [(size, 100.0), (-0.5, 100.0), (100.0, top - 0.5), (100.0, top + size),
                    (600.0, 100.0)]:  # beside the square, above it, under it, on the network
        assert picture.point_at(plane, *outside) is None
    # The shading's grid points are the centres of equal cells: enlarged to the square, cell k
    # of R lands where to_pixels puts it.
    grid = plane.grid(4)
    assert plane.to_pixels(grid[:4], size)[:, 0] == pytest.approx([46.25, 138.75, 231.25, 323.75])
    assert plane.to_pixels(grid[::4], size)[:, 1] == pytest.approx([46.25, 138.75, 231.25, 323.75])


def test_dashboard_draws_a_clicked_point_where_the_click_was():
    dashboard = TrainingDashboard(dataset="your own", hidden=(3,))
    for label, (x, y) in [(1, (123.0, 211.0)), (0, (300.5, 80.25))]:
        dashboard.choose_class(label)
        dashboard._clicked(x, y)  # what the picture's JavaScript reports, in image pixels
        found = _class_pixels(dashboard._png, label)
        near = found[(np.abs(found[:, 0] + 0.5 - y) < 8) & (np.abs(found[:, 1] + 0.5 - x) < 8)]
        # the dot's pixels are centred on the click (a pixel's centre is at index + 0.5), to
        # within the pixel grid Pillow draws shapes on
        assert len(near) > 30
        assert near.mean(axis=0) + 0.5 == pytest.approx([y, x], abs=1.0)
    assert dashboard._added[0] == (pytest.approx(picture_point(dashboard, 123.0, 211.0)), 1)


def picture_point(dashboard, x, y):
    from micrograd_plus.widgets import _dashboard_picture as picture

    return picture.point_at(dashboard.plane, x, y)


def test_dashboard_holds_back_added_points_for_validation_in_the_train_fraction():
    from micrograd_plus.widgets.dashboard import held_back

    assert [held_back(k, 0.7) for k in range(10)] == [False] * 3 + [True] + [False] * 2 + [
        True] + [False] * 2 + [True]
    for fraction in (0.1, 0.5, 0.7, 0.9):
        assert sum(held_back(k, fraction) for k in range(100)) == round(100 * (1 - fraction))
        assert not held_back(0, fraction)  # a learner's first point always trains
    dashboard = TrainingDashboard(dataset="your own", hidden=(3,), train_fraction=0.5)
    for k in range(4):
        dashboard.add_point(-0.5, 0.1 * k, 0)
        dashboard.add_point(0.5, 0.1 * k, 1)
    assert dashboard.y_train == [0, 1, 0, 1] and dashboard.y_val == [0, 1, 0, 1]
    assert dashboard.X_val[0] == [-0.5, 0.1]


def test_dashboard_trains_on_points_the_learner_adds():
    dashboard = TrainingDashboard(dataset="your own", hidden=(4,), learning_rate=0.1)
    for k in range(6):  # class 0 on the left, class 1 on the right
        dashboard.add_point(-0.6, -0.5 + 0.2 * k, 0)
        dashboard.add_point(0.6, -0.5 + 0.2 * k, 1)
    dashboard.step(40)
    assert len(dashboard.X_train) == 10 and len(dashboard.X_val) == 2
    assert "accuracy train 100%, validation 100%" in dashboard.status.value
    assert dashboard.model([Value(-0.6), Value(0.0)]).data < 0 < dashboard.model(
        [Value(0.6), Value(0.0)]).data
    # Two points of class 1 on the left: the network and its training so far are kept, the
    # next epoch counts them (class 1's 7th point is held back, its 8th trains): both losses rise.
    model, history = dashboard.model, dashboard.history
    losses_before = history.train_loss[-1], history.val_loss[-1]
    dashboard.add_point(-0.6, 0.0, 1)
    dashboard.add_point(-0.6, 0.1, 1)
    assert [-0.6, 0.0] in dashboard.X_val and [-0.6, 0.1] in dashboard.X_train
    assert dashboard.model is model and dashboard.history is history and dashboard.epoch == 40
    dashboard.step()
    assert history.train_loss[-1] > losses_before[0] and history.val_loss[-1] > losses_before[1]


def test_dashboard_added_points_survive_reset_and_clear_returns_to_the_data_set():
    dashboard = TrainingDashboard(dataset="moons", hidden=(3,), n=40)
    original = (dashboard.X_train, dashboard.X_val)
    dashboard.step(2)
    for k in range(5):
        dashboard.add_point(0.5, 0.1 * k, 1)
    assert len(dashboard.X_train) + len(dashboard.X_val) == 45 and dashboard.epoch == 2
    assert not dashboard.clear_button.disabled
    dashboard.reset()  # new weights, the same points
    assert len(dashboard.X_train) + len(dashboard.X_val) == 45 and dashboard.epoch == 0
    model = dashboard.model
    dashboard.step(1)
    dashboard.clear_button.click()
    assert (dashboard.X_train, dashboard.X_val) == original and dashboard.clear_button.disabled
    assert dashboard.model is model and dashboard.epoch == 1
    dashboard.add_point(0.5, 0.0, 0)
    dashboard.dataset.value = "circles"  # a new data set starts from its own points
    assert len(dashboard.X_train) + len(dashboard.X_val) == 40 and not dashboard._added
    assert not dashboard.noise.disabled
    dashboard.dataset.value = "your own"
    assert dashboard.X_train == dashboard.X_val == [] and dashboard.noise.disabled


def test_dashboard_with_no_points_says_to_click_and_clicks_off_the_plot_say_where():
    dashboard = TrainingDashboard(dataset="your own", hidden=(3,))
    assert "click here to add points" not in dashboard.status.value
    dashboard.step(3)
    assert dashboard.epoch == 0 and "No training points yet" in dashboard.status.value

    async def press_play():
        dashboard.play()
        return dashboard.is_playing

    assert asyncio.run(press_play()) is False
    dashboard._clicked(600.0, 100.0)  # on the network picture
    assert "click inside the square plot on the left" in dashboard.status.value
    assert dashboard._added == []
    dashboard._clicked(100.0, 100.0)
    assert len(dashboard._added) == 1 and "refused" not in dashboard.status.value
    assert "epoch 0: 1 training and 0 validation points" in dashboard.status.value
    dashboard.step()  # no validation point yet: its loss is missing, not made up
    assert math.isnan(dashboard.history.val_loss[-1])
    assert "validation loss <b>none</b>" in dashboard.status.value
    assert "validation no points yet" in dashboard.status.value


@pytest.mark.parametrize("x0, x1, label, message", [
    (float("nan"), 0.0, 0, "two finite numbers"), (0.0, "1", 0, "two finite numbers"),
    (0.0, 0.0, 2, "class of a point is 0 or 1"), (0.0, 0.0, True, "class of a point is 0 or 1"),
    (5.0, 0.0, 0, r"\(5.0, 0.0\) lies outside the plane the picture shows: x0 from -2.35 to 2.44"),
])
def test_dashboard_refuses_a_point_it_cannot_add(x0, x1, label, message):
    dashboard = TrainingDashboard(dataset="xor", hidden=(2,), n=20)
    with pytest.raises(ValueError, match=message):
        dashboard.add_point(x0, x1, label)
    assert dashboard._added == [] and len(dashboard.X_train) + len(dashboard.X_val) == 20
    with pytest.raises(ValueError, match="class of a point is 0 or 1, got 3"):
        dashboard.choose_class(3)
    # what a broken or hostile front end might send is ignored
    for content in ({"event": "click", "x": float("nan"), "y": 1.0}, {"event": "click"},
                    {"event": "hover", "x": 1.0, "y": 1.0}, "click"):
        dashboard.image._message(dashboard.image, content, [])
    assert dashboard._added == []
    dashboard.image._message(dashboard.image, {"event": "click", "x": 50.0, "y": 60.5}, [])
    assert len(dashboard._added) == 1


def test_dashboard_class_buttons_choose_the_class_in_the_plots_colours():
    from micrograd_plus.viz.plots import CLASS_COLOURS

    dashboard = TrainingDashboard(dataset="xor", hidden=(2,), n=20)
    assert [b.style.button_color for b in dashboard.class_buttons] == list(CLASS_COLOURS[:2])
    assert dashboard.click_class == 0 and dashboard.class_buttons[0].icon == "check"
    dashboard.class_buttons[1].click()
    assert dashboard.click_class == 1 and dashboard.class_buttons[1].icon == "check"
    assert dashboard.class_buttons[0].icon == "plus"
    dashboard._clicked(100.0, 100.0)
    assert dashboard._added[-1][1] == 1


def test_dashboard_clicks_while_playing_are_trained_on_and_clearing_stops_it():
    dashboard = TrainingDashboard(dataset="your own", hidden=(3,))

    async def notebook_session():
        dashboard.add_point(-0.5, 0.0, 0)
        dashboard.play()
        await asyncio.sleep(0.05)
        dashboard.image._message(dashboard.image, {"event": "click", "x": 300.0, "y": 200.0}, [])
        added_at = dashboard.epoch
        while dashboard.epoch < added_at + 3:
            await asyncio.sleep(0.01)
        still_playing = dashboard.is_playing
        dashboard.clear_button.click()  # nothing left to train on: it stops by itself
        await asyncio.sleep(0.1)
        return still_playing, added_at

    still_playing, added_at = asyncio.run(notebook_session())
    assert still_playing and added_at >= 1
    assert not dashboard.is_playing and not dashboard.play_button.disabled
    assert "No training points yet" in dashboard.status.value
    assert dashboard.X_train == [] and len(dashboard.history.train_loss) == dashboard.epoch
