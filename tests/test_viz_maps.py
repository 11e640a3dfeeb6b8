"""plot_neuron_maps: each neuron's output over the plane, computed the way the network does."""

import matplotlib.pyplot as plt
import pytest

from micrograd_plus.data import logic_gate
from micrograd_plus.nn import MLP
from micrograd_plus.viz import plot_neuron_maps
from micrograd_plus.viz.maps import RESOLUTION


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_one_panel_per_neuron_with_the_neuron_output_at_each_point():
    X, y = logic_gate("xor")
    model = MLP(2, [4, 3, 1], activation="tanh", seed=0)
    figure = plot_neuron_maps(model, X, y, layer=1)
    panels = [ax for ax in figure.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["layer 2, neuron 0", "layer 2, neuron 1", "layer 2, neuron 2"]
    image = panels[2].images[0].get_array()
    assert image.shape == (RESOLUTION, RESOLUTION)
    left, right, bottom, top = panels[2].images[0].get_extent()
    # the bottom-left corner of the map is the neuron's output at (left, bottom)
    expected = model.layers[1]([n.data for n in model.layers[0]([left, bottom])])[2].data
    assert image[0, 0] == pytest.approx(expected)
    assert len(panels[0].collections[0].get_offsets()) == 4  # the examples as dots


def test_the_output_layer_is_called_output():
    X, y = logic_gate("xor")
    figure = plot_neuron_maps(MLP(2, [4, 1], seed=0), X, y, layer=1)
    assert [ax.get_title() for ax in figure.axes if ax.images] == ["output"]


def test_bad_layers_and_inputs_are_named():
    X, y = logic_gate("xor")
    with pytest.raises(ValueError, match="layer must be from 0 to 1 .* got 2"):
        plot_neuron_maps(MLP(2, [4, 1]), X, y, layer=2)
    with pytest.raises(ValueError, match="2 inputs .* this one has 3"):
        plot_neuron_maps(MLP(3, [4, 1]), [[0, 0, 0]], [0])


def test_a_model_without_layers_is_named():
    X, y = logic_gate("xor")
    with pytest.raises(TypeError, match="needs an MLP .* got Neuron"):
        plot_neuron_maps(MLP(2, [1]).layers[0].neurons[0], X, y)
