"""The same random computations in micrograd_plus and in PyTorch float64: every node's value and
every node's gradient agree to 1e-12 relative."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed; install torch==2.13.0 to run the PyTorch comparisons")

from micrograd_plus.engine import Value, grad  # noqa: E402
from strategies import (ALL_OPS, LEAKY_RELU, POWER, VALUE_BACKEND, Expression, Step,  # noqa: E402
                        apply, deep_chains, examples, expressions, value_inputs, wide_sums)


def _torch_dot(operands: list):
    n = len(operands) // 2
    weighted_sum = torch.dot(torch.stack(operands[:n]), torch.stack(operands[n:2 * n]))
    return weighted_sum + operands[2 * n] if len(operands) > 2 * n else weighted_sum


TORCH_BACKEND = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": torch.pow,
    "neg": torch.neg,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "ReLU": torch.relu,
    "abs": torch.abs,
    "sum": lambda operands: torch.stack(operands).sum(),
    "dot": lambda operands: _torch_dot(operands),
    POWER: torch.pow,
    LEAKY_RELU: torch.nn.functional.leaky_relu,
}

RELATIVE = 1e-12


def assert_agrees_with_torch(expression: Expression) -> None:
    xs = value_inputs(expression)
    ours = expression.evaluate(VALUE_BACKEND, xs)
    ours[-1].backward()

    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in expression.inputs]
    theirs = expression.evaluate(TORCH_BACKEND, leaves)
    for node in theirs[len(leaves):]:
        node.retain_grad()
    theirs[-1].backward()

    # Rounding differs by an ulp per op (fsum vs pairwise sums, exp-based vs direct formulas), so a
    # node that is a difference of large terms is compared with the size of those terms.
    scale = max(1.0, max(abs(node.data) for node in ours))
    for k, (mine, reference) in enumerate(zip(ours, theirs)):
        assert math.isclose(mine.data, reference.item(), rel_tol=RELATIVE,
                            abs_tol=RELATIVE * scale), (
            f"value of node {k}: {mine.data!r} vs torch {reference.item()!r}\n{expression}")
    grad_scale = max(1.0, max(abs(node.grad) for node in ours))
    for k, (mine, reference) in enumerate(zip(ours, theirs)):
        expected = 0.0 if reference.grad is None else reference.grad.item()
        assert math.isclose(mine.grad, expected, rel_tol=RELATIVE, abs_tol=RELATIVE * grad_scale), (
            f"gradient of node {k}: {mine.grad!r} vs torch {expected!r}\n{expression}")


@pytest.mark.parametrize("op", ALL_OPS)
@given(data=st.data())
@examples(15)
def test_every_op_agrees_with_torch(op, data):
    assert_agrees_with_torch(data.draw(expressions(require=op, max_steps=6)))


@given(expressions(max_steps=14))
@examples(100)
def test_random_graphs_agree_with_torch(expression):
    assert_agrees_with_torch(expression)


@given(deep_chains())
@examples(20)
def test_deep_chains_agree_with_torch(expression):
    assert_agrees_with_torch(expression)


@given(wide_sums())
@examples(30)
def test_wide_sums_agree_with_torch(expression):
    assert_agrees_with_torch(expression)


@given(expressions(max_steps=6, max_inputs=3, max_width=3))
@examples(40)
def test_second_derivatives_agree_with_torch(expression):
    xs = value_inputs(expression)
    first = grad(expression.output(VALUE_BACKEND, xs), xs, create_graph=True)
    ours = [grad(g, xs) for g in first]

    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in expression.inputs]
    out = expression.output(TORCH_BACKEND, leaves)
    theirs_first = torch.autograd.grad(out, leaves, create_graph=True, allow_unused=True)
    scale = max(1.0, max(abs(row_value) for row in ours for row_value in row))
    for i, g in enumerate(theirs_first):
        assert math.isclose(first[i].data, 0.0 if g is None else g.item(),
                            rel_tol=RELATIVE, abs_tol=RELATIVE * scale), f"d/dx{i}\n{expression}"
        if g is None or not g.requires_grad:
            row = [0.0] * len(leaves)
        else:
            row = [0.0 if h is None else h.item()
                   for h in torch.autograd.grad(g, leaves, allow_unused=True, retain_graph=True)]
        for j, expected in enumerate(row):
            assert math.isclose(ours[i][j], expected, rel_tol=1e-10, abs_tol=1e-10 * scale), (
                f"d2/dx{i}dx{j}: {ours[i][j]!r} vs torch {expected!r}\n{expression}")


@pytest.mark.parametrize("op", ["ReLU", "abs", LEAKY_RELU, "sigmoid", "tanh", "exp", "sqrt", "log"])
@pytest.mark.parametrize("x", [0.0, -0.0, 1e-300, -1e-300, 30.0, -30.0, 700.0, -1000.0, 1000.0])
def test_kinks_and_extremes_agree_with_torch(op, x):
    """At a kink both take the same one-sided choice (relu'(0) = 0, |x|'(0) = 0,
    leaky_relu'(0) = slope), and saturated functions give the same values and gradients."""
    step = Step(op, (0,), 0.01 if op == LEAKY_RELU else None)
    mine = Value(x)
    try:
        out = apply(VALUE_BACKEND, step, [mine])
        out.backward()
    except (ArithmeticError, ValueError):
        # Outside the op's domain we raise; PyTorch must then give something that is not a
        # finite value with a finite gradient either.
        leaf = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        reference = apply(TORCH_BACKEND, step, [leaf])
        reference.backward()
        assert not (math.isfinite(reference.item()) and math.isfinite(leaf.grad.item()))
        return
    leaf = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    reference = apply(TORCH_BACKEND, step, [leaf])
    reference.backward()
    assert math.isclose(out.data, reference.item(), rel_tol=RELATIVE, abs_tol=1e-300)
    assert math.isclose(mine.grad, leaf.grad.item(), rel_tol=RELATIVE, abs_tol=1e-300)
