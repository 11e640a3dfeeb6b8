"""Reading a graph made of any micrograd-style value: micrograd_plus's own, micrograd's, or the
one a learner writes following the "build micrograd" lecture.

The pictures and the stepping read a graph only through what every such value has: ``data``,
``grad``, ``_prev`` (its operands), ``_op`` (the op's name), ``label`` when it has one, and, for
stepping, the ``_backward()`` that passes its gradient on to its operands.

A value of another class is shown as that class keeps it: one edge per operand it holds
(micrograd keeps operands in a set, so its ``a * a`` has one). Its op is explained by the rule of
the same name in the engine's table (``OP_RULES``; ``**2`` and ``leaky_relu(0.1)`` name rules
made for their constant) when there is one and it gives the value's data from its operands;
otherwise the explanation says that no rule is known.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..engine import (OP_RULES, OpRule, Value, _own_backward, chain_rule_step, leaky_relu_rule,
                      operands_first, power_rule, topological_order)
from .text import visible

__all__ = ["Graph", "check_value", "rule_named", "REQUIRED_ATTRIBUTES"]

REQUIRED_ATTRIBUTES = ("data", "grad", "_prev", "_op")

_RULES_BY_LOWER_NAME = {name.lower(): rule for name, rule in OP_RULES.items() if name}
_VARIADIC = ("sum", "dot")  # ops that take any number of operands


def check_value(obj: Any, who: str, role: str = "the value at the end of a graph (a loss)") -> None:
    """Raise TypeError, naming the first missing attribute, unless ``obj`` looks like a Value;
    ``role`` says what ``obj`` is to the caller ``who``."""
    for name in REQUIRED_ATTRIBUTES:
        if not hasattr(obj, name):
            raise TypeError(
                f"{who} needs {role} to have .data, .grad, ._prev and ._op, as micrograd_plus's "
                f"Value, micrograd's, or your own class written like them have; the "
                f"{type(obj).__name__} it got has no attribute {name!r}."
            )


def rule_named(op: str) -> OpRule | None:
    """The engine's rule for the op called ``op`` (``'*'``, ``'tanh'``, ``'**2'``), or None."""
    rule = OP_RULES.get(op) or _RULES_BY_LOWER_NAME.get(op.lower())
    if rule is not None and op:
        return rule
    try:
        if op.startswith("**"):
            return power_rule(float(op[2:]))
        if op.startswith("leaky_relu(") and op.endswith(")"):
            return leaky_relu_rule(float(op[len("leaky_relu("):-1]))
    except ValueError:
        pass
    return None


@dataclass(frozen=True)
class _Made:
    """How a value of another class was made, as the pictures read it."""

    operands: tuple  # each operand once, in a fixed order
    op: str
    rule: OpRule | None
    rule_operands: tuple  # the operands in the rule's order, repeats included (a * a: a, a)
    no_rule: str  # why no rule explains it, when rule is None


class Graph:
    """The values that ``root`` was computed from, read the same way whatever their class.

    ``who`` names the caller in errors. A micrograd_plus Value is read directly (its ``_prev``
    keeps every operand occurrence in order, ``a + a`` has two); any other value through its
    attributes, checked as it is reached.
    """

    def __init__(self, root: Any, who: str) -> None:
        check_value(root, who)
        self.root = root
        self.who = who
        self.native = isinstance(root, Value)
        self._made_by: dict[Any, _Made] = {}

    # --- one value ---------------------------------------------------------------------------

    def operands(self, node: Any) -> tuple:
        """What ``node`` was computed from, in order (empty for an input)."""
        if isinstance(node, Value):
            return node._prev
        return self._made(node).operands

    def op(self, node: Any) -> str:
        if isinstance(node, Value):
            return node._op
        return self._made(node).op

    def rule(self, node: Any) -> OpRule | None:
        """The op table's rule for ``node``'s op, or None when it has none."""
        if isinstance(node, Value):
            return rule_named(node._op) and node._rule
        return self._made(node).rule

    def rule_operands(self, node: Any) -> tuple:
        """The operands in the order of ``rule(node)``'s arguments, repeats included."""
        if isinstance(node, Value):
            return node._prev
        return self._made(node).rule_operands

    def no_rule(self, node: Any) -> str:
        """Why no rule of the op table explains ``node`` ('' when one does)."""
        if isinstance(node, Value):
            return "" if self.rule(node) else f"the op table has no rule for {visible(node._op)!r}"
        return self._made(node).no_rule

    def local_derivatives(self, node: Any) -> Sequence[float] | None:
        """d(node)/d(operand) for each of ``rule_operands(node)``, from the op table; None when
        no rule explains ``node``, or (for a value of another class) the rule has no finite value
        here. A micrograd_plus Value raises the engine's error instead."""
        if isinstance(node, Value):
            return node.local_derivatives() if self.rule(node) else None
        rule = self.rule(node)
        if rule is None:
            return None
        try:
            return rule.local_derivatives(*[float(x.data) for x in self.rule_operands(node)],
                                          float(node.data))
        except (ArithmeticError, ValueError, TypeError):
            return None

    def sent(self, node: Any) -> list[float]:
        """What ``node`` sends each of ``operands(node)`` with the gradient it has now, as
        backward() would (``engine.chain_rule_step``: the engine's rule, or the node's own
        ``_backward()`` run with the gradients it touches put back). An operand a node of
        another class holds twice gets it all at its first place."""
        operands = self.operands(node)
        if not node.grad:
            return [0.0] * len(operands)
        contributions = chain_rule_step(node, node.grad)[1]
        if isinstance(node, Value):
            return list(contributions)
        received: dict = {}
        for operand, contribution in zip(node._prev, contributions):
            received[operand] = received.get(operand, 0.0) + contribution
        return [received.pop(operand, 0.0) for operand in operands]

    def runs_own_backward(self, node: Any) -> bool:
        """Whether stepping runs ``node._backward()`` rather than the engine's rule: a value of
        another class, or a micrograd_plus Value given a _backward of its own."""
        return not isinstance(node, Value) or _own_backward(node) is not None

    # --- the whole graph -----------------------------------------------------------------------

    def order(self) -> list:
        """Every value ``root`` depends on, each after its operands, ``root`` last."""
        if self.native:
            return topological_order(self.root)
        return self.order_of(None)

    def order_of(self, keep: set | None) -> list:
        """``order()`` of only the values in ``keep`` (all of them for None)."""
        return operands_first(self.root, self.operands, keep)

    def nearest(self, limit: int) -> tuple[list, bool]:
        """Up to ``limit`` values, those nearest ``root`` first (breadth first), and whether
        that is every value of the graph. Costs at most ``limit`` values, whatever the graph."""
        self._check_hashable(self.root)
        found = [self.root]
        seen = {self.root}
        queue = deque(found)
        while queue:
            for operand in self.operands(queue.popleft()):
                if operand not in seen:
                    if len(found) == limit:
                        return found, False
                    seen.add(operand)
                    found.append(operand)
                    queue.append(operand)
        return found, True

    # --- values of other classes -----------------------------------------------------------------

    def _check_hashable(self, node: Any) -> None:
        try:
            hash(node)
        except TypeError:
            raise TypeError(
                f"{self.who} keeps the values of a graph in sets, but {type(node).__name__} "
                f"values cannot be hashed (the class defines __eq__ without __hash__). Add "
                f"`__hash__ = object.__hash__` to the class."
            ) from None

    def _made(self, node: Any) -> _Made:
        made = self._made_by.get(node)
        if made is None:
            made = self._made_by[node] = self._read(node)
        return made

    def _read(self, node: Any) -> _Made:
        check_value(node, self.who, "every value in the graph")
        self._check_hashable(node)
        prev = node._prev
        for operand in prev:
            check_value(operand, self.who, f"every operand ({visible(str(node._op))!r} has one)")
            self._check_hashable(operand)
        if isinstance(prev, (set, frozenset)):
            # A set has no order of its own: sort, so the same graph always draws the same.
            operands = tuple(sorted(prev, key=_sort_key))
            orders = None
        else:
            operands = tuple(dict.fromkeys(prev))
            orders = [tuple(prev)]
        op = visible(str(node._op))
        rule = rule_named(op) if operands else None
        if rule is None:
            why = "" if not operands else f"the op table has no rule for {op!r}"
            return _Made(operands, op, None, operands, why)
        arity = len(operands) if op in _VARIADIC else len(rule.formulas)
        if orders is None:  # every way the operands can fill the rule's places
            if rule.name == "dot" or arity < len(operands):
                orders = []
            else:
                orders = [order for order in itertools.product(operands, repeat=arity)
                          if set(order) == set(operands)]
        for rule_operands in orders:
            if len(rule_operands) == arity and _computes(rule, rule_operands, node.data):
                return _Made(operands, op, rule, rule_operands, "")
        return _Made(operands, op, None, operands,
                     f"the op table's rule for {op!r} does not give this value from its operands")


def _computes(rule: OpRule, operands: Iterable[Any], data: Any) -> bool:
    """Whether ``rule``'s forward gives ``data`` from ``operands`` (to rounding: a learner's
    tanh written with exp differs from math.tanh in the last digits)."""
    try:
        return math.isclose(rule.forward(*[float(x.data) for x in operands]), float(data),
                            rel_tol=1e-9, abs_tol=1e-12)
    except (ArithmeticError, ValueError, TypeError):
        return False


def _sort_key(node: Any) -> tuple[str, str, str]:
    return (str(getattr(node, "label", "")), repr(node.data), str(node._op))
