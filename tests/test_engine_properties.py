"""Property tests: backward() on random expression graphs against two independent oracles.

- central differences (micrograd_plus.gradcheck.numerical_gradient), on every op, on deep chains
  and on wide sums;
- exact symbolic derivatives from sympy, evaluated to 30 digits: first derivatives from
  backward() and grad(), second derivatives from grad(create_graph=True).
"""

from __future__ import annotations

import math
import operator

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from micrograd_plus.engine import OP_RULES, Value, chain_rule_step, grad, topological_order
from micrograd_plus.gradcheck import numerical_gradient
from strategies import (ALL_OPS, LEAKY_RELU, POWER, VALUE_BACKEND, Expression, deep_chains,
                        edge_expressions, examples, expressions, value_inputs, wide_sums)


def test_strategies_use_every_op_in_the_table():
    # A new op in OP_RULES must be added to the random graphs, or it goes untested.
    assert set(OP_RULES) - {""} <= set(ALL_OPS)


@given(deep_chains())
@examples(10)
def test_deep_chains_are_as_deep_as_they_are_long(expression):
    depth = [0] * len(expression.inputs)
    for step in expression.steps:
        depth.append(1 + max(depth[i] for i in step.operands))
    assert depth[-1] >= 60


def backward_gradients(expression: Expression) -> tuple[float, list[float]]:
    xs = value_inputs(expression)
    out = expression.output(VALUE_BACKEND, xs)
    out.backward()
    return out.data, [x.grad for x in xs]


def assert_close_to_central_differences(expression: Expression) -> None:
    value, analytic = backward_gradients(expression)
    xs = value_inputs(expression)
    numerical = numerical_gradient(lambda *args: expression.output(VALUE_BACKEND, args), xs)
    # Central differences with h = 1e-6 carry a truncation error ~h^2 * f''' and a rounding
    # error ~1e-16 * |f| / h; the generator keeps every node below 1000 and away from poles.
    for i, (exact, estimate) in enumerate(zip(analytic, numerical)):
        allowed = 1e-5 * (1.0 + abs(estimate)) + 1e-9 * abs(value)
        assert abs(exact - estimate) <= allowed, (
            f"d out/d x{i}: backward {exact!r}, central differences {estimate!r}\n{expression}")


@pytest.mark.parametrize("op", ALL_OPS)
@given(data=st.data())
@examples(25)
def test_every_op_matches_central_differences(op, data):
    expression = data.draw(expressions(require=op, max_steps=6))
    assert expression.steps[0].op == op
    assert_close_to_central_differences(expression)


@given(expressions(max_steps=14))
@examples(100)
def test_random_graphs_match_central_differences(expression):
    assert_close_to_central_differences(expression)


@given(deep_chains())
@examples(20)
def test_deep_chains_match_central_differences(expression):
    assert_close_to_central_differences(expression)


@given(wide_sums())
@examples(30)
def test_wide_sums_match_central_differences(expression):
    assert_close_to_central_differences(expression)


# --- sympy: the exact derivatives ------------------------------------------------------------------

def _sympy_dot(operands: list):
    n = len(operands) // 2
    return sympy.Add(*[w * x for w, x in zip(operands[:n], operands[n:2 * n])], *operands[2 * n:])


def _exact(number: float) -> sympy.Expr:
    # A 30-digit Float holds the float's exact binary value, so sympy evaluates the very same
    # point; an exact Rational would make sympy factor huge integers when it raises to a power.
    return sympy.Integer(int(number)) if number == int(number) else sympy.Float(number, 30)


SYMPY_BACKEND = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "neg": operator.neg,
    "exp": sympy.exp,
    "log": sympy.log,
    "sqrt": sympy.sqrt,
    "tanh": sympy.tanh,
    "sigmoid": lambda a: 1 / (1 + sympy.exp(-a)),
    "ReLU": lambda a: sympy.Max(0, a),
    "abs": sympy.Abs,
    "sum": lambda operands: sympy.Add(*operands),
    "dot": _sympy_dot,
    POWER: lambda a, exponent: a ** _exact(exponent),
    LEAKY_RELU: lambda a, slope: sympy.Piecewise((a, a > 0), (_exact(slope) * a, True)),
}


def symbolic(expression: Expression) -> tuple[sympy.Expr, list[sympy.Symbol], dict]:
    symbols = sympy.symbols(f"x0:{len(expression.inputs)}", real=True)
    point = {s: _exact(x) for s, x in zip(symbols, expression.inputs)}
    return expression.output(SYMPY_BACKEND, symbols), list(symbols), point


def exact_value(formula: sympy.Expr, point: dict) -> float:
    return float(formula.xreplace(point).evalf(30))


def assert_matches(engine: float, exact: float, what: str, expression: Expression,
                   scale: float = 1.0) -> None:
    # Both sides are the same point; the engine's only error is float rounding, which the
    # generator's bounded node values keep near 1e-16 per op, far below 1e-12.
    assert math.isclose(engine, exact, rel_tol=1e-12, abs_tol=1e-12 * scale), (
        f"{what}: engine {engine!r}, sympy {exact!r}\n{expression}")


@pytest.mark.parametrize("op", ALL_OPS)
@given(data=st.data())
@examples(6)
def test_every_op_matches_sympy(op, data):
    expression = data.draw(expressions(require=op, max_steps=4, max_inputs=3, max_width=4))
    check_first_derivatives(expression)


@given(expressions(max_steps=8, max_inputs=3, max_width=4))
@examples(40)
def test_random_graphs_match_sympy(expression):
    check_first_derivatives(expression)


def check_first_derivatives(expression: Expression) -> None:
    formula, symbols, point = symbolic(expression)
    value, gradients = backward_gradients(expression)
    assert_matches(value, exact_value(formula, point), "value", expression)
    xs = value_inputs(expression)
    returned = grad(expression.output(VALUE_BACKEND, xs), xs)
    scale = 1.0 + abs(value)
    for i, symbol in enumerate(symbols):
        exact = exact_value(sympy.diff(formula, symbol), point)
        assert_matches(gradients[i], exact, f"backward() d/dx{i}", expression, scale)
        assert_matches(returned[i], exact, f"grad() d/dx{i}", expression, scale)
    assert all(x.grad == 0.0 for x in xs), "grad() must not touch .grad"


@given(expressions(max_steps=5, max_inputs=3, max_width=3))
@examples(40)
def test_second_derivatives_through_create_graph_match_sympy(expression):
    formula, symbols, point = symbolic(expression)
    xs = value_inputs(expression)
    out = expression.output(VALUE_BACKEND, xs)
    first = grad(out, xs, create_graph=True)
    assert all(isinstance(g, Value) for g in first)
    scale = 1.0 + abs(out.data)
    for i, g in enumerate(first):
        assert_matches(g.data, exact_value(sympy.diff(formula, symbols[i]), point),
                       f"d/dx{i}", expression, scale)
        second = grad(g, xs)
        for j, h in enumerate(second):
            exact = exact_value(sympy.diff(formula, symbols[i], symbols[j]), point)
            assert_matches(h, exact, f"d2/dx{i}dx{j}", expression, scale + abs(exact))


# --- one rule for backward(), grad() and each chain-rule step, at the edges ----------------------

NUMERIC_ERRORS = (ArithmeticError, ValueError)


def _outcome(compute):
    """The gradients ``compute`` gives, or 'error' if it raises a numeric error."""
    try:
        return compute()
    except NUMERIC_ERRORS:
        return "error"


def _by_steps(expression: Expression) -> list[float]:
    """The gradients as chain_rule_step gives them, one step per node, added up by hand."""
    xs = value_inputs(expression)
    out = expression.output(VALUE_BACKEND, xs)
    totals = {out: 1.0}
    for node in reversed(topological_order(out)):
        upstream = totals.get(node, 0.0)
        for operand, contribution in zip(node._prev, chain_rule_step(node, upstream)[1]):
            totals[operand] = totals.get(operand, 0.0) + contribution
    if not all(math.isfinite(total) for total in totals.values()):
        raise OverflowError("a gradient overflowed")
    return [totals.get(x, 0.0) for x in xs]


def _by_backward(expression: Expression) -> list[float]:
    xs = value_inputs(expression)
    expression.output(VALUE_BACKEND, xs).backward()
    return [x.grad for x in xs]


def _by_grad(expression: Expression, create_graph: bool) -> list[float]:
    xs = value_inputs(expression)
    gradients = grad(expression.output(VALUE_BACKEND, xs), xs, create_graph=create_graph)
    return [getattr(g, "data", g) for g in gradients]


@given(edge_expressions())
@examples(300)
def test_backward_grad_and_the_chain_rule_steps_follow_one_rule_at_the_edges(expression):
    # Same numbers everywhere, or an error everywhere: never 0 in one and an error in another
    # (issue 16, items 4 and 10), and never a gradient that is not a finite number.
    outcomes = {
        "backward()": _outcome(lambda: _by_backward(expression)),
        "grad()": _outcome(lambda: _by_grad(expression, create_graph=False)),
        "grad(create_graph=True)": _outcome(lambda: _by_grad(expression, create_graph=True)),
        "chain_rule_step": _outcome(lambda: _by_steps(expression)),
    }
    reference = outcomes["chain_rule_step"]
    for run, outcome in outcomes.items():
        assert outcome == reference, f"{run}: {outcome}, chain_rule_step: {reference}\n{expression}"
    if reference != "error":
        assert all(math.isfinite(g) for g in reference), f"{reference}\n{expression}"
