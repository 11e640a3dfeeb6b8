"""The claims lessons 00-08 make, re-run over several seeds: if one stops holding, the lesson's
text is wrong and this fails. Each test names the lesson and the sentence it backs."""

from __future__ import annotations

import math

import pytest

from micrograd_plus import Value
from micrograd_plus.data import logic_gate, make_blobs, make_moons
from micrograd_plus.nn import MLP, Neuron, Perceptron
from micrograd_plus.optim import SGD, Adam
from micrograd_plus.train import accuracy, fit, predict

SEEDS = range(5)


@pytest.mark.parametrize("seed", SEEDS)
def test_00_a_random_network_learns_the_moons_in_60_epochs(seed):
    """Lesson 00: 'after 60 epochs ... nearly every dot is on the right side', from a start
    that is no better than a coin (the shown seed 0 starts at exactly half)."""
    examples, labels = make_moons(80, noise=0.1, seed=0)
    model = MLP(2, [16, 16, 1], seed=seed)
    before = accuracy(model, examples, labels)
    fit(model, examples, labels, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9),
        epochs=60, progress=False)
    assert accuracy(model, examples, labels) >= 0.95 > before
    assert len(model.parameters()) == 337
    if seed == 0:
        assert before == 0.5


# --- lesson 08: gradient descent ----------------------------------------------------------------

FOUR_EXAMPLES = [([2.0, 1.0], 1.0), ([0.5, 2.0], -1.0), ([3.0, 0.5], 1.0), ([1.0, 2.5], -1.0)]


def train_lesson_05_neuron(seed: int, steps: int = 100):
    """Lessons 05 and 08: the tanh neuron, squared error on the four examples, plain steps of 0.1;
    returns the neuron, its (w0, w1) after each step and the loss of each step."""
    neuron = Neuron(2, activation="tanh", seed=seed)
    w0, w1, _ = neuron.parameters()
    path, losses = [(w0.data, w1.data)], []
    for _ in range(steps):
        wrongness = sum((neuron(x) - target) ** 2 for x, target in FOUR_EXAMPLES)
        neuron.zero_grad()
        wrongness.backward()
        for p in neuron.parameters():
            p.data -= 0.1 * p.grad
        path.append((w0.data, w1.data))
        losses.append(wrongness.data)
    return neuron, path, losses


@pytest.mark.parametrize("seed", SEEDS)
def test_08_the_neurons_walk_is_long_steps_then_a_crawl_along_a_floor_without_bottom(seed):
    """Lesson 08: long first steps, a crawl at the end, and the loss still falls further along
    the valley (larger w0, smaller w1): the valley has no single lowest point."""
    neuron, path, losses = train_lesson_05_neuron(seed)
    steps = [math.dist(p, q) for p, q in zip(path, path[1:])]
    assert losses[-1] < 0.05 < losses[0]
    assert max(steps[:10]) > 20 * steps[-1]
    w0, w1, b = (p.data for p in neuron.parameters())

    def loss_over(u, v):
        return sum((math.tanh(u * x[0] + v * x[1] + b) - t) ** 2 for x, t in FOUR_EXAMPLES)
    assert loss_over(w0 + 1, w1 - 1) < loss_over(w0, w1)


def test_08_the_top_left_is_a_plateau_of_confident_wrong_answers():
    neuron, _, _ = train_lesson_05_neuron(0)
    b = neuron.b.data
    corner = sum((math.tanh(-2 * x[0] + 2 * x[1] + b) - t) ** 2 for x, t in FOUR_EXAMPLES)
    assert corner > 14  # 16 is every answer fully wrong


def walk(loss, start, learning_rate, steps):
    w = Value(start)
    for _ in range(steps):
        w.grad = 0.0
        loss(w).backward()
        w.data -= learning_rate * w.grad
    return w.data


def test_08_learning_rates_crawl_arrive_and_diverge():
    def loss_of(w):
        return (w - 3) ** 2
    assert abs(walk(loss_of, -1.0, 0.02, 15) - 3) > 2
    assert abs(walk(loss_of, -1.0, 0.3, 15) - 3) < 1e-3
    assert abs(walk(loss_of, -1.0, 1.05, 15) - 3) > 4


def test_08_two_starts_end_in_two_different_valleys():
    def two_valleys(w):
        return (w ** 2 - 1) ** 2 + 0.3 * w
    left, right = walk(two_valleys, -0.3, 0.05, 30), walk(two_valleys, 0.3, 0.05, 30)
    assert left == pytest.approx(-1.04, abs=0.01) and right == pytest.approx(0.96, abs=0.01)
    assert two_valleys(left) < 0 < two_valleys(right)


def test_08_momentum_gets_closest_then_adam_then_plain_descent():
    def final_loss(kind, **settings):
        a, b = Value(-4.0), Value(-1.5)
        optimizer = kind([a, b], **settings)
        for _ in range(40):
            optimizer.zero_grad()
            (0.2 * a ** 2 + 10 * b ** 2).backward()
            optimizer.step()
        return 0.2 * a.data ** 2 + 10 * b.data ** 2
    assert final_loss(SGD, lr=0.05, momentum=0.8) < final_loss(Adam, lr=0.2) < final_loss(SGD, lr=0.09)


# --- lesson 05: a neuron ------------------------------------------------------------------------

def share_agreeing_with_first_is_larger(neuron, steps: int = 81) -> float:
    points = [(4 * i / (steps - 1), 4 * j / (steps - 1)) for i in range(steps) for j in range(steps)]
    return sum((neuron(list(p)).data > 0) == (p[0] > p[1]) for p in points) / len(points)


@pytest.mark.parametrize("seed", SEEDS)
def test_05_the_neuron_fits_its_examples_but_not_the_rule_everywhere(seed):
    """Lesson 05: all four answers right, the rule matched on 90-96% of the square (92% for the
    shown seed 0), never 100%."""
    neuron, _, _ = train_lesson_05_neuron(seed)
    assert all((neuron(x).data > 0) == (target > 0) for x, target in FOUR_EXAMPLES)
    share = share_agreeing_with_first_is_larger(neuron)
    assert 0.90 <= share <= 0.96
    if seed == 0:
        assert round(share, 2) == 0.92


# --- lesson 06: the perceptron ------------------------------------------------------------------

@pytest.mark.parametrize("seed", [9, *SEEDS])
def test_06_and_or_converge_xor_never_and_or_stops_with_a_point_on_its_line(seed):
    """Lesson 06 (shown with seed 9): AND and OR reach no mistakes, XOR never does in 100 passes
    and is half right after 25; OR's line runs through (0, 0), whose weighted sum is exactly 0."""
    for gate in ("and", "or"):
        X, y = logic_gate(gate)
        assert Perceptron(2, seed=seed).fit(X, y, max_epochs=25).converged
    X, y = logic_gate("xor")
    assert not Perceptron(2, seed=seed).fit(X, y, max_epochs=100).converged
    after_25 = Perceptron(2, seed=seed)
    after_25.fit(X, y, max_epochs=25)
    assert sum(after_25.predict(x) == t for x, t in zip(X, y)) == 2
    X, y = logic_gate("or")
    perceptron = Perceptron(2, seed=seed)
    perceptron.fit(X, y)
    assert perceptron.weighted_sum([0.0, 0.0]) == 0.0


@pytest.mark.parametrize("seed", SEEDS)
def test_06_a_linear_hidden_layer_never_solves_xor_and_tanh_always_does(seed):
    X, y = logic_gate("xor")
    scores = {}
    for activation in ("linear", "tanh"):
        network = MLP(2, [4, 1], activation=activation, seed=seed)
        fit(network, X, y, loss="bce", optimizer=Adam(network.parameters(), lr=0.05), epochs=300,
            progress=False)
        scores[activation] = accuracy(network, X, y)
    assert scores["linear"] <= 0.75 and scores["tanh"] == 1.0


# --- lesson 07: loss functions ------------------------------------------------------------------

def careful_loss(outputs, targets):
    """Lesson 07's loss: cross-entropy with a genuine message (label 0) called spam 5 times as dear."""
    total = 0
    for out, label in zip(outputs, targets):
        p = out.sigmoid()
        total = total - label * p.log() - 5 * (1 - label) * (1 - p).log()
    return total / len(targets)


@pytest.mark.parametrize("seed", SEEDS)
def test_07_a_dearer_false_alarm_trains_a_filter_with_fewer_false_alarms(seed):
    """Lesson 07: the careful filter sends fewer genuine messages to spam, lets more spam through,
    and (for the shown seed 0) has a lower accuracy: 4/5 mistakes become 1/11, 89% -> 85%."""
    messages, is_spam = make_blobs(80, centers=[[-1, 0], [1, 0]], spread=0.9, seed=seed)
    counts = {}
    for name, loss in [("plain", "bce"), ("careful", careful_loss)]:
        spam_filter = MLP(2, [1], seed=0)
        fit(spam_filter, messages, is_spam, loss=loss, optimizer=SGD(spam_filter.parameters(), lr=0.5),
            epochs=100, progress=False)
        said = predict(spam_filter, messages)
        counts[name] = (sum(s == 1 and t == 0 for s, t in zip(said, is_spam)),
                        sum(s == 0 and t == 1 for s, t in zip(said, is_spam)))
    assert counts["careful"][0] < counts["plain"][0] and counts["careful"][1] > counts["plain"][1]
    if seed == 0:
        assert counts == {"plain": (4, 5), "careful": (1, 11)}
