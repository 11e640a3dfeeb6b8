"""Interactive widgets (ipywidgets 8) built on the engine and ``micrograd_plus.viz``.

Each widget is an ``ipywidgets.VBox``: make it the last expression of a cell or ``display`` it.
Without a widget front end (nbconvert, a headless run, a plain viewer) the same output shows
a static picture of the widget's current state.

- ``BackpropStepper(root)``: the forward or backward pass of a graph, one step at a time.
- ``GradientDescentExplorer()``: a loss landscape and a learning-rate slider.
"""

from .descent import GradientDescentExplorer
from .stepper import BackpropStepper

__all__ = ["BackpropStepper", "GradientDescentExplorer"]
