"""A Value class of the kind a learner writes following the "build micrograd" lecture, for the
tests of pictures and stepping of a learner's own class (written here, not copied).

Its operands are kept in a set, each op's chain rule is a closure stored in ``_backward``, and
one op (``sin``) is one the engine's op table does not have.
"""

from __future__ import annotations

import math


class OwnValue:
    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"OwnValue(data={self.data})"

    @staticmethod
    def _wrap(other):
        return other if isinstance(other, OwnValue) else OwnValue(other)

    def __add__(self, other):
        other = self._wrap(other)
        out = OwnValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = OwnValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, exponent):
        out = OwnValue(self.data ** exponent, (self,), f"**{exponent}")

        def _backward():
            self.grad += exponent * self.data ** (exponent - 1) * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def __truediv__(self, other):
        return self * self._wrap(other) ** -1

    __radd__ = __add__
    __rmul__ = __mul__

    def tanh(self):
        # the lecture's way: tanh written with exp (differs from math.tanh in the last digits)
        e = math.exp(2 * self.data)
        t = (e - 1) / (e + 1)
        out = OwnValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        out = OwnValue(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def sin(self):
        out = OwnValue(math.sin(self.data), (self,), "sin")

        def _backward():
            self.grad += math.cos(self.data) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for child in node._prev:
                    visit(child)
                order.append(node)
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def lecture_neuron(value_class):
    """o = tanh(x1*w1 + x2*w2 + b), the lecture's neuron, with every value labelled, plus a
    sin and a reuse of x1 so that every kind of step appears: o2 = o * sin(x1)."""
    x1, x2 = value_class(2.0, label="x1"), value_class(0.0, label="x2")
    w1, w2 = value_class(-3.0, label="w1"), value_class(1.0, label="w2")
    b = value_class(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    s = x1.sin()
    s.label = "s"
    out = o * s
    out.label = "out"
    return {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n, "o": o, "s": s, "out": out}
