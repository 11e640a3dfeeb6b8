"""micrograd drop-in: micrograd's README example, the two tests micrograd ships, its nn demo, the
"build micrograd" lecture flow and the lecture's ways of extending Value (an op added with a
_backward closure, a subclass, attributes of your own such as an AdamW's state, weak references),
written against micrograd_plus with only the import changed.

Where micrograd itself is installed (the test extra installs micrograd 0.1.0), the same code also
runs on micrograd and the numbers are compared one to one.
"""

from __future__ import annotations

import inspect
import math
import random

import pytest

from micrograd_plus import Value, grad
from micrograd_plus.data import make_moons
from micrograd_plus.nn import MLP, Layer, Neuron


MICROGRAD_MISSING = "micrograd is not installed; pip install micrograd==0.1.0 (in the test extra) to compare"


def needs(module: str, why: str):
    return pytest.importorskip(module, reason=why)


def torch_module():
    return needs("torch", "PyTorch is not installed; install torch==2.13.0 to run the PyTorch comparisons")


def micrograd_module():
    return needs("micrograd.engine", MICROGRAD_MISSING)


# --- the README example --------------------------------------------------------------------------

def readme_example(Value):
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b ** 3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g


def test_readme_example_prints_what_micrograd_prints():
    a, b, g = readme_example(Value)
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_readme_example_gives_micrograds_numbers():
    micrograd = micrograd_module()
    ours, theirs = readme_example(Value), readme_example(micrograd.Value)
    for mine, reference in zip(ours, theirs):
        assert mine.data == reference.data
        assert mine.grad == pytest.approx(reference.grad, rel=1e-14)


# --- the tests micrograd ships (test/test_engine.py), same computations --------------------------

def sanity_check_graph(x):
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def test_sanity_check_against_torch():
    torch = torch_module()
    x = Value(-4.0)
    y = sanity_check_graph(x)
    y.backward()

    xt = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    yt = sanity_check_graph(xt)
    yt.backward()
    # micrograd's test asks for exact equality here, and so do we.
    assert y.data == yt.item()
    assert x.grad == xt.grad.item()


def more_ops_graph(a, b, add_in_place: bool):
    c = a + b
    d = a * b + b ** 3
    if add_in_place:  # micrograd's Values use +=; its torch half writes c = c + ...
        c += c + 1
        c += 1 + c + (-a)
        d += d * 2 + (b + a).relu()
        d += 3 * d + (b - a).relu()
    else:
        c = c + c + 1
        c = c + 1 + c + (-a)
        d = d + d * 2 + (b + a).relu()
        d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    return g + 10.0 / f


def test_more_ops_against_torch():
    torch = torch_module()
    a, b = Value(-4.0), Value(2.0)
    g = more_ops_graph(a, b, add_in_place=True)
    g.backward()

    at = torch.tensor([-4.0], dtype=torch.float64, requires_grad=True)
    bt = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    gt = more_ops_graph(at, bt, add_in_place=False)
    gt.backward()
    tolerance = 1e-6  # micrograd's; we hold ourselves to 1e-12 relative as well
    assert abs(g.data - gt.item()) < tolerance
    assert abs(a.grad - at.grad.item()) < tolerance
    assert abs(b.grad - bt.grad.item()) < tolerance
    assert (g.data, a.grad, b.grad) == pytest.approx(
        (gt.item(), at.grad.item(), bt.grad.item()), rel=1e-12)


def test_the_shipped_tests_give_micrograds_numbers():
    micrograd = micrograd_module()
    for make in (lambda V: (V(-4.0),), lambda V: (V(-4.0), V(2.0))):
        ours, theirs = make(Value), make(micrograd.Value)
        if len(ours) == 1:
            out_ours, out_theirs = sanity_check_graph(*ours), sanity_check_graph(*theirs)
        else:
            out_ours = more_ops_graph(*ours, add_in_place=True)
            out_theirs = more_ops_graph(*theirs, add_in_place=True)
        out_ours.backward()
        out_theirs.backward()
        assert out_ours.data == out_theirs.data
        assert [v.grad for v in ours] == pytest.approx([v.grad for v in theirs], rel=1e-14)


# --- micrograd's nn demo ---------------------------------------------------------------------------

def moons_batch():
    X, y = make_moons(n=40, noise=0.1, seed=0)
    return X, [2 * label - 1 for label in y]  # the demo's labels are -1 and +1


def demo_loss(model, X, y, value_type):
    """The loss of micrograd's demo notebook: max-margin plus L2, written the way it writes it."""
    inputs = [list(map(value_type, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p * p for p in model.parameters()))
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    return data_loss + reg_loss, sum(accuracy) / len(accuracy)


def train_demo(model, X, y, steps, value_type=Value):
    losses = []
    for k in range(steps):
        total_loss, accuracy = demo_loss(model, X, y, value_type)
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
    return losses, accuracy


def test_nn_has_micrograds_classes_and_shapes():
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    assert [len(layer.neurons) for layer in model.layers] == [16, 16, 1]
    assert [layer.neurons[0].nonlin for layer in model.layers] == [True, True, False]
    assert isinstance(model([1.0, -0.5]), Value)
    assert isinstance(model([Value(1.0), Value(-0.5)]), Value)
    assert len(Layer(3, 4)([1.0, 2.0, 3.0])) == 4
    neuron = Neuron(3, nonlin=False)
    assert len(neuron.w) == 3 and neuron.b.data == 0.0
    assert neuron.parameters() == neuron.w + [neuron.b]


def test_nn_demo_training_lowers_the_loss():
    X, y = moons_batch()
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    losses, accuracy = train_demo(model, X, y, steps=12)
    assert losses[-1] < 0.7 * losses[0]
    assert accuracy >= 0.75
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_nn_demo_matches_micrograd_step_for_step():
    micrograd = micrograd_module()
    micrograd_nn = needs("micrograd.nn", MICROGRAD_MISSING)

    X, y = moons_batch()
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    our_losses, _ = train_demo(ours, X, y, steps=3)
    their_losses, _ = train_demo(theirs, X, y, steps=3, value_type=micrograd.Value)
    # Our neurons add with math.fsum (one rounding), micrograd's one term at a time.
    assert our_losses == pytest.approx(their_losses, rel=1e-9)


# --- the "build micrograd" lecture -----------------------------------------------------------------

def test_value_has_the_lecture_signature():
    parameters = list(inspect.signature(Value).parameters)
    assert parameters == ["data", "_children", "_op", "label"]


def lecture_expression():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b; e.label = "e"
    d = e + c; d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f; L.label = "L"
    return a, b, c, d, e, f, L


def test_lecture_expression_backward():
    a, b, c, d, e, f, L = lecture_expression()
    assert L.data == -8.0
    assert [child.label for child in L._prev] == ["d", "f"]
    assert (L._op, d._op, e._op) == ("*", "+", "*")
    L.backward()
    grads = {v.label: v.grad for v in (a, b, c, d, e, f, L)}
    assert grads == {"a": 6.0, "b": -4.0, "c": -2.0, "d": -2.0, "e": -2.0, "f": 4.0, "L": 1.0}


def test_lecture_nudge_in_the_gradient_direction_raises_L():
    a, b, c, d, e, f, L = lecture_expression()
    L.backward()
    for leaf in (a, b, c, f):
        leaf.data += 0.01 * leaf.grad
    e = a * b
    d = e + c
    L = d * f
    assert L.data == pytest.approx(-7.286496, rel=1e-12)


def test_lecture_bug_fixes_a_node_used_twice():
    a = Value(3.0, label="a")
    b = a + a; b.label = "b"
    b.backward()
    assert a.grad == 2.0

    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d = a * b; d.label = "d"
    e = a + b; e.label = "e"
    f = d * e; f.label = "f"
    f.backward()
    assert (a.grad, b.grad) == (-3.0, -8.0)


def lecture_neuron(tanh_from_exp: bool = False) -> dict[str, Value]:
    """The lecture's neuron o = tanh(x1*w1 + x2*w2 + b), every node labelled, before backward."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1; x1w1.label = "x1*w1"
    x2w2 = x2 * w2; x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2; x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b; n.label = "n"
    if tanh_from_exp:
        e = (2 * n).exp(); e.label = "e"
        o = (e - 1) / (e + 1)
    else:
        o = n.tanh()
    o.label = "o"
    return {v.label: v for v in (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)}


def test_lecture_neuron_with_tanh_and_with_tanh_written_from_exp():
    expected = {"x1": -1.5, "x2": 0.5, "w1": 1.0, "w2": 0.0}
    for tanh_from_exp in (False, True):
        nodes = lecture_neuron(tanh_from_exp)
        nodes["o"].backward()
        assert nodes["o"].data == pytest.approx(math.sqrt(0.5), rel=1e-12)
        assert {name: nodes[name].grad for name in expected} == pytest.approx(expected, rel=1e-9)


def test_manual_stepping_of_the_lecture_neuron():
    nodes = lecture_neuron()
    o, n = nodes["o"], nodes["n"]
    assert o.data == pytest.approx(math.sqrt(0.5), rel=1e-12)

    o.grad = 1.0
    o._backward()
    # One step moves the gradient one node back and no further.
    assert n.grad == pytest.approx(0.5, rel=1e-12) and nodes["b"].grad == 0.0 and nodes["x1"].grad == 0.0
    for name in ("n", "b", "x1*w1 + x2*w2", "x2*w2", "x1*w1"):  # b is a leaf: its step does nothing
        nodes[name]._backward()
    grads = {name: node.grad for name, node in nodes.items() if name != "o"}
    assert grads == pytest.approx({"n": 0.5, "b": 0.5, "x1*w1 + x2*w2": 0.5, "x1*w1": 0.5,
                                   "x2*w2": 0.5, "x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0},
                                  rel=1e-12)


def test_lecture_style_topological_sort_over_prev():
    # The lecture walks _prev with its own recursive build_topo; that must keep working.
    a, b, c, d, e, f, L = lecture_expression()
    topo, visited = [], set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(L)
    assert [v.label for v in topo] == ["a", "b", "e", "c", "d", "f", "L"]
    L.grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert (a.grad, b.grad) == (6.0, -4.0)


# --- extending Value the lecture's way (issue 15) ---------------------------------------------------

def lecture_exp(self):
    """An op added as the lecture adds ops: the forward number, then a closure for the backward."""
    out = Value(math.exp(self.data), (self,), "my_exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def lecture_tanh(self):
    """The lecture's tanh: an op this engine knows ('tanh'), backward still by the closure."""
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t ** 2) * out.grad

    out._backward = _backward
    return out


class Cube(Value):
    """A subclass that brings its own chain-rule step."""

    def __init__(self, x: Value) -> None:
        super().__init__(x.data ** 3, (x,), "cube")

    def _backward(self) -> None:
        (x,) = self._prev
        x.grad += 3 * x.data ** 2 * self.grad


def test_an_op_added_with_a_backward_closure_is_differentiated_through():
    x, w = Value(0.3, label="x"), Value(-1.2, label="w")
    out = lecture_exp(x * w) * lecture_tanh(x) + Cube(w)
    out.backward()
    u = math.exp(x.data * w.data)
    t = math.tanh(x.data)
    assert x.grad == pytest.approx(w.data * u * t + u * (1 - t ** 2), rel=1e-12)
    assert w.grad == pytest.approx(x.data * u * t + 3 * w.data ** 2, rel=1e-12)
    # grad() runs each node's own step too, on the side: the same numbers, .grad untouched
    before = (x.grad, w.grad)
    assert grad(out, [x, w]) == pytest.approx([before[0], before[1]], rel=1e-12)
    assert (x.grad, w.grad) == before
    # A closure adds numbers, so it cannot build the graph of a second derivative: a clear error.
    with pytest.raises(TypeError, match=r"create_graph=True.*'my_exp'.*function of your own"):
        grad(out, [x], create_graph=True)


def test_a_closure_step_is_what_the_chain_rule_step_reports():
    from micrograd_plus.engine import chain_rule_step
    a = Value(2.0)
    out = lecture_exp(a)
    out.grad = 5.0
    local, contributions = chain_rule_step(out, 3.0)
    assert local is None and contributions == (3.0 * math.exp(2.0),)
    assert (a.grad, out.grad) == (0.0, 5.0)  # run on the side, every grad put back


def test_setting_op_gives_the_node_that_rule():
    x = Value(0.5)
    out = Value(math.tanh(0.5), (x,))
    assert out._op == ""
    out._op = "tanh"
    out.backward()
    assert x.grad == pytest.approx(1 - math.tanh(0.5) ** 2, rel=1e-15)


def test_values_carry_attributes_of_your_own():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    for node, colour in ((a, "red"), (b, "blue"), (c, "green")):
        setattr(node, "_vis_color", colour)  # a client's picture tags its nodes
    assert [n._vis_color for n in (a, b, c)] == ["red", "blue", "green"]
    c.backward()
    assert (a.grad, b.grad, c._vis_color) == (2.0, 1.0, "green")


def test_a_lecture_style_adamw_keeps_its_state_on_the_parameters():
    X, y = moons_batch()
    random.seed(1337)
    model = MLP(2, [8, 1])
    params = model.parameters()
    for p in params:
        p.m, p.v = 0.0, 0.0
    beta1, beta2, lr, weight_decay = 0.9, 0.999, 0.05, 1e-4
    losses = []
    for t in range(1, 16):
        total_loss, _ = demo_loss(model, X, y, Value)
        model.zero_grad()
        total_loss.backward()
        for p in params:
            p.m = beta1 * p.m + (1 - beta1) * p.grad
            p.v = beta2 * p.v + (1 - beta2) * p.grad ** 2
            m_hat, v_hat = p.m / (1 - beta1 ** t), p.v / (1 - beta2 ** t)
            p.data -= lr * (m_hat / (v_hat ** 0.5 + 1e-8) + weight_decay * p.data)
        losses.append(total_loss.data)
    assert losses[-1] < 0.8 * losses[0]
    assert all(isinstance(p.m, float) for p in params)


def test_values_can_be_weakly_referenced():
    import gc
    import weakref
    a = Value(3.0)
    graph = a * 2 + 1
    refs = weakref.WeakValueDictionary({"a": a, "out": graph})
    assert refs["out"] is graph
    del graph
    gc.collect()
    assert "out" not in refs and refs["a"] is a
