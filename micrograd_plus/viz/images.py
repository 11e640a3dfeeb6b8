"""Small images in a row: digits as the network sees them, or a map of numbers per pixel (such
as d(score)/d(pixel)) in red and blue. Takes an optional ``ax`` and returns the Figure."""

from __future__ import annotations

from typing import Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .plots import LABEL_SIZE, TICK_SIZE, _new_axes

__all__ = ["plot_images"]

GAP = 1  # blank pixels between two tiles


def plot_images(images: Sequence[Sequence[float]], titles: Sequence[str] = (),
                shape: tuple[int, int] = (8, 8), signed: bool = False, ax: Axes | None = None) -> Figure:
    """Each image (a flat list of ``shape[0] * shape[1]`` numbers, row by row) as a tile, left to
    right, with its title above it.

    Ink images (``signed=False``) are drawn from white (0) to black (1). With ``signed=True``
    the numbers are drawn red for positive and blue for negative on one shared scale, with a
    colour bar: the way to show how much each pixel pushes a score up or down.
    """
    images = [list(image) for image in images]
    if not images:
        raise ValueError("images is empty: pass a list of images, e.g. X[:5]")
    pixels = shape[0] * shape[1]
    wrong = [i for i, image in enumerate(images) if len(image) != pixels]
    if wrong:
        raise ValueError(f"image {wrong[0]} has {len(images[wrong[0]])} numbers, not {pixels} for "
                         f"shape {shape}; pass the image shape as shape=")
    if titles and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images: give one title per image")
    rows, columns = shape
    mosaic = np.full((rows, len(images) * (columns + GAP) - GAP), np.nan)
    for k, image in enumerate(images):
        left = k * (columns + GAP)
        mosaic[:, left:left + columns] = np.array(image, dtype=float).reshape(shape)
    figure, ax = _new_axes(ax, (2.3 * len(images) + (1.2 if signed else 0.4), 3.1))
    if signed:
        limit = float(np.nanmax(np.abs(mosaic))) or 1.0
        colours = matplotlib.colormaps["RdBu_r"].with_extremes(bad="white")
        shown = ax.imshow(mosaic, cmap=colours, vmin=-limit, vmax=limit, interpolation="nearest")
        figure.colorbar(shown, ax=ax, shrink=0.8).ax.tick_params(labelsize=TICK_SIZE - 2)
    else:
        colours = matplotlib.colormaps["gray_r"].with_extremes(bad="white")
        ax.imshow(mosaic, cmap=colours, vmin=0.0, vmax=1.0, interpolation="nearest")
    for k, title in enumerate(titles):
        ax.text(k * (columns + GAP) + (columns - 1) / 2, -0.9, title, ha="center", va="bottom",
                fontsize=LABEL_SIZE - 2)
    ax.set_axis_off()
    return figure
