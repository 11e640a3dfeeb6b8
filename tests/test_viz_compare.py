"""plot_seed_spread and plot_loss_curves: what they draw."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

from micrograd_plus.experiments import Runs
from micrograd_plus.train import History
from micrograd_plus.viz import plot_loss_curves, plot_seed_spread


class _Model:
    def __init__(self, count):
        self.count = count

    def parameters(self):
        return [0.0] * self.count


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_seed_spread_has_a_dot_per_seed_and_a_column_per_architecture():
    shallow = Runs("shallow", [0, 1, 2], models=[_Model(99)], scores={"new": [0.7, 0.8, 0.6]})
    deep = Runs("deep", [0, 1, 2], models=[_Model(101)], scores={"new": [0.9, 0.85, 0.95]})
    figure = plot_seed_spread([shallow, deep], "new", chance=1 / 3)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    dots = [collection.get_offsets().tolist() for collection in ax.collections
            if collection.get_offsets().shape[0] == 3]
    assert dots == [[[0, 0.7], [0, 0.8], [0, 0.6]], [[1, 0.9], [1, 0.85], [1, 0.95]]]
    pairs = [line.get_ydata().tolist() for line in ax.lines[:3]]
    assert pairs == [[0.7, 0.9], [0.8, 0.85], [0.6, 0.95]]  # one grey line per seed
    labels = [tick.get_text() for tick in ax.get_xticklabels()]
    assert labels == ["shallow\n99 parameters", "deep\n101 parameters"]
    assert "3 seeds" in ax.get_title() and any(t.get_text() == "guessing" for t in ax.texts)


def test_seed_spread_draws_into_a_given_ax_and_names_a_missing_test():
    runs = Runs("one", [0], models=[_Model(5)], scores={"new": [0.5]})
    figure, ax = plt.subplots()
    assert plot_seed_spread([runs], "new", ax=ax, title="mine") is figure and ax.get_title() == "mine"
    with pytest.raises(KeyError, match="'one' was not measured on 'old'"):
        plot_seed_spread([runs], "old")
    with pytest.raises(ValueError, match="runs is empty"):
        plot_seed_spread([], "new")


def test_loss_curves_one_line_per_history():
    first = History(epochs=[1, 2, 3], train_loss=[1.0, 0.5, 0.25])
    second = History(epochs=[1, 2, 3], train_loss=[1.0, 0.9, 0.8])
    figure = plot_loss_curves({"per example": first, "full batch": second})
    ax = figure.axes[0]
    assert [line.get_label() for line in ax.lines] == ["per example", "full batch"]
    assert ax.lines[0].get_ydata().tolist() == [1.0, 0.5, 0.25]
    with pytest.raises(ValueError, match="histories is empty"):
        plot_loss_curves({})


def test_bars_write_their_numbers_and_can_span_powers_of_ten():
    from micrograd_plus.viz import plot_bars

    figure = plot_bars({"tiny": 17, "digits": 650, "huge": 1.5e9}, log=True, title="parameters")
    ax = figure.axes[0]
    assert ax.get_yscale() == "log" and [t.get_text() for t in ax.get_xticklabels()] == ["tiny", "digits", "huge"]
    assert [t.get_text() for t in ax.texts] == ["17", "650", "1,500,000,000"]
    small = plot_bars({"a": 0.25, "b": 0.5}).axes[0]
    assert [t.get_text() for t in small.texts] == ["0.25", "0.5"] and small.get_yscale() == "linear"
    with pytest.raises(ValueError, match="above 0 on a log scale"):
        plot_bars({"zero": 0}, log=True)
    with pytest.raises(ValueError, match="values is empty"):
        plot_bars({})


def test_loss_curves_can_show_the_validation_loss():
    history = History(epochs=[1, 2], train_loss=[1.0, 0.5], val_loss=[1.2, 0.9])
    ax = plot_loss_curves({"run": history}, validation=True).axes[0]
    assert ax.lines[0].get_ydata().tolist() == [1.2, 0.9] and ax.get_title() == "validation loss"
    with pytest.raises(ValueError, match="'bare' has no validation loss"):
        plot_loss_curves({"bare": History(epochs=[1], train_loss=[1.0])}, validation=True)


def test_loss_curves_start_at_zero_unless_asked_to_zoom_in():
    history = History(epochs=[1, 2], train_loss=[2.6, 2.5])
    assert plot_loss_curves({"run": history}).axes[0].get_ylim()[0] == 0
    zoomed = plot_loss_curves({"run": history}, from_zero=False).axes[0]
    assert zoomed.get_ylim()[0] > 2.0 and "does not start at 0" in zoomed.get_ylabel()
