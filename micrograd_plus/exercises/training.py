"""Checks for lessons 08-16: gradient descent, the training cycle, classifiers, depth, digits,
generalisation, what the data does, a language model at toy scale, and what changes at scale.

Each check recomputes the right answer from the exercise's own numbers (written in its
docstring) with the engine and the library, so the check and the lesson cannot disagree.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

from ..data import load_digits, logic_gate, make_circles
from ..engine import Value
from ..losses import binary_cross_entropy_with_logits, cross_entropy
from ..nn import MLP
from ..optim import SGD
from ..train import accuracy, train_step
from . import Answer, Feedback, check_numbers, is_missing, report, shown

__all__ = [
    "check_gradient_step", "check_learning_rate",
    "check_parameter_count", "check_sgd_update", "check_training_step",
    "check_chance_level", "check_circles_model", "check_deeper_network",
    "check_softmax", "check_cross_entropy",
    "check_best_epoch", "check_ruler_fixed", "check_group_share",
    "check_conv_parameters", "check_guessing_loss",
]


def _number_problem(name: str, given: Any) -> str:
    """Why ``given`` is not a usable number ("" when it is one)."""
    return Answer(name, given, 0.0, tolerance=math.inf).problem()


# --- lesson 08: gradient descent ---------------------------------------------------------------

def _walk(learning_rate: float, steps: int, start: float, minimum: float) -> list[float]:
    """Gradient descent on L(w) = (w - minimum)^2 from ``start``; every position visited."""
    w = Value(start)
    path = [w.data]
    for _ in range(steps):
        w.grad = 0.0
        ((w - minimum) ** 2).backward()
        w.data -= learning_rate * w.grad
        path.append(w.data)
        if abs(w.data) > 1e6:  # far enough to call it diverged; stop before floats overflow
            break
    return path


def check_gradient_step(new_w: Any) -> Feedback:
    """Lesson 08: one gradient descent step on L(w) = (w - 3)^2 from w = 5 with learning rate 0.25.

    dL/dw = 2 (w - 3) = 4, so the new w = 5 - 0.25 * 4 = 4.
    """
    start, learning_rate = 5.0, 0.25
    expected = _walk(learning_rate, steps=1, start=start, minimum=3.0)[1]
    hint = ("First the slope: dL/dw = 2 * (w - 3) at w = 5. Then step against it: "
            "new w = w - learning_rate * slope.")
    if not is_missing(new_w) and not _number_problem("new_w", new_w):
        if abs(new_w - (start + learning_rate * 4.0)) < 1e-6:
            hint = "You stepped uphill: subtract learning_rate * slope, do not add it."
        elif abs(new_w - (start - 4.0)) < 1e-6:
            hint = "That is a step of the full slope; multiply the slope by the learning rate first."
    return check_numbers(
        [Answer("new_w", new_w, expected, tolerance=1e-6)],
        f"w moves from 5 to {expected:g}: the slope there is 4, and 0.25 of it is a step of 1 downhill.",
        hint,
    )


def check_learning_rate(learning_rate: Any) -> Feedback:
    """Lesson 08: a learning rate that takes w from -1 to within 0.01 of 3 in 10 steps on
    L(w) = (w - 3)^2.

    Each step multiplies the distance to 3 by (1 - 2 lr), so 0.226 < lr < 0.774 works.
    """
    if is_missing(learning_rate):
        return report(False, "`learning_rate` is still `...`: replace it with a number, e.g. 0.1, "
                             "and see where the walk ends.")
    if problem := _number_problem("learning_rate", learning_rate):
        return report(False, problem, "Give a plain positive number such as 0.1.")
    if learning_rate <= 0:
        return report(False, f"A learning rate of {shown(learning_rate)} does not step downhill.",
                      "The learning rate must be positive: the minus sign in the update already "
                      "points the step downhill.")
    steps, minimum = 10, 3.0
    path = _walk(learning_rate, steps=steps, start=-1.0, minimum=minimum)
    distance = abs(path[-1] - minimum)
    if len(path) == steps + 1 and distance < 0.01:
        return report(True, f"With learning rate {learning_rate:g}, w ends at {path[-1]:.4f} after "
                            f"{steps} steps: within 0.01 of 3.")
    overshoots = any((a - minimum) * (b - minimum) < 0 for a, b in zip(path, path[1:]))
    where = f"w = {path[-1]:.4g}" if math.isfinite(path[-1]) else "w blew up"
    if not overshoots:
        return report(False, f"After {len(path) - 1} steps {where}, still {distance:.3g} away from 3: "
                             "too small.", "Take bigger steps: increase the learning rate.")
    verdict = "diverges" if distance > 4.0 else "overshoots and bounces around 3"
    return report(False, f"After {len(path) - 1} steps {where}: the walk {verdict}. Too large.",
                  "Each step jumps past the bottom; make the learning rate smaller.")


# --- lesson 09: the training cycle -------------------------------------------------------------

def _count_formula(nin: int, nouts: Sequence[int]) -> str:
    """The parameter count of ``MLP(nin, nouts)`` written out layer by layer: "4*(2+1) + 1*(4+1)"."""
    sizes = [nin, *nouts]
    return " + ".join(f"{m}*({n}+1)" for n, m in zip(sizes, sizes[1:]))


def check_parameter_count(nin: int, nouts: Sequence[int], count: Any) -> Feedback:
    """Lesson 09: how many parameters ``MLP(nin, nouts)`` has.

    Every neuron has one weight per input plus one bias: a layer from n inputs to m outputs
    holds m * (n + 1) numbers. The check builds the network and counts.
    """
    expected = len(MLP(nin, list(nouts)).parameters())
    formula = _count_formula(nin, nouts)
    return check_numbers(
        [Answer("count", count, expected, tolerance=0.0)],
        f"MLP({nin}, {list(nouts)}) holds {expected} numbers: {formula}. Those numbers are all it "
        "can learn.",
        "Each neuron has one weight per input and one bias; add them up layer by layer.",
    )


def check_sgd_update(new_v: Any, v_before: float, v_grad: float, learning_rate: float) -> Feedback:
    """Lesson 09: plain gradient descent moves a parameter to ``v - learning_rate * gradient``.

    The lesson prints one weight ``v`` of the output neuron and its gradient before
    ``optimizer.step()``; the reader computes ``v`` after the step by hand, before running it.
    """
    expected = v_before - learning_rate * v_grad
    hint = "new_v = v - learning_rate * gradient: the step goes against the gradient, scaled down."
    if not is_missing(new_v) and not _number_problem("new_v", new_v) and v_grad != 0:
        if abs(new_v - (v_before + learning_rate * v_grad)) < 1e-6:
            hint = ("You added the step: subtract it. The gradient points uphill, and we want the "
                    "loss to go down.")
        elif abs(new_v - (v_before - v_grad)) < 1e-6:
            hint = f"That is a step of the whole gradient; multiply it by the learning rate ({learning_rate:g}) first."
        elif abs(new_v - learning_rate * v_grad) < 1e-6 or abs(new_v + learning_rate * v_grad) < 1e-6:
            hint = "That is the size of the step; the new value is the old value minus it."
    return check_numbers(
        [Answer("new_v", new_v, expected, tolerance=5e-4)],
        f"v goes from {v_before:.4f} to {v_before:.4f} - {learning_rate:g} * ({v_grad:.4f}) = "
        f"{expected:.4f}: exactly what SGD's step() does to every parameter.",
        hint,
    )


class _WatchedSGD(SGD):
    """SGD that notes, whenever ``zero_grad`` or ``step`` is called, whether any gradient was
    there at that moment: enough to tell which steps of the cycle ran in which order."""

    def __init__(self, params, lr: float) -> None:
        super().__init__(params, lr=lr)
        self.calls: list[tuple[str, bool]] = []

    def _any_gradient(self) -> bool:
        return any(p.grad != 0 for p in self.params)

    def zero_grad(self) -> None:
        self.calls.append(("zero_grad", self._any_gradient()))
        super().zero_grad()

    def step(self) -> None:
        self.calls.append(("step", self._any_gradient()))
        super().step()


def _training_setup(seed: int, optimizer_class=SGD):
    X, y = logic_gate("xor")
    model = MLP(2, [4, 1], activation="tanh", seed=seed)
    return model, X, y, optimizer_class(model.parameters(), lr=0.1)


def _reference_step(model, X, y, optimizer) -> float:
    """The training step lesson 09 asks for, with the loss lesson 09 uses."""
    return train_step(model, X, y, binary_cross_entropy_with_logits, optimizer)


def _why_nothing_moved(calls: list[tuple[str, bool]], loss: Any, model) -> tuple[str, str]:
    """What the order of zero_grad/step calls says about a step that left every parameter as it was."""
    steps = [had_gradient for name, had_gradient in calls if name == "step"]
    wiped = any(name == "zero_grad" and had_gradient for name, had_gradient in calls)
    if not calls and loss is None and all(p.grad == 0 for p in model.parameters()):
        return ("Your step changed nothing and returned nothing yet.",
                "Fill in its body: predictions, loss, zero_grad, backward, step, then `return loss.data`.")
    if not steps:
        return ("After one step the parameters have not changed: `optimizer.step()` was never called.",
                "After `loss.backward()`, call `optimizer.step()`: that is the update.")
    if wiped:
        return ("After one step the parameters have not changed: `zero_grad()` ran after "
                "`backward()` and wiped the gradients before `step()` could use them.",
                "Call `optimizer.zero_grad()` first (before the forward pass or just before "
                "`loss.backward()`), never between `backward()` and `step()`.")
    return ("After one step the parameters have not changed: `optimizer.step()` found no gradients.",
            "Call `loss.backward()` before `optimizer.step()`, on the loss of this step.")


def check_training_step(step: Any) -> Feedback:
    """Lesson 09: ``step(model, X, y, optimizer)`` should do one cycle on all of X: forward, loss
    (``binary_cross_entropy_with_logits``), zero the gradients, backward, update; and return the
    loss as a number. Zeroing the gradients anywhere before ``backward()`` is right.

    The check runs your step twice on a fresh network and compares every parameter with the
    library's ``train_step`` doing the same; when they differ it says which part of the cycle
    was missing or out of order.
    """
    if is_missing(step):
        return report(False, "`train_one_step` is still `...`: define it as a function and pass it.")
    if not callable(step):
        return report(False, f"`train_one_step` should be a function, got {type(step).__name__}: {step!r}.",
                      "Define `def train_one_step(model, X, y, optimizer):` and pass its name, without ().")
    yours, X, y, your_optimizer = _training_setup(seed=3, optimizer_class=_WatchedSGD)
    reference, _, _, reference_optimizer = _training_setup(seed=3)
    before = [p.data for p in yours.parameters()]
    for call in (1, 2):
        your_optimizer.calls.clear()
        try:
            loss = step(yours, X, y, your_optimizer)
        except Exception as error:  # the reader's code: show what went wrong, do not crash
            return report(False, f"Your step raised {type(error).__name__}: {error}",
                          "Read the message, fix the line it names, and run both cells again.")
        expected_loss = _reference_step(reference, X, y, reference_optimizer)
        mine = [p.data for p in yours.parameters()]
        theirs = [p.data for p in reference.parameters()]
        if all(abs(a - b) < 1e-9 for a, b in zip(mine, theirs)):
            continue
        if call == 1 and mine == before:
            return report(False, *_why_nothing_moved(your_optimizer.calls, loss, yours))
        if call == 2:
            return report(False, "The first step was right, the second was not.",
                          "Gradients add up across backward() calls (lesson 04): call "
                          "`optimizer.zero_grad()` before `loss.backward()` in every step.")
        return report(False, "After one step the parameters differ from a correct step.",
                      "The order is: predictions, loss (binary_cross_entropy_with_logits), "
                      "zero_grad, backward, step.")
    if isinstance(loss, Value) or _number_problem("the returned loss", loss):
        return report(False, f"The parameters are right, but your step returned {shown(loss)}.",
                      "Return the loss as a number: `return loss.data`.")
    if abs(loss - expected_loss) > 1e-9:
        return report(False, f"The parameters are right, but the returned loss {loss:.4g} is not "
                             f"the loss of this step ({expected_loss:.4g}).",
                      "Return the loss you called backward() on: `return loss.data`.")
    return report(True, "Forward, loss, zero_grad, backward, update: two steps, every parameter "
                        "exactly as expected.")


# --- lesson 10: training a classifier ----------------------------------------------------------

def check_chance_level(classes: int, accuracy: Any) -> Feedback:
    """Lesson 10: the accuracy of guessing at random among ``classes`` equally common classes.

    A random guess is right 1 time in ``classes``: accuracy 1 / classes. Recognises a percentage
    given for a fraction, and the two-class answer 0.5."""
    expected = 1.0 / classes
    hint = "If each class is equally likely, how often does a blind guess pick the right one?"
    if not is_missing(accuracy) and not _number_problem("guess_accuracy", accuracy):
        if abs(accuracy - 100 * expected) < 0.5:
            hint = f"That is a percentage; give a fraction between 0 and 1: {accuracy:g}% is {accuracy / 100:.3g}."
        elif classes != 2 and abs(accuracy - 0.5) < 1e-9:
            hint = f"0.5 is a coin flip between two classes; here there are {classes}."
    return check_numbers(
        [Answer("guess_accuracy", accuracy, expected, tolerance=1e-2)],
        f"Guessing among {classes} equally common classes is right 1 time in {classes}: "
        f"{expected:.0%}. A model has learned something only once it beats that.",
        hint,
    )


GOAL_ACCURACY = 0.9  # what "it learned" means for the trained-model checks of lessons 10 and 13


def _check_trained_model(model: Any, name: str, load: Callable[[], tuple[list, list]], *,
                         missing: str, build_hint: str, shape_hint: str, passed: str,
                         measured: str, retry_hint: str) -> Feedback:
    """Shared by the checks that take a trained model: is it there, is it callable, what accuracy
    does it reach on ``load()``'s examples (never seen in training), and is that at least
    ``GOAL_ACCURACY``.

    Each check keeps its own words: ``missing`` follows "`name` is still `...`: ", ``passed`` and
    ``measured`` are templates filled with the ``score`` and the number ``n`` of examples
    (``measured`` is followed by "; the goal is 90%."), and the hints say what to do next.
    """
    if is_missing(model):
        return report(False, f"`{name}` is still `...`: {missing}")
    if not callable(model):
        return report(False, f"`{name}` should be a network, got {type(model).__name__}: {model!r}.",
                      build_hint)
    X, y = load()
    try:
        score = accuracy(model, X, y)
    except Exception as error:  # a model with the wrong shape: say so instead of crashing
        return report(False, f"Measuring your model raised {type(error).__name__}: {error}", shape_hint)
    if score >= GOAL_ACCURACY:
        return report(True, passed.format(score=score, n=len(X)))
    return report(False, f"{measured.format(score=score, n=len(X))}; the goal is {GOAL_ACCURACY:.0%}.",
                  retry_hint)


CIRCLES_CHECK = {"n": 200, "noise": 0.1, "seed": 123}


def check_circles_model(model: Any) -> Feedback:
    """Lesson 10: a trained model that classifies new circles points with at least 90% accuracy.

    The check draws ``make_circles(n=200, noise=0.1, seed=123)``, points the model has never
    seen, and measures ``accuracy(model, X, y)``.
    """
    return _check_trained_model(
        model, "my_model", lambda: make_circles(**CIRCLES_CHECK),
        missing="build a network, train it, and pass it.",
        build_hint="Build one, e.g. `my_model = MLP(2, [8, 8, 1], seed=0)`, train it with fit, "
                   "then pass it.",
        shape_hint="The model takes 2 inputs (x, y of a point) and gives 1 output for 2 classes.",
        passed="{score:.0%} right on {n} points it never saw: it learned the circles, not just its "
               "training points.",
        measured="{score:.0%} right on {n} new points",
        retry_hint="Give it more hidden units or a second hidden layer, or train for more epochs.",
    )


# --- lesson 11: why depth matters -------------------------------------------------------------

SHALLOW_SPIRALS = (2, [16, 3])  # the shallow network of lesson 11's race
DEPTH_TOLERANCE = 10


def check_deeper_network(sizes: Any) -> Feedback:
    """Lesson 11: layer sizes for an MLP with 2 inputs, three hidden layers and 3 outputs whose
    parameter count is within 10 of the shallow ``MLP(2, [16, 3])`` (99 parameters)."""
    name = "three_layer_sizes"
    nin, shallow_sizes = SHALLOW_SPIRALS
    target = len(MLP(nin, shallow_sizes).parameters())
    if is_missing(sizes):
        return report(False, f"`{name}` is still `...`: replace it with a list of layer sizes, "
                             "e.g. [a, b, c, 3].")
    if not isinstance(sizes, (list, tuple)) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in sizes):
        return report(False, f"`{name}` should be a list of whole numbers above 0, got {shown(sizes)}.",
                      "Write the neurons in each layer, in order, e.g. [4, 4, 4, 3].")
    sizes = list(sizes)
    if sizes[-1] != 3:
        return report(False, f"`{name}` ends in {sizes[-1]}, but the last layer is the output: one "
                             "neuron per class, and the spirals have 3.",
                      "Make the last number 3.")
    hidden = len(sizes) - 1
    if hidden != 3:
        return report(False, f"`{name}` = {sizes} has {hidden} hidden layer{'s' if hidden != 1 else ''}; "
                             "the exercise asks for three, then the 3 outputs.",
                      "Four numbers in all: three hidden layers and the output layer, e.g. [a, b, c, 3].")
    count = len(MLP(nin, sizes).parameters())
    formula = _count_formula(nin, sizes)
    if abs(count - target) > DEPTH_TOLERANCE:
        direction = "narrower" if count > target else "wider"
        return report(False, f"MLP(2, {sizes}) holds {formula} = {count} parameters, {abs(count - target)} "
                             f"{'more' if count > target else 'fewer'} than the shallow network's {target}.",
                      f"Make some layers {direction}: each extra neuron in a middle layer costs a "
                      "weight for every neuron before it and after it.")
    return report(True, f"MLP(2, {sizes}) holds {formula} = {count} parameters, within "
                        f"{DEPTH_TOLERANCE} of the shallow network's {target}: a fair opponent with "
                        "three layers of features.")


# --- lesson 12: reading digits -----------------------------------------------------------------

SOFTMAX_LOGITS = (0.5, 2.5, -1.0)  # the exercise's scores (the lesson's worked example uses others)
RIGHT_CLASS = 1                    # the class with score 2.5


def _softmax(logits: Sequence[float]) -> list[float]:
    """p_i = exp(z_i) / sum_j exp(z_j), computed with Values like the lesson does."""
    exps = [Value(z).exp() for z in logits]
    total = sum(e.data for e in exps)
    return [e.data / total for e in exps]


def _close_lists(a: Sequence[float], b: Sequence[float], tolerance: float = 1e-3) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= tolerance * max(1.0, abs(y)) for x, y in zip(a, b))


def check_softmax(probabilities: Any) -> Feedback:
    """Lesson 12: softmax of the scores (0.5, 2.5, -1.0): p_i = exp(z_i) / sum_j exp(z_j).

    Recognises the exponentials not divided by their sum, percentages for fractions, and the
    scores divided by their own sum without exponentiating."""
    expected = _softmax(SOFTMAX_LOGITS)
    name = "probabilities"
    if is_missing(probabilities):
        return report(False, f"`{name}` is still `...`: replace it with your list of three numbers.")
    if not isinstance(probabilities, (list, tuple)):
        return report(False, f"`{name}` should be a list of three numbers, got {shown(probabilities)}.",
                      "Exponentiate each score, then divide each by the sum of all three.")
    if len(probabilities) != len(expected):
        return report(False, f"`{name}` has {len(probabilities)} numbers; there are 3 scores.")
    given = [p.data if isinstance(p, Value) else p for p in probabilities]
    hint = "exp(2.5) is about 12.18; divide each exp by exp(0.5) + exp(2.5) + exp(-1.0)."
    if all(not _number_problem(name, p) for p in given):
        exps = [math.exp(z) for z in SOFTMAX_LOGITS]
        if _close_lists(given, exps):
            hint = "Those are the exponentials; now divide each by their sum, so that they add up to 1."
        elif _close_lists(given, [100 * p for p in expected]):
            hint = "Those are percentages; give fractions that add up to 1 (divide by 100)."
        elif _close_lists(given, [z / sum(SOFTMAX_LOGITS) for z in SOFTMAX_LOGITS]):
            hint = ("You divided the scores by their sum; exponentiate them first (a score can be "
                    "negative, a probability cannot).")
    return check_numbers(
        [Answer(f"{name}[{i}]", p, q, tolerance=1e-3) for i, (p, q) in enumerate(zip(given, expected))],
        "Softmax turns the scores 0.5, 2.5, -1.0 into " + ", ".join(f"{q:.3f}" for q in expected)
        + ": all positive, summing to 1, and the biggest score gets the biggest share.",
        hint,
    )


def check_cross_entropy(loss: Any) -> Feedback:
    """Lesson 12: cross-entropy of the scores (0.5, 2.5, -1.0) when the right class is 1:
    -ln(softmax(scores)[1]). The check computes it with the library's ``cross_entropy``.

    Recognises log10 for ln, a missing minus sign, the probability itself, and another class's."""
    expected = cross_entropy([[Value(z) for z in SOFTMAX_LOGITS]], [RIGHT_CLASS]).data
    given = loss.data if isinstance(loss, Value) else loss
    probabilities = _softmax(SOFTMAX_LOGITS)
    right = probabilities[RIGHT_CLASS]
    hint = ("Take the probability of class 1 from the softmax, then -log of it (math.log is the "
            "natural log, ln).")
    if not is_missing(given) and not _number_problem("loss", given):
        others = [-math.log(p) for i, p in enumerate(probabilities) if i != RIGHT_CLASS]
        if abs(given + math.log10(right)) < 1e-3:
            hint = ("That is -log10; cross-entropy uses the natural log, ln: math.log(p), not "
                    "math.log10(p).")
        elif abs(given - math.log(right)) < 1e-3:
            hint = "The log of a probability is negative; the loss is minus that: -math.log(p)."
        elif abs(given - right) < 1e-3:
            hint = "That is the probability of the right class; the loss is -log of it."
        elif any(abs(given - other) < 1e-3 for other in others):
            hint = ("That is -log of another class's probability; the right class is class 1, the "
                    "one with score 2.5.")
    return check_numbers(
        [Answer("loss", given, expected, tolerance=1e-3)],
        f"The loss is -ln({right:.3f}) = {expected:.3f}: small, because the right class already gets "
        "the largest probability. It would be 0 only at probability 1.",
        hint,
    )


# --- lesson 13: generalisation ---------------------------------------------------------------

def check_best_epoch(history: Any, best_epoch: Any) -> Feedback:
    """Lesson 13: the epoch at which the validation loss in ``history`` was lowest: where to stop.

    Recognises the usual slips: the list position instead of the epoch number (one less), the
    epoch of the lowest *training* loss, and the epoch of the best validation accuracy.
    """
    val_loss = getattr(history, "val_loss", None)
    if not val_loss:
        return report(False, "This history has no validation loss.",
                      "Pass the History returned by fit(..., validation=(X_val, y_val)).")
    best = min(range(len(val_loss)), key=val_loss.__getitem__)
    epochs = list(getattr(history, "epochs", None) or range(1, len(val_loss) + 1))
    expected = epochs[best]
    hint = ("Find the lowest point of the validation curve, e.g. with min(...) over "
            "history.val_loss, and read its epoch from history.epochs.")
    if not is_missing(best_epoch) and not _number_problem("best_epoch", best_epoch) and best_epoch != expected:
        train_loss = list(getattr(history, "train_loss", []) or [])
        val_accuracy = list(getattr(history, "val_accuracy", []) or [])
        if best_epoch == best:
            hint = (f"{best_epoch} is the position of the lowest validation loss in the list, which "
                    "counts from 0; epochs count from 1. Read the epoch from history.epochs at that "
                    "position.")
        elif train_loss and best_epoch == epochs[min(range(len(train_loss)), key=train_loss.__getitem__)]:
            hint = ("That is where the *training* loss was lowest; it keeps falling while the model "
                    "memorises. Use history.val_loss, measured on points it never trained on.")
        elif val_accuracy and best_epoch == epochs[max(range(len(val_accuracy)), key=val_accuracy.__getitem__)]:
            hint = ("That is where the validation *accuracy* first peaked; the question asks for the "
                    "lowest validation *loss*, which also sees how confident each answer is.")
    return check_numbers(
        [Answer("best_epoch", best_epoch, expected, tolerance=0.0)],
        f"Validation loss was lowest at epoch {expected} ({val_loss[best]:.3f}); every epoch after "
        "it fitted the training points better and new points worse.",
        hint,
    )


# --- lesson 14: what the data does ------------------------------------------------------------

RULER_DIGITS, RULER_TRAINING = (3, 7), 160
"""Lesson 14 trains on the first 160 real 3s and 7s of ``load_digits(digits=(3, 7))``; the rest
are new images."""


def _new_clean_digits() -> tuple[list, list]:
    X, y = load_digits(digits=RULER_DIGITS)
    return X[RULER_TRAINING:], y[RULER_TRAINING:]


def check_ruler_fixed(model: Any) -> Feedback:
    """Lesson 14: a 3-versus-7 model that gets at least 90% of new, clean (no ruler) real digits
    right: ``load_digits(digits=(3, 7))`` from image 160 on, which lesson 14 never trains on."""
    return _check_trained_model(
        model, "fixed_model", _new_clean_digits,
        missing="train a new model on better data and pass it.",
        build_hint="Train a new model on training images in which the ruler appears in both "
                   "classes, then pass it.",
        shape_hint="The model takes 64 inputs (the pixels) and gives 1 output, like `MLP(64, [1])`.",
        passed="{score:.0%} of {n} new, clean 3s and 7s right: with the ruler in both classes, it "
               "no longer predicts anything, so the model had to look at the digits.",
        measured="{score:.0%} of {n} new, clean 3s and 7s right",
        retry_hint="Put the ruler on images of both classes (e.g. every other image), so that it "
                   "says nothing about the label, and train again for 40 epochs.",
    )


GROUP_A_COUNT, GROUP_B_COUNT = 114, 6  # lesson 14's unrepresentative training set


def check_group_share(share_b: Any) -> Feedback:
    """Lesson 14: the fraction of the training set that comes from group B: 6 of 120 = 0.05.

    Recognises a percentage (5) given for a fraction, and B counted against A alone (6/114)."""
    total = GROUP_A_COUNT + GROUP_B_COUNT
    expected = GROUP_B_COUNT / total
    hint = f"Group B's patients divided by all the patients in the training set ({total})."
    if not is_missing(share_b) and not _number_problem("share_b", share_b):
        if abs(share_b - 100 * expected) < 0.05:
            hint = f"That is a percentage; give it as a fraction: {share_b:g}% is {share_b / 100:g}."
        elif abs(share_b - GROUP_B_COUNT / GROUP_A_COUNT) < 0.0005:
            hint = f"That is B against A alone (6/{GROUP_A_COUNT}); divide by everyone, A and B together."
        elif abs(share_b - GROUP_A_COUNT / total) < 0.0005:
            hint = "That is group A's share; the question asks for group B's."
    return check_numbers(
        [Answer("share_b", share_b, expected, tolerance=1e-3)],
        f"Group B is {GROUP_B_COUNT} of {total} patients, a share of {expected:g}: it adds only "
        f"{expected:.0%} of the average loss that training makes small, so its mistakes hardly "
        "count.",
        hint,
    )


# --- lesson 15: a language model at toy scale ----------------------------------------------------

TOKENS = 27  # "." and the letters a-z


def check_guessing_loss(guess_loss: Any) -> Feedback:
    """Lesson 15: the cross-entropy of a model that gives each of the 27 tokens probability 1/27:
    -ln(1/27) = ln 27, about 3.296, whatever the right token is.

    Recognises log10 and log2 for ln, the probability 1/27 itself, and a missing minus sign."""
    expected = -math.log(1 / TOKENS)
    hint = ("Every token gets probability 1/27, the right one too; the loss is -ln of that "
            "probability (math.log is ln).")
    if not is_missing(guess_loss) and not _number_problem("guess_loss", guess_loss):
        if abs(guess_loss - math.log10(TOKENS)) < 1e-3:
            hint = "That is log10(27); cross-entropy uses the natural log: math.log(27)."
        elif abs(guess_loss - math.log2(TOKENS)) < 1e-3:
            hint = "That is log2(27) (bits); the lessons' cross-entropy uses the natural log: math.log(27)."
        elif abs(guess_loss - 1 / TOKENS) < 1e-3:
            hint = "That is the probability of the right token; the loss is -ln of it."
        elif abs(guess_loss + expected) < 1e-3:
            hint = "ln(1/27) is negative; the loss is minus that, a positive number."
    return check_numbers(
        [Answer("guess_loss", guess_loss, expected, tolerance=1e-3)],
        f"Guessing evenly among {TOKENS} tokens costs -ln(1/{TOKENS}) = ln {TOKENS} = {expected:.3f} per "
        "letter: the loss any model must beat to have learned something about spelling.",
        hint,
    )


# --- lesson 16: next steps ---------------------------------------------------------------------

IMAGE_SIDE, FEATURE_MAPS, KERNEL_SIDE = 28, 16, 3


def check_conv_parameters(dense: Any, conv: Any) -> Feedback:
    """Lesson 16: parameters of a dense layer of 16 neurons and of a convolution with 16 filters
    (16 feature maps of 26x26) on a 28x28 grey image.

    dense: 16 neurons each see all 784 pixels: 16 * (784 + 1) = 12,560.
    conv: 16 filters of 3x3 slide over the image, sharing their weights: 16 * (9 + 1) = 160.
    """
    pixels = IMAGE_SIDE * IMAGE_SIDE
    return check_numbers(
        [Answer("dense", dense, FEATURE_MAPS * (pixels + 1), tolerance=0.0,
                hint="Each of the 16 neurons has one weight per pixel (28*28) and one bias."),
         Answer("conv", conv, FEATURE_MAPS * (KERNEL_SIDE ** 2 + 1), tolerance=0.0,
                hint="Each of the 16 filters has 3*3 weights and one bias, reused at every position.")],
        f"{FEATURE_MAPS * (pixels + 1):,} parameters for the dense layer against "
        f"{FEATURE_MAPS * (KERNEL_SIDE ** 2 + 1)} for the convolution: sharing one small filter "
        "across the image is what makes image networks affordable.",
    )
