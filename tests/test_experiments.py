"""train_over_seeds and wins: one model per seed, every score kept, fair pairs compared."""

import pytest

from micrograd_plus.data import logic_gate, make_moons
from micrograd_plus.experiments import Runs, train_over_seeds, wins
from micrograd_plus.nn import MLP
from micrograd_plus.optim import SGD, Adam
from micrograd_plus.train import accuracy, fit


def test_each_seed_trains_its_own_model_like_fit_does():
    X, y = make_moons(40, noise=0.1, seed=0)
    new = make_moons(40, noise=0.1, seed=1)
    runs = train_over_seeds([4, 1], X, y, {"new": new}, name="small", seeds=[3, 5],
                            loss="bce", optimizer="sgd", lr=0.2, epochs=5)
    assert runs.name == "small" and runs.seeds == [3, 5] and len(runs.models) == 2
    assert runs.parameter_count == 4 * 3 + 5
    for seed, model, score in zip(runs.seeds, runs.models, runs.scores["new"]):
        same = MLP(2, [4, 1], seed=seed)
        fit(same, X, y, loss="bce", optimizer=SGD(same.parameters(), lr=0.2), epochs=5, seed=seed,
            progress=False)
        assert [p.data for p in same.parameters()] == [p.data for p in model.parameters()]
        assert score == accuracy(same, *new)
    assert runs.lowest("new") == min(runs.scores["new"]) and runs.highest("new") == max(runs.scores["new"])
    text = str(runs)
    assert "small (17 parameters), seeds [3, 5]:" in text and "new:" in text


def test_different_seeds_give_different_models():
    X, y = logic_gate("xor")
    runs = train_over_seeds([3, 1], X, y, loss="bce", epochs=2)
    firsts = {round(model.parameters()[0].data, 9) for model in runs.models}
    assert len(firsts) == 5 and runs.seeds == [0, 1, 2, 3, 4]


def test_wins_counts_seeds_where_the_first_scored_strictly_higher():
    a = Runs("a", [0, 1, 2], scores={"t": [0.9, 0.5, 0.7]})
    b = Runs("b", [0, 1, 2], scores={"t": [0.8, 0.6, 0.7]})
    assert wins(a, b, "t") == 1 and wins(b, a, "t") == 1
    with pytest.raises(ValueError, match="same seeds"):
        wins(a, Runs("c", [0, 1], scores={"t": [1.0, 1.0]}), "t")
    with pytest.raises(KeyError, match="'a' was not measured on 'other'; its tests are \\['t'\\]"):
        wins(a, b, "other")


def test_bad_arguments_say_what_to_pass():
    X, y = logic_gate("xor")
    with pytest.raises(ValueError, match="optimizer must be one of \\['adam', 'sgd'\\], got 'rmsprop'"):
        train_over_seeds([2, 1], X, y, optimizer="rmsprop")
    with pytest.raises(ValueError, match="seeds is empty"):
        train_over_seeds([2, 1], X, y, seeds=[])
    with pytest.raises(ValueError, match="X is empty"):
        train_over_seeds([2, 1], [], [])


def test_early_stopping_retrains_each_seed_to_its_lowest_validation_loss():
    X, y = make_moons(20, noise=0.3, seed=1)
    validation = make_moons(40, noise=0.3, seed=2)
    runs = train_over_seeds([8, 1], X, y, loss="bce", epochs=30, seeds=[0, 1], validation=validation,
                            early_stopping=True)
    for seed, history, model, stopped in zip(runs.seeds, runs.histories, runs.models, runs.stopped_at):
        assert len(history.val_loss) == 30
        assert history.val_loss[stopped - 1] == min(history.val_loss)
        again = MLP(2, [8, 1], seed=seed)
        fit(again, X, y, loss="bce", optimizer=Adam(again.parameters(), lr=0.05), epochs=stopped, seed=seed,
            progress=False)
        assert [p.data for p in again.parameters()] == [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="early_stopping needs validation"):
        train_over_seeds([2, 1], X, y, early_stopping=True)
