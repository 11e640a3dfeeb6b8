"""The claims lessons 00-08 make, re-run over several seeds: if one stops holding, the lesson's
text is wrong and this fails. Each test names the lesson and the sentence it backs."""

from __future__ import annotations

import pytest

from micrograd_plus.data import make_moons
from micrograd_plus.nn import MLP
from micrograd_plus.optim import SGD
from micrograd_plus.train import accuracy, fit

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
