"""Speed and memory of micrograd_plus beside micrograd 0.1.0 and PyTorch 0-d tensors, in one process.

    make bench                      # or: python benchmarks/run.py [--repeats 7] [--out FILE]

Workloads (issues 2, 3 and 13):
  W1   one training step written as micrograd's demo writes it: MLP 2-16-16-1 (ReLU hidden, linear
       out), 100 moons points, max-margin loss mean(relu(1 - y*score)) + 1e-4 * L2, zero grads,
       backward, SGD. The same source code runs on every engine. micrograd is also timed in a
       fresh process that never imports PyTorch (importing it slows micrograd's pure-Python step).
  W1nn the same step with micrograd_plus's own MLP, losses and optimizer (n-ary nodes), scalar.
  W1fit the same step as one epoch of ``fit``: the batched path (one graph for the whole batch,
       numpy arrays in its nodes), beside the scalar path and PyTorch with the batch in tensors.
  W2   backward over a chain of n relu nodes, n = 1e3 .. 1e6.
  W3   forward + backward of the sum of 100,000 products.
  W4   bytes per graph node (tracemalloc).
  W5   micrograd's whole demo through micrograd_plus.train.fit: 100 full-batch steps of W1nn with
       micrograd's learning-rate schedule (1.0 falling to 0.1), ending at 100% accuracy.
  W6   a fit step of MLP 2-64-64-1 on W1's data (hinge + 1e-4 L2, SGD).
  W7   a fit step of MLP 64-64-10 on the 1,797 real UCI digits (cross-entropy, SGD).
numpy and PyTorch run on one thread (the machine is shared; set before they load).
With --instructions (make bench runs it after, when valgrind is installed) instructions per step
are counted with callgrind instead, garbage collector on and off, each workload in a fresh process,
and written to their own section of results.md.
The garbage collector stays on, as users run it. Each figure is the median of --repeats runs
after one warm-up, with the min-max range. Results are printed as Markdown and written to
benchmarks/results.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

import micrograd_plus  # noqa: E402 (after the thread settings above)
from micrograd_plus import batched, engine as plus_engine  # noqa: E402
from micrograd_plus.data import load_digits, make_moons  # noqa: E402

try:
    from micrograd import engine as micrograd_engine
except ImportError:  # pragma: no cover - make bench installs it
    micrograd_engine = None
# A child process timing micrograd alone (or counting instructions) never imports PyTorch.
WITHOUT_TORCH = "MICROGRAD_PLUS_BENCH_WITHOUT_TORCH"
torch = None
if not os.environ.get(WITHOUT_TORCH):
    try:
        import torch
        torch.set_num_threads(1)
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


class scalar_path:
    """Inside this block fit and train_step take the scalar path (the batched one is off), to
    measure what the batched path saves."""

    def __enter__(self) -> None:
        self.saved = batched.step, batched.evaluate
        batched.step = batched.evaluate = lambda *args, **kwargs: None

    def __exit__(self, *exc) -> None:
        batched.step, batched.evaluate = self.saved


def fit_steps_factory(sizes: list[int], data: str, steps: int = 5):
    """A run of ``fit`` on W1's data ('moons': hinge + 1e-4 L2) or the digits ('digits':
    cross-entropy), SGD: ``run(epochs, callbacks)`` trains that many full-batch epochs."""
    from micrograd_plus import nn, optim
    from micrograd_plus.train import fit

    X, y, loss, l2 = fit_data(data)
    model = nn.MLP(sizes[0], sizes[1:], seed=1337)
    optimizer = optim.SGD(model.parameters(), lr=0.01)

    def run(epochs: int, callbacks=()) -> None:
        fit(model, X, y, loss=loss, optimizer=optimizer, epochs=epochs, l2=l2, progress=False,
            callbacks=callbacks)
    return run, steps


def fit_step(run: Callable[..., None], steps: int, repeats: int) -> Timing:
    """The time of one fit step: from one epoch's end to the next (a callback notes the times),
    so fit's once-per-call checks are not billed to every step; the median and range over
    ``steps`` steps in each of ``repeats`` runs."""
    gc.collect()
    run(1)
    samples = []
    for _ in range(repeats):
        ends = []
        run(1 + steps, [lambda epoch, history, model: ends.append(time.perf_counter()) and None])
        samples += [later - earlier for earlier, later in zip(ends, ends[1:])]
    return Timing.of(samples)


def fit_data(data: str) -> tuple[list, list, str, float]:
    if data == "moons":
        X, targets, _ = demo_network()
        return X, targets, "hinge", 1e-4
    X, y = load_digits()
    return X, y, "cross_entropy", 0.0


def torch_vectorised_factory(sizes: list[int], data: str):
    """The same fit step in PyTorch with the whole batch in tensors (float64, as ours): one
    matrix product per layer, the loss, backward, SGD."""
    from micrograd_plus import nn

    X, y, loss, l2 = fit_data(data)
    model = nn.MLP(sizes[0], sizes[1:], seed=1337)
    params = []
    for layer in model.layers:
        params.append(torch.tensor([[w.data for w in n.w] for n in layer.neurons],
                                   dtype=torch.float64, requires_grad=True))
        params.append(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64,
                                   requires_grad=True))
    inputs = torch.tensor(X, dtype=torch.float64)
    if loss == "hinge":
        signs = torch.tensor([2.0 * t - 1.0 for t in y], dtype=torch.float64)
    else:
        classes = torch.tensor(y)

    def step() -> None:
        out = inputs
        for i in range(0, len(params), 2):
            out = out @ params[i].T + params[i + 1]
            if i + 2 < len(params):
                out = torch.relu(out)
        if loss == "hinge":
            total = torch.relu(1.0 - signs * out[:, 0]).mean()
        else:
            total = torch.nn.functional.cross_entropy(out, classes)
        if l2:
            total = total + l2 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= 0.01 * p.grad
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


# --- children: micrograd without PyTorch, and instruction counts -----------------------------------

def micrograd_w1_in_fresh_process(repeats: int) -> Timing | str:
    """micrograd's W1 timed in a new Python process that never imports PyTorch."""
    result = subprocess.run([sys.executable, __file__, "--micrograd-w1-only", "--repeats", str(repeats)],
                            env={**os.environ, WITHOUT_TORCH: "1"}, capture_output=True, text=True)
    if result.returncode:
        return f"fails: {result.stderr.strip().splitlines()[-1]}"
    return Timing(**json.loads(result.stdout))


def counted_workload(name: str) -> Callable[[int], None]:
    """``run(steps)``: that many steps of a workload whose instructions are counted (see
    --instructions); a fit workload makes them as epochs of one ``fit`` call."""
    X, y = moons()

    def repeated(step: Callable[[], None]) -> Callable[[int], None]:
        return lambda steps: [step() for _ in range(steps)] and None

    if name == "micrograd W1":
        engine = Engine("micrograd", micrograd_engine.Value, _zero_value_grads, lambda p: p.grad,
                        _value_update)
        model = DemoMLP(engine, [2, 16, 16, 1])
        return repeated(lambda: w1_step(engine, model, X, y))
    if name == "micrograd_plus W1 (micrograd's code)":
        ours = engines()[0]
        model = DemoMLP(ours, [2, 16, 16, 1])
        return repeated(lambda: w1_step(ours, model, X, y))
    if name == "W1nn (scalar nn step)":
        return repeated(w1nn_step_factory())
    sizes, data = {"W1fit": ([2, 16, 16, 1], "moons"), "W6": ([2, 64, 64, 1], "moons"),
                   "W7": ([64, 64, 10], "digits")}[name.split()[0]]
    run, _ = fit_steps_factory(sizes, data)
    if "scalar" in name:
        def scalar_run(epochs: int) -> None:
            with scalar_path():
                run(epochs)
        return scalar_run
    return run


COUNTED = {  # workload -> how many steps the two counted runs make (their difference is divided)
    "micrograd W1": (1, 2),
    "micrograd_plus W1 (micrograd's code)": (1, 3),
    "W1nn (scalar nn step)": (2, 6),
    "W1fit scalar path (fit step)": (2, 6),
    "W1fit batched path (fit step)": (5, 25),
    "W6 batched path (fit step)": (5, 25),
    "W7 batched path (fit step)": (2, 6),
}


def count_instructions(name: str, collector: str) -> float | str:
    """Instructions per step of workload ``name`` under callgrind, in fresh processes without
    PyTorch: two runs of different step counts (a fit workload: epochs of one fit call), so
    start-up and set-up cancel out."""
    totals = []
    for steps in COUNTED[name]:
        with tempfile.TemporaryDirectory() as scratch:
            result = subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={scratch}/out",
                 sys.executable, __file__, "--count", name, "--steps", str(steps), "--gc", collector],
                env={**os.environ, WITHOUT_TORCH: "1"}, capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", result.stderr)
        if result.returncode or not found:
            return f"fails: {(result.stderr.strip().splitlines() or ['?'])[-1]}"
        totals.append(int(found.group(1)))
    low, high = COUNTED[name]
    return (totals[1] - totals[0]) / (high - low)


def run_counted(name: str, steps: int, collector: str) -> None:
    run = counted_workload(name)
    if collector == "off":
        gc.disable()
    run(1)  # warm-up, in both runs
    run(steps)


def instruction_section() -> list[str]:
    """The results.md section of instruction counts (callgrind), garbage collector on and off."""
    lines = [
        INSTRUCTIONS_HEADING, "",
        f"Harness: `python benchmarks/run.py --instructions` (make bench runs it after the wall "
        f"times when valgrind is installed): each workload runs in a fresh process without PyTorch "
        f"under `valgrind --tool=callgrind`, twice with different step counts (after one warm-up "
        f"step; a `fit` workload as epochs of one `fit` call), and the difference is divided by the "
        f"difference in steps, so start-up and set-up cancel out. Python build: {python_build()}; "
        f"numpy {__import__('numpy').__version__}. Counts depend on the build: compare them within "
        f"this table.", "",
        "| workload | garbage collector on | garbage collector off |",
        "|---|---|---|",
    ]
    if shutil.which("valgrind") is None:
        return lines + ["| valgrind is not installed | - | - |", ""]
    for name in COUNTED:
        if name.startswith("micrograd ") and micrograd_engine is None:
            continue
        counts = [count_instructions(name, collector) for collector in ("on", "off")]
        lines.append(f"| {name} | " + " | ".join(c if isinstance(c, str) else f"{c / 1e6:,.2f} M"
                                                  for c in counts) + " |")
        print(lines[-1], flush=True)
    return lines + [""]


INSTRUCTIONS_HEADING = "## Instructions per step (callgrind)"


def sections(text: str) -> dict[str, str]:
    """The ``## `` sections of a Markdown text by heading, in order (what precedes the first is
    under "")."""
    found: dict[str, str] = {}
    heading = ""
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            heading = line.rstrip("\n")
        found[heading] = found.get(heading, "") + line
    return found


def write_results(path: Path, text: str, keep: Sequence[str] | None = None) -> None:
    """Write ``text``'s sections to ``path``: they replace the file's sections of the same
    heading, and of the file's other sections those headed by ``keep`` stay (all of them when
    ``keep`` is None), in their order."""
    new = sections(text)
    old = sections(path.read_text()) if path.exists() else {}
    if keep is None:  # in place
        merged = {heading: new.get(heading, body) for heading, body in old.items()}
        merged.update((heading, body) for heading, body in new.items() if heading not in old)
    else:  # the new sections first, then the kept ones
        merged = dict(new)
        merged.update((heading, body) for heading, body in old.items()
                      if heading in keep and heading not in new)
    path.write_text("\n\n".join(body.strip("\n") for body in merged.values()) + "\n")


# Sections of results.md that a run of the wall times leaves as they are: the instruction counts
# (written by --instructions) and the dashboard in the browser (benchmarks/dashboard.py's figures).
KEPT_SECTIONS = (INSTRUCTIONS_HEADING, "## The training dashboard in the browser")


def python_build() -> str:
    import sysconfig
    flags = sysconfig.get_config_var("CONFIG_ARGS") or ""
    optimised = "PGO" if "--enable-optimizations" in flags else "no PGO"
    lto = ", LTO" if "--with-lto" in flags else ""
    return (f"CPython {platform.python_version()} ({platform.python_compiler()}, {optimised}{lto}, "
            f"{'shared' if '--enable-shared' in flags else 'static'} libpython), {sys.executable}")


# --- report -------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per figure (>= 5)")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--max-chain", type=int, default=1_000_000)
    parser.add_argument("--instructions", action="store_true",
                        help="only count instructions per step with valgrind's callgrind, and "
                             "put them in their section of --out (the wall times stay)")
    parser.add_argument("--micrograd-w1-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", choices=list(COUNTED), help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--gc", choices=["on", "off"], default="on", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeats < 5:
        parser.error(f"--repeats must be at least 5 for a median and a range, got {args.repeats}")
    if args.count:
        run_counted(args.count, args.steps, args.gc)
        return
    if args.instructions:
        write_results(args.out, "\n".join(instruction_section()))
        print(f"\nwritten to {args.out}")
        return
    if args.micrograd_w1_only:
        engine = engines()[1]
        X, y = moons()
        model = DemoMLP(engine, [2, 16, 16, 1])
        timing = timed(lambda: w1_step(engine, model, X, y), args.repeats)
        print(json.dumps(timing.__dict__))
        return

    found = engines()
    ours = found[0]
    lines = [
        "# Benchmarks",
        "",
        f"Command: `make bench` (python benchmarks/run.py --repeats {args.repeats}). "
        f"Median of {args.repeats} runs after a warm-up, (min-max); garbage collector on; numpy "
        f"and PyTorch on one thread.",
        "",
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"{os.cpu_count()} cores; Python {platform.python_version()}; "
        f"micrograd_plus {micrograd_plus.__version__}; numpy {__import__('numpy').__version__}; "
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
    emit("| engine | time per step | micrograd 0.1.0 (fresh process, no PyTorch) takes | "
         "micrograd 0.1.0 (this process) takes |")
    emit("|---|---|---|---|")
    X, y = moons()
    w1 = {}
    fresh = micrograd_w1_in_fresh_process(args.repeats) if micrograd_engine else "-"
    for engine in found:
        model = DemoMLP(engine, [2, 16, 16, 1])
        w1[engine.name] = timed(lambda: w1_step(engine, model, X, y), args.repeats)
    micrograd_here = w1.get("micrograd 0.1.0", "-")

    def row(name: str, timing: Timing | str) -> None:
        emit(f"| {name} | {cell(timing)} | {ratio(timing, fresh)} | {ratio(timing, micrograd_here)} |")

    for engine in found:
        row(engine.name + (" (this process, PyTorch imported)" if engine.name.startswith("micrograd ")
                           and torch is not None else ""), w1[engine.name])
    if micrograd_engine is not None:
        row("micrograd 0.1.0, fresh process without PyTorch", fresh)
    row("micrograd_plus nn.MLP + losses + optim, scalar (W1nn)", timed(w1nn_step_factory(), args.repeats))
    run, steps = fit_steps_factory([2, 16, 16, 1], "moons")
    with scalar_path():
        row("micrograd_plus `fit` step, scalar path", fit_step(run, steps, args.repeats))
    row("**micrograd_plus `fit` step, batched path (W1fit)**", fit_step(run, steps, args.repeats))
    if torch is not None:
        row(f"PyTorch {torch.__version__}, the batch in tensors (vectorised)",
            timed(torch_vectorised_factory([2, 16, 16, 1], "moons"), args.repeats))
    emit()
    emit("Ratios are how many times longer micrograd's step takes. A `fit` step is one "
         "full-batch epoch of `fit` (hinge + 1e-4 L2, SGD), from one epoch's end to the next: "
         "the median and range of 5 steps in each run.")
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
    with scalar_path():
        scalar_accuracies = []
        scalar_demo = timed(lambda: scalar_accuracies.append(w5_demo_through_fit()), args.repeats)
    emit("| engine | 100 steps | final training accuracy |")
    emit("|---|---|---|")
    emit(f"| **micrograd_plus `fit`, batched path** | {cell(demo)} | {accuracies[-1]:.0%} |")
    emit(f"| micrograd_plus `fit`, scalar path | {cell(scalar_demo)} | {scalar_accuracies[-1]:.0%} |")
    for engine in found[1:]:
        if not isinstance(w1[engine.name], str):
            emit(f"| {engine.name}, 100 x its W1 step (not run: estimate) | "
                 f"{100 * w1[engine.name].median:.0f} s | |")
    emit()

    emit("## W6 and W7: a `fit` step of bigger networks")
    emit()
    emit("| workload | scalar path | batched path | PyTorch vectorised | batched is |")
    emit("|---|---|---|---|---|")
    for name, sizes, data, what in (
            ("W6", [2, 64, 64, 1], "moons", "MLP 2-64-64-1, W1's 100 moons points, hinge + 1e-4 L2"),
            ("W7", [64, 64, 10], "digits", "MLP 64-64-10, the 1,797 UCI digits, cross-entropy")):
        run, steps = fit_steps_factory(sizes, data)
        with scalar_path():
            scalar = fit_step(run, steps, args.repeats)
        fast = fit_step(run, steps, args.repeats)
        vectorised = (timed(torch_vectorised_factory(sizes, data), args.repeats)
                      if torch is not None else "not installed")
        emit(f"| {name}: {what}, SGD | {cell(scalar)} | {cell(fast)} | {cell(vectorised)} | "
             f"{ratio(fast, scalar)} faster than the scalar path |")
    emit()

    write_results(args.out, "\n".join(lines) + "\n", keep=KEPT_SECTIONS)
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
