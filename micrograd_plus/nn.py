"""Neural networks on the engine: Module, Neuron, Layer, MLP, and Rosenblatt's Perceptron.

A neuron computes ``activation(w1*x1 + ... + wn*xn + b)``. The weighted sum, bias included, is one
``dot`` node of the engine rather than 2n + 1 small nodes, and the activation is a second node, so
a network's graph is small enough to draw and fast enough to train in class, and the gradients
are exactly the same.

The API is micrograd's (``MLP(2, [16, 16, 1])``, ``model(x)``, ``model.parameters()``,
``model.zero_grad()``), plus a choice of activation, seeded initialisation, names for every
parameter, saving to / loading from JSON, and ``forward_batch(X)`` for a whole batch at once.
"""

from __future__ import annotations

import json
import math
import os
import random
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import Any, Sequence, Union

from ._files import write_atomically
from .engine import OP_RULES, OpRule, Value, batch_dots, dot, leaky_relu_rule

__all__ = [
    "ACTIVATIONS", "ACTIVATION_RULES", "Module", "Neuron", "Layer", "MLP", "batch_outputs",
    "Perceptron", "PerceptronEpoch", "PerceptronResult",
]

ACTIVATION_RULES: dict[str, OpRule | None] = {
    "relu": OP_RULES["ReLU"], "tanh": OP_RULES["tanh"], "sigmoid": OP_RULES["sigmoid"],
    "leaky_relu": leaky_relu_rule(0.01), "linear": None,
}
"""The engine's op rule for each activation a Neuron, Layer or MLP accepts (None for linear:
the weighted sum is the output)."""

ACTIVATIONS = tuple(ACTIVATION_RULES)
"""The activations a Neuron, Layer or MLP accepts (leaky_relu has slope 0.01)."""


def batch_outputs(model, X: Sequence) -> list:
    """``model``'s output for every example in ``X``: one ``forward_batch`` call for a Module
    (each weight read once per batch), one call per example for any other callable."""
    forward_batch = getattr(model, "forward_batch", None)
    return forward_batch(X) if forward_batch is not None else [model(x) for x in X]


def _activated(weighted_sum: Value, rule: OpRule | None) -> Value:
    return weighted_sum if rule is None else weighted_sum._unary(rule)


_SAVE_FORMAT = "micrograd_plus model"
_SAVE_VERSION = 1

Seed = Union[int, random.Random, None]
Input = Union[Sequence[Union[Value, float]], Value, float]


def _random_source(seed: Seed):
    """Where initial weights come from: Python's global ``random`` (so ``random.seed(1337)``
    works as in micrograd's demo), a fresh generator for an int seed, or a generator passed on
    by an enclosing Layer/MLP so that a whole network comes from one seed."""
    if seed is None:
        return random
    if isinstance(seed, random.Random) or seed is random:
        return seed
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int (or None for Python's global random), got {seed!r}")


def _is_count(n: object) -> bool:
    """Whether ``n`` can be a number of inputs or neurons: an int of at least 1 (not a bool)."""
    return isinstance(n, int) and not isinstance(n, bool) and n >= 1


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"Unknown activation {activation!r}; choose one of {', '.join(map(repr, ACTIVATIONS))}."
        )
    return activation


def _checked_inputs(x: Input, expected: int, who: object) -> Sequence[Value | float]:
    """The inputs as a sequence of ``expected`` numbers or Values (one number is a list of one);
    the engine's dot turns the numbers into Values."""
    if type(x) is not list and type(x) is not tuple:  # the common cases skip the checks below
        if isinstance(x, (Value, Real)) and not isinstance(x, bool):
            x = [x]
        elif isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
            raise TypeError(f"{who!r} takes a list of {expected} numbers or Values, got {x!r}")
    if len(x) != expected:
        raise ValueError(f"{who!r} expects {expected} inputs, got {len(x)}: {_short(x)}")
    return x


def _short(items: Sequence) -> str:
    shown = ", ".join(repr(getattr(v, "data", v)) for v in list(items)[:6])
    return f"[{shown}{', ...' if len(items) > 6 else ''}]"


class Module:
    """Something with parameters: a neuron, a layer, a network.

    Subclasses define ``named_parameters()`` (or, micrograd-style, just ``parameters()``);
    everything else here (zeroing gradients, state dicts, saving and loading) follows from it.
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Every parameter with a name that says where it sits, e.g. ``layers.0.neurons.3.w1``."""
        if type(self).parameters is Module.parameters:
            return []
        # A micrograd-style subclass that only defines parameters(): name them by position.
        return [(str(i), p) for i, p in enumerate(self.parameters())]

    def parameters(self) -> list[Value]:
        """Every parameter (weights and biases), in a fixed order."""
        return [p for _, p in self.named_parameters()]

    # A class whose __call__ is one example of its batched ``_forward(X)`` names that __call__
    # here; a subclass with a __call__ of its own then gets one call per example, as it should.
    _batched_call = None

    def forward_batch(self, X: Sequence[Input]) -> list:
        """The outputs for every example in ``X``: exactly ``[self(x) for x in X]`` (the same
        numbers and the same graph). Layers and MLPs read each weight once per batch instead of
        once per example, which is what makes ``fit`` faster."""
        if type(self).__call__ is type(self)._batched_call:
            return self._forward(X)
        return [self(x) for x in X]

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 (leaves accumulate across backward() calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def architecture(self) -> dict[str, Any]:
        """What a saved file must match to be loaded into this model."""
        return {"type": type(self).__name__, "parameters": len(self.parameters())}

    def state_dict(self) -> dict[str, float]:
        """Every parameter's current number, by name."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Set every parameter from ``state`` (as made by ``state_dict()``).

        Everything is checked before anything is changed, so on an error the model is unchanged.
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict needs a dict of name -> number, got {type(state).__name__}")
        named = self.named_parameters()
        names = [name for name, _ in named]
        known = set(names)
        missing = [n for n in names if n not in state]
        unexpected = [n for n in state if n not in known]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"it lacks {len(missing)} parameter(s) this model has ({_names(missing)})")
            if unexpected:
                parts.append(f"it has {len(unexpected)} this model lacks ({_names(unexpected)})")
            raise ValueError(
                f"The state does not fit {self!r}: {'; '.join(parts)}. It was saved from a model "
                f"of another size; build the model with the same sizes, then load."
            )
        numbers = [_finite_number(state[name], name) for name in names]
        for (_, p), number in zip(named, numbers):
            p.data = number

    def save(self, path: str | os.PathLike) -> None:
        """Write the architecture and every parameter to ``path`` as JSON.

        A model holding a parameter that is not a finite number is refused (ValueError naming
        the parameter), so a good checkpoint is never replaced by one that cannot be loaded.
        The file is written whole under a temporary name and then renamed over ``path`` in one
        step, so a failed or interrupted save leaves the previous file as it was; a symbolic
        link is followed, and an existing file keeps its permissions.
        """
        state = self.state_dict()
        broken = [name for name, number in state.items() if not math.isfinite(number)]
        if broken:
            raise ValueError(
                f"Not saved: parameter {broken[0]} is {state[broken[0]]!r}"
                f"{f' (and {len(broken) - 1} more are not finite)' if len(broken) > 1 else ''}; "
                f"a saved model must hold finite numbers. Training probably diverged: lower the "
                f"learning rate and train again, or load the last good checkpoint."
            )
        document = {
            "format": _SAVE_FORMAT,
            "version": _SAVE_VERSION,
            "architecture": self.architecture(),
            "parameters": state,
        }
        write_atomically(path, json.dumps(document, indent=1))

    def load(self, path: str | os.PathLike) -> Module:
        """Set this model's parameters from a file written by ``save``; returns the model.

        Any file that is not a model saved from this architecture (corrupt, truncated, not
        UTF-8, too deeply nested, of another architecture or size, far larger than this model's
        file can be) raises ValueError naming the file and what is wrong, and leaves the model
        unchanged; a file far too large is refused without being read.
        """
        path = Path(path)
        named = self.named_parameters()
        # Generous, so that a file saved from another architecture still gets its own message:
        # 16 times a line per parameter with its name and the longest float, plus a megabyte.
        largest = 2 ** 20 + 16 * sum(len(name) + 40 for name, _ in named)
        size = path.stat().st_size
        if size > largest:
            raise ValueError(f"{path} is {size:,} bytes, far more than a saved {type(self).__name__} "
                             f"with {len(named)} parameters can be (at most {largest:,}); it is "
                             f"not a model saved from this architecture.")
        with open(path, "rb") as file:
            raw = file.read(largest + 1)
        try:
            document = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            raise ValueError(f"{path} is not a saved model: it is not UTF-8 text ({error.reason} "
                             f"at byte {error.start}).") from None
        except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
            reason = "it is nested too deeply" if isinstance(error, RecursionError) else error
            raise ValueError(
                f"{path} is not a saved model: it is not valid JSON ({reason}). The file may be "
                f"truncated or corrupted; save the model again."
            ) from None
        if not isinstance(document, dict) or document.get("format") != _SAVE_FORMAT:
            raise ValueError(f"{path} is JSON but not a model saved by micrograd_plus (no "
                             f"'format': {_SAVE_FORMAT!r} entry).")
        version = document.get("version")
        if type(version) is not int or version != _SAVE_VERSION:
            raise ValueError(f"{path} has format version {version!r}; this micrograd_plus reads "
                             f"version {_SAVE_VERSION} (the whole number).")
        saved, here = document.get("architecture"), self.architecture()
        if saved != here:
            raise ValueError(f"{path} holds a different architecture: {_differences(saved, here)}. "
                             f"Build the model as it was saved, then load.")
        if not isinstance(document.get("parameters"), dict):
            raise ValueError(f"{path} has no 'parameters' table; the file is damaged.")
        try:
            self.load_state_dict(document["parameters"])
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
        return self


def _finite_number(value: object, name: str) -> float:
    """``value`` as a float, or a ValueError naming the parameter (an int too large for a float,
    a bool, nan, infinity or something that is not a number)."""
    try:
        if isinstance(value, Real) and not isinstance(value, bool):
            number = float(value)
            if math.isfinite(number):
                return number
    except OverflowError:
        pass
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    raise ValueError(f"Parameter {name!r} in the state is {shown}; it must be a finite number.")


def _names(names: list[str]) -> str:
    return ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _differences(saved: object, here: dict[str, Any]) -> str:
    if not isinstance(saved, dict):
        return f"the file describes {saved!r}, this model is {here}"
    keys = [k for k in {**saved, **here} if saved.get(k) != here.get(k)]
    return "; ".join(f"{k} is {saved.get(k)!r} in the file but {here.get(k)!r} in this model" for k in keys)


class Neuron(Module):
    """One neuron: ``activation(w1*x1 + ... + wn*xn + b)``.

    Weights start uniform in [-1, 1] and the bias at 0, as in micrograd. ``nonlin=False`` (or
    ``activation='linear'``) leaves the weighted sum as it is; ``activation``, when given, wins
    over ``nonlin``.
    """

    def __init__(self, nin: int, nonlin: bool = True, activation: str | None = None,
                 seed: Seed = None) -> None:
        if not _is_count(nin):
            raise ValueError(f"A neuron needs at least one input; got nin={nin!r}")
        rng = _random_source(seed)
        self.activation = _check_activation(activation if activation is not None
                                            else "relu" if nonlin else "linear")
        self.w = [Value(rng.uniform(-1, 1), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the activation is linear."""
        return self.activation != "linear"

    def __call__(self, x: Input) -> Value:
        """The neuron's output for inputs ``x`` (a list of ``nin`` numbers or Values)."""
        weighted_sum = dot(self.w, _checked_inputs(x, len(self.w), self), self.b)
        return _activated(weighted_sum, ACTIVATION_RULES[self.activation])

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    def architecture(self) -> dict[str, Any]:
        return {"type": "Neuron", "nin": len(self.w), "activation": self.activation}

    def __repr__(self) -> str:
        name = {"relu": "ReLU", "leaky_relu": "LeakyReLU"}.get(self.activation, self.activation.capitalize())
        return f"{name}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all read the same ``nin`` inputs. Returns a single Value when
    ``nout == 1`` (as micrograd does), else a list. Keyword arguments go to every Neuron."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        if not _is_count(nout):
            raise ValueError(f"A layer needs at least one neuron; got nout={nout!r}")
        kwargs["seed"] = _random_source(kwargs.get("seed"))
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    @property
    def nin(self) -> int:
        """How many inputs each neuron reads."""
        return len(self.neurons[0].w)

    def __call__(self, x: Input) -> Value | list[Value]:
        """Every neuron's output for inputs ``x``: a list, or one Value for a one-neuron layer."""
        return self._forward([x])[0]

    _batched_call = __call__

    def _forward(self, X: Sequence[Input]) -> list:
        neurons = self.neurons
        nin = len(neurons[0].w)
        weighted_sums = batch_dots([n.w for n in neurons], [_checked_inputs(x, nin, self) for x in X],
                                   [n.b for n in neurons])
        rules = [ACTIVATION_RULES[n.activation] for n in neurons]
        if len(neurons) == 1:
            (rule,) = rules
            return [_activated(z, rule) for (z,) in weighted_sums]
        return [[_activated(z, rule) for rule, z in zip(rules, sums)] for sums in weighted_sums]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"neurons.{j}.{name}", p)
                for j, neuron in enumerate(self.neurons) for name, p in neuron.named_parameters()]

    def weights(self, grad: bool = False) -> list[list[float]]:
        """The weight matrix as frameworks store it: one row per neuron, one column per input.
        Numbers (``.data``), or with ``grad=True`` their gradients (``.grad``)."""
        return [[w.grad if grad else w.data for w in neuron.w] for neuron in self.neurons]

    def biases(self, grad: bool = False) -> list[float]:
        """One bias per neuron (``.data``), or with ``grad=True`` their gradients."""
        return [neuron.b.grad if grad else neuron.b.data for neuron in self.neurons]

    def architecture(self) -> dict[str, Any]:
        return {"type": "Layer", "nin": self.nin, "nout": len(self.neurons),
                "activation": self.neurons[0].activation}

    def __repr__(self) -> str:
        return f"Layer({self.nin} -> {len(self.neurons)}, {self.neurons[0].activation})"


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``nouts`` after ``nin`` inputs.

    Hidden layers use ``activation``; the last layer is linear, so its outputs are raw scores
    (logits) that a loss turns into a number to minimise. ``MLP(2, [16, 16, 1])`` is micrograd's
    moons network.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 seed: Seed = None) -> None:
        if isinstance(nouts, int) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes such as [16, 16, 1], got {nouts!r}")
        rng = _random_source(seed)
        _check_activation(activation)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.activation = activation
        self.layers = [Layer(sizes[i], sizes[i + 1], seed=rng,
                             activation=activation if i != last else "linear")
                       for i in range(len(nouts))]

    def __call__(self, x: Input) -> Value | list[Value]:
        """The network's output for inputs ``x``: one Value if the last layer has one neuron."""
        return self._forward([x])[0]

    _batched_call = __call__

    def _forward(self, X: Sequence[Input]) -> list:
        for layer in self.layers:
            X = batch_outputs(layer, X)
        return X

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"layers.{i}.{name}", p)
                for i, layer in enumerate(self.layers) for name, p in layer.named_parameters()]

    def architecture(self) -> dict[str, Any]:
        return {"type": "MLP", "nin": self.layers[0].nin,
                "nouts": [len(layer.neurons) for layer in self.layers], "activation": self.activation}

    def __repr__(self) -> str:
        architecture = self.architecture()
        return f"MLP({architecture['nin']}, {architecture['nouts']}, activation={self.activation!r})"


# --- Rosenblatt's perceptron (1958): no gradients, just a rule -----------------------------------

@dataclass(frozen=True)
class PerceptronEpoch:
    """One pass over the data: how many examples were wrong, and the weights after the pass."""

    epoch: int
    mistakes: int
    w: tuple[float, ...]
    b: float


@dataclass(frozen=True)
class PerceptronResult:
    """What ``Perceptron.fit`` did: whether a pass with no mistakes was reached, after how many
    passes (``epochs``) and weight updates, and each pass in ``history``."""

    converged: bool
    epochs: int
    updates: int
    history: list[PerceptronEpoch] = field(default_factory=list)


class Perceptron:
    """Rosenblatt's perceptron: output 1 if ``w·x + b > 0`` else 0, trained by his rule

        w <- w + lr * (target - prediction) * x,    b <- b + lr * (target - prediction)

    which changes the weights only when an example is misclassified. It finds a separating line
    in a finite number of updates whenever one exists (AND, OR), and never settles when none
    does (XOR).
    """

    def __init__(self, nin: int, lr: float = 1.0, seed: Seed = None) -> None:
        if not _is_count(nin):
            raise ValueError(f"A perceptron needs at least one input; got nin={nin!r}")
        if isinstance(lr, bool) or not (isinstance(lr, Real) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive finite number, got {lr!r}")
        rng = _random_source(seed)
        self.lr = float(lr)
        self.w = [rng.uniform(-1, 1) for _ in range(nin)]
        self.b = 0.0

    def weighted_sum(self, x: Sequence[float]) -> float:
        """``w·x + b``, the number the step function looks at."""
        self._check_example(x)
        return math.fsum(wi * xi for wi, xi in zip(self.w, x)) + self.b

    def _check_example(self, x: Sequence[float]) -> None:
        if not hasattr(x, "__len__"):
            raise ValueError(f"{self!r} expects a list of {len(self.w)} inputs, got {x!r}")
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} expects {len(self.w)} inputs, got {len(x)}: {_short(x)}")
        if not all(isinstance(xi, Real) and not isinstance(xi, bool) and math.isfinite(xi) for xi in x):
            raise ValueError(f"{self!r} takes finite numbers as inputs, got {_short(x)}")

    def predict(self, x: Sequence[float]) -> int:
        """The step function: 1 if ``w·x + b > 0`` else 0."""
        return 1 if self.weighted_sum(x) > 0.0 else 0

    __call__ = predict

    def fit(self, X: Sequence[Sequence[float]], y: Sequence[int], max_epochs: int = 100) -> PerceptronResult:
        """Apply the perceptron rule, pass after pass, until a pass makes no mistake or
        ``max_epochs`` passes are done. Labels are 0/1."""
        if len(X) != len(y) or not len(X):
            raise ValueError(f"fit needs as many labels as examples (at least one), got {len(X)} "
                             f"examples and {len(y)} labels")
        bad = [label for label in y if label not in (0, 1)]
        if bad:
            raise ValueError(f"The perceptron's labels must be 0 or 1, got {bad[0]!r}")
        for x in X:  # every example before any update, so that a bad one changes nothing
            self._check_example(x)
        history: list[PerceptronEpoch] = []
        updates = 0
        for epoch in range(1, max_epochs + 1):
            mistakes = 0
            for x, target in zip(X, y):
                error = target - self.predict(x)
                if error:
                    step = self.lr * error
                    self.w = [wi + step * xi for wi, xi in zip(self.w, x)]
                    self.b += step
                    mistakes += 1
            updates += mistakes
            history.append(PerceptronEpoch(epoch, mistakes, tuple(self.w), self.b))
            if mistakes == 0:
                return PerceptronResult(True, epoch, updates, history)
        return PerceptronResult(False, max_epochs, updates, history)

    def __repr__(self) -> str:
        return f"Perceptron({len(self.w)}, lr={self.lr:g})"
