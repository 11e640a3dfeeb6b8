"""One figure style for every picture the library draws, readable from the back of a classroom.

Sizes are set for where a picture is seen: a notebook's output area, about 900 px wide
(JupyterLab on a 1366 px screen gives 934 px, on a 1280 px one about 850 px). A browser shrinks
a picture wider than that, and its text with it, so no figure here is wider than
``OUTPUT_WIDTH_PX``: a figure is drawn at ``DPI`` dots per inch and shown one to one, and a
point of text is DPI / 72 = 1.39 px on screen. Tick labels and legends are 12 pt (17 px), axis
labels 14 pt (19 px), titles 16 pt (22 px); numbers written inside a drawing are never smaller
than ``SMALLEST_SIZE`` (9 pt, 12.5 px).

``presentation()`` makes the text of every picture drawn after it larger, for a projector:
matplotlib figures here, and Graphviz graphs (viz.graph and the stepper read ``text_scale()``).
"""

from __future__ import annotations

import importlib.util
import io
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["presentation", "text_scale"]

DPI = 100
OUTPUT_WIDTH_PX = 900
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, LEGEND_SIZE = 16, 14, 12, 12  # points
SMALLEST_SIZE = 9  # points (12.5 px)
PRESENTATION_SCALE = 1.4
PAD_INCHES = 0.1  # matplotlib's savefig.pad_inches
MAX_WIDTH = OUTPUT_WIDTH_PX / DPI - 2 * PAD_INCHES  # inches: a tight picture is padded both sides

_text_scale = 1.0  # how much larger than the sizes above text is drawn (presentation())


def figure_size(width: float, height: float) -> tuple[float, float]:
    """``(width, height)`` in inches, scaled down together if the width would not fit the output
    area at ``DPI``, so the picture keeps its shape and is never shrunk by the browser."""
    if width <= MAX_WIDTH:
        return width, height
    return MAX_WIDTH, height * MAX_WIDTH / width


def presentation(on: bool = True, scale: float = PRESENTATION_SCALE) -> None:
    """Projector mode: every picture drawn from now on shows its text ``scale`` times larger
    (1.4 by default), the library's plots, graphs (``draw_dot``, the stepper), the widgets and
    your own matplotlib figures alike. The pictures keep fitting the notebook: figures keep
    their width, and a graph that would need text smaller than ``scale`` times the usual
    smallest is drawn top to bottom or collapsed instead. ``presentation(False)`` goes back to
    the normal sizes.
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 1.0 <= scale <= 3.0:
        raise ValueError(f"scale must be a number from 1 to 3 (1.4 suits most projectors), "
                         f"got {scale!r}.")
    global _text_scale
    _text_scale = float(scale) if on else 1.0
    # Graphs need no matplotlib (the offline browser site may not have loaded it); the
    # library's plots are scaled as they are drawn (text_scaled), with or without this.
    if importlib.util.find_spec("matplotlib") is not None:
        import matplotlib

        default = matplotlib.rcParamsDefault["font.size"]
        matplotlib.rcParams["font.size"] = default * _text_scale  # your own figures follow too


def text_scale() -> float:
    """How many times larger than the normal sizes text is drawn now: 1.0, or the ``scale``
    given to ``presentation()`` while it is on. Anything that draws text of its own (a graph,
    a widget's picture) multiplies its sizes by this."""
    return _text_scale


@contextmanager
def text_scaled(figure: Figure) -> Iterator[None]:
    """Inside, every text of ``figure`` is drawn at the presentation size; afterwards it is as
    it was, so showing a figure twice does not enlarge it twice."""
    scale = _text_scale
    if scale == 1.0:
        yield
        return
    from matplotlib.text import Text

    # Tick labels are remade at every draw from their axis's settings, so they are scaled there.
    axes = [axis for ax in figure.axes for axis in (ax.xaxis, ax.yaxis) if axis.get_ticklabels()]
    tick_sizes = [axis.get_ticklabels()[0].get_fontsize() for axis in axes]
    tick_labels = {id(label) for axis in axes
                   for tick in axis.get_major_ticks() + axis.get_minor_ticks()
                   for label in (tick.label1, tick.label2)}
    texts = [text for text in figure.findobj(Text) if id(text) not in tick_labels]
    sizes = [text.get_fontsize() for text in texts]
    for axis, size in zip(axes, tick_sizes):
        axis.set_tick_params(which="both", labelsize=size * scale)
    for text, size in zip(texts, sizes):
        text.set_fontsize(size * scale)
    try:
        yield
    finally:
        for axis, size in zip(axes, tick_sizes):
            axis.set_tick_params(which="both", labelsize=size)
        for text, size in zip(texts, sizes):
            text.set_fontsize(size)


def png(figure: Figure, dpi: float = DPI, tight: bool = True) -> bytes:
    """``figure`` as PNG bytes, with the presentation text size if it is on; ``tight`` crops it
    to what is drawn."""
    buffer = io.BytesIO()
    with text_scaled(figure):
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight" if tight else None)
    return buffer.getvalue()
