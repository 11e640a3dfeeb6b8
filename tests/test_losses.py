"""Tests for micrograd_plus.losses: each loss equals PyTorch's (value and gradients, to 1e-12),
agrees with hand-worked values, and rejects labels it cannot use."""

import math
import random

import pytest

from micrograd_plus.engine import Value, topological_order
from micrograd_plus.losses import (binary_cross_entropy, binary_cross_entropy_with_logits,
                                   cross_entropy, hinge, l2, mse)

TOLERANCE = 1e-12


def _values(numbers):
    return [Value(x) for x in numbers]


def _close(a, b):
    return abs(a - b) <= TOLERANCE * max(1.0, abs(b))


# --- hand-worked values ---------------------------------------------------------------------

def test_mse_by_hand():
    predictions = _values([1.0, 3.0])
    loss = mse(predictions, [0.0, 1.0])
    assert loss.data == pytest.approx((1 + 4) / 2)
    loss.backward()
    assert [p.grad for p in predictions] == pytest.approx([1.0, 2.0])  # 2 * (p - t) / n


def test_mse_with_several_outputs_per_example_averages_every_output():
    predictions = [_values([1.0, 2.0]), _values([0.0, 0.0])]
    assert mse(predictions, [[0.0, 0.0], [0.0, 2.0]]).data == pytest.approx((1 + 4 + 0 + 4) / 4)


def test_hinge_by_hand_accepts_0_1_and_signed_labels():
    scores = _values([2.0, 0.5, -0.25])
    for labels in ([1, 1, 0], [1, 1, -1]):
        loss = hinge(scores, labels)
        # margins: 1 - 2 -> 0, 1 - 0.5 = 0.5, 1 - 0.25 = 0.75
        assert loss.data == pytest.approx((0 + 0.5 + 0.75) / 3)
    for s in scores:
        s.grad = 0.0
    hinge(scores, [1, 1, 0]).backward()
    assert [s.grad for s in scores] == pytest.approx([0.0, -1 / 3, 1 / 3])


def test_binary_cross_entropy_by_hand():
    loss = binary_cross_entropy(_values([0.9, 0.2]), [1, 0])
    assert loss.data == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2)


def test_binary_cross_entropy_with_logits_is_stable_for_huge_scores():
    logits = _values([800.0, -800.0, 0.0])
    loss = binary_cross_entropy_with_logits(logits, [1, 0, 1])
    assert loss.data == pytest.approx(math.log(2) / 3)
    loss.backward()
    # d/dz = (sigmoid(z) - t) / n, exactly 0 - 0.5 at z = 0 as well
    assert [z.grad for z in logits] == pytest.approx([0.0, 0.0, -0.5 / 3])


def test_cross_entropy_is_stable_for_huge_scores_and_matches_by_hand():
    loss = cross_entropy([_values([1000.0, 0.0, 1000.0])], [0])
    assert loss.data == pytest.approx(math.log(2))
    logits = _values([1.0, 2.0, 3.0])
    loss = cross_entropy([logits], [2])
    total = sum(math.exp(z) for z in (1.0, 2.0, 3.0))
    assert loss.data == pytest.approx(math.log(total) - 3.0)
    loss.backward()
    softmax = [math.exp(z) / total for z in (1.0, 2.0, 3.0)]
    assert [z.grad for z in logits] == pytest.approx([softmax[0], softmax[1], softmax[2] - 1])


def test_l2_is_the_sum_of_squares_as_one_node():
    params = _values([1.0, -2.0, 3.0])
    penalty = l2(params)
    assert penalty.data == 14.0 and penalty._op == "dot"
    penalty.backward()
    assert [p.grad for p in params] == [2.0, -4.0, 6.0]


def test_losses_sum_many_terms_in_one_node():
    scores = _values([0.1 * i for i in range(50)])
    ops = [node._op for node in topological_order(hinge(scores, [i % 2 for i in range(50)]))]
    assert ops.count("sum") == 1 and ops.count("+") == 50


def test_models_with_one_output_in_a_list_are_accepted():
    assert hinge([[Value(2.0)]], [1]).data == 0.0


def test_plain_numbers_as_outputs_are_accepted():
    assert hinge([2.0, -0.25], [1, 0]).data == pytest.approx(0.75 / 2)
    assert binary_cross_entropy([0.9, 0.2], [1, 0]).data == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2)
    assert cross_entropy([[1.0, 1.0]], [0]).data == pytest.approx(math.log(2))


# --- labels a loss cannot use ------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: hinge(_values([1.0, 2.0]), [0, 2]), "labels 0/1 or -1/\\+1"),
    (lambda: hinge(_values([1.0, 2.0]), [0, -1]), "not a mix of 0 and -1"),
    (lambda: cross_entropy([_values([1.0, 2.0, 3.0])], [3]), "class index 0 is 3.*from 0 to 2"),
    (lambda: cross_entropy([_values([1.0, 2.0])], [1.0]), "must be an int"),
    (lambda: binary_cross_entropy(_values([0.5]), [2]), "target 0 is 2.0; targets must lie in \\[0, 1\\]"),
    (lambda: binary_cross_entropy(_values([1.0]), [1]), "strictly between 0 and 1.*with_logits"),
    (lambda: binary_cross_entropy_with_logits(_values([0.5]), [-1]), "must lie in \\[0, 1\\]"),
    (lambda: mse(_values([1.0, 2.0]), [1.0]), "2 outputs but 1 targets"),
    (lambda: mse([], []), "no examples"),
    (lambda: hinge([_values([1.0, 2.0])], [1]), "use cross_entropy"),
])
def test_bad_labels_and_shapes_are_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- PyTorch as the oracle --------------------------------------------------------------------

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for these tests; install torch to run them")
torch.set_num_threads(1)  # tiny tensors: threads only add start-up cost, and the suite runs on 2 cores


def _compare(our_loss_fn, torch_loss_fn, inputs, targets, torch_targets=None):
    """Run both on the same numbers; value and every input gradient must agree to 1e-12."""
    ours = [[Value(x) for x in row] if isinstance(row, list) else Value(row) for row in inputs]
    loss = our_loss_fn(ours, targets)
    loss.backward()
    theirs = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
    expected = torch_loss_fn(theirs, torch_targets if torch_targets is not None
                             else torch.tensor(targets, dtype=torch.float64))
    expected.backward()
    assert _close(loss.data, expected.item()), (loss.data, expected.item())
    flat = [v for row in ours for v in (row if isinstance(row, list) else [row])]
    for ours_grad, torch_grad in zip([v.grad for v in flat], theirs.grad.flatten().tolist()):
        assert _close(ours_grad, torch_grad), (ours_grad, torch_grad)


@pytest.mark.parametrize("seed", range(10))
def test_mse_equals_torch(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 30)
    _compare(mse, torch.nn.functional.mse_loss,
             [rng.gauss(0, 3) for _ in range(n)], [rng.gauss(0, 3) for _ in range(n)])


@pytest.mark.parametrize("seed", range(10))
def test_binary_cross_entropy_equals_torch(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 30)
    targets = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(n)]  # hard and soft targets
    _compare(binary_cross_entropy, torch.nn.functional.binary_cross_entropy,
             [rng.uniform(0.001, 0.999) for _ in range(n)], targets)


@pytest.mark.parametrize("seed", range(10))
def test_binary_cross_entropy_with_logits_equals_torch(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 30)
    targets = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(n)]
    _compare(binary_cross_entropy_with_logits, torch.nn.functional.binary_cross_entropy_with_logits,
             [rng.gauss(0, 5) for _ in range(n)] + [0.0], targets + [1.0])


@pytest.mark.parametrize("seed", range(10))
def test_hinge_equals_torch(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 30)
    labels = [rng.choice([-1, 1]) for _ in range(n)]
    _compare(hinge, lambda s, y: torch.relu(1 - y * s).mean(),
             [rng.gauss(0, 2) for _ in range(n)], labels)


@pytest.mark.parametrize("seed", range(10))
def test_cross_entropy_equals_torch(seed):
    rng = random.Random(seed)
    n, k = rng.randint(1, 20), rng.randint(2, 10)
    classes = [rng.randrange(k) for _ in range(n)]
    _compare(cross_entropy, torch.nn.functional.cross_entropy,
             [[rng.gauss(0, 4) for _ in range(k)] for _ in range(n)], classes,
             torch_targets=torch.tensor(classes))


@pytest.mark.parametrize("seed", range(5))
def test_l2_equals_torch(seed):
    rng = random.Random(seed)
    numbers = [rng.gauss(0, 1) for _ in range(rng.randint(1, 50))]
    _compare(lambda ps, _: l2(ps), lambda t, _: (t ** 2).sum(), numbers, [0.0] * len(numbers))


@pytest.mark.parametrize("loss, outputs, targets, message", [
    (mse, [Value(1.0), Value(2.0)], [0.0, float("nan")], "mse: target 1 is nan; targets must be finite"),
    (mse, [[Value(1.0)]], [[float("inf")]], "mse: target 0 is inf"),
    (hinge, [0.5, float("nan")], [0, 1], "hinge: output 1 is nan; outputs must be finite"),
    (cross_entropy, [[1.0, float("inf")]], [0], "cross_entropy: score 1 of example 0 is inf"),
])
def test_a_non_finite_number_is_named_with_the_loss_and_its_position(loss, outputs, targets, message):
    with pytest.raises(ValueError, match=message):
        loss(outputs, targets)
