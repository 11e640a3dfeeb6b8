"""Numerical derivative checks: compare backward() with central differences.

The central difference (f(x + h) - f(x - h)) / 2h has an error of order h^2, so with h = 1e-6 it
agrees with an exact gradient to about 1e-8 for smooth functions of moderate size.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

from .engine import Value, no_grad

__all__ = ["numerical_gradient", "gradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """backward() and the numerical derivative disagree for some input."""


def numerical_gradient(fn: Callable[..., Value], inputs: Sequence[Value], h: float = 1e-6) -> list[float]:
    """d fn / d input for each input, by central differences (inputs are restored afterwards)."""
    _check_step(h)
    gradients = []
    with no_grad():
        for x in inputs:
            original = x.data
            try:
                x.data = original + h
                above = fn(*inputs).data
                x.data = original - h
                below = fn(*inputs).data
            finally:
                x.data = original
            gradients.append((above - below) / (2.0 * h))
    return gradients


def _check_step(h: float) -> None:
    if not (isinstance(h, (int, float)) and not isinstance(h, bool) and 0.0 < h < math.inf):
        raise ValueError(
            f"the step h must be a positive finite number (1e-6 suits most functions), got {h!r}: "
            f"central differences divide by 2h."
        )


def gradcheck(fn: Callable[..., Value], inputs: Sequence[Value], h: float = 1e-6,
              rtol: float = 1e-5, atol: float = 1e-7) -> bool:
    """Check backward() of ``fn(*inputs)`` against central differences.

    Returns True when every input agrees within ``atol + rtol * |numerical|``; otherwise raises
    GradcheckError naming the input and both numbers. Leaves ``.grad`` of the inputs as they were.
    """
    _check_step(h)
    inputs = list(inputs)
    for position, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(
                f"gradcheck needs Values as inputs; input {position} is {type(x).__name__}: {x!r}"
            )
    saved = [x.grad for x in inputs]
    try:
        for x in inputs:
            x.grad = 0.0
        fn(*inputs).backward()
        analytic = [x.grad for x in inputs]
    finally:
        for x, previous in zip(inputs, saved):
            x.grad = previous
    numerical = numerical_gradient(fn, inputs, h)
    for position, (x, exact, estimate) in enumerate(zip(inputs, analytic, numerical)):
        if abs(exact - estimate) > atol + rtol * abs(estimate):
            name = f"{x.label!r} " if x.label else ""
            raise GradcheckError(
                f"gradient of input {position} {name}(data={x.data!r}) disagrees: backward() gave "
                f"{exact!r}, central differences gave {estimate!r} (difference "
                f"{abs(exact - estimate):.3g}, allowed {atol + rtol * abs(estimate):.3g})."
            )
    return True
