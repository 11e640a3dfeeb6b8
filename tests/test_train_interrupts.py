"""Ctrl-C at any moment of training: the model and the optimizer are left exactly as after the
last complete step, Python's garbage collector, the Ctrl-C handler and recording are back as they
were, and the KeyboardInterrupt reaches the caller.

The interrupt is a real SIGINT, raised from a trace function at the k-th bytecode of a run (for
many k across the run), so it arrives wherever Python could deliver one: Python's own handler
raises KeyboardInterrupt there, and training's handler decides whether to raise it at once or
after the update it is in the middle of. Time is bounded by the number of points tried.
"""

from __future__ import annotations

import dis
import gc
import math
import os
import random
import signal
import sys

import pytest

from micrograd_plus.data import make_moons
from micrograd_plus.engine import is_grad_enabled
from micrograd_plus.losses import hinge
from micrograd_plus.nn import MLP
from micrograd_plus.optim import SGD, Adam
from micrograd_plus.train import fit, train_step

X, Y = make_moons(6, noise=0.1, seed=0)
POINTS = int(os.environ.get("MICROGRAD_PLUS_INTERRUPT_POINTS", "60"))  # per scenario; more: slower


def _state(model, optimizer) -> tuple:
    parameters = tuple((p.data, p.grad) for p in model.parameters())
    internals = {name: value for name, value in vars(optimizer).items() if name not in ("params", "step")}
    return parameters, repr(internals)


def _scenario(name: str):
    """A fresh model and optimizer and the training call to interrupt."""
    model = MLP(2, [3, 1], seed=0)
    if name == "fit":
        optimizer = Adam(model.parameters(), lr=0.1)
        run = lambda: fit(model, X, Y, optimizer=optimizer, epochs=2, batch_size=3,
                          validation=(X[:2], Y[:2]), l2=1e-3, progress=False)
    elif name == "fit, scalar path":  # a loss of one's own: the batched path leaves it to the engine
        optimizer = Adam(model.parameters(), lr=0.1)
        run = lambda: fit(model, X, Y, loss=lambda out, y: hinge(out, y), optimizer=optimizer,
                          epochs=2, batch_size=3, validation=(X[:2], Y[:2]), l2=1e-3, progress=False)
    else:
        optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss = "hinge" if name == "train_step" else lambda out, y: hinge(out, y)
        run = lambda: [train_step(model, X, Y, loss, optimizer) for _ in range(2)]
    return model, optimizer, run


def _states_after_each_step(name: str) -> list[tuple]:
    """The state before training and after every complete step of an uninterrupted run."""
    model, optimizer, run = _scenario(name)
    states = [_state(model, optimizer)]
    plain_step = optimizer.step

    def recording_step():
        plain_step()
        states.append(_state(model, optimizer))

    optimizer.step = recording_step
    run()
    return states


NOP = dis.opmap["NOP"]


def _traced(run, interrupt_at: float) -> tuple[int, bool]:
    """Run with a trace on every bytecode; send SIGINT to this process at bytecode
    ``interrupt_at``. Returns how many bytecodes ran and whether the interrupt was answered:
    KeyboardInterrupt came out, Python dropped it in a finalizer, or the run ended before."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
            # Python never handles a signal at a NOP (it marks where a `try:` begins and is
            # outside the try's protected range): there the interrupt waits for the next bytecode.
            if count >= interrupt_at and frame.f_code.co_code[frame.f_lasti] != NOP:
                sys.settrace(None)
                signal.raise_signal(signal.SIGINT)
                return None
        return tracer

    interrupted = False
    lost = []
    plain_hook, sys.unraisablehook = sys.unraisablehook, lost.append
    try:
        try:
            sys.settrace(tracer)
            run()
        finally:
            sys.settrace(None)
        for _ in range(3):  # a SIGINT still pending is handled here at the latest
            pass
    except KeyboardInterrupt:
        interrupted = True
    finally:
        sys.unraisablehook = plain_hook
    # Ctrl-C that Python handles inside a finalizer or a weakref callback (tqdm has both) is
    # dropped by Python itself ("Exception ignored in ..."): nothing for training to raise.
    dropped = any(isinstance(item.exc_value, KeyboardInterrupt) for item in lost)
    # A run's length moves by a few bytecodes (when a finalizer runs): a point past its end is
    # never reached, and then there was no interrupt to answer.
    return count, interrupted or dropped or count < interrupt_at


@pytest.fixture
def python_handles_ctrl_c():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("name, collector_on", [
    ("fit", True), ("fit, scalar path", True), ("train_step", True),
    ("train_step, scalar path", True), ("train_step, scalar path", False),  # a collector turned off stays off
])
def test_ctrl_c_anywhere_leaves_the_last_complete_step(python_handles_ctrl_c, name, collector_on):
    states = _states_after_each_step(name)
    assert len(states) == (5 if name.startswith("fit") else 3)
    total, _ = _traced(_scenario(name)[2], math.inf)
    assert total > 1000
    rng = random.Random(f"{name}{collector_on}")
    evenly_spread = {1 + i * total // POINTS for i in range(POINTS)}
    points = sorted(evenly_spread | set(rng.sample(range(1, total), min(POINTS, total - 1))))
    (gc.enable if collector_on else gc.disable)()
    try:
        seen = set()
        for point in points:
            model, optimizer, run = _scenario(name)
            _, interrupted = _traced(run, point)
            where = f"Ctrl-C at bytecode {point} of {total}"
            assert interrupted, where
            state = _state(model, optimizer)
            assert state in states, f"{where}: the model or optimizer is between two steps"
            seen.add(states.index(state))
            assert gc.isenabled() is collector_on, where
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, where
            assert is_grad_enabled(), where
    finally:
        gc.enable()
    # the points fell before and after a step, not all in one place
    assert len(seen) >= 2, seen


def test_ctrl_c_during_backward_puts_every_leaf_back(python_handles_ctrl_c):
    model = MLP(2, [4, 4, 1], seed=0)
    leaves = model.parameters()
    loss = hinge(model.forward_batch(X), Y)
    total, _ = _traced(loss.backward, math.inf)
    for point in sorted({1 + i * total // POINTS for i in range(POINTS)}):
        for p in leaves:
            p.grad = 0.25  # accumulated from an earlier pass
        _, interrupted = _traced(loss.backward, point)
        assert interrupted
        assert {p.grad for p in leaves} == {0.25}, f"Ctrl-C at bytecode {point} of {total}"
