"""The comparisons the lessons state, re-run over the same seeds the lessons use.

A lesson may say "A beats B" only if it holds for every seed it shows; each test here repeats
the lesson's experiment through the same library calls and fails if the claim stops holding
(after a change to the engine, the optimizers, fit or the data makers).
"""

from __future__ import annotations

from micrograd_plus.data import make_moons, make_spirals
from micrograd_plus.experiments import train_over_seeds, wins

SEEDS = range(5)


def test_lesson_09_smaller_batches_get_further_in_the_same_epochs():
    """Lesson 09: after 15 epochs, per-example < mini-batches of 8 < full batch in final
    training loss, for each of seeds 0-4."""
    X, y = make_moons(64, noise=0.1, seed=0)
    final = {}
    for batch_size in (1, 8, None):
        runs = train_over_seeds([8, 1], X, y, activation="tanh", loss="bce", optimizer="sgd", lr=0.1,
                                epochs=15, batch_size=batch_size, seeds=SEEDS)
        final[batch_size] = [history.train_loss[-1] for history in runs.histories]
    for seed, per_example, mini, full in zip(SEEDS, final[1], final[8], final[None]):
        assert per_example < mini < full, (seed, per_example, mini, full)


def test_lesson_11_the_deep_network_wins_on_new_points_for_every_seed():
    """Lesson 11: 2-7-7-3 (101 parameters) scores higher than 2-16-3 (99) on 300 new spiral
    points for each of seeds 0-4, tanh, Adam 0.05, 200 epochs."""
    X, y = make_spirals(n=150, classes=3, noise=0.1, seed=0)
    new_points = {"new points": make_spirals(n=300, classes=3, noise=0.1, seed=1)}
    shallow = train_over_seeds([16, 3], X, y, new_points, activation="tanh", epochs=200, seeds=SEEDS)
    deep = train_over_seeds([7, 7, 3], X, y, new_points, activation="tanh", epochs=200, seeds=SEEDS)
    assert (shallow.parameter_count, deep.parameter_count) == (99, 101)
    assert wins(deep, shallow, "new points") == 5, (shallow.scores, deep.scores)


def test_lesson_13_each_remedy_beats_the_overfitting_network():
    """Lesson 13: on 300 test moons, more data, a smaller model and L2 beat the overfitting
    2-16-16-1 for every seed, early stopping (retrained to the best validation epoch) on 4 of 5."""
    X, y = make_moons(n=30, noise=0.35, seed=1)
    validation = make_moons(n=100, noise=0.35, seed=2)
    test_points = {"test points": make_moons(n=300, noise=0.35, seed=3)}
    options = dict(loss="bce", lr=0.03, epochs=80, seeds=SEEDS)
    overfit = train_over_seeds([16, 16, 1], X, y, test_points, **options)
    early = train_over_seeds([16, 16, 1], X, y, test_points, validation=validation, early_stopping=True,
                             **options)
    more_data = train_over_seeds([16, 16, 1], *make_moons(n=300, noise=0.35, seed=4), test_points, **options)
    smaller = train_over_seeds([4, 1], X, y, test_points, **options)
    penalised = train_over_seeds([16, 16, 1], X, y, test_points, l2=0.03, **options)
    assert [h.train_accuracy[-1] for h in overfit.histories] == [1.0] * 5  # it memorised its 30 points
    for remedy in (more_data, smaller, penalised):
        assert wins(remedy, overfit, "test points") == 5, (remedy.scores, overfit.scores)
    assert wins(early, overfit, "test points") >= 4, (early.scores, overfit.scores)
    assert more_data.lowest("test points") > max(smaller.highest("test points"), penalised.highest("test points"))
