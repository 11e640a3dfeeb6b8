"""GradientDescentExplorer: one learning-rate slider, three fates of gradient descent.

Each step moves the parameters against the gradient, ``w <- w - lr * dL/dw``. On the bowl
``L(w) = w**2`` that is ``w <- (1 - 2 lr) w``: a tiny rate crawls, a moderate one converges,
a rate between 0.5 and 1 overshoots back and forth, and above 1 every step lands farther out.
The gradients come from the engine, so the picture is the same calculus the lessons teach.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Sequence

import ipywidgets as widgets
import numpy as np

from ..engine import Value, grad, no_grad
from ..viz import plot_loss_landscape_1d, plot_loss_landscape_2d
from ..viz.style import text_scale
from ._display import FallbackBox, image_widget, new_figure, png_bytes

ARRIVED = 1e-2        # within this fraction of the starting distance to the minimum counts as there
ESCAPE_RADIUS = 1e6   # a parameter beyond this has left any sensible landscape


@dataclass(frozen=True, eq=False)
class Landscape:
    """A loss surface over one or two parameters, written with engine operations."""

    name: str
    formula: str
    loss: Callable[[Sequence[Value]], Value]
    start: tuple[float, ...]
    bounds: tuple[tuple[float, float], ...]  # the plotted range of each parameter

    @property
    def dimensions(self) -> int:
        return len(self.start)

    @cached_property
    def _grid(self) -> tuple[list[np.ndarray], np.ndarray]:
        """A fine grid over ``bounds`` (one axis per parameter) and the loss at every point."""
        axes = [np.linspace(low, high, 401 if self.dimensions == 1 else 81)
                for low, high in self.bounds]
        values = np.array([self.evaluate(point) for point in itertools.product(*axes)])
        return axes, values.reshape([len(axis) for axis in axes])

    @cached_property
    def minima(self) -> tuple[tuple[float, ...], ...]:
        """Every local minimum inside ``bounds``: the grid points lower than all their neighbours,
        each polished with Newton's method, ``w <- w - H⁻¹ g``, where the gradient ``g`` and the
        Hessian ``H`` come from the engine (``grad`` twice, with ``create_graph=True``)."""
        axes, values = self._grid
        padded = np.pad(values, 1, constant_values=np.inf)
        lower_than_neighbours = np.ones(values.shape, dtype=bool)
        for shift in itertools.product((-1, 0, 1), repeat=values.ndim):
            if any(shift):
                window = tuple(slice(1 + d, 1 + d + n) for d, n in zip(shift, values.shape))
                lower_than_neighbours &= values <= padded[window]
        found: list[tuple[float, ...]] = []
        for index in zip(*np.nonzero(lower_than_neighbours)):
            point = self._newton(tuple(float(axis[i]) for axis, i in zip(axes, index)))
            # Several grid points can polish to the same minimum; keep it once.
            if point is not None and all(math.dist(point, other) > 1e-6 for other in found):
                found.append(point)
        return tuple(found)

    def _newton(self, point: tuple[float, ...], iterations: int = 50) -> tuple[float, ...] | None:
        """The minimum Newton's method reaches from ``point``, or None when it finds none there."""
        for _ in range(iterations):
            parameters = [Value(c) for c in point]
            gradient = grad(self.loss(parameters), parameters, create_graph=True)
            hessian = np.array([grad(g, parameters) for g in gradient], dtype=float)
            if np.any(np.linalg.eigvalsh(hessian) <= 0):
                return None  # not curving up in every direction: no minimum here
            step = np.linalg.solve(hessian, [g.data for g in gradient])
            point = tuple(float(c) for c in np.subtract(point, step))
            if float(np.max(np.abs(step))) < 1e-12:
                break
        inside = all(low <= c <= high for c, (low, high) in zip(point, self.bounds))
        return point if inside else None

    def evaluate(self, point: Sequence[float]) -> float:
        """The loss at ``point`` as a plain number (no graph is recorded)."""
        with no_grad():
            return self.loss([Value(float(c)) for c in point]).data


LANDSCAPES: dict[str, Landscape] = {
    landscape.name: landscape for landscape in (
        Landscape("bowl", "L(w) = w²", lambda p: p[0] ** 2, (2.5,), ((-3.0, 3.0),)),
        Landscape("double well", "L(w) = (w² − 1)² + 0.3·w",
                  lambda p: (p[0] ** 2 - 1) ** 2 + 0.3 * p[0], (1.9,), ((-2.0, 2.0),)),
        Landscape("ravine", "L(x, y) = 0.5·x² + 5·y²",
                  lambda p: 0.5 * p[0] ** 2 + 5 * p[1] ** 2, (-4.5, 1.5), ((-5.0, 5.0), (-2.0, 2.0))),
    )
}


@dataclass
class Trajectory:
    """Where gradient descent went: ``points[k]`` has loss ``losses[k]`` and gradient norm
    ``gradient_norms[k]``; ``diverged`` is set when the loss overflowed or a parameter escaped.
    ``minima`` are the landscape's local minima; the walk is judged against the one nearest to
    where it ended (``minimum``)."""

    learning_rate: float
    minima: tuple[tuple[float, ...], ...]
    points: list[tuple[float, ...]] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)
    gradient_norms: list[float] = field(default_factory=list)
    diverged: bool = False

    @property
    def steps_taken(self) -> int:
        return len(self.points) - 1

    @property
    def minimum(self) -> tuple[float, ...]:
        """The local minimum nearest to the last point: the one the walk is heading for."""
        return min(self.minima, key=lambda m: math.dist(m, self.points[-1]))

    @property
    def distances(self) -> list[float]:
        """Distance from each point to ``minimum``."""
        target = self.minimum
        return [math.dist(point, target) for point in self.points]

    @property
    def rate(self) -> float:
        """How much each step multiplies the distance to the minimum, on average:
        ``(d_last / d_first) ** (1 / steps)``. Below 1 the walk closes in, above 1 it flees."""
        distances = self.distances
        if self.steps_taken == 0 or distances[0] == 0:
            return 0.0 if distances[-1] == 0 else math.inf
        return (distances[-1] / distances[0]) ** (1 / self.steps_taken)

    def direction_flips(self) -> int:
        """How many steps point back the way the previous step came (dot product < 0)."""
        moves = [np.subtract(b, a) for a, b in zip(self.points, self.points[1:])]
        return sum(1 for m1, m2 in zip(moves, moves[1:]) if float(np.dot(m1, m2)) < 0)

    @property
    def jumps_across(self) -> bool:
        """Whether most steps reverse the previous one: the walk keeps jumping across the minimum."""
        return self.direction_flips() * 2 >= self.steps_taken - 1 > 0

    @property
    def regime(self) -> str:
        """'converges', 'slow crawl', 'oscillates' or 'diverges', read from the path:

        * diverges: a parameter escaped or the loss overflowed, or the walk ends farther from
          the minimum and higher up than it started;
        * converges: the distance to the minimum fell below ``ARRIVED`` (1%) of where it began;
        * oscillates: not there yet, and most steps reverse the previous one (jumping across);
        * slow crawl: not there yet, with the steps mostly going the same way.
        """
        if self.diverged:
            return "diverges"
        distances = self.distances
        if distances[-1] > distances[0] and self.losses[-1] > self.losses[0]:
            return "diverges"
        if distances[-1] <= ARRIVED * distances[0]:
            return "converges"
        if self.jumps_across:
            return "oscillates"
        return "slow crawl"

    def explain(self) -> str:
        """One or two sentences on what happened and what to try next."""
        regime, steps, rate = self.regime, self.steps_taken, self.rate
        plural = "s" * (steps != 1)
        if regime == "diverges":
            where = (f"the parameters flew past {ESCAPE_RADIUS:g}" if self.diverged
                     else f"the loss rose to {self.losses[-1]:.3g}")
            return (f"Diverges: each step overshoots the minimum by more than it corrects, and after "
                    f"{steps} step{plural} {where}. Lower the learning rate.")
        distances = self.distances
        where = _place(self.minimum)
        if regime == "converges":
            if distances[0] == 0:
                return f"Converges: the walk starts at the minimum, {where}, and stays there."
            arrived = next(k for k, d in enumerate(distances) if d <= ARRIVED * distances[0])
            zigzag = ", jumping across it on most steps" if self.jumps_across else ""
            return (f"Converges: within 1% of the starting distance to the minimum at {where} after "
                    f"{arrived} steps{zigzag}; the loss ends at {self.losses[-1]:.3g}.")
        if regime == "oscillates":
            pace = (f"each step only multiplies the distance to it by {rate:.3g}"
                    if rate < 1 else "the distance to it does not shrink")
            return (f"Oscillates: most steps jump across the minimum at {where} and land on the other "
                    f"side; {pace}. A smaller learning rate settles it.")
        needed = math.ceil(math.log(ARRIVED) / math.log(rate)) if 0 < rate < 1 else None
        pace = (f"at this pace reaching 1% of the starting distance takes about {needed} steps"
                if needed else "it is hardly moving")
        return (f"Slow crawl: every step goes downhill but only a little (it multiplies the distance "
                f"to the minimum by {rate:.3g}); after {steps} steps the loss is still "
                f"{self.losses[-1]:.3g}, and {pace}. A larger learning rate gets there sooner.")


def _place(point: Sequence[float]) -> str:
    """Where a point of a landscape is, in its parameters' names: 'w = 0', '(x, y) = (1, -2)'."""
    shown = [f"{c + 0.0:.3g}" for c in point]  # + 0.0: -0.0 reads as 0
    if len(shown) == 1:
        return f"w = {shown[0]}"
    return f"(x, y) = ({', '.join(shown)})"


def descend(landscape: Landscape, learning_rate: float, steps: int,
            start: Sequence[float] | None = None) -> Trajectory:
    """Run ``steps`` steps of ``w <- w - learning_rate * dL/dw`` from ``start``.

    Stops early, with ``diverged=True``, when the loss overflows or a parameter passes 1e6.
    """
    if learning_rate <= 0 or not math.isfinite(learning_rate):
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
    point = tuple(float(c) for c in (landscape.start if start is None else start))
    trajectory = Trajectory(learning_rate, landscape.minima)
    for step in range(steps + 1):
        parameters = [Value(c) for c in point]
        try:
            loss = landscape.loss(parameters)
            gradients = grad(loss, parameters)
        except (OverflowError, ValueError, ZeroDivisionError):
            trajectory.diverged = True
            break
        trajectory.points.append(point)
        trajectory.losses.append(loss.data)
        trajectory.gradient_norms.append(math.hypot(*gradients))
        if step == steps:
            break
        point = tuple(c - learning_rate * g for c, g in zip(point, gradients))
        if not all(math.isfinite(c) and abs(c) < ESCAPE_RADIUS for c in point):
            trajectory.diverged = True
            break
    return trajectory


def _visible_path(landscape: Landscape, points: list[tuple[float, ...]]) -> list[tuple[float, ...]]:
    """The steps worth drawing on the landscape: all of them, except that a divergence is cut
    where it passes four times the landscape's range, so the first jumps (each landing farther
    out) stay readable instead of shrinking to a dot."""
    reach = [4 * max(abs(low), abs(high)) for low, high in landscape.bounds]
    shown = []
    for point in points:
        if any(abs(c) > r for c, r in zip(point, reach)):
            break
        shown.append(point)
    return shown


LOG_SCALE_NOTE = (
    "<small>The right-hand plot shows, for each step, the <b>gap</b> between the loss and the "
    "loss at the minimum the walk heads for. Its vertical axis is a <b>log scale</b>: each step up the axis is "
    "10 times the one below (0.01, 0.1, 1, 10), so a tiny gap and a huge one fit on one "
    "picture. A straight line going down means the gap shrinks by the same factor every step; "
    "a line going up means each step makes things worse.</small>")

REGIME_COLOURS = {"converges": "#1a7f37", "slow crawl": "#9a6700", "oscillates": "#bc4c00",
                  "diverges": "#cf222e"}


class GradientDescentExplorer(FallbackBox):
    """A loss landscape and the path gradient descent takes on it, with a learning-rate slider.

    Controls: ``landscape`` (bowl, double well, ravine), ``learning_rate`` (log scale, 0.001 to
    about 3), ``steps`` and ``start``. The left plot draws the path on the landscape, the right
    one the loss gap (loss minus the loss at the minimum the walk heads for) per step on a log
    scale, and the line below names the regime (see :attr:`Trajectory.regime`): converges, slow
    crawl, oscillates or diverges.
    """

    def __init__(self, landscape: str = "bowl", learning_rate: float = 0.1, steps: int = 30):
        if landscape not in LANDSCAPES:
            raise ValueError(f"unknown landscape {landscape!r}; choose one of {sorted(LANDSCAPES)}")
        style = {"description_width": "initial"}
        self.landscape = widgets.Dropdown(options=list(LANDSCAPES), value=landscape,
                                          description="landscape", style=style)
        self.learning_rate = widgets.FloatLogSlider(value=learning_rate, base=10, min=-3, max=0.5,
                                                    step=0.01, description="learning rate",
                                                    readout_format=".3f", continuous_update=False,
                                                    style=style)
        self.steps = widgets.IntSlider(value=steps, min=1, max=100, description="steps",
                                       continuous_update=False, style=style)
        self.start = widgets.FloatSlider(description="start", step=0.1, continuous_update=False,
                                         style=style)
        self.image = image_widget()
        self.status = widgets.HTML()
        self.status.add_class("mgp-descent-status")
        self.note = widgets.HTML(LOG_SCALE_NOTE)
        self.note.add_class("mgp-descent-note")
        self.trajectory: Trajectory | None = None
        self._set_start_range()
        controls = widgets.HBox([self.landscape, self.learning_rate, self.steps, self.start],
                                layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([controls, self.image, self.status, self.note])
        self.add_class("mgp-descent")
        self.landscape.observe(self._on_landscape, names="value")
        for control in (self.learning_rate, self.steps, self.start):
            control.observe(self._on_setting, names="value")
        self.redraw()

    @property
    def regime(self) -> str:
        """What the current learning rate does: 'converges', 'slow crawl', 'oscillates', 'diverges'."""
        return self.trajectory.regime

    def _current(self) -> Landscape:
        return LANDSCAPES[self.landscape.value]

    def _set_start_range(self) -> None:
        landscape = self._current()
        low, high = landscape.bounds[0]
        with self.start.hold_trait_notifications():
            self.start.min, self.start.max = -1e9, 1e9  # widen first so min < max holds throughout
            self.start.min, self.start.max = low, high
            self.start.value = landscape.start[0]

    def _on_setting(self, change) -> None:
        self.redraw()

    def _on_landscape(self, change) -> None:
        # Move the start slider to the new landscape without a redraw for each of its changes;
        # only this widget's own handler is paused, so observers a reader added still hear them.
        self.start.unobserve(self._on_setting, names="value")
        self._set_start_range()
        self.start.observe(self._on_setting, names="value")
        self.redraw()

    def redraw(self) -> None:
        """Run gradient descent with the current settings and update the picture in place."""
        landscape = self._current()
        start = (self.start.value,) + landscape.start[1:]
        self.trajectory = descend(landscape, self.learning_rate.value, self.steps.value, start)
        figure = self._draw(landscape, self.trajectory)
        self._png = png_bytes(figure)
        self.image.value = self._png
        colour = REGIME_COLOURS[self.trajectory.regime]
        self.status.value = (f"<b style='color:{colour}'>lr = {self.learning_rate.value:.3g}</b> "
                             f"<span>{self.trajectory.explain()}</span>")

    def _draw(self, landscape: Landscape, trajectory: Trajectory):
        # Taller when presenting: the larger text (and a legend under the left plot) needs room.
        figure, (ax_path, ax_loss) = new_figure(11, 4.2 * text_scale(), ncols=2)
        colour = REGIME_COLOURS[trajectory.regime]
        path = _visible_path(landscape, trajectory.points)
        loss = lambda *parameters: landscape.loss(parameters)  # viz passes one Value per axis
        if landscape.dimensions == 1:
            plot_loss_landscape_1d(loss, [p[0] for p in path], ax=ax_path,
                                   xlim=landscape.bounds[0])
        else:
            plot_loss_landscape_2d(loss, path, ax=ax_path, xlim=landscape.bounds[0],
                                   ylim=landscape.bounds[1], parameters=("x", "y"), resolution=60)
        shown = ("" if len(path) == len(trajectory.points)
                 else f" (first {len(path) - 1} steps)")
        # Two lines: on one, the ravine's formula runs past the left edge when presenting.
        ax_path.set_title(f"{landscape.formula}\nlr = {trajectory.learning_rate:.3g}{shown}",
                          fontsize=15)
        # The gap to the minimum the walk heads for, not to the landscape's lowest point: in the
        # double well a walk that settles in the higher valley has arrived all the same.
        bottom = landscape.evaluate(trajectory.minimum)
        gap = np.array(trajectory.losses) - bottom
        # A log scale cannot show 0 (a walk that lands on the minimum) or a loss below the
        # minimum's (a walk passing through the other valley), and gaps within rounding error of
        # the minimum's loss only draw noise: leave those points out.
        gap[gap <= 16 * np.finfo(float).eps * max(1.0, abs(bottom))] = np.nan
        ax_loss.semilogy(range(len(gap)), gap, "-o", color=colour, ms=3)
        ax_loss.set_xlabel("step", fontsize=15)
        ax_loss.set_ylabel("gap to the\nminimum (log)", fontsize=15)
        ax_loss.set_title(trajectory.regime, color=colour, fontweight="bold", fontsize=16)
        ax_loss.tick_params(labelsize=13)
        ax_loss.grid(True, which="major", alpha=0.3)
        return figure

    def summary(self) -> str:
        return (f"GradientDescentExplorer({self.landscape.value!r}, learning_rate="
                f"{self.learning_rate.value:.3g}): {self.trajectory.explain()}")
