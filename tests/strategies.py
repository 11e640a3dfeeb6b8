"""Shared hypothesis strategies: random expression graphs over every op of the engine.

An ``Expression`` is a small program: some input numbers and a list of ``Step``s, each applying
one op to earlier nodes (inputs come first, then one node per step). The same program can be run
by any *backend*, a mapping from op name to a function, so one random computation is evaluated by
the engine (``VALUE_BACKEND``), by sympy and by PyTorch, and the answers compared.

The generator only builds programs that are well defined where they are evaluated, with margins
so that central differences (which move the inputs by about 1e-6) stay on the same side of every
kink (relu, abs, leaky_relu at 0) and away from every pole (log, sqrt, / and ** near 0):

    op            operands accepted by the generator
    /             |divisor| >= 0.25
    log, sqrt     a >= 0.2
    a ** b        a >= 0.2 (a gradient with respect to b needs log a), |b| <= 4
    a ** c        c not an integer: a >= 0.2; c <= 0: |a| >= 0.2
    exp           a <= 8
    relu, abs,    |a| >= 0.01
    leaky_relu
    every op      |result| <= 1000

When the operands drawn do not satisfy this, other nodes are tried (latest first), and when none
fits the step becomes ``tanh`` of its first operand (in a chain, of the latest node), which is
defined everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from micrograd_plus.engine import Value, dot, no_grad, sum_values

# Constant powers and leaky ReLU are not entries of OP_RULES (their rules are made per exponent
# or slope), so the generator names them itself; every other op is the OP_RULES key.
POWER = "power"
LEAKY_RELU = "leaky_relu"

UNARY_OPS = ("neg", "exp", "log", "sqrt", "tanh", "sigmoid", "ReLU", "abs", POWER, LEAKY_RELU)
BINARY_OPS = ("+", "-", "*", "/", "**")
NARY_OPS = ("sum", "dot")
ALL_OPS = UNARY_OPS + BINARY_OPS + NARY_OPS

EXPONENTS = (2, 3, 4, -1, -2, 0.5, 1.5, -0.5, 0.3, 2.7, 1, 0)
SLOPES = (0.01, 0.1, 0.2, 0.5)

MAX_MAGNITUDE = 1000.0

# Deterministic and without a time limit or example database: CI runs the same examples every
# time, and a slow shared machine does not turn into a flaky failure.
def examples(count: int) -> settings:
    """Hypothesis settings for a property run on ``count`` examples."""
    return settings(max_examples=count, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@dataclass(frozen=True)
class Step:
    """One node of an expression: ``op`` applied to earlier nodes ``operands`` (by index).

    ``constant`` is the exponent of a constant power or the slope of a leaky ReLU.
    """

    op: str
    operands: tuple[int, ...]
    constant: float | None = None


@dataclass(frozen=True)
class Expression:
    """Inputs and steps; node ``i`` is input ``i`` for i < len(inputs), then one node per step."""

    inputs: tuple[float, ...]
    steps: tuple[Step, ...]

    def evaluate(self, backend: Mapping[str, Callable], inputs: Sequence) -> list:
        """Every node's value under ``backend``, given the inputs as that backend's numbers."""
        nodes = list(inputs)
        for step in self.steps:
            nodes.append(apply(backend, step, [nodes[i] for i in step.operands]))
        return nodes

    def output(self, backend: Mapping[str, Callable], inputs: Sequence):
        """The value of the last node, the expression's result."""
        return self.evaluate(backend, inputs)[-1]

    def __str__(self) -> str:
        lines = [f"x{i} = {value!r}" for i, value in enumerate(self.inputs)]
        for k, step in enumerate(self.steps, start=len(self.inputs)):
            constant = "" if step.constant is None else f", constant={step.constant!r}"
            lines.append(f"n{k} = {step.op}{tuple(step.operands)}{constant}")
        return "\n".join(lines)


def apply(backend: Mapping[str, Callable], step: Step, operands: list):
    """Run one step: n-ary ops get the operand list, parametric ops the constant as well."""
    function = backend[step.op]
    if step.op in NARY_OPS:
        return function(operands)
    if step.op in (POWER, LEAKY_RELU):
        return function(operands[0], step.constant)
    return function(*operands)


def _dot(operands: list):
    # 2n operands: weights then inputs; 2n + 1: and a bias last, as a neuron's dot has.
    n = len(operands) // 2
    return dot(operands[:n], operands[n:2 * n], *operands[2 * n:])


VALUE_BACKEND: dict[str, Callable] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a ** b,
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "sqrt": lambda a: a.sqrt(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "ReLU": lambda a: a.relu(),
    "abs": abs,
    "sum": sum_values,
    "dot": _dot,
    POWER: lambda a, exponent: a ** exponent,
    LEAKY_RELU: lambda a, slope: a.leaky_relu(slope),
}


def value_inputs(expression: Expression) -> list[Value]:
    """Fresh leaf Values x0, x1, ... holding the expression's inputs."""
    return [Value(x, label=f"x{i}") for i, x in enumerate(expression.inputs)]


# --- where each op is accepted (see the module docstring) -----------------------------------------

def _accepts(step: Step, operands: Sequence[float]) -> bool:
    op = step.op
    if op == "/":
        return abs(operands[1]) >= 0.25
    if op in ("log", "sqrt"):
        return operands[0] >= 0.2
    if op == "**":
        return operands[0] >= 0.2 and abs(operands[1]) <= 4.0
    if op == POWER:
        exponent = step.constant
        if exponent != int(exponent):
            return operands[0] >= 0.2
        return exponent > 0 or abs(operands[0]) >= 0.2
    if op == "exp":
        return operands[0] <= 8.0
    if op in ("ReLU", "abs", LEAKY_RELU):
        return abs(operands[0]) >= 0.01
    return True


def _result_if_accepted(step: Step, values: Sequence[float]) -> float | None:
    operands = [values[i] for i in step.operands]
    if not _accepts(step, operands):
        return None
    with no_grad():
        result = apply(VALUE_BACKEND, step, [Value(x) for x in operands]).data
    return result if abs(result) <= MAX_MAGNITUDE else None


def _settle(step: Step, values: Sequence[float], keep: int | None) -> tuple[Step, float]:
    """``step`` if accepted, else the same op on other nodes, else tanh of one operand.

    The operand at position ``keep`` (if any) is never replaced, so that a chain stays a chain.
    """
    result = _result_if_accepted(step, values)
    if result is not None:
        return step, result
    for position in range(len(step.operands)):
        if position == keep:
            continue
        for node in reversed(range(len(values))):
            operands = list(step.operands)
            operands[position] = node
            candidate = Step(step.op, tuple(operands), step.constant)
            result = _result_if_accepted(candidate, values)
            if result is not None:
                return candidate, result
    kept = step.operands[keep or 0]
    return Step("tanh", (kept,)), math.tanh(values[kept])


# --- the strategies ---------------------------------------------------------------------------------

input_values = st.floats(-3.0, 3.0, allow_nan=False).map(lambda x: round(x, 6))
# A first input in [0.5, 3] satisfies every op's domain, so any required op has an operand.
positive_input = st.floats(0.5, 3.0).map(lambda x: round(x, 6))


@st.composite
def expressions(draw, *, max_inputs: int = 4, min_steps: int = 1, max_steps: int = 10,
                ops: Sequence[str] = ALL_OPS, require: str | None = None, max_width: int = 6,
                chain: bool = False) -> Expression:
    """A random expression graph.

    - ``require``: this op is the first step (so every op can be tested on its own);
    - ``chain``: every step uses the latest node, which makes the graph as deep as it is long;
    - ``max_width``: most operands of one ``sum`` (and pairs of one ``dot``);
    - otherwise operands are any earlier nodes, so nodes are reused, sometimes twice by one op
      (``a + a``).

    Nodes no later step uses, inputs included, are added up by a final ``sum`` so that every node
    counts in the result.
    """
    values = [draw(positive_input)]
    values += draw(st.lists(input_values, min_size=0, max_size=max_inputs - 1))
    inputs = tuple(values)
    steps: list[Step] = []
    for k in range(draw(st.integers(min_steps, max_steps))):
        op = require if (require is not None and k == 0) else draw(st.sampled_from(ops))
        latest = len(values) - 1
        any_node = st.integers(0, latest)
        first = latest if chain else draw(any_node)
        if op in NARY_OPS:
            width = draw(st.integers(1 if op == "dot" else 2, max_width))
            count = 2 * width + draw(st.integers(0, 1)) if op == "dot" else width
            operands = (first,) + tuple(draw(any_node) for _ in range(count - 1))
        elif op in BINARY_OPS:
            second = draw(st.one_of(any_node, st.just(first)))
            operands = draw(st.sampled_from([(first, second), (second, first)]))
        else:
            operands = (first,)
        constant = None
        if op == POWER:
            constant = draw(st.sampled_from(EXPONENTS))
        elif op == LEAKY_RELU:
            constant = draw(st.sampled_from(SLOPES))
        keep = operands.index(first) if chain else None
        step, result = _settle(Step(op, operands, constant), values, keep)
        steps.append(step)
        values.append(result)
    used = {i for step in steps for i in step.operands}
    sinks = tuple(i for i in range(len(values)) if i not in used)
    if len(sinks) > 1:
        steps.append(Step("sum", sinks))
    return Expression(inputs, tuple(steps))


def deep_chains(min_steps: int = 60, max_steps: int = 200):
    """Long expressions in which every step uses the one before: graphs as deep as they are long."""
    return expressions(min_steps=min_steps, max_steps=max_steps, chain=True, max_inputs=3)


def wide_sums(max_width: int = 60):
    """Short expressions whose sum and dot nodes take many operands."""
    return expressions(ops=("sum", "dot", "*", "tanh", "+"), max_steps=4, max_width=max_width)


# --- graphs at the edges of every op's domain ----------------------------------------------------

EDGE_VALUES = (0.0, -0.0, 5e-324, -5e-324, 1e-300, 1e-170, -1e-170, 1e-160, 0.5, -0.5, 1.0,
               -1.0, 2.0, 3.0, 1e150, 1e170, -1e170, 1e300, 709.0)
# The ops with an edge (a slope that is infinite or undefined somewhere), and the ops that make
# a gradient 0 or tiny in front of them, come up three times as often.
EDGE_OPS = ALL_OPS + ("sqrt", "/", "**", "log", POWER, "*", "ReLU") * 2


def _forward_or_none(step: Step, values: Sequence[float]) -> float | None:
    try:
        with no_grad():
            return apply(VALUE_BACKEND, step, [Value(values[i]) for i in step.operands]).data
    except (ArithmeticError, ValueError):
        return None


@st.composite
def edge_expressions(draw, max_steps: int = 8) -> Expression:
    """Random graphs over every op with inputs at the edges of the ops' domains (0, -0.0, the
    smallest float, numbers whose products underflow or overflow). No margins: a step whose
    forward fails becomes tanh of its first operand, so the graph is always defined, but its
    gradients may not be (sqrt at 0, 0 * inf): those are the cases to test."""
    values = list(draw(st.lists(st.sampled_from(EDGE_VALUES), min_size=1, max_size=3)))
    inputs = tuple(values)
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(EDGE_OPS))
        any_node = st.integers(0, len(values) - 1)
        if op in NARY_OPS:
            width = draw(st.integers(1, 3))
            count = 2 * width + draw(st.integers(0, 1)) if op == "dot" else width + 1
            operands = tuple(draw(any_node) for _ in range(count))
        else:
            operands = tuple(draw(any_node) for _ in range(2 if op in BINARY_OPS else 1))
        constant = {POWER: lambda: draw(st.sampled_from(EXPONENTS)),
                    LEAKY_RELU: lambda: draw(st.sampled_from(SLOPES))}.get(op, lambda: None)()
        step = Step(op, operands, constant)
        result = _forward_or_none(step, values)
        if result is None:
            step = Step("tanh", operands[:1])
            result = math.tanh(values[operands[0]])
        steps.append(step)
        values.append(result)
    used = {i for step in steps for i in step.operands}
    sinks = tuple(i for i in range(len(values)) if i not in used)
    if len(sinks) > 1:
        candidate = Step("sum", sinks)
        steps.append(candidate if _forward_or_none(candidate, values) is not None
                     else Step("tanh", (len(values) - 1,)))
    return Expression(inputs, tuple(steps))
