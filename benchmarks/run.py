"""Speed and memory of micrograd_plus beside micrograd 0.1.0 and PyTorch 0-d tensors, in one process.

    make bench                      # or: python benchmarks/run.py [--repeats 7] [--out FILE]

Workloads (issue 2 and 3):
  W1   one training step written as micrograd's demo writes it: MLP 2-16-16-1 (ReLU hidden, linear
       out), 100 moons points, max-margin loss mean(relu(1 - y*score)) + 1e-4 * L2, zero grads,
       backward, SGD. The same source code runs on every engine.
  W1nn the same step with micrograd_plus's own MLP, losses and optimizer (n-ary nodes).
  W2   backward over a chain of n relu nodes, n = 1e3 .. 1e6.
  W3   forward + backward of the sum of 100,000 products.
  W4   bytes per graph node (tracemalloc).
  W5   micrograd's whole demo through micrograd_plus.train.fit: 100 full-batch steps of W1nn with
       micrograd's learning-rate schedule (1.0 falling to 0.1), ending at 100% accuracy.
The garbage collector stays on, as users run it. Each figure is the median of --repeats runs
after one warm-up, with the min-max range. Results are printed as Markdown and written to
benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import micrograd_plus
from micrograd_plus import engine as plus_engine
from micrograd_plus.data import make_moons

try:
    from micrograd import engine as micrograd_engine
except ImportError:  # pragma: no cover - make bench installs it
    micrograd_engine = None
try:
    import torch
except ImportError:  # pragma: no cover - optional peer
    torch = None

HERE = Path(__file__).resolve().parent


# --- engines, seen through the few operations the workloads need ----------------------------

@dataclass
class Engine:
    name: str
    leaf: Callable[[float], object]          # a number the graph can differentiate
    zero_grad: Callable[[list], None]
    grad_of: Callable[[object], float]
    update: Callable[[object, float], None]  # p.data -= step


def _zero_value_grads(params: list) -> None:
    for p in params:
        p.grad = 0.0


def _value_update(p, step: float) -> None:
    p.data -= step


def engines() -> list[Engine]:
    found = [Engine("micrograd_plus", plus_engine.Value, _zero_value_grads,
                    lambda p: p.grad, _value_update)]
    if micrograd_engine is not None:
        found.append(Engine("micrograd 0.1.0", micrograd_engine.Value, _zero_value_grads,
                            lambda p: p.grad, _value_update))
    if torch is not None:
        def leaf(x: float):
            return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)

        def zero_grad(params: list) -> None:
            for p in params:
                p.grad = None

        def update(p, step: float) -> None:
            with torch.no_grad():
                p -= step

        found.append(Engine(f"PyTorch {torch.__version__} 0-d", leaf, zero_grad,
                            lambda p: float(p.grad), update))
    return found


# --- W1: micrograd's demo step, written once for every engine --------------------------------

def moons(n: int = 100) -> tuple[list[list[float]], list[int]]:
    """micrograd's demo data: 100 noisy moons points, labels -1 and +1 as its max-margin loss wants."""
    X, y = make_moons(n, noise=0.1, seed=1)
    return X, [2 * label - 1 for label in y]


class DemoMLP:
    """micrograd's nn.MLP, line for line in spirit: a neuron is sum(wi*xi, b), then relu."""

    def __init__(self, engine: Engine, sizes: list[int], seed: int = 1337) -> None:
        rng = random.Random(seed)
        self.layers = []
        for i, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
            neurons = [([engine.leaf(rng.uniform(-1, 1)) for _ in range(nin)], engine.leaf(0.0))
                       for _ in range(nout)]
            self.layers.append((neurons, i != len(sizes) - 2))

    def parameters(self) -> list:
        return [p for neurons, _ in self.layers for w, b in neurons for p in [*w, b]]

    def __call__(self, x: list):
        for neurons, nonlinear in self.layers:
            outs = []
            for w, b in neurons:
                act = sum((wi * xi for wi, xi in zip(w, x)), b)
                outs.append(act.relu() if nonlinear else act)
            x = outs
        return x[0]


def w1_step(engine: Engine, model: DemoMLP, X: list, y: list) -> None:
    inputs = [[engine.leaf(v) for v in row] for row in X]
    scores = [model(row) for row in inputs]
    losses = [(1 + -yi * score).relu() for yi, score in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    params = model.parameters()
    engine.zero_grad(params)
    total.backward()
    for p in params:
        engine.update(p, 0.01 * engine.grad_of(p))


def demo_network():
    """micrograd's demo with micrograd_plus's own nn: the points of moons() (labels 0 and 1) and
    a fresh MLP 2-16-16-1."""
    from micrograd_plus import nn

    X, y = moons()
    return X, [int(label > 0) for label in y], nn.MLP(2, [16, 16, 1], seed=1337)


def w1nn_step_factory():
    """The same step with micrograd_plus's MLP, hinge loss, L2 and SGD (n-ary nodes)."""
    from micrograd_plus import losses, optim

    X, targets, model = demo_network()
    optimizer = optim.SGD(model.parameters(), lr=0.01)

    def step() -> None:
        scores = [model(row) for row in X]
        total = losses.hinge(scores, targets) + 1e-4 * losses.l2(model.parameters())
        optimizer.zero_grad()
        total.backward()
        optimizer.step()

    return step


def w5_demo_through_fit() -> float:
    """micrograd's demo.ipynb, 100 steps, through fit; returns the final training accuracy."""
    from micrograd_plus import optim
    from micrograd_plus.train import fit

    X, targets, model = demo_network()
    optimizer = optim.SGD(model.parameters(), lr=1.0)

    def micrograd_schedule(epoch: int, history, model) -> None:
        optimizer.lr = 1.0 - 0.9 * epoch / 100

    history = fit(model, X, targets, loss="hinge", optimizer=optimizer, epochs=100, l2=1e-4,
                  callbacks=[micrograd_schedule], progress=False)
    return history.train_accuracy[-1]


# --- measuring ----------------------------------------------------------------------------------

@dataclass
class Timing:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, samples: list[float]) -> Timing:
        return cls(statistics.median(samples), min(samples), max(samples))

    def show(self, unit: float = 1e-3, suffix: str = "ms") -> str:
        return (f"{self.median / unit:.1f} {suffix} "
                f"({self.low / unit:.1f}-{self.high / unit:.1f})")


def timed(fn: Callable[[], object], repeats: int) -> Timing:
    # micrograd leaves cyclic garbage behind; collect it now so it is not billed to the next engine.
    gc.collect()
    fn()  # warm-up: imports, caches, allocator
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return Timing.of(samples)


def attempt(fn: Callable[[], Timing]) -> Timing | str:
    """A workload that a peer cannot run (e.g. RecursionError) reports why instead of a time."""
    try:
        return fn()
    except RecursionError:
        return "fails: RecursionError"
    except MemoryError:
        return "fails: MemoryError"


def relu_chain(engine: Engine, n: int):
    node = engine.leaf(1.0)
    for _ in range(n):
        node = node.relu()
    return node


def w2(engine: Engine, n: int, repeats: int) -> Timing | str:
    def backward_only() -> Timing:
        gc.collect()
        samples = []
        for _ in range(repeats):
            out = relu_chain(engine, n)
            start = time.perf_counter()
            out.backward()
            samples.append(time.perf_counter() - start)
            del out
        return Timing.of(samples)
    return attempt(backward_only)


def w3(engine: Engine, repeats: int, n: int = 100_000) -> Timing | str:
    rng = random.Random(3)
    a = [engine.leaf(rng.uniform(-1, 1)) for _ in range(n)]
    b = [engine.leaf(rng.uniform(-1, 1)) for _ in range(n)]

    def run() -> None:
        total = sum(x * y for x, y in zip(a, b))
        total.backward()
    return attempt(lambda: timed(run, repeats))


def w3_nary(repeats: int, n: int = 100_000) -> Timing:
    rng = random.Random(3)
    a = [plus_engine.Value(rng.uniform(-1, 1)) for _ in range(n)]
    b = [plus_engine.Value(rng.uniform(-1, 1)) for _ in range(n)]

    def run() -> None:
        plus_engine.dot(a, b).backward()
    return timed(run, repeats)


def bytes_per_node(build: Callable[[], tuple[object, int]]) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    graph, nodes = build()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / nodes


def w4(engine: Engine, n: int = 100_000) -> dict[str, float]:
    """Bytes per node of a graph: op nodes alone (a chain of multiplications by one shared
    constant) and a whole graph including its leaves (the W3 sum of products)."""
    def chain():
        # Each node holds the one before it, so only the last needs a name.
        node, factor = engine.leaf(1.0), engine.leaf(1.0)
        for _ in range(n):
            node = node * factor
        return node, n

    def sum_of_products():
        rng = random.Random(4)
        pairs = n // 4
        total = engine.leaf(rng.random()) * engine.leaf(rng.random())
        for _ in range(pairs - 1):
            total = total + engine.leaf(rng.random()) * engine.leaf(rng.random())
        # 2 leaves and 1 product per pair, and a partial sum for every pair but the first
        return total, 3 * pairs + pairs - 1

    return {"op node": bytes_per_node(chain), "whole graph": bytes_per_node(sum_of_products)}


# --- report -------------------------------------------------------------------------------------

def ratio(ours: Timing | str, theirs: Timing | str) -> str:
    if isinstance(ours, str) or isinstance(theirs, str):
        return "-"
    return f"{theirs.median / ours.median:.1f}x"


def cell(t: Timing | str, unit: float = 1e-3, suffix: str = "ms") -> str:
    return t if isinstance(t, str) else t.show(unit, suffix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per figure (>= 5)")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--max-chain", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.repeats < 5:
        parser.error(f"--repeats must be at least 5 for a median and a range, got {args.repeats}")

    found = engines()
    ours = found[0]
    lines = [
        "# Benchmarks",
        "",
        f"Command: `make bench` (python benchmarks/run.py --repeats {args.repeats}). "
        f"Median of {args.repeats} runs after a warm-up, (min-max); garbage collector on.",
        "",
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"{os.cpu_count()} cores; Python {platform.python_version()}; "
        f"micrograd_plus {micrograd_plus.__version__}; "
        + ", ".join(e.name for e in found[1:]),
        "",
    ]
    missing = [f"{peer} is not installed, so it is left out ({how})" for peer, module, how in (
        ("micrograd", micrograd_engine, "make bench installs it"),
        ("PyTorch", torch, "pip install torch==2.13.0 into .venv to compare"),
    ) if module is None]
    lines += [f"Note: {text}." for text in missing] + ([""] if missing else [])

    def emit(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    print("\n".join(lines))
    emit("## W1: one training step, micrograd's demo code (MLP 2-16-16-1, 100 moons points)")
    emit()
    emit("| engine | time per step | micrograd_plus is |")
    emit("|---|---|---|")
    X, y = moons()
    w1 = {}
    for engine in found:
        model = DemoMLP(engine, [2, 16, 16, 1])
        w1[engine.name] = timed(lambda: w1_step(engine, model, X, y), args.repeats)
    for engine in found:
        emit(f"| {engine.name} | {cell(w1[engine.name])} | "
             f"{'-' if engine is ours else ratio(w1[ours.name], w1[engine.name]) + ' faster'} |")
    nn_step = timed(w1nn_step_factory(), args.repeats)
    emit(f"| micrograd_plus nn.MLP + losses + optim (W1nn) | {cell(nn_step)} | "
         + ", ".join(f"{ratio(nn_step, w1[e.name])} faster than {e.name}" for e in found[1:])
         + " |")
    emit()

    emit("## W2: backward over a chain of n relu nodes")
    emit()
    sizes = [n for n in (1_000, 10_000, 100_000, 1_000_000) if n <= args.max_chain]
    emit("| engine | " + " | ".join(f"n = {n:,}" for n in sizes) + " | per node at the largest n |")
    emit("|---|" + "---|" * (len(sizes) + 1))
    for engine in found:
        results = [w2(engine, n, args.repeats) for n in sizes]
        last = results[-1]
        per_node = "-" if isinstance(last, str) else f"{last.median / sizes[-1] * 1e9:.0f} ns"
        emit(f"| {engine.name} | " + " | ".join(cell(r) for r in results) + f" | {per_node} |")
    emit()

    emit("## W3: forward + backward of the sum of 100,000 products")
    emit()
    emit("| engine | Python's sum (a 100,000-deep chain) | micrograd_plus is |")
    emit("|---|---|---|")
    w3_results = {engine.name: w3(engine, args.repeats) for engine in found}
    for engine in found:
        emit(f"| {engine.name} | {cell(w3_results[engine.name])} | "
             f"{'-' if engine is ours else ratio(w3_results[ours.name], w3_results[engine.name])} |")
    emit(f"| micrograd_plus `dot(a, b)` (one n-ary node) | {cell(w3_nary(args.repeats))} | |")
    emit()

    emit("## W4: memory, bytes per graph node (tracemalloc)")
    emit()
    emit("| engine | op node (chain of a * c) | whole graph with its leaves (sum of products) |")
    emit("|---|---|---|")
    for engine in found:
        if engine.name.startswith("PyTorch"):
            continue  # tracemalloc does not see PyTorch's C++ allocations
        memory = w4(engine)
        emit(f"| {engine.name} | {memory['op node']:.0f} B | {memory['whole graph']:.0f} B |")
    emit()
    emit("PyTorch is left out of W4: its tensors live in C++ memory that tracemalloc cannot see.")
    emit()

    emit("## W5: micrograd's whole demo (100 steps) through `fit`")
    emit()
    accuracies = []
    demo = timed(lambda: accuracies.append(w5_demo_through_fit()), args.repeats)
    emit("| engine | 100 steps | final training accuracy |")
    emit("|---|---|---|")
    emit(f"| micrograd_plus `fit` (W1nn steps) | {demo.show(1.0, 's')} | {accuracies[-1]:.0%} |")
    for engine in found[1:]:
        if not isinstance(w1[engine.name], str):
            emit(f"| {engine.name}, 100 x its W1 step (not run: estimate) | "
                 f"{100 * w1[engine.name].median:.0f} s | |")
    args.out.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
