"""The widgets driven from Python, as a notebook user's clicks would drive them."""

from __future__ import annotations

import html
import re

import pytest

from micrograd_plus import Value
from micrograd_plus.viz import backward_steps, explain
from micrograd_plus.widgets import BackpropStepper, GradientDescentExplorer
from micrograd_plus.widgets.descent import LANDSCAPES, descend

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --- GradientDescentExplorer -------------------------------------------------------------------

@pytest.mark.parametrize("learning_rate, regime", [
    (0.01, "slow crawl"), (0.3, "converges"), (1.0, "oscillates"), (1.2, "diverges")])
def test_descend_on_the_bowl_has_the_textbook_regimes(learning_rate, regime):
    assert descend(LANDSCAPES["bowl"], learning_rate, 30).regime == regime


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


def test_explorer_learning_rate_slider_changes_regime_picture_and_sentence():
    explorer = GradientDescentExplorer(learning_rate=0.3)
    assert explorer.regime == "converges"
    picture, sentence = explorer.image.value, explorer.status.value
    explorer.learning_rate.value = 1.5
    assert explorer.regime == "diverges"
    assert "Diverges" in explorer.status.value and explorer.status.value != sentence
    assert explorer.image.value != picture and bytes(explorer.image.value).startswith(PNG_MAGIC)


def test_explorer_ravine_descends_in_two_dimensions_from_the_start_slider():
    explorer = GradientDescentExplorer(landscape="ravine", learning_rate=0.05)
    assert (explorer.start.min, explorer.start.max) == LANDSCAPES["ravine"].bounds[0]
    explorer.start.value = 3.0
    assert explorer.trajectory.points[0] == (3.0, LANDSCAPES["ravine"].start[1])
    assert len(explorer.trajectory.points[0]) == 2


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
    with pytest.raises(TypeError, match="needs the Value at the end of a graph.*got float"):
        BackpropStepper(3.0)
