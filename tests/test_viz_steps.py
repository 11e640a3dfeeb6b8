"""The backward pass step by step: the contributions add up to backward()'s gradients, and
each step reads as the chain rule."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lecture_value import OwnValue, lecture_neuron
from strategies import VALUE_BACKEND, edge_expressions, examples, value_inputs

from micrograd_plus.engine import Value, dot, sum_values, topological_order
from micrograd_plus.viz import (backward_steps, explain, forward_steps, gradients_after)
from micrograd_plus.viz.nodes import Graph
from micrograd_plus.viz.text import format_number


def lecture_graph():
    """L = (a * b) * f with dL/dc = f = -2 and dc/da = b = 3."""
    a, b, f = Value(2.0, label="a"), Value(3.0, label="b"), Value(-2.0, label="f")
    c = a * b
    c.label = "c"
    L = c * f
    L.label = "L"
    return a, b, c, f, L


def test_explain_states_the_chain_rule_with_numbers():
    a, b, c, f, L = lecture_graph()
    steps = backward_steps(L)
    step_of_c = next(s for s in steps if s.node is c)
    explanation = explain(step_of_c)
    assert "dL/da = dL/dc * dc/da = -2.0 * 3.0 = -6.0" in explanation.text
    assert "dL/db = dL/dc * dc/db = -2.0 * 2.0 = -4.0" in explanation.text
    assert r"\frac{\partial L}{\partial a}" in explanation.latex
    assert "-2.0 \\cdot 3.0 = -6.0" in explanation.latex
    assert explanation._repr_latex_().startswith("$$")


def test_step_terms_use_the_engines_rules():
    a, b, c, f, L = lecture_graph()
    for step in backward_steps(L)[1:]:
        local = step.node.local_derivatives()
        for term in step.terms:
            assert term.formula == step.node._rule.formula_for(term.position, len(step.node._prev))
            assert term.local_derivative == local[term.position]
            assert term.contribution == step.upstream_grad * term.local_derivative


def test_first_step_is_the_seed_and_step_zero_has_no_gradients():
    *_, L = lecture_graph()
    steps = backward_steps(L)
    assert steps[0].is_seed and steps[0].node is L and steps[0].upstream_grad == 1.0
    seed = explain(steps[0])
    assert seed.text.startswith("Step 1: start at the output: dL/dL = 1 (the start")
    assert r"\text{(the start)}" in seed.latex
    assert gradients_after(steps, 0) == {}
    assert gradients_after(steps, 1) == {L: 1.0}
    with pytest.raises(ValueError, match=r"between 0 .* and 3"):
        gradients_after(steps, 4)


def test_the_outputs_own_step_reads_plainly():
    """Lesson 04's first chain-rule step: L = c * f is the output, so dL/dc is just f; the
    sentence must not read "dL/dc = dL/dL * dL/dc"."""
    a, b, c, f, L = lecture_graph()
    steps = backward_steps(L)
    assert [s.is_at_output for s in steps] == [False, True, False]
    first = explain(steps[1])
    assert first.text.splitlines() == [
        "Step 2: L = c * f is the output (dL/dL = 1), so each gradient here is simply a local "
        "derivative of L",
        "  dL/dc = -2.0   (rule for operand 1: d(a * b)/da = b)",
        "  dL/df = 6.0   (rule for operand 2: d(a * b)/db = a)",
    ]
    assert "dL/dL *" not in first.text and r"{\partial L}{\partial L}" not in first.latex
    assert first.latex == r"\frac{\partial L}{\partial c} &= -2.0 \\ \frac{\partial L}{\partial f} &= 6.0"
    # a value used twice by the output still shows its gradients adding up
    x = Value(3.0, label="x")
    square = x * x
    square.label = "y"
    text = explain(backward_steps(square)[1]).text
    assert "dy/dx = 3.0 " in text and "dy/dx += 3.0, so dy/dx = 3.0 + 3.0 = 6.0" in text


def test_negative_factors_are_bracketed():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    L = e * 2.0
    L.label = "L"
    step_of_e = next(s for s in backward_steps(L) if s.node is e)
    assert "dL/da = dL/de * de/da = 2.0 * (-3.0) = -6.0" in explain(step_of_e).text


def test_reused_value_shows_its_running_total():
    a = Value(3.0, label="a")
    b = a * a
    b.label = "b"
    L = b + a
    L.label = "L"
    steps = backward_steps(L)
    terms_for_a = [t for s in steps for t in s.terms if t.operand is a]
    assert [t.arrival for t in terms_for_a] == [1, 2, 3]
    assert [t.running_total for t in terms_for_a] == [1.0, 4.0, 7.0]
    last = explain(steps[-1]).text
    assert "dL/da += dL/db * db/da = 1.0 * 3.0 = 3.0, so dL/da = 4.0 + 3.0 = 7.0" in last
    assert "used in more than one place" in last


def test_backward_steps_leaves_grads_alone():
    a, b, c, f, L = lecture_graph()
    backward_steps(L)
    assert (a.grad, b.grad, c.grad, L.grad) == (0.0, 0.0, 0.0, 0.0)


def test_forward_steps_show_values_appearing_in_order():
    a, b, c, f, L = lecture_graph()
    steps = forward_steps(L)
    assert [s.node for s in steps] == [c, L]
    assert explain(steps[0]).text == "Step 1: c = a * b = 2.0 * 3.0 = 6.0"
    assert explain(steps[1]).text == "Step 2: L = c * f = 6.0 * (-2.0) = -12.0"
    x = Value(-0.5, label="x")
    assert explain(forward_steps(x.tanh())[0]).text.endswith("= tanh(-0.5) = -0.4621")


def test_explain_rejects_other_things():
    with pytest.raises(TypeError, match="backward_steps"):
        explain("step 1")


# --- random graphs, with reused nodes -------------------------------------------------------------

UNARY = ("tanh", "sigmoid", "relu", "exp_small", "neg", "square", "abs", "leaky_relu")
BINARY = ("+", "-", "*", "/")


@st.composite
def random_graphs(draw):
    """A random expression over a few leaves; operands are drawn from every node made so far,
    so nodes are often reused (a + a, a node feeding several others)."""
    leaves = [Value(draw(st.floats(-2.0, 2.0)), label=f"x{i}")
              for i in range(draw(st.integers(1, 4)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(("unary", "binary", "sum", "dot")))
        pick = st.sampled_from(nodes)
        if kind == "unary":
            x, op = draw(pick), draw(st.sampled_from(UNARY))
            out = {"tanh": x.tanh, "sigmoid": x.sigmoid, "relu": x.relu, "neg": x.__neg__,
                   "exp_small": lambda: (x * 0.1).exp(), "square": lambda: x ** 2,
                   "abs": x.abs, "leaky_relu": x.leaky_relu}[op]()
        elif kind == "binary":
            x, y, op = draw(pick), draw(pick), draw(st.sampled_from(BINARY))
            if op == "/":
                out = x / (y * y + 1.0)
            else:
                out = {"+": x + y, "-": x - y, "*": x * y}[op]
        elif kind == "sum":
            out = sum_values(draw(st.lists(pick, min_size=1, max_size=4)))
        else:
            n = draw(st.integers(1, 3))
            out = dot(draw(st.lists(pick, min_size=n, max_size=n)),
                      draw(st.lists(pick, min_size=n, max_size=n)),
                      draw(st.one_of(st.none(), pick)))
        if abs(out.data) < 1e6:  # keep later ops (exp, products) finite
            nodes.append(out)
    return nodes[-1], leaves


@settings(max_examples=150, deadline=None)
@given(random_graphs())
def test_running_totals_are_exactly_the_gradients_of_backward(graph):
    root, leaves = graph
    steps = backward_steps(root)
    final = gradients_after(steps, len(steps))
    root.backward()
    for node in topological_order(root):
        assert final.get(node, 0.0) == node.grad
    # Each operand's gradient is the sum of what it received, step by step.
    received: dict = {}
    for step in steps:
        for term in step.terms:
            assert term.total_before == received.get(term.operand, 0.0)
            received[term.operand] = received.get(term.operand, 0.0) + term.contribution
            assert received[term.operand] == term.running_total
    for leaf in leaves:
        assert received.get(leaf, 0.0) == leaf.grad


# --- a learner's own Value, and micrograd's --------------------------------------------------------

def own_backward_grads(values: dict) -> dict:
    """Every value's grad after the class's own backward(), from gradients of zero."""
    values["out"].backward()
    grads = {name: v.grad for name, v in values.items()}
    for v in values.values():
        v.grad = 0.0
    return grads


def test_steps_of_a_lecture_style_value_run_its_own_backward():
    values = lecture_neuron(OwnValue)
    expected = own_backward_grads(values)
    steps = backward_steps(values["out"])
    final = gradients_after(steps, len(steps))
    assert {name: final[v] for name, v in values.items()} == expected  # exactly, not nearly
    assert all(v.grad == 0.0 for v in values.values())  # the learner's graph is left alone
    texts = {s.name: explain(s).text for s in steps}
    # an op the engine knows is explained by its rule, with the numbers the class computed
    assert "(rule: d(tanh a)/da = 1 - tanh(a)^2)" in texts["o"]
    assert "dout/dn = dout/do * do/dn = " in texts["o"]
    assert "d(a * b)/da = b" in texts["x1*w1"]
    # one it does not know is said plainly, and its numbers are what its _backward() did
    assert "the op table has no rule for 'sin'" in texts["s"]
    assert f"dout/dx1 = dout/ds * ds/dx1 = " in texts["s"] and "measured from its _backward()" in texts["s"]
    # x1 is used twice: its gradients add up over the steps, as in the class's own backward()
    x1_terms = [t for s in steps for t in s.terms if t.operand is values["x1"]]
    assert len(x1_terms) == 2 and x1_terms[-1].running_total == expected["x1"]


def test_a_wrong_backward_shows_in_the_steps():
    """A learner's __mul__ that sets the gradient (=) instead of adding to it (+=): the steps
    show what the code did, and say that the rule gives something else."""
    class Overwriting(OwnValue):
        def __mul__(self, other):
            out = super().__mul__(other)
            a, b = sorted(out._prev, key=lambda v: v.label)

            def _backward():
                a.grad = b.data * out.grad
                b.grad = a.data * out.grad
            out._backward = _backward
            return out

    a = Overwriting(3.0, label="a")
    b = Overwriting(2.0, label="b")
    c = a * b
    c.label = "c"
    L = c + a
    L.label = "L"
    steps = backward_steps(L)
    step_of_c = next(s for s in steps if s.node is c)
    text = explain(step_of_c).text
    assert "dL/da += dL/dc * dc/da = 1.0 * 2.0 = 2.0, so dL/da = 1.0 + 2.0 = 3.0" in text
    assert "but its _backward() added 1.0, so dL/da = 2.0: check that _backward" in text
    assert gradients_after(steps, len(steps))[a] == 2.0  # what the learner's code gives


def test_steps_of_micrographs_value_equal_its_backward():
    engine = pytest.importorskip("micrograd.engine", reason="micrograd 0.1.0 is in the test extra")
    a, b = engine.Value(2.0), engine.Value(-3.0)
    c = a * b + a ** 2
    L = (c * b).relu() + (-b)  # c * b = 6: the ReLU passes its gradient on
    steps = backward_steps(L)
    final = gradients_after(steps, len(steps))
    L.backward()
    order = Graph(L, "test").order()
    assert [final.get(v, 0.0) for v in order] == [v.grad for v in order]
    texts = [explain(s).text for s in steps]
    assert any("(rule: d(a^2)/da = 2 * a^(2-1))" in t for t in texts)
    assert any("(rule: d(relu a)/da = 1 if a > 0 else 0)" in t for t in texts)
    assert explain(forward_steps(L)[0]).text.startswith("Step 1: n")


def test_something_that_is_not_a_value_is_named_with_its_missing_attribute():
    class NoOp:
        data, grad, _prev = 1.0, 0.0, ()

    with pytest.raises(TypeError, match=r"NoOp it got has no attribute '_op'"):
        backward_steps(NoOp())
    with pytest.raises(TypeError, match=r"forward_steps needs .* has no attribute 'data'"):
        forward_steps("L")
    holder = OwnValue(1.0)
    holder._prev = {"not a value"}
    holder._op = "+"
    with pytest.raises(TypeError, match=r"every operand \('\+' has one\).*str it got has no "
                                        r"attribute 'data'"):
        backward_steps(holder)


# --- following backward()'s own rule, where derivatives are undefined -------------------------------

def outcome(run):
    """What ``run()`` gives: ("ok", its value) or (the error's type, its message)."""
    try:
        return "ok", run()
    except (ArithmeticError, ValueError) as error:
        return type(error), str(error)


def test_a_zero_gradient_through_an_undefined_derivative_steps_like_backward():
    """sqrt has no finite slope at 0, and here the gradient reaching it is 0: whatever
    backward() makes of 0 * inf, stepping makes the same (here the steps used to raise
    ZeroDivisionError while backward() passed nothing on)."""
    for build in (lambda x: x.sqrt() * 0.0, lambda x: (x.sqrt() * 0.0).relu(),
                  lambda x: x.sqrt() * x.sqrt()):
        x = Value(0.0, label="x")
        L = build(x)
        stepping = outcome(lambda: gradients_after(backward_steps(L), len(backward_steps(L))))
        assert x.grad == 0.0
        backward = outcome(lambda: L.backward() or x.grad)
        if backward[0] == "ok":
            assert stepping[0] == "ok" and stepping[1].get(x, 0.0) == backward[1]
        else:
            assert stepping == backward
    # and where a nonzero gradient does flow through it, both raise the same error
    y = Value(0.0, label="y")
    assert outcome(lambda: backward_steps(y.sqrt() * 2.0))[0] is ZeroDivisionError
    assert outcome(lambda: backward_steps(y.sqrt() * 2.0)) == outcome(
        lambda: (y.sqrt() * 2.0).backward())


def test_a_node_with_no_gradient_passes_nothing_on():
    x = Value(-1.0, label="x")
    m = x * 2.0
    m.label = "m"
    L = m.relu() * 3.0  # the ReLU is off: m gets gradient 0
    L.label = "L"
    step_of_m = next(s for s in backward_steps(L) if s.node is m)
    assert step_of_m.upstream_grad == 0.0 and step_of_m.passes_nothing
    assert "m = x * n1 has dL/dm = 0, so it passes nothing on" in explain(step_of_m).text


@examples(200)
@given(edge_expressions())
def test_steps_follow_backward_on_random_graphs_at_the_edges(expression):
    """Random graphs over every op at the edges of their domains, where derivatives vanish,
    underflow, overflow or are undefined: the steps end with backward()'s gradients, and fail
    exactly where backward() fails, with the same error."""
    root = expression.output(VALUE_BACKEND, value_inputs(expression))
    order = topological_order(root)
    try:
        steps = backward_steps(root)
    except (ArithmeticError, ValueError) as error:
        stepping_error = error
    else:
        stepping_error = None
    assert all(node.grad == 0.0 for node in order)  # stepping changed nothing
    try:
        root.backward()
    except (ArithmeticError, ValueError) as error:
        assert stepping_error is not None, f"backward() raised {error!r}, the steps did not"
        assert (type(stepping_error), str(stepping_error)) == (type(error), str(error))
        return
    assert stepping_error is None, f"the steps raised {stepping_error!r}, backward() did not"
    totals = gradients_after(steps, len(steps))
    for node in order:
        assert totals.get(node, 0.0) == node.grad


def test_an_op_the_table_does_not_know_is_said_plainly_on_micrograd_plus_values_too():
    a = Value(2.0, label="a")
    s = Value(0.9, (a,), "sin", label="s")  # made by hand: the engine has no rule for it
    L = s * 3.0
    L.label = "L"
    step_of_s = next(step for step in backward_steps(L) if step.node is s)
    assert step_of_s.upstream_grad == 3.0 and not step_of_s.passes_nothing
    assert "passes on dL/ds = 3.0 (the op table has no rule for 'sin'" in explain(step_of_s).text


def test_a_value_given_a_backward_of_its_own_is_stepped_through_it():
    """The lecture's way of adding an op to micrograd_plus's Value: a node made by hand, with a
    _backward closure set on it. The steps run that closure, as backward() does."""
    x = Value(0.5, label="x")
    s = Value(math.sin(x.data), (x,), "sin", label="s")

    def _backward():
        x.grad += math.cos(x.data) * s.grad
    s._backward = _backward
    L = s * x
    L.label = "L"
    steps = backward_steps(L)
    L.backward()
    assert gradients_after(steps, len(steps))[x] == x.grad == math.cos(0.5) * 0.5 + math.sin(0.5)
    text = explain(next(step for step in steps if step.node is s)).text
    assert "the op table has no rule for 'sin'" in text
    assert f"dL/dx += dL/ds * ds/dx = 0.5 * {format_number(math.cos(0.5))} = 0.4388" in text
