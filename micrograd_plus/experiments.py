"""Honest comparisons: train the same architecture once per seed and keep every result.

Training is random: the starting weights (and the order of mini-batches) come from a seed, and
two seeds can end in quite different places. A claim such as "the deeper network does better"
means something only if it holds for every seed tried, so the lessons compare architectures
with ``train_over_seeds`` and report the whole spread, never one lucky run.

    from micrograd_plus.experiments import train_over_seeds, wins
    shallow = train_over_seeds([16, 3], X, y, tests={"new points": (X_new, y_new)}, name="shallow")
    deep = train_over_seeds([7, 7, 3], X, y, tests={"new points": (X_new, y_new)}, name="deep")
    print(shallow); print(deep)
    wins(deep, shallow, "new points")      # on how many of the seeds deep scored higher

Everything goes through ``train.fit``, so a faster ``fit`` makes every comparison faster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .nn import MLP
from .optim import SGD, Adam
from .train import History, accuracy, fit

__all__ = ["Runs", "train_over_seeds", "wins"]

OPTIMIZERS = {"adam": Adam, "sgd": SGD}


@dataclass
class Runs:
    """One architecture trained once per seed: the models, their histories, and the accuracy of
    each on every named test set (``scores[test][i]`` belongs to ``seeds[i]``)."""

    name: str
    seeds: list[int]
    models: list = field(default_factory=list)
    histories: list[History] = field(default_factory=list)
    scores: dict[str, list[float]] = field(default_factory=dict)
    stopped_at: list[int] = field(default_factory=list)
    """With early stopping: the epoch each seed's model was retrained to (else empty)."""

    @property
    def parameter_count(self) -> int:
        """How many numbers each model holds (the same for every seed)."""
        return len(self.models[0].parameters())

    def lowest(self, test: str) -> float:
        """The worst accuracy over the seeds on ``test``."""
        return min(self._scores(test))

    def highest(self, test: str) -> float:
        """The best accuracy over the seeds on ``test``."""
        return max(self._scores(test))

    def _scores(self, test: str) -> list[float]:
        if test not in self.scores:
            raise KeyError(f"{self.name!r} was not measured on {test!r}; its tests are "
                           f"{sorted(self.scores)}")
        return self.scores[test]

    def __str__(self) -> str:
        lines = [f"{self.name} ({self.parameter_count} parameters), seeds {self.seeds}:"]
        for test, scores in self.scores.items():
            each = " ".join(f"{score:.0%}" for score in scores)
            lines.append(f"  {test}: {each}  (from {min(scores):.0%} to {max(scores):.0%})")
        return "\n".join(lines)


def train_over_seeds(sizes: Sequence[int], X: Sequence, y: Sequence,
                     tests: dict[str, tuple[Sequence, Sequence]] | None = None, *, name: str = "",
                     seeds: Iterable[int] = range(5), activation: str = "relu",
                     loss: str = "cross_entropy", optimizer: str = "adam", lr: float = 0.05,
                     epochs: int = 100, batch_size: int | None = None, l2: float = 0.0,
                     validation: tuple[Sequence, Sequence] | None = None,
                     early_stopping: bool = False) -> Runs:
    """Train ``MLP(len(X[0]), sizes, activation=activation, seed=seed)`` on ``(X, y)`` once for
    every seed, with ``fit`` and a fresh ``optimizer`` ('adam' or 'sgd') at learning rate ``lr``,
    then measure each trained model's accuracy on every test set in ``tests`` (name -> (X, y)).

    The seed sets the starting weights and, with ``batch_size``, the order of the mini-batches.
    ``name`` labels the runs in printouts and pictures (default: the layer sizes).

    ``validation=(X_val, y_val)`` is measured after every epoch (in each history). With
    ``early_stopping=True`` each seed is then trained again from the same start for exactly the
    epochs up to its lowest validation loss, and that model is kept and tested (``stopped_at``
    says where each stopped; the histories are those of the full first runs).
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {optimizer!r}")
    if not X:
        raise ValueError("X is empty: pass at least one training example")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds is empty: pass at least one seed, e.g. range(5)")
    if early_stopping and validation is None:
        raise ValueError("early_stopping needs validation=(X_val, y_val): the epoch to stop at is "
                         "the one with the lowest validation loss")
    runs = Runs(name or f"MLP({len(X[0])}, {list(sizes)})", seeds)
    runs.scores = {test: [] for test in (tests or {})}
    def trained(seed: int, epochs: int, validation) -> tuple[MLP, History]:
        model = MLP(len(X[0]), list(sizes), activation=activation, seed=seed)
        history = fit(model, X, y, loss=loss, optimizer=OPTIMIZERS[optimizer](model.parameters(), lr=lr),
                      epochs=epochs, batch_size=batch_size, l2=l2, seed=seed, validation=validation,
                      progress=False)
        return model, history

    for seed in seeds:
        model, history = trained(seed, epochs, validation)
        if early_stopping:
            best = history.epochs[history.val_loss.index(min(history.val_loss))]
            model, _ = trained(seed, best, None)
            runs.stopped_at.append(best)
        runs.models.append(model)
        runs.histories.append(history)
        for test, (X_test, y_test) in (tests or {}).items():
            runs.scores[test].append(accuracy(model, X_test, y_test))
    return runs


def wins(first: Runs, second: Runs, test: str) -> int:
    """On how many seeds ``first`` scored strictly higher than ``second`` on ``test`` (the two
    must have been run with the same seeds, so that each seed is a fair pair)."""
    if first.seeds != second.seeds:
        raise ValueError(f"{first.name!r} ran seeds {first.seeds} and {second.name!r} seeds "
                         f"{second.seeds}; compare runs made with the same seeds")
    return sum(a > b for a, b in zip(first._scores(test), second._scores(test)))
