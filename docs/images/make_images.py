"""Draw the example pictures in this folder (the README shows graph.svg): python make_images.py"""

from pathlib import Path

from micrograd_plus import Value
from micrograd_plus.nn import MLP
from micrograd_plus.viz import draw_dot, save_backward_animation, save_graph

HERE = Path(__file__).parent


def lecture_neuron() -> Value:
    """The neuron of the micrograd lecture: o = tanh(x1*w1 + x2*w2 + b)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1*w1", "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def small_network_loss() -> Value:
    """A 2-3-1 ReLU network's squared error on one example: one hidden neuron is dead."""
    model = MLP(2, [3, 1], seed=4)
    score = model([1.0, -2.0])
    score.label = "score"
    loss = (score - 1.0) ** 2
    loss.label = "loss"
    return loss


if __name__ == "__main__":
    o = lecture_neuron()
    o.backward()
    graph = draw_dot(o)
    save_graph(graph, HERE / "graph.svg")
    save_graph(graph, HERE / "graph.png")
    loss = small_network_loss()
    loss.backward()
    save_graph(draw_dot(loss, flow=True), HERE / "gradient_flow.png")
    save_backward_animation(o, HERE / "backprop.gif")  # works out its own gradients
