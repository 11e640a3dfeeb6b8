"""Interactive widgets (ipywidgets 8) built on the engine and ``micrograd_plus.viz``.

Each widget is an ``ipywidgets.VBox``: make it the last expression of a cell or ``display`` it.
Without a widget front end (nbconvert, a headless run, a plain viewer) the same output shows
a static picture of the widget's current state.

- ``BackpropStepper(root)``: the forward or backward pass of a graph, one step at a time.
- ``NeuronPlayground()``: one neuron with a slider for every input, weight and the bias.
- ``TrainingDashboard()``: TensorFlow Playground on this engine, training in the background.
- ``GradientDescentExplorer()``: a loss landscape and a learning-rate slider.
"""

from .descent import GradientDescentExplorer
from .dashboard import TrainingDashboard
from .neuron import NeuronPlayground
from .stepper import BackpropStepper

__all__ = ["BackpropStepper", "NeuronPlayground", "TrainingDashboard", "GradientDescentExplorer"]
