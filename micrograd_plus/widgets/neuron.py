"""NeuronPlayground: one neuron, ``out = act(w0*x0 + w1*x1 + b)``, with a slider for every number.

The neuron is an ``nn.Neuron``; each change rebuilds its graph, runs ``backward()`` and redraws
``viz.draw_dot`` (data and gradients), ``viz.plot_activation`` with the current point and the
tangent whose slope is the local derivative the chain rule uses at that point, and the neuron's
output over the whole input plane (x0, x1), the current input marked on it.

Changes that arrive together (a held-down arrow key sends one per step) make one redraw: each
change only schedules a redraw a moment later on the kernel's event loop, which reads the
sliders as they are by then. Everything is computed before anything is shown, so the graph,
the pictures and the table always show the same numbers.
"""

from __future__ import annotations

import asyncio
import html
import math
from numbers import Real

import ipywidgets as widgets
import numpy as np

from .. import batched
from ..engine import Value
from ..nn import ACTIVATIONS, Neuron
from ..viz import draw_dot, plot_activation
from ..viz.style import text_scale
from ..viz.text import format_number
from matplotlib.ticker import MaxNLocator  # after viz, which loads matplotlib in the browser site
from matplotlib.transforms import ScaledTranslation
from ._display import FallbackBox, graph_svg, image_widget, new_figure, png_bytes

SLIDER_RANGE = 3.0
COALESCE_SECONDS = 0.05  # changes this close together make one redraw
PLANE_RESOLUTION = 41
# The pictures beside the sliders: FIGURE_WIDTH_PX wide on screen (0.8 px a point at 100 dpi,
# shown one to one); text of its own in points, never under 12 px (ticks) and 14 px (words).
FIGURE_WIDTH_PX, FIGURE_HEIGHT_PX = 580, 330
TICK_PT, LABEL_PT, TITLE_PT = 10, 11, 12
LARGEST = 1e6  # past this a slider's steps of 0.01 and the curve's axis stop meaning anything


def _drawable(number: object) -> bool:
    return (isinstance(number, Real) and not isinstance(number, bool) and math.isfinite(number)
            and abs(number) <= LARGEST)


def _out_of_range(name: str, number: object) -> str:
    return (f"{name} = {number!r} is refused: the playground shows numbers from {-LARGEST:g} to "
            f"{LARGEST:g}.")


class NeuronPlayground(FallbackBox):
    """Sliders for the inputs ``x0, x1``, weights ``w0, w1`` and bias ``b``, and a choice of
    activation; shows the neuron's graph with data and gradients, the activation curve with
    the current point ``(z, act(z))`` on it, and the output with its gradients.

    The sliders are ``inputs[i]``, ``weights[i]`` and ``bias``; the last computed output is
    ``output`` (a Value whose graph has had ``backward()``).
    """

    def __init__(self, inputs: tuple[float, float] = (2.0, 0.0),
                 weights: tuple[float, float] = (-3.0, 1.0), bias: float = 6.88,
                 activation: str = "tanh"):
        self.neuron = Neuron(2, activation=activation)  # first: it rejects an unknown activation
        named = [*((f"x{i}", v) for i, v in enumerate(inputs)),
                 *((f"w{i}", v) for i, v in enumerate(weights)), ("b", bias)]
        for name, number in named:
            if not _drawable(number):
                raise ValueError(f"NeuronPlayground: {_out_of_range(name, number)}")
        # A slider reaches past ±3 when its starting number does (Karpathy's bias 6.88 does).
        self.inputs = [self._slider(f"x{i}", v) for i, v in enumerate(inputs)]
        self.weights = [self._slider(f"w{i}", v) for i, v in enumerate(weights)]
        self.bias = self._slider("b", bias)
        self.activation = widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                           description="activation",
                                           layout=widgets.Layout(width="245px"),
                                           style={"description_width": "70px"})
        self.graph = widgets.HTML(layout=widgets.Layout(overflow="auto"))
        self.graph.add_class("mgp-neuron-graph")
        self.curve = image_widget(max_width=f"{FIGURE_WIDTH_PX}px")  # the curve and the plane
        self.readout = widgets.HTML()
        self.readout.add_class("mgp-neuron-output")
        self.output: Value | None = None
        self._pending: asyncio.Handle | None = None

        # Sliders and table beside the pictures, under the graph: under 600 px in all, what a
        # 720p screen leaves a notebook.
        controls = widgets.VBox([*self.inputs, *self.weights, self.bias, self.activation,
                                 self.readout], layout=widgets.Layout(width="255px"))
        lower = widgets.HBox([controls, self.curve],
                             layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
        super().__init__([self.graph, lower])
        self.add_class("mgp-neuron")
        for control in (*self.inputs, *self.weights, self.bias, self.activation):
            control.observe(self._on_change, names="value")
        self.redraw()

    def _on_change(self, change) -> None:
        slider, new = change["owner"], change["new"]
        if slider is not self.activation and not _drawable(new):  # a slider clamps numbers, not nan
            slider.value = change["old"]
            self.readout.value = (f"<div style='font-size:15px;color:#cf222e'>"
                                  f"{html.escape(_out_of_range(slider.description, new))}</div>"
                                  + self.readout.value)
            return
        self._schedule_redraw()

    def _schedule_redraw(self) -> None:
        """Redraw once, COALESCE_SECONDS from now, for every change until then; at once when no
        event loop runs (a script, a test)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.redraw()
            return
        if self._pending is None:
            self._pending = loop.call_later(COALESCE_SECONDS, self._redraw_pending)

    def _redraw_pending(self) -> None:
        self._pending = None
        self.redraw()

    @staticmethod
    def _slider(name: str, value: float) -> widgets.FloatSlider:
        limit = max(SLIDER_RANGE, abs(value))
        slider = widgets.FloatSlider(value=value, min=-limit, max=limit, step=0.01,
                                     description=name, readout_format=".2f",
                                     continuous_update=False,
                                     layout=widgets.Layout(width="245px"),
                                     style={"description_width": "28px"})
        slider.add_class(f"mgp-{name}")
        return slider

    def compute(self) -> Value:
        """Forward and backward with the current slider values; returns the output Value."""
        neuron = self.neuron
        neuron.activation = self.activation.value
        for weight, slider in zip(neuron.w, self.weights):
            weight.data = slider.value
        neuron.b.data = self.bias.value
        neuron.zero_grad()  # leaves accumulate gradients; each picture shows one backward pass
        x = [Value(slider.value, label=f"x{i}") for i, slider in enumerate(self.inputs)]
        output = neuron(x)
        output.label = "out"
        output.backward()
        self._x = x
        return output

    def redraw(self) -> None:
        """Recompute the neuron and update graph, curve and readout in place."""
        output = self.output = self.compute()
        activation = self.activation.value
        # The weighted sum z is the activation's operand (or the output itself when linear).
        z = output if activation == "linear" else output._prev[0]
        slope = 1.0 if activation == "linear" else output.local_derivatives()[0]
        graph = graph_svg(draw_dot(output))
        picture = png_bytes(self._draw_pictures(activation, z.data, output.data, slope))
        w, b = self.neuron.w, self.neuron.b
        # One number a row, as the graph writes it: two a row ran past the 255 px column
        # ("7.744e-08" showed as "7.7"), and this column is the shorter of the two anyway.
        rows = [("z", z.data), ("d out/dz", slope), ("d out/dw0", w[0].grad),
                ("d out/dw1", w[1].grad), ("d out/db", b.grad), ("d out/dx0", self._x[0].grad),
                ("d out/dx1", self._x[1].grad)]
        cells = "".join(f"<tr><td style='padding:0'>{html.escape(name)}</td><td style='padding:0 "
                        f"0 0 12px;text-align:right'>{format_number(value)}</td></tr>"
                        for name, value in rows)
        readout = (f"<div style='font-size:14px;line-height:1.2;white-space:nowrap'>"
                   f"<b class='mgp-neuron-value'>output = {output.data:.4f}</b> = "
                   f"{activation}(z)<table style='line-height:1.15;border-spacing:0'>{cells}</table></div>")
        # All three at once, after the slow part: they never show different numbers for long.
        self._png = picture
        self.graph.value, self.curve.value, self.readout.value = graph, picture, readout

    def _draw_pictures(self, activation: str, z: float, out: float, slope: float):
        """The activation curve with the current point and its tangent, and beside it the
        neuron's output over the input plane with the current input marked."""
        # Taller in presentation mode, where the text is larger but the width stays.
        scale = text_scale()
        figure, (ax, ax_plane) = new_figure(FIGURE_WIDTH_PX / 100, FIGURE_HEIGHT_PX * scale / 100,
                                            ncols=2)
        # Widen the curve past ±4 when z runs out there, so the current point stays on it.
        low, high = min(-4.0, z - 1.0), max(4.0, z + 1.0)
        plot_activation(activation, ax=ax, xlim=(low, high))
        half = 0.15 * (high - low)
        ax.plot([z - half, z + half], [out - slope * half, out + slope * half], color="black",
                lw=1.5, label=f"slope here: {slope:.3g}")
        ax.plot([z], [out], "o", color="#ff8c00", ms=9, zorder=5)
        ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
        # Under the plot, below the tick labels and the axis label (as large as presentation()
        # makes them), where it covers neither the curve nor the current point.
        below = (1.3 * (ax.xaxis.get_ticklabels()[0].get_fontsize() + ax.xaxis.label.get_fontsize())
                 * scale + 6) / 72
        anchor = ax.transAxes + ScaledTranslation(0, -below, figure.dpi_scale_trans)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=anchor,
                  fontsize=LABEL_PT, frameon=False)
        self._draw_plane(figure, ax_plane, out)
        return figure

    def _draw_plane(self, figure, ax, out: float) -> None:
        x0, x1 = (slider.value for slider in self.inputs)
        limit = max(SLIDER_RANGE, abs(x0), abs(x1))
        axis = np.linspace(-limit, limit, PLANE_RESOLUTION)
        a, b = np.meshgrid(axis, axis)
        plane = np.asarray(batched.outputs(self.neuron, np.column_stack([a.ravel(), b.ravel()])),
                           dtype=float).reshape(PLANE_RESOLUTION, PLANE_RESOLUTION)
        largest = float(np.nanmax(np.abs(plane))) or 1.0
        shading = ax.imshow(plane, origin="lower", extent=(-limit, limit, -limit, limit),
                            cmap="RdGy_r", vmin=-largest, vmax=largest, interpolation="bilinear")
        ax.plot([x0], [x1], "o", color="#ff8c00", ms=9, markeredgecolor="black", zorder=5)
        # Three whole-number ticks an axis, clear of the corners: room for them at the
        # presentation size too.
        tick = max(1, math.floor(0.75 * limit))
        ticks = [-tick, 0, tick]
        written = [f"{x:g}".replace("-", "\u2212") for x in ticks]  # a minus, as matplotlib writes
        ax.set_xticks(ticks, written)
        ax.set_yticks(ticks, written)
        ax.tick_params(labelsize=TICK_PT)
        ax.set_xlabel("x0", fontsize=LABEL_PT)
        ax.set_ylabel("x1", fontsize=LABEL_PT)
        ax.set_title("out over (x0, x1)", fontsize=TITLE_PT)
        bar = figure.colorbar(shading, ax=ax, location="bottom", shrink=0.9)
        bar.set_ticks([-largest, 0.0, largest],
                      labels=[f"\u2212{largest:.2g}", "0", f"{largest:.2g}"])
        bar.ax.tick_params(labelsize=TICK_PT)
        bar.set_label("out", fontsize=LABEL_PT)

    def summary(self) -> str:
        return f"NeuronPlayground: {self.activation.value} neuron, output = {self.output.data:.4f}"
