"""Tests for micrograd_plus.nn: networks behave like micrograd's, save/load is safe, and the
perceptron learns what a line can separate and nothing else."""

import json
import random

import pytest

from micrograd_plus.data import logic_gate
from micrograd_plus.engine import Value, topological_order
from micrograd_plus.gradcheck import gradcheck
from micrograd_plus.nn import ACTIVATIONS, MLP, Layer, Module, Neuron, Perceptron


def test_mlp_matches_micrograd_shape_and_parameter_count():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    assert [len(layer.neurons) for layer in model.layers] == [16, 16, 1]
    assert [layer.neurons[0].activation for layer in model.layers] == ["relu", "relu", "linear"]
    assert isinstance(model([0.5, -1.0]), Value)
    assert isinstance(model([Value(0.5), Value(-1.0)]), Value)


def test_a_layer_gives_its_weight_matrix_and_biases_and_their_gradients():
    # One row per neuron, as a framework's weight matrix: lesson 16 copies them into PyTorch.
    layer = Layer(3, 2, activation="linear", seed=0)
    assert layer.weights() == [[w.data for w in layer.neurons[0].w], [w.data for w in layer.neurons[1].w]]
    assert layer.biases() == [layer.neurons[0].b.data, layer.neurons[1].b.data]
    outputs = layer([1.0, 2.0, 3.0])
    (outputs[0] * 2 + outputs[1]).backward()
    assert layer.weights(grad=True) == [[2.0, 4.0, 6.0], [1.0, 2.0, 3.0]]
    assert layer.biases(grad=True) == [2.0, 1.0]


def test_global_random_seed_reproduces_micrograd_style_initialisation():
    random.seed(1337)
    first = [p.data for p in MLP(2, [4, 1]).parameters()]
    random.seed(1337)
    assert [p.data for p in MLP(2, [4, 1]).parameters()] == first


def test_seed_gives_reproducible_and_distinct_weights():
    a, b, c = MLP(3, [4, 2], seed=7), MLP(3, [4, 2], seed=7), MLP(3, [4, 2], seed=8)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()
    weights = [p.data for p in a.parameters() if p.label != "b"]
    assert all(-1 <= w <= 1 for w in weights) and len(set(weights)) == len(weights)
    assert all(p.data == 0.0 for p in a.parameters() if p.label == "b")


def test_neuron_graph_is_one_dot_with_the_bias_then_the_activation():
    neuron = Neuron(3, activation="tanh", seed=0)
    out = neuron([1.0, 2.0, 3.0])
    assert out._op == "tanh"
    (weighted_sum,) = out._prev
    assert weighted_sum._op == "dot" and len(weighted_sum._prev) == 7
    assert list(weighted_sum._prev[:3]) == neuron.w and weighted_sum._prev[-1] is neuron.b
    assert [x.data for x in weighted_sum._prev[3:6]] == [1.0, 2.0, 3.0]
    linear = Neuron(3, nonlin=False, seed=0)([1.0, 2.0, 3.0])
    assert linear._op == "dot"
    expected = sum(w.data * x for w, x in zip(neuron.w, [1.0, 2.0, 3.0]))
    assert linear.data == pytest.approx(expected)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_forward_and_gradient(activation):
    neuron = Neuron(2, activation=activation, seed=3)
    inputs = [Value(0.3), Value(-0.8)]
    gradcheck(lambda *ps: neuron(inputs), neuron.parameters())
    assert repr(neuron).endswith("Neuron(2)")


def test_gradients_of_an_mlp_agree_with_central_differences():
    model = MLP(3, [4, 4, 2], activation="tanh", seed=1)
    x = [0.2, -0.4, 0.9]
    gradcheck(lambda *ps: sum(model(x)), model.parameters())


def _graph(output):
    """What a graph is made of, in order: each node's op and number."""
    outputs = output if isinstance(output, list) else [output]
    return [[(node._op, node.data) for node in topological_order(o)] for o in outputs]


@pytest.mark.parametrize("model", [MLP(2, [4, 1], seed=5), MLP(2, [3, 2], activation="tanh", seed=6),
                                   MLP(2, [1, 3], seed=7), Layer(2, 3, activation="sigmoid", seed=8),
                                   Neuron(2, activation="leaky_relu", seed=9)], ids=repr)
def test_forward_batch_equals_one_call_per_example(model):
    X = [[0.5, -1.0], [2.0, 0.25], [Value(1.5), 0.0]]
    batched, one_by_one = model.forward_batch(X), [model(x) for x in X]
    assert [_graph(o) for o in batched] == [_graph(o) for o in one_by_one]
    assert model.forward_batch([]) == []


def test_forward_batch_of_a_subclass_with_its_own_call_uses_that_call():
    class Squashed(MLP):
        def __call__(self, x):
            return super().__call__(x).sigmoid()

    class ScaledLayer(Layer):
        def __call__(self, x):
            return [z * 2 for z in super().__call__(x)]

    X = [[0.5, -1.0], [2.0, 0.25]]
    for model in (Squashed(2, [3, 1], seed=1), ScaledLayer(2, 2, seed=2)):
        assert [_graph(o) for o in model.forward_batch(X)] == [_graph(model(x)) for x in X]
    assert Squashed(2, [3, 1], seed=1).forward_batch(X)[0]._op == "sigmoid"


def test_an_mlp_whose_layer_is_a_plain_function_still_runs():
    model = MLP(2, [3, 1], seed=4)
    expected = [model(x).data for x in ([1.0, 2.0], [0.5, -1.0])]
    inner = model.layers[1]
    model.layers[1] = lambda h: inner(h)  # micrograd-style: a layer is anything callable
    assert [out.data for out in model.forward_batch([[1.0, 2.0], [0.5, -1.0]])] == expected
    assert model([1.0, 2.0]).data == expected[0]


def test_forward_batch_follows_each_neurons_own_activation_and_checks_every_example():
    layer = Layer(2, 2, seed=1)
    layer.neurons[1].activation = "tanh"
    first, second = layer.forward_batch([[1.0, 2.0]])[0]
    assert (first._op, second._op) == ("ReLU", "tanh")
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        MLP(2, [4, 1], seed=0).forward_batch([[1.0, 2.0], [1.0, 2.0, 3.0]])


def test_parameters_are_labelled_and_named():
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w0", "layers.0.neurons.0.w1", "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(set(names)) == len(names)
    assert [p.label for p in model.layers[1].neurons[0].parameters()] == ["w0", "w1", "w2", "b"]


def test_wrong_input_length_names_expected_and_got():
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        MLP(2, [4, 1], seed=0)([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="expects 3 inputs, got 1"):
        Neuron(3)([1.0])


def test_bad_constructor_arguments_are_explained():
    with pytest.raises(ValueError, match="Unknown activation 'gelu'"):
        MLP(2, [3, 1], activation="gelu")
    with pytest.raises(ValueError, match="nouts"):
        MLP(2, 3)
    with pytest.raises(ValueError, match="at least one input"):
        Neuron(0)


def test_one_input_networks_take_a_plain_number():
    model = MLP(1, [4, 1], seed=0)
    assert model(0.5).data == model([0.5]).data


def test_single_neuron_hidden_layer_feeds_the_next_layer():
    model = MLP(2, [1, 3], seed=0)
    assert len(model([1.0, 2.0])) == 3


def test_reprs_are_readable():
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2, [16, 16, 1], activation='relu')"
    assert repr(Layer(2, 3, activation="sigmoid")) == "Layer(2 -> 3, sigmoid)"
    assert repr(Neuron(2)) == "ReLUNeuron(2)" and repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"


def test_zero_grad_clears_accumulated_gradients():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, 1.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_micrograd_style_subclass_with_only_parameters_works():
    class Pair(Module):
        def __init__(self):
            self.a, self.b = Value(1.0), Value(2.0)

        def parameters(self):
            return [self.a, self.b]

    pair = Pair()
    assert [n for n, _ in pair.named_parameters()] == ["0", "1"]
    pair.load_state_dict({"0": 5.0, "1": 6.0})
    assert (pair.a.data, pair.b.data) == (5.0, 6.0)


def test_save_and_load_round_trip_exactly(tmp_path):
    model = MLP(2, [5, 1], seed=0)
    for p in model.parameters():
        p.data += 0.1234567891234
    path = tmp_path / "model.json"
    model.save(path)
    fresh = MLP(2, [5, 1], seed=99)
    assert fresh.load(path) is fresh
    assert fresh.state_dict() == model.state_dict()
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left behind


def test_save_replaces_the_old_file_whole(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [50, 1], seed=0).save(path)
    small = MLP(2, [1], seed=1)
    small.save(path)
    assert json.loads(path.read_text())["architecture"]["nouts"] == [1]


def test_a_failed_save_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    before = path.read_text()

    def crash(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr("micrograd_plus.nn.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [3, 1], seed=1).save(path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def _unchanged_after(model, action):
    before = model.state_dict()
    action()
    assert model.state_dict() == before


def test_loading_a_corrupt_file_says_so_and_changes_nothing(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(2, [3, 1], seed=0)
    model.save(path)
    path.write_text(path.read_text()[:40])
    target = MLP(2, [3, 1], seed=5)
    with pytest.raises(ValueError, match="not valid JSON"):
        _unchanged_after(target, lambda: target.load(path))
    path.write_text('{"hello": 1}')
    with pytest.raises(ValueError, match="not a model saved by micrograd_plus"):
        target.load(path)


def test_loading_another_architecture_names_the_difference(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [16, 16, 1], seed=0).save(path)
    other = MLP(2, [8, 1], seed=0)
    with pytest.raises(ValueError, match=r"nouts is \[16, 16, 1\] in the file but \[8, 1\] in this model"):
        _unchanged_after(other, lambda: other.load(path))
    tanh = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    with pytest.raises(ValueError, match="activation is 'relu' in the file but 'tanh'"):
        tanh.load(path)


def test_loading_wrong_sizes_or_values_changes_nothing(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(2, [3, 1], seed=0)
    model.save(path)
    document = json.loads(path.read_text())
    del document["parameters"]["layers.0.neurons.2.w1"]
    document["parameters"]["layers.0.neurons.3.w0"] = 1.0
    path.write_text(json.dumps(document))
    target = MLP(2, [3, 1], seed=4)
    with pytest.raises(ValueError, match=r"lacks 1 parameter.*layers\.0\.neurons\.2\.w1.*layers\.0\.neurons\.3\.w0"):
        _unchanged_after(target, lambda: target.load(path))
    state = model.state_dict()
    state["layers.1.neurons.0.b"] = "zero"
    with pytest.raises(ValueError, match="'layers.1.neurons.0.b' in the state is 'zero'"):
        _unchanged_after(target, lambda: target.load_state_dict(state))


def test_saving_a_model_holding_nan_or_inf_is_refused_and_keeps_the_good_file(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(2, [3, 1], seed=0)
    model.save(path)
    good = path.read_bytes()
    model.layers[0].neurons[1].w[0].data = float("nan")
    model.layers[1].neurons[0].b.data = float("inf")
    with pytest.raises(ValueError, match=r"parameter layers\.0\.neurons\.1\.w0 is nan \(and 1 more"):
        model.save(path)
    assert path.read_bytes() == good and [p.name for p in tmp_path.iterdir()] == ["model.json"]


def test_save_follows_a_symlink_keeps_the_mode_and_refuses_what_is_not_a_file(tmp_path):
    import os
    import stat

    real = tmp_path / "real.json"
    MLP(2, [1], seed=0).save(real)
    real.chmod(0o640)
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    MLP(2, [1], seed=1).save(link)
    assert link.is_symlink() and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert MLP(2, [1], seed=2).load(link).state_dict() == MLP(2, [1], seed=1).state_dict()
    if hasattr(os, "mkfifo"):  # a pipe, as /dev/null is a device: a save as root replaced it
        os.mkfifo(tmp_path / "pipe")
        with pytest.raises(ValueError, match="pipe: it is not a regular file"):
            MLP(2, [1], seed=0).save(tmp_path / "pipe")
        assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_save_errors_name_the_path_given_not_a_temporary_file(tmp_path):
    model = MLP(2, [1], seed=0)
    for path, expected in [(tmp_path / "missing" / "model.json", "the folder .*missing does not exist"),
                           (tmp_path, "it is a folder"), ("", "path is empty")]:
        with pytest.raises((ValueError, OSError), match=expected) as info:
            model.save(path)
        assert ".tmp" not in str(info.value)


@pytest.mark.parametrize("content, expected", [
    ('{"format": "micrograd_plus model", "version": 1, "architecture": ARCH, '
     '"parameters": {"layers.0.neurons.0.w0": 1' + "0" * 400 + ', REST}}', "in the state is 1000"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    (b"\xff\xfe{}", "not UTF-8"),
    ('{"format": "micrograd_plus model", "version": true}', "version True"),
    ('{"format": "micrograd_plus model", "version": 1.0}', "version 1.0"),
    ('{"format": "micrograd_plus model", "version": 1, "architecture": ARCH, '
     '"parameters": {"layers.0.neurons.0.w0": NaN, REST}}', "in the state is nan"),
])
def test_every_bad_file_is_a_value_error_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "bad.json"
    model = MLP(2, [1], seed=0)
    if isinstance(content, str):
        rest = json.dumps({"layers.0.neurons.0.w1": 0.5, "layers.0.neurons.0.b": 0.0})[1:-1]
        content = content.replace("ARCH", json.dumps(model.architecture())).replace("REST", rest).encode()
    path.write_bytes(content)
    with pytest.raises(ValueError, match=expected) as info:
        _unchanged_after(model, lambda: model.load(path))
    assert str(path) in str(info.value)


def test_a_file_far_too_large_is_refused_without_reading_it(tmp_path, monkeypatch):
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:
        file.truncate(64 * 2 ** 20)  # 64 MiB of zero bytes, sparse on disk
    model = MLP(2, [3, 1], seed=0)
    opened = []
    monkeypatch.setattr("builtins.open", lambda *args, **kwargs: opened.append(args))
    with pytest.raises(ValueError, match=r"huge\.json is 67,108,864 bytes, far more than a saved MLP"):
        model.load(path)
    assert opened == []


def test_models_and_their_optimizers_pickle_and_deep_copy():
    import copy
    import pickle

    from micrograd_plus.optim import Adam

    model = MLP(2, [4, 1], seed=0)
    optimizer = Adam(model.parameters(), lr=0.1)
    model([1.0, 2.0]).backward()
    optimizer.step()
    for clone_model, clone_optimizer in (pickle.loads(pickle.dumps((model, optimizer))),
                                         copy.deepcopy((model, optimizer))):
        assert clone_model.state_dict() == model.state_dict()
        assert clone_model([0.5, -1.0]).data == model([0.5, -1.0]).data
        # the optimizer still holds the model's own parameters, not copies of them
        assert all(p is q for p, q in zip(clone_optimizer.params, clone_model.parameters()))
        assert clone_optimizer.mean == optimizer.mean and clone_optimizer.steps == 1
    perceptron = Perceptron(3, seed=0)
    assert pickle.loads(pickle.dumps(perceptron)).w == perceptron.w


def test_forward_graph_of_a_network_uses_one_dot_node_per_neuron():
    model = MLP(2, [4, 1], seed=0)
    ops = [node._op for node in topological_order(model([1.0, 2.0]))]
    assert ops.count("dot") == 5 and ops.count("*") == 0


# --- Perceptron ---------------------------------------------------------------------------------

@pytest.mark.parametrize("gate", ["and", "or", "nand"])
@pytest.mark.parametrize("seed", range(5))
def test_perceptron_learns_linearly_separable_gates(gate, seed):
    X, y = logic_gate(gate)
    perceptron = Perceptron(2, seed=seed)
    result = perceptron.fit(X, y, max_epochs=100)
    assert result.converged and result.epochs < 100
    assert [perceptron.predict(x) for x in X] == y
    assert result.history[-1].mistakes == 0 and result.history[-1].w == tuple(perceptron.w)


@pytest.mark.parametrize("seed", range(5))
def test_perceptron_never_converges_on_xor(seed):
    X, y = logic_gate("xor")
    result = Perceptron(2, seed=seed).fit(X, y, max_epochs=50)
    assert not result.converged and result.epochs == 50
    assert all(epoch.mistakes > 0 for epoch in result.history)


def test_perceptron_rule_by_hand():
    perceptron = Perceptron(2, lr=0.5, seed=0)
    perceptron.w, perceptron.b = [0.0, 0.0], 0.0
    result = perceptron.fit([[1.0, 2.0]], [1], max_epochs=5)
    # First pass: predicts 0 (w.x + b = 0 is not > 0), so w += 0.5 * (1 - 0) * x.
    assert result.history[0].w == (0.5, 1.0) and result.history[0].b == 0.5
    assert result.converged and result.epochs == 2 and result.updates == 1


def test_perceptron_rejects_bad_labels_and_inputs():
    with pytest.raises(ValueError, match="must be 0 or 1, got -1"):
        Perceptron(2).fit([[0.0, 0.0]], [-1])
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        Perceptron(2).predict([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="lr must be a positive finite number, got inf"):
        Perceptron(2, lr=float("inf"))
    perceptron = Perceptron(2, seed=0)
    before = (list(perceptron.w), perceptron.b)
    with pytest.raises(ValueError, match=r"takes finite numbers as inputs, got \[nan, 1.0\]"):
        perceptron.fit([[0.0, 1.0], [float("nan"), 1.0]], [1, 0])
    assert (perceptron.w, perceptron.b) == before
    with pytest.raises(ValueError, match="finite numbers"):
        perceptron.predict([float("inf"), 0.0])


def test_perceptron_learns_from_numpy_arrays():
    np = pytest.importorskip("numpy")
    X, y = logic_gate("and")
    from_lists, from_arrays = Perceptron(2, seed=1), Perceptron(2, seed=1)
    assert from_arrays.fit(np.array(X), np.array(y)).converged
    from_lists.fit(X, y)
    assert from_arrays.w == from_lists.w and from_arrays.b == from_lists.b
