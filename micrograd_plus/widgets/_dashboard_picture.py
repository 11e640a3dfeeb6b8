"""The training dashboard's picture, drawn straight into pixels (numpy and Pillow, no matplotlib).

A matplotlib figure with three panels costs a few tenths of a second to draw, so the dashboard
could show only about three pictures a second; this one costs a few milliseconds, so the
picture follows training live. It is sized for a notebook output area at 1280x720 (840 px wide,
under 400 px tall) and shown one to one, so its text is the size written here, times
``viz.style.text_scale()`` when presenting (the squares and the clickable plane keep their place).

Left: the decision boundary, the model's score over the plane shaded from one class colour to
the other, training points filled and validation points hollow. Right, top: the network as in
TensorFlow Playground, every neuron a small map of what it computes over the same plane (red
above 0, grey below, each to its own largest value), lines red for positive weights and grey for
negative ones, thicker for larger. Right, bottom: the training and validation loss per epoch.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .. import batched
from ..viz.plots import CLASS_COLOURS
from ..viz.style import text_scale

WIDTH, HEIGHT = 840, 398
BOUNDARY_SIZE = 370       # the decision boundary's square, in px
BOUNDARY_TOP = 28         # its top edge, under the caption (room for it when presenting)
MAP_RESOLUTION = 64       # grid points per side of the boundary's shading
NEURON_RESOLUTION = 24    # grid points per side of a neuron's map
TEXT_PX, SMALL_TEXT_PX = 16, 14
PALETTE_COLOURS = 128
LOSS_COLOURS = {"training": (34, 34, 34), "validation": (204, 121, 167)}  # black, pink
_POSITIVE, _NEGATIVE, _ZERO = (178, 24, 43), (77, 77, 77), (255, 255, 255)  # maps and weights


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont:
    import matplotlib  # its DejaVu Sans, so the text looks like the library's other pictures

    return ImageFont.truetype(str(Path(matplotlib.get_data_path(), "fonts", "ttf",
                                       "DejaVuSans.ttf")), size)


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _blend(values: np.ndarray, low: Sequence[float], high: Sequence[float],
           strength: float = 1.0) -> np.ndarray:
    """RGB pixels for ``values`` in [-1, 1]: white at 0, ``low`` at -1, ``high`` at 1."""
    amount = np.clip(np.abs(values), 0, 1)[..., None] * strength
    ends = np.where(values[..., None] < 0, np.asarray(low, float), np.asarray(high, float))
    return (255 + (ends - 255) * amount).astype(np.uint8)


class Plane:
    """The part of the input plane the pictures show: the data's extent plus a margin.

    A square of ``size`` px shows it with x0 to the right and x1 up. Positions in the square
    are continuous, from its top-left corner: pixel i covers [i, i + 1), so the centre of the
    square is at size / 2 and a point drawn there is centred between pixels.
    """

    def __init__(self, X: Sequence[Sequence[float]]) -> None:
        points = np.asarray(X, dtype=float)
        low, high = points.min(axis=0), points.max(axis=0)
        margin = 0.15 * float((high - low).max() or 1.0)
        self.low, self.high = low - margin, high + margin
        self._grids: dict[int, np.ndarray] = {}

    def grid(self, resolution: int) -> np.ndarray:
        """The centres of ``resolution``² equal cells covering the plane, row by row from the
        top (largest x1) down: a picture of their values enlarged to any size (Pillow maps cell
        centres to pixel centres) puts each value where ``to_pixels`` puts its point."""
        if resolution not in self._grids:
            centres = (np.arange(resolution) + 0.5) / resolution
            xs = self.low[0] + centres * (self.high[0] - self.low[0])
            ys = self.high[1] - centres * (self.high[1] - self.low[1])
            a, b = np.meshgrid(xs, ys)
            self._grids[resolution] = np.column_stack([a.ravel(), b.ravel()])
        return self._grids[resolution]

    def to_pixels(self, points: np.ndarray, size: int) -> np.ndarray:
        """Where ``points`` (one row each) lie in a ``size``-px square showing the plane."""
        return (points - self.low) / (self.high - self.low) * [size, -size] + [0, size]

    def to_data(self, pixels: np.ndarray, size: int) -> np.ndarray:
        """The points at ``pixels`` (positions in the square, as ``to_pixels`` gives them)."""
        return self.low + (np.asarray(pixels, float) - [0, size]) / [size, -size] * (
            self.high - self.low)


def point_at(plane: Plane, x: float, y: float) -> tuple[float, float] | None:
    """The input point under position (x, y) of the whole picture (px from its top-left corner,
    as the browser reports a click), or None outside the decision boundary's square."""
    inside = 0 <= x < BOUNDARY_SIZE and BOUNDARY_TOP <= y < BOUNDARY_TOP + BOUNDARY_SIZE
    if not inside:
        return None
    x0, x1 = plane.to_data([x, y - BOUNDARY_TOP], BOUNDARY_SIZE)
    return float(x0), float(x1)


def layer_outputs(model: Any, points: np.ndarray) -> list[np.ndarray]:
    """Every layer's outputs for ``points`` (one row per point), first hidden layer first;
    zeros (drawn white) from a layer whose numbers left the float range (training diverged)."""
    outputs, current = [], points
    for layer in model.layers:
        computed = batched.outputs(layer, current)
        current = (np.zeros((len(points), len(layer.neurons))) if computed is None
                   else np.asarray(computed, dtype=float).reshape(len(points), -1))
        outputs.append(current)
    return outputs


def draw(model: Any, plane: Plane, X_train, y_train, X_val, y_val,
         train_loss: Sequence[float], val_loss: Sequence[float], caption: str) -> bytes:
    """The whole picture as PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    canvas = ImageDraw.Draw(image)
    scale = text_scale()
    _boundary(image, canvas, model, plane, X_train, y_train, X_val, y_val, caption, scale)
    _network(image, canvas, model, plane, left=BOUNDARY_SIZE + 20, top=0,
             width=WIDTH - BOUNDARY_SIZE - 20, height=235, scale=scale)
    _losses(canvas, train_loss, val_loss, left=BOUNDARY_SIZE + 20, top=245,
            width=WIDTH - BOUNDARY_SIZE - 20, height=HEIGHT - 245, scale=scale)
    buffer = io.BytesIO()
    # 128 colours are plenty for these maps, and make the PNG about three times faster to write
    # and a third of the size to send.
    image.quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE).save(
        buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _text(scale: float, small: bool = False) -> ImageFont.FreeTypeFont:
    """The picture's font at its normal or small size, ``scale`` times larger."""
    return _font(round((SMALL_TEXT_PX if small else TEXT_PX) * scale))


def _boundary(image, canvas, model, plane, X_train, y_train, X_val, y_val, caption,
              scale) -> None:
    size, top = BOUNDARY_SIZE, BOUNDARY_TOP
    score = layer_outputs(model, plane.grid(MAP_RESOLUTION))[-1][:, 0]
    coarse = np.tanh(score).reshape(MAP_RESOLUTION, MAP_RESOLUTION)
    # Coloured at the grid's resolution and enlarged by Pillow: a few ms instead of tens.
    shading = np.array(Image.fromarray(_blend(coarse, _rgb(CLASS_COLOURS[0]),
                                              _rgb(CLASS_COLOURS[1]), strength=0.45))
                       .resize((size, size), Image.BILINEAR))
    # The boundary itself: a dark line where the (enlarged) score changes sign.
    fine = np.asarray(Image.fromarray(coarse.astype(np.float32))
                      .resize((size, size), Image.BILINEAR))
    positive = fine > 0
    edge = np.zeros_like(positive)
    edge[:, 1:] |= positive[:, 1:] != positive[:, :-1]
    edge[1:, :] |= positive[1:, :] != positive[:-1, :]
    shading[edge] = 40
    image.paste(Image.fromarray(shading), (0, top))
    if not len(X_train) and not len(X_val):
        canvas.text((size / 2, top + size / 2), "click here to add points", fill=(87, 96, 106),
                    font=_text(scale), anchor="mm")
    for points, labels, filled in ((X_val, y_val, False), (X_train, y_train, True)):
        if not len(points):
            continue
        # Pillow's shapes are placed by pixel index (pixel i's centre at i), half a pixel left
        # of and above the continuous positions to_pixels gives.
        for (px, py), label in zip(plane.to_pixels(np.asarray(points, float), size) - 0.5, labels):
            colour = CLASS_COLOURS[int(label) % len(CLASS_COLOURS)]
            box = (px - 5, top + py - 5, px + 5, top + py + 5)
            canvas.ellipse(box, fill=colour if filled else None, outline="black" if filled
                           else colour, width=1 if filled else 3)
    canvas.text((4, 0), caption, fill="black", font=_text(scale))
    canvas.rectangle((0, top, size - 1, top + size - 1), outline=(150, 150, 150))


def _network(image, canvas, model, plane, left, top, width, height, scale) -> None:
    layers = [[("x0", None), ("x1", None)]] + [
        [(None, neuron) for neuron in layer.neurons] for layer in model.layers]
    points = plane.grid(NEURON_RESOLUTION)
    maps = [points[:, 0:1], points[:, 1:2]], *([out[:, k:k + 1] for k in range(out.shape[1])]
                                               for out in layer_outputs(model, points))
    tallest = max(len(layer) for layer in layers)
    titles = round(22 * scale)  # the band of the column titles
    node = int(min(44, (height - titles - 2) / tallest - 4))
    columns = len(layers)
    gap_x = (width - node) / max(columns - 1, 1)
    centres = [[(left + node / 2 + c * gap_x,
                 top + titles + (height - titles) * (r + 0.5) / len(layer))
                for r in range(len(layer))]
               for c, layer in enumerate(layers)]
    for c in range(1, columns):
        for r, (_, neuron) in enumerate(layers[c]):
            # A weight that overflowed (training diverged) is drawn as the thinnest line.
            weights = [w.data if math.isfinite(w.data) else 0.0 for w in neuron.w]
            largest = max(map(abs, weights)) or 1.0
            for (x0, y0), weight in zip(centres[c - 1], weights):
                x1, y1 = centres[c][r]
                canvas.line((x0 + node / 2, y0, x1 - node / 2, y1),
                            fill=_POSITIVE if weight > 0 else _NEGATIVE,
                            width=max(1, round(4 * (abs(weight) / largest))))
    for c, layer in enumerate(layers):
        for r, column in enumerate(maps[c]):
            values = column[:, 0].reshape(NEURON_RESOLUTION, NEURON_RESOLUTION)
            peak = float(np.abs(values).max()) or 1.0
            pixels = _blend(values / peak, _NEGATIVE, _POSITIVE)
            x, y = centres[c][r]
            corner = (round(x - node / 2), round(y - node / 2))
            image.paste(Image.fromarray(pixels).resize((node, node), Image.BILINEAR), corner)
            canvas.rectangle((*corner, corner[0] + node - 1, corner[1] + node - 1),
                             outline="black")
        title = "inputs" if c == 0 else ("output" if c == columns - 1 else f"layer {c}")
        x = centres[c][0][0]
        # the last column's title ends at the picture's edge instead of running past it
        where, anchor = ((left + width, top), "rt") if c == columns - 1 else ((x, top), "mt")
        canvas.text(where, title, fill="black", font=_text(scale, small=True), anchor=anchor)


def _losses(canvas, train_loss, val_loss, left, top, width, height, scale) -> None:
    font = _text(scale, small=True)
    if not train_loss:
        canvas.text((left + width / 2, top + height / 2), "press play or step", fill=(87, 96, 106),
                    font=_text(scale), anchor="mm")
        return
    curves = {"training": np.asarray(train_loss, float), "validation": np.asarray(val_loss, float)}
    finite = np.concatenate([curve[np.isfinite(curve)] for curve in curves.values()])
    highest = float(finite.max()) if len(finite) and finite.max() > 0 else 1.0
    # A loss that overflowed is drawn at the top of the panel; a missing one (no validation
    # points yet, on data of the learner's own) leaves a gap.
    curves = {name: np.clip(np.where(np.isinf(curve), highest, curve), 0, highest)
              for name, curve in curves.items()}
    line = round(20 * scale)  # a line of small text
    plot_top, plot_bottom, plot_left = top + line, top + height - line, left + round(44 * scale)
    canvas.line((plot_left, plot_top, plot_left, plot_bottom, left + width - 4, plot_bottom),
                fill="black")
    canvas.text((plot_left - 4, plot_top), f"{highest:.2g}", fill="black", font=font, anchor="rm")
    canvas.text((plot_left - 4, plot_bottom), "0", fill="black", font=font, anchor="rm")
    canvas.text((left + width - 4, plot_bottom + 2), f"epoch {len(train_loss)}", fill="black",
                font=font, anchor="ra")
    label_x = plot_left + 8
    for name, curve in curves.items():
        xs = plot_left + np.linspace(0, 1, len(curve)) * (left + width - 4 - plot_left)
        ys = plot_bottom - curve / highest * (plot_bottom - plot_top)
        for run in np.split(np.arange(len(curve)), np.flatnonzero(np.isnan(curve))):
            run = run[~np.isnan(curve[run])]
            if len(run) > 1:
                canvas.line(list(zip(xs[run].tolist(), ys[run].tolist())),
                            fill=LOSS_COLOURS[name], width=2)
        canvas.text((label_x, top), f"{name} loss", fill=LOSS_COLOURS[name], font=font)
        label_x += canvas.textlength(f"{name} loss", font=font) + 16
