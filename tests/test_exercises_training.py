"""The checks for lessons 08-16: right answers pass, wrong and missing ones fail with a message
that says what to do.

The right answers are computed here by independent routes (closed-form formulas, math.exp,
models trained with fit), so a check and the package cannot both be wrong in the same way.
"""

from __future__ import annotations

import math

import pytest

from micrograd_plus.data import load_digits, make_circles
from micrograd_plus.exercises import (
    check_best_epoch, check_chance_level, check_circles_model, check_deeper_network, check_guessing_loss,
    check_conv_parameters, check_cross_entropy, check_gradient_step, check_learning_rate,
    check_group_share, check_parameter_count, check_ruler_fixed, check_sgd_update, check_softmax, check_training_step,
)
from micrograd_plus.losses import binary_cross_entropy_with_logits
from micrograd_plus.nn import MLP
from micrograd_plus.optim import Adam
from micrograd_plus.train import History, fit
from test_exercises import passes as verdict  # one definition of "the check passed"


def test_check_gradient_step_and_its_hints(capsys):
    slope = 2 * (5.0 - 3.0)
    assert verdict(check_gradient_step(new_w=5.0 - 0.25 * slope), capsys.readouterr().out)
    assert not verdict(check_gradient_step(new_w=5.0 + 0.25 * slope), printed := capsys.readouterr().out)
    assert "uphill" in printed
    assert not verdict(check_gradient_step(new_w=5.0 - slope), printed := capsys.readouterr().out)
    assert "multiply the slope by the learning rate" in printed
    assert not verdict(check_gradient_step(new_w=...), capsys.readouterr().out)


@pytest.mark.parametrize("learning_rate", [0.01, 0.1, 0.2, 0.25, 0.4, 0.5, 0.7, 0.76, 0.8, 0.95, 1.0, 1.2, 3.0])
def test_check_learning_rate_agrees_with_the_closed_form(capsys, learning_rate):
    # Each step multiplies the distance to 3 (initially 4) by (1 - 2 lr).
    reaches = 4.0 * abs(1 - 2 * learning_rate) ** 10 < 0.01
    assert verdict(check_learning_rate(learning_rate), capsys.readouterr().out) == reaches


def test_check_learning_rate_names_the_regime(capsys):
    check_learning_rate(0.05)
    assert "too small" in capsys.readouterr().out
    check_learning_rate(0.9)
    assert "overshoots" in capsys.readouterr().out
    check_learning_rate(5.0)
    assert "diverges" in capsys.readouterr().out
    for bad in (-0.1, 0, "0.3", float("nan"), ...):
        assert not verdict(check_learning_rate(bad), capsys.readouterr().out)


@pytest.mark.parametrize("nin, nouts", [(2, [3, 1]), (2, [12, 3]), (2, [6, 6, 3]), (64, [10])])
def test_check_parameter_count_agrees_with_the_formula(capsys, nin, nouts):
    sizes = [nin, *nouts]
    count = sum(m * (n + 1) for n, m in zip(sizes, sizes[1:]))
    assert verdict(check_parameter_count(nin, nouts, count), capsys.readouterr().out)
    assert not verdict(check_parameter_count(nin, nouts, count - 1), capsys.readouterr().out)


def step_right(model, X, y, optimizer):
    loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.data


def step_without_zero_grad(model, X, y, optimizer):
    loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
    loss.backward()
    optimizer.step()
    return loss.data


def step_without_update(model, X, y, optimizer):
    loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
    optimizer.zero_grad()
    loss.backward()
    return loss.data


def step_without_backward(model, X, y, optimizer):
    loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
    optimizer.zero_grad()
    optimizer.step()
    return loss.data


def step_returning_a_value(model, X, y, optimizer):
    step_right(model, X, y, optimizer)
    return binary_cross_entropy_with_logits([model(x) for x in X], y)


def step_with_mse(model, X, y, optimizer):
    from micrograd_plus.losses import mse
    loss = mse([model(x) for x in X], y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.data


def step_zeroing_first(model, X, y, optimizer):
    optimizer.zero_grad()
    loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
    loss.backward()
    optimizer.step()
    return loss.data


def step_zeroing_between_backward_and_step(model, X, y, optimizer):
    loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.data


def step_that_raises(model, X, y, optimizer):
    raise KeyError("oops")


def step_not_written_yet(model, X, y, optimizer):
    ...


@pytest.mark.parametrize("step, expected_text", [
    (step_without_zero_grad, "zero_grad"),
    (step_without_update, "optimizer.step()"),
    (step_without_backward, "loss.backward()"),
    (step_zeroing_between_backward_and_step, "wiped the gradients"),
    (step_returning_a_value, "loss.data"),
    (step_with_mse, "binary_cross_entropy_with_logits"),
    (step_that_raises, "KeyError"),
    (step_not_written_yet, "Fill in its body"),
    (..., "still `...`"),
    (42, "should be a function"),
])
def test_check_training_step_finds_each_mistake(capsys, step, expected_text):
    feedback = check_training_step(step)
    printed = capsys.readouterr().out
    assert not verdict(feedback, printed)
    assert expected_text in printed


@pytest.mark.parametrize("step", [step_right, step_zeroing_first])
def test_check_training_step_passes_a_correct_step(capsys, step):
    assert verdict(check_training_step(step), capsys.readouterr().out)


def test_check_training_step_names_the_missing_update_and_not_backward(capsys):
    check_training_step(step_without_update)
    printed = capsys.readouterr().out
    assert "never called" in printed and "loss.backward()` before" not in printed


def test_check_sgd_update_recognises_the_usual_slips(capsys):
    b, gradient, lr = 0.25, -0.4, 0.5
    assert verdict(check_sgd_update(b - lr * gradient, b, gradient, lr), printed := capsys.readouterr().out)
    assert "0.2500 - 0.5 * (-0.4000) = 0.4500" in printed
    assert verdict(check_sgd_update(0.45, b, gradient, lr), capsys.readouterr().out)   # rounded by hand
    for wrong, says in [(b + lr * gradient, "subtract it"), (b - gradient, "multiply it by the learning rate"),
                        (lr * gradient, "the size of the step"), (..., "still `...`")]:
        assert not verdict(check_sgd_update(wrong, b, gradient, lr), printed := capsys.readouterr().out)
        assert says in printed and "`new_v`" in printed


@pytest.mark.parametrize("sizes", [[5, 5, 5, 3], [6, 5, 4, 3], (4, 6, 5, 3), [5, 6, 5, 3]])
def test_check_deeper_network_accepts_three_hidden_layers_near_99(capsys, sizes):
    count = sum(m * (n + 1) for n, m in zip([2, *sizes], sizes))
    assert abs(count - 99) <= 10
    assert verdict(check_deeper_network(sizes), capsys.readouterr().out)


@pytest.mark.parametrize("sizes, says", [
    ([7, 7, 3], "has 2 hidden layers"),                  # the deep network of the race, copied
    ([16, 3], "has 1 hidden layer;"),
    ([8, 8, 8, 3], "= 171 parameters, 72 more than"),
    ([2, 2, 2, 3], "fewer than"),
    ([5, 5, 5, 1], "ends in 1"),
    ([5, 5, 5.5, 3], "whole numbers"),
    (..., "still `...`"),
])
def test_check_deeper_network_says_what_is_off(capsys, sizes, says):
    assert not verdict(check_deeper_network(sizes), printed := capsys.readouterr().out)
    assert says in printed and "`three_layer_sizes`" in printed or "MLP(2" in printed


def test_check_chance_level(capsys):
    for classes in (2, 3, 10):
        assert verdict(check_chance_level(classes, 1 / classes), capsys.readouterr().out)
    assert not verdict(check_chance_level(3, 0.5), printed := capsys.readouterr().out)
    assert "coin flip between two classes" in printed and "`guess_accuracy` = 0.5" in printed
    assert not verdict(check_chance_level(3, 100 / 3), printed := capsys.readouterr().out)
    assert "percentage" in printed and "0.333" in printed


def trained(model, X, y, epochs: int):
    """``model`` after ``epochs`` of Adam on binary cross-entropy, as the lessons train it."""
    fit(model, X, y, loss=binary_cross_entropy_with_logits, optimizer=Adam(model.parameters(), lr=0.05),
        epochs=epochs, progress=False)
    return model


def test_check_circles_model_measures_on_new_points(capsys):
    X, y = make_circles(n=200, noise=0.1, seed=0)
    model = trained(MLP(2, [8, 8, 1], seed=0), X, y, epochs=40)
    assert verdict(check_circles_model(model), capsys.readouterr().out)
    assert not verdict(check_circles_model(MLP(2, [8, 8, 1], seed=0)), capsys.readouterr().out)
    assert not verdict(check_circles_model(MLP(3, [1], seed=0)), printed := capsys.readouterr().out)
    assert "2 inputs" in printed
    assert not verdict(check_circles_model(...), capsys.readouterr().out)


def test_check_softmax_and_cross_entropy_agree_with_math(capsys):
    exps = [math.exp(z) for z in (0.5, 2.5, -1.0)]
    probabilities = [e / sum(exps) for e in exps]
    assert verdict(check_softmax(probabilities), capsys.readouterr().out)
    assert verdict(check_softmax([round(p, 3) for p in probabilities]), capsys.readouterr().out)
    assert not verdict(check_softmax(probabilities[::-1]), capsys.readouterr().out)
    assert not verdict(check_softmax(probabilities[:2]), capsys.readouterr().out)
    assert not verdict(check_softmax(...), capsys.readouterr().out)
    assert verdict(check_cross_entropy(-math.log(probabilities[1])), capsys.readouterr().out)
    assert not verdict(check_cross_entropy(-math.log(probabilities[0])), printed := capsys.readouterr().out)
    assert "another class" in printed


@pytest.mark.parametrize("wrong, says", [
    ("exps", "divide each by their sum"),
    ("percent", "percentages"),
    ("scores", "exponentiate them first"),
])
def test_check_softmax_names_the_usual_slips(capsys, wrong, says):
    scores = (0.5, 2.5, -1.0)
    exps = [math.exp(z) for z in scores]
    answers = {"exps": exps, "percent": [100 * e / sum(exps) for e in exps],
               "scores": [z / sum(scores) for z in scores]}
    assert not verdict(check_softmax(answers[wrong]), printed := capsys.readouterr().out)
    assert says in printed and "`probabilities[0]`" in printed


@pytest.mark.parametrize("wrong, says", [
    (lambda p: -math.log10(p), "natural log"),
    (lambda p: math.log(p), "minus that"),
    (lambda p: p, "probability of the right class"),
])
def test_check_cross_entropy_names_the_usual_slips(capsys, wrong, says):
    exps = [math.exp(z) for z in (0.5, 2.5, -1.0)]
    right = exps[1] / sum(exps)
    assert not verdict(check_cross_entropy(wrong(right)), printed := capsys.readouterr().out)
    assert says in printed and "`loss`" in printed


def test_check_best_epoch_reads_the_lowest_validation_loss(capsys):
    history = History(epochs=[1, 2, 3, 4, 5], train_loss=[5, 4, 3, 2, 1],
                      val_loss=[0.9, 0.5, 0.4, 0.6, 0.8])
    assert verdict(check_best_epoch(history, 3), capsys.readouterr().out)
    assert not verdict(check_best_epoch(history, 5), printed := capsys.readouterr().out)   # lowest training loss
    assert "*training* loss" in printed and "`best_epoch` = 5" in printed
    assert not verdict(check_best_epoch(history, 2), printed := capsys.readouterr().out)   # the index, not the epoch
    assert "counts from 0" in printed
    with_accuracy = History(epochs=[1, 2, 3, 4, 5], train_loss=[5, 4, 3, 2, 1],
                            val_loss=[0.9, 0.8, 0.7, 0.5, 0.6], val_accuracy=[0.5, 0.9, 0.8, 0.8, 0.8])
    assert not verdict(check_best_epoch(with_accuracy, 2), printed := capsys.readouterr().out)
    assert "*accuracy*" in printed
    assert not verdict(check_best_epoch(History(epochs=[1], train_loss=[1.0]), 1), capsys.readouterr().out)


def with_ruler(image):
    return [1.0 if i % 8 == 0 else value for i, value in enumerate(image)]


def test_check_ruler_fixed_rewards_a_model_that_reads_the_digits(capsys):
    X, y = load_digits(digits=(3, 7))
    X, y = X[:160], y[:160]
    fair = trained(MLP(64, [1], seed=0), [with_ruler(x) if i % 2 else x for i, x in enumerate(X)], y,
                   epochs=40)
    assert verdict(check_ruler_fixed(fair), printed := capsys.readouterr().out)
    assert "of 202 new, clean 3s and 7s right" in printed
    fooled = trained(MLP(64, [1], seed=0), [with_ruler(x) if label == 1 else x for x, label in zip(X, y)],
                     y, epochs=40)
    assert not verdict(check_ruler_fixed(fooled), capsys.readouterr().out)
    assert not verdict(check_ruler_fixed(MLP(2, [1], seed=0)), capsys.readouterr().out)


def test_check_group_share_tells_percent_and_the_wrong_denominator(capsys):
    assert verdict(check_group_share(6 / 120), capsys.readouterr().out)
    assert verdict(check_group_share(0.05), capsys.readouterr().out)
    for wrong, says in [(5, "percentage"), (6 / 114, "against A alone"), (114 / 120, "group A's share"),
                        (0.5, "divided by all the patients")]:
        assert not verdict(check_group_share(wrong), printed := capsys.readouterr().out)
        assert says in printed and "`share_b`" in printed


def test_check_conv_parameters_agrees_with_the_formula(capsys):
    assert verdict(check_conv_parameters(dense=16 * 28 * 28 + 16, conv=16 * 3 * 3 + 16), capsys.readouterr().out)
    assert not verdict(check_conv_parameters(dense=16 * 28 * 28, conv=16 * 3 * 3), capsys.readouterr().out)
    assert not verdict(check_conv_parameters(dense=..., conv=160), capsys.readouterr().out)


@pytest.mark.parametrize("wrong, says", [
    (math.log10(27), "natural log"), (math.log2(27), "log2"), (1 / 27, "probability of the right token"),
    (-math.log(27), "minus that"), (..., "still `...`"),
])
def test_check_guessing_loss_names_the_usual_slips(capsys, wrong, says):
    assert verdict(check_guessing_loss(math.log(27)), capsys.readouterr().out)
    assert not verdict(check_guessing_loss(wrong), printed := capsys.readouterr().out)
    assert says in printed and "`guess_loss`" in printed
