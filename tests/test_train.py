"""Tests for micrograd_plus.train: fit's history, batching, validation, callbacks, divergence,
and the predict / accuracy / train_step helpers."""

import gc
import math

import pytest

from micrograd_plus.data import logic_gate, make_blobs, make_moons, make_regression_1d
from micrograd_plus.engine import Value, sum_values
from micrograd_plus.losses import hinge, l2
from micrograd_plus.nn import MLP, Neuron, Perceptron
from micrograd_plus.optim import SGD, Adam
from micrograd_plus.train import History, _forward_backward_step, accuracy, fit, predict, train_step


def test_micrograd_demo_through_fit_reaches_full_training_accuracy():
    # micrograd's demo (hinge + 1e-4 L2, SGD with lr decaying from 1.0), at half its size so the
    # suite stays fast: 50 points, 8-unit hidden layers.
    X, y = make_moons(50, noise=0.1)
    model = MLP(2, [8, 8, 1], seed=1)
    optimizer = SGD(model.parameters(), lr=1.0)

    def decay(epoch, history, model):
        optimizer.lr = 1.0 - 0.9 * epoch / 100

    history = fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=100, l2=1e-4,
                  callbacks=[decay], progress=False)
    assert history.epochs == list(range(1, 101)) and len(history.train_loss) == 100
    assert history.train_loss[-1] < history.train_loss[0] / 10
    assert history.train_accuracy[-1] == 1.0 and accuracy(model, X, y) == 1.0
    assert history.stop_reason is None and history.val_loss == []


def test_fit_records_validation_and_minibatches_are_seeded():
    X, y = make_blobs(60, centers=3, seed=2)
    runs = []
    for _ in range(2):
        model = MLP(2, [8, 3], seed=0)
        runs.append(fit(model, X[:45], y[:45], loss="cross_entropy",
                        optimizer=Adam(model.parameters(), lr=0.05), epochs=5, batch_size=8,
                        validation=(X[45:], y[45:]), progress=False))
    first, second = runs
    assert first == second  # same seed, same batches, same numbers
    assert len(first.val_loss) == len(first.val_accuracy) == 5
    assert first.val_accuracy[-1] > 0.8 and first.train_loss[-1] < first.train_loss[0]
    assert all(0.0 <= a <= 1.0 for a in first.train_accuracy)


def test_train_loss_is_the_mean_over_the_epochs_batches():
    X, y = make_moons(10, seed=3)
    model = MLP(2, [4, 1], seed=0)
    twin = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.0), epochs=1,
                  batch_size=4, progress=False)
    # lr = 0: nothing moves, so the per-batch mean equals the loss over all the data at once
    full = fit(twin, X, y, optimizer=SGD(twin.parameters(), lr=0.0), epochs=1, progress=False)
    assert history.train_loss[0] == pytest.approx(full.train_loss[0])


def test_callback_can_stop_training_and_sees_the_history():
    X, y = logic_gate("xor")
    seen = []

    def stop_after_three(epoch, history, model):
        seen.append((epoch, len(history.train_loss)))
        return epoch == 3

    history = fit(MLP(2, [4, 1], seed=0), X, y, epochs=50, callbacks=[stop_after_three], progress=False)
    assert seen == [(1, 1), (2, 2), (3, 3)] and history.epochs == [1, 2, 3]
    assert "stop_after_three after epoch 3" in history.stop_reason


def test_divergence_stops_with_a_message_naming_the_epoch(capsys):
    X, y = make_regression_1d(20, kind="linear")
    model = MLP(1, [8, 8, 1], seed=0)
    history = fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=100.0), epochs=200,
                  progress=False)
    assert history.stop_reason is not None and len(history.epochs) < 200
    epoch = len(history.epochs) + 1
    assert f"epoch {epoch}" in history.stop_reason and "smaller learning rate" in history.stop_reason
    assert "(it is 100 now)" in history.stop_reason
    assert capsys.readouterr().out == ""  # progress=False: the message is in the History only
    model = MLP(1, [8, 8, 1], seed=0)
    shown = fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=100.0), epochs=200,
                progress=True)
    assert shown.stop_reason == history.stop_reason and shown.stop_reason in capsys.readouterr().out


def test_a_divergence_that_is_not_an_overflow_also_stops_and_keeps_the_history():
    # A sigmoid that saturates to exactly 1.0 under binary cross-entropy: log(1 - 1) has no value.
    X, y = [[1.0], [-1.0], [2.0], [-2.0]], [1, 0, 1, 0]
    model = Neuron(1, activation="sigmoid", seed=0)
    optimizer = SGD(model.parameters(), lr=100.0)
    history = fit(model, X, y, loss="binary_cross_entropy", optimizer=optimizer, epochs=50,
                  progress=False)
    assert 1 <= len(history.epochs) < 50 and len(history.train_loss) == len(history.epochs)
    reason = history.stop_reason
    assert reason.startswith(f"Training stopped at epoch {len(history.epochs) + 1}: binary_cross_entropy")
    assert "probability" in reason and "smaller learning rate" in reason
    assert "keeps its parameters from the last complete step" in reason
    assert all(math.isfinite(v) for v in model.state_dict().values())


def test_an_error_in_the_first_step_is_raised_not_called_a_divergence():
    X, y = [[1.0e200], [-1.0]], [1, 0]
    model = MLP(1, [4, 1], seed=0)
    with pytest.raises(OverflowError, match="no finite real result"):
        fit(model, X, y, loss="mse", progress=False)


def test_a_bad_target_in_a_later_mini_batch_is_an_error_before_training():
    X, y = make_moons(12, seed=0)
    for loss, bad in [("hinge", 2), ("bce", 1.5), ("cross_entropy", 3), ("mse", float("nan"))]:
        model = MLP(2, [3, 2 if loss == "cross_entropy" else 1], seed=0)
        before = model.state_dict()
        with pytest.raises(ValueError, match="|".join(["labels 0/1", "lie in", "class index", "target 11"])):
            fit(model, X, y[:11] + [bad], loss=loss, batch_size=4, progress=False)
        assert model.state_dict() == before


@pytest.mark.parametrize("loss, bad, outputs, message", [
    ("bce", 1.5, 1, "target 37 is 1.5"),
    ("mse", float("nan"), 1, "target 37 is nan"),
    ("cross_entropy", True, 2, "class index 37 is True"),  # True is not the class 1 here
    ("cross_entropy", 2, 2, "class index 37 is 2"),
])
def test_the_target_check_names_the_bad_targets_own_index_among_many_repeats(loss, bad, outputs,
                                                                             message):
    # fit checks one of each distinct target; the error must still name the real position.
    X, y = make_moons(40, seed=0)
    y[37] = bad
    with pytest.raises(ValueError, match=message):
        fit(MLP(2, [3, outputs], seed=0), X, y, loss=loss, progress=False)


def test_garbage_arguments_are_refused_before_anything_changes():
    X, y = make_moons(10, seed=0)
    model, other = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
    before = model.state_dict()
    with pytest.raises(ValueError, match="holds none of MLP.*parameters.*another model"):
        fit(model, X, y, optimizer=SGD(other.parameters(), lr=0.1), progress=False)
    with pytest.raises(ValueError, match="holds none of"):
        train_step(model, X, y, "hinge", SGD(other.parameters(), lr=0.1))
    for l2 in (-1, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match=f"l2 .* must be a number >= 0, got {l2!r}"):
            fit(model, X, y, l2=l2, progress=False)
    with pytest.raises(ValueError, match=r"validation must be a pair \(X_val, y_val\).*list of length 10"):
        fit(model, X, y, validation=X, progress=False)
    with pytest.raises(ValueError, match="validation must be a pair.*look like the training examples"):
        fit(model, X[:2], y[:2], validation=X[:2], progress=False)
    assert model.state_dict() == before
    # training only part of a model (say its last layer) is fine
    fit(model, X, y, optimizer=SGD(model.layers[-1].parameters(), lr=0.1), epochs=1, progress=False)


def test_accuracy_refuses_labels_the_model_cannot_predict():
    X = [[0.5, -1.0], [2.0, 1.0], [-1.0, 0.3]]
    with pytest.raises(ValueError, match=r"classes, 0 and 1 \(or -1 and \+1\); got \[2, 3\]"):
        accuracy(MLP(2, [3, 1], seed=0), X, [2, 3, 1])
    with pytest.raises(ValueError, match=r"classes, 0 to 2; got \[5\]"):
        accuracy(MLP(2, [3, 3], seed=0), X, [0, 5, 1])
    assert 0.0 <= accuracy(MLP(2, [3, 3], seed=0), X, [0, 2, 1]) <= 1.0


def test_fit_predict_accuracy_and_train_step_take_numpy_arrays():
    np = pytest.importorskip("numpy")
    X, y = make_moons(30, noise=0.1, seed=0)
    runs = []
    for data in [(X, y), (np.array(X), np.array(y)), (tuple(map(tuple, X)), tuple(y)),
                 ([np.array(x) for x in X], [np.int64(t) for t in y])]:
        model = MLP(2, [4, 1], seed=0)
        history = fit(model, *data, epochs=5, validation=data, progress=False)
        runs.append((history, predict(model, data[0]), accuracy(model, *data),
                     train_step(model, *data, "hinge", SGD(model.parameters(), lr=0.1))))
    assert all(run == runs[0] for run in runs)
    assert predict(MLP(2, [1], seed=0), np.zeros((0, 2))) == []


def test_regression_history_has_no_accuracy():
    X, y = make_regression_1d(20, kind="linear")
    model = Neuron(1, nonlin=False, seed=0)
    history = fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=0.3), epochs=60,
                  progress=False)
    assert history.train_accuracy == [] and history.train_loss[-1] < 0.02
    assert model.w[0].data == pytest.approx(2.0, abs=0.1) and model.b.data == pytest.approx(1.0, abs=0.1)


def test_progress_bar_shows_in_a_terminal(capsys):
    X, y = logic_gate("and")
    fit(MLP(2, [1], seed=0), X, y, epochs=3, progress=True)
    assert "3/3" in capsys.readouterr().err
    fit(MLP(2, [1], seed=0), X, y, epochs=3, progress=False)
    assert capsys.readouterr().err == ""


def test_history_prints_as_a_short_table():
    history = History(epochs=list(range(1, 51)), train_loss=[1 / e for e in range(1, 51)],
                      train_accuracy=[0.5] * 50)
    text = str(history)
    lines = text.splitlines()
    assert lines[0].split() == ["epoch", "train_loss", "train_acc"]
    assert 3 <= len(lines) <= 13 and lines[1].split()[0] == "1" and lines[-1].split()[0] == "50"
    assert "50.0%" in lines[-1] and "0.0200" in lines[-1]


def test_unknown_loss_and_bad_arguments_are_explained():
    X, y = logic_gate("and")
    with pytest.raises(ValueError, match="Unknown loss 'hinje'"):
        fit(MLP(2, [1]), X, y, loss="hinje", progress=False)
    with pytest.raises(ValueError, match="4 examples and 3 targets"):
        fit(MLP(2, [1]), X, y[:3], progress=False)
    with pytest.raises(ValueError, match="batch_size"):
        fit(MLP(2, [1]), X, y, batch_size=0, progress=False)


def test_predict_reads_scores_probabilities_and_several_outputs():
    scores = MLP(2, [3, 1], seed=0)
    X = [[0.5, -1.0], [2.0, 1.0], [-1.0, 0.3]]
    expected = [1 if scores(x).data > 0 else 0 for x in X]
    assert predict(scores, X) == expected
    probability = Neuron(2, activation="sigmoid", seed=0)
    assert predict(probability, X) == [1 if probability(x).data > 0.5 else 0 for x in X]
    classes = MLP(2, [4, 3], seed=0)
    assert predict(classes, X) == [max(range(3), key=lambda k: classes(x)[k].data) for x in X]


def test_predict_and_accuracy_work_for_a_perceptron_and_signed_labels():
    X, y = logic_gate("or")
    perceptron = Perceptron(2, seed=0)
    perceptron.fit(X, y)
    assert predict(perceptron, X) == y and accuracy(perceptron, X, y) == 1.0
    assert accuracy(perceptron, X, [-1, 1, 1, 1]) == 1.0


def test_train_step_returns_the_loss_and_updates():
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    before = [p.data for p in model.parameters()]
    loss = train_step(model, X, y, "hinge", optimizer)
    assert isinstance(loss, float) and loss > 0
    assert [p.data for p in model.parameters()] != before


def test_fit_and_train_step_take_a_loss_function():
    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 1], seed=0)

    def squared_score(outputs, targets):
        return sum_values([o * o for o in outputs]) * (1.0 / len(outputs))

    expected = sum(model(x).data ** 2 for x in X) / len(X)
    assert train_step(model, X, y, squared_score, SGD(model.parameters(), lr=0.1)) == pytest.approx(expected)
    history = fit(model, X, y, loss=squared_score, epochs=3, progress=False)
    assert history.train_loss[-1] < expected


def test_train_step_matches_a_hand_written_step():
    X, y = make_moons(12, seed=4)
    model, twin = MLP(2, [5, 1], seed=3), MLP(2, [5, 1], seed=3)
    train_step(model, X, y, "hinge", SGD(model.parameters(), lr=0.2), l2=1e-3)
    loss = hinge([twin(x) for x in X], y) + 1e-3 * l2(twin.parameters())
    loss.backward()
    for p in twin.parameters():
        p.data -= 0.2 * p.grad
    assert model.state_dict() == pytest.approx(twin.state_dict(), abs=1e-15)


def test_the_garbage_collector_is_paused_only_during_each_step_and_restored():
    states = []

    def spying_loss(outputs, targets):
        states.append(gc.isenabled())
        return hinge(outputs, targets)

    X, y = logic_gate("or")
    model = MLP(2, [3, 1], seed=0)
    assert gc.isenabled()
    fit(model, X, y, loss=spying_loss, optimizer=SGD(model.parameters(), lr=0.1), epochs=2,
        progress=False)
    assert states == [False, False] and gc.isenabled()
    gc.disable()  # a user who turned it off keeps it off
    try:
        train_step(model, X, y, spying_loss, SGD(model.parameters(), lr=0.1))
        assert not gc.isenabled()
    finally:
        gc.enable()

    def failing_loss(outputs, targets):
        raise RuntimeError("a bug in the loss")

    with pytest.raises(RuntimeError, match="a bug in the loss"):
        train_step(model, X, y, failing_loss, SGD(model.parameters(), lr=0.1))
    assert gc.isenabled()


def test_a_step_frees_its_graph_before_the_collector_resumes_and_returns_numbers():
    def values_alive():
        return sum(type(o) is Value for o in gc.get_objects())

    X, y = make_moons(20, seed=1)
    model = MLP(2, [4, 1], seed=0)
    before = values_alive()
    loss, scores = _forward_backward_step(model, X, y, hinge, SGD(model.parameters(), lr=0.1), 1e-3)
    assert values_alive() == before
    # numbers, not Values (the batched path gives them as a numpy array of floats)
    assert type(loss) is float and len(scores) == 20 and all(isinstance(s, float) for s in scores)


def test_fit_trains_a_plain_function_as_the_model():
    X, y = logic_gate("and")
    w = [Value(0.1), Value(-0.1), Value(0.0)]

    def model(x):
        return w[0] * x[0] + w[1] * x[1] + w[2]

    history = fit(model, X, y, loss="hinge", optimizer=SGD(w, lr=0.2), epochs=200, progress=False)
    assert history.train_accuracy[-1] == 1.0
