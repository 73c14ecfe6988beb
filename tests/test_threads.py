"""Grad mode and anomaly mode hold per thread: a thread in no_grad() never stops another from recording, and two
threads can train at once (train.fit with validation) with the results of the same runs made one after the other.

Threads start together behind a threading.Barrier, and hand over the interpreter at chosen points
(`let_others_run`) instead of only every 5 ms, so their steps really interleave. No assertion depends on timing.
"""
import threading
import time
from collections import namedtuple

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import data, nn, optim, train

ITERATIONS = 2000


def let_others_run():
    """Release the interpreter lock, so a thread waiting for it runs now (the 5 ms switch interval is too coarse
    to interleave small steps, and setting it lower does little on a busy machine)."""
    time.sleep(0)


def run_together(*workers):
    """Run each worker(barrier) in its own thread, started at once and sharing one Barrier; their return values in
    order. A worker's exception is raised here (the barrier is broken first, so no other thread waits forever)."""
    barrier = threading.Barrier(len(workers))
    results, errors = [None] * len(workers), []

    def run(index):
        try:
            results[index] = workers[index](barrier)
        except BaseException as exc:  # handed to the main thread, which raises it
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:  # the first real failure, not the broken barrier it left the other threads
        causes = [error for error in errors if not isinstance(error, threading.BrokenBarrierError)]
        raise (causes or errors)[0]
    return results


def grad_on():
    """Whether this thread records the graph, asked both ways: the flag, and whether an op's result requires grad."""
    recorded = (tg.ones(2, requires_grad=True) * 2).requires_grad
    assert recorded == tg.is_grad_enabled()
    return recorded


def anomaly_on():
    """Whether this thread checks for NaN/Inf: an op that gives Inf raises only then."""
    try:
        tg.tensor([np.inf]) + 1.0
    except tg.AnomalyError:
        return True
    return False


class Boom(Exception):
    pass


# ---- a recording thread beside threads in no_grad() ------------------------------------------------------------
def test_a_recording_thread_keeps_its_graph_and_gradients_beside_no_grad_threads():
    x = tg.tensor(np.linspace(-1.0, 1.0, 8))
    w_values = np.linspace(0.5, -0.5, 8)

    def loss_of(w):
        return ((w * x).tanh() * x).sum()

    w = tg.tensor(w_values, requires_grad=True)
    loss_of(w).backward()
    expected = w.grad.data.copy()  # d/dw Σ tanh(w·x)·x = (1 − tanh²(w·x))·x²
    np.testing.assert_allclose(expected, (1 - np.tanh(w_values * x.data) ** 2) * x.data ** 2, rtol=1e-12)
    recording_done = threading.Event()

    def record(barrier):
        w = tg.tensor(w_values, requires_grad=True)
        barrier.wait()
        try:
            for _ in range(ITERATIONS):
                loss = loss_of(w)
                let_others_run()
                assert loss.requires_grad and tg.is_grad_enabled()
                loss.backward()
                assert np.array_equal(w.grad.data, expected)
                w.grad = None
        finally:
            recording_done.set()

    def inside_one_no_grad(barrier):
        w = tg.tensor(w_values, requires_grad=True)
        with tg.no_grad():
            barrier.wait()
            done = 0
            while done < ITERATIONS or not recording_done.is_set():  # for as long as the recording thread runs
                assert not loss_of(w).requires_grad and not tg.is_grad_enabled()
                let_others_run()
                done += 1
        assert loss_of(w).requires_grad

    def in_and_out_of_no_grad(barrier):
        w = tg.tensor(w_values, requires_grad=True)
        barrier.wait()
        done = 0
        while done < ITERATIONS or not recording_done.is_set():
            with tg.no_grad():
                let_others_run()  # the recording thread runs while this one is inside no_grad()
                assert not loss_of(w).requires_grad
            assert loss_of(w).requires_grad
            done += 1

    run_together(record, inside_one_no_grad, in_and_out_of_no_grad)


# ---- nesting, exceptions, decorators and shared objects, per thread ---------------------------------------------
def nested_grad_modes(check):
    """no_grad inside enable_grad inside no_grad, with an exception raised innermost."""
    check(True)
    with tg.no_grad():
        check(False)
        with tg.enable_grad():
            check(True)
            with pytest.raises(Boom):
                with tg.no_grad():
                    check(False)
                    raise Boom
            check(True)
        check(False)
    check(True)


def nested_anomaly_modes(check):
    """detect_anomaly inside detect_anomaly, the inner one left by the AnomalyError it raises."""
    check(False)
    with tg.detect_anomaly():
        check(True)
        with pytest.raises(tg.AnomalyError):
            with tg.detect_anomaly():
                check(True)
                tg.tensor([np.nan]) * 2.0
        check(True)
    check(False)


Mode = namedtuple("Mode", "switch probe default nested")
MODES = [pytest.param(Mode(tg.no_grad, grad_on, True, nested_grad_modes), id="grad"),
         pytest.param(Mode(tg.detect_anomaly, anomaly_on, False, nested_anomaly_modes), id="anomaly")]


@pytest.mark.parametrize("mode", MODES)
def test_nesting_and_exceptions_restore_each_threads_own_mode(mode):
    """Three threads run the same nested blocks in lockstep, each one step behind the one before, so at most steps
    they sit at different levels; a fourth stays switched throughout. Each sees only its own mode."""
    calls = []
    mode.nested(calls.append)
    lags, steps = (0, 1, 2), len(calls)
    total = steps + max(lags)

    def lockstep(barrier, expected):
        barrier.wait()  # every thread is at this step
        assert mode.probe() == expected
        barrier.wait()  # every thread has looked before any moves on

    def lagging(lag):
        def worker(barrier):
            for _ in range(lag):
                lockstep(barrier, mode.default)
            mode.nested(lambda expected: lockstep(barrier, expected))
            for _ in range(total - steps - lag):
                lockstep(barrier, mode.default)
        return worker

    def switched(barrier):
        with mode.switch():
            for _ in range(total):
                lockstep(barrier, not mode.default)

    run_together(*[lagging(lag) for lag in lags], switched)
    assert mode.probe() == mode.default  # the main thread never left the defaults


@pytest.mark.parametrize("mode", MODES)
def test_a_decorated_function_called_from_several_threads_at_once(mode):
    switch, probe, default = mode.switch, mode.probe, mode.default

    @switch()
    def inside(barrier):
        barrier.wait()  # every caller is inside at once
        seen = probe()
        barrier.wait()
        return seen

    @switch()
    def failing():
        raise Boom

    def caller(barrier):
        seen = inside(barrier)
        with pytest.raises(Boom):
            failing()
        return seen, probe()

    def caller_already_switched(barrier):
        with switch():
            seen = inside(barrier)
            with pytest.raises(Boom):
                failing()
            return seen, probe()

    def bystander(barrier):
        barrier.wait()
        seen = probe()
        barrier.wait()
        return seen, probe()

    results = run_together(caller, caller, caller_already_switched, bystander)
    assert results == [(not default, default)] * 2 + [(not default, not default), (default, default)]


@pytest.mark.parametrize("mode", MODES)
def test_one_mode_object_entered_from_two_threads_restores_each_its_own(mode):
    """The first thread enters from the default and leaves first; the second enters from inside another block of
    the same mode. A restore shared by the two would give each thread the other's previous mode."""
    shared, probe, default = mode.switch(), mode.probe, mode.default

    def from_default(barrier):
        with shared:
            barrier.wait()  # 1: inside
            barrier.wait()  # 2: the other is inside too
            assert probe() == (not default)
        barrier.wait()  # 3: left first
        assert probe() == default
        barrier.wait()  # 4: the other has left

    def from_switched(barrier):
        with mode.switch():
            barrier.wait()  # 1
            with shared:
                barrier.wait()  # 2
                barrier.wait()  # 3: the other has left
                assert probe() == (not default)
            barrier.wait()  # 4
            assert probe() == (not default)
        assert probe() == default

    run_together(from_default, from_switched)


def test_a_new_thread_starts_with_grad_on_and_anomaly_off():
    with tg.no_grad(), tg.detect_anomaly():
        assert not grad_on() and anomaly_on()
        assert run_together(lambda barrier: (grad_on(), anomaly_on())) == [(True, False)]
        assert not grad_on() and anomaly_on()
    assert grad_on() and not anomaly_on()


# ---- two train.fit calls at once ---------------------------------------------------------------------------------
def he_normal_from(rng):
    """A Linear init like "he", drawn from `rng` rather than the library RNG that every thread shares."""
    def init(weight):
        fan_in = weight.shape[1]
        weight.data[...] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=weight.shape)
    return init


class LetOthersRun(nn.Module):
    """The identity, after letting another thread run: two fits then interleave layer by layer, one training while
    the other evaluates under no_grad()."""

    def forward(self, x):
        let_others_run()
        return x


def fit_run(seed, barrier=None):
    """A small MLP trained on blobs with a validation loader: every random draw comes from generators seeded with
    `seed` (data, weights, shuffling), so the run gives the same bits wherever and beside whatever it runs."""
    X, y = data.blobs(n_samples=160, centers=3, cluster_std=2.0, seed=seed)
    (X_tr, y_tr), (X_val, y_val) = data.train_val_split(X / 10, y, seed=seed)
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(2, 16, init=he_normal_from(rng)), LetOthersRun(), nn.ReLU(),
                          nn.Linear(16, 3, init=he_normal_from(rng)), LetOthersRun())
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    train_loader = data.DataLoader((X_tr, y_tr), batch_size=16, shuffle=True, seed=seed)
    val_loader = data.DataLoader((X_val, y_val), batch_size=8)
    if barrier is not None:
        barrier.wait()
    history = train.fit(model, nn.CrossEntropyLoss(), optimizer, train_loader, epochs=6, val_loader=val_loader,
                        progress=False)
    losses = {key: values for key, values in history.history.items() if key != "time"}
    return losses, [p.data.copy() for p in model.parameters()]


def assert_same_run(got, expected):
    (got_losses, got_weights), (expected_losses, expected_weights) = got, expected
    assert got_losses == expected_losses
    assert len(got_weights) == len(expected_weights)
    for got_w, expected_w in zip(got_weights, expected_weights):
        assert got_w.dtype == expected_w.dtype and np.array_equal(got_w, expected_w)


def test_two_concurrent_fits_with_validation_give_the_sequential_weights():
    seeds = (1, 2)
    sequential = [fit_run(seed) for seed in seeds]
    assert sequential[0][0]["val_loss"][-1] < sequential[0][0]["val_loss"][0]  # it trains
    assert not np.array_equal(sequential[0][1][0], sequential[1][1][0])  # two different runs
    for _ in range(20):
        concurrent = run_together(*[lambda barrier, seed=seed: fit_run(seed, barrier) for seed in seeds])
        for got, expected in zip(concurrent, sequential):
            assert_same_run(got, expected)
    assert grad_on() and not anomaly_on()
