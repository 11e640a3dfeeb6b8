"""The training loop: forward, loss, backward, step, epoch after epoch, with a record of it all.

    from micrograd_plus.nn import MLP
    from micrograd_plus.data import make_moons
    from micrograd_plus.optim import SGD
    from micrograd_plus.train import fit

    X, y = make_moons(100, noise=0.1)
    model = MLP(2, [16, 16, 1], seed=1)
    history = fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=100)
    print(history)
"""

from __future__ import annotations

import gc
import math
import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, Callable, Iterator, Sequence, Union

from tqdm.auto import tqdm

from . import batched
from .engine import Value, no_grad
from .losses import LOSSES, l2 as l2_penalty
from .nn import batch_outputs
from .optim import Adam, Optimizer

__all__ = ["History", "fit", "train_step", "predict", "accuracy", "Callback"]

LossFunction = Callable[[list, list], Value]
Callback = Callable[[int, "History", Any], Union[bool, None]]
"""Called as ``callback(epoch, history, model)`` after each epoch; returning True stops training."""


@dataclass
class History:
    """What happened in each epoch of ``fit``: the lists line up with ``epochs`` (1, 2, ...).

    ``train_loss`` / ``train_accuracy`` are measured on each batch as it is trained on (before
    its update) and averaged over the epoch; ``val_loss`` / ``val_accuracy`` on the validation
    data after the epoch. Accuracies stay empty when the targets are not class labels
    (regression) and validation lists stay empty without validation data. ``stop_reason`` says
    why training ended early, if it did.
    """

    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    stop_reason: str | None = None

    def __str__(self) -> str:
        columns = [("epoch", self.epochs, "{:d}".format), ("train_loss", self.train_loss, _show_loss),
                   ("train_acc", self.train_accuracy, "{:.1%}".format),
                   ("val_loss", self.val_loss, _show_loss), ("val_acc", self.val_accuracy, "{:.1%}".format)]
        columns = [(name, values, show) for name, values, show in columns if values]
        if not self.epochs:
            return "History: no epochs yet"
        # At most about a dozen rows, evenly spread, always with the first and the last epoch.
        every = max(1, math.ceil(len(self.epochs) / 10))
        rows = sorted({*range(0, len(self.epochs), every), len(self.epochs) - 1})
        lines = ["  ".join(f"{name:>10}" for name, _, _ in columns)]
        for i in rows:
            lines.append("  ".join(f"{show(values[i]):>10}" for _, values, show in columns))
        if self.stop_reason:
            lines.append(self.stop_reason)
        return "\n".join(lines)


def _show_loss(loss: float) -> str:
    return f"{loss:.4f}" if abs(loss) < 1e5 else f"{loss:.3e}"


_LOSS_ALIASES = {"bce": "binary_cross_entropy_with_logits"}


def _loss_function(loss: str | LossFunction) -> tuple[LossFunction, str]:
    if callable(loss):
        return loss, getattr(loss, "__name__", "loss")
    loss = _LOSS_ALIASES.get(loss, loss)
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; choose one of {', '.join(map(repr, LOSSES))} "
                         f"or pass a function (outputs, targets) -> Value.")
    return LOSSES[loss], loss


def _is_class_label(target: object) -> bool:
    return isinstance(target, Integral) and not isinstance(target, bool)


def _numbers(output: Value | Sequence[Value]) -> float | list[float]:
    """A model's output as plain numbers: one for a single output, a list for several."""
    if isinstance(output, (list, tuple)):
        return [o.data if isinstance(o, Value) else o for o in output]
    return output.data if isinstance(output, Value) else output


def _decide(scores: float | list[float], threshold: float) -> int:
    """The class a model's output (as ``_numbers``) stands for: the largest score among several,
    else 1 when the single output exceeds ``threshold``."""
    if isinstance(scores, list):
        return max(range(len(scores)), key=scores.__getitem__)
    return 1 if scores > threshold else 0


def _threshold(model, example: Sequence[float], loss_name: str | None, targets: Sequence) -> float:
    """Where a single output splits class 0 from class 1: 0.5 for a probability (the model ends
    in a sigmoid) or a regression onto 0/1 labels, otherwise 0 (the sign of a score or logit)."""
    probe = model(example)  # recorded, so that its last op can be read (no_grad records none)
    if isinstance(probe, Value) and probe._op == "sigmoid":
        return 0.5
    if loss_name == "mse" and set(targets) <= {0, 1}:
        return 0.5
    return 0.0


def _as_class(label: int) -> int:
    return 0 if label == -1 else label  # micrograd's moons demo labels the classes -1 and +1


def _count_correct(scores: list, targets: Sequence, threshold: float) -> int:
    return sum(_decide(s, threshold) == _as_class(t) for s, t in zip(scores, targets))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one training step, then back as it was.

    The engine's graphs hold no reference cycles (reference counting frees them), so a
    collection during a step has nothing of ours to free, yet the older generations' ones walk
    every object the process holds: with PyTorch imported (a large heap, as in a notebook)
    micrograd's demo took 3.2-3.5 s with them and 2.1-2.5 s without. A step frees its graph
    before the collector resumes (had it survived, the next collection would walk it all).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _forward_backward_step(model, X: Sequence, y: Sequence, loss_fn: LossFunction,
                           optimizer: Optimizer, l2: float, rows=None) -> tuple[float, list]:
    """One step of gradient descent; returns the loss before the update and the outputs as
    numbers. It takes the batched path (one graph for the whole batch) where that applies, with
    ``rows``, X as a numpy array, if the caller has it. The step's graph is freed before the
    collector resumes, so it never walks it."""
    with _collector_paused():
        done = batched.step(model, X if rows is None else rows, y, loss_fn, optimizer, l2)
        if done is not None:
            loss_number, numbers = done
            return loss_number, numbers.tolist()
        outputs = batch_outputs(model, X)
        loss = loss_fn(outputs, list(y))
        if l2:
            loss = loss + l2 * l2_penalty(optimizer.params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scores = [_numbers(output) for output in outputs]
        loss_number = loss.data
        del outputs, loss
    return loss_number, scores


def train_step(model, X: Sequence, y: Sequence, loss: str | LossFunction, optimizer: Optimizer,
               l2: float = 0.0) -> float:
    """One step of gradient descent on the examples ``X``: forward, loss (plus ``l2`` times the
    sum of squared parameters), zero the gradients, backward, update. Returns the loss before
    the update."""
    loss_fn, _ = _loss_function(loss)
    return _forward_backward_step(model, X, y, loss_fn, optimizer, l2)[0]


def _diverged_message(epoch: int, optimizer: Optimizer) -> str:
    return (f"Training stopped at epoch {epoch}: the loss became infinite or not a number (a value "
            f"outgrew the float range). The steps overshoot; try a smaller learning rate (it is "
            f"{optimizer.lr:g} now), for example a tenth of it.")


def _parameters_finite(optimizer: Optimizer) -> bool:
    return all(math.isfinite(p.data) for p in optimizer.params)


def fit(model, X: Sequence[Sequence[float]], y: Sequence, loss: str | LossFunction = "hinge",
        optimizer: Optimizer | None = None, epochs: int = 100, batch_size: int | None = None,
        validation: tuple[Sequence, Sequence] | None = None, callbacks: Sequence[Callback] = (),
        progress: bool = True, seed: int = 0, l2: float = 0.0) -> History:
    """Train ``model`` on ``(X, y)`` for ``epochs`` passes and return the History.

    ``loss`` is a name ('hinge', 'mse', 'binary_cross_entropy', 'binary_cross_entropy_with_logits'
    (alias 'bce'), 'cross_entropy') or a function ``(outputs, targets) -> Value``; ``l2`` adds
    ``l2 * sum(p^2)`` over the parameters, as in micrograd's demo. The optimizer defaults to
    ``Adam(model.parameters(), lr=0.01)``. With ``batch_size`` each epoch is a pass over the data
    in shuffled mini-batches (seeded); without, one full-batch step per epoch. After each epoch
    every callback is called as ``callback(epoch, history, model)``; one that returns True stops
    training. A progress bar shows the loss (``progress=False`` hides it). If the loss or a
    parameter overflows, training stops with a message in ``history.stop_reason``. Python's
    cyclic garbage collector is paused during each step (the graphs have no cycles to collect).
    """
    if len(X) != len(y) or not X:
        raise ValueError(f"fit needs as many targets as examples (at least one), got {len(X)} "
                         f"examples and {len(y)} targets.")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a whole number >= 0, got {epochs!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or batch_size < 1):
        raise ValueError(f"batch_size must be a positive int or None (full batch), got {batch_size!r}")
    loss_fn, loss_name = _loss_function(loss)
    optimizer = optimizer if optimizer is not None else Adam(model.parameters(), lr=0.01)
    # Accuracy needs class labels; mse on other whole numbers is a regression, not a vote.
    classifying = all(map(_is_class_label, y)) and (loss_name != "mse" or set(y) <= {-1, 0, 1})
    threshold = _threshold(model, X[0], loss_name, y) if classifying else 0.0
    if validation is not None:
        X_val, y_val = validation
        if len(X_val) != len(y_val) or not X_val:
            raise ValueError(f"validation must be (X_val, y_val) of equal, non-zero length, got "
                             f"{len(X_val)} examples and {len(y_val)} targets.")
    # The examples as one array, made once, for the batched path's steps (None: scalar path).
    rows = batched._examples(X) if batched.can_batch(model) else None
    rng = random.Random(seed)
    order = list(range(len(X)))
    size = batch_size or len(X)
    history = History()
    bar = tqdm(total=epochs, desc="fit", unit="epoch", disable=not progress, leave=True)
    try:
        for epoch in range(1, epochs + 1):
            if batch_size:
                rng.shuffle(order)
            total_loss, correct = 0.0, 0
            try:
                for start in range(0, len(order), size):
                    batch = order[start:start + size]
                    X_batch, y_batch = [X[i] for i in batch], [y[i] for i in batch]
                    batch_loss, scores = _forward_backward_step(
                        model, X_batch, y_batch, loss_fn, optimizer, l2,
                        rows=None if rows is None else rows[batch] if batch_size else rows)
                    total_loss += batch_loss * len(batch)
                    if classifying:
                        correct += _count_correct(scores, y_batch, threshold)
                if validation is not None:
                    val_loss, val_correct = _evaluate(model, X_val, y_val, loss_fn, threshold)
                diverged = not math.isfinite(total_loss) or not _parameters_finite(optimizer)
            except OverflowError:  # the engine refuses to make an inf or nan Value
                diverged = True
            if diverged:
                history.stop_reason = _diverged_message(epoch, optimizer)
                bar.write(history.stop_reason)
                break
            history.epochs.append(epoch)
            history.train_loss.append(total_loss / len(X))
            if classifying:
                history.train_accuracy.append(correct / len(X))
            if validation is not None:
                history.val_loss.append(val_loss)
                if classifying:
                    history.val_accuracy.append(val_correct / len(X_val))
            bar.set_postfix(_postfix(history), refresh=False)
            bar.update(1)
            stopped_by = [cb for cb in callbacks if cb(epoch, history, model)]
            if stopped_by:
                name = getattr(stopped_by[0], "__name__", repr(stopped_by[0]))
                history.stop_reason = f"Stopped by callback {name} after epoch {epoch}."
                break
    finally:
        bar.close()
    return history


def _postfix(history: History) -> dict[str, str]:
    shown = {"loss": _show_loss(history.train_loss[-1])}
    if history.train_accuracy:
        shown["acc"] = f"{history.train_accuracy[-1]:.0%}"
    if history.val_loss:
        shown["val_loss"] = _show_loss(history.val_loss[-1])
    return shown


def _evaluate(model, X: Sequence, y: Sequence, loss_fn: LossFunction, threshold: float) -> tuple[float, int]:
    done = batched.evaluate(model, X, y, loss_fn)
    if done is not None:
        loss, numbers = done
        return loss, _count_correct(numbers.tolist(), y, threshold)
    with no_grad():
        outputs = batch_outputs(model, X)
        loss = loss_fn(outputs, list(y)).data
    correct = _count_correct([_numbers(output) for output in outputs], y, threshold)
    return loss, correct


def predict(model, X: Sequence[Sequence[float]]) -> list[int]:
    """The class index the model picks for each example: the largest output when it has several;
    with one output, 1 when it is > 0 (a score or logit), or > 0.5 when it is a sigmoid's
    probability. A Perceptron answers with its own step function."""
    if hasattr(model, "predict") and not isinstance(model, type):
        return [model.predict(x) for x in X]
    if not X:
        return []
    threshold = _threshold(model, X[0], None, ())
    numbers = batched.outputs(model, X)
    if numbers is not None:
        decided = (numbers > threshold) if numbers.ndim == 1 else numbers.argmax(axis=1)
        return decided.astype(int).tolist()
    with no_grad():
        outputs = batch_outputs(model, X)
    return [_decide(_numbers(output), threshold) for output in outputs]


def accuracy(model, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    """The fraction of examples whose predicted class equals the label (-1/+1 labels are read
    as 0/1)."""
    if len(X) != len(y) or not X:
        raise ValueError(f"accuracy needs as many labels as examples (at least one), got {len(X)} "
                         f"examples and {len(y)} labels.")
    return sum(p == _as_class(t) for p, t in zip(predict(model, X), y)) / len(X)
