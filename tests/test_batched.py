"""Tests for micrograd_plus.batched: the batched path gives the scalar engine's results.

The reference is the scalar path itself: each test trains or evaluates twin models (same seed),
one on the batched path and one with the batched path switched off, and compares every parameter,
gradient and loss. Random models, activations, losses, batch sizes and optimizers."""

import random

import numpy as np
import pytest

from micrograd_plus import batched
from micrograd_plus.data import make_blobs, make_moons, make_regression_1d
from micrograd_plus.engine import Value
from micrograd_plus.losses import LOSSES, cross_entropy, hinge, mse
from micrograd_plus.nn import ACTIVATIONS, MLP, Layer, Neuron
from micrograd_plus.optim import SGD, Adam, AdamW
from micrograd_plus.train import accuracy, fit, predict, train_step
from micrograd_plus.viz.plots import _scores

RELATIVE = 1e-12


def assert_close(batched_numbers, scalar_numbers, what, absolute=0.0):
    batched_numbers, scalar_numbers = np.asarray(batched_numbers), np.asarray(scalar_numbers)
    assert batched_numbers.shape == scalar_numbers.shape, what
    # Relative to each number, with the largest number of the set as the floor for the ones
    # that are 0 up to rounding (a sum whose terms cancel).
    scale = np.maximum(np.abs(scalar_numbers), 1e-3 * np.abs(scalar_numbers).max(initial=0.0))
    error = np.maximum(np.abs(batched_numbers - scalar_numbers) - absolute, 0.0)
    worst = float((error / np.where(scale > 0, scale, 1.0)).max(initial=0.0))
    assert worst <= RELATIVE, f"{what}: relative difference {worst:.2e}"


@pytest.fixture
def scalar_only(monkeypatch):
    """Switch the batched path off: every caller falls back to the scalar engine."""
    def off():
        for name in ("step", "outputs", "evaluate"):
            monkeypatch.setattr(batched, name, lambda *args, **kwargs: None)
    return off


def twins(build):
    return build(), build()


def random_case(seed):
    """A random network, loss, data and optimizer settings, for one exactness check."""
    rng = random.Random(seed)
    loss = rng.choice(list(LOSSES))
    nin = rng.randint(1, 4)
    hidden = [rng.randint(1, 6) for _ in range(rng.randint(0, 2))]
    activation = rng.choice(ACTIVATIONS)
    n = rng.randint(3, 24)
    classes = rng.randint(2, 4) if loss == "cross_entropy" else 1
    data_rng = np.random.default_rng(seed)
    X = data_rng.uniform(-2, 2, size=(n, nin)).tolist()
    if loss == "cross_entropy":
        y = data_rng.integers(0, classes, n).tolist()
    elif loss == "mse":
        y = data_rng.normal(size=n).tolist()
    elif loss == "hinge":
        y = data_rng.choice([-1, 1] if rng.random() < 0.5 else [0, 1], n).tolist()
    else:
        y = data_rng.integers(0, 2, n).tolist() if rng.random() < 0.5 else data_rng.uniform(0, 1, n).tolist()

    def build():
        if not hidden and rng_choice_is_layer:
            model = Layer(nin, classes, activation="linear", seed=seed)
        else:
            model = MLP(nin, [*hidden, classes], activation=activation, seed=seed)
        if loss == "binary_cross_entropy":  # probabilities out: a sigmoid on the last neuron
            last = model if isinstance(model, Layer) else model.layers[-1]
            last.neurons[0].activation = "sigmoid"
        return model

    rng_choice_is_layer = rng.random() < 0.5
    optimizer = rng.choice(["sgd", "momentum", "adam", "adamw"])
    # Steps small enough not to diverge: an exploding run amplifies every rounding difference.
    lr = rng.choice([0.003, 0.01] if optimizer == "momentum" else [0.01, 0.05, 0.1])

    def make_optimizer(model):
        params = model.parameters()
        return {"sgd": lambda: SGD(params, lr=lr), "momentum": lambda: SGD(params, lr=lr, momentum=0.9),
                "adam": lambda: Adam(params, lr=lr), "adamw": lambda: AdamW(params, lr=lr)}[optimizer]()

    batch_size = rng.choice([None, 1, rng.randint(1, n)])
    l2 = rng.choice([0.0, 1e-3])
    return dict(loss=loss, X=X, y=y, build=build, make_optimizer=make_optimizer,
                batch_size=batch_size, l2=l2)


@pytest.mark.parametrize("seed", range(40))
def test_fit_on_the_batched_path_equals_the_scalar_path(seed, scalar_only):
    case = random_case(seed)
    fast, slow = twins(case["build"])
    assert batched.can_batch(fast)
    settings = dict(loss=case["loss"], epochs=6, batch_size=case["batch_size"], l2=case["l2"],
                    progress=False, seed=seed, validation=(case["X"][:3], case["y"][:3]))
    fast_history = fit(fast, case["X"], case["y"], optimizer=case["make_optimizer"](fast), **settings)
    scalar_only()
    slow_history = fit(slow, case["X"], case["y"], optimizer=case["make_optimizer"](slow), **settings)
    assert fast_history.epochs == list(range(1, 7)) and slow_history.epochs == list(range(1, 7))
    assert_close([p.data for p in fast.parameters()], [p.data for p in slow.parameters()], "parameters")
    assert_close([p.grad for p in fast.parameters()], [p.grad for p in slow.parameters()], "gradients")
    for field in ("train_loss", "val_loss"):
        # A loss near 0 is computed from terms much larger than itself (cross-entropy's
        # log-sum-exp minus the right class's score, both near 10; log(1 + e) for a tiny e), so
        # both paths give it only to about 1e-16 times those terms, not to 1e-12 of itself.
        assert_close(getattr(fast_history, field), getattr(slow_history, field), field, 1e-13)
    assert fast_history.train_accuracy == slow_history.train_accuracy
    assert fast_history.val_accuracy == slow_history.val_accuracy


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("loss", ["hinge", "mse", "binary_cross_entropy_with_logits"])
def test_every_activation_with_momentum_and_adam_for_many_steps(activation, loss, scalar_only):
    X, y = make_moons(40, noise=0.2, seed=3)
    histories, models = [], []
    for batched_on in (True, False):
        if not batched_on:
            scalar_only()
        model = MLP(2, [6, 5, 1], activation=activation, seed=4)
        optimizer = SGD(model.parameters(), lr=0.05, momentum=0.9) if loss == "hinge" else Adam(model.parameters(), lr=0.02)
        histories.append(fit(model, X, y, loss=loss, optimizer=optimizer, epochs=30, l2=1e-4,
                             progress=False))
        models.append(model)
    fast, slow = models
    assert_close([p.data for p in fast.parameters()], [p.data for p in slow.parameters()], "parameters")
    assert_close(histories[0].train_loss, histories[1].train_loss, "losses")


def test_every_batch_size_gives_the_scalar_steps(scalar_only):
    X, y = make_blobs(7, centers=3, seed=1)
    results = {}
    for batched_on in (True, False):
        if not batched_on:
            scalar_only()
        for size in range(1, 8):
            model = MLP(2, [4, 3], activation="tanh", seed=size)
            fit(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.05),
                epochs=3, batch_size=size, progress=False)
            results.setdefault(size, []).append([p.data for p in model.parameters()])
    for size, (fast, slow) in results.items():
        assert_close(fast, slow, f"batch size {size}")


def test_a_layer_whose_neurons_have_different_activations(scalar_only):
    X, y = make_regression_1d(20, seed=0)
    outs = []
    for batched_on in (True, False):
        if not batched_on:
            scalar_only()
        model = MLP(1, [5, 1], seed=2)
        for neuron, activation in zip(model.layers[0].neurons, ACTIVATIONS):
            neuron.activation = activation
        fit(model, X, y, loss="mse", optimizer=SGD(model.parameters(), lr=0.05), epochs=10,
            progress=False)
        outs.append([p.data for p in model.parameters()])
    assert_close(outs[0], outs[1], "parameters")


def test_a_lone_neuron_and_a_layer_are_batched_like_an_mlp(scalar_only):
    X, y = make_moons(30, seed=5)
    for build in (lambda: Neuron(2, activation="tanh", seed=1), lambda: Layer(2, 3, seed=1)):
        loss = "hinge" if isinstance(build(), Neuron) else "cross_entropy"
        y_used = y if loss == "hinge" else [label + (i % 2) for i, label in enumerate(y)]
        fast = build()
        assert batched.can_batch(fast)
        fit(fast, X, y_used, loss=loss, optimizer=Adam(fast.parameters(), lr=0.1), epochs=5, progress=False)
        assert batched.outputs(fast, X).shape == ((30,) if loss == "hinge" else (30, 3))
        assert predict(fast, X) == predict(fast, X[:10]) + predict(fast, X[10:])
        slow = build()
        with pytest.MonkeyPatch.context() as patch:
            for name in ("step", "outputs", "evaluate"):
                patch.setattr(batched, name, lambda *args, **kwargs: None)
            fit(slow, X, y_used, loss=loss, optimizer=Adam(slow.parameters(), lr=0.1), epochs=5, progress=False)
            slow_predictions = predict(slow, X)
        assert_close([p.data for p in fast.parameters()], [p.data for p in slow.parameters()], "parameters")
        assert predict(fast, X) == slow_predictions


def test_forward_and_backward_match_the_engine_node_for_node():
    X, y = make_blobs(12, centers=3, seed=0)
    model = MLP(2, [5, 3], activation="sigmoid", seed=0)
    out = batched.forward(model, X)
    assert out.data.shape == (12, 3)
    assert_close(out.data, [[v.data for v in model(x)] for x in X], "outputs")
    total = batched.loss("cross_entropy", out, y)
    total.backward()
    scalar = cross_entropy([model(x) for x in X], y)
    model.zero_grad()
    scalar.backward()
    assert_close(total.data, scalar.data, "loss")
    layer = model.layers[0]
    assert out._op == "dot" and out._prev[0]._op == "sigmoid" and out._prev[0]._prev[0]._op == "dot"
    weights = out._prev[0]._prev[0]._prev[1]  # the scores <- dot <- sigmoid <- dot <- weights
    assert [node.label for node in batched.topological_order(out) if node.label] == ["X", "W1", "b1", "W2", "b2"]
    assert weights.data.shape == (5, 2)
    assert_close(weights.grad, [[w.grad for w in n.w] for n in layer.neurons], "first layer's weights")


def test_models_it_cannot_reproduce_take_the_scalar_path():
    X, y = make_moons(20, seed=1)

    class Doubled(MLP):  # its own __call__: the batched path must not skip it
        def __call__(self, x):
            return super().__call__(x) * 2.0

    model = Doubled(2, [4, 1], seed=0)
    twin = MLP(2, [4, 1], seed=0)
    assert not batched.can_batch(model) and batched.step(model, X, y, hinge, SGD(model.parameters())) is None
    assert all((s > 0) == (2 * t.data > 0) for s, t in zip(_scores(model, X), map(twin, X)))

    def plain(x):
        return twin(x) - 0.5

    assert not batched.can_batch(plain) and batched.outputs(plain, X) is None
    assert predict(plain, X) == [int(twin(x).data > 0.5) for x in X]
    mlp = MLP(2, [3, 1], seed=0)
    mlp.layers[0] = plain_layer = (lambda x: [v * 1.0 for v in twin.layers[0](x)])
    assert not batched.can_batch(mlp)
    assert callable(plain_layer)
    # inputs that are Values, or not numbers, or ragged rows: the scalar path decides
    assert batched.outputs(twin, [[Value(1.0), Value(2.0)]]) is None
    assert batched.outputs(twin, [[1.0, 2.0], [3.0]]) is None
    assert batched.outputs(twin, [[True, False]]) is None
    with pytest.raises(TypeError):
        train_step(twin, [["1", "2"]], [1], "hinge", SGD(twin.parameters()))


def errors_of(action):
    try:
        action()
    except (ArithmeticError, ValueError, TypeError) as error:
        return type(error), str(error)
    return None


@pytest.mark.parametrize("case", ["hidden dot overflows under a ReLU that is off", "mse overflows",
                                  "a probability of 1", "a label out of range"])
def test_the_same_errors_naming_the_op_and_nothing_changed(case, scalar_only):
    def attempt():
        model = MLP(2, [3, 1], seed=1)
        X, y, loss = [[1.0, 2.0], [0.5, -1.0]], [1, 0], "hinge"
        if case.startswith("hidden"):
            X = [[1.0, 2.0], [1.0, 2.0]]
            for neuron in model.layers[0].neurons:
                neuron.w = [Value(-1e308), Value(-1e308)]  # -inf: the scalar path refuses it
        elif case == "mse overflows":
            X, y, loss = [[1e200, 1e200], [0.0, 0.0]], [0.0, 0.0], "mse"
            model.layers[0].neurons[0].w = [Value(1.0), Value(1.0)]
            model.layers[0].activation = "linear"
        elif case == "a probability of 1":
            model.layers[-1].neurons[0].activation = "sigmoid"
            model.layers[-1].neurons[0].b = Value(1000.0)
            loss = "binary_cross_entropy"
        else:
            model = MLP(2, [3, 2], seed=1)
            y, loss = [0, 2], "cross_entropy"
        optimizer = SGD(model.parameters(), lr=0.1)
        before = [p.data for p in model.parameters()]
        error = errors_of(lambda: train_step(model, X, y, loss, optimizer))
        assert [p.data for p in model.parameters()] == before
        return error

    fast = attempt()
    scalar_only()
    slow = attempt()
    assert fast is not None and fast == slow
    if case.startswith("hidden") or case == "mse overflows":
        assert fast[0] is OverflowError and "dot(" in fast[1]


def test_predict_accuracy_and_the_decision_boundary_scores_use_it(monkeypatch):
    X, y = make_moons(50, noise=0.1, seed=2)
    model = MLP(2, [8, 1], seed=3)
    fit(model, X, y, loss="hinge", optimizer=SGD(model.parameters(), lr=0.1), epochs=20, progress=False)
    expected = [int(model(x).data > 0) for x in X]
    calls = []
    real_outputs = batched.outputs
    monkeypatch.setattr(batched, "outputs", lambda *a: calls.append(1) or real_outputs(*a))
    assert predict(model, X) == expected
    assert accuracy(model, X, y) == sum(p == t for p, t in zip(expected, y)) / len(y)
    assert_close(_scores(model, X), [model(x).data for x in X], "scores")
    assert len(calls) == 3


def test_loss_by_name_or_function_and_a_clear_error():
    X, y = make_moons(10, seed=0)
    model = MLP(2, [3, 1], seed=0)
    out = batched.forward(model, X)
    assert_close(batched.loss("mse", out, y).data, mse([model(x) for x in X], y).data, "mse")
    assert_close(batched.loss(hinge, out, y).data, hinge([model(x) for x in X], y).data, "hinge")
    with pytest.raises(ValueError, match="binary_cross_entropy"):
        batched.loss("binary_cross_entropy", out, y)  # raw scores, not probabilities
    with pytest.raises(TypeError, match="one example at a time"):
        batched.forward(lambda x: x, X)


@pytest.mark.parametrize("seed", range(5))
def test_lesson_16_the_same_graph_for_one_example_or_a_whole_batch(seed):
    # Lesson 16: one graph of about twenty array nodes, whatever the batch size, giving each
    # example's output and the weights' gradients of the one-example-at-a-time graphs.
    X, y = make_moons(200, noise=0.1, seed=seed)
    net = MLP(2, [16, 16, 1], seed=seed)
    sizes = set()
    for n in (1, 7, 200):
        total = batched.loss("hinge", batched.forward(net, X[:n]), y[:n])
        sizes.add(len(batched.topological_order(total)))
    assert sizes == {21}
    out = batched.forward(net, X)
    assert_close(out.data, [net(x).data for x in X], "outputs")
    total = batched.loss("hinge", out, y)
    total.backward()
    scalar = hinge([net(x) for x in X], y)
    net.zero_grad()
    scalar.backward()
    leaves = {node.label: node for node in batched.topological_order(total) if node.label}
    assert_close(leaves["W1"].grad, [[w.grad for w in n.w] for n in net.layers[0].neurons], "W1")


def test_the_training_dashboard_trains_and_validates_on_the_batched_path(monkeypatch):
    from micrograd_plus.widgets import TrainingDashboard

    calls = []
    for name in ("step", "evaluate", "outputs"):
        real = getattr(batched, name)
        monkeypatch.setattr(batched, name, lambda *args, real=real, name=name, **kwargs:
                            calls.append(name) or real(*args, **kwargs))
    dashboard = TrainingDashboard(dataset="spirals", hidden=(8, 8), seed=0)
    dashboard.step(3)
    assert calls.count("step") == 3 and calls.count("evaluate") == 3
    assert "outputs" in calls  # the decision boundary and the accuracies of the redraw
    assert all(isinstance(loss, float) for loss in dashboard.history.val_loss)
