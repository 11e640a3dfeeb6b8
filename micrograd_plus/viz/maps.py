"""What each neuron of a layer responds to: its output over the whole plane, one panel per
neuron, for a network with two inputs. It makes a figure of its own (one panel per neuron) and
returns it."""

from __future__ import annotations

from typing import Any, Sequence

import matplotlib.cm
import matplotlib.colors
import numpy as np
from matplotlib.figure import Figure

from .. import batched
from .plots import CLASS_COLOURS, LABEL_SIZE, TICK_SIZE, _new_figure

__all__ = ["plot_neuron_maps"]

RESOLUTION = 61  # grid points per side: smooth enough for a projector, milliseconds to compute
OUTPUT_COLOURS = "RdGy_r"  # grey below 0, white at 0, red above


def plot_neuron_maps(model: Any, X: Sequence[Sequence[float]], y: Sequence[int], layer: int = 0,
                     columns: int | None = None) -> Figure:
    """One panel per neuron of ``model.layers[layer]`` (0 = the first hidden layer): the colour
    at each point of the plane is that neuron's output when the point is fed to the network,
    red above 0 and grey below, each panel on its own scale (grey, not blue: blue is a class
    colour, and no colour means two things in one picture). The examples ``X`` are drawn as
    dots in their class colours, so you can see which of them each neuron singles out.
    ``columns`` panels go in a row (default 4: each panel stays readable at 900 px).
    """
    layers = getattr(model, "layers", None)
    if not layers:
        raise TypeError(f"plot_neuron_maps needs an MLP (a network with layers), got "
                        f"{type(model).__name__}")
    if not 0 <= layer < len(layers):
        raise ValueError(f"layer must be from 0 to {len(layers) - 1} for this {len(layers)}-layer "
                         f"network, got {layer!r}")
    inputs = len(layers[0].neurons[0].w)
    if inputs != 2:
        raise ValueError(f"plot_neuron_maps draws networks with 2 inputs (a point in the plane); "
                         f"this one has {inputs}")
    points = np.asarray(X, dtype=float)
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.15 * (high - low).max()
    xs = np.linspace(low[0] - margin, high[0] + margin, RESOLUTION)
    ys = np.linspace(low[1] - margin, high[1] + margin, RESOLUTION)
    grid = np.array([[a, b] for b in ys for a in xs])
    outputs = grid
    for part in layers[:layer + 1]:  # each layer's outputs are the next one's inputs
        outputs = batched.outputs(part, outputs).reshape(len(grid), -1)
    count = outputs.shape[1]
    columns = min(columns or 4, count)
    rows = -(-count // columns)
    # At least two panels wide, so that the colour bar's words fit under a lone panel.
    figure = _new_figure(2.7 * max(columns, 2), 2.8 * rows + 0.3)
    axes = figure.subplots(rows, columns, squeeze=False)
    colours = [CLASS_COLOURS[int(label) % len(CLASS_COLOURS)] for label in y]
    is_output = layer == len(layers) - 1
    for k, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if k >= count:
            continue
        image = outputs[:, k].reshape(RESOLUTION, RESOLUTION)
        limit = float(np.abs(image).max()) or 1.0
        ax.imshow(image, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]), cmap=OUTPUT_COLOURS,
                  vmin=-limit, vmax=limit, interpolation="bilinear")
        ax.scatter(points[:, 0], points[:, 1], c=colours, edgecolors="black", s=28)
        name = "output" if is_output and count == 1 else f"neuron {k}"
        ax.set_title(name if is_output else f"layer {layer + 1}, {name}", fontsize=LABEL_SIZE - 2)
    scale = matplotlib.cm.ScalarMappable(matplotlib.colors.Normalize(-1.0, 1.0), OUTPUT_COLOURS)
    bar = figure.colorbar(scale, ax=axes, location="bottom", shrink=0.5 if columns > 1 else 0.9,
                          aspect=30, ticks=[-1, 0, 1])
    bar.ax.set_xticklabels(["most negative", "0", "most positive"])
    bar.ax.tick_params(labelsize=TICK_SIZE)
    bar.set_label("the neuron's output (each panel to its own largest)", fontsize=LABEL_SIZE)
    return figure
