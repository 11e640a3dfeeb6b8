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
import re
import signal
import sys
import threading
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, Callable, Sequence, Union

from tqdm.auto import tqdm

if sys.platform == "emscripten":  # the browser site: no threads, so tqdm's monitor thread would
    tqdm.monitor_interval = 0     # fail at the first progress bar and print a warning about it

try:  # the C functions under signal's wrappers, which convert to enums: 0.4 us, not 46 us, a step
    from _signal import getsignal as _get_handler, signal as _set_handler
except ImportError:  # a Python without CPython's _signal module
    from signal import getsignal as _get_handler, signal as _set_handler

try:
    from . import batched
except ModuleNotFoundError as missing:  # no numpy (the browser site offline): the scalar path
    if missing.name != "numpy":
        raise
    batched = None
from .data import _plain
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
        return scores.index(max(scores))  # the first of equal largest scores
    return 1 if scores > threshold else 0


def _threshold(probe: object, loss_name: str | None, targets: Sequence) -> float:
    """Where a single output splits class 0 from class 1: 0.5 for a probability (the model's
    output ``probe`` for one example, recorded, ends in a sigmoid) or a regression onto 0/1
    labels, otherwise 0 (the sign of a score or logit)."""
    if isinstance(probe, Value) and probe._op == "sigmoid":
        return 0.5
    if loss_name == "mse" and set(targets) <= {0, 1}:
        return 0.5
    return 0.0


def _as_class(label: int) -> int:
    return 0 if label == -1 else label  # micrograd's moons demo labels the classes -1 and +1


def _count_correct(scores: Any, targets: Sequence, threshold: float) -> int:
    # numpy is not imported here (fit runs without it, in the browser offline): the batched
    # path's outputs are an array, one row per example, known by its ndim.
    if hasattr(scores, "ndim"):
        decided = scores > threshold if scores.ndim == 1 else scores.argmax(axis=1)
        return int((decided == [_as_class(t) for t in targets]).sum())
    return sum(_decide(s, threshold) == _as_class(t) for s, t in zip(scores, targets))


class _DeferredInterrupt:
    """A SIGINT handler for one training step: while ``deferring`` it only notes a Ctrl-C
    (raised once the step's changes are complete); otherwise it raises KeyboardInterrupt at once
    and defers any further Ctrl-C, so that putting things back is not itself interrupted."""

    def __init__(self) -> None:
        self.deferring = True
        self.pending = False

    def __call__(self, signum: int, frame: object) -> None:
        if self.deferring:
            self.pending = True
        else:
            self.deferring = True
            raise KeyboardInterrupt


def _take_interrupts(handler: _DeferredInterrupt):
    """Install ``handler`` for Ctrl-C and return the handler it replaces; None (nothing done)
    outside the main thread, which never receives signals, or when someone other than Python
    handles Ctrl-C."""
    if (threading.current_thread() is not threading.main_thread()
            or _get_handler(signal.SIGINT) is not signal.default_int_handler):
        return None
    return _set_handler(signal.SIGINT, handler)


def _forward_backward_step(model, X: Sequence, y: Sequence, loss_fn: LossFunction,
                           optimizer: Optimizer, l2: float, rows=None) -> tuple[float, list]:
    """One step of gradient descent; returns the loss before the update and the outputs as
    numbers. It takes the batched path (one graph for the whole batch) where that applies, with
    ``rows``, X as a numpy array, if the caller has it.

    All or nothing: if anything interrupts the step (Ctrl-C, an error in the loss, a gradient
    or an update that overflows), every parameter's value and gradient and the optimizer's
    state are as they were before it. On the scalar path Ctrl-C is answered at once during
    the forward and backward passes, which change nothing that cannot be put back, and held
    back over the update itself, then raised; the batched path's whole step takes
    milliseconds and is held back as one.

    Python's cyclic garbage collector is off during the step, and back as it was afterwards
    whatever happens: the engine's graphs hold no reference cycles, so a collection during a
    step has nothing of ours to free, yet the older generations' ones walk every object the
    process holds (with PyTorch imported, micrograd's demo took 3.2-3.5 s with them and
    2.1-2.5 s without). The step's graph is freed before the collector resumes.
    """
    params = optimizer.params
    collector_was_enabled = gc.isenabled()
    interrupt = _DeferredInterrupt()
    replaced_handler = _take_interrupts(interrupt)
    try:
        gc.disable()
        grads_before = [p.grad for p in params]
        try:
            done = batched and batched.step(model, X if rows is None else rows, y, loss_fn,
                                            optimizer, l2)
            if done is None:
                interrupt.deferring = False
                if interrupt.pending:
                    raise KeyboardInterrupt
                outputs = batch_outputs(model, X)
                loss = loss_fn(outputs, list(y))
                if l2:
                    loss = loss + l2 * l2_penalty(params)
                optimizer.zero_grad()
                loss.backward()
                interrupt.deferring = True
                optimizer.step()
        except BaseException:
            interrupt.deferring = True
            for p, grad in zip(params, grads_before):
                p.grad = grad
            raise
        if done is not None:
            loss_number, numbers = done
            scores = numbers  # an array: a list per example would be thousands of objects for gc
        else:
            scores = [_numbers(output) for output in outputs]
            loss_number = loss.data
            del outputs, loss
    finally:
        interrupt.deferring = True
        if collector_was_enabled:
            gc.enable()
        if replaced_handler is not None:
            _set_handler(signal.SIGINT, replaced_handler)
    if interrupt.pending:
        raise KeyboardInterrupt
    return loss_number, scores


def _examples(X: Sequence, y: Sequence, who: str, what: str = "targets") -> tuple[list, list]:
    """``X`` and ``y`` as lists of plain Python numbers (numpy arrays, numpy scalars, tuples
    and lists all accepted), checked to be equally long and not empty."""
    X, y = _plain(X), _plain(y)
    if len(X) != len(y) or not X:
        raise ValueError(f"{who} needs as many {what} as examples (at least one), got {len(X)} "
                         f"examples and {len(y)} {what}.")
    return X, y


def _check_optimizer(model, optimizer: Optimizer) -> None:
    """Refuse an optimizer that would train nothing of this model (made for another model)."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an optimizer such as SGD(model.parameters(), lr=0.1), "
                        f"got {optimizer!r}")
    parameters = getattr(model, "parameters", None)
    own = {id(p) for p in parameters()} if callable(parameters) else set()
    if own and own.isdisjoint(map(id, optimizer.params)):
        raise ValueError(f"The optimizer holds none of {model!r}'s parameters (was it made for "
                         f"another model?), so training would change nothing. Make it from this "
                         f"model: SGD(model.parameters(), lr=0.1).")


def _check_l2(l2: float) -> float:
    if isinstance(l2, bool) or not isinstance(l2, Real) or not (math.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 is the weight of the L2 penalty and must be a number >= 0, got {l2!r}")
    return l2


def train_step(model, X: Sequence, y: Sequence, loss: str | LossFunction, optimizer: Optimizer,
               l2: float = 0.0) -> float:
    """One step of gradient descent on the examples ``X``: forward, loss (plus ``l2`` times the
    sum of squared parameters), zero the gradients, backward, update. Returns the loss before
    the update. All or nothing: after an error or Ctrl-C, the parameters (values and gradients)
    and the optimizer are exactly as before the step."""
    X, y = _examples(X, y, "train_step")
    loss_fn, _ = _loss_function(loss)
    _check_optimizer(model, optimizer)
    return _forward_backward_step(model, X, y, loss_fn, optimizer, _check_l2(l2))[0]


def _diverged_message(epoch: int, optimizer: Optimizer, error: Exception | None) -> str:
    if error is None:
        what = "the loss became infinite or not a number (a value outgrew the float range)"
    else:  # an op of a whole layer lists dozens of operands: the first few say enough
        what = re.sub(r"\(([^()]{100,})\)", lambda m: f"({m.group(1)[:60].rsplit(',', 1)[0]}, ...)",
                      str(error).rstrip("."))
    kept = (" The model keeps its parameters from the last complete step."
            if _parameters_finite(optimizer) else "")
    return (f"Training stopped at epoch {epoch}: {what}. The steps overshoot; try a smaller "
            f"learning rate (it is {optimizer.lr:g} now), for example a tenth of it.{kept}")


def _parameters_finite(optimizer: Optimizer) -> bool:
    return all(math.isfinite(p.data) for p in optimizer.params)


def _validation_pair(validation: object, X: list) -> tuple[list, list]:
    """``validation`` as checked lists ``(X_val, y_val)``."""
    if isinstance(validation, (str, bytes)) or not hasattr(validation, "__len__") or len(validation) != 2:
        raise ValueError(f"validation must be a pair (X_val, y_val), such as the test half of "
                         f"train_test_split; got {type(validation).__name__} of length "
                         f"{len(validation) if hasattr(validation, '__len__') else '?'}.")
    X_val, y_val = _examples(*validation, "validation", "targets")
    if hasattr(X[0], "__len__") != hasattr(X_val[0], "__len__") or (
            hasattr(X[0], "__len__") and len(X[0]) != len(X_val[0])):
        raise ValueError(f"validation must be a pair (X_val, y_val) whose examples look like the "
                         f"training examples; the first training example is {X[0]!r} but the "
                         f"first validation example is {X_val[0]!r}.")
    return X_val, y_val


def _check_targets_for(loss_fn: LossFunction, probe: object, y: list) -> None:
    """Let a named loss check every target before training starts, on stand-in outputs shaped
    like the model's (0.5 each, a valid score, probability and logit), so that a bad target
    in a later mini-batch is an error now, not a stop in the middle of training."""
    if loss_fn not in LOSSES.values():
        return
    stand_in = [0.5] * len(probe) if isinstance(probe, (list, tuple)) else 0.5
    # Every output is the same stand-in, so one of each distinct target (with its type: True is
    # not 1 here) checks them all, in a fraction of the time on a big data set; on an error the
    # whole list runs again, so that the message names the target's real index.
    try:
        distinct = list({(type(target), target): target for target in y}.values())
    except TypeError:  # unhashable targets (lists): check them all
        distinct = y
    try:
        loss_fn([stand_in] * len(distinct), distinct)  # recorded, as _evaluate explains
    except (TypeError, ValueError, ArithmeticError):
        if distinct is y:
            raise
        loss_fn([stand_in] * len(y), y)


def fit(model, X: Sequence[Sequence[float]], y: Sequence, loss: str | LossFunction = "hinge",
        optimizer: Optimizer | None = None, epochs: int = 100, batch_size: int | None = None,
        validation: tuple[Sequence, Sequence] | None = None, callbacks: Sequence[Callback] = (),
        progress: bool = True, seed: int = 0, l2: float = 0.0) -> History:
    """Train ``model`` on ``(X, y)`` for ``epochs`` passes and return the History.

    ``X`` and ``y`` may be lists, tuples or numpy arrays (as scikit-learn's data sets return).
    ``loss`` is a name ('hinge', 'mse', 'binary_cross_entropy', 'binary_cross_entropy_with_logits'
    (alias 'bce'), 'cross_entropy') or a function ``(outputs, targets) -> Value``; ``l2`` adds
    ``l2 * sum(p^2)`` over the parameters, as in micrograd's demo. The optimizer defaults to
    ``Adam(model.parameters(), lr=0.01)``. With ``batch_size`` each epoch is a pass over the data
    in shuffled mini-batches (seeded); without, one full-batch step per epoch. After each epoch
    every callback is called as ``callback(epoch, history, model)``; one that returns True stops
    training. A progress bar shows the loss (``progress=False`` hides it).

    If training diverges (after at least one step: a value overflows, a log or a division
    fails, a probability saturates), it stops with a message in ``history.stop_reason`` naming
    the epoch, what failed and a remedy (printed too when ``progress`` is on), and the model
    keeps its parameters from the last complete step. An error in the first step is raised: it
    comes from the data, the model or the arguments, not from training. Every step is all or
    nothing (see ``train_step``): Ctrl-C stops training with the model and the optimizer
    exactly as after the last complete step. Python's cyclic garbage collector is paused during
    each step (the graphs have no cycles to collect) and is back as it was afterwards.
    """
    X, y = _examples(X, y, "fit")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a whole number >= 0, got {epochs!r}")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                   or batch_size < 1):
        raise ValueError(f"batch_size must be a positive int or None (full batch), got {batch_size!r}")
    _check_l2(l2)
    loss_fn, loss_name = _loss_function(loss)
    optimizer = optimizer if optimizer is not None else Adam(model.parameters(), lr=0.01)
    _check_optimizer(model, optimizer)
    if validation is not None:
        X_val, y_val = _validation_pair(validation, X)
    probe = model(X[0])  # recorded, so that its last op can be read (no_grad records none)
    _check_targets_for(loss_fn, probe, y)
    if validation is not None:
        _check_targets_for(loss_fn, probe, y_val)
    # Accuracy needs class labels; mse on other whole numbers is a regression, not a vote.
    classifying = all(map(_is_class_label, y)) and (loss_name != "mse" or set(y) <= {-1, 0, 1})
    threshold = _threshold(probe, loss_name, y) if classifying else 0.0
    del probe
    # The examples as one array, made once, for the batched path's steps (None: scalar path).
    rows = batched._examples(X) if batched and batched.can_batch(model) else None
    rng = random.Random(seed)
    order = list(range(len(X)))
    size = batch_size or len(X)
    history = History()
    steps_done = 0
    bar = tqdm(total=epochs, desc="fit", unit="epoch", disable=not progress, leave=True)
    try:
        for epoch in range(1, epochs + 1):
            if batch_size:
                rng.shuffle(order)
            total_loss, correct = 0.0, 0
            failure = None
            try:
                for start in range(0, len(order), size):
                    batch = order[start:start + size]
                    X_batch, y_batch = [X[i] for i in batch], [y[i] for i in batch]
                    batch_loss, scores = _forward_backward_step(
                        model, X_batch, y_batch, loss_fn, optimizer, l2,
                        rows=None if rows is None else rows[batch] if batch_size else rows)
                    steps_done += 1
                    total_loss += batch_loss * len(batch)
                    if classifying:
                        correct += _count_correct(scores, y_batch, threshold)
                if validation is not None:
                    val_loss, val_correct = _evaluate(model, X_val, y_val, loss_fn, threshold)
                diverged = not math.isfinite(total_loss) or not _parameters_finite(optimizer)
            except (ArithmeticError, ValueError) as error:  # e.g. the engine refused an inf or nan
                if not steps_done:
                    raise
                diverged, failure = True, error
            if diverged:
                history.stop_reason = _diverged_message(epoch, optimizer, failure)
                if progress:
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
    done = batched and batched.evaluate(model, X, y, loss_fn)
    if done is not None:
        loss, numbers = done
        return loss, _count_correct(numbers, y, threshold)
    # Recorded rather than inside no_grad(): Ctrl-C landing as no_grad's generator switches
    # recording off, before its with-block starts, would leave it off. The graph is freed here.
    outputs = batch_outputs(model, X)
    loss = loss_fn(outputs, list(y)).data
    correct = _count_correct([_numbers(output) for output in outputs], y, threshold)
    return loss, correct


def _predictions(model, X: list) -> tuple[list[int], int]:
    """The class the model picks for each example, and how many classes it has (2 for one
    output or a Perceptron, k for k outputs)."""
    if hasattr(model, "predict") and not isinstance(model, type):
        return [model.predict(x) for x in X], 2
    probe = model(X[0])
    threshold = _threshold(probe, None, ())
    classes = len(probe) if isinstance(probe, (list, tuple)) else 2
    numbers = batched and batched.outputs(model, X)
    if numbers is not None:
        decided = (numbers > threshold) if numbers.ndim == 1 else numbers.argmax(axis=1)
        return decided.astype(int).tolist(), classes
    with no_grad():
        outputs = batch_outputs(model, X)
    return [_decide(_numbers(output), threshold) for output in outputs], classes


def predict(model, X: Sequence[Sequence[float]]) -> list[int]:
    """The class index the model picks for each example: the largest output when it has several;
    with one output, 1 when it is > 0 (a score or logit), or > 0.5 when it is a sigmoid's
    probability. A Perceptron answers with its own step function. ``X`` may be a list or a
    numpy array."""
    X = _plain(X)
    if not len(X):
        return []
    return _predictions(model, X)[0]


def accuracy(model, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    """The fraction of examples whose predicted class equals the label (-1/+1 labels are read
    as 0/1). Labels that are not classes of the model (2 for a model with one output) are an
    error, not a miss."""
    X, y = _examples(X, y, "accuracy", "labels")
    predictions, classes = _predictions(model, X)
    labels = set(y)
    allowed = [{0, 1}, {-1, 1}] if classes == 2 else [set(range(classes))]
    if not any(labels <= choice for choice in allowed):
        wrong = sorted((label for label in labels if label not in set().union(*allowed)), key=repr)
        shown = "0 and 1 (or -1 and +1)" if classes == 2 else f"0 to {classes - 1}"
        raise ValueError(f"accuracy: the labels must be this model's classes, {shown}; got "
                         f"{(wrong or sorted(labels, key=repr))[:6]}.")
    return sum(p == _as_class(t) for p, t in zip(predictions, y)) / len(X)
