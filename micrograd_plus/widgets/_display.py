"""What every widget shares: pictures rendered off-screen and a static fallback.

Figures are ``matplotlib.figure.Figure`` objects, never pyplot ones: pyplot keeps a registry
that the notebook's inline backend shows at the end of every cell, which would print a second,
frozen copy of each picture below the widget and grow the output on every redraw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import ipywidgets as widgets

from ..viz.rendering import render_svg
from ..viz.style import figure_size, png

if TYPE_CHECKING:  # matplotlib is imported by the widgets that draw with it, not the stepper
    from matplotlib.figure import Figure


def new_figure(width: float, height: float, ncols: int = 1,
               width_ratios: list[float] | None = None) -> tuple[Figure, list]:
    """A figure of about ``width`` x ``height`` inches (never wider than a notebook's output area,
    see viz.style) with ``ncols`` axes side by side."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=figure_size(width, height), layout="constrained")
    axes = figure.subplots(1, ncols, squeeze=False, width_ratios=width_ratios)[0]
    return figure, list(axes)


def png_bytes(figure: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes, ready for an ``ipywidgets.Image`` or a mime bundle (its text at
    the presentation size when ``viz.presentation()`` is on)."""
    return png(figure, dpi=dpi, tight=False)


def image_widget(max_width: str = "960px") -> widgets.Image:
    """An empty PNG image that scales down with the notebook column instead of overflowing."""
    return widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width=max_width,
                                                            height="auto"))


def button(label: str, icon: str, css_class: str, action: Callable[[], object]) -> widgets.Button:
    """A button sized to its label that calls ``action()`` when clicked; ``css_class`` lets the
    browser tests find it."""
    widget = widgets.Button(description=label, icon=icon, layout=widgets.Layout(width="auto"))
    widget.add_class(css_class)
    widget.on_click(lambda _: action())
    return widget


def graph_svg(graph) -> str:
    """A ``graphviz.Digraph`` as an inline ``<svg>`` element that shrinks to the cell's width."""
    return render_svg(graph).replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1)


# ipywidgets 8 displays a widget through _repr_mimebundle_; 7 (which Colab ships) has no such
# method and displays through _ipython_display_ instead.
IPYWIDGETS_7 = not hasattr(widgets.Widget, "_repr_mimebundle_")


class FallbackBox(widgets.VBox):
    """A VBox that also carries a plain picture of its current state in its display data.

    A front end with the widget manager (JupyterLab, Notebook 6 and 7, Colab, VS Code) draws the
    live widget; anything else (nbconvert, GitHub's viewer, a headless run) picks the picture
    instead of showing ``VBox(children=...)``.
    """

    _png = b""  # the PNG its last redraw made, for a widget whose picture is a matplotlib figure
    if IPYWIDGETS_7:
        _ipython_display_ = None  # so that IPython asks _repr_mimebundle_, as with ipywidgets 8

    def static_bundle(self) -> dict[str, object]:
        """Mime type -> data of the current picture: the last PNG drawn, unless a subclass says
        its picture is something else."""
        return {"image/png": self._png}

    def summary(self) -> str:
        """One line for ``text/plain``: what the widget shows right now."""
        return type(self).__name__

    def _repr_mimebundle_(self, **kwargs):
        if not IPYWIDGETS_7:
            bundle = super()._repr_mimebundle_(**kwargs)
        elif self.comm is None:  # closed: no live view to show, only the picture
            bundle = {}
        else:  # what ipywidgets 7's _ipython_display_ sends, as a bundle
            view = {"version_major": 2, "version_minor": 0, "model_id": self.model_id}
            bundle = {"application/vnd.jupyter.widget-view+json": view}
            self._handle_displayed()
        bundle.update(self.static_bundle())
        bundle["text/plain"] = self.summary()
        return bundle
