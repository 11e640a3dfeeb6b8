"""Interactive widgets (ipywidgets 7.7 or 8) built on the engine and ``micrograd_plus.viz``.

Each widget is an ``ipywidgets.VBox``: make it the last expression of a cell or ``display`` it.
Without a widget front end (nbconvert, a headless run, a plain viewer) the same output shows
a static picture of the widget's current state.

- ``BackpropStepper(root)``: the forward or backward pass of a graph, one step at a time.
- ``NeuronPlayground()``: one neuron with a slider for every input, weight and the bias.
- ``TrainingDashboard()``: TensorFlow Playground on this engine, training in the background.
- ``GradientDescentExplorer()``: a loss landscape and a learning-rate slider.
"""

import importlib

from ..viz import browser

# Each widget is imported when first asked for, so the stepper (graphs only) never waits for
# matplotlib and numpy, which the other three draw with.
_MODULES = {"BackpropStepper": "stepper", "NeuronPlayground": "neuron",
            "TrainingDashboard": "dashboard", "GradientDescentExplorer": "descent"}

__all__ = list(_MODULES)


def __getattr__(name: str):
    if name in _MODULES:
        if name != "BackpropStepper":
            browser.load_packages("matplotlib", "numpy")
        return getattr(importlib.import_module(f".{_MODULES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
