"""Optimizers: turn each parameter's gradient into a step that lowers the loss.

Each follows torch.optim's update rule exactly (same formulas, same order), so the same model,
data and settings give the same parameters after any number of steps.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Iterable

from .engine import Value

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]


def _check(name: str, value: float, high: float | None = None, positive: bool = False) -> float:
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if not (ok and (value > 0.0 if positive else value >= 0.0) and (high is None or value < high)):
        bound = ("> 0.0" if positive else ">= 0.0") + (f" and < {high}" if high is not None else "")
        raise ValueError(f"{name} must be a number {bound}, got {value!r}")
    return float(value)


def _check_finite(optimizer: Optimizer, new_data: list[float]) -> None:
    """Refuse an update that would make a parameter inf or nan, before anything changes (one
    summed pass in C in the usual case, then a search only if that sum is not finite)."""
    if math.isfinite(sum(new_data)):
        return
    for i, (p, data) in enumerate(zip(optimizer.params, new_data)):
        if not math.isfinite(data):
            raise OverflowError(
                f"{type(optimizer).__name__}.step would make parameter {i} ({p!r}) {data}: the "
                f"step overflowed. Nothing was changed; lower the learning rate (it is "
                f"{optimizer.lr:g}) or scale the inputs or the loss down."
            )


class Optimizer:
    """Holds the parameters and the learning rate ``lr`` (settable between steps, e.g. to decay it)."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        if isinstance(params, Value) or not hasattr(params, "__iter__"):
            raise TypeError(f"{type(self).__name__} needs a list of Values such as "
                            f"model.parameters(), got {params!r}")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got no parameters; pass model.parameters().")
        wrong = [p for p in self.params if not isinstance(p, Value)]
        if wrong:
            raise TypeError(f"{type(self).__name__} optimizes Values; got {wrong[0]!r}. "
                            f"Pass model.parameters().")
        if len({id(p) for p in self.params}) != len(self.params):
            first = next(i for i, p in enumerate(self.params) if any(q is p for q in self.params[:i]))
            raise ValueError(f"{type(self).__name__} got {self.params[first]!r} more than once (at "
                             f"position {first}); each step would move it several times. Pass each "
                             f"parameter once, e.g. model.parameters().")
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate: how far each step moves along the (processed) gradient."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check("lr", value)

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 before the next backward()."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter using its current ``.grad``. All or nothing: a step that would
        make a parameter inf or nan raises OverflowError and changes nothing."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr:g}, {len(self.params)} parameters)"


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD`` (no dampening, no Nesterov):

        g = grad + weight_decay * p
        v = g on the first step, then v = momentum * v + g     (only if momentum > 0)
        p = p - lr * v                                          (v = g without momentum)
    """

    def __init__(self, params: Iterable[Value], lr: float = 0.1, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _check("momentum", momentum, high=1.0)
        self.weight_decay = _check("weight_decay", weight_decay)
        self.velocity: list[float] | None = None

    def step(self) -> None:
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        params = self.params
        if weight_decay:
            gradients = [p.grad + weight_decay * p.data for p in params]
        else:
            gradients = [p.grad for p in params]
        velocity = gradients
        if momentum != 0.0 and self.velocity is not None:
            velocity = [momentum * v + g for v, g in zip(self.velocity, gradients)]
        new_data = [p.data - lr * v for p, v in zip(params, velocity)]
        _check_finite(self, new_data)
        if momentum != 0.0:
            self.velocity = velocity
        for p, data in zip(params, new_data):
            p.data = data


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``. At step t, with g = grad + weight_decay * p:

        m = beta1 * m + (1 - beta1) * g             running mean of the gradient
        v = beta2 * v + (1 - beta2) * g^2           running mean of its square
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    so each parameter's step is about ``lr`` whatever the scale of its gradient.
    """

    decoupled = False

    def __init__(self, params: Iterable[Value], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check("beta1", betas[0], high=1.0), _check("beta2", betas[1], high=1.0))
        self.eps = _check("eps", eps, positive=True)  # it keeps the step finite where v is 0
        self.weight_decay = _check("weight_decay", weight_decay)
        self.steps = 0
        self.mean = [0.0] * len(self.params)
        self.mean_square = [0.0] * len(self.params)

    def step(self) -> None:
        steps = self.steps + 1
        beta1, beta2 = self.betas
        lr, eps, weight_decay = self.lr, self.eps, self.weight_decay
        step_size = lr / (1.0 - beta1 ** steps)
        root_correction = math.sqrt(1.0 - beta2 ** steps)
        params = self.params
        decay = weight_decay and not self.decoupled
        shrink = 1.0 - lr * weight_decay if weight_decay and self.decoupled else 1.0
        gradients = [p.grad + weight_decay * p.data for p in params] if decay else [p.grad for p in params]
        mean = [beta1 * m + (1.0 - beta1) * g for m, g in zip(self.mean, gradients)]
        mean_square = [beta2 * v + (1.0 - beta2) * g * g for v, g in zip(self.mean_square, gradients)]
        new_data = [p.data * shrink - step_size * m / (math.sqrt(v) / root_correction + eps)
                    for p, m, v in zip(params, mean, mean_square)]
        _check_finite(self, new_data)
        self.steps, self.mean, self.mean_square = steps, mean, mean_square
        for p, data in zip(params, new_data):
            p.data = data


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``:
    first ``p = p * (1 - lr * weight_decay)``, then Adam's step on the plain gradient."""

    decoupled = True

    def __init__(self, params: Iterable[Value], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)
