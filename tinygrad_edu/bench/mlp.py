"""One full MLP training step, tinygrad_edu vs PyTorch vs a hand-written numpy MLP.

    python -m tinygrad_edu.bench mlp [--batches 32 128 512] [--threads 1 2] [--steps 200]

The model is 784-256-128-10 with ReLU, float32; a step is forward, cross-entropy, backward and an Adam
update. Every contender runs in its own process, so no library's thread pool or allocator disturbs another;
the processes take turns, one timed block each per round. Steps per second are the median of each contender's
blocks; a ratio is the median over rounds of the ratio within each round, which a slow spell of the shared machine
spoils less (see timing.paired_ratio). The numpy MLP is the no-framework floor: numpy matmuls, a manual backward
and an in-place Adam. The hardware's floor is printed too: the time the step's matrix products alone would take at
the machine's arithmetic peak (bench peak), next to our whole step.
"""
import functools
import json
import os
import subprocess
import sys
import time

import numpy as np

from .peak import peak_gflops
from .timing import medians, paired_ratio
from .tiny_op import CHAIN_OPS, tiny_op_chain

LAYERS = (784, 256, 128, 10)
CONTENDERS = {
    "tinygrad_edu": "tinygrad_edu (C core, Adam)",
    "numpy": "hand-written numpy MLP (in-place Adam)",
    "torch": "PyTorch, torch.optim.Adam default",
    "torch_fused": "PyTorch, torch.optim.Adam(fused=True)",
}


def step_product_flops(batch):
    """Flops of the matrix products of one training step: every layer's forward X·Wᵀ and weight gradient dYᵀ·X, and
    the input gradient dY·W of every layer but the first (the data needs none)."""
    layers = list(zip(LAYERS[:-1], LAYERS[1:]))
    multiply_adds = sum(2 * batch * fan_in * fan_out for fan_in, fan_out in layers)
    multiply_adds += sum(batch * fan_in * fan_out for fan_in, fan_out in layers[1:])
    return 2 * multiply_adds


def _batches(batch, count, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((count, batch, LAYERS[0]), dtype=np.float32)
    y = rng.integers(0, LAYERS[-1], size=(count, batch))
    return x, y


def _tinygrad_step_fn(threads):
    import tinygrad_edu as tg
    from tinygrad_edu import nn, optim
    tg.set_num_threads(threads)
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)

    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(tg.Tensor(x)), tg.Tensor(y))
        loss.backward()
        optimizer.step()
    return step


def _torch_step_fn(threads, fused):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused or None)

    def step(x, y):
        optimizer.zero_grad()
        loss = loss_fn(model(torch.from_numpy(x)), torch.from_numpy(y))
        loss.backward()
        optimizer.step()
    return step


def _numpy_step_fn(threads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """A 3-layer MLP with the backward written out by hand and Adam updating the arrays in place."""
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads)
    except ImportError:
        pass
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(LAYERS[:-1], LAYERS[1:]):
        params += [(rng.standard_normal((fan_out, fan_in)) * np.sqrt(2 / fan_in)).astype(np.float32),
                   np.zeros(fan_out, dtype=np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    t = [0]

    def step(x, y):
        grads = _numpy_mlp_grads(params, x, y)
        t[0] += 1
        step_size = lr / (1 - betas[0] ** t[0])
        root_correction = np.sqrt(1 - betas[1] ** t[0])
        for param, grad, m_i, v_i in zip(params, grads, m, v):
            m_i *= betas[0]
            m_i += (1 - betas[0]) * grad
            v_i *= betas[1]
            v_i += (1 - betas[1]) * grad * grad
            denom = np.sqrt(v_i)
            denom /= root_correction
            denom += eps
            param -= step_size * m_i / denom
    return step


def _numpy_mlp_grads(params, x, y):
    """The gradients of the mean cross-entropy of the 3-layer ReLU MLP, backpropagated by hand."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.maximum(x @ w1.T + b1, 0)
    h2 = np.maximum(h1 @ w2.T + b2, 0)
    z = h2 @ w3.T + b3
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    dz = p / len(y)
    dh2 = (dz @ w3) * (h2 > 0)
    dh1 = (dh2 @ w2) * (h1 > 0)
    return [dh1.T @ x, dh1.sum(0), dh2.T @ h1, dh2.sum(0), dz.T @ h2, dz.sum(0)]


def _make_step(contender, threads):
    if contender == "tinygrad_edu":
        return _tinygrad_step_fn(threads)
    if contender == "numpy":
        return _numpy_step_fn(threads)
    if contender in ("torch", "torch_fused"):
        return _torch_step_fn(threads, fused=contender == "torch_fused")
    raise ValueError(f"unknown contender {contender!r}; the contenders are {', '.join(CONTENDERS)}")


@functools.lru_cache(maxsize=1)
def _fashion_mnist_train():
    """Fashion-MNIST's training images and labels, read once per worker; None when not installed."""
    from tinygrad_edu.data import fashion_mnist
    try:
        return fashion_mnist()[0]
    except (FileNotFoundError, OSError, ValueError):
        return None


def epoch_seconds(step, batch):
    """Seconds `step` takes for one epoch over Fashion-MNIST's 60 000 training images; None when not installed."""
    if _fashion_mnist_train() is None:
        return None
    x_train, y_train = _fashion_mnist_train()
    order = np.random.default_rng(0).permutation(len(x_train))
    start = time.perf_counter()
    for first in range(0, len(order), batch):
        rows = order[first:first + batch]
        step(x_train[rows], y_train[rows])
    return time.perf_counter() - start


class _Worker:
    """A contender in its own interpreter, driven line by line: "steps N", "chain N" or "epoch" in, seconds (JSON) out.

    Keeping every contender alive and giving each one block in turn spreads the machine's slow moments over
    all of them, instead of charging whoever happened to run during one.
    """

    def __init__(self, contender, threads, batch):
        env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tinygrad_edu.bench.mlp", "--worker", contender, str(batch), str(threads)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        self.ready = self.process.stdout.readline().strip() == "ready"

    def time(self, command):
        """Seconds the worker took for `command`, or None when it could not (no torch, no dataset)."""
        if not self.ready:
            return None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline() or "null")

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=60)


def interleaved_samples(contenders, batch, threads, command, rounds):
    """{contender: [seconds of `command` in each round, None where it could not run]}, the contenders taking turns,
    one block each per round."""
    return _take_turns({c: (c, threads) for c in contenders}, batch, command, rounds)


def thread_speedup(batch, threads, steps, rounds):
    """tinygrad_edu's steps/s with `threads` threads over its steps/s with one, the two taking turns block by block
    (the table's rows are timed minutes apart, when the machine's load may differ)."""
    samples = _take_turns({1: ("tinygrad_edu", 1), threads: ("tinygrad_edu", threads)}, batch, f"steps {steps}",
                          rounds)
    return paired_ratio(samples[1], samples[threads])


# A library's idle worker threads spin for a while after its last call and would take a core from whoever runs next,
# so a block on several threads is followed by this pause (docs/performance.md, SETTLE_SECONDS).
SETTLE_SECONDS = 0.15


def _take_turns(runs, batch, command, rounds):
    """{key: [seconds of `command` in each round, None where it could not run]} for runs = {key: (contender,
    threads)}, each in a worker of its own, taking turns one block each per round."""
    keys = list(runs)
    workers = {key: _Worker(*runs[key], batch) for key in keys}
    samples = {key: [] for key in keys}
    try:
        for round_index in range(rounds):
            shift = round_index % len(keys)
            for key in keys[shift:] + keys[:shift]:
                samples[key].append(workers[key].time(command))
                if runs[key][1] > 1:
                    time.sleep(SETTLE_SECONDS)
    finally:
        for worker in workers.values():
            worker.close()
    return samples


def _pin_to_one_core():
    """Run this process on the lowest-numbered CPU it may use (where the OS allows choosing).

    On a shared machine one core often runs slower than the other for seconds at a time. One-thread workers left to
    the scheduler may sit on different cores, and a turn-by-turn ratio then compares a slowed core with a quick one;
    on the same core the contenders meet the same spells (docs/performance.md, one-thread workers on one core)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _serve(contender, batch, threads):
    """The worker side of _Worker: answer commands until EOF, building (and warming up) what a command times on
    its first use, so a worker that only times the tiny-op chain never builds the MLP. A one-thread worker runs on
    the same core as every other one (_pin_to_one_core)."""
    if threads == 1:
        _pin_to_one_core()
    step = chain = None
    print("ready", flush=True)
    for line in sys.stdin:
        kind, *count = line.split()
        if kind == "chain":  # the tiny-op overhead of the contender's library (see op_overhead_us)
            if chain is None:
                chain = tiny_op_chain("torch" if contender.startswith("torch") else contender)
                chain()
            start = time.perf_counter()
            for _ in range(int(count[0])):
                chain()
            print(json.dumps(time.perf_counter() - start), flush=True)
            continue
        if step is None:
            step = _make_step(contender, threads)
            x, y = _batches(batch, 8)
            for i in range(10):
                step(x[i % 8], y[i % 8])
        if kind == "steps":
            start = time.perf_counter()
            for i in range(int(count[0])):
                step(x[i % 8], y[i % 8])
            seconds = time.perf_counter() - start
        else:
            seconds = epoch_seconds(step, batch)
        print(json.dumps(seconds), flush=True)


def op_overhead_us(rounds=31, chains=20):
    """{"tinygrad_edu": µs, "torch": µs or None, "time_ratio": tinygrad_edu's time over PyTorch's or None} per tiny
    op (forward + backward, one thread).

    Each library runs in its own process and they take turns, `chains` chains per turn, so a slow moment of the
    machine is shared by both; each µs figure is the median of its turns, the ratio the median of the turns' ratios.
    """
    libraries = ["tinygrad_edu", "torch"] if torch_available() else ["tinygrad_edu"]
    samples = interleaved_samples(libraries, batch=32, threads=1, command=f"chain {chains}", rounds=rounds)
    per_op = {library: median / chains / (CHAIN_OPS + 1) * 1e6 if median else None
              for library, median in medians(samples).items()}
    return {"tinygrad_edu": per_op["tinygrad_edu"], "torch": per_op.get("torch"),
            "time_ratio": paired_ratio(samples["tinygrad_edu"], samples.get("torch", []))}


@functools.lru_cache(maxsize=None)
def torch_available():
    """Whether PyTorch imports here (asked in a subprocess, once: importing it takes a second or two)."""
    return subprocess.run([sys.executable, "-c", "import torch"], capture_output=True).returncode == 0


def add_arguments(parser):
    parser.add_argument("--batches", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, default=100, help="steps per timed block")
    parser.add_argument("--rounds", type=int, default=7, help="timed blocks per contender (the median is reported)")
    parser.add_argument("--no-epoch", action="store_true", help="skip the Fashion-MNIST epoch timing")


def report(args):
    """The benchmark's result as Markdown lines."""
    contenders = [c for c in CONTENDERS if not c.startswith("torch") or torch_available()]
    peaks = {threads: peak_gflops(threads) for threads in args.threads}  # before any worker runs
    lines, rates_by_run = _step_table(args, contenders)
    lines += _thread_speedups(args, contenders, rates_by_run)
    if None not in peaks.values():
        lines += _floor_table(peaks, rates_by_run)
    if not args.no_epoch:
        lines += _epoch_lines(contenders)
    overhead = op_overhead_us()
    ours, theirs = overhead["tinygrad_edu"], overhead["torch"]
    lines += ["", f"Framework overhead per tiny op (chain of {CHAIN_OPS}, forward + backward, the two taking turns): "
              f"tinygrad_edu {ours:.2f} µs" + (f", PyTorch {theirs:.2f} µs; tinygrad_edu takes "
                                               f"{overhead['time_ratio']:.2f} of PyTorch's time" if theirs else "")]
    return lines


def _step_table(args, contenders):
    """The steps/s table (one row per batch and thread count) and the rates behind it, {(batch, threads): rates}."""
    lines = ["## MLP training step (784-256-128-10, ReLU, float32, cross-entropy, Adam)", "",
             f"Steps per second (median of {args.rounds} blocks of {args.steps} steps, the contenders taking turns "
             "block by block, each in its own process); ratios are tinygrad_edu's steps/s over the other's, the "
             "median over rounds of the ratio within each round.", "",
             "| batch | threads | " + " | ".join(contenders) + " | " +
             " | ".join(f"× {c}" for c in contenders[1:]) + " |",
             "|---:|---:|" + "---:|" * (2 * len(contenders) - 1)]
    rates_by_run = {}
    for batch in args.batches:
        for threads in args.threads:
            samples = interleaved_samples(contenders, batch, threads, f"steps {args.steps}", args.rounds)
            seconds = medians(samples)
            rates = {c: args.steps / seconds[c] if seconds[c] else None for c in contenders}
            rates_by_run[(batch, threads)] = rates
            cells = [f"{rates[c]:.0f}" if rates[c] else "n/a" for c in contenders]
            ratios = [paired_ratio(samples[c], samples["tinygrad_edu"]) for c in contenders[1:]]
            ratios = [f"{ratio:.2f}" if ratio else "n/a" for ratio in ratios]
            lines.append(f"| {batch} | {threads} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return lines, rates_by_run


def _thread_speedups(args, contenders, rates_by_run):
    """Each library's 1 → most threads gain (how much of a second core the machine gave), and ours in turns."""
    lines, most = [], max(args.threads)
    for batch in args.batches:
        one, many = rates_by_run.get((batch, 1)), rates_by_run.get((batch, most))
        if one and many and most > 1:
            gains = [f"{c} {many[c] / one[c]:.2f}×" for c in contenders if one[c] and many[c]]
            lines.append(f"\nSpeed-up from 1 to {most} threads at batch {batch}: " + ", ".join(gains))
    if 1 in args.threads and most > 1:
        speedups = {batch: thread_speedup(batch, most, args.steps, args.rounds) for batch in args.batches}
        lines.append(f"\ntinygrad_edu's speed-up from 1 to {most} threads, the two taking turns block by block: " +
                     ", ".join(f"batch {b} {g:.2f}×" if g else f"batch {b} n/a" for b, g in speedups.items()))
    return lines


def _floor_table(peaks, rates_by_run):
    """The step's matrix products at the machine's arithmetic peak, against our whole step."""
    lines = ["", "The floor: the step's matrix products at this machine's arithmetic peak (bench peak, measured "
             "at the start), against tinygrad_edu's whole step.", "",
             "| batch | products, MFLOP | threads | peak GFLOP/s | products at peak, ms | tinygrad_edu's step, ms "
             "| floor / step |", "|---:|---:|---:|---:|---:|---:|---:|"]
    for (batch, threads), rates in rates_by_run.items():
        flops, step_rate = step_product_flops(batch), rates["tinygrad_edu"]
        floor = flops / (peaks[threads] * 1e9)
        step = f"{1e3 / step_rate:.2f} | {floor * step_rate:.0%}" if step_rate else "n/a | n/a"
        lines.append(f"| {batch} | {flops / 1e6:.1f} | {threads} | {peaks[threads]:.1f} | {floor * 1e3:.2f} | "
                     f"{step} |")
    return lines


def _epoch_lines(contenders):
    """One Fashion-MNIST epoch at batch 128 for every contender (n/a without the dataset)."""
    lines = ["", "Fashion-MNIST, one epoch at batch 128 (60 000 images, 2 threads; median of 3, taking turns):"]
    samples = interleaved_samples(contenders, 128, 2, "epoch", rounds=3)
    epochs = medians(samples)
    for contender in contenders:
        seconds = epochs[contender]
        ratio = paired_ratio(samples["tinygrad_edu"], samples[contender]) if contender != "tinygrad_edu" else None
        lines.append(f"- {CONTENDERS[contender]}: " + (f"{seconds:.2f} s" if seconds else
                     "n/a (Fashion-MNIST not installed: apt-get install dataset-fashion-mnist)") +
                     (f" (tinygrad_edu takes {ratio:.2f} of its time)" if ratio else ""))
    return lines


def run(args):
    print("\n".join(report(args)))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _serve(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
