"""gradcheck: passes when backward() is right, and names the input and both numbers when not."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given

from micrograd_plus import gradcheck as public_gradcheck
from micrograd_plus.engine import OpRule, Value, dot, sum_values
from micrograd_plus.gradcheck import GradcheckError, gradcheck, numerical_gradient
from strategies import VALUE_BACKEND, examples, expressions, value_inputs


def test_gradcheck_is_exported_by_the_package():
    assert public_gradcheck is gradcheck
    assert issubclass(GradcheckError, AssertionError)


def test_numerical_gradient_is_a_central_difference():
    x, y = Value(2.0), Value(-1.0)
    estimate = numerical_gradient(lambda a, b: a ** 3 * b, [x, y])
    assert estimate == pytest.approx([12.0 * -1.0, 8.0], rel=1e-8)
    assert (x.data, y.data) == (2.0, -1.0)


def test_numerical_gradient_restores_the_inputs_when_fn_raises():
    x = Value(1e-7)
    with pytest.raises(ValueError):
        numerical_gradient(lambda a: a.log(), [x], h=1e-6)
    assert x.data == 1e-7


@pytest.mark.parametrize("fn, inputs", [
    (lambda a, b: a * b + a ** 2, [2.0, -3.0]),
    (lambda a, b: (a * b + 1).tanh(), [0.3, -0.7]),
    (lambda a, b: a / b - (a * b).exp(), [1.5, 0.4]),
    (lambda a, b: a ** b, [1.7, 2.3]),
    (lambda a, b: (a.sigmoid() * b).log(), [0.2, 3.0]),
    (lambda a, b: sum_values([a, b, a * b]).sqrt(), [1.0, 2.0]),
    (lambda a, b: dot([a, b], [b, 2.0]).relu() + abs(a - b), [1.0, 2.0]),
    (lambda a, b: (a * 5).leaky_relu(0.1) * b, [-0.4, 1.5]),
])
def test_gradcheck_passes_on_correct_functions(fn, inputs):
    values = [Value(x) for x in inputs]
    assert gradcheck(fn, values) is True


@given(expressions(max_steps=8))
@examples(60)
def test_gradcheck_passes_on_random_graphs(expression):
    assert gradcheck(lambda *xs: expression.output(VALUE_BACKEND, xs), value_inputs(expression),
                     rtol=1e-5, atol=1e-6)


def test_gradcheck_leaves_grad_and_data_as_they_were():
    a, b = Value(2.0), Value(3.0)
    a.grad, b.grad = 0.25, -1.0
    gradcheck(lambda x, y: x * y, [a, b])
    assert (a.grad, b.grad, a.data, b.data) == (0.25, -1.0, 2.0, 3.0)


def with_rule(node: Value, local_derivatives) -> Value:
    """``node`` with its op's derivative replaced: a Value whose backward() is wrong."""
    rule = node._rule
    node._rule = OpRule(rule.name, rule.forward, local_derivatives, rule.formulas, rule.domain)
    return node


def test_a_wrong_derivative_is_reported_with_the_input_and_both_numbers():
    def cube_with_wrong_derivative(x):
        return with_rule(x ** 3, lambda a, out: (2 * a * a,))  # the true one is 3 a^2

    x = Value(2.0, label="x")
    with pytest.raises(GradcheckError) as caught:
        gradcheck(cube_with_wrong_derivative, [x])
    message = str(caught.value)
    assert "input 0" in message and "'x'" in message and "2.0" in message
    assert "8.0" in message  # what backward() gave
    numbers = [float(n) for n in re.findall(r"gave (-?[\d.e+-]+)", message)]
    assert numbers[0] == 8.0 and numbers[1] == pytest.approx(12.0, rel=1e-6)


def test_only_the_input_with_a_wrong_gradient_is_named():
    def product_with_wrong_second_derivative(a, b):
        return with_rule(a * b, lambda x, y, out: (y, x + 1.0))

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    with pytest.raises(GradcheckError, match=r"input 1 'b' \(data=-3\.0\).*gave 3\.0.*gave 2\.0"):
        gradcheck(product_with_wrong_second_derivative, [a, b])


def test_the_tolerance_catches_a_small_error_and_forgives_rounding():
    def scaled_square(factor):
        return lambda x: with_rule(x ** 2, lambda a, out: (2.0 * a * factor,))

    assert gradcheck(scaled_square(1.0 + 1e-10), [Value(1.3)])
    with pytest.raises(GradcheckError):
        gradcheck(scaled_square(1.0 + 1e-3), [Value(1.3)])


def test_inputs_must_be_values():
    with pytest.raises(TypeError, match=r"input 1 is float: 2\.0"):
        gradcheck(lambda a, b: a * b, [Value(1.0), 2.0])


def test_an_opaque_op_has_no_gradient_and_gradcheck_says_so():
    # A node made by hand with an op the table does not know passes no gradient back (micrograd
    # does the same), which gradcheck must report rather than accept.
    def sine(x):
        return Value(math.sin(x.data), (x,), "sin")

    with pytest.raises(GradcheckError, match="gave 0.0"):
        gradcheck(sine, [Value(0.3)])


@pytest.mark.parametrize("h", [0, 0.0, -1e-6, float("nan"), float("inf"), "1e-6", True])
def test_a_step_that_is_not_a_positive_number_is_refused_with_a_clear_error(h):
    for check in (gradcheck, numerical_gradient):
        with pytest.raises(ValueError, match=r"step h must be a positive finite number.*got"):
            check(lambda a: a * a, [Value(2.0)], h=h)
