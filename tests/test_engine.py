"""The Value API contract (issue 2, section 2): construction, attributes, operators, backward(),
manual stepping, no_grad, grad(), deep graphs and numeric safety."""

from __future__ import annotations

import copy
import gc
import math
import pickle
import sys
import threading
from fractions import Fraction

import numpy as np
import pytest

from micrograd_plus import Value as PublicValue
from micrograd_plus.engine import (OP_RULES, Value, batch_dots, chain_rule_step, dot, dots, grad, is_grad_enabled,
                                   no_grad, sum_values,
                                   topological_order)

NUMERIC_ERRORS = (ZeroDivisionError, ValueError, OverflowError)


def test_value_is_importable_from_the_package_and_the_engine():
    assert PublicValue is Value


# --- construction -------------------------------------------------------------------------------

@pytest.mark.parametrize("number, stored", [
    (2, 2.0), (-3.5, -3.5), (0, 0.0), (np.float64(1.25), 1.25), (np.float32(0.5), 0.5),
    (np.int64(7), 7.0), (np.int8(-4), -4.0), (Fraction(1, 4), 0.25),
])
def test_real_numbers_are_stored_as_float(number, stored):
    v = Value(number)
    assert type(v.data) is float
    assert v.data == stored


@pytest.mark.parametrize("bad, type_name", [
    ("2.0", "str"), (None, "NoneType"), (1 + 2j, "complex"), ([1.0], "list"), (True, "bool"),
    (False, "bool"), (np.bool_(True), "bool"), (np.array([1.0, 2.0]), "ndarray"),
])
def test_anything_else_raises_type_error_naming_type_and_value(bad, type_name):
    with pytest.raises(TypeError) as caught:
        Value(bad)
    message = str(caught.value)
    assert type_name in message
    assert repr(bad) in message


@pytest.mark.parametrize("not_finite", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused(not_finite):
    with pytest.raises((TypeError, ValueError), match=repr(not_finite)):
        Value(not_finite)


def test_an_int_too_large_for_a_float_gets_an_error_that_names_value():
    with pytest.raises((ValueError, OverflowError), match="Value"):
        Value(10 ** 400)


def test_attributes_of_a_new_leaf():
    v = Value(3.0)
    assert (v.data, v.grad, v.label, v._op, v._prev) == (3.0, 0.0, "", "", ())
    assert type(v.grad) is float
    assert Value(1.0, label="w1").label == "w1"


def test_operands_are_kept_in_order_as_a_tuple():
    a, b = Value(1.0), Value(2.0)
    assert isinstance((a - b)._prev, tuple)
    assert (a - b)._prev[0] is a and (a - b)._prev[1] is b
    assert (b - a)._prev[0] is b and (b - a)._prev[1] is a


def test_an_op_node_holds_its_operands_itself_with_no_tuple_of_its_own():
    # A tuple of operands per node would take more memory than the node's other slots together
    # (benchmarks W4); only a wide node (sum, dot) keeps one.
    a, b = Value(1.0), Value(2.0)
    for node, operands in ((a * b, [a, b]), (a + a, [a, a]), (a.relu(), [a]), (-b, [b])):
        held = gc.get_referents(node)
        assert not [r for r in held if type(r) is tuple]
        assert [r for r in held if r is a or r is b] == operands
        assert node._prev == tuple(operands)
    wide = sum_values([a, b, a])
    assert [r for r in gc.get_referents(wide) if type(r) is tuple] == [(a, b, a)]


def test_prev_set_by_hand_reads_back_as_a_tuple_and_is_differentiated_through():
    a, b, c = Value(2.0), Value(3.0), Value(4.0)
    product, total = Value(6.0), Value(9.0)
    product._prev, product._op = [a, b], "*"
    total._prev, total._op = {a: 0, b: 0, c: 0}, "sum"  # any iterable, as micrograd's set
    assert product._prev == (a, b) and total._prev == (a, b, c)
    (product + total).backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 3.0, 1.0)
    product._prev = ()
    assert product._prev == () and topological_order(product) == [product]


@pytest.mark.parametrize("copy_graph", [
    lambda graph: pickle.loads(pickle.dumps(graph)),
    copy.deepcopy,
], ids=["pickle", "deepcopy"])
def test_copies_of_unary_binary_and_wide_nodes_have_the_same_operands_and_gradients(copy_graph):
    w, x = [Value(0.5), Value(-1.0)], [Value(2.0), Value(3.0)]
    out = sum_values([dot(w, x, 1.0).relu(), w[0] * x[1], sum_values([x[0]]), -w[1]])
    out2 = copy_graph(out)
    order, order2 = topological_order(out), topological_order(out2)
    shape = [(n.data, n._op, [order.index(p) for p in n._prev]) for n in order]
    assert [(n.data, n._op, [order2.index(p) for p in n._prev]) for n in order2] == shape
    out.backward()
    out2.backward()
    assert [n.grad for n in order2] == [n.grad for n in order]
    twin = copy.copy(order[-2])
    assert twin._prev == order[-2]._prev and twin._op == order[-2]._op


def test_a_plus_a_keeps_both_edges_and_counts_both():
    a = Value(3.0)
    twice = a + a
    assert len(twice._prev) == 2 and twice._prev[0] is a and twice._prev[1] is a
    twice.backward()
    assert a.grad == 2.0


def test_a_number_operand_becomes_a_leaf_in_its_place():
    a = Value(3.0)
    node = 2 - a
    assert node._prev[0].data == 2.0 and node._prev[0]._op == ""
    assert node._prev[1] is a


def test_a_node_built_by_hand_like_the_lecture_gets_the_rule_of_its_op():
    a, b = Value(2.0), Value(-3.0)
    product = Value(a.data * b.data, (a, b), "*")
    assert product._prev == (a, b) and product._op == "*"
    product.backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)


@pytest.mark.parametrize("make, op", [
    (lambda a, b: a + b, "+"), (lambda a, b: a - b, "-"), (lambda a, b: a * b, "*"),
    (lambda a, b: a / b, "/"), (lambda a, b: a ** b, "**"), (lambda a, b: a ** 2, "**2"),
    (lambda a, b: a ** 0.5, "**0.5"), (lambda a, b: -a, "neg"), (lambda a, b: a.exp(), "exp"),
    (lambda a, b: a.log(), "log"), (lambda a, b: a.sqrt(), "sqrt"), (lambda a, b: a.tanh(), "tanh"),
    (lambda a, b: a.sigmoid(), "sigmoid"), (lambda a, b: a.relu(), "ReLU"),
    (lambda a, b: a.leaky_relu(), "leaky_relu(0.01)"), (lambda a, b: abs(a), "abs"),
    (lambda a, b: a.abs(), "abs"), (lambda a, b: sum_values([a, b, a]), "sum"),
    (lambda a, b: dot([a], [b]), "dot"),
])
def test_each_op_names_itself_and_its_rule(make, op):
    node = make(Value(2.0), Value(3.0))
    assert node._op == op
    assert node._rule.name == op
    assert len(node.local_derivatives()) == len(node._prev)


def test_the_rule_table_states_each_formula():
    assert OP_RULES["*"].formula_for(0) == "d(a * b)/da = b"
    assert OP_RULES["*"].formula_for(1) == "d(a * b)/db = a"
    assert "2" in (Value(3.0) ** 2)._rule.formula_for(0)
    # An n-ary op has one formula for all of its operands.
    assert sum_values([1.0, 2.0, 3.0])._rule.formula_for(2) == OP_RULES["sum"].formula_for(0)
    # dot's operands are weights, then inputs, then (an odd count) the bias: one formula each.
    with_bias, without = [dot([1.0, 2.0], [3.0, 4.0], b)._rule for b in (5.0, None)]
    parts = ["dwi = xi", "dwi = xi", "dxi = wi", "dxi = wi"]
    assert [with_bias.formula_for(i, 5).split("/")[-1] for i in range(5)] == [*parts, "db = 1"]
    assert [without.formula_for(i, 4).split("/")[-1] for i in range(4)] == parts
    assert "dwi = xi" in with_bias.formula_for(0) and "db = 1" in with_bias.formula_for(0)


def test_local_derivatives_are_those_of_the_rule():
    a, b = Value(2.0), Value(5.0)
    assert tuple((a * b).local_derivatives()) == (5.0, 2.0)
    assert tuple((a / b).local_derivatives()) == pytest.approx((0.2, -2.0 / 25.0))
    assert tuple(a.tanh().local_derivatives()) == pytest.approx((1.0 - math.tanh(2.0) ** 2,))


# --- operators with numbers on either side -----------------------------------------------------

A, B = 3.0, 2.0
LN = math.log


@pytest.mark.parametrize("name, make, value, d_a, d_b", [
    ("a + b", lambda a, b: a + b, 5.0, 1.0, 1.0),
    ("a - b", lambda a, b: a - b, 1.0, 1.0, -1.0),
    ("a * b", lambda a, b: a * b, 6.0, B, A),
    ("a / b", lambda a, b: a / b, 1.5, 1 / B, -A / B ** 2),
    ("a ** b", lambda a, b: a ** b, 9.0, B * A, A ** B * LN(A)),
    ("b ** a", lambda a, b: b ** a, 8.0, B ** A * LN(B), A * B ** (A - 1)),
    ("-a", lambda a, b: -a, -3.0, -1.0, 0.0),
    ("a + 2", lambda a, b: a + 2, 5.0, 1.0, 0.0),
    ("2 + a", lambda a, b: 2 + a, 5.0, 1.0, 0.0),
    ("a - 2.5", lambda a, b: a - 2.5, 0.5, 1.0, 0.0),
    ("2.5 - a", lambda a, b: 2.5 - a, -0.5, -1.0, 0.0),
    ("a * 4", lambda a, b: a * 4, 12.0, 4.0, 0.0),
    ("4 * a", lambda a, b: 4 * a, 12.0, 4.0, 0.0),
    ("a / 2", lambda a, b: a / 2, 1.5, 0.5, 0.0),
    ("2 / a", lambda a, b: 2 / a, 2 / 3, -2 / 9, 0.0),
    ("a ** 2", lambda a, b: a ** 2, 9.0, 6.0, 0.0),
    ("a ** -1", lambda a, b: a ** -1, 1 / 3, -1 / 9, 0.0),
    ("a ** 0.5", lambda a, b: a ** 0.5, math.sqrt(3), 0.5 / math.sqrt(3), 0.0),
    ("2 ** a", lambda a, b: 2 ** a, 8.0, 8.0 * LN(2), 0.0),
    ("a + np.float64(1)", lambda a, b: a + np.float64(1.0), 4.0, 1.0, 0.0),
    ("a.exp()", lambda a, b: a.exp(), math.exp(3), math.exp(3), 0.0),
    ("a.log()", lambda a, b: a.log(), LN(3), 1 / 3, 0.0),
    ("a.sqrt()", lambda a, b: a.sqrt(), math.sqrt(3), 0.5 / math.sqrt(3), 0.0),
    ("a.tanh()", lambda a, b: a.tanh(), math.tanh(3), 1 - math.tanh(3) ** 2, 0.0),
    ("a.sigmoid()", lambda a, b: a.sigmoid(), 1 / (1 + math.exp(-3)),
     math.exp(-3) / (1 + math.exp(-3)) ** 2, 0.0),
    ("a.relu()", lambda a, b: a.relu(), 3.0, 1.0, 0.0),
    ("(-a).relu()", lambda a, b: (-a).relu(), 0.0, 0.0, 0.0),
    ("(-a).leaky_relu(0.1)", lambda a, b: (-a).leaky_relu(0.1), -0.3, -0.1, 0.0),
    ("abs(-a)", lambda a, b: abs(-a), 3.0, 1.0, 0.0),
])
def test_operator_value_and_gradients(name, make, value, d_a, d_b):
    a, b = Value(A), Value(B)
    out = make(a, b)
    assert isinstance(out, Value), name
    assert out.data == pytest.approx(value, rel=1e-15), name
    out.backward()
    assert (a.grad, b.grad) == pytest.approx((d_a, d_b), rel=1e-14), name


def test_repr_with_and_without_label():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(-1.5, label="a")) == "Value(data=-1.5, grad=0.0, label='a')"
    v = Value(3.0)
    (v * v).backward()
    assert repr(v) == "Value(data=3.0, grad=6.0)"


# --- backward() ----------------------------------------------------------------------------------

def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + a
    loss = c.tanh() * b
    return a, b, c, loss


@pytest.mark.parametrize("calls", [1, 2, 3, 5])
def test_leaves_accumulate_exactly_k_times_the_gradient(calls):
    a, b, c, loss = small_graph()
    loss.backward()
    once = (a.grad, b.grad, c.grad)
    a.grad = b.grad = 0.0
    for _ in range(calls):
        loss.backward()
    assert (a.grad, b.grad) == pytest.approx((calls * once[0], calls * once[1]), rel=1e-15)
    # A node an op made shows the gradient of the latest pass, not a sum of passes.
    assert c.grad == once[2]
    assert loss.grad == 1.0


def test_zeroing_leaves_between_passes_gives_the_same_gradient_every_time():
    a, b, c, loss = small_graph()
    seen = []
    for _ in range(3):
        a.grad = b.grad = 0.0
        loss.backward()
        seen.append((a.grad, b.grad, c.grad))
    assert seen[0] == seen[1] == seen[2]


def test_accumulation_differs_from_micrograd_which_triples_on_a_second_call():
    """micrograd 0.1.0 adds into every node's grad, so a second backward() sends the doubled
    gradient of each inner node on to the leaves again: a leaf behind one inner node gets 3x
    instead of PyTorch's 2x. We do 2x: leaves accumulate, inner nodes restart every pass."""
    micrograd = pytest.importorskip(
        "micrograd.engine", reason="micrograd is not installed; pip install micrograd==0.1.0 (test extra)")
    ours_a, ours_b, ours_c = Value(2.0), Value(-3.0), Value(0.5)
    theirs_a, theirs_b, theirs_c = micrograd.Value(2.0), micrograd.Value(-3.0), micrograd.Value(0.5)
    ours, theirs = (ours_a * ours_b) * ours_c, (theirs_a * theirs_b) * theirs_c
    ours.backward()
    theirs.backward()
    once = ours_a.grad
    assert once == theirs_a.grad == -1.5
    ours.backward()
    theirs.backward()
    assert ours_a.grad == 2 * once
    assert theirs_a.grad == 3 * once


def test_two_losses_sharing_a_node_add_up_on_the_leaves():
    a, b = Value(2.0), Value(-3.0)
    shared = a * b
    first, second = shared.tanh(), shared * a
    first.backward()
    second.backward()
    d_first_da = (1 - math.tanh(-6.0) ** 2) * b.data
    d_second_da = 2 * a.data * b.data
    assert a.grad == pytest.approx(d_first_da + d_second_da, rel=1e-14)
    assert shared.grad == a.data  # the latest pass only


def test_backward_of_a_leaf_accumulates_one():
    v = Value(4.0)
    v.backward()
    v.backward()
    assert v.grad == 2.0


def test_backward_from_an_inner_node_only_reaches_what_it_depends_on():
    a, b, c, loss = small_graph()
    c.backward()
    assert (a.grad, b.grad, c.grad) == (b.data + 1.0, a.data, 1.0)


def test_topological_order_puts_operands_first_and_root_last():
    a, b, c, loss = small_graph()
    order = topological_order(loss)
    assert order[-1] is loss
    assert len(order) == len({id(node) for node in order})
    position = {id(node): i for i, node in enumerate(order)}
    assert {id(a), id(b), id(c)} <= set(position)
    for node in order:
        assert all(position[id(operand)] < position[id(node)] for operand in node._prev)


# --- no_grad ---------------------------------------------------------------------------------------

def test_no_grad_computes_numbers_without_recording():
    a = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        out = (a * 3 + 1).tanh()
    assert is_grad_enabled()
    assert out.data == math.tanh(7.0)
    assert out._prev == () and out._op == ""
    out.backward()
    assert a.grad == 0.0


def test_no_grad_nests_and_restores_after_an_error():
    with no_grad():
        with no_grad():
            pass
        assert not is_grad_enabled()
    assert is_grad_enabled()
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_grad_enabled()
    assert (Value(1.0) + 1)._op == "+"


def test_an_update_under_no_grad_leaves_the_parameter_a_leaf():
    w = Value(0.5)
    (w * w).backward()
    with no_grad():
        w = w - 0.1 * w.grad
    assert w.data == pytest.approx(0.4) and w._prev == ()


def test_no_grad_in_one_thread_leaves_recording_on_in_another():
    """A widget may train in one thread while another evaluates under no_grad(); a process-wide
    switch would silently drop the trainer's graph and leave its gradients at zero."""
    inside, release = threading.Event(), threading.Event()

    def evaluate_without_graph():
        with no_grad():
            inside.set()
            release.wait(10)

    evaluator = threading.Thread(target=evaluate_without_graph)
    evaluator.start()
    try:
        assert inside.wait(10)
        w = Value(2.0)
        recorded = is_grad_enabled(), (w * w)._prev
    finally:
        release.set()
        evaluator.join()
    assert recorded == (True, (w, w))


# --- grad() ---------------------------------------------------------------------------------------

def test_grad_returns_the_gradients_without_touching_grad():
    a, b, c, loss = small_graph()
    a.grad = 7.0
    returned = grad(loss, [a, b, c])
    assert a.grad == 7.0 and b.grad == 0.0 and c.grad == 0.0
    a.grad = 0.0
    loss.backward()
    assert returned == [a.grad, b.grad, c.grad]
    assert all(type(g) is float for g in returned)


def test_grad_of_an_input_the_output_does_not_use_is_zero():
    a, unused = Value(2.0), Value(5.0)
    assert grad(a * a, [unused, a]) == [0.0, 4.0]
    assert grad(a, [a]) == [1.0]


def test_second_and_third_derivatives_of_a_cube():
    x = Value(2.0)
    (first,) = grad(x ** 3, [x], create_graph=True)
    (second,) = grad(first, [x], create_graph=True)
    (third,) = grad(second, [x], create_graph=True)
    assert all(isinstance(g, Value) for g in (first, second, third))
    assert (first.data, second.data, third.data) == pytest.approx((12.0, 12.0, 6.0))
    assert grad(third, [x]) == [0.0]
    # A derivative built with create_graph=True is an ordinary graph: backward() works on it.
    second.backward()
    assert x.grad == pytest.approx(6.0)


@pytest.mark.parametrize("make, derivatives", [
    (lambda x: (2 * x).exp(), lambda x: [2 * math.exp(2 * x), 4 * math.exp(2 * x), 8 * math.exp(2 * x)]),
    (lambda x: x.log(), lambda x: [1 / x, -1 / x ** 2, 2 / x ** 3]),
    (lambda x: x.tanh(), lambda x: [1 - math.tanh(x) ** 2,
                                    -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
                                    (6 * math.tanh(x) ** 2 - 2) * (1 - math.tanh(x) ** 2)]),
    (lambda x: x.sqrt(), lambda x: [0.5 * x ** -0.5, -0.25 * x ** -1.5, 0.375 * x ** -2.5]),
    (lambda x: 1 / x, lambda x: [-1 / x ** 2, 2 / x ** 3, -6 / x ** 4]),
    (lambda x: x.sigmoid(), lambda x: [
        (s := 1 / (1 + math.exp(-x))) * (1 - s), s * (1 - s) * (1 - 2 * s),
        s * (1 - s) * (1 - 6 * s + 6 * s * s)]),
    (lambda x: x ** x, lambda x: [
        x ** x * (math.log(x) + 1), x ** x * ((math.log(x) + 1) ** 2 + 1 / x),
        x ** x * ((math.log(x) + 1) ** 3 + 3 * (math.log(x) + 1) / x - 1 / x ** 2)]),
])
def test_higher_derivatives_through_create_graph(make, derivatives):
    x = Value(0.7)
    expected = derivatives(0.7)
    g = make(x)
    for order in range(3):
        (g,) = grad(g, [x], create_graph=True)
        assert g.data == pytest.approx(expected[order], rel=1e-12), f"derivative {order + 1}"


def test_mixed_second_derivative():
    x, y = Value(1.5), Value(-2.0)
    d_dx, d_dy = grad(x * y * y + (x * y).exp(), [x, y], create_graph=True)
    d2_dxdy = grad(d_dx, [y])[0]
    d2_dydx = grad(d_dy, [x])[0]
    expected = 2 * y.data + math.exp(x.data * y.data) * (1 + x.data * y.data)
    assert d2_dxdy == pytest.approx(expected, rel=1e-12)
    assert d2_dydx == pytest.approx(expected, rel=1e-12)


def test_create_graph_through_sum_and_dot():
    w, x = [Value(1.0), Value(2.0)], [Value(3.0), Value(-1.0)]
    out = sum_values([dot(w, x) ** 2, w[0] * w[1]])
    d_w0 = grad(out, [w[0]], create_graph=True)[0]
    # d/dw0 = 2 (w.x) x0 + w1; d2/dw0 dx0 = 2 x0 w0 + 2 (w.x)
    assert d_w0.data == 2 * 1.0 * 3.0 + 2.0
    assert grad(d_w0, [x[0]]) == [2 * 3.0 * 1.0 + 2 * 1.0]


# --- sum_values and dot ------------------------------------------------------------------------

def test_sum_values_is_one_node_with_every_operand():
    values = [Value(float(i)) for i in range(5)]
    total = sum_values(values + [10])
    assert total._op == "sum" and len(total._prev) == 6 and total._prev[:5] == tuple(values)
    assert total.data == 20.0
    total.backward()
    assert [v.grad for v in values] == [1.0] * 5


def test_dot_is_one_node_weights_then_inputs():
    w, x = [Value(2.0), Value(-1.0)], [Value(0.5), Value(4.0)]
    out = dot(w, x)
    assert out._op == "dot" and out._prev == (*w, *x)
    assert out.data == -3.0
    out.backward()
    assert [v.grad for v in w + x] == [0.5, 4.0, 2.0, -1.0]
    assert dot([1.0, 2.0], x).data == 8.5


def test_dot_with_a_bias_is_one_node_with_the_bias_last():
    w, x, b = [Value(2.0), Value(-1.0)], [Value(0.5), Value(4.0)], Value(0.25)
    out = dot(w, x, b)
    assert out._op == "dot" and out._prev == (*w, *x, b)
    assert out.data == -2.75
    out.backward()
    assert [v.grad for v in w + x + [b]] == [0.5, 4.0, 2.0, -1.0, 1.0]
    constant_bias = dot(w, x, 1.5)
    assert constant_bias.data == -1.5 and constant_bias._prev[-1].data == 1.5


def test_dot_that_overflows_names_its_operands():
    with pytest.raises(OverflowError, match=r"dot\(1.0, 1e\+308, 1e\+308\) has no finite real result"):
        dot([1.0], [1e308], 1e308)


def test_dots_makes_one_node_per_row_sharing_the_inputs():
    x = [Value(1.0), Value(-2.0)]
    rows, biases = [[Value(3.0), Value(0.5)], [0.25, Value(-1.0)]], [Value(0.1), None]
    first, second = dots(rows, x, biases)
    assert first._prev == (*rows[0], *x, biases[0]) and first.data == pytest.approx(2.1)
    assert len(second._prev) == 4 and second._prev[2:] == tuple(x) and second.data == 2.25
    (first + second).backward()
    assert [xi.grad for xi in x] == [3.25, -0.5]
    assert rows[0][0].grad == 1.0 and biases[0].grad == 1.0 and rows[1][1].grad == -2.0
    assert dots([], x) == []


def test_batch_dots_makes_the_nodes_of_one_dots_call_per_example():
    rows, biases = [[Value(3.0), Value(0.5)], [Value(-1.0), Value(2.0)]], [Value(0.1), None]
    batch = [[Value(1.0), Value(-2.0)], [0.5, 4.0]]
    batched = batch_dots(rows, batch, biases)
    for sums, inputs in zip(batched, batch):
        alone = dots(rows, inputs, biases)
        assert [s.data for s in sums] == [s.data for s in alone]
        assert [s._prev[:2] for s in sums] == [tuple(row) for row in rows]
        assert sums[0]._prev[-1] is biases[0] and len(sums[1]._prev) == 4
    assert batched[0][0]._prev[2:4] == tuple(batch[0])
    assert batch_dots(rows, [], biases) == []
    with pytest.raises(ValueError, match="2 weights and 3 inputs"):
        batch_dots(rows, [[1.0, 2.0], [1.0, 2.0, 3.0]])


@pytest.mark.parametrize("call, words", [
    (lambda: sum_values([]), "none"),
    (lambda: dot([Value(1.0)], [Value(1.0), Value(2.0)]), "1 weights and 2 inputs"),
    (lambda: dot([], []), "0 weights"),
    (lambda: dots([[1.0], [1.0, 2.0]], [Value(1.0), Value(2.0)]), "1 weights and 2 inputs"),
    (lambda: dots([[1.0]], [Value(1.0)], [None, None]), "1 rows and 2 biases"),
])
def test_sum_values_and_dot_explain_bad_lengths(call, words):
    with pytest.raises(ValueError, match=words):
        call()


# --- deep and wide graphs under the default recursion limit -------------------------------------

@pytest.fixture
def default_recursion_limit():
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    yield
    sys.setrecursionlimit(previous)


def test_backward_through_a_chain_of_a_million_nodes(default_recursion_limit):
    x = Value(1.0)
    node = x
    for _ in range(999_999):
        node = node + x
    assert node.data == 1_000_000.0
    node.backward()
    assert x.grad == 1_000_000.0


def test_builtin_sum_of_a_hundred_thousand_values(default_recursion_limit):
    values = [Value(float(i % 7)) for i in range(100_000)]
    total = sum(values)
    assert total.data == sum(i % 7 for i in range(100_000))
    total.backward()
    assert all(v.grad == 1.0 for v in values)
    assert grad(total, values[:3]) == [1.0, 1.0, 1.0]


# --- numeric safety --------------------------------------------------------------------------------

@pytest.mark.parametrize("x", [1000.0, -1000.0, 1e300, -1e300, 745.0, -745.0, 0.0])
def test_sigmoid_and_tanh_are_finite_everywhere(x):
    for make in (lambda v: v.sigmoid(), lambda v: v.tanh()):
        v = Value(x)
        out = make(v)
        out.backward()
        assert math.isfinite(out.data) and math.isfinite(v.grad)
    assert Value(1000.0).sigmoid().data == 1.0 and Value(-1000.0).sigmoid().data == 0.0
    assert Value(-1000.0).tanh().data == -1.0


@pytest.mark.parametrize("name, make, words", [
    ("exp overflow", lambda: Value(1000.0).exp(), ["exp", "1000.0"]),
    ("log of zero", lambda: Value(0.0).log(), ["log", "0.0"]),
    ("log of a negative", lambda: Value(-2.0).log(), ["log", "-2.0"]),
    ("sqrt of a negative", lambda: Value(-4.0).sqrt(), ["sqrt", "-4.0"]),
    ("Value / 0", lambda: Value(1.5) / Value(0.0), ["/", "1.5", "0.0"]),
    ("Value / number 0", lambda: Value(1.5) / 0, ["/", "1.5", "0.0"]),
    ("number / Value 0", lambda: 3 / Value(0.0), ["/", "3.0", "0.0"]),
    ("0 ** negative", lambda: Value(0.0) ** -1, ["**", "0.0", "-1"]),
    ("0 ** negative Value", lambda: Value(0.0) ** Value(-2.0), ["**", "0.0", "-2.0"]),
    ("negative ** fractional", lambda: Value(-8.0) ** 0.5, ["**", "-8.0", "0.5"]),
    ("negative ** fractional Value", lambda: Value(-8.0) ** Value(1.5), ["**", "-8.0", "1.5"]),
    ("number ** Value overflow", lambda: 10 ** Value(400.0), ["**", "10.0", "400.0"]),
    ("product overflow", lambda: Value(1e200) * Value(1e200), ["*", "1e+200"]),
    ("sum overflow", lambda: Value(1.7e308) + Value(1.7e308), ["+", "1.7e+308"]),
    ("power overflow", lambda: Value(1e200) ** 2, ["**", "1e+200"]),
])
def test_forward_errors_name_the_op_and_the_operands(name, make, words):
    with pytest.raises(NUMERIC_ERRORS) as caught:
        make()
    message = str(caught.value)
    for word in words:
        assert word in message, f"{name}: {word!r} missing from {message!r}"


@pytest.mark.parametrize("name, inputs, build, words", [
    ("sqrt at 0", [0.0], lambda x: x.sqrt(), ["sqrt", "0.0"]),
    ("negative ** Value", [-2.0, 2.0], lambda a, b: a ** b, ["**", "-2.0", "2.0"]),
    ("gradient overflow in /", [1e-10, 1e-160], lambda a, b: a / b, ["/", "1e-160"]),
])
@pytest.mark.parametrize("run", ["backward", "grad", "grad(create_graph=True)"])
def test_backward_errors_name_the_op_and_the_operands(name, inputs, build, words, run):
    values = [Value(x) for x in inputs]
    out = build(*values)
    with pytest.raises(NUMERIC_ERRORS) as caught:
        if run == "backward":
            out.backward()
        else:
            grad(out, values, create_graph=run != "grad")
    message = str(caught.value)
    for word in words:
        assert word in message, f"{name} in {run}: {word!r} missing from {message!r}"


@pytest.mark.parametrize("build, inputs, error", [
    (lambda a, b: a / b, [1e-10, 1e-160], OverflowError),  # d/db = -a/b^2 overflows
    (lambda a, b: a * 3 + a.sqrt() + b, [0.0, 1.0], ZeroDivisionError),  # sqrt at 0, in the middle
])
def test_a_failed_backward_leaves_every_leaf_gradient_as_it_was(build, inputs, error):
    values = [Value(x) for x in inputs]
    for value, before in zip(values, (5.0, -2.0)):
        value.grad = before
    with pytest.raises(error):
        build(*values).backward()
    assert [value.grad for value in values] == [5.0, -2.0]


RUNS = ["backward", "grad", "grad(create_graph=True)"]


def _run(run: str, out: Value, inputs: list[Value]) -> list[float]:
    if run == "backward":
        out.backward()
        return [x.grad for x in inputs]
    return [getattr(g, "data", g) for g in grad(out, inputs, create_graph=run != "grad")]


@pytest.mark.parametrize("run", RUNS)
def test_a_zero_gradient_meeting_an_infinite_slope_is_an_error_not_zero(run):
    # At x = 0 sqrt's slope is infinite and the gradient reaching it is 0: 0 * inf has no value.
    # sqrt(x) * 0 has slope 0 there but sqrt(x) * sqrt(x) = x has slope 1, and both reach sqrt
    # with a gradient of 0, so no rule can answer from the numbers: it is an error, not 0.
    for build in (lambda x: x.sqrt() * 0.0, lambda x: x.sqrt() * x.sqrt()):
        x = Value(0.0)
        x.grad = 7.0
        with pytest.raises(ZeroDivisionError, match=r"sqrt\(0\.0\)"):
            _run(run, build(x), [x])
        assert x.grad == 7.0


@pytest.mark.parametrize("run", RUNS)
def test_an_underflowed_gradient_never_hides_an_infinite_slope(run):
    # d/dx 1/(1/x) = 1. On the way back, the gradient reaching 1/x is -1e-170/1e170 = -1e-340,
    # which underflows to 0, and 1/x's own slope -1/x^2 = -1e340 overflows to -inf.
    x = Value(1e-170)
    out = 1 / (1 / x)
    assert out.data == pytest.approx(1e-170)
    with pytest.raises(OverflowError, match=r"1\.0 / 1e-170.*0 \* inf"):
        _run(run, out, [x])
    assert x.grad == 0.0


def test_chain_rule_step_gives_local_derivatives_and_contributions():
    a, b = Value(3.0), Value(-2.0)
    out = a * b
    assert chain_rule_step(out, 0.5) == ((-2.0, 3.0), (-1.0, 1.5))
    local, contributions = chain_rule_step(out, Value(0.5), create_graph=True)
    assert local == (b, a) and [c.data for c in contributions] == [-1.0, 1.5]
    assert chain_rule_step(a, 1.0) == ((), ())  # a leaf passes nothing on
    with pytest.raises(OverflowError, match=r"1e\+200 \* 1e\+200"):
        chain_rule_step(Value(1e200) * Value(2.0), 1e200)


def test_large_but_finite_gradients_are_not_an_error():
    x, y = Value(1e-300), Value(1e-300)
    out = x * 1e308 + y * 1e308
    out.backward()
    assert (x.grad, y.grad) == (1e308, 1e308)
    assert grad(out, [x, y]) == [1e308, 1e308]


def test_number_to_a_negative_power_of_a_value_fails_in_backward_only():
    x = Value(2.0)
    out = (-2) ** x
    assert out.data == 4.0
    with pytest.raises(ValueError, match="-2.0"):
        out.backward()


SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 1e-320, 1e-160, -1e-160, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0,
           709.0, 710.0, -746.0, 1000.0, -1000.0, 1e154, 1e300, -1e300]
UNARY = {"neg": lambda a: -a, "exp": Value.exp, "log": Value.log, "sqrt": Value.sqrt,
         "tanh": Value.tanh, "sigmoid": Value.sigmoid, "relu": Value.relu, "abs": abs,
         "leaky_relu": Value.leaky_relu, "**2": lambda a: a ** 2, "**-1": lambda a: a ** -1,
         "**0.5": lambda a: a ** 0.5, "**-1.5": lambda a: a ** -1.5, "**3": lambda a: a ** 3}
BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": lambda a, b: a / b, "**": lambda a, b: a ** b,
          "sum": lambda a, b: sum_values([a, b, a]), "dot": lambda a, b: dot([a, b], [b, a])}


def _finite_or_error(make, operands: list[float]) -> None:
    """Forward, backward() and grad() each either raise a numeric error or give finite numbers."""
    try:
        inputs = [Value(x) for x in operands]
        out = make(*inputs)
    except NUMERIC_ERRORS:
        return
    assert math.isfinite(out.data)
    try:
        gradients = grad(out, inputs)
    except NUMERIC_ERRORS:
        gradients = None
    if gradients is not None:
        assert all(math.isfinite(g) for g in gradients), f"grad() gave {gradients}"
    try:
        out.backward()
    except NUMERIC_ERRORS:
        return
    assert all(math.isfinite(v.grad) for v in inputs), f"backward() gave {[v.grad for v in inputs]}"


@pytest.mark.parametrize("op", UNARY)
def test_never_a_silent_nan_or_infinity_from_a_unary_op(op):
    for x in SPECIAL:
        _finite_or_error(UNARY[op], [x])


@pytest.mark.parametrize("op", BINARY)
def test_never_a_silent_nan_or_infinity_from_a_binary_op(op):
    for x in SPECIAL:
        for y in SPECIAL:
            _finite_or_error(BINARY[op], [x, y])


def test_gradient_of_a_zeroth_power_at_zero_is_zero():
    """x ** 0 is the constant 1 (math.pow(0, 0) == 1), so its derivative is 0 at x = 0 too."""
    x = Value(0.0)
    (x ** 0).backward()
    assert x.grad == 0.0


def test_gradients_of_zero_to_a_positive_value_power_are_zero():
    """0 ** b is 0 for every b > 0, so d/db is 0, and d/da = b * 0 ** (b - 1) is 0 for b > 1
    (PyTorch gives the same); an error here would stop a user who raises a ReLU output to a
    learned power."""
    a, b = Value(0.0), Value(2.0)
    out = a ** b
    out.backward()
    assert (out.data, a.grad, b.grad) == (0.0, 0.0, 0.0)


def test_zero_to_the_power_zero_has_gradient_zero_for_base_and_exponent():
    # a ** 0 = 1 for every a, so d/da = 0 at a = 0 too (not 0 * 0 ** -1); 0 ** b = 0 for every
    # b > 0, so d/db = 0, and at b = 0 it is that limit (PyTorch and JAX give the same).
    for run in RUNS:
        a, b = Value(0.0), Value(0.0)
        out = a ** b
        assert out.data == 1.0
        assert _run(run, out, [a, b]) == [0.0, 0.0], run
    # Away from a = 0 the slope in b at b = 0 keeps its slope: d2/da db of a^b at b = 0 is 1/a.
    a, b = Value(2.0), Value(0.0)
    (d_da,) = grad(a ** b, [a], create_graph=True)
    assert grad(d_da, [b]) == [0.5]


# --- dot and sum_values: the numbers of the plain expressions ------------------------------------

def _plain_dot(weights: list[float], inputs: list[float], bias: float | None) -> float:
    total = weights[0] * inputs[0]
    for w, x in zip(weights[1:], inputs[1:]):
        total = total + w * x
    return total if bias is None else total + bias


def test_dot_adds_left_to_right_with_the_bias_last():
    assert dot([1e20, -1e20], [1, 1], 1.0).data == 1.0  # the bias first would give 0.0
    assert dot([1e308, -1e308], [1, 1], 1e308).data == 1e308  # no overflow on the way
    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 16, 100):
        for bias in (None, 0.25):
            # terms of very different sizes, where the order of the additions shows
            weights = list(rng.normal(size=n) * 10.0 ** rng.integers(-8, 8, size=n))
            inputs = list(rng.normal(size=n))
            expected = _plain_dot(weights, inputs, bias)
            assert dot(weights, inputs, bias).data == expected
            assert dots([weights], inputs, [bias])[0].data == expected
            assert batch_dots([weights], [inputs], [bias])[0][0].data == expected


def test_sum_values_gives_a_finite_sum_whose_partial_sums_overflow():
    # math.fsum refuses this (its partial sums overflow), though the sum is 1e308.
    assert sum_values([1e308, 1e308, -1e308]).data == 1e308
    assert sum_values([0.1] * 10).data == 1.0  # rounded once, from the exact sum
    with pytest.raises(OverflowError, match=r"sum\(1e\+308, 1e\+308\).*too large for a float"):
        sum_values([1e308, 1e308])


def test_a_forward_step_that_overflows_to_nan_says_so():
    # 1e308 * 10 - 1e308 * 10 is inf - inf inside the dot: the message must not read "nan: too large"
    with pytest.raises(OverflowError) as caught:
        dot([1e308, -1e308], [10, 10])
    message = str(caught.value)
    assert "dot(" in message and "overflowed to infinity" in message and "nan:" not in message


# --- copies and pickles ------------------------------------------------------------------------

def _deep_graph(depth: int) -> tuple[Value, Value, Value]:
    x, w = Value(0.5, label="x"), Value(-1.5, label="w")
    node = x
    for _ in range(depth):
        node = (node * w).tanh() + x ** 2 - node.leaky_relu(0.2) / 3
    return x, w, node


@pytest.mark.parametrize("copy_graph", [
    lambda graph: pickle.loads(pickle.dumps(graph)),
    lambda graph: copy.deepcopy(graph),
], ids=["pickle", "deepcopy"])
def test_graphs_pickle_and_deep_copy_at_any_depth(copy_graph, default_recursion_limit):
    x, w, out = _deep_graph(20_000)  # 140,000 nodes deep
    x.m, out.note = 0.25, "mine"
    x2, w2, out2 = copy_graph((x, w, out))
    assert out2 is not out and out2.data == out.data and out2._op == out._op == "-"
    assert (x2.label, x2.m, out2.note) == ("x", 0.25, "mine")
    order, order2 = topological_order(out), topological_order(out2)
    assert [(n.data, n._op, len(n._prev)) for n in order] == [(n.data, n._op, len(n._prev)) for n in order2]
    assert x2 in order2 and w2 in order2  # the leaves are the copy's own, shared, not copies of copies
    out.backward()
    out2.backward()
    assert (x2.grad, w2.grad) == (x.grad, w.grad)


def test_a_model_pickles_and_its_copy_trains_alone():
    from micrograd_plus.nn import MLP
    model = MLP(2, [4, 1], seed=0)
    twin = pickle.loads(pickle.dumps(model))
    assert [p.data for p in twin.parameters()] == [p.data for p in model.parameters()]
    twin([1.0, 2.0]).backward()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert any(p.grad != 0.0 for p in twin.parameters())
    assert [p.data for p in copy.deepcopy(model).parameters()] == [p.data for p in model.parameters()]


def test_copy_copy_shares_the_operands():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    c.label = "c"
    twin = copy.copy(c)
    assert twin is not c and twin._prev == (a, b) and (twin.data, twin.label, twin._op) == (6.0, "c", "*")


ERROR = "error"


@pytest.mark.parametrize("name, make, inputs, exact", [
    # (op, inputs at an edge of its domain, the exact gradient there, or ERROR where none exists)
    ("sqrt at 0", Value.sqrt, [0.0], ERROR),  # slope +inf
    ("sqrt at the smallest float", Value.sqrt, [5e-324], [0.5 / math.sqrt(5e-324)]),
    ("log at the smallest float", Value.log, [5e-324], ERROR),  # 1 / 5e-324 is beyond any float
    ("log near 0", Value.log, [1e-300], [1e300]),
    ("a / tiny b", lambda a, b: a / b, [1.0, 1e-200], ERROR),  # d/db = -1e400
    ("0 / b", lambda a, b: a / b, [0.0, 1e-300], [1e300, 0.0]),
    ("0 ** 0", lambda a, b: a ** b, [0.0, 0.0], [0.0, 0.0]),
    ("0 ** 0.5", lambda a, b: a ** b, [0.0, 0.5], ERROR),  # d/da = 0.5 / sqrt(0)
    ("0 ** 1", lambda a, b: a ** b, [0.0, 1.0], [1.0, 0.0]),
    ("0 ** 2", lambda a, b: a ** b, [0.0, 2.0], [0.0, 0.0]),
    ("2 ** 0", lambda a, b: a ** b, [2.0, 0.0], [0.0, math.log(2.0)]),
    ("(-2) ** 2", lambda a, b: a ** b, [-2.0, 2.0], ERROR),  # d/db needs log(-2)
    ("0 ** constant 0", lambda a: a ** 0, [0.0], [0.0]),
    ("0 ** constant 0.5", lambda a: a ** 0.5, [0.0], ERROR),
    ("0 ** constant 1", lambda a: a ** 1, [0.0], [1.0]),
    ("0 ** constant 3", lambda a: a ** 3, [0.0], [0.0]),
    ("(-2) ** constant -1", lambda a: a ** -1, [-2.0], [-0.25]),
    ("tiny ** constant -1", lambda a: a ** -1, [1e-160], ERROR),  # -1e320
    ("relu at 0", Value.relu, [0.0], [0.0]),  # a kink: 0, as in PyTorch
    ("abs at 0", abs, [0.0], [0.0]),
    ("leaky relu at 0", Value.leaky_relu, [0.0], [0.01]),
    ("tanh far out", Value.tanh, [1000.0], [0.0]),
    ("sigmoid far out", Value.sigmoid, [-1000.0], [0.0]),
    ("exp near its largest", Value.exp, [709.0], [math.exp(709.0)]),
])
def test_every_rule_at_the_edges_of_its_domain(name, make, inputs, exact):
    for run in RUNS:
        values = [Value(x) for x in inputs]
        out = make(*values)
        if exact == ERROR:
            with pytest.raises(NUMERIC_ERRORS):
                _run(run, out, values)
        else:
            assert _run(run, out, values) == pytest.approx(exact, rel=1e-15), f"{name} in {run}"


def test_operands_first_orders_any_graph_first_operand_first_and_can_keep_a_part():
    from micrograd_plus.engine import operands_first

    graph = {"out": ("left", "right"), "left": ("x",), "right": ("x", "y"), "x": (), "y": ()}
    assert operands_first("out", graph.__getitem__) == ["x", "left", "y", "right", "out"]
    assert operands_first("out", graph.__getitem__, keep={"right", "y"}) == ["y", "right", "out"]
