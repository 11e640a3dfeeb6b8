"""NeuronPlayground: one neuron, ``out = act(w0*x0 + w1*x1 + b)``, with a slider for every number.

The neuron is an ``nn.Neuron``; each change rebuilds its graph, runs ``backward()`` and redraws
``viz.draw_dot`` (data and gradients) and ``viz.plot_activation`` with the current point and
the tangent whose slope is the local derivative the chain rule uses at that point.
"""

from __future__ import annotations

import html
import math
from numbers import Real

import ipywidgets as widgets

from ..engine import Value
from ..nn import ACTIVATIONS, Neuron
from ..viz import draw_dot, plot_activation
from ._display import FallbackBox, graph_svg, image_widget, new_figure, png_bytes

SLIDER_RANGE = 3.0
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
                                           description="activation")
        self.graph = widgets.HTML(layout=widgets.Layout(overflow="auto"))
        self.graph.add_class("mgp-neuron-graph")
        self.curve = image_widget(max_width="460px")
        self.readout = widgets.HTML()
        self.readout.add_class("mgp-neuron-output")
        self.output: Value | None = None

        controls = widgets.VBox([widgets.HTML("<b>inputs</b>"), *self.inputs,
                                 widgets.HTML("<b>weights and bias</b>"), *self.weights, self.bias,
                                 self.activation, self.readout],
                                layout=widgets.Layout(min_width="320px"))
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
        self.redraw()

    @staticmethod
    def _slider(name: str, value: float) -> widgets.FloatSlider:
        limit = max(SLIDER_RANGE, abs(value))
        slider = widgets.FloatSlider(value=value, min=-limit, max=limit, step=0.01,
                                     description=name, readout_format=".2f",
                                     continuous_update=False)
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
        self.graph.value = graph_svg(draw_dot(output))
        self._png = png_bytes(self._draw_curve(activation, z.data, output.data, slope))
        self.curve.value = self._png
        w, b = self.neuron.w, self.neuron.b
        rows = [("z = w0·x0 + w1·x1 + b", z.data), (f"out = {activation}(z)", output.data),
                ("d out / dz", slope), ("d out / dw0", w[0].grad), ("d out / dw1", w[1].grad),
                ("d out / db", b.grad), ("d out / dx0", self._x[0].grad),
                ("d out / dx1", self._x[1].grad)]
        cells = "".join(f"<tr><td style='padding-right:12px'>{html.escape(name)}</td>"
                        f"<td style='text-align:right'><code>{value:.4g}</code></td></tr>"
                        for name, value in rows)
        self.readout.value = (f"<div style='font-size:15px'><b class='mgp-neuron-value'>output = "
                              f"{output.data:.4f}</b><table>{cells}</table></div>")

    def _draw_curve(self, activation: str, z: float, out: float, slope: float):
        figure, (ax,) = new_figure(4.6, 3.2)
        # Widen the curve past ±4 when z runs out there, so the current point stays on it.
        low, high = min(-4.0, z - 1.0), max(4.0, z + 1.0)
        plot_activation(activation, ax=ax, xlim=(low, high))
        half = 0.15 * (high - low)
        ax.plot([z - half, z + half], [out - slope * half, out + slope * half], color="black",
                lw=1.5, label=f"slope here: {slope:.3g}")
        ax.plot([z], [out], "o", color="#ff8c00", ms=9, zorder=5)
        ax.legend(loc="upper left", fontsize=9)
        return figure

    def summary(self) -> str:
        return f"NeuronPlayground: {self.activation.value} neuron, output = {self.output.data:.4f}"
