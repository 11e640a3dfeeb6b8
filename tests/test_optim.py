"""Tests for micrograd_plus.optim: hand-worked steps, and 20 steps equal to torch.optim's."""

import math

import pytest

from micrograd_plus.data import make_moons
from micrograd_plus.engine import Value
from micrograd_plus.losses import binary_cross_entropy_with_logits
from micrograd_plus.nn import MLP
from micrograd_plus.optim import SGD, Adam, AdamW


def _param(data, grad):
    p = Value(data)
    p.grad = grad
    return p


def test_sgd_step_by_hand():
    p = _param(1.0, 0.5)
    SGD([p], lr=0.1).step()
    assert p.data == pytest.approx(1.0 - 0.1 * 0.5)


def test_sgd_momentum_and_weight_decay_by_hand():
    p = _param(1.0, 0.5)
    optimizer = SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1)
    optimizer.step()  # v = 0.5 + 0.1 * 1.0 = 0.6, p = 1 - 0.06
    assert p.data == pytest.approx(0.94)
    optimizer.step()  # g = 0.5 + 0.094 = 0.594, v = 0.9 * 0.6 + 0.594 = 1.134
    assert p.data == pytest.approx(0.94 - 0.1134)


def test_adam_first_step_moves_each_parameter_by_about_lr():
    params = [_param(1.0, 0.003), _param(1.0, -250.0)]
    Adam(params, lr=0.01).step()
    assert params[0].data == pytest.approx(0.99) and params[1].data == pytest.approx(1.01)


def test_adamw_decays_weights_even_without_gradient():
    p = _param(2.0, 0.0)
    AdamW([p], lr=0.1, weight_decay=0.5).step()
    assert p.data == pytest.approx(2.0 * (1 - 0.05))


def test_zero_grad_and_settable_learning_rate():
    params = [_param(1.0, 3.0), _param(2.0, -1.0)]
    optimizer = SGD(params, lr=0.5)
    optimizer.lr = 0.25
    optimizer.step()
    assert [p.data for p in params] == [0.25, 2.25]
    optimizer.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]
    with pytest.raises(ValueError, match="lr must be a number >= 0.0, got -1"):
        optimizer.lr = -1


def test_bad_arguments_are_explained():
    with pytest.raises(TypeError, match="model.parameters"):
        SGD(MLP(2, [1]))
    with pytest.raises(ValueError, match="got no parameters"):
        Adam([])
    with pytest.raises(ValueError, match="momentum must be"):
        SGD([Value(1.0)], momentum=1.5)
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam([Value(1.0)], betas=0.9)


def test_duplicate_parameters_and_a_zero_eps_are_refused():
    p, q = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=r"got Value\(data=1.0.*more than once \(at position 2\)"):
        SGD([p, q, p])
    with pytest.raises(ValueError, match="eps must be a number > 0.0, got 0"):
        Adam([p], eps=0)
    with pytest.raises(ValueError, match="eps must be a number > 0.0"):
        AdamW([p], eps=0.0)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=1e300), lambda ps: SGD(ps, lr=1e300, momentum=0.9),
                                  lambda ps: Adam(ps, lr=1e300, eps=1e-300)])
def test_a_step_that_would_overflow_changes_nothing(make):
    params = [_param(1.0, 1.0), _param(2.0, 1e10), _param(3.0, 0.5)]
    optimizer = make(params)
    state = {k: v for k, v in vars(optimizer).items() if k != "params"}
    with pytest.raises(OverflowError, match=r"step would make parameter 1 \(Value\(data=2.0.*\) -?inf.*Nothing was changed"):
        optimizer.step()
    assert [p.data for p in params] == [1.0, 2.0, 3.0]
    assert {k: v for k, v in vars(optimizer).items() if k != "params"} == state


torch = pytest.importorskip("torch", reason="PyTorch is the oracle for these tests; install torch to run them")
torch.set_num_threads(1)  # tiny tensors: threads only add start-up cost, and the suite runs on 2 cores

CONFIGS = [
    (SGD, torch.optim.SGD, {"lr": 0.1}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01}),
    (Adam, torch.optim.Adam, {"lr": 0.01}),
    (Adam, torch.optim.Adam, {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
    (AdamW, torch.optim.AdamW, {"lr": 0.01}),
    (AdamW, torch.optim.AdamW, {"lr": 0.03, "weight_decay": 0.1}),
]


def _torch_copy(model):
    """The same network in PyTorch, with this model's weights (float64)."""
    layers = []
    for i, layer in enumerate(model.layers):
        linear = torch.nn.Linear(layer.nin, len(layer.neurons), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
        layers.append(linear)
        if i < len(model.layers) - 1:
            layers.append(torch.nn.Tanh())
    return torch.nn.Sequential(*layers)


def _torch_parameters_in_our_order(torch_model):
    numbers = []
    for linear in [m for m in torch_model if isinstance(m, torch.nn.Linear)]:
        for row, bias in zip(linear.weight.tolist(), linear.bias.tolist()):
            numbers.extend(row + [bias])
    return numbers


@pytest.mark.parametrize("ours, theirs, settings", CONFIGS, ids=[
    f"{c[0].__name__}-{'-'.join(f'{k}={v}' for k, v in c[2].items())}" for c in CONFIGS])
def test_twenty_steps_equal_torch_optim(ours, theirs, settings):
    X, y = make_moons(24, noise=0.2, seed=1)
    model = MLP(2, [6, 5, 1], activation="tanh", seed=2)
    torch_model = _torch_copy(model)
    optimizer = ours(model.parameters(), **settings)
    torch_optimizer = theirs(torch_model.parameters(), **settings)
    X_torch = torch.tensor(X, dtype=torch.float64)
    y_torch = torch.tensor(y, dtype=torch.float64)
    for _ in range(20):
        loss = binary_cross_entropy_with_logits([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        torch_loss = torch.nn.functional.binary_cross_entropy_with_logits(
            torch_model(X_torch).squeeze(1), y_torch)
        torch_optimizer.zero_grad()
        torch_loss.backward()
        torch_optimizer.step()
        assert math.isclose(loss.data, torch_loss.item(), rel_tol=1e-10, abs_tol=1e-10)
    ours_now = [p.data for p in model.parameters()]
    theirs_now = _torch_parameters_in_our_order(torch_model)
    assert max(abs(a - b) for a, b in zip(ours_now, theirs_now)) < 1e-10
    assert ours_now != [p.data for p in MLP(2, [6, 5, 1], activation="tanh", seed=2).parameters()]
