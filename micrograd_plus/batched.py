"""The batched path: a network's graph built once for a whole batch of examples.

A Value holds one example's number. Run a network on 100 examples and the engine builds 100
copies of the same graph, one per example, and walks all of them. Here the graph is built once:
each node is a ``BatchValue`` whose ``data`` holds that node's number for every example (a numpy
array, one row per example), and each op runs on all rows in one numpy call:

    from micrograd_plus import batched
    out = batched.forward(model, X)     # one graph; out.data[i] == model(X[i]).data
    loss = batched.loss("hinge", out, y)
    loss.backward()                     # every weight's gradient, summed over the batch

This is what a tensor library (PyTorch, JAX) does: the chain rule is the engine's, node by node;
only what a node holds changes, from one number to an array. A layer's weighted sums become one
matrix product, ``X @ W.T + b``, so its nodes are whole layers.

``fit``, ``train_step``, ``predict``, ``accuracy`` and the decision-boundary plots go through
``step`` and ``outputs`` below, which take this path for the models it reproduces exactly
(``Neuron``, ``Layer``, ``MLP`` and the losses in ``losses``) and answer None for anything else
(a plain function, a subclass with its own ``__call__``, inputs that are not plain numbers), so
the caller runs the scalar engine instead. Wherever a number would leave the float range or an
op its domain, they answer None too: the scalar engine then raises its own error naming the op,
or, if rounding kept it in range there, makes the step itself. Either way the results are the
scalar path's, to rounding (tests/test_batched.py checks 1e-12 relative after many steps).
"""

from __future__ import annotations

import math
import operator
from numbers import Integral, Real
from typing import Callable, Sequence

import numpy as np

from . import losses as scalar_losses
from .engine import OP_RULES, Value, is_grad_enabled, operands_first
from .nn import ACTIVATION_RULES, MLP, Layer, Module, Neuron

__all__ = ["BatchValue", "forward", "loss", "topological_order", "can_batch", "outputs", "step",
           "evaluate"]


# --- each op on arrays: its forward, and its local derivatives from the engine's own table --------

def _sigmoid(a: np.ndarray) -> np.ndarray:
    # The engine's two forms, so exp() only ever sees -|a| and cannot overflow.
    e = np.exp(-np.abs(a))
    return np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


_LEAKY_SLOPE = 0.01  # nn's leaky_relu (ACTIVATION_RULES['leaky_relu'] is leaky_relu_rule(0.01))

ARRAY_FORWARD: dict[str, Callable[..., np.ndarray]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "neg": np.negative,
    "exp": np.exp, "log": np.log, "tanh": np.tanh, "sigmoid": _sigmoid,
    "ReLU": lambda a: np.maximum(a, 0.0),
    "leaky_relu(0.01)": lambda a: np.where(a > 0.0, a, _LEAKY_SLOPE * a),
}
"""The forward of each elementwise op the batched path uses, on arrays; the names are the
engine's (OP_RULES)."""

# The engine's local derivatives work on arrays as they are, except where they choose by
# comparing a number (``1.0 if a > 0 else 0.0``): those are the same rules, written for arrays.
_ARRAY_DERIVATIVES: dict[str, Callable[..., tuple]] = {
    "ReLU": lambda a, out: (a > 0.0,),  # True and False multiply as 1 and 0
    "leaky_relu(0.01)": lambda a, out: (np.where(a > 0.0, 1.0, _LEAKY_SLOPE),),
}


def _local_derivatives(op: str) -> Callable[..., tuple]:
    return _ARRAY_DERIVATIVES.get(op) or OP_RULES[op].local_derivatives


# --- the node ---------------------------------------------------------------------------------------

class BatchValue:
    """A node of a batched graph: the op a Value would record, holding every example's number.

    ``data`` is a numpy array (one row per example; a weight matrix for a layer's weights; a
    0-d array for a loss), ``grad`` the array of d(output)/d(this) after ``output.backward()``,
    ``_prev`` the operands and ``_op`` the op's name, as in the engine. ``requires_grad`` is
    False for inputs and constants, whose gradients nobody needs.
    """

    __slots__ = ("data", "grad", "_prev", "_op", "_pull_back", "_aux", "requires_grad", "label")

    def __init__(self, data, requires_grad: bool = False, label: str = "") -> None:
        self.data = np.asarray(data, dtype=float)
        self.grad = None
        self._prev: tuple[BatchValue, ...] = ()
        self._op = ""
        self._pull_back = None
        self._aux = None
        self.requires_grad = requires_grad
        self.label = label

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"BatchValue(op={self._op!r}, shape={self.data.shape}{label})"

    @staticmethod
    def _record(data: np.ndarray, operands: tuple[BatchValue, ...], op: str, pull_back,
                aux=None) -> BatchValue:
        out = BatchValue.__new__(BatchValue)
        out.data, out.grad, out._prev, out._op = data, None, operands, op
        out._pull_back, out._aux, out.label = pull_back, aux, ""
        out.requires_grad = True in [operand.requires_grad for operand in operands]
        return out

    def _elementwise(self, op: str, *others) -> BatchValue:
        operands = (self, *(o if isinstance(o, BatchValue) else BatchValue(o, label="constant")
                            for o in others))
        data = ARRAY_FORWARD[op](*[operand.data for operand in operands])
        return BatchValue._record(data, operands, op, _elementwise_pull_back)

    # arithmetic with arrays or numbers on either side, as with Values
    def __add__(self, other) -> BatchValue:
        return self._elementwise("+", other)

    def __radd__(self, other) -> BatchValue:
        return BatchValue(other, label="constant")._elementwise("+", self)

    def __sub__(self, other) -> BatchValue:
        return self._elementwise("-", other)

    def __rsub__(self, other) -> BatchValue:
        return BatchValue(other, label="constant")._elementwise("-", self)

    def __mul__(self, other) -> BatchValue:
        return self._elementwise("*", other)

    def __rmul__(self, other) -> BatchValue:
        return BatchValue(other, label="constant")._elementwise("*", self)

    def __truediv__(self, other) -> BatchValue:
        return self._elementwise("/", other)

    def __neg__(self) -> BatchValue:
        return self._elementwise("neg")

    def exp(self) -> BatchValue:
        return self._elementwise("exp")

    def log(self) -> BatchValue:
        return self._elementwise("log")

    def tanh(self) -> BatchValue:
        return self._elementwise("tanh")

    def sigmoid(self) -> BatchValue:
        return self._elementwise("sigmoid")

    def relu(self) -> BatchValue:
        return self._elementwise("ReLU")

    def sum(self, axis: int | None = None) -> BatchValue:
        """The sum of all numbers (``axis=None``), or of each row (``axis=1``); the sum of all is
        rounded once, as the engine's sum op (``math.fsum``) does."""
        total = np.asarray(math.fsum(self.data.ravel().tolist())) if axis is None else self.data.sum(axis=axis)
        return BatchValue._record(total, (self,), "sum", _sum_pull_back, axis)

    def pick(self, columns: np.ndarray) -> BatchValue:
        """Row i's number in column ``columns[i]`` (each example's score for its own class)."""
        rows = np.arange(len(columns))
        return BatchValue._record(self.data[rows, columns], (self,), "pick", _pick_pull_back,
                                  (rows, columns))

    def backward(self) -> None:
        """Fill in ``.grad`` of every node this one depends on (each a whole array):
        ``operand.grad += upstream_grad * d(self)/d(operand)``, every example at once. Every
        node shows the gradient of this pass (weights: summed over the examples)."""
        order = topological_order(self)
        for node in order:
            node.grad = np.zeros_like(node.data) if node.requires_grad and not node._prev else None
        self.grad = np.ones_like(self.data)
        for node in reversed(order):
            if node.grad is None or not node._prev:
                continue
            for operand, gradient in zip(node._prev, node._pull_back(node, node.grad)):
                if gradient is not None:
                    operand.grad = gradient if operand.grad is None else operand.grad + gradient


def _sum_to_shape(gradient: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A gradient of a broadcast result, summed back to its operand's shape (a number added to
    every example gets the sum of their gradients)."""
    if gradient.shape == shape:
        return gradient
    gradient = np.broadcast_to(gradient, np.broadcast_shapes(gradient.shape, shape))
    while gradient.ndim > len(shape):
        gradient = gradient.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and gradient.shape[axis] != 1:
            gradient = gradient.sum(axis=axis, keepdims=True)
    return gradient


def _elementwise_pull_back(node: BatchValue, upstream: np.ndarray) -> list:
    local = _local_derivatives(node._op)(*[operand.data for operand in node._prev], node.data)
    return [_sum_to_shape(upstream * d, operand.data.shape) if operand.requires_grad else None
            for operand, d in zip(node._prev, local)]


def _sum_pull_back(node: BatchValue, upstream: np.ndarray) -> list:
    (operand,) = node._prev
    spread = upstream if node._aux is None else upstream[:, None]
    return [np.broadcast_to(spread, operand.data.shape).copy()]


def _pick_pull_back(node: BatchValue, upstream: np.ndarray) -> list:
    (operand,) = node._prev
    gradient = np.zeros_like(operand.data)
    gradient[node._aux] = upstream
    return [gradient]


def _weighted_sums_pull_back(node: BatchValue, upstream: np.ndarray) -> list:
    # Z = X @ W.T + b: each weight's gradient sums upstream * its input over the examples, each
    # input's sums upstream * its weight over the neurons, the bias's sums upstream.
    inputs, weights, biases = node._prev
    return [upstream @ weights.data if inputs.requires_grad else None,
            upstream.T @ inputs.data,
            upstream.sum(axis=0)]


def weighted_sums(inputs: BatchValue, weights: BatchValue, biases: BatchValue) -> BatchValue:
    """A layer's ``dot`` nodes for every example at once: row i, column j holds neuron j's
    w1*x1 + ... + wn*xn + b for example i, that is ``inputs @ weights.T + biases``."""
    return BatchValue._record(inputs.data @ weights.data.T + biases.data,
                              (inputs, weights, biases), "dot", _weighted_sums_pull_back)


def topological_order(root: BatchValue) -> list[BatchValue]:
    """Every node ``root`` depends on, each after its operands (``root`` last), as the engine's
    ``topological_order`` for Values."""
    return operands_first(root, operator.attrgetter("_prev"))


# --- a model as layers of neurons -----------------------------------------------------------------

def _layers(model) -> list[list[Neuron]] | None:
    """The model's neurons, layer by layer, if its outputs are exactly what ``weighted_sums``
    and the activations compute: an nn Neuron, Layer or MLP whose ``__call__`` and batch
    forward are nn's own, all of whose parts are such too. None for anything else."""
    cls = type(model)
    if not isinstance(model, Module) or cls.forward_batch is not Module.forward_batch:
        return None
    if isinstance(model, MLP) and cls.__call__ is MLP.__call__ and cls._forward is MLP._forward:
        layers = []
        for part in model.layers:
            inner = _layers(part)
            if inner is None:
                return None
            layers += inner
        return layers or None
    if isinstance(model, Layer) and cls.__call__ is Layer.__call__ and cls._forward is Layer._forward:
        return [list(model.neurons)]  # Layer reads its neurons' w, b and activation itself
    if isinstance(model, Neuron) and cls.__call__ is Neuron.__call__:
        return [[model]]
    return None


def _one_output(model) -> bool:
    """Whether the model gives one Value per example (not a list): its last layer is a Neuron
    or a one-neuron Layer, as in nn."""
    while isinstance(model, MLP):
        model = model.layers[-1]
    return isinstance(model, Neuron) or len(model.neurons) == 1


class _Network:
    """One step's view of a model: its parameters' numbers as a matrix per layer."""

    def __init__(self, layers: list[list[Neuron]]) -> None:
        self.parameters: list[Value] = []  # layer by layer, neuron by neuron, w1..wn then b
        self.weights: list[BatchValue] = []
        self.biases: list[BatchValue] = []
        self.activations: list[list[tuple[str | None, list[int]]]] = []
        self.valid = True
        for number, neurons in enumerate(layers, start=1):
            if not neurons:
                self.valid = False
                return
            nin = len(neurons[0].w)
            parameters = [p for n in neurons for p in (*n.w, n.b)]
            if (operator.countOf(map(type, parameters), Value) != len(parameters)
                    or any(len(n.w) != nin for n in neurons)
                    or any(n.activation not in ACTIVATION_RULES for n in neurons)):
                self.valid = False
                return
            numbers = np.fromiter(map(_data, parameters), float, len(parameters))
            numbers = numbers.reshape(len(neurons), nin + 1)
            self.parameters += parameters
            self.weights.append(BatchValue(numbers[:, :nin], requires_grad=True, label=f"W{number}"))
            self.biases.append(BatchValue(numbers[:, nin], requires_grad=True, label=f"b{number}"))
            self.activations.append(_activation_groups(neurons))

    def __call__(self, X: np.ndarray) -> BatchValue | None:
        current = BatchValue(X, label="X")
        for weights, biases, groups in zip(self.weights, self.biases, self.activations):
            if current.data.shape[1] != weights.data.shape[1]:
                return None  # the scalar path says which layer expected how many inputs
            sums = weighted_sums(current, weights, biases)
            if not _finite(sums.data):  # the scalar path raises its error at this dot
                return None
            current = _activate(sums, groups)
        return current

    def numbers(self) -> np.ndarray:
        """Every parameter's number, in the order of ``parameters``."""
        return np.concatenate([np.column_stack([w.data, b.data]).ravel()
                               for w, b in zip(self.weights, self.biases)])

    def gradients(self) -> np.ndarray:
        """Every parameter's gradient, in the order of ``parameters``."""
        return np.concatenate([np.column_stack([w.grad, b.grad]).ravel()
                               for w, b in zip(self.weights, self.biases)])


_data = operator.attrgetter("data")


def _activation_groups(neurons: list[Neuron]) -> list[tuple[str | None, list[int]]]:
    """The op of each activation in the layer with the neurons (columns) that use it; usually
    one group, but a neuron may have been given an activation of its own."""
    groups: dict[str | None, list[int]] = {}
    for j, neuron in enumerate(neurons):
        rule = ACTIVATION_RULES[neuron.activation]
        groups.setdefault(None if rule is None else rule.name, []).append(j)
    return list(groups.items())


def _activate(sums: BatchValue, groups: list[tuple[str | None, list[int]]]) -> BatchValue:
    if len(groups) == 1:
        op, _ = groups[0]
        return sums if op is None else sums._elementwise(op)
    return BatchValue._record(_mixed_forward(sums.data, groups), (sums,), "activations",
                              _mixed_pull_back, groups)


def _mixed_forward(sums: np.ndarray, groups) -> np.ndarray:
    out = sums.copy()
    for op, columns in groups:
        if op is not None:
            out[:, columns] = ARRAY_FORWARD[op](sums[:, columns])
    return out


def _mixed_pull_back(node: BatchValue, upstream: np.ndarray) -> list:
    (sums,) = node._prev
    local = np.ones_like(sums.data)
    for op, columns in node._aux:
        if op is not None:
            (local[:, columns],) = _local_derivatives(op)(sums.data[:, columns], node.data[:, columns])
    return [upstream * local]


def _examples(X) -> np.ndarray | None:
    """The examples as a 2-D float array, or None unless every one is a row of finite plain
    numbers (the scalar path turns anything else into its own error, or into Values the batched
    path would not give gradients to)."""
    try:
        array = np.asarray(X)
    except ValueError:  # rows of different lengths
        return None
    if array.ndim != 2 or array.dtype.kind not in "iuf" or not array.size:
        return None
    array = array.astype(float, copy=False)
    return array if np.isfinite(array).all() else None


def _finite(numbers: np.ndarray) -> bool:
    """Whether every number is finite, in one sum: inf and nan survive it (a sum of huge finite
    numbers that overflows only sends the step to the scalar path, which then does it)."""
    return math.isfinite(numbers.sum())


def can_batch(model) -> bool:
    """Whether the batched path reproduces ``model`` exactly (an nn Neuron, Layer or MLP)."""
    return _layers(model) is not None


def forward(model, X) -> BatchValue:
    """The model's outputs for every example in ``X`` as one batched graph: ``out.data[i]``
    is ``model(X[i])``'s number (a row of numbers for a model with several outputs)."""
    return _run_or_explain(model, X)[1]


def _run_or_explain(model, X) -> tuple[_Network, BatchValue]:
    if _layers(model) is None:
        raise TypeError(f"the batched path runs nn's Neuron, Layer and MLP; {model!r} is not one "
                        f"of them (or changes how they run), so call it on one example at a time.")
    if _examples(X) is None:
        raise ValueError(f"the batched path needs X as rows of finite numbers, one row per "
                         f"example; got {X!r:.80}")
    ran = _run(model, X)
    if ran is None:
        raise ValueError(f"{model!r} cannot run on these rows on the batched path: its layers' sizes "
                         f"do not fit them, or a number leaves the float range. Call the model on "
                         f"one example to get the engine's error, which says where.")
    return ran


def _squeezed(out: BatchValue) -> BatchValue:
    """A one-column output as one number per example, as nn gives one Value (not a list)."""
    return BatchValue._record(out.data[:, 0], (out,), "squeeze", _squeeze_pull_back)


def _squeeze_pull_back(node: BatchValue, upstream: np.ndarray) -> list:
    return [upstream[:, None]]


# --- the losses, op for op as in losses.py ---------------------------------------------------------

def _targets(y, count: int) -> np.ndarray | None:
    """The targets as a float array of ``count`` plain numbers (not bools, not Values)."""
    try:
        targets = np.asarray(y)
    except ValueError:
        return None
    if len(targets) != count or targets.dtype.kind not in "iuf":
        return None
    targets = targets.astype(float, copy=False)
    return targets if np.isfinite(targets).all() else None


def _one_per_example(out: BatchValue) -> BatchValue | None:
    return out if out.data.ndim == 1 else None


def _hinge(out: BatchValue, y) -> BatchValue | None:
    targets = _targets(y, len(out.data))
    scores = _one_per_example(out)
    if scores is None or targets is None:
        return None
    labels = set(np.unique(targets).tolist())
    if labels <= {0.0, 1.0}:
        signs = 2.0 * targets - 1.0
    elif labels <= {-1.0, 1.0}:
        signs = targets
    else:
        return None
    return (scores * -signs + 1.0).relu().sum() * (1.0 / len(targets))


def _mse(out: BatchValue, y) -> BatchValue | None:
    targets = _targets(y, len(out.data))
    if targets is None or targets.shape != out.data.shape:
        return None
    differences = out - targets
    return (differences * differences).sum() * (1.0 / differences.data.size)


def _unit_targets(out: BatchValue, y) -> tuple[BatchValue, np.ndarray] | tuple[None, None]:
    targets = _targets(y, len(out.data))
    scores = _one_per_example(out)
    if scores is None or targets is None or targets.ndim != 1:
        return None, None
    if ((targets < 0.0) | (targets > 1.0)).any():
        return None, None
    return scores, targets


def _binary_cross_entropy(out: BatchValue, y) -> BatchValue | None:
    probabilities, targets = _unit_targets(out, y)
    if probabilities is None or not ((probabilities.data > 0.0) & (probabilities.data < 1.0)).all():
        return None
    terms = probabilities.log() * targets + (1.0 - probabilities).log() * (1.0 - targets)
    return terms.sum() * (-1.0 / len(targets))


def _binary_cross_entropy_with_logits(out: BatchValue, y) -> BatchValue | None:
    logits, targets = _unit_targets(out, y)
    if logits is None:
        return None
    # As in losses.py: exp() sees only -|z|, and at z = 0 the z >= 0 form (its slope) is used.
    non_negative = logits.data >= 0.0
    slopes = np.where(non_negative, 1.0 - targets, -targets)
    softplus = ((logits * np.where(non_negative, -1.0, 1.0)).exp() + 1.0).log()
    return ((logits * slopes).sum() + softplus.sum()) * (1.0 / len(targets))


def _cross_entropy(out: BatchValue, y) -> BatchValue | None:
    if out.data.ndim != 2 or out.data.shape[1] < 2:
        return None
    try:
        classes = np.asarray(y)
    except ValueError:
        return None
    if (len(classes) != len(out.data) or classes.ndim != 1 or classes.dtype.kind not in "iu"
            or ((classes < 0) | (classes >= out.data.shape[1])).any()):
        return None
    largest = out.data.max(axis=1, keepdims=True)  # a constant, as in losses.py
    log_sum_exps = (out - largest).exp().sum(axis=1).log() + largest[:, 0]
    return (log_sum_exps.sum() - out.pick(classes).sum()) * (1.0 / len(classes))


_LOSSES: dict[Callable, Callable[[BatchValue, Sequence], BatchValue | None]] = {
    scalar_losses.mse: _mse,
    scalar_losses.binary_cross_entropy: _binary_cross_entropy,
    scalar_losses.binary_cross_entropy_with_logits: _binary_cross_entropy_with_logits,
    scalar_losses.hinge: _hinge,
    scalar_losses.cross_entropy: _cross_entropy,
}


def loss(name: str | Callable, out: BatchValue, targets: Sequence) -> BatchValue:
    """One of ``losses``' losses (by name, as ``fit`` takes it, or the function itself) on a
    batched output: the same mean, as one node whose ``backward()`` fills the weights' grads."""
    function = scalar_losses.LOSSES.get(name, name)
    batched = _LOSSES.get(function)
    if batched is None:
        raise ValueError(f"the batched path has {', '.join(scalar_losses.LOSSES)}; got {name!r}")
    result = batched(out, targets)
    if result is None:
        raise ValueError(f"{name!r} cannot take these outputs and targets on the batched path (wrong "
                         f"shapes or labels, or a probability outside (0, 1)); the loss in "
                         f"losses, on one Value per output, says which.")
    return result


# --- what train.py and the plots call: None means "use the scalar path" ------------------------------

def _plan(model, X) -> tuple[_Network, np.ndarray] | None:
    layers = _layers(model)
    if layers is None:
        return None
    inputs = _examples(X)
    if inputs is None:
        return None
    network = _Network(layers)
    return (network, inputs) if network.valid else None


def _run(model, X) -> tuple[_Network, BatchValue] | None:
    """The model's batched graph on X, or None where the scalar path must answer."""
    planned = _plan(model, X)
    if planned is None:
        return None
    network, inputs = planned
    with np.errstate(all="ignore"):  # an overflow is found below and left to the scalar path
        out = network(inputs)
    if out is None:
        return None
    return network, _squeezed(out) if _one_output(model) else out


def outputs(model, X) -> np.ndarray | None:
    """The model's output numbers for every example in X (one per example, or a row of them),
    or None if the batched path does not apply or a number left the float range (then the
    scalar path gives the answer, or the error)."""
    ran = _run(model, X)
    return None if ran is None else ran[1].data


def evaluate(model, X, y, loss_fn: Callable) -> tuple[float, np.ndarray] | None:
    """The loss (one of ``losses``' functions) of the model on (X, y) and its outputs, with no
    gradient, or None where the scalar path must answer."""
    batched_loss = _LOSSES.get(loss_fn)
    ran = None if batched_loss is None else _run(model, X)
    if ran is None:
        return None
    with np.errstate(all="ignore"):
        total = batched_loss(ran[1], y)
    if total is None or not _finite(total.data):
        return None
    return float(total.data), ran[1].data


def step(model, X, y, loss_fn: Callable, optimizer, l2: float = 0.0) -> tuple[float, np.ndarray] | None:
    """``train_step`` on the batched path: forward, loss (+ ``l2`` times the sum of squared
    ``optimizer.params``), zero the optimizer's gradients, add every weight's gradient to its
    ``.grad``, ``optimizer.step()``. Returns the loss before the update and the outputs.

    Answers None, having changed nothing, when the model or loss is not one it reproduces, or a
    number leaves the float range or an op its domain: the scalar path then does the step (or
    raises its error naming the op)."""
    batched_loss = _LOSSES.get(loss_fn)
    if batched_loss is None or not is_grad_enabled():
        return None
    ran = _run(model, X)
    if ran is None:
        return None
    network, out = ran
    with np.errstate(all="ignore"):
        total = batched_loss(out, y)
        if total is None:
            return None
        total.backward()
        loss_number = float(total.data)
        gradients = network.gradients()
        params = optimizer.params
        same = params == network.parameters and len(set(params)) == len(params)
        if l2:
            numbers = network.numbers() if same else np.fromiter(map(_data, params), float, len(params))
            loss_number = loss_number + l2 * float(numbers @ numbers)
            # d(l2 * (p1^2 + ... + pn^2))/dp = 2 * l2 * p, reaching p twice (it is both operands
            # of l2's dot), as in the scalar graph.
            penalty_gradients = l2 * numbers
        if not (math.isfinite(loss_number) and _finite(gradients)):
            return None
    if same:  # the usual case: the optimizer holds exactly the model's parameters, once each
        if l2:
            gradients = gradients + penalty_gradients + penalty_gradients
        for p, g in zip(params, gradients.tolist()):
            p.grad = g  # zero_grad, then += g
    else:
        optimizer.zero_grad()
        for p, g in zip(network.parameters, gradients.tolist()):
            p.grad += g
        if l2:
            for p, g in zip(params, penalty_gradients.tolist()):
                p.grad += g
                p.grad += g
    optimizer.step()
    return loss_number, out.data
