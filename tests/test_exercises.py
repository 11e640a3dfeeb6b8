"""The exercise checks: right answers pass, wrong and missing ones fail with a useful message.

Where possible the right answer is computed here by an independent route (the engine's
backward(), the nn and losses modules, numerical slopes), so a check and the package cannot
both be wrong in the same way.
"""

from __future__ import annotations

import math

import pytest

from micrograd_plus import Value
from micrograd_plus import exercises
from micrograd_plus.exercises import (
    RIGHT, WRONG, Answer, Feedback, check_numbers, report, shown,
    check_tanh_backprop, check_activation_slopes, check_backprop_by_hand, check_numbers_read,
    check_gate_weights, check_graph, check_hinge, check_mse, check_neuron_by_hand,
    check_node_count, check_partial_derivatives, check_perceptron_update, check_same_neuron,
    check_slope, check_spam_losses, check_used_twice,
    check_accuracy_message, check_mean_mark, check_square_error, check_sum_of_squares,
    check_tanh_list, check_tanh_of_half, check_weighted_sum,
)
from micrograd_plus.gradcheck import numerical_gradient


def passes(feedback: Feedback, printed: str) -> bool:
    """The check returned a truthy Feedback and printed a tick and no cross, or the reverse."""
    assert feedback.message in printed
    assert (RIGHT in printed) == bool(feedback) and (WRONG in printed) != bool(feedback)
    return bool(feedback)


# --- the shared machinery ---------------------------------------------------------------------

def test_report_prints_and_returns_the_verdict(capsys):
    feedback = report(False, "x is wrong", "try 3")
    printed = capsys.readouterr().out
    assert not feedback and "x is wrong" in printed and "Hint: try 3" in printed
    feedback = report(True, "well done", "never shown")
    printed = capsys.readouterr().out
    assert feedback and "well done" in printed and "never shown" not in printed


def test_feedback_does_not_print_twice_in_a_notebook(capsys):
    feedback = report(True, "once")
    capsys.readouterr()
    feedback._ipython_display_()
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("given, problem", [
    (..., "still `...`"),
    (None, "still `...`"),
    (Value(2.0), "is a Value"),
    ("2", "should be a number"),
    (True, "should be a number"),
    (float("nan"), "finite"),
    (2.5, "not right yet"),
])
def test_answer_says_what_is_wrong(given, problem):
    assert problem in Answer("x", given, 2.0).problem()


def test_answer_accepts_rounding_within_tolerance():
    assert Answer("x", 0.245, 0.24491).problem() == ""
    assert Answer("x", 1000.4, 1000.0).problem() == ""  # tolerance is relative for large numbers
    assert Answer("x", 0.25, 0.24491).problem() != ""


def test_check_numbers_lists_right_and_wrong_answers(capsys):
    feedback = check_numbers([Answer("a", 1.0, 1.0), Answer("b", 5.0, 2.0, hint="b is 2")], "done")
    printed = capsys.readouterr().out
    assert not feedback
    assert "`b` = 5 is not right yet" in printed and "Right already: `a`" in printed
    assert "b is 2" in printed


def test_no_hint_before_the_reader_has_tried(capsys):
    check_numbers([Answer("a", ..., 1.0, hint="secret")], "done", hint="general")
    printed = capsys.readouterr().out
    assert "still `...`" in printed and "secret" not in printed and "general" not in printed


def test_numbers_in_feedback_are_rounded(capsys):
    assert shown(0.34099999999999997) == "0.341" and shown(7.0) == "7" and shown(12) == "12"
    assert shown(-1.23456789e-5) == "-1.235e-05" and shown("x") == "'x'"
    check_numbers([Answer("accuracy", 0.34099999999999997, 0.5)], "done")
    assert "`accuracy` = 0.341 is not right yet" in capsys.readouterr().out


def test_a_wrong_value_a_list_or_a_tuple_is_shown_rounded(capsys):
    # A learner's Value, list or tuple is echoed with the same rounding as a plain number.
    assert shown([0.1 + 0.2, 2.0]) == "[0.3, 2]" and shown((0.34099999999999997,)) == "(0.341,)"
    assert shown(Value(0.34099999999999997)) == "Value(data=0.341, grad=0)"
    check_numbers([Answer("a_grad", Value(0.34099999999999997), 0.5)], "done")
    printed = capsys.readouterr().out
    assert "Value(data=0.341, grad=0)" in printed and "0.34099999999999997" not in printed
    check_numbers([Answer("a_grad", [0.34099999999999997], 0.5)], "done")
    printed = capsys.readouterr().out
    assert "got list: [0.341]" in printed and "0.34099999999999997" not in printed


@pytest.mark.parametrize("given, expected, says", [
    (-4.0, 4.0, "wrong sign"),
    (85.0, 0.85, "percentage"),
    (0.3, 0.25, ""),
])
def test_answer_recognises_the_common_mistakes(given, expected, says):
    problem = Answer("x", given, expected).problem()
    assert "not right yet" in problem
    assert (says in problem) if says else ("wrong sign" not in problem and "percentage" not in problem)


def test_answer_names_a_mistake_it_was_told_about():
    answer = Answer("loss", 0.523, 1.204, mistakes=((0.523, "that is log10, use the natural log"),))
    assert "log10" in answer.problem()


def test_feedback_in_a_notebook_is_html_with_the_same_plain_text(monkeypatch):
    shown_bundles = []
    monkeypatch.setattr(exercises, "_in_a_notebook", lambda: True)
    import IPython.display
    monkeypatch.setattr(IPython.display, "display", lambda bundle, raw: shown_bundles.append(bundle))
    feedback = report(False, "`w_grad` = 10 is not right yet.", "Each `backward()` adds 5 <here>.")
    (bundle,) = shown_bundles
    assert bundle["text/plain"] == feedback.message and WRONG in feedback.message
    page = bundle["text/html"]
    assert "<code>w_grad</code>" in page and "<code>backward()</code>" in page
    assert "`" not in page and "&lt;here&gt;" in page and "Hint" in page


def test_every_check_is_exported_and_documented():
    checks = [name for name in exercises.__all__ if name.startswith("check_") and name != "check_numbers"]
    assert len(checks) >= 16
    for name in checks:
        assert getattr(exercises, name).__doc__, f"{name} has no docstring saying what it checks"


# --- lesson 00-03 -------------------------------------------------------------------------------

def test_check_numbers_read_names_each_miscount(capsys):
    assert passes(check_numbers_read(80 * 2), capsys.readouterr().out)
    for wrong, says in [(80, "counts the examples"), (2, "one example"), (337, "adjusts")]:
        assert not passes(check_numbers_read(wrong), printed := capsys.readouterr().out)
        assert says in printed
    assert not passes(check_numbers_read(...), capsys.readouterr().out)


# --- lesson 01: just enough Python -----------------------------------------------------------

@pytest.mark.parametrize("check, right, wrongs", [
    (check_weighted_sum, 0.5 * 2.0 + 0.25,
     [(0.5 * (2.0 + 0.25), "brackets"), (0.5 + 2.0 + 0.25, "adds w"), (1.0, "bias b is missing"),
      (-1.25, "wrong sign")]),
    (check_tanh_of_half, math.tanh(0.5), [(0.5, "the input itself"), (math.tanh, "is a function")]),
    (check_mean_mark, 92.0 / 12, [(92.0, "that is the sum"), (92.0 / 11, "divides by 11"),
                                  (7.5, "first mark")]),
    (check_sum_of_squares, 5.3125, [(1.25, "errors themselves"), (0.0625, "only the last square"),
                                    (5.3125 / 4, "mean of the squares"), (3.75, "sizes")]),
])
def test_python_checks_name_the_usual_mistakes(capsys, check, right, wrongs):
    assert passes(check(right), capsys.readouterr().out)
    for wrong, says in wrongs:
        assert not passes(check(wrong), printed := capsys.readouterr().out)
        assert says in printed, (wrong, printed)
    assert not passes(check(...), capsys.readouterr().out)


def test_check_mean_mark_agrees_with_the_lesson_list(capsys):
    marks = [7.5, 9.0, 6.0, 8.5, 10.0, 4.5, 7.0, 8.0, 9.5, 6.5, 8.0, 7.5]
    assert passes(check_mean_mark(sum(marks) / len(marks)), capsys.readouterr().out)


def not_written(prediction, target):
    ...


def no_return(prediction, target):
    (prediction - target) ** 2


@pytest.mark.parametrize("function, says", [
    (not_written, "still `...`"),
    (no_return, "forget `return`"),
    (lambda prediction, target: prediction - target, "not squared"),
    (lambda prediction, target: abs(prediction - target), "size of the miss"),
    (lambda prediction: prediction, "takes two inputs"),
    (lambda prediction, target: (prediction - target) * 2, "instead of"),
    (4.0, "should be a function"),
    (..., "still `...`"),
])
def test_check_square_error_says_what_the_function_got_wrong(capsys, function, says):
    assert not passes(check_square_error(function), printed := capsys.readouterr().out)
    assert says in printed


def test_check_square_error_accepts_a_right_function(capsys):
    def square_error(prediction, target):
        return (prediction - target) ** 2
    assert passes(check_square_error(square_error), capsys.readouterr().out)


@pytest.mark.parametrize("outputs, says", [
    (math.tanh(1.0), "one number"),
    ((math.tanh(x) for x in [-2, -1, 0, 1, 2]), "should be a list"),
    ([math.tanh(x) for x in [-2, -1, 0, 1]], "has 4 items"),
    ([-2, -1, 0, 1, 2], "copy of `inputs`"),
    ([math.tanh(x) for x in [-2, -1, 0, 1, 3]], "Items 4"),
])
def test_check_tanh_list(capsys, outputs, says):
    assert not passes(check_tanh_list(outputs), printed := capsys.readouterr().out)
    assert says in printed
    assert passes(check_tanh_list([math.tanh(x) for x in [-2, -1, 0, 1, 2]]), capsys.readouterr().out)


@pytest.mark.parametrize("message, says", [
    ("accuracy: {accuracy:.0%}", "Put an f"),
    ("accuracy: 0.9237", "as a percentage"),
    ("accuracy: 92.37%", "No decimals"),
    (" accuracy: 92% ", "no spaces"),
    (92, "should be text"),
])
def test_check_accuracy_message(capsys, message, says):
    assert not passes(check_accuracy_message(message), printed := capsys.readouterr().out)
    assert says in printed
    accuracy = 0.9237
    assert passes(check_accuracy_message(f"accuracy: {accuracy:.0%}"), capsys.readouterr().out)


def test_check_slope_against_a_numerical_slope(capsys):
    def f(x):
        return 0.5 * x ** 3 - 2 * x
    h = 1e-3
    assert passes(check_slope((f(1 + h) - f(1)) / h), capsys.readouterr().out)
    for wrong, says in [(f(1.0), "height"), (4.0, "slope at x = 2"), (f(2.0) - f(1.0), "h = 1"),
                        ((f(1.1) - f(1.0)) / 0.1, "h = 0.1"), (0.5, "wrong sign")]:
        feedback = check_slope(wrong)
        assert not passes(feedback, capsys.readouterr().out) and says in feedback.message, wrong


def test_check_partial_derivatives_against_the_engine(capsys):
    inputs = [Value(2.0), Value(-1.0), Value(3.0)]
    slopes = numerical_gradient(lambda a, b, c: a * b + c ** 2, inputs)
    assert passes(check_partial_derivatives(*slopes), capsys.readouterr().out)
    assert not passes(check_partial_derivatives(slopes[1], slopes[0], slopes[2]), capsys.readouterr().out)


def labelled_graph(x=1.5, y=2.5, z=-2.0, label_sum=True, swap=False):
    x, y, z = Value(x, label="x"), Value(y, label="y"), Value(z, label="z")
    s = x + y
    s.label = "s" if label_sum else ""
    e = z * s if swap else s * z
    e.label = "e"
    return e


def test_check_graph(capsys):
    assert passes(check_graph(labelled_graph()), capsys.readouterr().out)
    assert passes(check_graph(labelled_graph(swap=True)), capsys.readouterr().out)
    assert not passes(check_graph(labelled_graph(z=2.0)), capsys.readouterr().out)
    assert not passes(check_graph(labelled_graph(label_sum=False)), capsys.readouterr().out)
    x, y, z = Value(1.5, label="x"), Value(2.5, label="y"), Value(-2.0, label="z")
    feedback = check_graph(x + y * z)
    assert not feedback and "'+'" in feedback.message


def test_check_node_count(capsys):
    assert passes(check_node_count(6), capsys.readouterr().out)
    for wrong, says in [(5, "constant 2"), (7, "single node"), (3, "only the operations")]:
        feedback = check_node_count(wrong)
        assert not passes(feedback, capsys.readouterr().out) and says in feedback.message


# --- lesson 04: answers from the engine's own backward() --------------------------------------

def test_check_backprop_by_hand_agrees_with_backward(capsys):
    a, b, c = Value(2.0), Value(-4.0), Value(3.0)
    ((a * b) * c).backward()
    assert passes(check_backprop_by_hand(a_grad=a.grad, b_grad=b.grad, c_grad=c.grad), capsys.readouterr().out)
    feedback = check_backprop_by_hand(a_grad=a.grad, b_grad=-b.grad, c_grad=c.grad)
    assert not feedback and "b_grad" in feedback.message and "Right already" in feedback.message


def test_check_used_twice_agrees_with_backward(capsys):
    x = Value(3.0)
    (x * x + x).backward()
    assert passes(check_used_twice(x.grad), capsys.readouterr().out)
    assert not passes(check_used_twice(6.0), printed := capsys.readouterr().out)  # forgot the lone x
    assert "'+ x' edge" in printed


def test_check_backprop_by_hand_names_a_missing_chain_step(capsys):
    feedback = check_backprop_by_hand(a_grad=-4.0, b_grad=3.0, c_grad=3.0)
    assert not passes(feedback, capsys.readouterr().out)
    assert "only the local derivative" in feedback.message and "that is dL/dp" in feedback.message


def test_check_tanh_backprop_agrees_with_backward(capsys):
    x, w, b = Value(1.5), Value(0.8), Value(-0.4)
    (x * w + b).tanh().backward()
    assert passes(check_tanh_backprop(w.grad), capsys.readouterr().out)
    o = math.tanh(0.8)
    for wrong, says in [(1 - o ** 2, "bend's slope"), ((1 - 0.8 ** 2) * 1.5, "uses n"),
                        ((1 - o) * 1.5, "square o"), (x.grad, "that is do/dx"), (-w.grad, "wrong sign")]:
        assert not passes(check_tanh_backprop(wrong), printed := capsys.readouterr().out)
        assert says in printed


# --- lesson 05: a neuron ----------------------------------------------------------------------

def test_check_neuron_by_hand_agrees_with_a_neuron(capsys):
    from micrograd_plus.nn import Neuron
    neuron = Neuron(2, activation="tanh", seed=0)
    neuron.load_state_dict({"w0": 0.5, "w1": -1.0, "b": 0.25})
    assert passes(check_neuron_by_hand(neuron([2.0, 1.0]).data), capsys.readouterr().out)
    assert not passes(check_neuron_by_hand(0.25), capsys.readouterr().out)  # forgot the tanh


def test_check_activation_slopes_agrees_with_backward(capsys):
    slopes = []
    for z, activate in [(0.0, Value.tanh), (0.0, Value.sigmoid), (-1.0, Value.relu)]:
        v = Value(z)
        activate(v).backward()
        slopes.append(v.grad)
    assert passes(check_activation_slopes(*slopes), capsys.readouterr().out)
    assert not passes(check_activation_slopes(1.0, 0.5, 0.0), capsys.readouterr().out)


def test_check_same_neuron(capsys):
    from micrograd_plus.nn import Neuron
    original = Neuron(3, activation="tanh", seed=1)
    copy = Neuron(3, activation="tanh", seed=2)
    assert not passes(check_same_neuron(copy, original), capsys.readouterr().out)
    copy.load_state_dict(original.state_dict())
    assert passes(check_same_neuron(copy, original), capsys.readouterr().out)
    other_activation = Neuron(3, activation="relu", seed=2)
    other_activation.load_state_dict(original.state_dict())
    assert not passes(check_same_neuron(other_activation, original), capsys.readouterr().out)
    assert not passes(check_same_neuron(Neuron(2, seed=0), original), capsys.readouterr().out)
    assert not passes(check_same_neuron(..., original), capsys.readouterr().out)


# --- lesson 06: the perceptron ----------------------------------------------------------------

def test_check_perceptron_update_agrees_with_the_perceptron(capsys):
    from micrograd_plus.nn import Perceptron
    perceptron = Perceptron(2, lr=1.0, seed=0)
    perceptron.w, perceptron.b = [0.2, -0.6], 0.1
    perceptron.fit([[1.0, 1.0]], [1], max_epochs=1)  # one pass over one example: one update
    assert passes(check_perceptron_update(perceptron.w, perceptron.b), capsys.readouterr().out)
    assert not passes(check_perceptron_update([0.2, -0.6], 0.1), capsys.readouterr().out)
    assert not passes(check_perceptron_update(..., 1.1), capsys.readouterr().out)
    assert not passes(check_perceptron_update(1.2, 1.1), capsys.readouterr().out)


@pytest.mark.parametrize("gate, w, b", [
    ("and", [1.0, 1.0], -1.5), ("or", [1.0, 1.0], -0.5), ("nand", [-1.0, -1.0], 1.5), ("nor", [-1.0, -1.0], 0.5),
])
def test_check_gate_weights_accepts_working_weights(capsys, gate, w, b):
    assert passes(check_gate_weights(gate, w, b), capsys.readouterr().out)


def test_check_gate_weights_names_the_wrong_inputs(capsys):
    feedback = check_gate_weights("and", [1.0, 1.0], 0.0)
    assert not feedback and "(0, 1)" in feedback.message and "(1, 1)" not in feedback.message
    feedback = check_gate_weights("and", [1.0, 1.0], -2.0)  # (1, 1) lands exactly on the line
    assert not feedback and "(1, 1)" in feedback.message
    feedback = check_gate_weights("xor", [1.0, 1.0], 0.0)
    assert not feedback and "XOR" in feedback.message
    capsys.readouterr()


# --- lesson 07: losses, against micrograd_plus.losses -------------------------------------------

def test_check_spam_losses_agrees_with_binary_cross_entropy(capsys):
    from micrograd_plus.losses import binary_cross_entropy
    spam = binary_cross_entropy([Value(0.60)], [1]).data
    genuine = binary_cross_entropy([Value(0.20)], [0]).data
    assert passes(check_spam_losses(spam, genuine), capsys.readouterr().out)
    for given, says in [((-math.log10(0.6), -math.log10(0.8)), "base-10"),
                        ((-math.log(0.4), -math.log(0.2)), "loss for label 0"),
                        ((spam, -math.log(0.2)), "loss for label 1"),
                        ((math.log(0.6), genuine), "wrong sign")]:
        feedback = check_spam_losses(*given)
        assert not passes(feedback, capsys.readouterr().out) and says in feedback.message, given


def right_mse(predictions, targets):
    return sum((p - t) ** 2 for p, t in zip(predictions, targets)) / len(targets)


def mse_not_written(predictions, targets):
    ...


def mse_without_return(predictions, targets):
    sum((p - t) ** 2 for p, t in zip(predictions, targets)) / len(targets)


@pytest.mark.parametrize("function, says", [
    (lambda ps, ts: sum((p - t) ** 2 for p, t in zip(ps, ts)), "forgot the mean"),
    (lambda ps, ts: sum(abs(p - t) for p, t in zip(ps, ts)) / len(ts), "sizes of the misses"),
    (lambda ps, ts: sum(p - t for p, t in zip(ps, ts)) / len(ts), "cancel out"),
    (lambda ps, ts: math.sqrt(right_mse(ps, ts)), "square root"),
    (lambda ps, ts: sum((p - t) ** 2 for p, t in zip(ps, ts)) / (len(ts) - 1), "one less"),
    (lambda ps, ts: ps[0], "but the mean squared error is"),
    (lambda ps: 0.0, "raised TypeError"),
    (mse_not_written, "still `...`"),
    (mse_without_return, "forget `return`"),
    (0.1667, "should be a function"),
])
def test_check_mse_names_the_usual_mistakes(capsys, function, says):
    feedback = check_mse(function)
    assert not passes(feedback, capsys.readouterr().out) and says in feedback.message


def test_check_mse_agrees_with_the_library_mse(capsys):
    from micrograd_plus.losses import mse

    def library_mse(predictions, targets):
        return mse([Value(p) for p in predictions], targets)  # a Value: its .data is read
    assert passes(check_mse(library_mse), capsys.readouterr().out)
    assert passes(check_mse(right_mse), capsys.readouterr().out)


def test_check_hinge_agrees_with_hinge(capsys):
    from micrograd_plus.losses import hinge
    loss = hinge([Value(2.0), Value(0.3), Value(-0.5)], [1, 1, 1]).data
    assert passes(check_hinge(loss), capsys.readouterr().out)
    for wrong, says in [((-1.0 + 0.7 + 1.5) / 3, "Keep the max"), (2.2, "take the mean"),
                        ((0 + 0 + 0.5) / 3, "the margin is 1")]:
        feedback = check_hinge(wrong)
        assert not passes(feedback, capsys.readouterr().out) and says in feedback.message


def test_neuron_checks_name_value_versus_slope_and_missing_tanh(capsys):
    feedback = check_neuron_by_hand(0.25)
    assert not passes(feedback, capsys.readouterr().out) and "applies its activation" in feedback.message
    feedback = check_activation_slopes(0.0, 0.5, 1.0)
    assert not passes(feedback, capsys.readouterr().out)
    assert feedback.message.count("solid curve") == 2 and "positive inputs" in feedback.message


def test_check_perceptron_update_names_a_subtraction_and_a_missed_update(capsys):
    feedback = check_perceptron_update([0.2 - 1, -0.6 - 1], 0.1 - 1)
    assert not passes(feedback, capsys.readouterr().out) and "you subtracted" in feedback.message
    feedback = check_perceptron_update([1.2, 0.4], 0.1)
    assert not passes(feedback, capsys.readouterr().out) and "bias changes too" in feedback.message
    assert "Right already: `w[0]`, `w[1]`" in feedback.message
