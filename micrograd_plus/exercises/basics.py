"""Checks for lessons 00-07: values and graphs, slopes, backpropagation, a neuron, the
perceptron and loss functions.

Each check recomputes the right answer from the exercise's own numbers (written in its
docstring), so the check and the lesson can never silently disagree about the task.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from ..engine import Value, topological_order
from . import Answer, Feedback, check_numbers, is_missing, report, shown

__all__ = [
    "check_numbers_read",
    "check_weighted_sum", "check_tanh_of_half", "check_mean_mark", "check_sum_of_squares",
    "check_square_error", "check_tanh_list", "check_accuracy_message",
    "check_slope", "check_partial_derivatives",
    "check_graph", "check_node_count",
    "check_backprop_by_hand", "check_tanh_backprop", "check_used_twice",
    "check_neuron_by_hand", "check_activation_slopes", "check_same_neuron",
    "check_perceptron_update", "check_gate_weights",
    "check_spam_losses", "check_mse", "check_hinge",
]


def _not_a_value(name: str, given: Any) -> Feedback | None:
    """Feedback when the reader was asked for a Value and gave something else; None if fine."""
    if is_missing(given):
        return report(False, f"`{name}` is still `...`: replace it with your expression.")
    if not isinstance(given, Value):
        return report(False, f"`{name}` should be a Value, got {type(given).__name__}: {given!r}.",
                      "Start from Values, e.g. `a = Value(2.0)`; arithmetic on Values makes Values.")
    return None


# --- lesson 00: start here -------------------------------------------------------------------

def check_numbers_read(numbers_read: Any) -> Feedback:
    """Lesson 00: how many numbers the model reads in one epoch: 80 examples of 2 numbers = 160."""
    examples, per_example = 80, 2
    return check_numbers(
        [Answer("numbers_read", numbers_read, examples * per_example, tolerance=0.0, mistakes=(
            (examples, "that counts the examples; each example is two numbers."),
            (per_example, "that is one example; the epoch goes through all 80."),
            (337, "that is how many numbers the model itself adjusts, not how many it reads."),
        ))],
        f"{examples} examples x {per_example} numbers = {examples * per_example} numbers per "
        "epoch. You have run a check: this is how every exercise works.",
        "One epoch shows the model every example once; multiply the examples by the numbers "
        "in each.",
    )


# --- lesson 01: just enough Python ----------------------------------------------------------

def check_weighted_sum(z: Any) -> Feedback:
    """Lesson 01: ``z = w * x + b`` with w = 0.5, x = 2.0, b = 0.25 (1.25)."""
    w, x, b = 0.5, 2.0, 0.25
    return check_numbers(
        [Answer("z", z, w * x + b, mistakes=(
            (w * (x + b), "that is w * (x + b): the brackets make the sum happen first. "
                          "Without brackets Python multiplies before it adds, as in maths."),
            (w + x + b, "that adds w instead of multiplying by it: the weight multiplies the input."),
            (w * x, "the bias b is missing: add it after the product."),
        ))],
        "z = w * x + b = 1.25: names stand for their numbers, and * comes before +.",
        "Write the names, not the numbers: `z = w * x + b`.",
    )


def check_tanh_of_half(squashed: Any) -> Feedback:
    """Lesson 01: ``squashed = math.tanh(0.5)`` (0.4621)."""
    return check_numbers(
        [Answer("squashed", squashed, math.tanh(0.5), mistakes=(
            (0.5, "that is the input itself; the function's answer is what you want: "
                  "`math.tanh(0.5)`."),
            (math.tanh(1.0) / 2, "that halves tanh(1); put the 0.5 inside the brackets."),
        ))],
        f"tanh(0.5) = {math.tanh(0.5):.4f}: a function takes its input in brackets and gives "
        "back an answer you can store.",
        "Call the function: its name, then the input in brackets, `math.tanh(0.5)`.",
    )


_MARKS = [7.5, 9.0, 6.0, 8.5, 10.0, 4.5, 7.0, 8.0, 9.5, 6.5, 8.0, 7.5]


def check_mean_mark(average: Any) -> Feedback:
    """Lesson 01: the mean of the 12 marks in the lesson, ``sum(marks) / len(marks)`` (7.667)."""
    total, count = sum(_MARKS), len(_MARKS)
    return check_numbers(
        [Answer("average", average, total / count, mistakes=(
            (total, "that is the sum; the mean divides it by how many marks there are, "
                    "`len(marks)`."),
            (total / (count - 1), "that divides by 11; `len(marks)` counts all 12."),
            (_MARKS[0], "that is only the first mark, `marks[0]`."),
        ))],
        f"The mean is {total:g} / {count} = {total / count:.4g}. sum() adds a list up and "
        "len() counts its items.",
        "`sum(marks)` adds them up and `len(marks)` counts them: divide one by the other.",
    )


_ERRORS = [0.5, -1.0, 2.0, -0.25]


def check_sum_of_squares(total: Any) -> Feedback:
    """Lesson 01: a for loop adding up the squares of [0.5, -1.0, 2.0, -0.25] (5.3125)."""
    squares = [e ** 2 for e in _ERRORS]
    return check_numbers(
        [Answer("total", total, sum(squares), mistakes=(
            (sum(_ERRORS), "that adds the errors themselves; square each one first, `e ** 2`."),
            (squares[-1], "that is only the last square: `total = e ** 2` replaces the total "
                          "each time round. Add to it: `total = total + e ** 2`."),
            (sum(squares) / len(squares), "that is the mean of the squares; only the sum "
                                          "is asked for here."),
            (sum(abs(e) for e in _ERRORS), "that adds the sizes of the errors; square them instead."),
        ))],
        f"The squares 0.25 + 1 + 4 + 0.0625 add up to {sum(squares):g}: the loop ran the "
        "indented line once for each item.",
        "Inside the loop: `total = total + e ** 2`.",
    )


def _not_a_function(name: str, given: Any, inputs: str) -> Feedback | None:
    """Feedback when the reader was asked for a function and gave something else; None if fine."""
    if is_missing(given):
        return report(False, f"`{name}` is still `...`: write the function with `def`.")
    if not callable(given):
        return report(False, f"`{name}` should be a function, got {type(given).__name__}: {given!r}.",
                      f"Define it with `def {name}({inputs}):` and a `return` line.")
    return None


def _body_is_only_dots(function: Any) -> bool:
    """True for a function whose body does nothing yet, like the ``...`` the lessons hand out."""
    code = getattr(function, "__code__", None)
    return code is not None and set(code.co_consts) <= {None, Ellipsis} and not code.co_names


def check_square_error(square_error: Any) -> Feedback:
    """Lesson 01: a function ``square_error(prediction, target)`` returning
    ``(prediction - target) ** 2``; called on a few pairs."""
    if (problem := _not_a_function("square_error", square_error, "prediction, target")) is not None:
        return problem
    pairs = [(1.0, 3.0), (3.0, 1.0), (0.5, 0.5), (-2.0, 1.5)]  # a miss below first: its sign shows
    for prediction, target in pairs:
        try:
            answer = square_error(prediction, target)
        except TypeError as error:
            return report(False, f"`square_error({prediction:g}, {target:g})` failed: {error}.",
                          "It takes two inputs: `def square_error(prediction, target):`.")
        if answer is None and _body_is_only_dots(square_error):
            return report(False, "`square_error`'s body is still `...`: replace it with a "
                                 "`return` line.")
        if answer is None:
            return report(False, f"`square_error({prediction:g}, {target:g})` gave back None: "
                                 "the function computes nothing it hands back.",
                          "Did you forget `return`? The last line should be "
                          "`return (prediction - target) ** 2`.")
        expected = (prediction - target) ** 2
        if not isinstance(answer, (int, float)) or abs(answer - expected) > 1e-9:
            if isinstance(answer, (int, float)) and abs(answer - (prediction - target)) < 1e-9:
                what = "the difference, not squared: add `** 2`."
            elif isinstance(answer, (int, float)) and abs(answer - abs(prediction - target)) < 1e-9:
                what = "the size of the miss; square it instead: `** 2`."
            else:
                what = f"{shown(answer)} instead of {shown(expected)}."
            return report(False, f"`square_error({prediction:g}, {target:g})` gave {what}",
                          "`return (prediction - target) ** 2`: the brackets make the "
                          "difference first.")
    return report(True, "square_error works on every pair I tried, e.g. square_error(3, 1) = 4. "
                        "You have written a function: lesson 07's losses are built from this one.")


def check_tanh_list(outputs: Any) -> Feedback:
    """Lesson 01: ``[math.tanh(x) for x in inputs]`` with inputs = [-2, -1, 0, 1, 2]."""
    inputs = [-2, -1, 0, 1, 2]
    expected = [math.tanh(x) for x in inputs]
    if is_missing(outputs):
        return report(False, "`outputs` is still `...`: write a list comprehension.")
    if isinstance(outputs, (int, float)):
        return report(False, f"`outputs` is one number ({shown(outputs)}), but one answer per "
                             "input is wanted: a list.",
                      "`[math.tanh(x) for x in inputs]` makes one item for each x.")
    if not isinstance(outputs, list):
        return report(False, f"`outputs` should be a list, got {type(outputs).__name__}.",
                      "Square brackets around the whole thing: `[math.tanh(x) for x in inputs]`.")
    if len(outputs) != len(inputs):
        return report(False, f"`outputs` has {len(outputs)} items; `inputs` has {len(inputs)}.",
                      "Go through every input: `for x in inputs`.")
    wrong = [i for i, (got, want) in enumerate(zip(outputs, expected))
             if not isinstance(got, (int, float)) or abs(got - want) > 1e-6]
    if wrong:
        if all(isinstance(o, (int, float)) and abs(o - x) < 1e-9 for o, x in zip(outputs, inputs)):
            return report(False, "`outputs` is a copy of `inputs`: apply tanh to each x.",
                          "`[math.tanh(x) for x in inputs]`.")
        return report(False, "Items " + ", ".join(f"{i}" for i in wrong) + " are not tanh of "
                             "their input.", "`[math.tanh(x) for x in inputs]`.")
    return report(True, "One line, five answers: " + ", ".join(f"{v:.2f}" for v in expected)
                        + ". tanh squashes every input into the range -1 to 1.")


def check_accuracy_message(message: Any) -> Feedback:
    """Lesson 01: an f-string saying ``accuracy: 92%`` from ``accuracy = 0.9237``."""
    accuracy = 0.9237
    wanted = f"accuracy: {accuracy:.0%}"
    if is_missing(message):
        return report(False, "`message` is still `...`: write an f-string.")
    if not isinstance(message, str):
        return report(False, f"`message` should be text (a string), got {type(message).__name__}.",
                      "Text goes in quotes; an f before the quotes fills in `{...}`.")
    if message == wanted:
        return report(True, f"{message!r}: the f-string put the number in and `:.0%` made it a "
                            "percentage with no decimals.")
    if "{" in message:
        hint = "Put an f before the opening quote: `f'accuracy: {accuracy:.0%}'`."
    elif message.strip() == wanted:
        hint = "Almost: no spaces at the start or end."
    elif "0.92" in message:
        hint = "Show it as a percentage: `{accuracy:.0%}` multiplies by 100 and adds the % sign."
    elif "92." in message:
        hint = "No decimals: `.0%` means zero digits after the point."
    else:
        hint = "Write `f'accuracy: {accuracy:.0%}'`."
    return report(False, f"`message` is {message!r}, but it should read {wanted!r}.", hint)


# --- lesson 02: derivatives as slopes ----------------------------------------------------------

def _f(x: float) -> float:
    return 0.5 * x ** 3 - 2 * x


def check_slope(slope: Any) -> Feedback:
    """Lesson 02: the slope of f(x) = 0.5 x^3 - 2 x at x = 1 (exactly f'(1) = 1.5 - 2 = -0.5).

    A numerical estimate with a small step, e.g. h = 0.001, counts as right.
    """
    x = 1.0
    return check_numbers(
        [Answer("slope", slope, 1.5 * x ** 2 - 2.0, tolerance=1e-2, mistakes=(
            (_f(x), "that is f(1), the height of the curve; the slope is how fast it changes: "
                    "(f(1 + h) - f(1)) / h."),
            (1.5 * 2.0 ** 2 - 2.0, "that is the slope at x = 2, from the lesson; measure it at x = 1."),
            ((_f(x + 1.0) - _f(x)) / 1.0, "that uses a step h = 1, far too big for a curve; "
                                           "try h = 0.001."),
            ((_f(x + 0.1) - _f(x)) / 0.1, "close, but h = 0.1 is still too big; try h = 0.001."),
        ))],
        "The slope of f at x = 1 is -0.5: nudge x up a little and f goes down by half as much.",
        "Compute (f(1 + h) - f(1)) / h with a small h such as 0.001.",
    )


def check_partial_derivatives(dg_da: Any, dg_db: Any, dg_dc: Any) -> Feedback:
    """Lesson 02: partial derivatives of g(a, b, c) = a * b + c ** 2 at a = 2, b = -1, c = 3.

    dg/da = b = -1, dg/db = a = 2, dg/dc = 2c = 6.
    """
    a, b, c = 2.0, -1.0, 3.0
    return check_numbers(
        [Answer("dg_da", dg_da, b, tolerance=1e-2, hint="Hold b and c fixed: a * b changes by b per unit of a.",
                mistakes=((a, "that is dg/db: when a moves, a * b changes by b per unit, not by a."),)),
         Answer("dg_db", dg_db, a, tolerance=1e-2, hint="Hold a and c fixed: a * b changes by a per unit of b.",
                mistakes=((b, "that is dg/da: when b moves, a * b changes by a per unit, not by b."),)),
         Answer("dg_dc", dg_dc, 2.0 * c, tolerance=1e-2, hint="Only c ** 2 depends on c; its slope is 2c.",
                mistakes=((c ** 2, "that is c ** 2 itself; its slope is 2c."),
                          (c, "the slope of c ** 2 is 2c, not c.")))],
        "All three partial derivatives are right: each says how g moves when only that input moves.",
    )


# --- lesson 03: values and graphs --------------------------------------------------------------

def check_graph(e: Any) -> Feedback:
    """Lesson 03: ``e`` should be ``(x + y) * z`` with x = 1.5, y = 2.5, z = -2, each labelled."""
    if (problem := _not_a_value("e", e)) is not None:
        return problem
    if e._op != "*" or len(e._prev) != 2:
        return report(False, f"The last operation that made `e` is {e._op or 'none (e is a leaf)'!r}, "
                             "but (x + y) * z ends with '*'.",
                      "Put brackets around x + y, then multiply by z.")
    total, z = e._prev
    if total._op != "+":
        total, z = z, total  # z * (x + y) is the same expression written the other way round
    if total._op != "+" or z._prev:
        return report(False, "One operand of the '*' should be the '+' node of x + y and the other "
                             "the leaf z.", "Write `e = (x + y) * z`.")
    leaves = {"x": 1.5, "y": 2.5, "z": -2.0}
    found = {leaf.label: leaf.data for leaf in (*total._prev, z)}
    if sorted(found) != sorted(leaves):
        return report(False, f"The leaves are labelled {sorted(found)}, expected ['x', 'y', 'z'].",
                      "Give each Value its name: `Value(1.5, label='x')`.")
    wrong = [name for name, data in leaves.items() if found[name] != data]
    if wrong:
        return report(False, "These leaves hold the wrong numbers: "
                      + ", ".join(f"{name} = {shown(found[name])} (expected {shown(leaves[name])})" for name in wrong) + ".")
    if e.label != "e" or total.label == "":
        return report(False, f"The structure and numbers are right (e.data = {shown(e.data)}). Now label the "
                             "sum and the result too.",
                      "Set `s.label = 's'` on the sum and `e.label = 'e'` on the result, then draw again.")
    return report(True, f"e = (x + y) * z = {e.data:g}, built from 5 labelled nodes.")


def check_node_count(count: Any) -> Feedback:
    """Lesson 03: how many nodes are in the graph of ``f = x * y + 2 * x``?

    x, y, x * y, the constant 2 (numbers become leaf Values), 2 * x and the final sum: 6.
    x is used twice but is one node.
    """
    x, y = Value(1.0), Value(1.0)
    expected = len(topological_order(x * y + 2 * x))
    return check_numbers(
        [Answer("count", count, expected, tolerance=0.0, mistakes=(
            (expected - 1, "one short: did you count the constant 2? Numbers mixed in become "
                           "leaf nodes too."),
            (expected + 1, "one too many: x is used twice but is a single node, with two arrows "
                           "leaving it."),
            (3, "that counts only the operations (*, * and +); the leaves x, y and 2 are nodes too."),
        ))],
        f"{expected} nodes: x, y, x * y, the constant 2, 2 * x and the sum. The number 2 became a "
        "leaf Value, and x is one node even though it is used twice.",
        "Every number becomes a node, every operation makes a new node, and a Value used twice "
        "is still one node.",
    )


# --- lesson 04: backpropagation ---------------------------------------------------------------

def check_backprop_by_hand(a_grad: Any, b_grad: Any, c_grad: Any) -> Feedback:
    """Lesson 04: gradients of L = (a * b) * c at a = 2, b = -4, c = 3, worked out by hand.

    With p = a * b = -8: dL/dp = c = 3, dL/dc = p = -8, dL/da = dL/dp * b = -12,
    dL/db = dL/dp * a = 6.
    """
    a, b, c = 2.0, -4.0, 3.0
    upstream = c  # dL/dp, the gradient arriving at p = a * b
    local_only = "that is only the local derivative; multiply it by the gradient arriving at p (3)."
    return check_numbers(
        [Answer("a_grad", a_grad, upstream * b, hint="dL/da = dL/dp * dp/da, and dp/da = b.",
                mistakes=((b, local_only), (upstream, "that is dL/dp; one more step back: times b."),
                          (upstream * a, "that is dL/db: a's local derivative in a * b is b."))),
         Answer("b_grad", b_grad, upstream * a, hint="dL/db = dL/dp * dp/db, and dp/db = a.",
                mistakes=((a, local_only), (upstream, "that is dL/dp; one more step back: times a."),
                          (upstream * b, "that is dL/da: b's local derivative in a * b is a."))),
         Answer("c_grad", c_grad, a * b, hint="L = p * c, so dL/dc = p = a * b.",
                mistakes=((upstream, "that is dL/dp, the other operand's gradient; c's is p."),))],
        "Chain rule done by hand: the gradient at p is c = 3, and each of a and b gets 3 times "
        "its local derivative.",
    )


def check_tanh_backprop(w_grad: Any) -> Feedback:
    """Lesson 04: do/dw for o = tanh(x * w + b) with x = 1.5, w = 0.8, b = -0.4.

    do/dn = 1 - o^2 (o = tanh(0.8) = 0.664), and dn/dw = x, so do/dw = (1 - o^2) * 1.5 = 0.8389.
    """
    x, w, b = 1.5, 0.8, -0.4
    n = x * w + b
    o = math.tanh(n)
    return check_numbers(
        [Answer("w_grad", w_grad, (1 - o ** 2) * x, mistakes=(
            (1 - o ** 2, "that is do/dn, the bend's slope; w is one step further back: times x."),
            ((1 - n ** 2) * x, "that uses n, the sum before the bend; tanh's slope is 1 - o**2 with "
                               "o = tanh(n)."),
            ((1 - o) * x, "the slope of tanh is 1 - o**2: square o."),
            ((1 - o ** 2) * w, "that is do/dx: w's partner in x * w is x, so multiply by x."),
            (o * x, "o is the output; the bend's slope is 1 - o**2."),
        ))],
        f"do/dw = (1 - {o:.3f}^2) x 1.5 = {(1 - o ** 2) * x:.4f}: the bend's slope, times the "
        "product's local derivative.",
        "Two factors: the slope of tanh, `1 - o ** 2`, and the local derivative of `x * w` "
        "with respect to w, which is x = 1.5.",
    )


def check_used_twice(x_grad: Any) -> Feedback:
    """Lesson 04: the gradient of y = x * x + x at x = 3 (2x + 1 = 7)."""
    return check_numbers(
        [Answer("x_grad", x_grad, 2.0 * 3.0 + 1.0, mistakes=(
            (6.0, "that is x * x alone; the '+ x' edge adds 1 more."),
            (4.0, "x * x sends x a gradient along both of its edges: 3 + 3, then + 1."),
            (9.0 + 3.0, "that is y itself, x * x + x; the question is its slope in x."),
        ))],
        "x reaches y along three edges (twice into x * x, once into the sum), and its gradient is "
        "the sum of all three contributions: 3 + 3 + 1 = 7.",
        "Add up every path from y back to x: the '*' node passes x's partner (3) to each of its "
        "two operands, and the '+' passes 1.",
    )


# --- lesson 05: a neuron ----------------------------------------------------------------------

def check_neuron_by_hand(output: Any) -> Feedback:
    """Lesson 05: tanh(w . x + b) with w = [0.5, -1.0], b = 0.25, x = [2.0, 1.0]."""
    weights, bias, inputs = [0.5, -1.0], 0.25, [2.0, 1.0]
    weighted_sum = sum(w * x for w, x in zip(weights, inputs)) + bias
    return check_numbers(
        [Answer("output", output, math.tanh(weighted_sum), tolerance=1e-3,
                hint="First the weighted sum 0.5*2 + (-1)*1 + 0.25, then tanh of it.",
                mistakes=((weighted_sum, "that is the weighted sum; the neuron then applies "
                                         "its activation: `math.tanh(weighted_sum)`."),
                          (math.tanh(weighted_sum - bias), "the bias 0.25 is missing from the sum."),
                          (math.tanh(0.5 * 2.0 + 1.0 * 1.0 + bias), "w1 is -1.0: that input "
                                                                    "pushes the sum down.")))],
        f"The weighted sum is {weighted_sum:g} and tanh({weighted_sum:g}) = {math.tanh(weighted_sum):.4f}.",
    )


def check_activation_slopes(tanh_at_0: Any, sigmoid_at_0: Any, relu_at_minus_1: Any) -> Feedback:
    """Lesson 05: the slopes (derivatives) of tanh at 0, sigmoid at 0 and ReLU at -1: 1, 0.25, 0."""
    sigmoid_0 = 0.5
    return check_numbers(
        [Answer("tanh_at_0", tanh_at_0, 1.0 - math.tanh(0.0) ** 2, hint="tanh'(z) = 1 - tanh(z)^2.",
                mistakes=((0.0, "0 is tanh's value at 0 (the solid curve); its slope there is the "
                                "dashed curve."),)),
         Answer("sigmoid_at_0", sigmoid_at_0, sigmoid_0 * (1.0 - sigmoid_0),
                hint="sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)), and sigmoid(0) = 0.5.",
                mistakes=((sigmoid_0, "0.5 is sigmoid's value at 0 (the solid curve); read the "
                                      "dashed one for its slope."),)),
         Answer("relu_at_minus_1", relu_at_minus_1, 0.0, hint="ReLU is flat (0) for every negative input.",
                mistakes=((1.0, "1 is ReLU's slope for positive inputs; at -1 it is flat."),
                          (-1.0, "that is the input; ReLU's value and slope at -1 are both 0.")))],
        "Right: tanh is steepest at 0 (slope 1), sigmoid only reaches 0.25 there, and ReLU passes "
        "no gradient at all for negative inputs.",
    )


def check_same_neuron(copy: Any, original: Any) -> Feedback:
    """Lesson 05: ``copy`` (a neuron built fresh) should give the same answers as ``original``.

    Both are called on a few inputs; their outputs must match to 1e-12.
    """
    if is_missing(copy):
        return report(False, "`copy` is still `...`: make a fresh Neuron and load the weights into it.")
    if not callable(copy) or not hasattr(copy, "parameters"):
        return report(False, f"`copy` should be a Neuron, got {type(copy).__name__}.")
    nin = len(original.parameters()) - 1
    if len(copy.parameters()) != nin + 1:
        return report(False, f"`copy` has {len(copy.parameters())} parameters, the original has "
                             f"{nin + 1}.", f"Make it with the same number of inputs: Neuron({nin}, ...).")
    probes = [[math.sin(3.0 * k + i) for i in range(nin)] for k in range(5)]
    worst = max(abs(copy(x).data - original(x).data) for x in probes)
    if worst > 1e-12:
        return report(False, f"On the same inputs the two neurons differ by up to {worst:.3g}.",
                      "Copy the numbers: `copy.load_state_dict(original.state_dict())` (and use "
                      "the same activation).")
    return report(True, "Same weights, same answers: everything this neuron knows is in those "
                        f"{nin + 1} numbers.")


# --- lesson 06: the perceptron ----------------------------------------------------------------

def _step(weighted_sum: float) -> int:
    return 1 if weighted_sum > 0.0 else 0


def check_perceptron_update(w: Any, b: Any) -> Feedback:
    """Lesson 06: one step of Rosenblatt's rule from w = [0.2, -0.6], b = 0.1 on x = [1, 1], y = 1.

    w . x + b = -0.3, so the perceptron says 0; the error y - prediction = 1, hence
    w <- w + lr * error * x = [1.2, 0.4] and b <- b + lr * error = 1.1 (lr = 1).
    """
    weights, bias, x, target, lr = [0.2, -0.6], 0.1, [1.0, 1.0], 1, 1.0
    error = target - _step(sum(wi * xi for wi, xi in zip(weights, x)) + bias)
    new_weights = [wi + lr * error * xi for wi, xi in zip(weights, x)]
    if is_missing(w):
        return report(False, "`w` is still `...`: replace it with a list of two numbers.")
    if not isinstance(w, (list, tuple)) or len(w) != 2:
        return report(False, f"`w` should be a list of two numbers, got {shown(w)}.", "e.g. `w = [1.0, 2.0]`.")
    subtracted = "you subtracted the input: it said 0 where the label is 1, so error = +1 and the input is added."
    unchanged = "that is the old value: -0.3 is not above 0, so it said 0, a mistake, and the rule changes it."
    return check_numbers(
        [Answer("w[0]", w[0], new_weights[0], mistakes=((weights[0] - x[0], subtracted), (weights[0], unchanged))),
         Answer("w[1]", w[1], new_weights[1], mistakes=((weights[1] - x[1], subtracted), (weights[1], unchanged))),
         Answer("b", b, bias + lr * error, mistakes=((bias - lr, subtracted), (bias, "the bias changes "
                                                     "too: b + error, with error = +1.")))],
        "The perceptron said 0 where the answer was 1, so it added the input to its weights "
        "(and 1 to its bias): now it says 1 for this input.",
        "First predict: is 0.2*1 + (-0.6)*1 + 0.1 above 0? Then error = y - prediction, "
        "w_i += error * x_i and b += error.",
    )


_GATES = {
    "and": lambda p, q: p and q,
    "or": lambda p, q: p or q,
    "nand": lambda p, q: not (p and q),
    "nor": lambda p, q: not (p or q),
}


def check_gate_weights(gate: str, w: Sequence[float], b: float) -> Feedback:
    """Lesson 06: do weights ``w`` (two numbers) and bias ``b`` compute ``gate`` with a step?

    The perceptron says 1 when w[0]*x0 + w[1]*x1 + b > 0 and 0 otherwise, on the four inputs
    (0,0), (0,1), (1,0), (1,1).
    """
    if gate not in _GATES:
        return report(False, f"No check for the gate {gate!r}; choose one of {sorted(_GATES)}. "
                             "(XOR has no such weights at all: that is the point of this lesson.)")
    if is_missing(w) or is_missing(b):
        return report(False, "`w` or `b` is still `...`: give two weights and a bias, e.g. "
                             "`w = [1.0, 1.0]` and `b = -0.5`.")
    if not isinstance(w, (list, tuple)) or len(w) != 2:
        return report(False, f"`w` should be a list of two numbers, got {shown(w)}.")
    wrong = []
    for x0 in (0, 1):
        for x1 in (0, 1):
            expected = int(bool(_GATES[gate](x0, x1)))
            weighted_sum = w[0] * x0 + w[1] * x1 + b
            if _step(weighted_sum) != expected:
                wrong.append(f"({x0}, {x1}): sum = {weighted_sum:g} gives {_step(weighted_sum)}, "
                             f"{gate.upper()} is {expected}")
    if wrong:
        return report(False, "These inputs come out wrong:\n  " + "\n  ".join(wrong),
                      "The output is 1 exactly where the sum is above 0. Decide which inputs must "
                      "land above 0, and pick the bias to move the line.")
    return report(True, f"These weights compute {gate.upper()}: one straight line separates its 1s "
                        "from its 0s.")


# --- lesson 07: loss functions ----------------------------------------------------------------

def check_spam_losses(loss_spam: Any, loss_genuine: Any) -> Feedback:
    """Lesson 07: binary cross-entropy of filter C: p = 0.60 for a spam message (label 1:
    -log(0.60) = 0.511) and p = 0.20 for a genuine one (label 0: -log(1 - 0.20) = 0.223)."""
    p_spam, p_genuine = 0.60, 0.20
    log10 = "that uses the base-10 logarithm; the loss uses the natural one, `math.log` (ln)."
    return check_numbers(
        [Answer("loss_spam", loss_spam, -math.log(p_spam), mistakes=(
            (-math.log10(p_spam), log10),
            (-math.log(1 - p_spam), "that is -log(1 - p), the loss for label 0; this message was "
                                    "spam (label 1), so its loss is -log(p)."),
            (1 - p_spam, "that is how far p is from 1; the loss is -log(p)."))),
         Answer("loss_genuine", loss_genuine, -math.log(1 - p_genuine), mistakes=(
             (-math.log10(1 - p_genuine), log10),
             (-math.log(p_genuine), "that is -log(p), the loss for label 1; a genuine message has "
                                    "label 0, so its loss is -log(1 - p)."),
             (p_genuine, "that is the probability itself; the loss is -log(1 - p)."))),
         ],
        f"-log(0.60) = {-math.log(p_spam):.3f} and -log(1 - 0.20) = {-math.log(1 - p_genuine):.3f}: "
        "both answers leaned the right way, and the more confident one (80% genuine) costs less.",
        "Label 1: -log(p). Label 0: -log(1 - p). Natural log: `math.log`.",
    )


def check_mse(mean_squared_error: Any) -> Feedback:
    """Lesson 07: a function ``mean_squared_error(predictions, targets)`` for lists of numbers,
    tried on [2.5, 0.0, 2.0] against [3.0, -0.5, 2.0] (0.1667) and on a few other lists."""
    if (problem := _not_a_function("mean_squared_error", mean_squared_error,
                                   "predictions, targets")) is not None:
        return problem
    cases = [([2.5, 0.0, 2.0], [3.0, -0.5, 2.0]), ([1.0, 4.0], [2.0, 1.0]),
             ([0.0, 0.0, 0.0, 3.0], [1.0, -1.0, 2.0, 3.0])]
    name = "mean_squared_error"
    for predictions, targets in cases:
        call = f"`{name}({predictions}, {targets})`"
        misses = [p - t for p, t in zip(predictions, targets)]
        expected = sum(m ** 2 for m in misses) / len(misses)
        try:
            got = mean_squared_error(list(predictions), list(targets))
        except Exception as error:  # the reader's code: say what went wrong, do not crash
            return report(False, f"{call} raised {type(error).__name__}: {error}",
                          "Read the message; it takes two lists of numbers.")
        if got is None and _body_is_only_dots(mean_squared_error):
            return report(False, f"`{name}`'s body is still `...`: write it, ending with a "
                                 "`return` line.")
        if got is None:
            return report(False, f"{call} gave back None.", "Did you forget `return`?")
        if hasattr(got, "data"):
            got = got.data
        if not isinstance(got, (int, float)):
            return report(False, f"{call} gave {shown(got)}, not a number.",
                          "Return one number: the mean of the squared misses.")
        if abs(got - expected) <= 1e-9:
            continue
        known = {
            sum(m ** 2 for m in misses): "that is the sum of the squares; the mean divides it by "
                                         "the number of examples (forgot the mean).",
            sum(abs(m) for m in misses) / len(misses): "that averages the sizes of the misses; "
                                                       "square each miss instead.",
            sum(misses) / len(misses): "that averages the misses themselves, so misses above and "
                                       "below cancel out; square each one first.",
            math.sqrt(expected): "that is the square root of the answer (RMSE); leave out the root.",
            sum(m ** 2 for m in misses) / (len(misses) - 1) if len(misses) > 1 else math.nan:
                "that divides by one less than the number of examples; divide by all of them.",
        }
        what = next((text for value, text in known.items() if abs(got - value) <= 1e-9), "")
        return report(False, f"{call} gave {shown(got)}, but the mean squared error is "
                             f"{shown(expected)}" + (f": {what}" if what else "."),
                      "Square each difference prediction - target, add them up, divide by how "
                      "many there are.")
    return report(True, "mean_squared_error is right on every list I tried: for the lesson's "
                        "lists (0.25 + 0.25 + 0) / 3 = 0.1667. Two misses of 0.5, squared, averaged.")


def check_hinge(loss: Any) -> Feedback:
    """Lesson 07: hinge loss mean(max(0, 1 - y * s)) for scores [2.0, 0.3, -0.5], all with y = +1."""
    scores = [2.0, 0.3, -0.5]
    expected = sum(max(0.0, 1.0 - s) for s in scores) / len(scores)
    return check_numbers(
        [Answer("loss", loss, expected, mistakes=(
            (sum(1.0 - s for s in scores) / len(scores), "the score 2.0 is past the margin: "
             "max(0, 1 - 2.0) is 0, not -1. Keep the max."),
            (sum(max(0.0, 1.0 - s) for s in scores), "that is the sum; take the mean (divide by 3)."),
            (sum(max(0.0, -s) for s in scores) / len(scores), "the margin is 1: max(0, 1 - s), "
             "not max(0, -s)."),
        ))],
        f"Hinge = (0 + 0.7 + 1.5) / 3 = {expected:.4f}. The score 2.0 is past the margin of 1, so "
        "it costs nothing: hinge stops rewarding confidence once an answer is safely right.",
        "For each score s with label +1 the cost is max(0, 1 - s); then take the mean.",
    )
