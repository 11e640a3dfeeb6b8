"""BackpropStepper: walk through the forward or backward pass of a graph one step at a time.

Every picture is what ``viz.draw_dot(root, step=k)`` (or ``forward_step=k``) draws, through
``viz.graph.StepPictures``, which reads the graph and works out its steps once for all of them;
every sentence is ``viz.explain`` of the same step. So the widget shows exactly what the viz
module computes; it only adds the controls.
"""

from __future__ import annotations

import html
import math
from numbers import Real
from typing import Any

import ipywidgets as widgets

from ..viz import explain
from ..viz.graph import StepPictures
from ._display import FallbackBox, button, graph_svg

DIRECTIONS = ("backward", "forward")
SPEEDS = (0.2, 3.0)  # the speed slider's range, in seconds per step
GRAPH_HEIGHT_PX = 640  # the graph is scaled down to fit this box, never scrolled inside it
SENTENCE_PX, STATUS_PX = 15, 14  # text sizes; viz.presentation() scales them as the graph's


class BackpropStepper(FallbackBox):
    """Step through how ``root`` was computed (forward) or how its gradient flows back (backward).

    Controls: ``first`` / ``back`` / ``next`` / ``last`` buttons, a ``play`` button with a
    ``speed`` slider (seconds per step), the ``step`` slider and the ``direction`` toggle.
    Step 0 is the start (backward: all gradients 0; forward: only the inputs known); step k
    shows the graph after k steps with the acting node highlighted, and the chain-rule sentence
    for that step, e.g. ``dL/da = dL/dc * dc/da = -2.0 * 3.0 = -6.0``. The graph is never
    changed: gradients are computed by ``viz.backward_steps``, not by ``root.backward()``.
    ``root`` may be any micrograd-style value (micrograd's, or your own class): each backward
    step runs that node's own ``_backward()``. A graph of more than ``viz.graph.LARGEST_GRAPH``
    values is refused at once (too many steps to follow), whatever its size.
    Made while ``viz.presentation()`` is on, its graph and sentences are drawn larger.
    """

    def __init__(self, root: Any, direction: str = "backward", seconds_per_step: float = 1.0):
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'backward' or 'forward', got {direction!r}")
        low, high = SPEEDS
        if (not isinstance(seconds_per_step, Real) or isinstance(seconds_per_step, bool)
                or not low <= seconds_per_step <= high):  # nan fails the comparison too
            raise ValueError(f"seconds_per_step must be a number of seconds from {low} to "
                             f"{high} (the speed slider's range), got {seconds_per_step!r}")
        self.root = root
        self._pictures = StepPictures(root, "BackpropStepper", max_height_px=GRAPH_HEIGHT_PX)
        self._steps = {"backward": self._pictures.backward_steps,
                       "forward": self._pictures.forward_steps}
        self._svg_cache: dict[tuple[str, int], str] = {}
        self._text_scale = self._pictures.layout.text_scale  # as the pictures are drawn

        self.direction = widgets.ToggleButtons(options=DIRECTIONS, value=direction,
                                               style={"button_width": "90px"})
        self.first = self._button("first", "fast-backward", "mgp-first", lambda: 0)
        self.back = self._button("back", "step-backward", "mgp-back", lambda: self.step.value - 1)
        self.next = self._button("next", "step-forward", "mgp-next", lambda: self.step.value + 1)
        self.last = self._button("last", "fast-forward", "mgp-last", lambda: self.step.max)
        self.step = widgets.IntSlider(value=0, min=0, max=self.step_count, description="step",
                                      continuous_update=True)
        self.play = widgets.Play(value=0, min=0, max=self.step_count, step=1,
                                 interval=int(seconds_per_step * 1000), show_repeat=False)
        self.speed = widgets.FloatSlider(value=seconds_per_step, min=low, max=high, step=0.1,
                                         description="s / step", readout_format=".1f",
                                         style={"description_width": "initial"})
        widgets.link((self.play, "value"), (self.step, "value"))
        self.status = widgets.HTML()
        self.status.add_class("mgp-stepper-status")
        self.graph = widgets.HTML(layout=widgets.Layout(overflow="auto",
                                                        max_height=f"{GRAPH_HEIGHT_PX}px"))
        self.graph.add_class("mgp-stepper-graph")
        self.sentence = widgets.HTML()
        self.sentence.add_class("mgp-stepper-sentence")

        buttons = widgets.HBox([self.first, self.back, self.next, self.last, self.play, self.speed],
                               layout=widgets.Layout(flex_flow="row wrap"))
        position = widgets.HBox([self.step, self.direction],
                                layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([buttons, position, self.status, self.graph, self.sentence])
        self.add_class("mgp-stepper")
        self.speed.observe(self._on_speed, names="value")
        self.direction.observe(self._on_direction, names="value")
        self.step.observe(lambda change: self.redraw(), names="value")
        self.redraw()

    def _button(self, label: str, icon: str, css_class: str, target) -> widgets.Button:
        """A button that goes to step ``target()``, worked out at the click."""
        return button(label, icon, css_class, lambda: self.go_to(target()))

    @property
    def step_count(self) -> int:
        """How many steps the current pass has (the last value of the step slider)."""
        return len(self._steps[self.direction.value])

    @property
    def active_node(self) -> Any:
        """The node that acts at the current step (None at step 0)."""
        k = self.step.value
        return self._steps[self.direction.value][k - 1].node if k else None

    def go_to(self, k: int) -> None:
        """Show step ``k``, clipped to 0..step_count (what the buttons do)."""
        self.step.value = max(0, min(self.step_count, k))

    def _on_speed(self, change) -> None:
        seconds = change["new"]
        if not math.isfinite(seconds):  # the slider lets nan through; keep the last good speed
            self.speed.value = change["old"]
            self.status.value = (f"The speed must be a number of seconds per step, not "
                                 f"{html.escape(repr(seconds))}; it stays at {change['old']:.1f}.")
            return
        self.play.interval = int(seconds * 1000)

    def _on_direction(self, change) -> None:
        with self.step.hold_trait_notifications():
            self.play.max = self.step.max = self.step_count
            self.step.value = 0
        self.redraw()

    def _svg(self, direction: str, k: int) -> str:
        key = (direction, k)
        if key not in self._svg_cache:
            draw = self._pictures.backward if direction == "backward" else self._pictures.forward
            self._svg_cache[key] = graph_svg(draw(k))
        return self._svg_cache[key]

    def redraw(self) -> None:
        """Update the picture, the sentence, the status line and the buttons in place."""
        direction, k, count = self.direction.value, self.step.value, self.step_count
        self.graph.value = self._svg(direction, k)
        if k == 0:
            text = ("After the forward pass every gradient is still 0. Press next to start at "
                    "the output." if direction == "backward" else
                    "Only the inputs are known. Press next to compute the first operation.")
            status = f"{direction} pass: start (step 0 of {count})"
        else:
            step = self._steps[direction][k - 1]
            text = explain(step).text
            status = f"{direction} pass: step {k} of {count}, node <b>{html.escape(step.name)}</b>"
        scale = self._text_scale
        self.status.value = f"<span style='font-size:{STATUS_PX * scale:g}px'>{status}</span>"
        self.sentence.value = (f"<pre style='font-size:{SENTENCE_PX * scale:g}px;line-height:1.4;"
                               f"white-space:pre-wrap;margin:4px 0'>{html.escape(text)}</pre>")
        self._sentence_text = text
        self.first.disabled = self.back.disabled = k == 0
        self.next.disabled = self.last.disabled = k == count

    def static_bundle(self) -> dict[str, object]:
        return {"image/svg+xml": self._svg(self.direction.value, self.step.value)}

    def summary(self) -> str:
        return (f"BackpropStepper, {self.direction.value} step {self.step.value} of "
                f"{self.step_count}:\n{self._sentence_text}")
