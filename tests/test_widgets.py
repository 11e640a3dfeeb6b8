"""The widgets driven from Python, as a notebook user's clicks would drive them."""

from __future__ import annotations

import pytest

from micrograd_plus.widgets import GradientDescentExplorer
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
