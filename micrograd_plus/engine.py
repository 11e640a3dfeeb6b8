"""The autograd engine: a Value remembers how it was made, and backward() applies the chain rule.

Every operation is one entry in OP_RULES: its forward function and, side by side, the local
derivative of its result with respect to each operand. backward(), the pictures and the
step-by-step explanations all read that one table, so they can never disagree.

A local derivative rule is written once and works on plain numbers and on Values alike: with
numbers it gives the gradient, with Values (``grad(..., create_graph=True)``) it builds a graph
of the derivative itself, which is how second derivatives work.

Memory and speed matter because students build graphs of a hundred thousand nodes: a node holds
its number, its gradient, its operands and its rule in slots of its own, with no closure and no
tuple of operands, so graphs are small, they are freed by reference counting the moment they are
no longer used, and the cyclic garbage collector has no cycles to chase. Like micrograd's, a Value
also takes any attribute of your own (``p.m = 0``) and the lecture's way of adding an op (setting
``out._backward`` to a function) works.
"""

from __future__ import annotations

import copy
import math
import operator
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache, reduce
from itertools import filterfalse
from numbers import Real
from typing import Any, Callable, Iterable, Iterator, Sequence

__all__ = [
    "Value", "OpRule", "OP_RULES", "grad", "no_grad", "is_grad_enabled",
    "sum_values", "dot", "dots", "batch_dots", "topological_order", "operands_first",
    "chain_rule_step",
]


@dataclass(frozen=True, eq=False, slots=True)
class OpRule:
    """One operation: how it computes its result, and its local derivative for each operand.

    ``local_derivatives(*operands, out)`` returns d(out)/d(operand) for every operand, given the
    operands and the result: plain numbers during backward(), Values when building the graph of
    a derivative. ``formulas`` says the same in words, one per operand (one for all operands of
    an op that takes any number of them). An op whose operands play different parts, such as
    dot's weights, inputs and bias, has one formula per part and ``formula_index(position,
    count)`` saying which part the operand at ``position`` of ``count`` plays.

    ``finite_slopes`` says that every local derivative is finite wherever the forward is, so a
    node whose gradient is 0 passes on exactly 0 and backward() may skip it; an op that can have
    an infinite slope (sqrt at 0) is never skipped, so that 0 * inf is an error, not 0.
    ``remake`` is how to make a rule again that is not an entry of OP_RULES (its functions are
    lambdas, which pickle cannot store): the function and its arguments, e.g.
    ``(power_rule, (2.0,))``.
    """

    name: str
    forward: Callable[..., float]
    local_derivatives: Callable[..., Sequence]
    formulas: tuple[str, ...]
    domain: str = ""
    formula_index: Callable[[int, int], int] | None = None
    finite_slopes: bool = True
    remake: tuple = ()

    def formula_for(self, position: int, count: int | None = None) -> str:
        """The local derivative of this op with respect to its operand at ``position`` (of
        ``count`` operands), as text; every part's formula when the part needs ``count``."""
        if self.formula_index is None:
            return self.formulas[min(position, len(self.formulas) - 1)]
        if count is None:
            return ", ".join(self.formulas)
        return self.formulas[self.formula_index(position, count)]

    def __reduce__(self) -> tuple:
        if not self.remake and OP_RULES.get(self.name) is not self:
            raise TypeError(f"the op rule {self.name!r} is not in OP_RULES and has no remake, "
                            f"so it cannot be pickled or copied; give it remake=(function, args).")
        return self.remake or (_rule_for_op, (self.name,))


# --- helpers the rules use, valid on numbers and on Values alike -------------------------------

def _data(x) -> float:
    return x.data if isinstance(x, Value) else x


def _log(x):
    return x.log() if isinstance(x, Value) else math.log(x)


def _sigmoid(x: float) -> float:
    # Two forms so that exp() only ever sees a non-positive number and cannot overflow.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    exp_x = math.exp(x)
    return exp_x / (1.0 + exp_x)


def _power(base: float, exponent: float) -> float:
    # math.pow raises where ** would quietly return a complex number or 0.0 ** -1 -> inf.
    return math.pow(base, exponent)


# --- the table: every op, its forward, and its local derivatives -------------------------------

LEAF = OpRule("", forward=lambda: 0.0, local_derivatives=lambda out: (), formulas=())

OP_RULES: dict[str, OpRule] = {rule.name: rule for rule in (
    LEAF,
    OpRule("+", operator.add,
           lambda a, b, out: (1.0, 1.0),
           ("d(a + b)/da = 1", "d(a + b)/db = 1")),
    OpRule("-", operator.sub,
           lambda a, b, out: (1.0, -1.0),
           ("d(a - b)/da = 1", "d(a - b)/db = -1")),
    OpRule("*", operator.mul,
           lambda a, b, out: (b, a),
           ("d(a * b)/da = b", "d(a * b)/db = a")),
    OpRule("/", operator.truediv,
           lambda a, b, out: (1.0 / b, -out / b),
           ("d(a / b)/da = 1 / b", "d(a / b)/db = -a / b^2"),
           domain="b != 0", finite_slopes=False),
    OpRule("**", _power,
           # At a = 0: 0 ** b is 0 for every b > 0, so its slope in b is 0 (log 0 is not needed;
           # at b = 0 too, the limit from b > 0, as in PyTorch and JAX), and 0 ** 0 = 1 = a ** 0
           # for every a, so its slope in a is 0 (not 0 * 0 ** -1).
           lambda a, b, out: (b * a ** (b - 1.0) if _data(a) != 0.0 or _data(b) != 0.0 else 0.0,
                              out * _log(a) if _data(a) != 0.0 else 0.0),
           ("d(a^b)/da = b * a^(b-1)", "d(a^b)/db = a^b * log(a)"),
           domain="a > 0 for a gradient with respect to b; a^b real and finite",
           finite_slopes=False),
    OpRule("neg", operator.neg,
           lambda a, out: (-1.0,),
           ("d(-a)/da = -1",)),
    OpRule("exp", math.exp,
           lambda a, out: (out,),
           ("d(exp a)/da = exp(a)",),
           domain="a <= 709.78 (beyond that exp(a) is too large for a float)"),
    OpRule("log", math.log,
           lambda a, out: (1.0 / a,),
           ("d(log a)/da = 1 / a",),
           domain="a > 0", finite_slopes=False),
    OpRule("sqrt", math.sqrt,
           lambda a, out: (0.5 / out,),
           ("d(sqrt a)/da = 1 / (2 sqrt(a))",),
           domain="a >= 0, and a > 0 for a gradient", finite_slopes=False),
    OpRule("tanh", math.tanh,
           lambda a, out: (1.0 - out * out,),
           ("d(tanh a)/da = 1 - tanh(a)^2",)),
    OpRule("sigmoid", _sigmoid,
           lambda a, out: (out * (1.0 - out),),
           ("d(sigmoid a)/da = sigmoid(a) * (1 - sigmoid(a))",)),
    OpRule("ReLU", lambda a: a if a > 0.0 else 0.0,
           lambda a, out: (1.0 if _data(a) > 0.0 else 0.0,),
           ("d(relu a)/da = 1 if a > 0 else 0",)),
    OpRule("abs", abs,
           lambda a, out: (1.0 if _data(a) > 0.0 else -1.0 if _data(a) < 0.0 else 0.0,),
           ("d|a|/da = sign(a)",)),
    OpRule("sum", lambda *terms: _exact_sum(terms),
           lambda *terms_and_out: (1.0,) * (len(terms_and_out) - 1),
           ("d(a1 + a2 + ... + an)/dai = 1",)),
    OpRule("dot", lambda *operands: _dot_forward(operands),
           lambda *operands_and_out: _dot_derivatives(operands_and_out[:-1]),
           ("d(w1*x1 + ... + wn*xn + b)/dwi = xi", "d(w1*x1 + ... + wn*xn + b)/dxi = wi",
            "d(w1*x1 + ... + wn*xn + b)/db = 1"),
           formula_index=lambda position, count: min(position // (count // 2), 2)),
)}

# A dot node's operands are the weights w1..wn, then the inputs x1..xn, then, if it has one (an
# odd number of operands), the bias b: a neuron's whole weighted sum w1*x1 + ... + wn*xn + b.


def _dot_forward(operands: Sequence[float]) -> float:
    n = len(operands) // 2
    bias = operands[2 * n] if len(operands) > 2 * n else None
    return _weighted_sum(operands[:n], operands[n:2 * n], bias)


def _weighted_sum(weights: Sequence[float], inputs: Sequence[float], bias: float | None) -> float:
    """w1*x1 + w2*x2 + ... + wn*xn + bias, added left to right one term at a time, exactly as the
    plain expression does, so a dot gives the same number on every Python."""
    total = _left_to_right_sum(map(operator.mul, weights, inputs))
    return total if bias is None else total + bias


if sys.version_info >= (3, 12):
    def _left_to_right_sum(terms: Iterable[float]) -> float:
        # From 3.12 on, sum() adds floats with extra precision (compensated), so it can differ
        # from adding the terms one by one; reduce adds them one by one.
        return reduce(operator.add, terms)
else:
    def _left_to_right_sum(terms: Iterable[float]) -> float:
        # Up to 3.11, sum() of floats adds one term at a time, in C (twice as fast as reduce);
        # starting at -0.0 keeps every term as it is (-0.0 + x is exactly x, -0.0 included).
        return sum(terms, -0.0)


def _exact_sum(terms: Sequence[float]) -> float:
    """a1 + ... + an rounded once, from the exact sum (``math.fsum``). fsum refuses a sum whose
    partial sums overflow (1e308 + 1e308 - 1e308) even when the exact result is a float; exact
    fractions then add it instead (slow, and only needed in that rare case)."""
    try:
        return math.fsum(terms)
    except OverflowError:
        return float(sum(map(Fraction, terms)))


def _dot_derivatives(operands: tuple) -> tuple:
    # Each weight's derivative is its input, each input's is its weight, and the bias's is 1.
    n = len(operands) // 2
    return operands[n:2 * n] + operands[:n] + (1.0,) * (len(operands) - 2 * n)


@lru_cache(maxsize=256)
def power_rule(exponent: float) -> OpRule:
    """The rule for ``a ** exponent`` with a constant exponent (the exponent gets no gradient)."""
    shown = f"{exponent:g}"
    # a ** 0 is the constant 1, so its slope is 0 everywhere, a = 0 included.
    return OpRule(f"**{shown}", lambda a: _power(a, exponent),
                  lambda a, out: (exponent * a ** (exponent - 1.0) if exponent else 0.0,),
                  (f"d(a^{shown})/da = {shown} * a^({shown}-1)",),
                  domain="a^exponent real and finite", finite_slopes=False,
                  remake=(power_rule, (exponent,)))


@lru_cache(maxsize=64)
def leaky_relu_rule(slope: float) -> OpRule:
    """The rule for leaky ReLU: ``a`` where a > 0, ``slope * a`` elsewhere."""
    shown = f"{slope:g}"
    return OpRule(f"leaky_relu({shown})", lambda a: a if a > 0.0 else slope * a,
                  lambda a, out: (1.0 if _data(a) > 0.0 else slope,),
                  (f"d(leaky_relu a)/da = 1 if a > 0 else {shown}",),
                  remake=(leaky_relu_rule, (slope,)))


def _opaque_rule(name: str) -> OpRule:
    """A node built by hand with an op this table does not know: its backward step does nothing,
    as in micrograd, where such a node's _backward is a no-op."""
    return OpRule(name, forward=lambda *operands: 0.0,
                  local_derivatives=lambda *operands_and_out: (0.0,) * (len(operands_and_out) - 1),
                  formulas=(f"no rule is known for {name!r}",), remake=(_opaque_rule, (name,)))


def _rule_for_op(name: str) -> OpRule:
    """The rule of the op called ``name``: its entry in OP_RULES, or a rule that does nothing."""
    return OP_RULES.get(name) or _opaque_rule(name)


# --- recording on or off ------------------------------------------------------------------------

# The threads inside no_grad() (thread id -> how deeply nested), as in PyTorch per thread: a
# trainer in a background thread inside no_grad() must not switch recording off for the
# notebook's own cells. Usually empty, so recording a node costs one check of an empty dict.
_threads_without_grad: dict[int, int] = {}


def is_grad_enabled() -> bool:
    """True unless inside ``no_grad()`` in this thread."""
    return threading.get_ident() not in _threads_without_grad


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations compute numbers but record no graph (e.g. a weight update)."""
    thread = threading.get_ident()
    _threads_without_grad[thread] = _threads_without_grad.get(thread, 0) + 1
    try:
        yield
    finally:
        depth = _threads_without_grad.pop(thread) - 1
        if depth:
            _threads_without_grad[thread] = depth


# --- the Value ------------------------------------------------------------------------------------

def _show_call(name: str, operands: Sequence[Value]) -> str:
    """How the op reads in an error message: ``1.0 / 0.0``, ``(-8.0) **0.5``, ``log(0.0)``."""
    shown = [f"({x.data!r})" if x.data < 0 else repr(x.data) for x in operands]
    if len(shown) == 2 and name in ("+", "-", "*", "/", "**"):
        return f"{shown[0]} {name} {shown[1]}"
    if len(shown) == 1 and name.startswith("**"):
        return f"{shown[0]} {name}"
    return f"{name}({', '.join(shown)})"


def _forward_error(rule: OpRule, operands: Sequence[Value], error: Exception) -> ArithmeticError:
    # Keep the kind of error (ZeroDivisionError, OverflowError, ValueError) so callers can catch it.
    kind = type(error) if isinstance(error, (ArithmeticError, ValueError)) else OverflowError
    needs = f" {rule.name} needs {rule.domain}." if rule.domain else ""
    return kind(
        f"{_show_call(rule.name, operands)} has no finite real result ({error}).{needs} "
        f"Check the inputs that reach this op."
    )


def _check_real(data: object) -> float:
    if isinstance(data, Real) and not isinstance(data, bool):
        try:
            number = float(data)
        except OverflowError:
            raise OverflowError(
                f"Value got {str(data)[:40]}..., a number too large for a float (the largest is "
                f"about 1.8e308); rescale it before making a Value."
            ) from None
        if math.isfinite(number):
            return number
        raise ValueError(f"Value got {number!r}; a Value must hold a finite number.")
    raise TypeError(
        f"Value needs a real number (int or float), got {type(data).__name__}: {data!r}"
    )


class Value:
    """A number that remembers which operation made it from which operands.

    ``data`` is the number, ``grad`` is d(output)/d(this value) after ``output.backward()``,
    ``_prev`` gives the operands in order (``a + a`` has both) and ``_op`` names the op.
    Any other attribute can be set too (``p.m = 0.0``), and a Value can be weakly referenced.
    """

    # What every node needs is a slot. Its operands are kept in the node itself, not in a tuple
    # of their own (that tuple would take more memory than the node's other slots together):
    # ``_a`` and ``_b`` are the operands a and b, as the op table names them, None where the op
    # has fewer (both None for a leaf), and a wide node (sum, dot) keeps all its operands as one
    # tuple in ``_a``. ``_prev`` reads them as one tuple. Anything else (a label, your own
    # attributes, a _backward function of your own) goes into __dict__, which stays empty on
    # most nodes.
    __slots__ = ("data", "grad", "_a", "_b", "_rule", "__dict__", "__weakref__")
    label = ""

    def __init__(self, data: float, _children: Iterable[Value] = (), _op: str = "",
                 label: str = "") -> None:
        self.data = data if type(data) is float and data - data == 0.0 else _check_real(data)
        self.grad = 0.0
        if _children:  # a node made by hand, as the lecture makes them
            self._prev = _children
        else:
            self._a = self._b = None
        self._rule = _rule_for_op(_op)
        if label != "":
            self.label = label

    @property
    def _prev(self) -> tuple[Value, ...]:
        """The operands this value was made from, in order (empty for a leaf); setting it sets
        them."""
        return _operands(self._a, self._b)

    @_prev.setter
    def _prev(self, operands: Iterable[Value]) -> None:
        operands = tuple(operands)
        if len(operands) in (1, 2) and all(isinstance(operand, Value) for operand in operands):
            self._a, self._b = operands if len(operands) == 2 else (operands[0], None)
        else:
            self._a, self._b = operands or None, None

    @property
    def _op(self) -> str:
        """The name of the op that made this value ('' for a leaf); setting it sets the rule."""
        return self._rule.name

    @_op.setter
    def _op(self, name: str) -> None:
        self._rule = _rule_for_op(name)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # --- applying an op -------------------------------------------------------------------
    # Binary and unary ops unpack their operands by hand: it is three times faster than the
    # general star-call, and these run once per node.

    @staticmethod
    def _apply(rule: OpRule, operands: tuple[Value, ...]) -> Value:
        """Run ``rule`` forward on any number of operands and record the result as a new node."""
        try:
            data = rule.forward(*[operand.data for operand in operands])
        except (ArithmeticError, ValueError) as error:
            raise _forward_error(rule, operands, error) from None
        return _record(data, rule, operands)

    def _binary(self, rule: OpRule, other: Value) -> Value:
        try:
            data = rule.forward(self.data, other.data)
        except (ArithmeticError, ValueError) as error:
            raise _forward_error(rule, (self, other), error) from None
        return _record(data, rule, self, other)

    def _unary(self, rule: OpRule) -> Value:
        try:
            data = rule.forward(self.data)
        except (ArithmeticError, ValueError) as error:
            raise _forward_error(rule, (self,), error) from None
        return _record(data, rule, self)

    # --- arithmetic -------------------------------------------------------------------------

    def __add__(self, other: Value | float) -> Value:
        return self._binary(ADD, other if isinstance(other, Value) else Value(other))

    def __radd__(self, other: float) -> Value:
        return Value(other)._binary(ADD, self)

    def __sub__(self, other: Value | float) -> Value:
        return self._binary(SUB, other if isinstance(other, Value) else Value(other))

    def __rsub__(self, other: float) -> Value:
        return Value(other)._binary(SUB, self)

    def __mul__(self, other: Value | float) -> Value:
        return self._binary(MUL, other if isinstance(other, Value) else Value(other))

    def __rmul__(self, other: float) -> Value:
        return Value(other)._binary(MUL, self)

    def __truediv__(self, other: Value | float) -> Value:
        return self._binary(DIV, other if isinstance(other, Value) else Value(other))

    def __rtruediv__(self, other: float) -> Value:
        return Value(other)._binary(DIV, self)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return self._binary(POW, exponent)
        return self._unary(power_rule(_check_real(exponent)))

    def __rpow__(self, base: float) -> Value:
        return Value(base)._binary(POW, self)

    def __neg__(self) -> Value:
        return self._unary(NEG)

    # --- functions ---------------------------------------------------------------------------

    def exp(self) -> Value:
        return self._unary(OP_RULES["exp"])

    def log(self) -> Value:
        return self._unary(OP_RULES["log"])

    def sqrt(self) -> Value:
        return self._unary(OP_RULES["sqrt"])

    def tanh(self) -> Value:
        return self._unary(OP_RULES["tanh"])

    def sigmoid(self) -> Value:
        return self._unary(OP_RULES["sigmoid"])

    def relu(self) -> Value:
        return self._unary(RELU)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return self._unary(leaky_relu_rule(_check_real(slope)))

    def __abs__(self) -> Value:
        return self._unary(OP_RULES["abs"])

    def abs(self) -> Value:
        return abs(self)

    # --- the chain rule ----------------------------------------------------------------------

    def local_derivatives(self) -> Sequence[float]:
        """d(self)/d(operand) for each operand in ``_prev``, from this op's rule in OP_RULES."""
        # The operands straight from the slots, unpacked by hand but for a wide op's: grad() and
        # the pictures call this once per node.
        a, b = self._a, self._b
        try:
            if b is not None:
                return self._rule.local_derivatives(a.data, b.data, self.data)
            if a is None:
                return self._rule.local_derivatives(self.data)
            if a.__class__ is tuple:
                return self._rule.local_derivatives(*[operand.data for operand in a], self.data)
            return self._rule.local_derivatives(a.data, self.data)
        except (ArithmeticError, ValueError) as error:
            raise _backward_error(self, error) from None

    def _backward(self) -> None:
        """One chain-rule step: pass this node's grad to its operands, times the local derivative.

        operand.grad += upstream_grad * d(self)/d(operand)

        This is ``chain_rule_step(self, self.grad)`` added straight into the operands' grads (it
        runs once per node in every backward pass, so it does not make a list of contributions
        first). A node whose grad is 0 passes on nothing: it is skipped when its op's slopes are
        all finite (below a ReLU that is off, say); otherwise chain_rule_step checks it, and
        raises where a slope is infinite, since 0 * inf has no value. Setting ``out._backward`` to
        a function of your own, as the lecture does, replaces this step for that node.
        """
        upstream_grad = self.grad
        if upstream_grad == 0.0:
            if not self._rule.finite_slopes:
                chain_rule_step(self, 0.0)
            return
        a, b = self._a, self._b
        try:
            if b is not None:  # a binary op
                d_self_d_a, d_self_d_b = self._rule.local_derivatives(a.data, b.data, self.data)
                a.grad += upstream_grad * d_self_d_a
                b.grad += upstream_grad * d_self_d_b
            elif a.__class__ is tuple:  # a wide op (sum, dot): all its operands are in a
                numbers = [operand.data for operand in a]
                local_derivatives = self._rule.local_derivatives(*numbers, self.data)
                for operand, local_derivative in zip(a, local_derivatives):
                    operand.grad += upstream_grad * local_derivative
            elif a is not None:  # a unary op (a leaf has no operands: nothing to pass on)
                (d_self_d_a,) = self._rule.local_derivatives(a.data, self.data)
                a.grad += upstream_grad * d_self_d_a
        except (ArithmeticError, ValueError) as error:
            raise _backward_error(self, error) from None

    def backward(self) -> None:
        """Fill in ``.grad`` of every Value this one depends on: d(self)/d(that value).

        Leaves (values no op produced, such as weights) accumulate: calling backward() k times
        without zeroing leaves k times the gradient, as in PyTorch. Every other node shows the
        gradient of the latest pass. Each node's step is its ``_backward()``. If the pass fails (a
        local derivative with no finite value, 0 times an infinite slope, a gradient that
        overflows), the error names the op and every leaf keeps the grad it had; so it does
        after Ctrl-C (KeyboardInterrupt) or any other exception during the pass.
        """
        order = topological_order(self)
        leaf_grads = []  # each leaf's grad before this pass, in order, put back if the pass fails
        keep = leaf_grads.append
        for node in order:  # a leaf is a node without operands: its _a is None
            if node._a is None:
                keep(node.grad)
            else:
                node.grad = 0.0
        try:
            self.grad = self.grad + 1.0 if self._a is None else 1.0
            for node in reversed(order):
                if node._a is not None:
                    node._backward()
            _check_gradients(order)
        except BaseException:
            for leaf, before in zip([node for node in order if node._a is None], leaf_grads):
                leaf.grad = before
            raise

    # --- copies and pickles -------------------------------------------------------------------
    # pickle and copy.deepcopy would follow _prev recursively and fail on a graph a few hundred
    # nodes deep; these walk the graph in topological order instead, so any depth works.

    def __reduce__(self) -> tuple:
        """Pickle a leaf as itself and any other node as its whole graph, listed in topological
        order with each operand given by its place in the list (leaves as themselves, so they
        stay shared with, say, the model that holds them)."""
        if self._a is None:
            return _leaf, (type(self), self.data, self.grad, self._rule), _attributes(self)
        order = topological_order(self)
        place = {node: i for i, node in enumerate(order)}
        listed = [(type(node), node.data, node.grad, node._rule,
                   tuple(place[operand] for operand in node._prev), _attributes(node))
                  if node._a is not None else node for node in order]
        return _rebuild_graph, (listed,)

    def __deepcopy__(self, memo: dict) -> Value:
        for node in topological_order(self):
            if id(node) not in memo:
                twin = _new_value(type(node))
                twin.data, twin.grad, twin._rule = node.data, node.grad, node._rule
                twin._prev = tuple(memo[id(operand)] for operand in node._prev)
                memo[id(node)] = twin
                attributes = _attributes(node)
                if attributes:
                    twin.__dict__.update(copy.deepcopy(attributes, memo))
        return memo[id(self)]

    def __copy__(self) -> Value:
        twin = _new_value(type(self))
        twin.data, twin.grad, twin._rule = self.data, self.grad, self._rule
        twin._a, twin._b = self._a, self._b
        twin.__dict__.update(_attributes(self) or {})
        return twin


_new_value = object.__new__
_get_state = getattr(object, "__getstate__", None)  # Python 3.11+


def _attributes(node: Value) -> dict | None:
    """The attributes set on ``node`` beyond its slots (its label, your own), or None."""
    if _get_state is None:
        return node.__dict__ or None
    # Reading node.__dict__ would give every node that has none an empty dict of its own.
    state = _get_state(node)
    return state[0] if type(state) is tuple else state


def _leaf(cls: type, data: float, grad: float, rule: OpRule) -> Value:
    leaf = _new_value(cls)
    leaf.data, leaf.grad, leaf._a, leaf._b, leaf._rule = data, grad, None, None, rule
    return leaf


def _rebuild_graph(listed: list) -> Value:
    """The graph ``Value.__reduce__`` listed, node by node; returns its last node."""
    nodes: list[Value] = []
    for entry in listed:
        if isinstance(entry, Value):
            nodes.append(entry)
            continue
        cls, data, grad, rule, operands, attributes = entry
        node = _leaf(cls, data, grad, rule)
        node._prev = tuple(nodes[i] for i in operands)
        if attributes:
            node.__dict__.update(attributes)
        nodes.append(node)
    return nodes[-1]


def _operands(a: Value | tuple[Value, ...] | None, b: Value | None) -> tuple[Value, ...]:
    """The operands a node keeps in its slots ``_a`` and ``_b``, as one tuple: its ``_prev``.
    The engine's loops call this directly; reading the property costs a call of its own."""
    if a is None:
        return ()
    if a.__class__ is tuple:
        return a
    return (a,) if b is None else (a, b)


def _record(data: float, rule: OpRule, a: Value | tuple[Value, ...],
            b: Value | None = None) -> Value:
    """A new node holding ``data``, made by ``rule`` from the operand ``a`` (and ``b``), or from
    the tuple ``a`` of a wide op's operands; a leaf in no_grad (no graph)."""
    if not data - data == 0.0:  # inf or nan: a float overflowed on the way
        raise _forward_error(rule, _operands(a, b), OverflowError(
            "the result is too large for a float" if data == data else
            "a step on the way overflowed to infinity, leaving no number"))
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    if _threads_without_grad and threading.get_ident() in _threads_without_grad:
        out._a = out._b = None
        out._rule = LEAF
    else:
        out._a = a
        out._b = b
        out._rule = rule
    return out


def _backward_error(node: Value, error: Exception) -> ArithmeticError:
    kind = type(error) if isinstance(error, (ArithmeticError, ValueError)) else OverflowError
    needs = f"; {node._op} needs {node._rule.domain}" if node._rule.domain else ""
    return kind(
        f"backward through {_show_call(node._op, node._prev)}: its local derivative has no finite "
        f"real value ({error}){needs}."
    )


# --- one step of the chain rule ---------------------------------------------------------------

def chain_rule_step(node: Value, upstream_grad, create_graph: bool = False) -> tuple:
    """One step of the chain rule at ``node``, exactly as backward() and grad() take it.

    Returns ``(local_derivatives, contributions)``, one of each per operand in ``node._prev``:

        local_derivative = d(node)/d(operand)                (the op's rule in OP_RULES)
        contribution     = upstream_grad * local_derivative  (upstream_grad = dL/d(node))

    and backward() adds each contribution to its operand's ``.grad``. Every contribution is a
    finite number or this raises an error naming the op: where a local derivative has no value
    (sqrt at 0), where one overflows, and where a gradient of 0 (exact, or too small for a float)
    meets an infinite slope, because 0 * inf has no value. With ``create_graph=True`` the upstream
    gradient and the results are Values, a graph of the derivative itself.

    A node with a ``_backward`` of its own (set on it, as the lecture does, or a subclass's) is
    run on its own, with only its operands' gradients zeroed and put back: the contributions
    are what it adds, and the local derivatives None (it gives no rule). It cannot build a graph
    (``create_graph=True``): it adds numbers, not Values.
    """
    own_backward = _own_backward(node)
    if own_backward is not None:
        if create_graph:
            raise TypeError(
                f"grad(..., create_graph=True) cannot go through {node!r} (op {node._op!r}): its "
                f"_backward is a function of your own, which adds numbers to .grad instead of "
                f"building a graph. Use create_graph=False, or build the op from Value's own ops."
            )
        return None, _run_own_backward(node, own_backward, upstream_grad)
    if not create_graph:
        return _rule_step(node, upstream_grad)
    _rule_step(node, _data(upstream_grad))  # the same checks in numbers first: the same errors
    try:
        local_derivatives = node._rule.local_derivatives(*node._prev, node)
        return local_derivatives, tuple(upstream_grad * d for d in local_derivatives)
    except (ArithmeticError, ValueError) as error:
        raise _backward_error(node, error) from None


def _rule_step(node: Value, upstream_grad: float) -> tuple:
    """``chain_rule_step`` in numbers, from the node's rule in OP_RULES."""
    local_derivatives = node.local_derivatives()
    contributions = tuple(upstream_grad * d for d in local_derivatives)
    if not all(map(math.isfinite, contributions)):
        _check_contributions(node, upstream_grad, local_derivatives, contributions)
    return local_derivatives, contributions


def _check_contributions(node: Value, upstream_grad: float, local_derivatives: Sequence[float],
                         contributions: Sequence[float]) -> None:
    for position, (d, contribution) in enumerate(zip(local_derivatives, contributions)):
        if math.isfinite(contribution):
            continue
        call = _show_call(node._op, node._prev)
        formula = node._rule.formula_for(position, len(node._prev))
        if upstream_grad == 0.0:
            raise OverflowError(
                f"backward through {call}: the gradient reaching it is 0 (exactly, or too small "
                f"for a float) and its local derivative for operand {position + 1} ({formula}) "
                f"is {d!r}; 0 * inf has no value, so the true gradient could be anything. Move "
                f"the inputs away from this point, or rescale them (floats overflow beyond about "
                f"1e308 and underflow below about 1e-308)."
            )
        raise OverflowError(
            f"backward through {call}: operand {position + 1} gets upstream gradient * local "
            f"derivative = {upstream_grad!r} * {d!r} = {contribution!r}: a gradient overflowed. "
            f"Scale the inputs or the loss down, or lower the learning rate."
        )


def _own_backward(node: Value) -> Callable[[], None] | None:
    """The node's ``_backward`` if it is not the engine's: a function set on the node, as the
    lecture does (``out._backward = _backward``), or a subclass's method."""
    step = node._backward
    return None if getattr(step, "__func__", None) is Value._backward else step


def _run_own_backward(node: Value, own_backward: Callable[[], None],
                      upstream_grad: float) -> tuple[float, ...]:
    """What a node's own ``_backward`` adds to each operand's grad when the node's grad is
    ``upstream_grad``; every grad it touches is put back. An operand used twice (a * a) gets the
    whole of what it received at its first place and 0 at the other."""
    touched = (node, *node._prev)
    saved = [value.grad for value in touched]
    try:
        for operand in node._prev:
            operand.grad = 0.0
        node.grad = upstream_grad
        own_backward()
        seen: set[int] = set()
        contributions = []
        for operand in node._prev:
            contributions.append(0.0 if id(operand) in seen else operand.grad)
            seen.add(id(operand))
    finally:
        for value, before in zip(reversed(touched), reversed(saved)):
            value.grad = before
    return tuple(contributions)


ADD, SUB, MUL, DIV, POW, NEG, RELU, DOT = (
    OP_RULES[name] for name in ("+", "-", "*", "/", "**", "neg", "ReLU", "dot"))


def _check_gradients(order: list[Value]) -> None:
    """Turn an overflow during backward into an error at the node where it first appeared: the
    error of the chain-rule step that made it (``chain_rule_step``), or, if each step was
    finite and only their sum overflowed, an error saying so.

    One summed pass in C finds out whether anything is inf or nan; only then is the graph
    searched, in the order backward() visited it.
    """
    if math.isfinite(sum([node.grad for node in order])):
        return
    for node in reversed(order):
        if not math.isfinite(node.grad):
            users = [user for user in order if any(p is node for p in user._prev)]
            for user in users:  # the step that made it, if one did, says why in its own words
                chain_rule_step(user, user.grad)
            users = sorted({user._op for user in users})
            raise OverflowError(
                f"backward gave a gradient of {node.grad} for {node!r}, an operand of "
                f"{', '.join(users) or 'nothing'}: a gradient overflowed (or a _backward of your "
                f"own made it {node.grad}). Scale the inputs or the loss down, or lower the "
                f"learning rate."
            )


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after all of its operands (``root`` last).

    Iterative depth-first search, so a chain of a million nodes needs no recursion.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    # Bound methods save an attribute lookup per node: this loop runs once per node per pass.
    pop, push, push_all, mark, place = stack.pop, stack.append, stack.extend, visited.add, order.append
    seen, all_seen = visited.__contains__, visited.issuperset
    while stack:
        node = pop()
        if node is None:  # every operand of the node below this marker is placed
            place(pop())
        elif node not in visited:
            mark(node)
            a, b = node._a, node._b  # see Value.__slots__
            if b is not None:  # a binary op: the node, its marker and both operands at once
                push_all((node, None, a, b))
            elif a is None:  # a leaf
                place(node)
            elif a.__class__ is tuple:
                # A wide node (a neuron's weighted sum) mostly reads values already placed, such
                # as weights shared by every example: check them all in one C call, and push only
                # the unplaced ones, filtered in C, not one by one here.
                if all_seen(a):
                    place(node)
                else:
                    push(node)
                    push(None)
                    push_all(filterfalse(seen, a))
            else:  # a unary op
                push_all((node, None, a))
    return order


def operands_first(root: Any, operands: Callable[[Any], Sequence],
                   keep: set | None = None) -> list:
    """Every node ``root`` depends on, each after its ``operands(node)`` (``root`` last), for a
    graph of any kind of node: a node's operands are visited in their order, so its first
    operand's inputs come first. With ``keep`` (a set), only the nodes in it are followed.
    Iterative, like topological_order, which is the fast one for Values."""
    order: list = []
    placed: set = set()
    stack: list = [(root, False)]
    while stack:
        node, operands_placed = stack.pop()
        if operands_placed:
            order.append(node)
        elif node not in placed:
            placed.add(node)
            stack.append((node, True))
            stack.extend((operand, False) for operand in reversed(operands(node))
                         if keep is None or operand in keep)
    return order


def _as_values(values: Iterable[Value | float]) -> tuple[Value, ...]:
    """The values as a tuple of Values; plain numbers become constant leaves."""
    values = tuple(values)
    if operator.countOf(map(type, values), Value) == len(values):  # the usual case, checked at C speed
        return values
    return tuple(v if isinstance(v, Value) else Value(v) for v in values)


def sum_values(values: Iterable[Value | float]) -> Value:
    """a1 + a2 + ... + an as one node with n operands (Python's ``sum`` makes n nodes)."""
    operands = _as_values(values)
    if not operands:
        raise ValueError("sum_values needs at least one value, got none.")
    return Value._apply(OP_RULES["sum"], operands)


def dot(weights: Sequence[Value | float], inputs: Sequence[Value | float],
        bias: Value | float | None = None) -> Value:
    """w1*x1 + ... + wn*xn (+ bias) as one node: a neuron's weighted sum without 2n intermediate
    nodes. Its operands are the weights, then the inputs, then the bias if one is given."""
    return dots([weights], inputs, [bias])[0]


def dots(weight_rows: Sequence[Sequence[Value | float]], inputs: Sequence[Value | float],
         biases: Sequence[Value | float | None] | None = None) -> list[Value]:
    """``dot(weights, inputs, bias)`` for every row of weights (and its bias): the weighted sums of
    a layer of neurons that all read the same inputs. Each is its own node; the inputs' numbers
    are read once for all of them."""
    return batch_dots(weight_rows, [inputs], biases)[0]


def batch_dots(weight_rows: Sequence[Sequence[Value | float]],
               batch: Sequence[Sequence[Value | float]],
               biases: Sequence[Value | float | None] | None = None) -> list[list[Value]]:
    """``dots(weight_rows, inputs, biases)`` for every ``inputs`` in ``batch``: a layer's weighted
    sums for a batch of examples, the same nodes as one call per example. The weights' numbers
    are read once for the whole batch (they are the same for every example), each example's
    inputs once for all rows."""
    biases = [None] * len(weight_rows) if biases is None else biases
    if len(biases) != len(weight_rows):
        raise ValueError(f"dots needs one bias per row of weights, got {len(weight_rows)} rows "
                         f"and {len(biases)} biases.")
    rows = []
    for weights, bias in zip(weight_rows, biases):
        # Reading the numbers also checks, in the same pass, that every weight is a Value.
        weight_data = [w.data for w in weights if w.__class__ is Value]
        if len(weight_data) != len(weights):  # some are plain numbers: make them constants
            weights = _as_values(weights)
            weight_data = [w.data for w in weights]
        # Each row keeps its bias as the operands it adds after the inputs: none, or the bias.
        if bias is None:
            rows.append((weights, weight_data, (), 0.0))
        else:
            bias = bias if isinstance(bias, Value) else Value(bias)
            rows.append((weights, weight_data, (bias,), bias.data))
    sizes = {len(weights) for weights, _, _, _ in rows}
    sums = []
    for inputs in batch:
        inputs = _as_values(inputs)
        if len(sizes) > 1 or len(inputs) not in sizes or not inputs:  # find the row that differs
            for weights, _, _, _ in rows:
                if len(weights) != len(inputs) or not inputs:
                    raise ValueError(
                        f"dot needs two equally long, non-empty sequences, got {len(weights)} "
                        f"weights and {len(inputs)} inputs."
                    )
        input_data = [x.data for x in inputs]
        sums.append([_record(_weighted_sum(weight_data, input_data, bias_data), DOT,
                             (*weights, *inputs, *bias_operands))
                     for weights, weight_data, bias_operands, bias_data in rows])
    return sums


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    The same chain-rule steps as backward() (``chain_rule_step``), so the same numbers and the
    same errors. With ``create_graph=True`` the gradients are Values with graphs of their own, so
    they can be differentiated again (second derivatives).
    """
    gradients: dict[Value, object] = {output: Value(1.0) if create_graph else 1.0}
    for node in reversed(topological_order(output)):
        upstream_grad = gradients.get(node)
        if upstream_grad is None or node._a is None:  # not reached, or a leaf
            continue
        _, contributions = chain_rule_step(node, upstream_grad, create_graph)
        for operand, contribution in zip(_operands(node._a, node._b), contributions):
            previous = gradients.get(operand)
            try:
                total = contribution if previous is None else previous + contribution
            except (ArithmeticError, ValueError):  # two Values that add up to an overflow
                total = math.inf
            if not math.isfinite(_data(total)):
                raise OverflowError(
                    f"grad through {_show_call(node._op, node._prev)}: the gradient reaching "
                    f"{operand!r} overflowed. Scale the inputs or the output down."
                )
            gradients[operand] = total
    zero = Value(0.0) if create_graph else 0.0
    return [gradients.get(x, zero) for x in inputs]
