"""Pictures that compare: the spread of training results over seeds, loss curves side by side,
and plain numbers as bars (on a log scale when they span many powers of ten). Like every plot
here, each takes an optional ``ax`` and returns the Figure."""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .plots import CLASS_COLOURS, LEGEND_SIZE, TICK_SIZE, _new_axes, _style

__all__ = ["plot_seed_spread", "plot_loss_curves", "plot_bars"]


def plot_seed_spread(runs: Sequence[Any], test: str, ax: Axes | None = None,
                     chance: float | None = None, title: str = "") -> Figure:
    """One column per ``experiments.Runs``, one dot per seed: the accuracy each trained model
    reached on ``test``. A grey line joins the dots of the same seed, so a pair that crosses is
    a seed where the other architecture won. ``chance`` draws the accuracy of guessing.
    """
    if not runs:
        raise ValueError("runs is empty: pass the Runs of train_over_seeds, e.g. [shallow, deep]")
    figure, ax = _new_axes(ax, (2.2 * len(runs) + 3.0, 5.0))
    columns = range(len(runs))
    for seed_index, seed in enumerate(runs[0].seeds):
        heights = [run._scores(test)[seed_index] for run in runs]
        ax.plot(columns, heights, color="0.75", lw=1.2, zorder=1)
    for column, run in zip(columns, runs):
        scores = run._scores(test)
        colour = CLASS_COLOURS[column % len(CLASS_COLOURS)]
        ax.vlines(column, min(scores), max(scores), color=colour, lw=6, alpha=0.35, zorder=2)
        ax.scatter([column] * len(scores), scores, s=90, color=colour, edgecolors="black", zorder=3)
    if chance is not None:
        ax.axhline(chance, color="0.4", ls=":", lw=2)
        ax.text(len(runs) - 0.55, chance, "guessing", va="bottom", ha="right", fontsize=TICK_SIZE - 2,
                color="0.3")
    ax.set_xticks(list(columns), [f"{run.name}\n{run.parameter_count} parameters" for run in runs])
    ax.set_xlim(-0.6, len(runs) - 0.4)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    seeds = len(runs[0].seeds)
    _style(ax, title or f"{test}: one dot per seed ({seeds} seeds)", "", "accuracy")
    ax.grid(axis="y", alpha=0.3)
    return figure


def plot_loss_curves(histories: dict[str, Any], ax: Axes | None = None, title: str = "",
                     validation: bool = False, from_zero: bool = True) -> Figure:
    """The loss per epoch of several ``History`` objects on one axis, one colour each (keys are
    the legend labels): the training loss, or with ``validation=True`` the validation loss.

    The loss axis starts at 0, so heights compare honestly; ``from_zero=False`` fits it to the
    curves instead, to show a small gap between them (say so where you show it)."""
    if not histories:
        raise ValueError("histories is empty: pass a dict of label -> History")
    which = "val_loss" if validation else "train_loss"
    empty = [label for label, history in histories.items() if not getattr(history, which)]
    if empty:
        raise ValueError(f"{empty[0]!r} has no {'validation' if validation else 'training'} loss; "
                         "train it with fit(..., validation=(X_val, y_val))" if validation else
                         f"{empty[0]!r} has no epochs yet")
    figure, ax = _new_axes(ax, (8.0, 4.8))
    for k, (label, history) in enumerate(histories.items()):
        losses = getattr(history, which)
        epochs = (list(history.epochs) or list(range(1, len(losses) + 1)))[:len(losses)]
        ax.plot(epochs, losses, lw=2.5, color=CLASS_COLOURS[k % len(CLASS_COLOURS)], label=label)
    _style(ax, title or ("validation loss" if validation else "training loss"), "epoch", "loss")
    if from_zero:
        ax.set_ylim(bottom=0)
    else:
        ax.set_ylabel("loss (the axis does not start at 0)")
    ax.legend(fontsize=LEGEND_SIZE, frameon=False)
    ax.grid(alpha=0.3)
    return figure


def plot_bars(values: dict[str, float], ax: Axes | None = None, title: str = "", ylabel: str = "",
              log: bool = False) -> Figure:
    """One bar per entry of ``values`` (label -> number), left to right, each with its number
    written on top. ``log=True`` uses a logarithmic axis, where each step up is ten times more:
    the way to show numbers from tens to billions side by side."""
    if not values:
        raise ValueError("values is empty: pass a dict of label -> number")
    bad = {label: v for label, v in values.items() if not isinstance(v, (int, float)) or (log and v <= 0)}
    if bad:
        raise ValueError(f"every value must be a number{' above 0 on a log scale' if log else ''}; "
                         f"got {bad}")
    labels, numbers = list(values), list(values.values())
    figure, ax = _new_axes(ax, (max(6.0, 1.6 * len(labels) + 2.0), 5.0))
    colours = [CLASS_COLOURS[k % len(CLASS_COLOURS)] for k in range(len(labels))]
    bars = ax.bar(range(len(labels)), numbers, color=colours, edgecolor="black")
    if log:
        ax.set_yscale("log")
        ax.set_ylim(1, 30 * max(numbers))  # room above the tallest bar for its number
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, numticks=30))  # every power
    written = [f"{v:,.0f}" if log or abs(v) >= 100 else f"{v:.2g}" for v in numbers]
    ax.bar_label(bars, written, fontsize=TICK_SIZE - 2, padding=3)
    ax.set_xticks(range(len(labels)), labels)
    ax.margins(y=0.25 if log else 0.15)
    _style(ax, title, "", ylabel)
    ax.grid(axis="y", alpha=0.3)
    return figure
