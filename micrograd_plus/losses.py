"""Loss functions: one number that says how wrong a model is, to be made smaller.

Each loss takes the model's outputs for a batch of examples and the targets, and returns one
Value, the mean over the examples, whose backward() gives every parameter its gradient. Sums over
many terms are single n-ary nodes (``sum_values``, ``dot``), so the graph stays small. Each one
equals its PyTorch counterpart (named in the docstring) in value and gradient.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Sequence, Union

from .engine import Value, _as_values, dot, sum_values

__all__ = ["mse", "binary_cross_entropy", "binary_cross_entropy_with_logits", "hinge",
           "cross_entropy", "l2", "LOSSES"]

Scalar = Union[Value, float]


def _scalars(outputs: Sequence, who: str) -> tuple[Value, ...]:
    """One output per example, as Values: accepts a list of Values or numbers, or of one-element
    lists of them."""
    if isinstance(outputs, Value) or not hasattr(outputs, "__len__"):
        raise TypeError(f"{who} takes a list with one output per example, got {outputs!r}")
    scalars = []
    for i, out in enumerate(outputs):
        if isinstance(out, (list, tuple)):
            if len(out) != 1:
                raise ValueError(
                    f"{who} needs one output per example, but example {i} has {len(out)}; "
                    f"use cross_entropy for several classes, or a model with one output."
                )
            out = out[0]
        scalars.append(out)
    return _checked_values(scalars, who, "output")


def _checked_values(items: Sequence, who: str, what: str, of: str = "") -> tuple[Value, ...]:
    """``items`` as Values; a number that cannot be one (nan, inf, not a number) is named with
    the loss and its position, which the engine's own message could not say."""
    try:
        return _as_values(items)
    except (TypeError, ValueError, OverflowError):
        for i, item in enumerate(items):
            _check_number(item, who, what, f"{i}{of}")
        raise


def _check_number(item: object, who: str, what: str, index: int | str) -> None:
    if isinstance(item, Value):
        return
    if isinstance(item, bool) or not isinstance(item, Real):
        raise TypeError(f"{who}: {what} {index} is {item!r}; {what}s must be numbers.")
    if not math.isfinite(item):
        raise ValueError(f"{who}: {what} {index} is {item!r}; {what}s must be finite numbers.")


def _check_batch(outputs: Sequence, targets: Sequence, who: str) -> int:
    if len(outputs) != len(targets):
        raise ValueError(f"{who} got {len(outputs)} outputs but {len(targets)} targets; "
                         f"give one target per example.")
    if not outputs:
        raise ValueError(f"{who} got no examples; give at least one.")
    return len(outputs)


def _unit_target(target, who: str, index: int) -> float:
    """A binary target as a float in [0, 1] (hard 0/1 labels or soft probabilities)."""
    if isinstance(target, Value):
        target = target.data
    elif isinstance(target, bool) or not isinstance(target, Real):
        raise TypeError(f"{who}: target {index} is {target!r}; targets must be numbers.")
    else:
        target = float(target)
    if not 0.0 <= target <= 1.0:
        raise ValueError(f"{who}: target {index} is {target!r}; targets must lie in [0, 1].")
    return target


def mse(predictions: Sequence[Scalar] | Sequence[Sequence[Scalar]],
        targets: Sequence[float] | Sequence[Sequence[float]]) -> Value:
    """Mean squared error, mean over all outputs of (prediction - target)^2.

    PyTorch: ``torch.nn.functional.mse_loss(predictions, targets)``. Several outputs per example
    are allowed (give lists of equal length); the mean is then over every output.
    """
    _check_batch(predictions, targets, "mse")
    differences = []
    for i, (prediction, target) in enumerate(zip(predictions, targets)):
        if isinstance(prediction, (list, tuple)):
            if not isinstance(target, (list, tuple)) or len(target) != len(prediction):
                raise ValueError(f"mse: example {i} has {len(prediction)} outputs but its target "
                                 f"is {target!r}; give one target per output.")
            for t in target:
                _check_number(t, "mse", "target", i)
            differences.extend(p - t for p, t in zip(prediction, target))
        else:
            _check_number(target, "mse", "target", i)
            differences.append(prediction - target)
    # Sum of squares as one dot node: d/d(diff) = 2 * diff, since diff is both weight and input.
    return dot(differences, differences) * (1.0 / len(differences))


def binary_cross_entropy(probabilities: Sequence[Scalar], targets: Sequence[float]) -> Value:
    """-mean(t * log(p) + (1 - t) * log(1 - p)) for probabilities p in (0, 1), targets t in [0, 1].

    PyTorch: ``torch.nn.functional.binary_cross_entropy(p, t)``. The model must output
    probabilities (a sigmoid last); on raw scores use ``binary_cross_entropy_with_logits``,
    which is numerically safer.
    """
    probabilities = _scalars(probabilities, "binary_cross_entropy")
    n = _check_batch(probabilities, targets, "binary_cross_entropy")
    target_weights, log_terms = [], []
    for i, (p, t) in enumerate(zip(probabilities, targets)):
        t = _unit_target(t, "binary_cross_entropy", i)
        if not 0.0 < p.data < 1.0:
            raise ValueError(
                f"binary_cross_entropy: probability {i} is {p.data!r}; it must lie strictly between "
                f"0 and 1 (log(0) is -infinity). Put a sigmoid on the output, or use "
                f"binary_cross_entropy_with_logits on the raw score."
            )
        # Hard 0/1 targets need only one of the two logs: fewer nodes, same value and gradient.
        if t != 0.0:
            target_weights.append(t)
            log_terms.append(p.log())
        if t != 1.0:
            target_weights.append(1.0 - t)
            log_terms.append((1.0 - p).log())
    return dot(target_weights, log_terms) * (-1.0 / n)


def binary_cross_entropy_with_logits(logits: Sequence[Scalar], targets: Sequence[float]) -> Value:
    """binary_cross_entropy(sigmoid(z), t) computed from the raw score z without overflow:

        loss(z, t) = max(z, 0) - z * t + log(1 + exp(-|z|))

    PyTorch: ``torch.nn.functional.binary_cross_entropy_with_logits(z, t)``. Its gradient is
    sigmoid(z) - t (per example, before the mean).
    """
    logits = _scalars(logits, "binary_cross_entropy_with_logits")
    n = _check_batch(logits, targets, "binary_cross_entropy_with_logits")
    slopes, scores, softplus_terms = [], [], []
    for i, (z, t) in enumerate(zip(logits, targets)):
        t = _unit_target(t, "binary_cross_entropy_with_logits", i)
        # The branch on z's sign makes exp() see only -|z| <= 0, and keeps the gradient exact at 0.
        if z.data >= 0.0:
            slopes.append(1.0 - t)
            softplus_terms.append(((-z).exp() + 1.0).log())
        else:
            slopes.append(-t)
            softplus_terms.append((z.exp() + 1.0).log())
        scores.append(z)
    return (dot(slopes, scores) + sum_values(softplus_terms)) * (1.0 / n)


def _signed_labels(targets: Sequence, who: str) -> list[float]:
    labels = set(targets)
    if labels <= {0, 1}:
        return [2.0 * t - 1.0 for t in targets]
    if labels <= {-1, 1}:
        return [float(t) for t in targets]
    raise ValueError(f"{who} takes labels 0/1 or -1/+1 (not a mix of 0 and -1), got "
                     f"{sorted(labels, key=repr)[:6]}")


def hinge(scores: Sequence[Scalar], targets: Sequence[int]) -> Value:
    """The max-margin (SVM) loss, mean(relu(1 - y * score)) with y = -1 or +1.

    Targets may be 0/1 (read as -1/+1) or -1/+1. An example costs nothing once it is on the right
    side with a margin of at least 1. PyTorch: ``torch.relu(1 - y * scores).mean()``.
    """
    scores = _scalars(scores, "hinge")
    n = _check_batch(scores, targets, "hinge")
    signs = _signed_labels(list(targets), "hinge")
    margins = [(score * -y + 1.0).relu() for score, y in zip(scores, signs)]
    return sum_values(margins) * (1.0 / n)


def cross_entropy(logits_per_example: Sequence[Sequence[Scalar]], class_indices: Sequence[int]) -> Value:
    """Softmax cross-entropy, mean over examples of -log(softmax(logits)[target]), i.e.

        log(sum_j exp(z_j)) - z_target,  computed as  m + log(sum_j exp(z_j - m)),  m = max_j z_j

    so that exp() never overflows. PyTorch: ``torch.nn.functional.cross_entropy(logits, target)``.
    """
    n = _check_batch(logits_per_example, class_indices, "cross_entropy")
    log_sum_exps, picked = [], []
    for i, (logits, target) in enumerate(zip(logits_per_example, class_indices)):
        if isinstance(logits, Value) or not hasattr(logits, "__len__") or len(logits) < 2:
            raise ValueError(f"cross_entropy: example {i} has output {logits!r}; it needs a list "
                             f"of at least two scores, one per class.")
        k = len(logits)
        if isinstance(target, bool) or not isinstance(target, Integral) or not 0 <= target < k:
            raise ValueError(f"cross_entropy: class index {i} is {target!r}, but there are {k} "
                             f"scores per example, so it must be an int from 0 to {k - 1}.")
        logits = _checked_values(logits, "cross_entropy", "score", f" of example {i}")
        m = max(z.data for z in logits)
        log_sum_exps.append(sum_values([(z - m).exp() for z in logits]).log() + m)
        picked.append(logits[int(target)])
    return (sum_values(log_sum_exps) - sum_values(picked)) * (1.0 / n)


def l2(parameters: Sequence[Value]) -> Value:
    """The L2 penalty, the sum of squares of the parameters: w1^2 + ... + wn^2.

    Added as ``loss + alpha * l2(model.parameters())`` it pulls every weight towards 0 with
    gradient 2 * alpha * w. PyTorch: ``sum((p ** 2).sum() for p in parameters)``.
    """
    parameters = list(parameters)
    if not parameters:
        raise ValueError("l2 got no parameters; pass model.parameters().")
    return dot(parameters, parameters)


LOSSES = {
    "mse": mse,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "hinge": hinge,
    "cross_entropy": cross_entropy,
}
"""The losses by name, as ``fit(loss=...)`` accepts them."""
